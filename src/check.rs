//! `viper check`: the report (rows of PASS / WARN / FAIL / SKIP with latencies), its table
//! and JSON forms, and the API-key policy shared with `viper run` in live mode. The probes
//! themselves are in `check_probes.rs`.

use crate::config::{BotConfig, LiveConfig};
use anyhow::Context as _;
use serde::Serialize;
use std::time::Duration;
use viper_bitget::models::ApiKeyInfo;

pub use crate::check_probes::run;

/// Every REST request must answer within this (the 2 s criterion).
pub const LATENCY_LIMIT: Duration = Duration::from_secs(2);

/// A row's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Works.
    Pass,
    /// Works, but look at it.
    Warn,
    /// Broken: `viper check` exits non-zero.
    Fail,
    /// Not run.
    Skip,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// What was checked (an endpoint or a property).
    pub check: String,
    /// Verdict.
    pub status: Status,
    /// Median latency of the calls, ms.
    pub p50_ms: Option<u64>,
    /// Slowest call, ms.
    pub max_ms: Option<u64>,
    /// What was found, or why it failed and what to do.
    pub detail: String,
}

impl Row {
    /// A row without latencies.
    pub fn new(check: impl Into<String>, status: Status, detail: impl Into<String>) -> Self {
        Self {
            check: check.into(),
            status,
            p50_ms: None,
            max_ms: None,
            detail: detail.into(),
        }
    }

    /// Adds the p50 / max of `samples` and fails the row when the max breaks the criterion.
    pub fn timed(mut self, samples: &[Duration]) -> Self {
        let mut ms: Vec<u64> = samples
            .iter()
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .collect();
        ms.sort_unstable();
        if let (Some(mid), Some(max)) = (ms.get(ms.len() / 2), ms.last()) {
            self.p50_ms = Some(*mid);
            self.max_ms = Some(*max);
            if Duration::from_millis(*max) > LATENCY_LIMIT && self.status != Status::Fail {
                self.status = Status::Fail;
                self.detail = format!(
                    "slowest call {max} ms exceeds the {} ms criterion; {}",
                    LATENCY_LIMIT.as_millis(),
                    self.detail
                );
            }
        }
        self
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Where the checks ran.
    pub exchange: String,
    /// Config mode.
    pub mode: String,
    /// The rows, in order.
    pub rows: Vec<Row>,
    /// True when no row failed.
    pub ok: bool,
}

impl Report {
    /// Builds the report and its overall verdict.
    pub fn new(exchange: &str, mode: &str, rows: Vec<Row>) -> Self {
        let ok = rows.iter().all(|r| r.status != Status::Fail);
        Self {
            exchange: exchange.to_owned(),
            mode: mode.to_owned(),
            rows,
            ok,
        }
    }

    /// A table for a terminal.
    pub fn table(&self) -> String {
        let w = self
            .rows
            .iter()
            .map(|r| r.check.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let ms = |v: Option<u64>| v.map_or("-".to_owned(), |v| v.to_string());
        let mut out = format!(
            "viper check: {} (mode {})\n{:<w$}  {:<4}  {:>7}  {:>7}  detail\n",
            self.exchange, self.mode, "check", "", "p50 ms", "max ms"
        );
        for r in &self.rows {
            out.push_str(&format!(
                "{:<w$}  {:<4}  {:>7}  {:>7}  {}\n",
                r.check,
                r.status.as_str(),
                ms(r.p50_ms),
                ms(r.max_ms),
                r.detail
            ));
        }
        let failed = self
            .rows
            .iter()
            .filter(|r| r.status == Status::Fail)
            .count();
        let warned = self
            .rows
            .iter()
            .filter(|r| r.status == Status::Warn)
            .count();
        out.push_str(&if failed == 0 {
            format!("OK: {} checks, {warned} warnings\n", self.rows.len())
        } else {
            format!("FAILED: {failed} of {} checks failed\n", self.rows.len())
        });
        out
    }
}

/// The API-key policy: withdraw permission, futures trade permission, IP whitelist. Each
/// finding is FAIL unless its `[live]` override is set, then WARN naming the override.
pub fn key_policy(info: &ApiKeyInfo, live: &LiveConfig) -> Vec<Row> {
    let has = |p: &str| info.authorities.iter().any(|a| a.eq_ignore_ascii_case(p));
    let perms = info.authorities.join(" ");
    let verdict = |bad: bool, allowed: bool| match (bad, allowed) {
        (false, _) => Status::Pass,
        (true, true) => Status::Warn,
        (true, false) => Status::Fail,
    };
    let withdraw = has("wwow") || has("withdraw");
    let trade = info.can_trade_futures();
    let ips = info
        .ips
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    vec![
        Row::new(
            "key: no withdraw permission",
            verdict(withdraw, live.allow_withdraw_permission),
            if withdraw {
                format!(
                    "the key can withdraw (wwow in [{perms}]): create a trade-only key{}",
                    allowed(
                        live.allow_withdraw_permission,
                        "live.allow_withdraw_permission"
                    )
                )
            } else {
                format!("permissions [{perms}]")
            },
        ),
        Row::new(
            "key: futures trade permission",
            verdict(!trade, live.allow_missing_trade_permission),
            if trade {
                "coow present".to_owned()
            } else {
                format!(
                    "the key lacks futures trade permission (coow; it has [{perms}]): read-only keys cannot place orders{}",
                    allowed(
                        live.allow_missing_trade_permission,
                        "live.allow_missing_trade_permission"
                    )
                )
            },
        ),
        Row::new(
            "key: IP whitelist",
            verdict(ips.is_none(), live.allow_no_ip_whitelist),
            match ips {
                Some(ips) => format!("bound to {ips}"),
                None => format!(
                    "the key has no IP whitelist: bind it to this host's address{}",
                    allowed(live.allow_no_ip_whitelist, "live.allow_no_ip_whitelist")
                ),
            },
        ),
    ]
}

fn allowed(yes: bool, key: &str) -> String {
    if yes {
        format!(" (accepted by {key} = true)")
    } else {
        format!(", or set {key} = true")
    }
}

/// Live mode's gate before `viper run` starts anything: refuses a key that fails the policy
/// and logs every override at WARN.
pub async fn enforce_live_key_policy(
    rest: &viper_bitget::RestClient,
    cfg: &BotConfig,
) -> anyhow::Result<()> {
    let info = rest
        .api_key_info()
        .await
        .map_err(anyhow::Error::new)
        .context("live mode: reading the API key's permissions")?;
    let rows = key_policy(&info, &cfg.live);
    for r in rows.iter().filter(|r| r.status == Status::Warn) {
        tracing::warn!(check = %r.check, "LIVE MODE KEY OVERRIDE: {}", r.detail);
    }
    let fails: Vec<String> = rows
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| format!("{}: {}", r.check, r.detail))
        .collect();
    if fails.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "live mode refuses this API key:\n  - {}",
            fails.join("\n  - ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(perms: &[&str], ips: &str) -> ApiKeyInfo {
        serde_json::from_value(serde_json::json!({
            "userId": "1", "ips": ips, "authorities": perms
        }))
        .unwrap()
    }

    #[test]
    fn policy_fails_each_risk_unless_overridden() {
        let strict = LiveConfig::default();
        let ok = key_policy(&key(&["coor", "coow"], "1.2.3.4"), &strict);
        assert!(ok.iter().all(|r| r.status == Status::Pass), "{ok:?}");
        let bad = key_policy(&key(&["coor", "wwow"], ""), &strict);
        assert!(bad.iter().all(|r| r.status == Status::Fail), "{bad:?}");
        assert!(bad[0].detail.contains("withdraw") && bad[1].detail.contains("coow"));
        let lax = LiveConfig {
            allow_withdraw_permission: true,
            allow_missing_trade_permission: true,
            allow_no_ip_whitelist: true,
        };
        let warned = key_policy(&key(&["wwow"], ""), &lax);
        assert!(
            warned.iter().all(|r| r.status == Status::Warn),
            "{warned:?}"
        );
    }

    #[test]
    fn slow_rows_fail() {
        let r = Row::new("x", Status::Pass, "").timed(&[
            Duration::from_millis(10),
            Duration::from_millis(2500),
            Duration::from_millis(20),
        ]);
        assert_eq!(
            (r.status, r.p50_ms, r.max_ms),
            (Status::Fail, Some(20), Some(2500))
        );
    }
}
