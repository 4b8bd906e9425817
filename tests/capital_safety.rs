//! Capital safety against the simulator: limits at their boundary, the emergency stop that
//! really flattens (read from the simulator's audit), its latch across restarts, the
//! stop-loss guard restoring a deleted stop, and the post-trade reduce-to-limit.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::json;
use viper_actors::events::TradingState;
use viper_actors::intent::Direction;
use viper_actors::risk_manager::{GetTradingState, Submit, SubmitError};
use viper_bitget::RestClient;
use viper_bitget::models::{
    CancelPlanOrderRequest, ClientOid, OrderType, PlaceOrderRequest, PlanType, ProductType, Side,
    Size,
};

async fn sim_with_balance(balance: i64) -> viper_sim::SimHandle {
    let mut cfg = viper_sim::SimConfig {
        auto_tick: false,
        ..viper_sim::SimConfig::default()
    };
    cfg.accounts[0].balance = balance.into();
    viper_sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn rest(sim: &viper_sim::SimHandle) -> RestClient {
    RestClient::new(viper_bitget::RestConfig::custom(
        &sim.rest_url,
        Some(creds()),
    ))
}

async fn manual_buy(sim: &viper_sim::SimHandle, size: &str, oid: &str) {
    let req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Market,
        Size(dec(size)),
        ClientOid::new(oid).unwrap(),
    );
    rest(sim).place_order(&req).await.unwrap();
}

#[actix_rt::test]
async fn three_positions_open_and_a_fourth_is_refused() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = bot_config(dir.path());
    cfg.symbols = vec![
        "BTCUSDT".into(),
        "ETHUSDT".into(),
        "SOLUSDT".into(),
        "XRPUSDT".into(),
    ];
    cfg.risk.max_position_margin = dec("5");
    let bot = start_bot(&sim, &cfg).await;
    let cases = [
        ("BTCUSDT", "0.0001", "60000", "65000"),
        ("ETHUSDT", "0.01", "3000", "3200"),
        ("SOLUSDT", "0.1", "140", "150"),
    ];
    for (sym, size, sl, px) in cases {
        let _placed = bot
            .risk
            .send(Submit {
                intent: intent(sym, Direction::Buy, size, None, sl),
                price: dec(px),
            })
            .await
            .unwrap()
            .unwrap();
    }
    let fourth = bot
        .risk
        .send(Submit {
            intent: intent("XRPUSDT", Direction::Buy, "10", None, "0.5"),
            price: dec("0.6"),
        })
        .await
        .unwrap();
    match fourth {
        Err(SubmitError::Refused(r)) => assert_eq!(r.reason(), "max_positions", "{r}"),
        other => panic!("a fourth position must be refused: {other:?}"),
    }
    let audit = control(&sim, "GET", "/audit", json!({})).await;
    assert_eq!(
        audit["exposure"]["6900000001"]["max_positions"], 3,
        "the exchange saw at most three"
    );
}

#[actix_rt::test]
async fn equity_crash_flattens_everything_and_the_latch_survives_a_restart() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("warn")
        .try_init();
    let sim = sim_with_balance(20).await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = bot_config(dir.path());
    cfg.risk.max_position_margin = dec("20");
    cfg.risk.max_total_margin = dec("40");
    cfg.risk.leverage = 5;
    cfg.strategy.stop_loss_pct = dec("10");
    cfg.intervals.account_poll_ms = 200;
    let bot = start_bot(&sim, &cfg).await;
    // A 0.001 BTC long (65 USDT notional, 13 USDT margin at 5x) and a resting order.
    manual_buy(&sim, "0.001", "big1").await;
    let limit = PlaceOrderRequest {
        price: Some(viper_bitget::models::Price(dec("60000"))),
        ..PlaceOrderRequest::new(
            "BTCUSDT",
            Side::Buy,
            OrderType::Limit,
            Size(dec("0.0001")),
            ClientOid::new("rest1").unwrap(),
        )
    };
    rest(&sim).place_order(&limit).await.unwrap();
    eventually(10, "the guard to protect the position", || async {
        newest_position_protected(&sim).await
    })
    .await;
    // Crash: 65000 → 59800 loses 5.2 USDT of 20: equity under 15.
    set_price(&sim, "BTCUSDT", "59800").await;
    let timeline = eventually(10, "the emergency stop to flatten the account", || async {
        let audit = control(&sim, "GET", "/audit", json!({})).await;
        let t = audit["emergencies"].as_array()?.first()?.clone();
        t["flat_at"].is_i64().then_some(t)
    })
    .await;
    let took = timeline["flat_at"].as_i64().unwrap() - timeline["breached_at"].as_i64().unwrap();
    let cleared =
        timeline["orders_cleared_at"].as_i64().unwrap() - timeline["breached_at"].as_i64().unwrap();
    println!("emergency stop: orders cleared after {cleared} ms, flat after {took} ms");
    assert!(
        took <= 1000,
        "flat within 1 s of the breach (took {took} ms)"
    );
    let state = control(&sim, "GET", "/state", json!({})).await;
    assert_eq!(
        (
            state["accounts"][0]["positions"].as_u64(),
            state["accounts"][0]["openOrders"].as_u64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(
        bot.risk.send(GetTradingState).await.unwrap(),
        TradingState::Halted
    );
    viper::system::stop(&bot).await.unwrap();

    // Restart on the same journal with a floor the equity is above: the latch alone keeps
    // trading halted until the operator resumes.
    cfg.risk.emergency_equity = dec("10");
    let again = start_bot(&sim, &cfg).await;
    assert_eq!(
        again.risk.send(GetTradingState).await.unwrap(),
        TradingState::Halted,
        "latched across the restart"
    );
    let refused = again
        .risk
        .send(Submit {
            intent: intent("BTCUSDT", Direction::Buy, "0.0001", None, "50000"),
            price: dec("59800"),
        })
        .await
        .unwrap();
    assert!(refused.is_err());
    viper::operator::resume(&again, true).await.unwrap();
    eventually(5, "trading to resume", || async {
        (again.risk.send(GetTradingState).await.ok()? == TradingState::Active).then_some(())
    })
    .await;
    actix_rt::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(
        again.risk.send(GetTradingState).await.unwrap(),
        TradingState::Active,
        "stays resumed above the floor"
    );
    let journal = viper_actors::journal::Journal::open(dir.path()).unwrap();
    assert!(
        viper_actors::capital::latched(&journal).is_none(),
        "resume cleared the latch"
    );
}

#[actix_rt::test]
async fn a_stop_loss_deleted_behind_the_bots_back_is_restored() {
    let sim = sim().await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let bot = start_bot(&sim, &bot_config(dir.path())).await;
    let _placed = bot
        .risk
        .send(Submit {
            intent: intent("BTCUSDT", Direction::Buy, "0.0001", None, "64000"),
            price: dec("65000"),
        })
        .await
        .unwrap()
        .unwrap();
    let cancel = CancelPlanOrderRequest {
        product_type: ProductType::UsdtFutures,
        symbol: Some("BTCUSDT".into()),
        margin_coin: None,
        order_id_list: None,
        plan_type: PlanType::PosLoss,
    };
    let r = rest(&sim).cancel_plan_order(&cancel).await.unwrap();
    assert_eq!(
        r.success_list.len(),
        1,
        "the preset stop existed and is now gone"
    );
    eventually(10, "the guard to restore the stop", || async {
        newest_position_protected(&sim).await
    })
    .await;
    let audit = control(&sim, "GET", "/audit", json!({})).await;
    let life = &audit["positions"][0];
    assert_eq!(
        life["stop_loss"].as_array().unwrap().len(),
        2,
        "two stop periods with a gap: {life}"
    );
    let gap = &life["unprotected"][0];
    let ms = gap["to"].as_i64().unwrap() - gap["from"].as_i64().unwrap();
    assert!(ms < 5000, "unprotected for {ms} ms");
}

#[actix_rt::test]
async fn a_fill_breaching_the_margin_limit_is_reduced_to_it() {
    let sim = sim().await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let bot = start_bot(&sim, &bot_config(dir.path())).await;
    // 0.0005 BTC at 10x = 3.25 USDT of margin, over the 1 USDT limit.
    manual_buy(&sim, "0.0005", "breach1").await;
    let margin = eventually(10, "reduce-to-limit", || async {
        let p = rest(&sim).all_positions().await.ok()?;
        let m = p.first()?.margin_size?;
        (m <= dec("1.05")).then_some(m)
    })
    .await;
    assert!(margin > dec("0"), "reduced, not closed: margin {margin}");
    // The exchange applies the order before the bot has read its answer: wait for the count.
    let report = eventually(5, "the reduction to be counted", || async {
        let r = bot
            .capital
            .send(viper_actors::capital::GetEmergencyReport)
            .await
            .ok()?;
        (r.reductions >= 1).then_some(r)
    })
    .await;
    assert!(report.reductions >= 1);
    assert!(report.reason.is_none(), "no emergency for a limit breach");
}

#[actix_rt::test]
async fn per_position_margin_at_just_under_and_just_over_the_limit() {
    use viper_actors::intent::OrderIntent;
    let sim = sim().await;
    // XRP at 0.5 with 10x and a 1 USDT limit. Limit orders fill at their price or better,
    // so 20 XRP bought at 0.5 is exactly 1 USDT of margin.
    set_price(&sim, "XRPUSDT", "0.5").await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = bot_config(dir.path());
    cfg.symbols = vec!["XRPUSDT".into()];
    let bot = start_bot(&sim, &cfg).await;
    let at = |size: &str, limit: &str| OrderIntent {
        limit_price: Some(dec(limit)),
        ..intent("XRPUSDT", Direction::Buy, size, None, "0.45")
    };
    let over = bot
        .risk
        .send(Submit {
            intent: at("21", "0.5"),
            price: dec("0.5"),
        })
        .await
        .unwrap();
    assert!(
        matches!(&over, Err(SubmitError::Refused(r)) if r.reason() == "position_margin"),
        "just over: {over:?}"
    );
    let market_at = bot
        .risk
        .send(Submit {
            intent: intent("XRPUSDT", Direction::Buy, "20", None, "0.45"),
            price: dec("0.5001"),
        })
        .await
        .unwrap();
    assert!(
        market_at.is_err(),
        "a market order at the limit would fill above it: refused"
    );
    for (size, px) in [("20", "0.5"), ("19", "0.5")] {
        // The gate admits it once a snapshot read after the previous close shows the symbol
        // flat (the exposure ledger holds it until then): wait for that, not for a fixed time.
        eventually(30, "the gate to admit the order at the limit", || async {
            bot.risk
                .send(Submit {
                    intent: at(size, px),
                    price: dec(px),
                })
                .await
                .unwrap()
                .ok()
        })
        .await;
        // The market trades down through the limit: it fills at 0.5.
        set_price(&sim, "XRPUSDT", "0.4999").await;
        let audit = control(&sim, "GET", "/audit", json!({})).await;
        let max: rust_decimal::Decimal = audit["exposure"]["6900000001"]["max_position_margin"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            max,
            dec("1"),
            "the exchange's own figure: exactly at the limit, never over"
        );
        rest(&sim)
            .close_positions(Some("XRPUSDT"), None)
            .await
            .unwrap();
        set_price(&sim, "XRPUSDT", "0.5").await;
        // Wait for a snapshot that shows the account flat, and close-positions' 1/s budget.
        actix_rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
}
