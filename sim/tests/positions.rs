//! Position modes, side/tradeSide rules, netting, PnL, leverage and mode switching.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use rust_decimal::Decimal;
use serde_json::json;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[actix_rt::test]
async fn one_way_netting_flip_reduce_only_and_pnl() {
    let api = Api::start(rich_config()).await;
    api.set_price("BTCUSDT", "65000").await;
    Api::expect_err(
        api.place(
            json!({"side": "buy", "tradeSide": "open", "orderType": "market", "size": "0.01"}),
        )
        .await,
        400,
        "40774",
    );
    api.ok_place(json!({"side": "buy", "orderType": "market", "size": "0.01"}))
        .await;
    let entry = dec(&api.positions().await[0]["openPriceAvg"]);
    api.set_price("BTCUSDT", "66000").await;
    let p = &api.positions().await[0];
    assert_eq!(dec(&p["unrealizedPL"]), (d("66000") - entry) * d("0.01"));
    // Reduce-only never opens: a reduce-only sell larger than the position closes only it.
    let r = api
        .ok_place(
            json!({"side": "sell", "orderType": "market", "size": "0.02", "reduceOnly": "YES"}),
        )
        .await;
    let det = api.detail("BTCUSDT", r["orderId"].as_str().unwrap()).await;
    assert_eq!(det["reduceOnly"], "YES");
    assert_eq!(det["baseVolume"], "0.01");
    assert!(
        dec(&det["totalProfits"]) > Decimal::ZERO,
        "closing above entry realises a profit"
    );
    assert!(api.positions().await.is_empty());
    // A plain sell larger than a long closes it and opens the rest short.
    api.ok_place(json!({"side": "buy", "orderType": "market", "size": "0.01"}))
        .await;
    api.ok_place(json!({"side": "sell", "orderType": "market", "size": "0.03"}))
        .await;
    let p = api.positions().await;
    assert_eq!(
        (p.len(), p[0]["holdSide"].as_str(), p[0]["total"].as_str()),
        (1, Some("short"), Some("0.02"))
    );
    assert_eq!(p[0]["posMode"], "one_way_mode");
}

#[actix_rt::test]
async fn hedge_mode_sides_and_locks() {
    let api = Api::start(rich_config()).await;
    api.set_price("ETHUSDT", "3200").await;
    let body = |mode: &str| json!({"productType": "USDT-FUTURES", "posMode": mode});
    let r = api
        .ok_post("/api/v2/mix/account/set-position-mode", body("hedge_mode"))
        .await;
    assert_eq!(r["posMode"], "hedge_mode");
    let eth = |extra: serde_json::Value| {
        let mut b = json!({"symbol": "ETHUSDT"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    Api::expect_err(
        api.place(eth(
            json!({"side": "buy", "orderType": "market", "size": "0.1"}),
        ))
        .await,
        400,
        "40774",
    );
    api.ok_place(eth(
        json!({"side": "buy", "tradeSide": "open", "orderType": "market", "size": "0.3"}),
    ))
    .await;
    api.ok_place(eth(
        json!({"side": "sell", "tradeSide": "open", "orderType": "market", "size": "0.2"}),
    ))
    .await;
    let ps = api.positions().await;
    assert_eq!(ps.len(), 2, "long and short coexist");
    // Close long is side=buy + tradeSide=close; a limit close locks size.
    let lim = api.ok_place(eth(json!({"side": "buy", "tradeSide": "close", "orderType": "limit", "price": "3300", "size": "0.2"}))).await;
    let long = api
        .positions()
        .await
        .into_iter()
        .find(|p| p["holdSide"] == "long")
        .unwrap();
    assert_eq!(
        (long["locked"].as_str(), long["available"].as_str()),
        (Some("0.2"), Some("0.1"))
    );
    Api::expect_err(api.place(eth(json!({"side": "buy", "tradeSide": "close", "orderType": "limit", "price": "3300", "size": "0.2"}))).await, 400, "40757");
    let det = api
        .detail("ETHUSDT", lim["orderId"].as_str().unwrap())
        .await;
    assert_eq!(
        (
            det["posSide"].as_str(),
            det["tradeSide"].as_str(),
            det["side"].as_str()
        ),
        (Some("long"), Some("close"), Some("buy"))
    );
    api.ok_place(eth(
        json!({"side": "sell", "tradeSide": "close", "orderType": "market", "size": "0.2"}),
    ))
    .await;
    let ps = api.positions().await;
    assert_eq!((ps.len(), ps[0]["holdSide"].as_str()), (1, Some("long")));
    let fills = api
        .ok_get(
            "/api/v2/mix/order/fills",
            "productType=USDT-FUTURES&symbol=ETHUSDT",
        )
        .await;
    assert_eq!(
        fills["fillList"][0]["side"], "buy",
        "closing a short is an economic buy"
    );
    Api::expect_err(
        api.post(
            "/api/v2/mix/account/set-position-mode",
            body("one_way_mode"),
        )
        .await,
        400,
        "40920",
    );
}

#[actix_rt::test]
async fn leverage_and_margin_mode_rules() {
    let api = Api::default().await;
    api.set_price("BTCUSDT", "65000").await;
    let lev = |l: &str| json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT", "leverage": l});
    let r = api
        .ok_post("/api/v2/mix/account/set-leverage", lev("5"))
        .await;
    assert_eq!(
        (
            r["longLeverage"].as_str(),
            r["crossMarginLeverage"].as_str()
        ),
        (Some("5"), Some("5"))
    );
    Api::expect_err(
        api.post("/api/v2/mix/account/set-leverage", lev("126"))
            .await,
        400,
        "40797",
    );
    Api::expect_err(
        api.post("/api/v2/mix/account/set-leverage", lev("2.5"))
            .await,
        400,
        "40020",
    );
    let acct = api.account().await;
    assert_eq!(
        (
            acct["crossedMarginLeverage"].as_str(),
            acct["marginMode"].as_str()
        ),
        (Some("5"), Some("crossed"))
    );
    let mm = |m: &str| json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT", "marginMode": m});
    api.ok_post("/api/v2/mix/account/set-margin-mode", mm("isolated"))
        .await;
    api.ok_place(
        json!({"side": "buy", "orderType": "market", "size": "0.001", "marginMode": "isolated"}),
    )
    .await;
    let p = &api.positions().await[0];
    assert_eq!(
        (p["marginMode"].as_str(), p["leverage"].as_str()),
        (Some("isolated"), Some("5"))
    );
    assert!(
        dec(&p["liquidationPrice"]) > Decimal::ZERO,
        "an isolated 5x long has a liquidation price"
    );
    Api::expect_err(
        api.post("/api/v2/mix/account/set-margin-mode", mm("crossed"))
            .await,
        400,
        "45117",
    );
}
