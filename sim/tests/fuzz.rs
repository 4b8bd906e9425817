//! Randomised requests (seeded) against the live server: every answer is an envelope with a
//! documented status, never a 5xx, and the server keeps serving.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

const PATHS: &[&str] = &[
    "/api/v2/mix/order/place-order",
    "/api/v2/mix/order/batch-place-order",
    "/api/v2/mix/order/cancel-order",
    "/api/v2/mix/order/modify-order",
    "/api/v2/mix/order/place-tpsl-order",
    "/api/v2/mix/order/place-pos-tpsl",
    "/api/v2/mix/order/place-plan-order",
    "/api/v2/mix/order/cancel-plan-order",
    "/api/v2/mix/account/set-leverage",
    "/api/v2/mix/order/detail",
    "/api/v2/mix/market/candles",
    "/api/v2/mix/market/merge-depth",
    "/api/v2/mix/order/orders-plan-pending",
    "/api/v2/unknown",
];
const KEYS: &[&str] = &[
    "symbol",
    "productType",
    "marginMode",
    "marginCoin",
    "size",
    "price",
    "side",
    "tradeSide",
    "orderType",
    "force",
    "clientOid",
    "reduceOnly",
    "orderId",
    "planType",
    "triggerPrice",
    "holdSide",
    "leverage",
    "granularity",
    "limit",
    "orderList",
    "orderIdList",
    "presetStopLossPrice",
    "newClientOid",
    "newSize",
    "newPrice",
];

fn random_value(rng: &mut StdRng) -> Value {
    match rng.random_range(0..9) {
        0 => json!(null),
        1 => json!(""),
        2 => json!(rng.random_range(-5.0..1e9)),
        3 => json!(
            [
                "BTCUSDT",
                "usdt-futures",
                "crossed",
                "USDT",
                "buy",
                "sell",
                "open",
                "close",
                "limit",
                "market",
                "pos_loss",
                "long",
                "1m",
                "YES"
            ][rng.random_range(0..14)]
        ),
        4 => json!(format!("{}", rng.random_range(0..100_000))),
        5 => json!([{"orderId": "1"}, {"side": "buy", "size": "0.001", "orderType": "market"}]),
        6 => json!({"nested": true}),
        7 => json!("0.0000000000001"),
        _ => json!("1e400"),
    }
}

#[actix_rt::test]
async fn random_requests_always_get_an_envelope() {
    let api = Api::start(viper_sim::SimConfig {
        rate_limits: false,
        ..config()
    })
    .await;
    let mut rng = StdRng::seed_from_u64(7);
    for i in 0..400 {
        let path = PATHS[rng.random_range(0..PATHS.len())];
        let mut obj = serde_json::Map::new();
        for _ in 0..rng.random_range(0..8) {
            obj.insert(
                KEYS[rng.random_range(0..KEYS.len())].to_string(),
                random_value(&mut rng),
            );
        }
        if rng.random_bool(0.5) {
            obj.insert("productType".into(), json!("USDT-FUTURES"));
            obj.insert("symbol".into(), json!("BTCUSDT"));
        }
        let (status, v) = match rng.random_range(0..4) {
            0 => {
                let q: String = obj
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("x")))
                    .collect::<Vec<_>>()
                    .join("&");
                api.get(path, &q).await
            }
            1 => {
                let garbage: String = (0..rng.random_range(0..64))
                    .map(|_| rng.random_range(32u8..127) as char)
                    .collect();
                let h = api.auth_headers("POST", path, "", &garbage);
                api.raw("POST", path, &garbage, &h).await
            }
            _ => api.post(path, Value::Object(obj)).await,
        };
        assert!(
            [200, 400, 404, 405, 413, 429].contains(&status),
            "request {i} {path}: {status} {v}"
        );
        assert!(
            v["code"].is_string(),
            "request {i} {path}: not an envelope: {v}"
        );
    }
    let (s, _) = api.raw("GET", "/api/v2/public/time", "", &[]).await;
    assert_eq!(s, 200, "still serving");
}
