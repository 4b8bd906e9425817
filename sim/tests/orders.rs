//! Order lifecycle and validation against the contract specs, over loopback.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::json;

#[actix_rt::test]
async fn market_order_fills_and_is_reported_everywhere() {
    let api = Api::default().await;
    api.set_price("BTCUSDT", "65000").await;
    let before = dec(&api.account().await["accountEquity"]);
    let placed = api
        .ok_place(
            json!({"side": "buy", "orderType": "market", "size": "0.001", "clientOid": "mkt-1"}),
        )
        .await;
    assert_eq!(placed["clientOid"], "mkt-1");
    let id = placed["orderId"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 19);
    let d = api.detail("BTCUSDT", &id).await;
    assert_eq!(d["state"], "filled");
    assert_eq!(d["baseVolume"], "0.001");
    assert_eq!(d["price"], "0");
    assert_eq!(d["posSide"], "net");
    assert_eq!(d["tradeSide"], "buy_single");
    assert_eq!(d["reduceOnly"], "NO");
    let avg = dec(&d["priceAvg"]);
    assert!(
        avg > "65000".parse().unwrap(),
        "a market buy pays the ask: {avg}"
    );
    assert!(dec(&d["fee"]) < 0.into());
    let by_oid = api
        .ok_get(
            "/api/v2/mix/order/detail",
            "clientOid=mkt-1&productType=USDT-FUTURES&symbol=BTCUSDT",
        )
        .await;
    assert_eq!(by_oid["orderId"], id.as_str());
    let pos = api.positions().await;
    assert_eq!(pos.len(), 1);
    assert_eq!(pos[0]["holdSide"], "long");
    assert_eq!(pos[0]["total"], "0.001");
    assert_eq!(dec(&pos[0]["openPriceAvg"]), avg);
    assert_eq!(
        pos[0]["marginSize"]
            .as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap(),
        avg * "0.001".parse::<rust_decimal::Decimal>().unwrap() / rust_decimal::Decimal::from(10)
    );
    let fills = api
        .ok_get(
            "/api/v2/mix/order/fills",
            &format!("orderId={id}&productType=USDT-FUTURES"),
        )
        .await;
    assert_eq!(fills["fillList"][0]["tradeScope"], "taker");
    assert_eq!(fills["fillList"][0]["side"], "buy");
    let hist = api
        .ok_get(
            "/api/v2/mix/order/orders-history",
            "productType=USDT-FUTURES",
        )
        .await;
    assert_eq!(hist["entrustedList"][0]["status"], "filled");
    let after = dec(&api.account().await["accountEquity"]);
    assert!(after < before, "fees and spread cost equity");
}

#[actix_rt::test]
async fn limit_order_rests_partially_fills_and_cancels() {
    let api = Api::start(rich_config()).await;
    api.set_price("BTCUSDT", "65000").await;
    let none = api
        .ok_get(
            "/api/v2/mix/order/orders-pending",
            "productType=USDT-FUTURES",
        )
        .await;
    assert!(none["entrustedList"].is_null() && none["endId"].is_null());
    let placed = api.ok_place(json!({"side": "buy", "orderType": "limit", "price": "64000", "size": "5", "clientOid": "lim-1"})).await;
    let id = placed["orderId"].as_str().unwrap().to_string();
    let pend = api
        .ok_get(
            "/api/v2/mix/order/orders-pending",
            "productType=USDT-FUTURES&symbol=BTCUSDT",
        )
        .await;
    assert_eq!(pend["entrustedList"][0]["status"], "live");
    assert_eq!(pend["endId"], id.as_str());
    let acct = api.account().await;
    assert!(
        dec(&acct["locked"]) > 0.into(),
        "a resting opening order freezes margin"
    );
    // The market trades down through the order: large orders fill a level per tick.
    api.set_price("BTCUSDT", "63990").await;
    let d = api.detail("BTCUSDT", &id).await;
    assert_eq!(d["state"], "partially_filled", "{d}");
    assert_eq!(d["priceAvg"], "64000");
    let filled = dec(&d["baseVolume"]);
    assert!(filled > 0.into() && filled < 5.into());
    let fills = api
        .ok_get(
            "/api/v2/mix/order/fills",
            &format!("orderId={id}&productType=USDT-FUTURES"),
        )
        .await;
    assert_eq!(fills["fillList"][0]["tradeScope"], "maker");
    let c = api
        .ok_post(
            "/api/v2/mix/order/cancel-order",
            json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "clientOid": "lim-1"}),
        )
        .await;
    assert_eq!(c["orderId"], id.as_str());
    let d = api.detail("BTCUSDT", &id).await;
    assert_eq!(d["state"], "canceled");
    assert_eq!(dec(&d["baseVolume"]), filled);
    Api::expect_err(
        api.post(
            "/api/v2/mix/order/cancel-order",
            json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "orderId": id}),
        )
        .await,
        400,
        "43001",
    );
    Api::expect_err(
        api.get(
            "/api/v2/mix/order/detail",
            "orderId=1&productType=USDT-FUTURES&symbol=BTCUSDT",
        )
        .await,
        400,
        "40109",
    );
    Api::expect_err(
        api.post(
            "/api/v2/mix/order/cancel-order",
            json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES"}),
        )
        .await,
        400,
        "40924",
    );
}

#[actix_rt::test]
async fn validation_errors_follow_the_contract_spec() {
    // Many orders in one second: rate limits are tested elsewhere.
    let api = Api::start(viper_sim::SimConfig {
        rate_limits: false,
        ..config()
    })
    .await;
    api.set_price("BTCUSDT", "65000").await;
    let e = |r: (u16, serde_json::Value), code: &str| Api::expect_err(r, 400, code);
    e(
        api.place(json!({"side": "buy", "orderType": "market", "size": "0.00015"}))
            .await,
        "40808",
    );
    e(
        api.place(json!({"side": "buy", "orderType": "market", "size": "0"}))
            .await,
        "40020",
    );
    e(
        api.place(json!({"side": "buy", "orderType": "limit", "size": "0.0001", "price": "40000"}))
            .await,
        "45110",
    );
    e(
        api.place(
            json!({"side": "buy", "orderType": "limit", "size": "0.01", "price": "64000.15"}),
        )
        .await,
        "41103",
    );
    e(
        api.place(json!({"side": "buy", "orderType": "limit", "size": "0.01"}))
            .await,
        "40019",
    );
    e(
        api.place(json!({"side": "buy", "orderType": "limit", "size": "0.01", "price": "70000"}))
            .await,
        "40815",
    );
    e(
        api.place(json!({"side": "sell", "orderType": "limit", "size": "0.01", "price": "60000"}))
            .await,
        "40816",
    );
    e(
        api.place(json!({"side": "buy", "orderType": "market", "size": "1"}))
            .await,
        "40762",
    );
    e(
        api.place(
            json!({"side": "buy", "orderType": "market", "size": "0.001", "symbol": "DOGEUSDT"}),
        )
        .await,
        "40034",
    );
    e(
        api.place(json!({"side": "up", "orderType": "market", "size": "0.001"}))
            .await,
        "40020",
    );
    e(
        api.place(
            json!({"side": "buy", "orderType": "market", "size": "0.001", "clientOid": "bad oid!"}),
        )
        .await,
        "40305",
    );
    e(api.place(json!({"side": "buy", "orderType": "market", "size": "0.001", "clientOid": "x".repeat(50)})).await, "40304");
    e(
        api.place(
            json!({"side": "buy", "orderType": "market", "size": "0.001", "marginMode": null}),
        )
        .await,
        "40019",
    );
    e(
        api.place(
            json!({"side": "sell", "orderType": "market", "size": "0.001", "reduceOnly": "YES"}),
        )
        .await,
        "22002",
    );
    api.ok_place(
        json!({"side": "buy", "orderType": "market", "size": "0.001", "clientOid": "dup"}),
    )
    .await;
    e(
        api.place(
            json!({"side": "buy", "orderType": "market", "size": "0.001", "clientOid": "dup"}),
        )
        .await,
        "40786",
    );
    // XRP: tick 0.0001, whole-number sizes.
    api.set_price("XRPUSDT", "0.6").await;
    e(
        api.place(
            json!({"symbol": "XRPUSDT", "side": "buy", "orderType": "market", "size": "10.5"}),
        )
        .await,
        "40808",
    );
    // Enums are case-insensitive; numbers may be JSON numbers.
    api.ok_place(json!({"symbol": "xrpusdt", "side": "BUY", "orderType": "Limit", "force": "GTC", "price": 0.59, "size": 10})).await;
}

#[actix_rt::test]
async fn time_in_force_variants() {
    let api = Api::start(rich_config()).await;
    api.set_price("BTCUSDT", "65000").await;
    let state = |d: serde_json::Value| d["state"].as_str().unwrap().to_string();
    // Post-only that would take is cancelled, not filled.
    let po = api.ok_place(json!({"side": "buy", "orderType": "limit", "force": "post_only", "price": "65100", "size": "0.001"})).await;
    let d = api.detail("BTCUSDT", po["orderId"].as_str().unwrap()).await;
    assert_eq!(
        (state(d.clone()), d["baseVolume"].as_str()),
        ("canceled".into(), Some("0"))
    );
    // IOC away from the market: nothing fills, nothing rests.
    let ioc = api.ok_place(json!({"side": "buy", "orderType": "limit", "force": "ioc", "price": "64000", "size": "0.001"})).await;
    assert_eq!(
        state(
            api.detail("BTCUSDT", ioc["orderId"].as_str().unwrap())
                .await
        ),
        "canceled"
    );
    // FOK larger than the book within the limit: killed whole.
    let fok = api.ok_place(json!({"side": "buy", "orderType": "limit", "force": "fok", "price": "65000.2", "size": "5"})).await;
    let d = api
        .detail("BTCUSDT", fok["orderId"].as_str().unwrap())
        .await;
    assert_eq!(
        (state(d.clone()), d["baseVolume"].as_str()),
        ("canceled".into(), Some("0"))
    );
    // A marketable GTC limit takes what the book has up to its price, then rests.
    let gtc = api
        .ok_place(json!({"side": "buy", "orderType": "limit", "price": "65000.3", "size": "0.002"}))
        .await;
    assert_eq!(
        state(
            api.detail("BTCUSDT", gtc["orderId"].as_str().unwrap())
                .await
        ),
        "filled"
    );
}

#[actix_rt::test]
async fn batch_cancel_all_modify_and_close_positions() {
    let api = Api::default().await;
    api.set_price("BTCUSDT", "65000").await;
    let body = json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT", "marginMode": "crossed",
        "orderList": [
            {"side": "buy", "orderType": "limit", "price": "64000", "size": "0.001", "clientOid": "b1"},
            {"side": "buy", "orderType": "limit", "price": "64000.05", "size": "0.001", "clientOid": "b2"},
            {"side": "buy", "orderType": "limit", "price": "63900", "size": "0.001", "clientOid": "b3"}]});
    let r = api
        .ok_post("/api/v2/mix/order/batch-place-order", body)
        .await;
    assert_eq!(r["successList"].as_array().unwrap().len(), 2);
    assert_eq!(r["failureList"][0]["clientOid"], "b2");
    assert_eq!(r["failureList"][0]["errorCode"], "41103");
    let m = api
        .ok_post(
            "/api/v2/mix/order/modify-order",
            json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES",
        "clientOid": "b1", "newClientOid": "b1-v2", "newPrice": "64100", "newSize": "0.002"}),
        )
        .await;
    assert_eq!(m["clientOid"], "b1-v2");
    let old = api
        .ok_get(
            "/api/v2/mix/order/detail",
            "clientOid=b1&productType=USDT-FUTURES&symbol=BTCUSDT",
        )
        .await;
    assert_eq!(old["state"], "canceled");
    let new = api.detail("BTCUSDT", m["orderId"].as_str().unwrap()).await;
    assert_eq!(
        (new["price"].as_str(), new["size"].as_str()),
        (Some("64100"), Some("0.002"))
    );
    Api::expect_err(
        api.post(
            "/api/v2/mix/order/modify-order",
            json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES",
        "clientOid": "b3", "newClientOid": "b3-v2", "newPrice": "64100"}),
        )
        .await,
        400,
        "40925",
    );
    let all = api
        .ok_post(
            "/api/v2/mix/order/cancel-all-orders",
            json!({"productType": "USDT-FUTURES", "marginCoin": "USDT"}),
        )
        .await;
    assert_eq!(all["successList"].as_array().unwrap().len(), 2);
    let pend = api
        .ok_get(
            "/api/v2/mix/order/orders-pending",
            "productType=USDT-FUTURES",
        )
        .await;
    assert!(pend["entrustedList"].is_null());
    api.ok_place(json!({"side": "sell", "orderType": "market", "size": "0.002"}))
        .await;
    assert_eq!(api.positions().await[0]["holdSide"], "short");
    let closed = api
        .ok_post(
            "/api/v2/mix/order/close-positions",
            json!({"productType": "USDT-FUTURES", "symbol": "BTCUSDT"}),
        )
        .await;
    assert_eq!(closed["successList"][0]["symbol"], "BTCUSDT");
    assert!(api.positions().await.is_empty());
    Api::expect_err(
        api.post(
            "/api/v2/mix/order/close-positions",
            json!({"productType": "USDT-FUTURES"}),
        )
        .await,
        429,
        "429",
    );
    // close-positions allows one call per second per account.
    actix_rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    let again = api
        .ok_post(
            "/api/v2/mix/order/close-positions",
            json!({"productType": "USDT-FUTURES"}),
        )
        .await;
    assert_eq!(again["successList"], json!([]));
}

#[actix_rt::test]
async fn history_pagination_newest_first() {
    let api = Api::default().await;
    api.set_price("BTCUSDT", "65000").await;
    for i in 0..5 {
        api.ok_place(json!({"side": "buy", "orderType": "limit", "price": "64000", "size": "0.001", "clientOid": format!("p{i}")})).await;
    }
    api.ok_post(
        "/api/v2/mix/order/cancel-all-orders",
        json!({"productType": "USDT-FUTURES"}),
    )
    .await;
    let page1 = api
        .ok_get(
            "/api/v2/mix/order/orders-history",
            "limit=2&productType=USDT-FUTURES",
        )
        .await;
    let rows = page1["entrustedList"].as_array().unwrap();
    assert_eq!(
        (rows[0]["clientOid"].as_str(), rows[1]["clientOid"].as_str()),
        (Some("p4"), Some("p3"))
    );
    let end = page1["endId"].as_str().unwrap();
    let page2 = api
        .ok_get(
            "/api/v2/mix/order/orders-history",
            &format!("idLessThan={end}&limit=2&productType=USDT-FUTURES"),
        )
        .await;
    assert_eq!(page2["entrustedList"][0]["clientOid"], "p2");
}
