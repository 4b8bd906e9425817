//! Notifications from the real binary: webhooks at a loopback receiver, in each format, for
//! entries, exits, a lost and regained WebSocket and an emergency stop during a paper run, judged against the simulator's
//! audit; a webhook that answers 500 or hangs neither stops nor delays trading, and the
//! failed and dropped counters move; no URL or token reaches the output.
// Plain threads polling a child process (no actix worker to block): sleeping is the wait.
#![allow(missing_docs, clippy::unwrap_used, clippy::disallowed_methods)]

mod notify_support;
mod ops_support;

use notify_support::{Answer, Receiver};
use ops_support::{Running, eventually, http, sample, viper};
use serde_json::{Value, json};

const BEARER: &str = "bearer-for-tests-91c2";
const TG_TOKEN: &str = "123456:tg-token-for-tests";
const SLACK_SECRET: &str = "T000/B000/slack-secret-path";

fn write_config(dir: &std::path::Path, notify: &str) -> std::path::PathBuf {
    let cfg = dir.join("paper.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {:?}\nsymbols = [\"BTCUSDT\"]\n[strategy]\nfast = 2\nslow = 5\ncooldown_secs = 2\n[intervals]\nmarket_poll_ms = 100\naccount_poll_ms = 300\n{notify}",
            dir.join("data")
        ),
    )
    .unwrap();
    cfg
}

/// `viper paper` at speed 60 with `envs`; waits for /health ok. (bot, admin, control plane)
fn paper(cfg: &std::path::Path, envs: &[(&str, String)]) -> (Running, String, String) {
    let mut cmd = viper();
    cmd.args([
        "paper",
        "--speed",
        "60",
        "--seed",
        "3",
        "--duration",
        "240s",
    ])
    .arg("--config")
    .arg(cfg)
    .env("VIPER_ADMIN__LISTEN", "127.0.0.1:0");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut bot = Running::spawn(cmd);
    let admin = bot.line_after("viper admin:", 60);
    let control = bot.line_after("control plane:", 60);
    eventually(90, "/health ok", || {
        let (code, body) = http("GET", &format!("{admin}/health"), &[], "");
        (code == 200 && body.contains("\"ok\"")).then_some(())
    });
    (bot, admin, control)
}

fn audit(control: &str) -> Value {
    serde_json::from_str(&http("GET", &format!("{control}/audit"), &[], "").1).unwrap()
}

fn events(rx: &Receiver, kind: &str) -> Vec<Value> {
    rx.bodies("/json")
        .into_iter()
        .filter(|b| b["event"] == kind)
        .collect()
}

/// The size of a position life: what its opening orders filled.
fn life_size(audit: &Value, life: &Value) -> f64 {
    let by: Vec<&Value> = life["opened_by"].as_array().unwrap().iter().collect();
    audit["orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| by.contains(&&o["clientOid"]))
        .map(|o| o["filled"].as_str().unwrap().parse::<f64>().unwrap())
        .sum()
}

fn key(symbol: &Value, side: &Value, size: f64) -> String {
    format!(
        "{} {} {size}",
        symbol.as_str().unwrap(),
        side.as_str().unwrap()
    )
}

#[test]
fn webhooks_report_entries_exits_and_the_emergency_stop_in_every_format() {
    let rx = Receiver::start(Answer::Ok);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(
        dir.path(),
        "[[notify.webhooks]]\nname = \"ops\"\nformat = \"json\"\nurl_env = \"T_JSON_URL\"\ntoken_env = \"T_JSON_BEARER\"\n\
         [[notify.webhooks]]\nname = \"slack\"\nformat = \"slack\"\nurl_env = \"T_SLACK_URL\"\n\
         [[notify.webhooks]]\nname = \"discord\"\nformat = \"discord\"\nurl_env = \"T_DISCORD_URL\"\n\
         [[notify.webhooks]]\nname = \"phone\"\nformat = \"telegram\"\nurl_env = \"T_TG_API\"\ntoken_env = \"T_TG_TOKEN\"\nchat_id = \"-1001\"\n",
    );
    let envs = [
        ("T_JSON_URL", format!("{}/json", rx.base)),
        ("T_JSON_BEARER", BEARER.to_owned()),
        (
            "T_SLACK_URL",
            format!("{}/services/{SLACK_SECRET}", rx.base),
        ),
        ("T_DISCORD_URL", format!("{}/discord", rx.base)),
        ("T_TG_API", format!("{}/tg", rx.base)),
        ("T_TG_TOKEN", TG_TOKEN.to_owned()),
    ];
    let (bot, _admin, control) = paper(&cfg, &envs);
    let entry = eventually(120, "an entry webhook", || {
        events(&rx, "entry").first().cloned()
    });
    // Force the first position out through its take-profit (or stop): a 5 % jump.
    let entry_price: f64 = entry["price"].as_str().unwrap().parse().unwrap();
    let factor = if entry["side"] == "long" { 1.05 } else { 0.95 };
    let jump = json!({ "symbol": "BTCUSDT", "price": format!("{:.1}", entry_price * factor) });
    http("POST", &format!("{control}/price"), &[], &jump.to_string());
    let exit = eventually(90, "an exit webhook", || {
        events(&rx, "exit").first().cloned()
    });
    assert_eq!(
        (&exit["symbol"], &exit["side"]),
        (&entry["symbol"], &entry["side"])
    );
    assert!(
        exit["price"].is_string() && exit["pnl"].is_string(),
        "{exit}"
    );
    // The jump is in the position's favour: its take-profit closed it, and the exit says so.
    assert_eq!(exit["reason"], "take_profit", "{exit}");
    // The private WebSocket dropped: lost, then regained.
    let drop = json!({ "action": "drop", "scope": "private" });
    http("POST", &format!("{control}/ws"), &[], &drop.to_string());
    eventually(60, "connection lost and regained", || {
        let c = events(&rx, "connection");
        let seen = |up: bool| {
            c.iter()
                .any(|e| e["connection"] == "ws_private" && e["up"] == up)
        };
        (seen(false) && seen(true)).then_some(())
    });
    let active = events(&rx, "trading_state");
    assert!(active.iter().any(|e| e["state"] == "active"), "{active:?}");
    // With the next position open, equity below the floor: the emergency stop fires,
    // flattens (an exit) and latches.
    let open = eventually(120, "a second entry", || {
        let n = events(&rx, "entry").len();
        (n >= 2 && events(&rx, "exit").len() < n).then_some(n)
    });
    http(
        "POST",
        &format!("{control}/balance"),
        &[],
        r#"{"balance": "5"}"#,
    );
    let stop = eventually(60, "an emergency-stop webhook", || {
        events(&rx, "emergency_stop").first().cloned()
    });
    assert!(
        stop["reason"].as_str().unwrap().contains("equity"),
        "{stop}"
    );
    eventually(60, "the flatten's exit", || {
        (events(&rx, "exit").len() >= open).then_some(())
    });
    let flattened: Vec<Value> = events(&rx, "exit")
        .into_iter()
        .filter(|e| e["reason"] == "emergency_flatten")
        .collect();
    assert!(
        !flattened.is_empty(),
        "no exit names the emergency flatten: {:?}",
        events(&rx, "exit")
    );
    // Once the exchange is flat, every position life the audit shows is matched by the
    // webhooks: in order, same symbol, side and size, each entry with its exit, however
    // short the life (they come from the fills, not from account reads).
    let (lives, a) = eventually(60, "flat, and an exit for each closed position", || {
        let a = audit(&control);
        let lives: Vec<Value> = a["positions"].as_array().unwrap().clone();
        let all_closed = lives.iter().all(|l| !l["closed"].is_null());
        (all_closed && events(&rx, "exit").len() >= lives.len()).then_some((lives, a))
    });
    let mut life_keys: Vec<String> = lives
        .iter()
        .map(|l| key(&l["symbol"], &l["hold_side"], life_size(&a, l)))
        .collect();
    life_keys.sort();
    let as_keys = |kind| -> Vec<String> {
        let mut v: Vec<String> = events(&rx, kind)
            .iter()
            .map(|e| {
                key(
                    &e["symbol"],
                    &e["side"],
                    e["size"].as_str().unwrap().parse().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    // Exactly one entry and one exit per life: none missed, none told twice.
    for kind in ["entry", "exit"] {
        assert_eq!(
            as_keys(kind),
            life_keys,
            "{kind} notices against position lives"
        );
    }
    // A clean stop delivers its last notice before the process exits.
    bot.terminate();
    let (ok, stdout, stderr) = bot.finish(60);
    assert!(ok, "{stdout}\n{stderr}");
    let last = rx.bodies("/json").last().cloned().unwrap();
    assert_eq!(
        (&last["event"], &last["reason"]),
        (&json!("trading_state"), &json!("shutting down"))
    );
    // Every format got the same notices, in its own shape.
    let json_n = rx.bodies("/json").len();
    let wait_all = eventually(30, "every format delivered", || {
        let all = rx.all();
        let n = |p: &str| all.iter().filter(|r| r.path.starts_with(p)).count();
        (n("/services/") >= json_n && n("/discord") >= json_n && n("/tg/") >= json_n).then_some(all)
    });
    for r in &wait_all {
        let keys: Vec<&str> = r
            .body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let text = |k: &str| {
            r.body[k]
                .as_str()
                .unwrap_or_default()
                .starts_with("[viper PAPER] ")
        };
        match r.path.as_str() {
            "/json" => {
                assert_eq!(
                    r.authorization.as_deref(),
                    Some(&*format!("Bearer {BEARER}"))
                );
                assert!(
                    r.body["event"].is_string() && r.body["mode"] == "paper",
                    "{}",
                    r.body
                );
            }
            p if p.starts_with("/services/") => {
                assert!(keys == ["text"] && text("text"), "{}", r.body)
            }
            "/discord" => assert!(keys == ["content"] && text("content"), "{}", r.body),
            p => {
                assert_eq!(p, format!("/tg/bot{TG_TOKEN}/sendMessage"));
                assert_eq!(r.body["chat_id"], "-1001");
                assert!(keys.len() == 2 && text("text"), "{}", r.body);
            }
        }
    }
    for secret in [BEARER, TG_TOKEN, SLACK_SECRET, rx.base.as_str()] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} reached the output"
        );
    }
}

#[test]
fn a_webhook_that_fails_or_hangs_neither_stops_nor_delays_trading() {
    let failing = Receiver::start(Answer::Fail500);
    let hanging = Receiver::start(Answer::Hang);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(
        dir.path(),
        "[notify]\nqueue = 1\ntimeout_ms = 3000\nretries = 2\nretry_base_ms = 100\n\
         [[notify.webhooks]]\nname = \"broken\"\nformat = \"slack\"\nurl_env = \"T_BROKEN_URL\"\n\
         [[notify.webhooks]]\nname = \"stuck\"\nformat = \"discord\"\nurl_env = \"T_STUCK_URL\"\n",
    );
    let envs = [
        ("T_BROKEN_URL", format!("{}/hook", failing.base)),
        ("T_STUCK_URL", format!("{}/hook", hanging.base)),
    ];
    let (bot, admin, control) = paper(&cfg, &envs);
    let metric = |series: &str| {
        sample(&http("GET", &format!("{admin}/metrics"), &[], "").1, series).unwrap_or(0.0)
    };
    let placed = || audit(&control)["orders"].as_array().unwrap().len();
    eventually(180, "a failed delivery and a dropped notice", || {
        (metric(r#"viper_notify_sent_total{webhook="broken",outcome="failed"}"#) >= 1.0
            && metric(r#"viper_notify_dropped_total{webhook="stuck"}"#) >= 1.0)
            .then_some(())
    });
    // Retried before giving up: three attempts per notice at the failing receiver.
    assert!(failing.all().len() >= 3, "{}", failing.all().len());
    // With one webhook failing and the other hanging, orders keep being placed.
    let before = placed();
    eventually(
        180,
        "more orders placed while the webhooks misbehave",
        || (placed() >= before + 2).then_some(()),
    );
    assert_eq!(
        metric(r#"viper_notify_sent_total{webhook="stuck",outcome="delivered"}"#),
        0.0
    );
    let (_, stdout, stderr) = bot.finish(5);
    assert!(
        stderr.contains("notification not delivered; giving up"),
        "{stderr}"
    );
    for secret in [failing.base.as_str(), hanging.base.as_str()] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "a webhook URL reached the output"
        );
    }
}
