//! A feed actor that panics is restarted with backoff and data flows again; the health
//! monitor counts the restart.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use std::time::Duration;
use viper_actors::health_monitor::GetHealth;
use viper_actors::market_feed::InjectPanic;
use viper_actors::supervisor::CurrentAddr;

#[actix_rt::test]
async fn feed_panic_is_restarted_and_data_flows_again() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = start_bot(&sim, &bot_config(dir.path())).await;
    eventually(5, "market data", || async {
        bot.health
            .send(GetHealth)
            .await
            .unwrap()
            .market_age
            .filter(|a| *a < Duration::from_secs(1))
    })
    .await;
    let first = bot.feed.send(CurrentAddr::default()).await.unwrap();
    let _ = first.send(InjectPanic).await;
    eventually(5, "the feed to die", || async {
        (!first.connected()).then_some(())
    })
    .await;
    eventually(10, "a restart to be reported", || async {
        let h = bot.health.send(GetHealth).await.unwrap();
        h.restarts
            .get("market_feed")
            .filter(|n| **n == 1)
            .map(|_| ())
    })
    .await;
    let second = bot.feed.send(CurrentAddr::default()).await.unwrap();
    assert!(second.connected());
    let restarted_at = tokio::time::Instant::now();
    // Data flows again: a tick newer than the restart arrives.
    eventually(5, "fresh market data after the restart", || async {
        let h = bot.health.send(GetHealth).await.unwrap();
        h.market_age
            .filter(|a| *a < restarted_at.elapsed())
            .map(|_| ())
    })
    .await;
}

#[actix_rt::test]
async fn a_router_panic_is_detected_and_trading_halts() {
    use viper_actors::events::TradingState;
    use viper_actors::risk_manager::GetTradingState;
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = start_bot(&sim, &bot_config(dir.path())).await;
    let _ = bot.router.send(InjectPanic).await;
    let dead = actix_rt::time::timeout(
        Duration::from_secs(5),
        viper::system::critical_failure(&bot),
    )
    .await
    .unwrap();
    assert_eq!(dead, "order_router");
    viper::system::stop(&bot).await.ok();
    assert_eq!(
        bot.risk.send(GetTradingState).await.unwrap(),
        TradingState::Halted
    );
    // The restart is recovery: a new bot on the same journal starts and trades again.
    let again = start_bot(&sim, &bot_config(dir.path())).await;
    assert_eq!(
        again.risk.send(GetTradingState).await.unwrap(),
        TradingState::Active
    );
}

#[actix_rt::test]
async fn a_request_over_two_seconds_is_flagged_and_degrades_health() {
    use viper_actors::health_monitor::Verdict;
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = start_bot(&sim, &bot_config(dir.path())).await;
    // The account endpoint answers after 2.5 s once: the client times out at 2 s.
    control(&sim, "POST", "/faults", serde_json::json!({"faults": [{"path": "/api/v2/mix/account/accounts", "kind": "latency", "latency_ms": 2500, "count": 1}]})).await;
    let h = eventually(15, "the slow endpoint to be flagged", || async {
        let h = bot.health.send(GetHealth).await.ok()?;
        (!h.slow_endpoints.is_empty()).then_some(h)
    })
    .await;
    assert_eq!(h.slow_endpoints[0].0, "/api/v2/mix/account/accounts");
    assert!(h.slow_endpoints[0].1 >= Duration::from_secs(2));
    assert_eq!(h.verdict, Verdict::Degraded, "{:?}", h.reasons);
}

#[actix_rt::test]
async fn a_guard_panic_is_restarted_and_the_next_unprotected_position_gets_its_stop() {
    use viper_actors::guard::StopLossGuard;
    use viper_bitget::RestClient;
    use viper_bitget::models::{ClientOid, OrderType, PlaceOrderRequest, Side, Size};
    let sim = sim().await;
    set_price(&sim, "XRPUSDT", "0.6").await;
    let dir = tempfile::tempdir().unwrap();
    // BTC only: the position below is in a symbol the bot does not trade (its tick comes
    // from the contract list, or the exchange would refuse the stop with 40808).
    let bot = start_bot(&sim, &bot_config(dir.path())).await;
    let first = bot
        .guard
        .send(CurrentAddr::<StopLossGuard>::default())
        .await
        .unwrap();
    let _ = first.send(InjectPanic).await;
    eventually(5, "the guard to die", || async {
        (!first.connected()).then_some(())
    })
    .await;
    eventually(10, "the guard's restart to be reported", || async {
        let h = bot.health.send(GetHealth).await.unwrap();
        h.restarts
            .get("stop_loss_guard")
            .filter(|n| **n == 1)
            .map(|_| ())
    })
    .await;
    let rest = RestClient::new(viper_bitget::RestConfig::custom(
        &sim.rest_url,
        Some(creds()),
    ));
    let req = PlaceOrderRequest::new(
        "XRPUSDT",
        Side::Buy,
        OrderType::Market,
        Size(dec("20")),
        ClientOid::new("manualxrp").unwrap(),
    );
    rest.place_order(&req).await.unwrap();
    eventually(
        15,
        "the restarted guard to protect the new position",
        || async { newest_position_protected(&sim).await },
    )
    .await;
    let audit = control(&sim, "GET", "/audit", serde_json::json!({})).await;
    let refused_stops = audit["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["code"] == "40808")
        .count();
    assert_eq!(refused_stops, 0, "stops rounded to XRP's tick: {audit}");
    assert!(
        bot.trader.connected() && bot.router.connected(),
        "restarted in-process"
    );
}
