//! A create whose answer is lost after the exchange applied it is settled by clientOid:
//! exactly one order exists. A create refused with a retryable error is never duplicated.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::json;
use viper_actors::intent::Direction;
use viper_actors::journal::OrderPhase;
use viper_actors::order_router::{Place, SettleNow};
use viper_actors::risk_manager::Evaluate;

#[actix_rt::test]
async fn lost_response_is_settled_by_client_oid_and_never_resent() {
    let sim = sim().await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let bot = start_bot(&sim, &bot_config(dir.path())).await;
    control(&sim, "POST", "/faults", json!({"faults": [{"path": "/api/v2/mix/order/place-order", "kind": "drop_after_apply", "latency_ms": 4000, "count": 1}]})).await;
    let ok = bot
        .risk
        .send(Evaluate {
            intent: intent("BTCUSDT", Direction::Buy, "0.0001", Some("66000"), "64000"),
            price: dec("65000"),
        })
        .await
        .unwrap()
        .unwrap();
    let placed = bot.router.send(Place(ok)).await.unwrap().unwrap();
    assert_eq!(
        placed.phase,
        OrderPhase::Unknown,
        "a timed-out create is unknown, not failed"
    );
    bot.router.send(SettleNow).await.unwrap().unwrap();
    let journal = viper_actors::journal::Journal::open(dir.path()).unwrap();
    assert_eq!(
        journal.get(&placed.client_oid).unwrap().unwrap().phase,
        OrderPhase::Filled
    );
    assert_eq!(
        place_requests(&sim, &placed.client_oid).await,
        1,
        "sent exactly once"
    );
    assert_eq!(
        exchange_orders(&sim)
            .await
            .iter()
            .filter(|o| o["source"] == "market")
            .count(),
        1
    );
}

#[actix_rt::test]
async fn refused_create_is_not_duplicated_and_reads_are_retried() {
    let sim = sim().await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let bot = start_bot(&sim, &bot_config(dir.path())).await;
    control(&sim, "POST", "/faults", json!({"faults": [
        {"path": "/api/v2/mix/order/place-order", "kind": "error", "code": "40015", "http_status": 500, "count": 1},
        {"path": "/api/v2/mix/position/all-position", "kind": "error", "code": "40015", "count": 2}]})).await;
    let ok = bot
        .risk
        .send(Evaluate {
            intent: intent("BTCUSDT", Direction::Buy, "0.0001", Some("66000"), "64000"),
            price: dec("65000"),
        })
        .await
        .unwrap()
        .unwrap();
    let placed = bot.router.send(Place(ok)).await.unwrap();
    let oid = match &placed {
        Ok(p) => p.client_oid.clone(),
        Err(e) => panic!("a 5xx on create must leave the outcome unknown, not fail: {e}"),
    };
    // Reads behind the failed all-position calls still succeed through retries.
    let snap = viper_actors::account_sync::read_account(&bot.rest)
        .await
        .unwrap();
    assert!(snap.positions.is_empty());
    // Settling concludes "not found" only after several answers and some time.
    eventually(15, "the unknown create to be declared rejected", || async {
        bot.router.send(SettleNow).await.unwrap().unwrap();
        let j = viper_actors::journal::Journal::open(dir.path()).ok()?;
        (j.get(&oid).ok()??.phase == OrderPhase::Rejected).then_some(())
    })
    .await;
    assert_eq!(place_requests(&sim, &oid).await, 1, "never re-sent");
    assert!(exchange_orders(&sim).await.is_empty(), "no order exists");
}
