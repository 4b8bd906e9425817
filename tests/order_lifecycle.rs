//! An approved intent goes through the journal to the exchange with its TP/SL attached
//! exchange-side; a take-profit and a stop-loss fired by scripted prices close the position
//! and the bot sees it.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::json;
use viper_actors::intent::Direction;
use viper_actors::journal::OrderPhase;
use viper_actors::order_router::{JournalCounts, SettleNow};
use viper_actors::risk_manager::Submit;

#[actix_rt::test]
async fn take_profit_and_stop_loss_fire_exchange_side_and_the_bot_sees_the_close() {
    let sim = sim().await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let bot = start_bot(&sim, &bot_config(dir.path())).await;

    // Long with TP 65500 / SL 64700, through risk then the router.
    let placed = bot
        .risk
        .send(Submit {
            intent: intent("BTCUSDT", Direction::Buy, "0.0001", Some("65500"), "64700"),
            price: dec("65000"),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(placed.phase, OrderPhase::Acknowledged);
    assert_eq!(place_requests(&sim, &placed.client_oid).await, 1);
    let audit = control(&sim, "GET", "/audit", json!({})).await;
    let life = &audit["positions"][0];
    assert!(
        life["stop_loss"][0]["from"].is_i64() && life["take_profit"][0]["from"].is_i64(),
        "TP/SL exist exchange-side: {life}"
    );
    assert_eq!(life["unprotected"], json!([]), "never without a stop");
    eventually(5, "the bot to see the fill", || async {
        bot.router.send(SettleNow).await.unwrap().unwrap();
        let counts = bot.router.send(JournalCounts).await.unwrap().unwrap();
        counts
            .iter()
            .any(|(p, n)| p == "filled" && *n == 1)
            .then_some(())
    })
    .await;
    // Take-profit fires.
    set_price(&sim, "BTCUSDT", "65600").await;
    let state = control(&sim, "GET", "/state", json!({})).await;
    assert_eq!(
        state["accounts"][0]["positions"], 0,
        "TP closed the position on the exchange"
    );
    eventually(5, "account sync to see the account flat", || async {
        let snap = viper_actors::account_sync::read_account(&bot.rest)
            .await
            .ok()?;
        snap.positions.is_empty().then_some(())
    })
    .await;

    // Short with a stop: the stop fires.
    // Risk approves a new entry once its own snapshot shows the account flat again.
    let _short = eventually(5, "risk to approve the short", || async {
        bot.risk
            .send(Submit {
                intent: intent("BTCUSDT", Direction::Sell, "0.0001", Some("65000"), "65900"),
                price: dec("65600"),
            })
            .await
            .unwrap()
            .ok()
    })
    .await;
    set_price(&sim, "BTCUSDT", "66000").await;
    let audit = control(&sim, "GET", "/audit", json!({})).await;
    let short = audit["positions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(short["hold_side"], "short");
    assert!(
        short["closed"].is_i64(),
        "the stop closed the short: {short}"
    );
    let orders = exchange_orders(&sim).await;
    assert!(orders.iter().any(|o| o["source"] == "pos_loss_market"));
    assert!(orders.iter().any(|o| o["source"] == "pos_profit_market"));
}
