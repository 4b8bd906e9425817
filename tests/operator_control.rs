//! The operator's control and view, with the real binary against a `viper sim` over loopback;
//! the simulator's own holdings and audit are the judge:
//! - `viper status --json` lists every position with the TP and SL the exchange holds;
//! - `viper close SYMBOL` closes that one position (reduce-only, journal reason
//!   `manual_close`) and no other; bad requests get one answer each and change nothing;
//! - `/pause` keeps positions and their stops while prices move, no opening order reaches the
//!   exchange, and the pause survives a SIGKILL and restart until `viper resume`;
//! - `/resume` does not clear an emergency latch without `--clear-emergency`;
//! - `/halt` answers 410; a stopped bot's `pause`/`resume` write the journal, never create one.
// Plain threads polling child processes (no actix worker to block): sleeping is the wait.
#![allow(missing_docs, clippy::unwrap_used, clippy::disallowed_methods)]

mod ops_support;

use ops_support::{Running, eventually, http, sample, start_sim_with, viper};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::path::Path;

const TOKEN: &str = "operator-token-for-tests-91c2";

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
        .parse()
        .unwrap()
}

fn write_config(dir: &Path) -> std::path::PathBuf {
    let file = dir.join("bot.toml");
    // Wide TP/SL (5 %) so positions last while the test looks at them.
    std::fs::write(
        &file,
        format!(
            "data_dir = {:?}\nsymbols = [\"BTCUSDT\", \"XRPUSDT\"]\n[strategy]\nfast = 2\nslow = 5\ncooldown_secs = 2\ntake_profit_pct = 5\nstop_loss_pct = 5\n[intervals]\nmarket_poll_ms = 100\naccount_poll_ms = 300\n[admin]\nlisten = \"127.0.0.1:0\"\n",
            dir.join("data")
        ),
    )
    .unwrap();
    file
}

/// `viper run` against the simulator; waits for /health ok; returns it and its admin URL.
fn run_bot(config: &Path, rest: &str) -> (Running, String) {
    let mut cmd = viper();
    cmd.args(["run", "--exchange-url", rest, "--config"])
        .arg(config)
        .env("BITGET_API_KEY", viper_sim::DEFAULT_API_KEY)
        .env("BITGET_API_SECRET", viper_sim::DEFAULT_API_SECRET)
        .env("BITGET_API_PASSPHRASE", viper_sim::DEFAULT_PASSPHRASE)
        .env("VIPER_ADMIN_TOKEN", TOKEN);
    let mut bot = Running::spawn(cmd);
    let admin = bot.line_after("viper admin:", 60);
    eventually(120, "/health ok", || {
        let (code, body) = http("GET", &format!("{admin}/health"), &[], "");
        (code == 200 && body.contains("\"ok\"")).then_some(())
    });
    (bot, admin)
}

fn auth() -> String {
    format!("Bearer {TOKEN}")
}

fn post(admin: &str, path: &str, body: &str) -> (u16, Value) {
    let a = auth();
    let (code, text) = http(
        "POST",
        &format!("{admin}{path}"),
        &[("Authorization", &a)],
        body,
    );
    (
        code,
        serde_json::from_str(&text).unwrap_or(json!({ "raw": text })),
    )
}

fn get(url: &str) -> Value {
    let a = auth();
    let (code, text) = http("GET", url, &[("Authorization", &a)], "");
    assert_eq!(code, 200, "GET {url}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// The simulator's holdings of the one account.
fn holdings(control: &str) -> Value {
    get(&format!("{control}/holdings"))["accounts"][0].clone()
}

/// The simulator's clock, ms.
fn sim_now(control: &str) -> i64 {
    get(&format!("{control}/holdings"))["now"].as_i64().unwrap()
}

fn audit_orders(control: &str) -> Vec<Value> {
    get(&format!("{control}/audit"))["orders"]
        .as_array()
        .unwrap()
        .clone()
}

/// Opening orders (the bot's clientOids, not reduce-only) the exchange created after `since`
/// (ms; the simulator runs on this machine's clock) whose intent the bot journaled after
/// `since` too: an opening approved before the pause and still in flight when it was answered
/// is not one the pause let through. An opening missing from the journal counts.
fn openings_since(control: &str, data: &Path, since: i64) -> Vec<Value> {
    let journal = viper_actors::journal::Journal::open(data).unwrap();
    audit_orders(control)
        .into_iter()
        .filter(|o| {
            let oid = o["clientOid"].as_str().unwrap_or("");
            oid.starts_with("vp")
                && o["reduceOnly"] == false
                && o["cTime"].as_i64().unwrap() > since
                && journal
                    .get(oid)
                    .unwrap()
                    .is_none_or(|row| row.created_ms > since)
        })
        .collect()
}

/// (symbol, side, size, entry, tp, sl) of every position, as the simulator holds them.
type Row = (
    String,
    String,
    Decimal,
    Decimal,
    Option<Decimal>,
    Option<Decimal>,
);

fn sim_rows(h: &Value) -> Vec<Row> {
    let plans = h["plans"].as_array().unwrap();
    let trigger = |sym: &str, side: &str, kind: &str| {
        plans
            .iter()
            .find(|p| p["symbol"] == sym && p["holdSide"] == side && p["planType"] == kind)
            .map(|p| dec(&p["triggerPrice"]))
    };
    let mut rows: Vec<Row> = h["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let (sym, side) = (
                p["symbol"].as_str().unwrap(),
                p["holdSide"].as_str().unwrap(),
            );
            (
                sym.into(),
                side.into(),
                dec(&p["size"]),
                dec(&p["entry"]),
                trigger(sym, side, "pos_profit"),
                trigger(sym, side, "pos_loss"),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn status_rows(summary: &Value) -> Vec<Row> {
    let opt = |v: &Value| (!v.is_null()).then(|| dec(v));
    let mut rows: Vec<Row> = summary["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["symbol"].as_str().unwrap().into(),
                p["side"].as_str().unwrap().into(),
                dec(&p["size"]),
                dec(&p["entry"]),
                opt(&p["take_profit"]),
                opt(&p["stop_loss"]),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn status_json(admin: &str) -> Value {
    let out = viper()
        .args(["status", "--json", "--admin", admin])
        .env("VIPER_ADMIN_TOKEN", TOKEN)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap()
}

fn cli(args: &[&str]) -> (bool, String, String) {
    let out = viper()
        .args(args)
        .env("VIPER_ADMIN_TOKEN", TOKEN)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn status_lists_the_exchange_tp_sl_and_close_takes_one_position_only() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let (_sim, rest, control) = start_sim_with(&["--speed", "60", "--seed", "3"]);
    let (bot, admin) = run_bot(&config, &rest);
    // Both symbols held with their stops; prices and entries frozen while compared.
    two_positions_frozen(&admin, &control);
    let (sim, summary) = eventually(60, "status --json to match the simulator", || {
        let before = sim_rows(&holdings(&control));
        let summary = status_json(&admin);
        let after = sim_rows(&holdings(&control));
        (before == after && status_rows(&summary) == after).then_some((after, summary))
    });
    println!("positions as the simulator holds them: {sim:?}");
    assert_eq!(sim.len(), 2);
    assert!(
        sim.iter().all(|r| r.4.is_some() && r.5.is_some()),
        "TP and SL: {sim:?}"
    );
    assert_eq!(summary["trading"]["state"], "paused", "{summary}");
    assert!(summary["positions"][0]["mark"].is_string(), "{summary}");
    assert!(summary["positions"][0]["age_secs"].is_i64(), "{summary}");
    assert!(summary["equity"].is_string() && summary["realised_pnl"].is_string());
    assert_eq!(summary["mode"], "paper");
    // The human table names both symbols with their stops.
    let (ok, table, _) = cli(&["status", "--admin", &admin]);
    assert!(table.contains("trading state:    paused"), "{table}");
    for r in &sim {
        assert!(
            table.contains(&r.0) && table.contains(&r.5.unwrap().normalize().to_string()),
            "{table}"
        );
    }
    let _ = ok;

    // Close BTCUSDT only.
    let since = sim_now(&control);
    let others_before: Vec<Row> = sim.iter().filter(|r| r.0 != "BTCUSDT").cloned().collect();
    let (ok, out, err) = cli(&["close", "BTCUSDT", "--admin", &admin]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("closed BTCUSDT: flat"), "{out}");
    let after = sim_rows(&holdings(&control));
    assert_eq!(after, others_before, "only BTCUSDT closed");
    let new: Vec<Value> = audit_orders(&control)
        .into_iter()
        .filter(|o| o["cTime"].as_i64().unwrap() >= since)
        .collect();
    assert_eq!(new.len(), 1, "one order: the close {new:?}");
    assert_eq!(
        (new[0]["symbol"].as_str(), new[0]["reduceOnly"].as_bool()),
        (Some("BTCUSDT"), Some(true)),
        "{new:?}"
    );
    let oid = new[0]["clientOid"].as_str().unwrap();
    let journal = viper_actors::journal::Journal::open(&dir.path().join("data")).unwrap();
    assert_eq!(journal.get(oid).unwrap().unwrap().reason, "manual_close");

    // Bad requests: one clear answer each, nothing changes.
    let (code, body) = post(&admin, "/close/BTCUSDT", "");
    assert_eq!(
        (code, body["code"].as_str()),
        (409, Some("no_position")),
        "{body}"
    );
    let (code, body) = post(&admin, "/close/FOOUSDT", "");
    assert_eq!(
        (code, body["code"].as_str()),
        (404, Some("unknown_symbol")),
        "{body}"
    );
    let (code, body) = post(&admin, "/close/btc-usdt", "");
    assert_eq!(
        (code, body["code"].as_str()),
        (400, Some("bad_symbol")),
        "{body}"
    );
    let (code, _) = http("POST", &format!("{admin}/close/XRPUSDT"), &[], "");
    assert_eq!(code, 401, "close without the token");
    let (code, body) = post(&admin, "/pause", "");
    assert_eq!(
        (code, body["code"].as_str()),
        (409, Some("already_paused")),
        "{body}"
    );
    let (code, body) = post(&admin, "/pause", "{not json");
    assert_eq!(
        (code, body["code"].as_str()),
        (400, Some("bad_body")),
        "{body}"
    );
    let (code, body) = post(&admin, "/halt", "{}");
    assert_eq!(code, 410, "{body}");
    for named in ["/pause", "/emergency-stop"] {
        assert!(body["error"].as_str().unwrap().contains(named), "{body}");
    }
    let (ok, _, err) = cli(&["close", "NOPEUSDT", "--admin", &admin]);
    assert!(!ok && err.contains("unknown symbol NOPEUSDT"), "{err}");
    assert_eq!(
        sim_rows(&holdings(&control)),
        others_before,
        "nothing else changed"
    );
    assert_eq!(
        audit_orders(&control)
            .iter()
            .filter(|o| o["cTime"].as_i64().unwrap() >= since)
            .count(),
        1
    );
    drop(bot);
}

/// Both symbols held with their stops, prices frozen and entries paused: the holdings stand
/// still. Returns them.
fn two_positions_frozen(admin: &str, control: &str) -> Vec<Row> {
    eventually(240, "a protected position in each symbol", || {
        let rows = sim_rows(&holdings(control));
        (rows.len() == 2 && rows.iter().all(|r| r.5.is_some())).then_some(())
    });
    let (code, _) = http(
        "POST",
        &format!("{control}/market"),
        &[],
        r#"{"paused":true}"#,
    );
    assert_eq!(code, 200);
    assert_eq!(post(admin, "/pause", "").0, 200);
    sim_rows(&holdings(control))
}

fn orders_since(control: &str, symbol: &str, since: i64) -> Vec<Value> {
    audit_orders(control)
        .into_iter()
        .filter(|o| o["symbol"] == symbol && o["cTime"].as_i64().unwrap() >= since)
        .collect()
}

#[test]
fn a_close_the_exchange_applies_after_the_client_gave_up_is_confirmed_and_concurrent_closes_send_one()
 {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let (_sim, rest, control) = start_sim_with(&["--speed", "60", "--seed", "3"]);
    let (bot, admin) = run_bot(&config, &rest);
    let held = two_positions_frozen(&admin, &control);
    let since = sim_now(&control);
    // The exchange holds the close 7 s before applying it; the client gives up after 2 s.
    let fault = r#"{"faults":[{"path":"/api/v2/mix/order/place-order","kind":"latency","latency_ms":7000,"count":1}]}"#;
    let (code, body) = http("POST", &format!("{control}/faults"), &[], fault);
    assert_eq!(code, 200, "{body}");
    let (ok, out, err) = cli(&["close", "BTCUSDT", "--admin", &admin]);
    assert!(ok && out.contains("closed BTCUSDT: flat"), "{out}\n{err}");
    let closes = orders_since(&control, "BTCUSDT", since);
    assert_eq!(closes.len(), 1, "one close, never a second: {closes:?}");
    assert_eq!(closes[0]["reduceOnly"], true);
    let left = sim_rows(&holdings(&control));
    let others: Vec<Row> = held.into_iter().filter(|r| r.0 != "BTCUSDT").collect();
    assert_eq!(left, others, "only BTCUSDT closed");

    // Two closes of XRPUSDT at once: one closes it, the other is refused; one order.
    let calls: Vec<_> = (0..2)
        .map(|_| {
            let admin = admin.clone();
            std::thread::spawn(move || post(&admin, "/close/XRPUSDT", ""))
        })
        .collect();
    let mut answers: Vec<(u16, Value)> = calls.into_iter().map(|c| c.join().unwrap()).collect();
    answers.sort_by_key(|a| a.0);
    assert_eq!(answers[0].0, 200, "{answers:?}");
    assert_eq!(answers[1].0, 409, "{answers:?}");
    let code = answers[1].1["code"].as_str().unwrap();
    assert!(
        code == "close_in_progress" || code == "no_position",
        "{answers:?}"
    );
    assert_eq!(orders_since(&control, "XRPUSDT", since).len(), 1);
    assert!(
        holdings(&control)["positions"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    drop(bot);
}

fn refused_while_paused(admin: &str) -> f64 {
    let (_, text) = http("GET", &format!("{admin}/metrics"), &[], "");
    sample(&text, "viper_risk_refusals_total{reason=\"paused\"}").unwrap_or(0.0)
}

fn trading(admin: &str) -> String {
    let (_, text) = http("GET", &format!("{admin}/ready"), &[], "");
    let v: Value = serde_json::from_str(&text).unwrap();
    v["trading"].as_str().unwrap().to_owned()
}

#[test]
fn pause_keeps_positions_stops_entries_and_survives_a_restart_emergency_needs_clearing() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let (_sim, rest, control) = start_sim_with(&["--speed", "60", "--seed", "3"]);
    let (bot, admin) = run_bot(&config, &rest);
    eventually(240, "a first protected position", || {
        let rows = sim_rows(&holdings(&control));
        (!rows.is_empty() && rows.iter().all(|r| r.5.is_some())).then_some(())
    });
    let (code, body) = post(&admin, "/pause", r#"{"reason":"test pause"}"#);
    assert_eq!(
        (code, body["trading"].as_str()),
        (200, Some("paused")),
        "{body}"
    );
    let paused_at = sim_now(&control);
    // A symbol must stay free for the strategy to ask for an entry: if both are held, close
    // one (a reduce-only order passes while paused).
    if sim_rows(&holdings(&control)).len() == 2 {
        let (code, body) = post(&admin, "/close/XRPUSDT", "");
        assert_eq!(code, 200, "{body}");
    }
    let held = sim_rows(&holdings(&control));
    assert_eq!(held.len(), 1, "{held:?}");
    // Prices keep moving; the strategy keeps asking; the gate refuses every opening.
    eventually(180, "an entry refused as paused", || {
        (refused_while_paused(&admin) > 0.0).then_some(())
    });
    assert_eq!(
        openings_since(&control, &dir.path().join("data"), paused_at),
        Vec::<Value>::new()
    );
    let now = sim_rows(&holdings(&control));
    for r in &held {
        assert!(
            now.iter()
                .any(|n| n.0 == r.0 && n.2 == r.2 && n.5.is_some()),
            "{r:?} kept with its stop: {now:?}"
        );
    }
    assert_eq!(trading(&admin), "paused");

    // SIGKILL and restart: still paused.
    drop(bot);
    let (bot, admin) = run_bot(&config, &rest);
    assert_eq!(trading(&admin), "paused");
    assert_eq!(
        get(&format!("{admin}/api/v1/summary"))["trading"]["state"],
        "paused"
    );
    eventually(180, "an entry refused as paused after the restart", || {
        (refused_while_paused(&admin) > 0.0).then_some(())
    });
    assert_eq!(
        openings_since(&control, &dir.path().join("data"), paused_at),
        Vec::<Value>::new(),
        "no opening while paused"
    );

    let (ok, out, err) = cli(&["resume", "--admin", &admin]);
    assert!(ok && out.contains("resumed"), "{out}\n{err}");
    assert_eq!(trading(&admin), "active");
    let (code, body) = post(&admin, "/resume", "");
    assert_eq!(
        (code, body["code"].as_str()),
        (409, Some("not_paused")),
        "{body}"
    );

    // The emergency stop flattens and latches; a plain resume does not clear it.
    let (ok, out, err) = cli(&["emergency-stop", "--admin", &admin, "--reason", "test"]);
    assert!(ok, "{out}\n{err}");
    eventually(60, "flat after the emergency stop", || {
        holdings(&control)["positions"]
            .as_array()
            .unwrap()
            .is_empty()
            .then_some(())
    });
    let (ok, _, err) = cli(&["resume", "--admin", &admin]);
    assert!(!ok && err.contains("--clear-emergency"), "{err}");
    assert_eq!(trading(&admin), "halted");
    assert_eq!(
        get(&format!("{admin}/api/v1/summary"))["trading"]["state"],
        "emergency-latched"
    );
    let (code, body) = post(&admin, "/pause", "");
    assert_eq!(
        (code, body["code"].as_str()),
        (409, Some("emergency_latched")),
        "{body}"
    );
    let (ok, out, err) = cli(&["resume", "--admin", &admin, "--clear-emergency"]);
    assert!(ok && out.contains("emergency latch"), "{out}\n{err}");
    assert_eq!(trading(&admin), "active");
    drop(bot);

    // A stopped bot: pause and resume write its journal.
    let cfg = config.to_str().unwrap();
    let (ok, out, err) = cli(&["pause", "--config", cfg, "--admin", "http://127.0.0.1:1"]);
    assert!(
        ok && out.contains("next start stays paused"),
        "{out}\n{err}"
    );
    let journal = viper_actors::journal::Journal::open(&dir.path().join("data")).unwrap();
    assert_eq!(
        viper_actors::capital::paused(&journal).as_deref(),
        Some("viper pause")
    );
    let (ok, _, err) = cli(&["pause", "--config", cfg, "--admin", "http://127.0.0.1:1"]);
    assert!(!ok && err.contains("already paused"), "{err}");
    let (ok, out, err) = cli(&["resume", "--config", cfg, "--admin", "http://127.0.0.1:1"]);
    assert!(ok && out.contains("cleared the pause"), "{out}\n{err}");
    assert_eq!(viper_actors::capital::paused(&journal), None);
}

#[test]
fn resume_without_a_config_never_creates_a_journal() {
    let dir = tempfile::tempdir().unwrap();
    let out = viper()
        .args(["resume", "--admin", "http://127.0.0.1:1"])
        .current_dir(dir.path())
        .env_remove("VIPER_DATA_DIR")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("no journal at"), "{err}");
    assert!(
        !dir.path().join("data").exists(),
        "created {:?}",
        dir.path().join("data")
    );
}
