//! The dashboard and the alerts against a real Prometheus (Debian's, installed by .ci/run)
//! scraping a running `viper paper` on loopback: every dashboard expression and the query of
//! every alert returns data through the HTTP API, and every rule evaluates without error.
//! Grafana is not installable here, so the dashboard JSON's structure and units are checked
//! by rule.
#![allow(missing_docs, clippy::unwrap_used)]

mod ops_support;

use ops_support::{Running, eventually, http, viper};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn dashboard() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(repo("docs/deploy/grafana-dashboard.json")).unwrap(),
    )
    .unwrap()
}

/// (panel title, expression) of every dashboard target.
fn dashboard_exprs() -> Vec<(String, String)> {
    let d = dashboard();
    d["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            let title = p["title"].as_str().unwrap().to_owned();
            p["targets"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |t| (title.clone(), t["expr"].as_str().unwrap().to_owned()))
        })
        .collect()
}

/// (alert, the query part of its expression: what it compares against the threshold).
fn alert_queries() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo("docs/deploy/alerts.yml")).unwrap();
    let mut out = Vec::new();
    let mut name = None;
    for line in text.lines().map(str::trim) {
        if let Some(n) = line.strip_prefix("- alert: ") {
            name = Some(n.to_owned());
        } else if let (Some(e), Some(n)) = (line.strip_prefix("expr: "), name.take()) {
            let cut = [" == ", " > ", " < ", " >= ", " <= ", " != "]
                .iter()
                .filter_map(|op| e.rfind(op))
                .max()
                .unwrap_or_else(|| panic!("{n}: expr is not `query <op> threshold`: {e}"));
            out.push((n, e[..cut].to_owned()));
        }
    }
    assert!(out.len() >= 6, "alerts: {out:?}");
    out
}

fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut cur = String::new();
    for c in expr.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() || c == '_' {
            cur.push(c);
        } else {
            if cur.starts_with("viper_") || cur.starts_with("process_") {
                names.push(cur.clone());
            }
            cur.clear();
        }
    }
    names
}

#[test]
fn the_dashboard_is_well_formed_and_its_units_match_its_series() {
    let d = dashboard();
    assert!(d["title"].is_string() && d["uid"].is_string());
    let panels = d["panels"].as_array().unwrap();
    let mut ids = std::collections::BTreeSet::new();
    let mut cells = std::collections::BTreeSet::new();
    for p in panels {
        let title = p["title"].as_str().unwrap();
        assert!(
            ids.insert(p["id"].as_u64().unwrap()),
            "{title}: duplicate id"
        );
        assert!(
            ["stat", "timeseries"].contains(&p["type"].as_str().unwrap()),
            "{title}: type"
        );
        assert_eq!(p["datasource"]["uid"], "${datasource}", "{title}");
        let g = &p["gridPos"];
        let (x, y, w, h) = (
            g["x"].as_u64().unwrap(),
            g["y"].as_u64().unwrap(),
            g["w"].as_u64().unwrap(),
            g["h"].as_u64().unwrap(),
        );
        assert!(x + w <= 24 && w > 0 && h > 0, "{title}: gridPos {g}");
        for cx in x..x + w {
            for cy in y..y + h {
                assert!(cells.insert((cx, cy)), "{title}: overlaps another panel");
            }
        }
        let targets = p["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{title}: no target");
        let refs: std::collections::BTreeSet<_> = targets
            .iter()
            .map(|t| t["refId"].as_str().unwrap())
            .collect();
        assert_eq!(refs.len(), targets.len(), "{title}: refIds");
        let unit = p["fieldConfig"]["defaults"]["unit"].as_str().unwrap();
        let known = [
            "s",
            "short",
            "currencyUSD",
            "percentunit",
            "bytes",
            "ops",
            "reqps",
        ];
        assert!(known.contains(&unit), "{title}: unknown unit {unit}");
        let names: Vec<String> = targets
            .iter()
            .flat_map(|t| metric_names(t["expr"].as_str().unwrap()))
            .collect();
        let all = |suffixes: &[&str]| {
            !names.is_empty()
                && names
                    .iter()
                    .all(|n| suffixes.iter().any(|s| n.ends_with(s)))
        };
        let want = if all(&["_seconds", "_seconds_bucket"]) {
            Some("s")
        } else if all(&["_usdt"]) {
            Some("currencyUSD")
        } else if all(&["_ratio"]) {
            Some("percentunit")
        } else if all(&["_bytes"]) {
            Some("bytes")
        } else {
            None
        };
        if let Some(want) = want {
            assert_eq!(unit, want, "{title}: {names:?} are in {want}");
        }
    }
}

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn query(prom: &str, q: &str) -> Value {
    let (code, body) = http(
        "GET",
        &format!("{prom}/api/v1/query?query={}", encode(q)),
        &[],
        "",
    );
    assert_eq!(code, 200, "{q}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn has_data(prom: &str, q: &str) -> bool {
    query(prom, q)["data"]["result"]
        .as_array()
        .is_some_and(|r| !r.is_empty())
}

/// A paper bot that trades (fast strategy), its admin URL.
fn paper_bot(dir: &Path) -> (Running, String) {
    let cfg = dir.join("bot.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {:?}\nsymbols = [\"BTCUSDT\", \"XRPUSDT\"]\n[strategy]\nfast = 2\nslow = 5\ncooldown_secs = 2\n[intervals]\nmarket_poll_ms = 100\naccount_poll_ms = 300\n[admin]\nlisten = \"127.0.0.1:0\"\n",
            dir.join("data")
        ),
    )
    .unwrap();
    let mut cmd = viper();
    cmd.args([
        "paper",
        "--speed",
        "60",
        "--seed",
        "3",
        "--duration",
        "240s",
        "--config",
    ])
    .arg(&cfg);
    let mut bot = Running::spawn(cmd);
    let admin = bot.line_after("viper admin:", 60);
    eventually(90, "recovery complete", || {
        let (code, body) = http("GET", &format!("{admin}/health"), &[], "");
        (code == 200 && body.contains("\"ok\"")).then_some(())
    });
    (bot, admin)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
// A plain test thread polling Prometheus (no actix worker to block): sleeping is the wait.
#[allow(clippy::disallowed_methods)]
fn every_dashboard_and_alert_expression_returns_data_from_a_real_prometheus() {
    if std::process::Command::new("prometheus")
        .arg("--version")
        .output()
        .is_err()
    {
        println!(
            "NOTE: prometheus is not installed (Debian: apt-get install prometheus; .ci/run does)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (bot, admin) = paper_bot(dir.path());
    let target = admin.trim_start_matches("http://");
    let prom_cfg = dir.path().join("prometheus.yml");
    std::fs::write(
        &prom_cfg,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {:?}\nscrape_configs:\n  - job_name: viper\n    static_configs:\n      - targets: [\"{target}\"]\n",
            repo("docs/deploy/alerts.yml")
        ),
    )
    .unwrap();
    let port = free_port();
    let mut cmd = std::process::Command::new("prometheus");
    cmd.arg(format!("--config.file={}", prom_cfg.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("tsdb").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn");
    let prometheus = Running::spawn(cmd);
    let prom = format!("http://127.0.0.1:{port}");
    eventually(60, "prometheus ready", || {
        std::net::TcpStream::connect(("127.0.0.1", port))
            .ok()
            .filter(|_| http("GET", &format!("{prom}/-/ready"), &[], "").0 == 200)
    });
    // Enough scrapes for rate() over every range the dashboard uses.
    eventually(90, "five scrapes of the bot", || {
        has_data(&prom, "count_over_time(up{job=\"viper\"}[1m]) >= 5").then_some(())
    });
    let mut exprs: Vec<(String, String)> = dashboard_exprs();
    exprs.extend(alert_queries());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let empty: Vec<&(String, String)> =
            exprs.iter().filter(|(_, q)| !has_data(&prom, q)).collect();
        if empty.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no data from Prometheus for (panel or alert, expression): {empty:#?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    println!("{} expressions returned data", exprs.len());
    let (code, body) = http("GET", &format!("{prom}/api/v1/rules"), &[], "");
    assert_eq!(code, 200, "{body}");
    let rules: Value = serde_json::from_str(&body).unwrap();
    let rules = rules["data"]["groups"][0]["rules"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rules.len(), alert_queries().len());
    for r in &rules {
        assert_eq!(r["health"], "ok", "{r}");
    }
    drop(prometheus);
    drop(bot);
}
