//! The admin HTTP server of the real binary in paper mode: `/metrics` passes `promtool` and
//! its series move during the run, `/ready` turns degraded when the simulator's feed is cut,
//! `POST /pause` stops new orders (bearer token enforced; `/halt` is retired: 410), and a port
//! in use stops the start.
// Plain threads polling a child process (no actix worker to block): sleeping is the wait.
#![allow(missing_docs, clippy::unwrap_used, clippy::disallowed_methods)]

mod ops_support;

use ops_support::{Running, eventually, http, sample, viper};
use serde_json::Value;
use std::time::Duration;

const TOKEN: &str = "admin-token-for-tests-7f3a";

fn paper(dir: &std::path::Path, secs: u64) -> (Running, String, String) {
    let cfg = dir.join("paper.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {:?}\nsymbols = [\"BTCUSDT\", \"XRPUSDT\"]\n[strategy]\nfast = 2\nslow = 5\ncooldown_secs = 2\n[intervals]\nmarket_poll_ms = 100\naccount_poll_ms = 300\n",
            dir.join("data")
        ),
    )
    .unwrap();
    let mut cmd = viper();
    cmd.args(["paper", "--speed", "60", "--seed", "3", "--duration"])
        .arg(format!("{secs}s"))
        .arg("--config")
        .arg(&cfg)
        .env("VIPER_ADMIN__LISTEN", "127.0.0.1:0")
        .env("VIPER_ADMIN_TOKEN", TOKEN);
    let mut bot = Running::spawn(cmd);
    let admin = bot.line_after("viper admin:", 30);
    let control = bot.line_after("control plane:", 30);
    // Serving from the start; "ok" once recovery completed ("starting" before).
    eventually(60, "/health ok", || {
        std::net::TcpStream::connect(admin.trim_start_matches("http://"))
            .ok()
            .filter(|_| {
                let (code, body) = http("GET", &format!("{admin}/health"), &[], "");
                code == 200 && body.contains("\"ok\"")
            })
    });
    (bot, admin, control)
}

fn ready(admin: &str) -> (u16, Value) {
    let (code, body) = http("GET", &format!("{admin}/ready"), &[], "");
    (code, serde_json::from_str(&body).unwrap())
}

fn metrics(admin: &str) -> String {
    let (code, body) = http("GET", &format!("{admin}/metrics"), &[], "");
    assert_eq!(code, 200, "{body}");
    body
}

fn total(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
        .sum()
}

fn promtool(text: &str) {
    let Ok(out) = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write as _;
            c.stdin.take().unwrap().write_all(text.as_bytes())?;
            c.wait_with_output()
        })
    else {
        println!("NOTE: promtool is not installed; `promtool check metrics` skipped");
        return;
    };
    assert!(
        out.status.success(),
        "promtool check metrics:\n{}{}\n--- metrics ---\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn metrics_pass_promtool_and_move_during_a_paper_run() {
    let dir = tempfile::tempdir().unwrap();
    let (bot, admin, _) = paper(dir.path(), 60);
    let first = metrics(&admin);
    std::thread::sleep(Duration::from_secs(4));
    let second = metrics(&admin);
    for name in [
        "viper_rest_requests_total",
        "viper_rest_request_duration_seconds_bucket",
        "viper_equity_usdt",
        "viper_positions_open",
        "viper_margin_in_use_usdt",
        "viper_market_uptime_ratio",
        "viper_trading_active",
        "viper_uptime_seconds",
        "viper_intents_total",
        "viper_admin_requests_total",
    ] {
        assert!(
            second.lines().any(|l| l.starts_with(name)),
            "{name} missing:\n{second}"
        );
    }
    for name in [
        "viper_uptime_seconds",
        "viper_rest_requests_total",
        "viper_admin_requests_total",
    ] {
        assert!(
            total(&second, name) > total(&first, name),
            "{name} did not move: {} then {}",
            total(&first, name),
            total(&second, name)
        );
    }
    assert_eq!(sample(&second, "viper_trading_active"), Some(1.0));
    promtool(&second);
    let (code, r) = ready(&admin);
    assert_eq!(r["trading"], "active", "{r}");
    assert!(code == 200 || r["verdict"] == "degraded", "{code} {r}");
    drop(bot);
}

#[test]
fn pause_needs_the_token_and_stops_new_orders() {
    let dir = tempfile::tempdir().unwrap();
    let (bot, admin, control) = paper(dir.path(), 90);
    let places = || -> usize {
        let (_, body) = http(
            "GET",
            &format!("{control}/requests?path=/api/v2/mix/order/place-order&limit=100000"),
            &[],
            "",
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        v.as_array()
            .or_else(|| v["requests"].as_array())
            .map_or(0, Vec::len)
    };
    let (code, _) = http("POST", &format!("{admin}/pause"), &[], "{}");
    assert_eq!(code, 401, "pause without the token is refused");
    let auth = format!("Bearer {TOKEN}");
    let (code, body) = http(
        "POST",
        &format!("{admin}/halt"),
        &[("Authorization", &auth)],
        "{}",
    );
    assert_eq!(code, 410, "/halt is retired: {body}");
    let (code, body) = http(
        "POST",
        &format!("{admin}/pause"),
        &[("Authorization", &auth)],
        r#"{"reason":"test pause"}"#,
    );
    assert_eq!(code, 200, "{body}");
    let (_, r) = ready(&admin);
    assert_eq!(r["trading"].as_str(), Some("paused"), "{r}");
    // The strategy keeps producing intents; none reaches the exchange.
    let before = places();
    let intents = total(&metrics(&admin), "viper_intents_total");
    eventually(40, "new intents while paused", || {
        (total(&metrics(&admin), "viper_intents_total") > intents).then_some(())
    });
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(places(), before, "an order was placed while paused");
    let (code, body) = http(
        "POST",
        &format!("{admin}/resume"),
        &[("Authorization", &auth)],
        "",
    );
    assert_eq!(code, 200, "{body}");
    eventually(10, "trading active after resume", || {
        (ready(&admin).1["trading"] == "active").then_some(())
    });
    drop(bot);
}

#[test]
fn ready_turns_degraded_when_the_feed_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let (bot, admin, control) = paper(dir.path(), 90);
    eventually(30, "live verdict", || {
        let (code, r) = ready(&admin);
        (code == 200 && r["verdict"] == "live").then_some(())
    });
    // Cut market data: REST tickers answer after 5 s (beyond the 2 s timeout), and the
    // public WebSocket goes silent.
    let faults = serde_json::json!({ "faults": [
        { "path": "/api/v2/mix/market/tickers", "kind": "latency", "latency_ms": 5000 },
        { "path": "/api/v2/mix/market/ticker", "kind": "latency", "latency_ms": 5000 },
    ]});
    let (code, body) = http(
        "POST",
        &format!("{control}/faults"),
        &[],
        &faults.to_string(),
    );
    assert_eq!(code, 200, "{body}");
    let (code, body) = http(
        "POST",
        &format!("{control}/ws"),
        &[],
        r#"{"action":"freeze","scope":"public"}"#,
    );
    assert_eq!(code, 200, "{body}");
    // Degraded for stale market data (a slow tickers request may degrade it first).
    let r = eventually(30, "degraded verdict", || {
        let (code, r) = ready(&admin);
        let stale = r["reasons"].as_array().is_some_and(|v| {
            v.iter()
                .any(|x| x.as_str().is_some_and(|s| s.contains("market data")))
        });
        (code == 503 && r["verdict"] == "degraded" && stale).then_some(r)
    });
    println!("degraded: {r}");
    assert!(
        r["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x.as_str().unwrap().contains("market data")),
        "{r}"
    );
    let _ = http("DELETE", &format!("{control}/faults"), &[], "");
    let _ = http(
        "POST",
        &format!("{control}/ws"),
        &[],
        r#"{"action":"unfreeze","scope":"public"}"#,
    );
    drop(bot);
}

#[test]
fn ready_recovers_within_seconds_once_requests_are_fast_again() {
    let dir = tempfile::tempdir().unwrap();
    let (bot, admin, control) = paper(dir.path(), 120);
    eventually(60, "live verdict", || {
        let (code, r) = ready(&admin);
        (code == 200 && r["verdict"] == "live").then_some(())
    });
    // Three account reads in a row outlast the 2 s timeout (the client's retries included).
    let faults = serde_json::json!({ "faults": [
        { "path": "/api/v2/mix/position/all-position", "kind": "latency", "latency_ms": 3000, "count": 3 },
    ]});
    let (code, body) = http(
        "POST",
        &format!("{control}/faults"),
        &[],
        &faults.to_string(),
    );
    assert_eq!(code, 200, "{body}");
    let r = eventually(60, "degraded by a slow request", || {
        let (code, r) = ready(&admin);
        let slow = r["slow_endpoints"]
            .as_array()
            .is_some_and(|v| !v.is_empty());
        (code == 503 && slow).then_some(r)
    });
    println!("degraded: {}", r["reasons"]);
    eventually(60, "the faults used up", || {
        let (_, body) = http("GET", &format!("{control}/faults"), &[], "");
        body.contains("[]").then_some(())
    });
    let fast_again = std::time::Instant::now();
    eventually(60, "live again", || {
        let (code, r) = ready(&admin);
        (code == 200 && r["verdict"] == "live").then_some(())
    });
    let took = fast_again.elapsed();
    println!("/ready live again {took:?} after the last slow answer");
    assert!(took < std::time::Duration::from_secs(15), "took {took:?}");
    let (_, r) = ready(&admin);
    let ratio = r["data_uptime_ratio"].as_f64().unwrap();
    assert!(ratio > 0.0 && ratio <= 1.0, "{r}");
    drop(bot);
}

#[test]
fn an_admin_port_in_use_stops_the_start_before_anything_runs() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = viper()
        .args(["paper", "--duration", "30s"])
        .env("VIPER_ADMIN__LISTEN", &addr)
        .env("VIPER_DATA_DIR", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("admin.listen {addr}")) && stderr.contains("another viper"),
        "{stderr}"
    );
    assert!(
        !stdout.contains("embedded simulator"),
        "half-started: {stdout}"
    );
}

#[test]
fn status_prints_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (bot, admin, _) = paper(dir.path(), 60);
    let out = viper()
        .args(["status", "--admin", &admin])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    for want in ["viper status", "verdict:", "trading:", "equity:", "REST:"] {
        assert!(stdout.contains(want), "{want} missing:\n{stdout}");
    }
    drop(bot);
    let out = viper()
        .args(["status", "--admin", &admin])
        .output()
        .unwrap();
    assert!(!out.status.success(), "status of a stopped bot fails");
}
