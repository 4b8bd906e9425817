//! The trade history against the simulator's audit, with the real binary over loopback: a
//! speeded run's `viper trades --format csv` matches the position lives and fills the
//! simulator recorded, one for one, PnL and fees included; a stop-loss that fires while the
//! bot is killed is recorded after the restart, exactly once; bad input gets one clear error.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use viper::config::BotConfig;
use viper_sim::SimHandle;

fn spawn_bot(sim: &SimHandle, file: &Path) -> Child {
    spawn_bot_logging(sim, file, Stdio::null())
}

fn spawn_bot_logging(sim: &SimHandle, file: &Path, stderr: Stdio) -> Child {
    Command::new(env!("CARGO_BIN_EXE_viper"))
        .args([
            "--log-format",
            "json",
            "run",
            "--exchange-url",
            &sim.rest_url,
        ])
        .arg("--config")
        .arg(file)
        .env("BITGET_API_KEY", viper_sim::DEFAULT_API_KEY)
        .env("BITGET_API_SECRET", viper_sim::DEFAULT_API_SECRET)
        .env("BITGET_API_PASSPHRASE", viper_sim::DEFAULT_PASSPHRASE)
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap()
}

/// The first JSON log line (fields flattened) whose message is `message`.
fn log_event(path: &Path, message: &str) -> Option<Value> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|f| f["message"] == message)
}

fn write_config(dir: &Path, cfg: &BotConfig) -> PathBuf {
    let file = dir.join("bot.toml");
    std::fs::write(&file, toml::to_string(cfg).unwrap()).unwrap();
    file
}

/// `viper trades --config FILE --since all --format csv`, as (header, rows by closing trade id).
fn trades_csv(file: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let out = Command::new(env!("CARGO_BIN_EXE_viper"))
        .args(["trades", "--since", "all", "--format", "csv", "--config"])
        .arg(file)
        .output()
        .unwrap();
    if !out.status.success() {
        // Before the bot created the journal: no rows yet.
        return Vec::new();
    }
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

fn d(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// One closed position life as the simulator's audit proves it: its fills, grouped.
struct Expected {
    symbol: String,
    side: String,
    size: Decimal,
    entry: Decimal,
    exit: Decimal,
    pnl: Decimal,
    fees: Decimal,
    holding_ms: i64,
    reason: &'static str,
    closing_trade_id: String,
}

/// Every closed position life of the audit, computed from the audit's fills alone.
fn expected_trades(audit: &Value) -> Vec<Expected> {
    let fills = audit["fills"].as_array().unwrap();
    let mut out = Vec::new();
    for life in audit["positions"].as_array().unwrap() {
        let Some(closed) = life["closed"].as_i64() else {
            continue;
        };
        let (opened, symbol) = (
            life["opened"].as_i64().unwrap(),
            life["symbol"].as_str().unwrap(),
        );
        let long = life["hold_side"] == "long";
        let open_side = if long { "buy" } else { "sell" };
        let mine: Vec<&Value> = fills
            .iter()
            .filter(|f| f["symbol"] == symbol)
            .filter(|f| (opened..=closed).contains(&f["ts"].as_i64().unwrap()))
            .collect();
        let (opening, closing): (Vec<&Value>, Vec<&Value>) =
            mine.iter().partition(|f| f["side"] == open_side);
        let vwap = |fs: &[&Value]| {
            let q: Decimal = fs.iter().map(|f| d(&f["size"])).sum();
            let v: Decimal = fs.iter().map(|f| d(&f["size"]) * d(&f["price"])).sum();
            (q, v / q)
        };
        let (size, entry) = vwap(&opening);
        let (_, exit) = vwap(&closing);
        let last = closing.last().unwrap();
        let reason = match last["source"].as_str().unwrap() {
            "pos_profit_market" => "take_profit",
            "pos_loss_market" => "stop_loss",
            "liquidation" => "liquidation",
            // A flash close: the exchange cannot say who asked; the test knows.
            "market" => "flash_close",
            other => panic!("a close this test does not cause: {other}"),
        };
        out.push(Expected {
            symbol: symbol.into(),
            side: if long { "long" } else { "short" }.into(),
            size,
            entry,
            exit,
            pnl: closing.iter().map(|f| d(&f["profit"])).sum(),
            fees: -mine.iter().map(|f| d(&f["fee"])).sum::<Decimal>(),
            holding_ms: closed - opened,
            reason,
            closing_trade_id: last["tradeId"].as_str().unwrap().into(),
        });
    }
    out
}

fn closed_lives(audit: &Value) -> usize {
    audit["positions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| !l["closed"].is_null())
        .count()
}

async fn audit(sim: &SimHandle) -> Value {
    control(sim, "GET", "/audit", json!({})).await
}

/// Every row matches its life: same closing fill, side, size, prices, PnL, fees, holding
/// time and reason; and no row without a life.
fn assert_match(rows: &[std::collections::HashMap<String, String>], want: &[Expected]) {
    assert_match_flash(rows, want, "no flash close expected");
}

/// As [`assert_match`]; a flash close's row must name `flash_reason`.
fn assert_match_flash(
    rows: &[std::collections::HashMap<String, String>],
    want: &[Expected],
    flash_reason: &str,
) {
    assert_eq!(rows.len(), want.len(), "one trade per closed position life");
    for w in want {
        let r = rows
            .iter()
            .find(|r| r["closing_trade_id"] == w.closing_trade_id)
            .unwrap_or_else(|| panic!("no trade closed by fill {}", w.closing_trade_id));
        let num = |k: &str| r[k].parse::<Decimal>().unwrap();
        assert_eq!(
            (r["symbol"].as_str(), r["side"].as_str()),
            (w.symbol.as_str(), w.side.as_str())
        );
        assert_eq!(num("size"), w.size, "size {}", w.closing_trade_id);
        assert_eq!(num("entry_price"), w.entry, "entry {}", w.closing_trade_id);
        assert_eq!(num("exit_price"), w.exit, "exit {}", w.closing_trade_id);
        assert_eq!(num("realised_pnl"), w.pnl, "pnl {}", w.closing_trade_id);
        assert_eq!(num("fees"), w.fees, "fees {}", w.closing_trade_id);
        assert_eq!(num("net_pnl"), w.pnl - w.fees);
        assert_eq!(num("holding_secs"), Decimal::new(w.holding_ms, 3));
        let reason = if w.reason == "flash_close" {
            flash_reason
        } else {
            w.reason
        };
        assert_eq!(r["exit_reason"], reason, "reason {}", w.closing_trade_id);
    }
}

/// Closes every open position through its stop-loss by moving the price 3 % against it.
async fn stop_out_open_positions(sim: &SimHandle) {
    let a = audit(sim).await;
    let state = control(sim, "GET", "/state", json!({})).await;
    for life in a["positions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["closed"].is_null())
    {
        let symbol = life["symbol"].as_str().unwrap();
        let last = state["markets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["symbol"] == symbol)
            .map(|m| d(&m["last"]))
            .unwrap();
        let factor = if life["hold_side"] == "long" {
            "0.97"
        } else {
            "1.03"
        };
        let price = (last * dec(factor)).round_dp(2);
        control(
            sim,
            "POST",
            "/price",
            json!({"symbol": symbol, "price": price.to_string()}),
        )
        .await;
    }
}

#[actix_rt::test]
async fn a_speeded_run_matches_the_simulator_audit_one_for_one() {
    let sim = viper_sim::start(
        viper_sim::SimConfig {
            auto_tick: true,
            speed: 60.0,
            seed: 5,
            ..viper_sim::SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = bot_config(&dir.path().join("data"));
    cfg.symbols = vec!["BTCUSDT".into(), "XRPUSDT".into()];
    cfg.strategy.fast = 2;
    cfg.strategy.slow = 3;
    cfg.strategy.cooldown_secs = 0;
    cfg.strategy.take_profit_pct = dec("0.3");
    cfg.strategy.stop_loss_pct = dec("0.3");
    cfg.intervals.market_poll_ms = 100;
    cfg.intervals.trades_poll_secs = 5;
    cfg.admin.listen = "127.0.0.1:0".into();
    let file = write_config(dir.path(), &cfg);
    let mut bot = spawn_bot(&sim, &file);
    eventually(240, "three closed positions on the exchange", || async {
        (closed_lives(&audit(&sim).await) >= 3).then_some(())
    })
    .await;
    // While the bot runs, its history catches up with the exchange's.
    eventually(
        60,
        "the trade history to list every closed position",
        || async {
            let want = closed_lives(&audit(&sim).await);
            (trades_csv(&file).len() >= want).then_some(())
        },
    )
    .await;
    // Freeze the market, kill the bot, close what is still open through its stop-loss, and
    // restart: the history then covers every position life the exchange knows.
    control(&sim, "POST", "/market", json!({"paused": true})).await;
    bot.kill().unwrap();
    bot.wait().unwrap();
    stop_out_open_positions(&sim).await;
    let mut bot = spawn_bot(&sim, &file);
    let want = expected_trades(&audit(&sim).await);
    assert!(want.len() >= 3);
    let rows = eventually(90, "every closed position in viper trades", || async {
        let rows = trades_csv(&file);
        (rows.len() >= want.len()).then_some(rows)
    })
    .await;
    bot.kill().unwrap();
    bot.wait().unwrap();
    eprintln!(
        "{} trades: {:?}",
        rows.len(),
        rows.iter()
            .map(|r| (&r["symbol"], &r["side"], &r["net_pnl"], &r["exit_reason"]))
            .collect::<Vec<_>>()
    );
    assert_match(&rows, &want);
    assert!(
        want.iter().any(|w| w.reason == "stop_loss"),
        "the stopped-out positions are stop-losses"
    );
}

/// Waits until the bot finished start-up recovery and trades (its journal says so).
async fn wait_trading(data: &Path) {
    eventually(90, "the bot to finish recovery", || async {
        let j = viper_actors::journal::Journal::open(data).ok()?;
        (j.state("trading_state").ok()??.as_str() == "active").then_some(())
    })
    .await;
}

/// Prices down then up until the bot's trend strategy buys (a crossover), one jump at a time.
async fn lure_a_long(sim: &SimHandle) {
    let mut price = dec("65000");
    for round in 0..120 {
        let step = if round % 12 < 6 {
            dec("-40")
        } else {
            dec("60")
        };
        price += step;
        set_price(sim, "BTCUSDT", &price.to_string()).await;
        actix_rt::time::sleep(std::time::Duration::from_millis(300)).await;
        let a = audit(sim).await;
        if a["positions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["closed"].is_null())
        {
            return;
        }
    }
    panic!("the bot never opened a position");
}

fn fill_reads(log: &Value) -> usize {
    log["requests"].as_array().unwrap().len()
}

#[actix_rt::test]
async fn a_stop_loss_while_the_bot_is_down_is_recorded_once_after_the_restart() {
    let sim = sim().await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = bot_config(&dir.path().join("data"));
    cfg.strategy.fast = 2;
    cfg.strategy.slow = 3;
    cfg.strategy.cooldown_secs = 0;
    cfg.intervals.trades_poll_secs = 5;
    cfg.admin.listen = "127.0.0.1:0".into();
    let file = write_config(dir.path(), &cfg);
    let first_log = dir.path().join("first.log");
    let mut bot = spawn_bot_logging(
        &sim,
        &file,
        std::fs::File::create(&first_log).unwrap().into(),
    );
    wait_trading(&dir.path().join("data")).await;
    lure_a_long(&sim).await;
    eventually(30, "the position's stop-loss", || {
        newest_position_protected(&sim)
    })
    .await;
    // The opening fill is logged soon after the position shows in a snapshot.
    let entry = eventually(30, "the entry line", || async {
        log_event(&first_log, "entry filled")
    })
    .await;
    assert_eq!(
        (entry["symbol"].as_str(), entry["side"].as_str()),
        (Some("BTCUSDT"), Some("long"))
    );
    for field in ["size", "price", "take_profit", "stop_loss"] {
        let v: Decimal = entry[field].as_str().unwrap().parse().unwrap();
        assert!(v > Decimal::ZERO, "{field} in {entry}");
    }
    assert!(
        entry["reason"].as_str().unwrap().starts_with("trend"),
        "{entry}"
    );
    bot.kill().unwrap(); // SIGKILL
    bot.wait().unwrap();
    stop_out_open_positions(&sim).await;
    let want = expected_trades(&audit(&sim).await);
    assert_eq!(want.len(), 1);
    assert_eq!(want[0].reason, "stop_loss");
    assert!(
        trades_csv(&file).is_empty(),
        "nothing recorded while the bot was down"
    );
    let second_log = dir.path().join("second.log");
    let mut bot = spawn_bot_logging(
        &sim,
        &file,
        std::fs::File::create(&second_log).unwrap().into(),
    );
    let rows = eventually(60, "the stop-loss in viper trades", || async {
        let rows = trades_csv(&file);
        (!rows.is_empty()).then_some(rows)
    })
    .await;
    assert_match(&rows, &want);
    let exit = eventually(30, "the exit line", || async {
        log_event(&second_log, "position closed")
    })
    .await;
    let r = &rows[0];
    for (field, want) in [
        ("symbol", "BTCUSDT"),
        ("side", "long"),
        ("size", &r["size"]),
        ("entry", &r["entry_price"]),
        ("exit", &r["exit_price"]),
        ("pnl", &r["realised_pnl"]),
        ("fees", &r["fees"]),
        ("net", &r["net_pnl"]),
        ("reason", "stop_loss"),
    ] {
        assert_eq!(exit[field].as_str(), Some(want), "{field} in {exit}");
    }
    assert!(exit["holding"].as_str().unwrap().ends_with('s'), "{exit}");
    // Restarted once more, and read twice more: still exactly one trade.
    bot.kill().unwrap();
    bot.wait().unwrap();
    let path = "/requests?path=/api/v2/mix/order/fills";
    let before = fill_reads(&control(&sim, "GET", path, json!({})).await);
    let mut bot = spawn_bot(&sim, &file);
    eventually(60, "two more fill-history reads", || async {
        (fill_reads(&control(&sim, "GET", path, json!({})).await) >= before + 2).then_some(())
    })
    .await;
    bot.kill().unwrap();
    bot.wait().unwrap();
    assert_match(&trades_csv(&file), &want);
}

#[actix_rt::test]
async fn an_emergency_flatten_is_recorded_as_such() {
    let sim = sim().await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = bot_config(&dir.path().join("data"));
    cfg.strategy.fast = 2;
    cfg.strategy.slow = 3;
    cfg.strategy.cooldown_secs = 0;
    cfg.intervals.trades_poll_secs = 5;
    cfg.admin.listen = "127.0.0.1:0".into();
    let file = write_config(dir.path(), &cfg);
    let mut bot = spawn_bot(&sim, &file);
    wait_trading(&dir.path().join("data")).await;
    lure_a_long(&sim).await;
    eventually(30, "the position's stop-loss", || {
        newest_position_protected(&sim)
    })
    .await;
    // A withdrawal takes equity under the 15 USDT floor: the emergency stop flattens.
    control(&sim, "POST", "/balance", json!({"balance": "10"})).await;
    eventually(60, "the flatten", || async {
        let a = audit(&sim).await;
        (closed_lives(&a) == 1).then_some(())
    })
    .await;
    let want = expected_trades(&audit(&sim).await);
    assert_eq!(want[0].reason, "flash_close");
    let rows = eventually(60, "the flattened trade in viper trades", || async {
        let rows = trades_csv(&file);
        (!rows.is_empty()).then_some(rows)
    })
    .await;
    bot.kill().unwrap();
    bot.wait().unwrap();
    assert_match_flash(&rows, &want, "emergency_flatten");
}

#[test]
fn bad_input_gets_one_clear_error() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_viper"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (ok, err) = run(&["trades", "--since", "garbage"]);
    assert!(!ok);
    assert!(
        err.contains("not a duration") && err.contains("24h"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = BotConfig {
        data_dir: dir.path().join("nowhere"),
        ..BotConfig::default()
    };
    let file = write_config(dir.path(), &cfg);
    let (ok, err) = run(&["trades", "--config", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("no journal here"), "{err}");
    assert!(
        !dir.path().join("nowhere").exists(),
        "reading never creates the data dir"
    );
    let (ok, err) = run(&["trades", "--format", "xml"]);
    assert!(!ok && err.contains("xml"), "{err}");
}
