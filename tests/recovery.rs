//! Start-up is recovery: a journal left behind by a killed process (orders written and sent
//! but never confirmed) is settled by clientOid, positions found on the exchange are adopted
//! and protected, and nothing is sent twice.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::json;
use viper_actors::journal::{Journal, JournalOrder, OrderPhase};
use viper_bitget::RestClient;
use viper_bitget::models::{ClientOid, OrderType, PlaceOrderRequest, Price, Side, Size};

fn row(oid: &str, phase: OrderPhase, now: i64) -> JournalOrder {
    JournalOrder {
        client_oid: oid.into(),
        symbol: "BTCUSDT".into(),
        direction: "buy".into(),
        size: "0.0001".into(),
        price: None,
        reduce_only: false,
        take_profit: None,
        stop_loss: Some("64000".into()),
        phase,
        order_id: None,
        not_found: 0,
        reason: "before the kill".into(),
        // Older than the unknown-order horizon (120 s by default).
        created_ms: now - 600_000,
        updated_ms: now - 600_000,
    }
}

#[actix_rt::test]
async fn killed_mid_order_restart_settles_the_journal_and_protects_positions() {
    let sim = sim().await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    {
        // What a kill leaves: one order sent and applied (answer never read), one sent but lost
        // on the way, one written but never sent.
        let j = Journal::open(dir.path()).unwrap();
        j.insert(&row("vpkilled1", OrderPhase::Sent, now)).unwrap();
        j.insert(&row("vpkilled2", OrderPhase::Sent, now)).unwrap();
        j.insert(&row("vpkilled3", OrderPhase::Intent, now))
            .unwrap();
    }
    // The first one reached the exchange (without a stop: the kill came before protection).
    let rest = RestClient::new(viper_bitget::RestConfig::custom(
        &sim.rest_url,
        Some(creds()),
    ));
    let mut req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Market,
        Size(dec("0.0001")),
        ClientOid::new("vpkilled1").unwrap(),
    );
    req.price = None::<Price>;
    rest.place_order(&req).await.unwrap();

    let bot = start_bot(&sim, &bot_config(dir.path())).await;
    let j = Journal::open(dir.path()).unwrap();
    assert_eq!(
        j.get("vpkilled1").unwrap().unwrap().phase,
        OrderPhase::Filled,
        "found by clientOid"
    );
    assert_eq!(
        j.get("vpkilled3").unwrap().unwrap().phase,
        OrderPhase::Rejected,
        "never sent"
    );
    // The lost one, older than the horizon, is declared rejected once the exchange's order
    // history over its lifetime does not list it either.
    eventually(10, "the lost order to be declared rejected", || async {
        bot.router
            .send(viper_actors::order_router::SettleNow)
            .await
            .unwrap()
            .unwrap();
        (Journal::open(dir.path())
            .ok()?
            .get("vpkilled2")
            .ok()??
            .phase
            == OrderPhase::Rejected)
            .then_some(())
    })
    .await;
    // The adopted position gets an exchange-side stop from the guard.
    eventually(10, "the adopted position to get a stop-loss", || async {
        let audit = control(&sim, "GET", "/audit", json!({})).await;
        audit["positions"][0]["stop_loss"]
            .as_array()
            .filter(|p| !p.is_empty())
            .map(|_| ())
    })
    .await;
    for oid in ["vpkilled1", "vpkilled2", "vpkilled3"] {
        assert!(
            place_requests(&sim, oid).await <= 1,
            "{oid} never sent twice"
        );
    }
    assert_eq!(
        exchange_orders(&sim)
            .await
            .iter()
            .filter(|o| o["clientOid"] == "vpkilled1")
            .count(),
        1
    );
    assert_eq!(
        exchange_orders(&sim)
            .await
            .iter()
            .filter(|o| o["clientOid"] == "vpkilled2")
            .count(),
        0
    );
}

#[actix_rt::test]
async fn a_position_opened_outside_the_bot_is_adopted_and_protected() {
    let sim = sim().await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let bot = start_bot(&sim, &bot_config(dir.path())).await;
    // Someone trades by hand while the bot runs.
    let rest = RestClient::new(viper_bitget::RestConfig::custom(
        &sim.rest_url,
        Some(creds()),
    ));
    let req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Sell,
        OrderType::Market,
        Size(dec("0.0002")),
        ClientOid::new("manual1").unwrap(),
    );
    rest.place_order(&req).await.unwrap();
    eventually(10, "the guard to protect the manual short", || async {
        let p = rest.all_positions().await.ok()?;
        p.first().and_then(|p| p.stop_loss).map(|s| s.0)
    })
    .await;
    let stats = bot
        .guard
        .send(viper_actors::guard::GetGuardStats)
        .await
        .unwrap();
    assert_eq!(stats.placed, 1);
    let audit = control(&sim, "GET", "/audit", json!({})).await;
    let unprotected = audit["positions"][0]["unprotected"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        unprotected.len(),
        1,
        "one bounded period before the guard acted: {unprotected:?}"
    );
    assert!(unprotected[0]["to"].is_i64());
}

#[actix_rt::test]
async fn an_order_settlement_declared_rejected_that_appears_later_is_adopted() {
    // One process per test under nextest: this recorder is this test's alone.
    let metrics = viper::admin_metrics::install_recorder().unwrap();
    let sim = sim().await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    {
        // Declared rejected a moment ago after "not found" answers...
        let j = Journal::open(dir.path()).unwrap();
        let mut r = row("vplate1", OrderPhase::Rejected, now);
        r.not_found = 5;
        r.updated_ms = now;
        j.insert(&r).unwrap();
    }
    // ...then the exchange applies it after all.
    let rest = RestClient::new(viper_bitget::RestConfig::custom(
        &sim.rest_url,
        Some(creds()),
    ));
    let req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Market,
        Size(dec("0.0001")),
        ClientOid::new("vplate1").unwrap(),
    );
    rest.place_order(&req).await.unwrap();
    let bot = start_bot(&sim, &bot_config(dir.path())).await;
    eventually(10, "the late order to be adopted", || async {
        metrics
            .render()
            .lines()
            .any(|l| l == "viper_orders_adopted_total 1")
            .then_some(())
    })
    .await;
    // Counted (the snapshot shows its position), protected (the guard gives it a stop).
    let refused = bot
        .risk
        .send(viper_actors::risk_manager::Submit {
            intent: intent(
                "BTCUSDT",
                viper_actors::intent::Direction::Buy,
                "0.0001",
                None,
                "64000",
            ),
            price: dec("65000"),
        })
        .await
        .unwrap();
    assert!(
        refused.is_err(),
        "the adopted position is exposure: {refused:?}"
    );
    eventually(10, "the adopted position to get a stop-loss", || async {
        newest_position_protected(&sim).await
    })
    .await;
    assert_eq!(
        Journal::open(dir.path())
            .unwrap()
            .get("vplate1")
            .unwrap()
            .unwrap()
            .phase,
        OrderPhase::Rejected,
        "a final phase never changes"
    );
}
