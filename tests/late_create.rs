//! A create the exchange applies after the client gave up (the simulator's `latency` fault
//! holds place-order 7 s *before* applying it; the client times out at 2 s): the order stays
//! exposure until found, is never journaled `rejected`, and no second opening order lands in
//! its symbol while its position lives — with the bot alive, and with the bot SIGKILLed right
//! after the `sent` write and restarted on the same journal. Judged from the simulator's audit.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::{Value, json};
use std::time::Duration;
use viper_actors::intent::Direction;
use viper_actors::journal::{Journal, OrderPhase};
use viper_actors::risk_manager::{Submit, SubmitError};
use viper_sim::SimHandle;

const HOLD_MS: u64 = 7000;

async fn hold_next_create(sim: &SimHandle) {
    control(sim, "POST", "/faults", json!({"faults": [{"path": "/api/v2/mix/order/place-order", "kind": "latency", "latency_ms": HOLD_MS, "count": 1}]})).await;
}

/// The bot's orders the exchange holds in `symbol`.
async fn bot_orders(sim: &SimHandle, symbol: &str) -> Vec<Value> {
    exchange_orders(sim)
        .await
        .into_iter()
        .filter(|o| o["symbol"] == symbol)
        .filter(|o| o["clientOid"].as_str().is_some_and(|c| c.starts_with("vp")))
        .collect()
}

/// No journal row is `rejected` for an order the exchange filled; per-position margin and the
/// position count stayed within the limits.
async fn assert_exchange_and_journal_agree(sim: &SimHandle, dir: &std::path::Path) {
    let journal = Journal::open(dir).unwrap();
    for o in exchange_orders(sim).await {
        let Some(oid) = o["clientOid"].as_str() else {
            continue;
        };
        if o["state"] == "filled"
            && let Some(row) = journal.get(oid).unwrap()
        {
            assert_ne!(
                row.phase,
                OrderPhase::Rejected,
                "{oid} filled but journaled rejected"
            );
        }
    }
    let audit = control(sim, "GET", "/audit", json!({})).await;
    let e = &audit["exposure"]["6900000001"];
    let margin: rust_decimal::Decimal = e["max_position_margin"].as_str().unwrap().parse().unwrap();
    assert!(
        margin <= dec("1"),
        "per-position margin {margin} over the limit: {e}"
    );
    assert!(e["max_positions"].as_u64().unwrap() <= 3, "{e}");
}

#[actix_rt::test]
async fn a_create_applied_after_the_timeout_is_found_not_rejected_and_not_doubled() {
    let sim = sim().await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let bot = start_bot(&sim, &bot_config(dir.path())).await;
    hold_next_create(&sim).await;
    let submit = || async {
        bot.risk
            .send(Submit {
                intent: intent("BTCUSDT", Direction::Buy, "0.0001", None, "64000"),
                price: dec("65000"),
            })
            .await
            .unwrap()
    };
    let first = submit().await.unwrap();
    assert_eq!(
        first.phase,
        OrderPhase::Unknown,
        "the client gave up after 2 s"
    );
    // Until the exchange applies it, and after, a strategy asking again is refused.
    // Asked every third poll: under the gate's 5 intents/s flood limit.
    let mut polls = 0;
    let filled = eventually(30, "the exchange to apply the held create", || {
        polls += 1;
        let ask = polls % 3 == 0;
        let (sim, submit) = (&sim, &submit);
        async move {
        if ask {
            let again = submit().await;
            assert!(
                matches!(&again, Err(SubmitError::Refused(r)) if r.reason() == "already_exposed"),
                "a second opening order while the first is in flight: {again:?}"
            );
        }
        let orders = bot_orders(sim, "BTCUSDT").await;
        orders.iter().any(|o| o["state"] == "filled").then_some(orders)
        }
    })
    .await;
    assert!(
        polls >= 30,
        "the create was held {HOLD_MS} ms, asked during it"
    );
    assert_eq!(
        filled.len(),
        1,
        "one opening order on the exchange: {filled:?}"
    );
    assert_eq!(filled[0]["clientOid"], first.client_oid.as_str());
    eventually(20, "settlement to find it filled", || async {
        let j = Journal::open(dir.path()).ok()?;
        let phase = j.get(&first.client_oid).ok()??.phase;
        assert_ne!(phase, OrderPhase::Rejected, "applied late is not rejected");
        (phase == OrderPhase::Filled).then_some(())
    })
    .await;
    let again = submit().await;
    assert!(
        matches!(&again, Err(SubmitError::Refused(r)) if r.reason() == "already_exposed"),
        "the position lives: {again:?}"
    );
    assert_eq!(bot_orders(&sim, "BTCUSDT").await.len(), 1);
    assert_eq!(
        place_requests(&sim, &first.client_oid).await,
        1,
        "never re-sent"
    );
    assert_exchange_and_journal_agree(&sim, dir.path()).await;
}

/// The in-process config and the file the binary reads say the same: BTC only, a strategy
/// that fires on every crossover, fast polling.
fn kill_config(dir: &std::path::Path) -> viper::config::BotConfig {
    let mut cfg = bot_config(dir);
    cfg.strategy.fast = 2;
    cfg.strategy.slow = 3;
    cfg.strategy.cooldown_secs = 0;
    cfg.intervals.market_poll_ms = 100;
    cfg.admin.listen = "127.0.0.1:0".into();
    cfg
}

/// Moves BTC around 64 900 (inside the stop and take-profit of a position opened there) so the
/// strategy sees a crossover every few ticks.
async fn wiggle(sim: &SimHandle, n: u64) {
    let p = if n % 4 < 2 { "64890" } else { "64910" };
    set_price(sim, "BTCUSDT", p).await;
}

#[actix_rt::test]
async fn sigkill_right_after_sent_then_restart_on_the_same_journal() {
    let sim = sim().await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cfg = kill_config(&data);
    let file = dir.path().join("bot.toml");
    std::fs::write(&file, toml::to_string(&cfg).unwrap()).unwrap();
    hold_next_create(&sim).await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_viper"))
        .args(["run", "--exchange-url", &sim.rest_url, "--config"])
        .arg(&file)
        .env("BITGET_API_KEY", viper_sim::DEFAULT_API_KEY)
        .env("BITGET_API_SECRET", viper_sim::DEFAULT_API_SECRET)
        .env("BITGET_API_PASSPHRASE", viper_sim::DEFAULT_PASSPHRASE)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Prices move until the strategy fires and the create reaches the exchange (its fault
    // rule is consumed on arrival; it is applied HOLD_MS later).
    let mut n = 0;
    let oid = eventually(60, "the bot to send a create", || {
        n += 1;
        let (sim, data, n) = (&sim, &data, n);
        async move {
            wiggle(sim, n).await;
            let held = control(sim, "GET", "/faults", json!({})).await["faults"]
                .as_array()
                .is_some_and(|f| f.is_empty());
            if !held || !data.join("journal.db").exists() {
                return None;
            }
            let j = Journal::open(data).ok()?;
            j.open_orders()
                .ok()?
                .into_iter()
                .find(|o| o.phase == OrderPhase::Sent)
                .map(|o| o.client_oid)
        }
    })
    .await;
    child.kill().unwrap(); // SIGKILL: no shutdown, no settle.
    child.wait().unwrap();
    let bot = start_bot(&sim, &cfg).await;
    // The restarted bot keeps seeing crossovers; the exchange applies the killed create.
    let mut n = 0;
    eventually(40, "the killed create to be found filled", || {
        n += 1;
        let (sim, data, oid, n) = (&sim, &data, &oid, n);
        async move {
            wiggle(sim, n).await;
            let orders = bot_orders(sim, "BTCUSDT").await;
            assert!(
                orders.len() <= 1,
                "a second opening order while the first lives: {orders:?}"
            );
            let phase = Journal::open(data).ok()?.get(oid).ok()??.phase;
            assert_ne!(
                phase,
                OrderPhase::Rejected,
                "{oid} applied late is not rejected"
            );
            (phase == OrderPhase::Filled).then_some(())
        }
    })
    .await;
    // A few more seconds of crossovers with the position open: still one order.
    let until = tokio::time::Instant::now() + Duration::from_secs(3);
    let mut n = 0;
    while tokio::time::Instant::now() < until {
        n += 1;
        wiggle(&sim, n).await;
        actix_rt::time::sleep(Duration::from_millis(150)).await;
    }
    let orders = bot_orders(&sim, "BTCUSDT").await;
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(orders[0]["clientOid"], oid.as_str());
    assert_eq!(place_requests(&sim, &oid).await, 1, "never re-sent");
    assert_exchange_and_journal_agree(&sim, &data).await;
    drop(bot);
}
