//! Public market endpoints over loopback: shapes, string numbers, filters, errors.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;

#[actix_rt::test]
async fn time_contracts_tickers() {
    let api = Api::default().await;
    let (s, v) = api.raw("GET", "/api/v2/public/time", "", &[]).await;
    assert_eq!(s, 200);
    assert_eq!(v["code"], "00000");
    assert_eq!(v["msg"], "success");
    let server: i64 = v["data"]["serverTime"].as_str().unwrap().parse().unwrap();
    assert!((server - now_ms()).abs() < 5_000);

    let c = api
        .ok_get("/api/v2/mix/market/contracts", "productType=usdt-futures")
        .await;
    let btc = c
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["symbol"] == "BTCUSDT")
        .unwrap()
        .clone();
    assert_eq!(btc["pricePlace"], "1");
    assert_eq!(btc["volumePlace"], "4");
    assert_eq!(btc["minTradeUSDT"], "5");
    assert_eq!(btc["supportMarginCoins"][0], "USDT");
    assert_eq!(c.as_array().unwrap().len(), 4);
    let one = api
        .ok_get(
            "/api/v2/mix/market/contracts",
            "productType=USDT-FUTURES&symbol=ETHUSDT",
        )
        .await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    let coin = api
        .ok_get("/api/v2/mix/market/contracts", "productType=COIN-FUTURES")
        .await;
    assert_eq!(coin, serde_json::json!([]));

    let t = api.ticker("BTCUSDT").await;
    assert_eq!(t["symbol"], "BTCUSDT");
    assert!(dec(&t["bidPr"]) < dec(&t["lastPr"]) && dec(&t["lastPr"]) < dec(&t["askPr"]));
    assert!(t["deliveryTime"].is_null());
    let all = api
        .ok_get("/api/v2/mix/market/tickers", "productType=USDT-FUTURES")
        .await;
    assert_eq!(all.as_array().unwrap().len(), 4);
}

#[actix_rt::test]
async fn scripted_price_shows_in_ticker_candles_and_book() {
    let api = Api::default().await;
    api.set_price("BTCUSDT", "70000").await;
    let t = api.ticker("BTCUSDT").await;
    assert_eq!(t["lastPr"], "70000");
    assert_eq!(t["markPrice"], "70000");
    let candles = api
        .ok_get(
            "/api/v2/mix/market/candles",
            "granularity=1m&limit=5&productType=USDT-FUTURES&symbol=BTCUSDT",
        )
        .await;
    let rows = candles.as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(
        rows[4][4], "70000",
        "last candle closes at the scripted price"
    );
    assert_eq!(rows[0].as_array().unwrap().len(), 7);
    let ts: Vec<i64> = rows
        .iter()
        .map(|r| r[0].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(ts.windows(2).all(|w| w[0] < w[1]), "ascending");
    let hour = api
        .ok_get(
            "/api/v2/mix/market/candles",
            "granularity=1H&productType=USDT-FUTURES&symbol=BTCUSDT",
        )
        .await;
    assert!(
        hour.as_array().unwrap().len() >= 5,
        "300 minutes of history aggregate to 5+ hours"
    );

    let book = api
        .ok_get(
            "/api/v2/mix/market/merge-depth",
            "limit=5&productType=USDT-FUTURES&symbol=BTCUSDT",
        )
        .await;
    let asks = book["asks"].as_array().unwrap();
    let bids = book["bids"].as_array().unwrap();
    assert_eq!((asks.len(), bids.len()), (5, 5));
    assert!(
        asks[0][0].is_f64() || asks[0][0].is_u64(),
        "levels are JSON numbers"
    );
    assert!(asks[0][0].as_f64().unwrap() > 70000.0 && bids[0][0].as_f64().unwrap() < 70000.0);
    assert!(asks.windows(2).all(|w| w[0][0].as_f64() < w[1][0].as_f64()));
    assert!(bids.windows(2).all(|w| w[0][0].as_f64() > w[1][0].as_f64()));
    let merged = api
        .ok_get(
            "/api/v2/mix/market/merge-depth",
            "precision=scale2&productType=USDT-FUTURES&symbol=BTCUSDT",
        )
        .await;
    assert_eq!(merged["scale"], "10");
}

#[actix_rt::test]
async fn bad_requests_get_envelopes() {
    let api = Api::default().await;
    Api::expect_err(
        api.raw(
            "GET",
            "/api/v2/mix/market/ticker?productType=USDT-FUTURES&symbol=NOPEUSDT",
            "",
            &[],
        )
        .await,
        400,
        "40034",
    );
    Api::expect_err(
        api.raw(
            "GET",
            "/api/v2/mix/market/ticker?productType=USDT-FUTURES",
            "",
            &[],
        )
        .await,
        400,
        "40019",
    );
    Api::expect_err(
        api.raw(
            "GET",
            "/api/v2/mix/market/tickers?productType=SPOT",
            "",
            &[],
        )
        .await,
        400,
        "40020",
    );
    Api::expect_err(
        api.raw(
            "GET",
            "/api/v2/mix/market/candles?productType=USDT-FUTURES&symbol=BTCUSDT&granularity=7m",
            "",
            &[],
        )
        .await,
        400,
        "40020",
    );
    Api::expect_err(
        api.raw("GET", "/api/v2/nothing/here", "", &[]).await,
        404,
        "40404",
    );
    Api::expect_err(
        api.raw("POST", "/api/v2/public/time", "{}", &[]).await,
        405,
        "40404",
    );
    let big = "x".repeat(70 * 1024);
    Api::expect_err(
        api.raw("POST", "/api/v2/mix/order/place-order", &big, &[])
            .await,
        413,
        "40017",
    );
}
