//! The same seed and the same requests give the same prices and fills.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::{Value, json};

async fn session(seed: u64) -> (Vec<String>, Vec<String>) {
    let api = Api::start(viper_sim::SimConfig { seed, ..config() }).await;
    let mut prices = Vec::new();
    let mut fills = Vec::new();
    for i in 0..6 {
        api.control("POST", "/step", json!({"steps": 40})).await;
        prices.push(
            api.ticker("BTCUSDT").await["lastPr"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        let side = if i % 2 == 0 { "buy" } else { "sell" };
        let o = api
            .ok_place(json!({"side": side, "orderType": "market", "size": "0.0013"}))
            .await;
        let d = api.detail("BTCUSDT", o["orderId"].as_str().unwrap()).await;
        fills.push(format!("{} {} {}", d["priceAvg"], d["fee"], d["orderId"]));
    }
    let book: Value = api
        .ok_get(
            "/api/v2/mix/market/merge-depth",
            "limit=15&productType=USDT-FUTURES&symbol=BTCUSDT",
        )
        .await;
    prices.push(book["asks"].to_string());
    api.sim.stop().await;
    (prices, fills)
}

#[actix_rt::test]
async fn same_seed_same_prices_and_fills() {
    let a = session(11).await;
    let b = session(11).await;
    assert_eq!(a, b);
    let c = session(12).await;
    assert_ne!(a.0, c.0, "another seed gives another path");
}
