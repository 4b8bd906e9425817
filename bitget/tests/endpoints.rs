//! Every endpoint family against the simulator: market, account and settings, positions,
//! orders, plans/TP-SL, key info — each decoded into the typed structs.

mod common;

use rust_decimal_macros::dec;
use viper_bitget::contracts::ContractsCache;
use viper_bitget::models::*;
use viper_bitget::rest::CandlesQuery;

fn oid(s: &str) -> ClientOid {
    ClientOid::new(s).expect("valid clientOid")
}

#[actix_rt::test]
async fn market_endpoints() {
    let h = common::start().await;
    let c = &h.client;
    let t = c.server_time().await.expect("time");
    assert!(t.server_time > 1_600_000_000_000);
    let contracts = c.contracts(None).await.expect("contracts");
    let names: Vec<&str> = contracts.iter().map(|c| c.symbol.as_str()).collect();
    for s in ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"] {
        assert!(names.contains(&s), "{names:?}");
    }
    let one = c.contracts(Some("ETHUSDT")).await.expect("one contract");
    assert_eq!(one.len(), 1);
    h.set_price("BTCUSDT", "65000").await;
    let tk = c.ticker("BTCUSDT").await.expect("ticker");
    assert_eq!(tk.last_pr, Price(dec!(65000)));
    let many = c
        .tickers_for(&["BTCUSDT", "SOLUSDT"])
        .await
        .expect("tickers");
    assert_eq!(many.len(), 2);
    let candles = c
        .candles(&CandlesQuery {
            symbol: "BTCUSDT".into(),
            granularity: Granularity::M1,
            start_time: None,
            end_time: None,
            limit: Some(10),
        })
        .await
        .expect("candles");
    assert!(candles.windows(2).all(|w| w[0].ts < w[1].ts), "ascending");
    let depth = c
        .merge_depth("BTCUSDT", Some(DepthPrecision::Scale0), Some("5"))
        .await
        .expect("depth");
    assert!(!depth.asks.is_empty() && !depth.bids.is_empty());
    assert!(depth.asks[0].price > depth.bids[0].price);
    h.stop().await;
}

#[actix_rt::test]
async fn contracts_cache_serves_from_memory_within_ttl() {
    let h = common::start().await;
    let cache = ContractsCache::new(h.client.clone(), std::time::Duration::from_secs(60));
    let btc = cache.get("btcusdt").await.expect("get").expect("listed");
    assert_eq!(btc.symbol, "BTCUSDT");
    assert!(cache.get("NOPEUSDT").await.expect("get").is_none());
    let path = "/api/v2/mix/market/contracts";
    assert_eq!(
        h.requests(path).await.len(),
        1,
        "second read came from the cache"
    );
    cache.refresh().await.expect("refresh");
    assert_eq!(h.requests(path).await.len(), 2);
    h.stop().await;
}

#[actix_rt::test]
async fn contracts_cache_serves_the_last_good_list_when_a_refresh_fails() {
    let h = common::start().await;
    let cache = ContractsCache::new(h.client.clone(), std::time::Duration::ZERO);
    assert_eq!(cache.all().await.expect("first fetch").len(), 4);
    h.add_fault(
        serde_json::json!({"path": "/api/v2/mix/market/contracts", "kind": "error",
        "code": "40015", "http_status": 500}),
    )
    .await;
    assert!(
        cache.refresh().await.is_err(),
        "an explicit refresh reports the failure"
    );
    let stale = cache.all().await.expect("stale list served");
    assert_eq!(stale.len(), 4);
    h.stop().await;
}

#[actix_rt::test]
async fn account_settings_and_positions() {
    let h = common::start().await;
    let c = &h.client;
    let a = c.account("BTCUSDT").await.expect("account");
    assert_eq!(a.margin_coin, "USDT");
    assert_eq!(a.available, dec!(1000));
    assert_eq!(a.pos_mode, Some(PosMode::OneWay));
    let all = c.accounts().await.expect("accounts");
    assert_eq!(all[0].margin_coin, "USDT");
    let l = c.set_leverage("BTCUSDT", 20).await.expect("leverage");
    assert_eq!(l.symbol, "BTCUSDT");
    let m = c
        .set_margin_mode("ETHUSDT", MarginMode::Isolated)
        .await
        .expect("margin mode");
    assert_eq!(m.margin_mode, Some(MarginMode::Isolated));
    let p = c.set_position_mode(PosMode::Hedge).await.expect("pos mode");
    assert_eq!(p.pos_mode, PosMode::Hedge);
    let p = c
        .set_position_mode(PosMode::OneWay)
        .await
        .expect("pos mode");
    assert_eq!(p.pos_mode, PosMode::OneWay);
    assert!(c.all_positions().await.expect("positions").is_empty());
    assert!(
        c.single_position("BTCUSDT")
            .await
            .expect("position")
            .is_empty()
    );
    let k = c.api_key_info().await.expect("key info");
    assert!(k.can_trade_futures(), "{k:?}");
    h.stop().await;
}

#[actix_rt::test]
async fn order_lifecycle() {
    let h = common::start().await;
    let c = &h.client;
    h.set_price("BTCUSDT", "65000").await;
    // a resting limit buy far below the market
    let mut req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Limit,
        Size(dec!(0.001)),
        oid("rest-1"),
    );
    req.price = Some(Price(dec!(60000)));
    let ack = c.place_order(&req).await.expect("place");
    let id = ack.order_id.clone().expect("orderId");
    let d = c
        .order_detail("BTCUSDT", &OrderRef::OrderId(id.clone()))
        .await
        .expect("detail")
        .expect("exists");
    assert_eq!(d.state, OrderState::Live);
    assert_eq!(d.client_oid.as_deref(), Some("rest-1"));
    let pending = c
        .orders_pending(&OrderListQuery::default())
        .await
        .expect("pending");
    assert_eq!(pending.entrusted_list.len(), 1);
    // modify = replace with a new clientOid
    let m = ModifyOrderRequest {
        symbol: "BTCUSDT".into(),
        product_type: ProductType::UsdtFutures,
        margin_coin: "USDT".into(),
        order: OrderRef::OrderId(id),
        new_client_oid: oid("rest-1b"),
        new_size: Some(Size(dec!(0.002))),
        new_price: Some(Price(dec!(60500))),
        new_preset_stop_surplus_price: None,
        new_preset_stop_loss_price: None,
    };
    c.modify_order(&m).await.expect("modify");
    let replaced = c
        .settle_order("BTCUSDT", &oid("rest-1b"))
        .await
        .expect("settle");
    assert!(
        replaced.is_some(),
        "replacement visible by its new clientOid"
    );
    c.cancel_order("BTCUSDT", OrderRef::ClientOid(oid("rest-1b")))
        .await
        .expect("cancel");
    let e = c
        .cancel_order("BTCUSDT", OrderRef::ClientOid(oid("rest-1b")))
        .await
        .expect_err("second cancel");
    assert!(e.is_not_found(), "{e}");
    let hist = c
        .orders_history(&OrderListQuery::default())
        .await
        .expect("history");
    assert!(hist.entrusted_list.iter().all(|o| o.state.is_final()));
    assert!(hist.entrusted_list.len() >= 2, "original and replacement");
    h.stop().await;
}

fn batch_item(o: &str, p: rust_decimal::Decimal) -> BatchOrderItem {
    BatchOrderItem {
        size: Size(dec!(0.001)),
        price: Some(Price(p)),
        side: Side::Buy,
        trade_side: None,
        order_type: OrderType::Limit,
        force: Some(Force::Gtc),
        client_oid: oid(o),
        reduce_only: None,
    }
}

#[actix_rt::test]
async fn batch_place_batch_cancel_and_cancel_all() {
    let h = common::start().await;
    let c = &h.client;
    h.set_price("BTCUSDT", "65000").await;
    let b = BatchPlaceOrderRequest {
        symbol: "BTCUSDT".into(),
        product_type: ProductType::UsdtFutures,
        margin_coin: "USDT".into(),
        margin_mode: MarginMode::Crossed,
        order_list: vec![
            batch_item("b-1", dec!(60000)),
            batch_item("b-2", dec!(60100)),
        ],
    };
    let r = c.batch_place_order(&b).await.expect("batch place");
    assert_eq!(r.success_list.len(), 2, "{r:?}");
    let r = c
        .batch_cancel_orders("BTCUSDT", vec![OrderRef::ClientOid(oid("b-1"))])
        .await
        .expect("batch cancel");
    assert_eq!(r.success_list.len(), 1, "{r:?}");
    let r = c
        .cancel_all_orders(Some("BTCUSDT"))
        .await
        .expect("cancel all");
    assert_eq!(r.success_list.len(), 1, "{r:?}");
    let open = c
        .orders_pending(&OrderListQuery::default())
        .await
        .expect("pending");
    assert!(open.entrusted_list.is_empty());
    h.stop().await;
}

#[actix_rt::test]
async fn market_order_position_fills_and_close() {
    let h = common::start().await;
    let c = &h.client;
    h.set_price("BTCUSDT", "65000").await;
    let req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Market,
        Size(dec!(0.002)),
        oid("mkt-1"),
    );
    c.place_order(&req).await.expect("market buy");
    let o = c
        .settle_order("BTCUSDT", &oid("mkt-1"))
        .await
        .expect("detail")
        .expect("found");
    assert_eq!(o.state, OrderState::Filled);
    let pos = c.all_positions().await.expect("positions");
    assert_eq!(pos.len(), 1);
    assert_eq!(pos[0].hold_side, HoldSide::Long);
    assert_eq!(pos[0].total, Size(dec!(0.002)));
    let single = c.single_position("BTCUSDT").await.expect("single");
    assert_eq!(single.len(), 1);
    let fills = c.fills(&OrderListQuery::default()).await.expect("fills");
    assert!(!fills.fill_list.is_empty());
    assert_eq!(fills.fill_list[0].base_volume, Size(dec!(0.002)));
    let r = c
        .close_positions(Some("BTCUSDT"), None)
        .await
        .expect("close");
    assert_eq!(r.success_list.len(), 1, "{r:?}");
    assert!(c.all_positions().await.expect("positions").is_empty());
    h.stop().await;
}

fn pos_loss(trigger: rust_decimal::Decimal) -> PlaceTpslRequest {
    PlaceTpslRequest {
        margin_coin: "USDT".into(),
        product_type: ProductType::UsdtFutures,
        symbol: "BTCUSDT".into(),
        plan_type: PlanType::PosLoss,
        trigger_price: Price(trigger),
        trigger_type: Some(TriggerType::MarkPrice),
        execute_price: None,
        hold_side: HoldSide::Buy,
        size: None,
        range_rate: None,
        client_oid: oid("sl-1"),
        stp_mode: None,
    }
}

fn pos_take_profit(trigger: rust_decimal::Decimal) -> PlacePosTpslRequest {
    PlacePosTpslRequest {
        margin_coin: "USDT".into(),
        product_type: ProductType::UsdtFutures,
        symbol: "BTCUSDT".into(),
        hold_side: HoldSide::Buy,
        stop_surplus_trigger_price: Some(Price(trigger)),
        stop_surplus_trigger_type: Some(TriggerType::MarkPrice),
        stop_surplus_execute_price: None,
        stop_loss_trigger_price: None,
        stop_loss_trigger_type: None,
        stop_loss_execute_price: None,
        stop_surplus_client_oid: Some(oid("tp-1")),
        stop_loss_client_oid: None,
    }
}

fn trigger_buy(trigger: rust_decimal::Decimal) -> PlacePlanOrderRequest {
    PlacePlanOrderRequest {
        plan_type: PlanType::NormalPlan,
        symbol: "BTCUSDT".into(),
        product_type: ProductType::UsdtFutures,
        margin_mode: MarginMode::Crossed,
        margin_coin: "USDT".into(),
        size: Size(dec!(0.001)),
        price: None,
        callback_ratio: None,
        trigger_price: Price(trigger),
        trigger_type: TriggerType::MarkPrice,
        side: Side::Buy,
        trade_side: None,
        order_type: OrderType::Market,
        client_oid: oid("plan-1"),
        stop_surplus_trigger_price: None,
        stop_loss_trigger_price: None,
    }
}

#[actix_rt::test]
async fn plan_and_tpsl_endpoints() {
    let h = common::start().await;
    let c = &h.client;
    h.set_price("BTCUSDT", "65000").await;
    let req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Market,
        Size(dec!(0.002)),
        oid("pos-1"),
    );
    c.place_order(&req).await.expect("open long");
    let sl = pos_loss(dec!(60000));
    let ack = c.place_tpsl_order(&sl).await.expect("pos_loss");
    let sl_id = ack.order_id.expect("plan id");
    let tp = pos_take_profit(dec!(70000));
    let acks = c.place_pos_tpsl(&tp).await.expect("pos tpsl");
    assert!(!acks.is_empty());
    let modify = ModifyTpslRequest {
        order: OrderRef::OrderId(sl_id.clone()),
        margin_coin: "USDT".into(),
        product_type: ProductType::UsdtFutures,
        symbol: "BTCUSDT".into(),
        trigger_price: Price(dec!(61000)),
        trigger_type: Some(TriggerType::MarkPrice),
        execute_price: None,
        size: None,
    };
    c.modify_tpsl_order(&modify).await.expect("modify tpsl");
    let trigger = trigger_buy(dec!(55000));
    c.place_plan_order(&trigger).await.expect("plan order");
    let q = |t| PlanListQuery {
        plan_type: t,
        symbol: Some("BTCUSDT".into()),
        order: None,
        plan_status: None,
        id_less_than: None,
        limit: None,
    };
    let tpsl = c
        .orders_plan_pending(&q(PlanType::ProfitLoss))
        .await
        .expect("tpsl pending");
    let loss = tpsl
        .entrusted_list
        .iter()
        .find(|p| p.order_id == sl_id)
        .expect("sl listed");
    assert_eq!(loss.plan_type, PlanType::PosLoss);
    assert_eq!(loss.trigger_price, Price(dec!(61000)));
    let plans = c
        .orders_plan_pending(&q(PlanType::NormalPlan))
        .await
        .expect("plans");
    assert_eq!(plans.entrusted_list.len(), 1);
    let cancel = CancelPlanOrderRequest {
        product_type: ProductType::UsdtFutures,
        symbol: Some("BTCUSDT".into()),
        margin_coin: Some("USDT".into()),
        order_id_list: Some(vec![OrderRef::ClientOid(oid("plan-1"))]),
        plan_type: PlanType::NormalPlan,
    };
    let r = c.cancel_plan_order(&cancel).await.expect("cancel plan");
    assert_eq!(r.success_list.len(), 1, "{r:?}");
    let hist = c
        .orders_plan_history(&q(PlanType::NormalPlan))
        .await
        .expect("plan history");
    assert_eq!(hist.entrusted_list.len(), 1);
    assert_eq!(hist.entrusted_list[0].plan_status, PlanStatus::Cancelled);
    h.stop().await;
}
