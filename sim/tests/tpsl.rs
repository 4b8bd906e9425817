//! TP/SL and trigger orders: presets becoming position TP/SL, triggers firing on scripted
//! prices (last or mark), automatic cancellation of the sibling, plan history.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::json;

const PENDING_TPSL: &str = "planType=profit_loss&productType=USDT-FUTURES";

#[actix_rt::test]
async fn preset_tpsl_then_stop_loss_fires_and_take_profit_is_cancelled() {
    let api = Api::default().await;
    api.set_price("BTCUSDT", "65000").await;
    let o = api
        .ok_place(
            json!({"side": "buy", "orderType": "market", "size": "0.001", "clientOid": "entry",
        "presetStopSurplusPrice": "68000", "presetStopLossPrice": "63000"}),
        )
        .await;
    let det = api.detail("BTCUSDT", o["orderId"].as_str().unwrap()).await;
    assert_eq!(
        (
            det["presetStopSurplusPrice"].as_str(),
            det["presetStopLossPrice"].as_str()
        ),
        (Some("68000"), Some("63000"))
    );
    let plans = api
        .ok_get("/api/v2/mix/order/orders-plan-pending", PENDING_TPSL)
        .await;
    let rows = plans["entrustedList"].as_array().unwrap();
    let kinds: Vec<&str> = rows
        .iter()
        .map(|r| r["planType"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"pos_profit") && kinds.contains(&"pos_loss"),
        "{kinds:?}"
    );
    assert!(
        rows.iter()
            .all(|r| r["size"] == "0" && r["planStatus"] == "live")
    );
    let pos = &api.positions().await[0];
    assert_eq!(
        (pos["takeProfit"].as_str(), pos["stopLoss"].as_str()),
        (Some("68000"), Some("63000"))
    );
    let sl_id = pos["stopLossId"].as_str().unwrap().to_string();
    // The market falls through the stop: the position closes, the TP goes with it.
    api.control(
        "POST",
        "/price",
        json!({"symbol": "BTCUSDT", "path": ["64000", "62990"]}),
    )
    .await;
    api.control("POST", "/step", json!({"steps": 1})).await;
    assert_eq!(api.positions().await.len(), 1, "not yet");
    api.control("POST", "/step", json!({"steps": 1})).await;
    assert!(
        api.positions().await.is_empty(),
        "stop-loss closed the position"
    );
    let pending = api
        .ok_get("/api/v2/mix/order/orders-plan-pending", PENDING_TPSL)
        .await;
    assert!(pending["entrustedList"].is_null(), "{pending}");
    let hist = api
        .ok_get("/api/v2/mix/order/orders-plan-history", PENDING_TPSL)
        .await;
    let rows = hist["entrustedList"].as_array().unwrap();
    let sl = rows
        .iter()
        .find(|r| r["orderId"] == sl_id.as_str())
        .unwrap();
    assert_eq!(sl["planStatus"], "executed");
    let close_id = sl["executeOrderId"].as_str().unwrap();
    let close = api.detail("BTCUSDT", close_id).await;
    assert_eq!(
        (close["orderSource"].as_str(), close["state"].as_str()),
        (Some("pos_loss_market"), Some("filled"))
    );
    let tp = rows.iter().find(|r| r["planType"] == "pos_profit").unwrap();
    assert_eq!(tp["planStatus"], "cancelled");
    let audit = api.control("GET", "/audit", json!({})).await;
    let life = &audit["positions"][0];
    assert!(life["closed"].is_i64());
    assert_eq!(
        life["unprotected"],
        json!([]),
        "the stop existed from the first fill to the close"
    );
}

#[actix_rt::test]
async fn position_tpsl_endpoints_and_side_checks() {
    let api = Api::default().await;
    api.set_price("BTCUSDT", "65000").await;
    let tpsl = |plan: &str, trigger: &str| {
        json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT",
        "planType": plan, "triggerPrice": trigger, "triggerType": "mark_price", "holdSide": "long"})
    };
    Api::expect_err(
        api.post(
            "/api/v2/mix/order/place-tpsl-order",
            tpsl("pos_loss", "60000"),
        )
        .await,
        400,
        "43023",
    );
    api.ok_place(json!({"side": "buy", "orderType": "market", "size": "0.001"}))
        .await;
    Api::expect_err(
        api.post(
            "/api/v2/mix/order/place-tpsl-order",
            tpsl("pos_loss", "66000"),
        )
        .await,
        400,
        "40917",
    );
    Api::expect_err(
        api.post(
            "/api/v2/mix/order/place-tpsl-order",
            tpsl("pos_profit", "64000"),
        )
        .await,
        400,
        "40915",
    );
    let sl = api
        .ok_post(
            "/api/v2/mix/order/place-tpsl-order",
            tpsl("pos_loss", "60000"),
        )
        .await;
    // place-pos-tpsl replaces the position stop in place (same id) and adds the TP.
    let both = api.ok_post("/api/v2/mix/order/place-pos-tpsl", json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES",
        "marginCoin": "USDT", "holdSide": "long", "stopSurplusTriggerPrice": "70000", "stopLossTriggerPrice": "61000",
        "stopLossTriggerType": "mark_price"})).await;
    let ids: Vec<&str> = both
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["orderId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&sl["orderId"].as_str().unwrap()));
    assert_eq!(api.positions().await[0]["stopLoss"], "61000");
    let m = api
        .ok_post(
            "/api/v2/mix/order/modify-tpsl-order",
            json!({"orderId": sl["orderId"], "symbol": "BTCUSDT",
        "productType": "USDT-FUTURES", "marginCoin": "USDT", "triggerPrice": "62000", "size": ""}),
        )
        .await;
    assert_eq!(m["orderId"], sl["orderId"]);
    assert_eq!(api.positions().await[0]["stopLoss"], "62000");
    // A mark-price stop ignores the last price and fires on the mark.
    api.control(
        "POST",
        "/price",
        json!({"symbol": "BTCUSDT", "price": "61500", "mark": "62500"}),
    )
    .await;
    assert_eq!(
        api.positions().await.len(),
        1,
        "mark still above the mark-price stop"
    );
    api.control(
        "POST",
        "/price",
        json!({"symbol": "BTCUSDT", "price": "61900"}),
    )
    .await;
    assert!(api.positions().await.is_empty());
    // Cancelling a TP/SL needs its own planType: the default normal_plan does not find it.
    api.ok_place(json!({"side": "buy", "orderType": "market", "size": "0.001"}))
        .await;
    let sl = api
        .ok_post(
            "/api/v2/mix/order/place-tpsl-order",
            tpsl("pos_loss", "55000"),
        )
        .await;
    let cancel = |plan: Option<&str>| {
        let mut b = json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "orderIdList": [{"orderId": sl["orderId"]}]});
        if let Some(p) = plan {
            b["planType"] = json!(p);
        }
        b
    };
    let r = api
        .ok_post("/api/v2/mix/order/cancel-plan-order", cancel(None))
        .await;
    assert_eq!(r["failureList"].as_array().unwrap().len(), 1);
    let r = api
        .ok_post(
            "/api/v2/mix/order/cancel-plan-order",
            cancel(Some("pos_loss")),
        )
        .await;
    assert_eq!(r["successList"][0]["orderId"], sl["orderId"]);
    let audit = api.control("GET", "/audit", json!({})).await;
    let last = audit["positions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        last["unprotected"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["to"].is_null()),
        "now open without a stop: {last}"
    );
}

#[actix_rt::test]
async fn trigger_order_opens_a_position_when_crossed() {
    let api = Api::default().await;
    api.set_price("SOLUSDT", "150").await;
    let plan = api.ok_post("/api/v2/mix/order/place-plan-order", json!({"planType": "normal_plan", "symbol": "SOLUSDT",
        "productType": "USDT-FUTURES", "marginMode": "crossed", "marginCoin": "USDT", "size": "1", "triggerPrice": "155",
        "triggerType": "fill_price", "side": "buy", "orderType": "market", "clientOid": "breakout",
        "stopLossTriggerPrice": "150"})).await;
    let pending = api
        .ok_get(
            "/api/v2/mix/order/orders-plan-pending",
            "planType=normal_plan&productType=USDT-FUTURES",
        )
        .await;
    assert_eq!(pending["entrustedList"][0]["clientOid"], "breakout");
    assert_eq!(pending["entrustedList"][0]["tradeSide"], "buy_single");
    api.set_price("SOLUSDT", "154").await;
    assert!(api.positions().await.is_empty());
    api.set_price("SOLUSDT", "155.2").await;
    let ps = api.positions().await;
    assert_eq!((ps.len(), ps[0]["total"].as_str()), (1, Some("1")));
    assert_eq!(
        ps[0]["stopLoss"], "150",
        "the trigger order's attached stop applies after execution"
    );
    let hist = api
        .ok_get(
            "/api/v2/mix/order/orders-plan-history",
            "planType=normal_plan&productType=USDT-FUTURES",
        )
        .await;
    assert_eq!(hist["entrustedList"][0]["orderId"], plan["orderId"]);
    assert_eq!(hist["entrustedList"][0]["planStatus"], "executed");
    // Cancel by symbol + planType without ids cancels all of that kind.
    api.ok_post("/api/v2/mix/order/place-plan-order", json!({"symbol": "SOLUSDT", "productType": "USDT-FUTURES",
        "marginMode": "crossed", "marginCoin": "USDT", "size": "1", "triggerPrice": "140", "triggerType": "mark_price",
        "side": "sell", "orderType": "limit", "price": "139.5"})).await;
    let r = api
        .ok_post(
            "/api/v2/mix/order/cancel-plan-order",
            json!({"productType": "USDT-FUTURES", "symbol": "SOLUSDT"}),
        )
        .await;
    assert_eq!(r["successList"].as_array().unwrap().len(), 1);
}

#[actix_rt::test]
async fn liquidation_at_the_liquidation_price() {
    let api = Api::default().await;
    api.set_price("BTCUSDT", "65000").await;
    let lev = json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT", "leverage": "50"});
    api.ok_post("/api/v2/mix/account/set-leverage", lev).await;
    api.ok_post(
        "/api/v2/mix/account/set-margin-mode",
        json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES",
        "marginCoin": "USDT", "marginMode": "isolated"}),
    )
    .await;
    api.ok_place(json!({"side": "buy", "orderType": "market", "size": "0.01"}))
        .await;
    let liq = dec(&api.positions().await[0]["liquidationPrice"]);
    let above = (liq + rust_decimal::Decimal::from(5)).round_dp(1);
    api.set_price("BTCUSDT", &above.to_string()).await;
    assert_eq!(
        api.positions().await.len(),
        1,
        "still above the liquidation price {liq}"
    );
    let below = (liq - rust_decimal::Decimal::from(5)).round_dp(1);
    api.set_price("BTCUSDT", &below.to_string()).await;
    assert!(api.positions().await.is_empty(), "liquidated below {liq}");
    let hist = api
        .ok_get(
            "/api/v2/mix/order/orders-history",
            "orderSource=liquidation&productType=USDT-FUTURES",
        )
        .await;
    let row = &hist["entrustedList"][0];
    assert_eq!(
        (row["tradeSide"].as_str(), row["enterPointSource"].as_str()),
        (Some("burst_sell_single"), Some("SYS"))
    );
    let audit = api.control("GET", "/audit", json!({})).await;
    assert!(audit["positions"][0]["liquidated_at"].is_string());
    let equity = dec(&api.account().await["accountEquity"]);
    assert!(
        equity < rust_decimal::Decimal::from(1000) && equity > rust_decimal::Decimal::from(980),
        "lost about the 13 USDT margin: {equity}"
    );
}
