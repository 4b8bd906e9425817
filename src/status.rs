//! `viper status`: reads a running bot's `/ready`, `/metrics` and `/api/v1/summary` and prints
//! the health summary with the positions and orders tables; `--json` prints the
//! `/api/v1/summary` document.

use anyhow::Context as _;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One Prometheus sample: name, labels as written, value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Metric name.
    pub name: String,
    /// `k="v",…` as written (empty without labels).
    pub labels: String,
    /// Value.
    pub value: f64,
}

/// Parses the Prometheus text format (comments skipped, unparsable lines ignored).
pub fn parse_metrics(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let value = value.parse().ok()?;
            let (name, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            Some(Sample {
                name: name.to_owned(),
                labels: labels.to_owned(),
                value,
            })
        })
        .collect()
}

fn sum(samples: &[Sample], name: &str) -> Option<f64> {
    let v: Vec<f64> = samples
        .iter()
        .filter(|s| s.name == name)
        .map(|s| s.value)
        .collect();
    (!v.is_empty()).then(|| v.iter().sum())
}

fn by_label(samples: &[Sample], name: &str, label: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for s in samples.iter().filter(|s| s.name == name) {
        let key = s
            .labels
            .split(',')
            .find_map(|kv| kv.strip_prefix(&format!("{label}=")))
            .unwrap_or("")
            .trim_matches('"')
            .to_owned();
        *out.entry(key).or_insert(0.0) += s.value;
    }
    out
}

fn num(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.3}")
        }
    })
}

/// The readable summary of `/ready` (its HTTP status and JSON) and `/metrics`.
pub fn render(url: &str, http: u16, ready: &serde_json::Value, metrics: &[Sample]) -> String {
    let s = |k: &str| ready.get(k).cloned().unwrap_or(serde_json::Value::Null);
    let age = |k: &str| {
        s(k).as_f64()
            .map_or("none yet".into(), |a| format!("{a:.1} s old"))
    };
    let reasons: Vec<String> = s("reasons")
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let joined = |m: BTreeMap<String, f64>| {
        if m.is_empty() {
            "none".to_owned()
        } else {
            m.iter()
                .map(|(k, v)| format!("{k} {}", num(Some(*v))))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let mut o = String::new();
    let _ = writeln!(o, "viper status ({url})");
    let _ = writeln!(
        o,
        "  verdict:          {} (HTTP {http})",
        s("verdict").as_str().unwrap_or("?")
    );
    let _ = writeln!(
        o,
        "  trading:          {}",
        s("trading").as_str().unwrap_or("?")
    );
    let _ = writeln!(
        o,
        "  reasons:          {}",
        if reasons.is_empty() {
            "-".into()
        } else {
            reasons.join("; ")
        }
    );
    let _ = writeln!(
        o,
        "  market data:      {} (fresh {:.1}% of checks)",
        age("market_data_age_secs"),
        s("market_uptime_ratio").as_f64().unwrap_or(0.0) * 100.0
    );
    let _ = writeln!(o, "  account data:     {}", age("account_data_age_secs"));
    let _ = writeln!(o, "  uptime:           {} s", s("uptime_secs"));
    let _ = writeln!(
        o,
        "  actor restarts:   {}",
        joined(by_label(metrics, "viper_actor_restarts_total", "actor"))
    );
    let _ = writeln!(
        o,
        "  equity:           {} USDT",
        num(sum(metrics, "viper_equity_usdt"))
    );
    let _ = writeln!(
        o,
        "  positions:        {} open, margin in use {} USDT, {} without stop-loss",
        num(sum(metrics, "viper_positions_open")),
        num(sum(metrics, "viper_margin_in_use_usdt")),
        num(sum(metrics, "viper_unprotected_positions"))
    );
    let _ = writeln!(
        o,
        "  orders by phase:  {}",
        joined(by_label(metrics, "viper_orders_by_phase", "phase"))
    );
    let _ = writeln!(
        o,
        "  intents:          {} ({})",
        num(sum(metrics, "viper_intents_total")),
        joined(by_label(metrics, "viper_intent_outcomes_total", "outcome"))
    );
    let _ = writeln!(
        o,
        "  REST:             {} requests, {} errors, {} retries",
        num(sum(metrics, "viper_rest_requests_total")),
        num(sum(metrics, "viper_rest_errors_total")),
        num(sum(metrics, "viper_rest_retries_total"))
    );
    let _ = writeln!(o, "  REST per endpoint: {}", rest_rates(metrics));
    let _ = writeln!(
        o,
        "  clock offset:     {} s",
        num(sum(metrics, "viper_rest_clock_offset_seconds"))
    );
    o
}

async fn get(client: &awc::Client, url: &str) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut r = client.get(url).send().await.map_err(|e| {
        anyhow::anyhow!("GET {url}: {e} (is the bot running with its admin server there?)")
    })?;
    let body = r
        .body()
        .limit(16 << 20)
        .await
        .with_context(|| format!("reading {url}"))?;
    Ok((r.status().as_u16(), body.to_vec()))
}

/// Each endpoint's average request rate since start against Bitget's limit for it, e.g.
/// `accounts 0.10/s of 10/s (1.0 %)`; endpoints never called are left out.
fn rest_rates(metrics: &[Sample]) -> String {
    let uptime = sum(metrics, "viper_uptime_seconds").unwrap_or(0.0);
    if uptime <= 0.0 {
        return "n/a".into();
    }
    let limits = by_label(metrics, "viper_rest_rate_limit_per_second", "endpoint");
    let parts: Vec<String> = by_label(metrics, "viper_rest_requests_total", "endpoint")
        .into_iter()
        .filter(|(_, n)| *n > 0.0)
        .map(|(ep, n)| {
            let rate = n / uptime;
            let name = ep.rsplit('/').next().unwrap_or(&ep).to_owned();
            match limits.get(&ep).filter(|l| **l > 0.0) {
                Some(l) => format!("{name} {rate:.2}/s of {l}/s ({:.1} %)", rate / l * 100.0),
                None => format!("{name} {rate:.2}/s"),
            }
        })
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// Fetches and prints; `Ok(true)` when the verdict is live (with `json`: when the summary
/// was read).
pub async fn run(admin_url: &str, json: bool) -> anyhow::Result<bool> {
    let base = admin_url.trim_end_matches('/');
    let summary = crate::cli_control::call("GET", &format!("{base}/api/v1/summary"), None).await?;
    let summary = match summary {
        crate::cli_control::Answer::Http(code, v) => (code, v),
        crate::cli_control::Answer::Unreachable(why) => {
            anyhow::bail!(
                "GET {base}/api/v1/summary: {why} (is the bot running with its admin server there?)"
            )
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&summary.1)?);
        return Ok(summary.0 == 200);
    }
    let client = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .finish();
    let (code, body) = get(&client, &format!("{base}/ready")).await?;
    let ready: serde_json::Value =
        serde_json::from_slice(&body).context("/ready did not answer JSON")?;
    let (_, metrics) = get(&client, &format!("{base}/metrics")).await?;
    let samples = parse_metrics(&String::from_utf8_lossy(&metrics));
    print!("{}", render(base, code, &ready, &samples));
    match (
        summary.0,
        serde_json::from_value::<crate::summary::Summary>(summary.1.clone()),
    ) {
        (200, Ok(s)) => print!("{}", crate::summary::render(&s)),
        (c, _) => println!(
            "  holdings:         unavailable (HTTP {c}: {})",
            summary.1["error"].as_str().unwrap_or("?")
        ),
    }
    Ok(code == 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_summarises() {
        let text = "# HELP x y\nviper_orders_by_phase{phase=\"filled\"} 3\nviper_orders_by_phase{phase=\"open\"} 1\nviper_equity_usdt 1000.5\n";
        let m = parse_metrics(text);
        assert_eq!(m.len(), 3);
        let ready = serde_json::json!({"verdict": "degraded", "reasons": ["market data is 4.0s old"], "trading": "active", "uptime_secs": 5});
        let out = render("http://x", 503, &ready, &m);
        assert!(out.contains("degraded (HTTP 503)"), "{out}");
        assert!(out.contains("filled 3, open 1"), "{out}");
        assert!(out.contains("1000.500 USDT"), "{out}");
    }

    #[test]
    fn rest_rates_are_averaged_over_uptime_against_each_limit() {
        let text = "viper_uptime_seconds 100\n\
            viper_rest_requests_total{endpoint=\"/api/v2/mix/account/accounts\"} 10\n\
            viper_rest_requests_total{endpoint=\"/api/v2/mix/order/place-order\"} 0\n\
            viper_rest_rate_limit_per_second{endpoint=\"/api/v2/mix/account/accounts\"} 10\n";
        let out = rest_rates(&parse_metrics(text));
        assert_eq!(out, "accounts 0.10/s of 10/s (1.0 %)");
        assert_eq!(rest_rates(&parse_metrics("")), "n/a");
    }
}
