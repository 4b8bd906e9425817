//! Per-endpoint rate limits of spec §4: per UID for private endpoints, per IP for public ones,
//! answered with HTTP 429 and the documented body.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;

/// Waits until early in a fresh one-second window so a burst is not split across two.
async fn align_to_second() {
    let ms = now_ms() % 1000;
    if ms > 300 {
        actix_rt::time::sleep(std::time::Duration::from_millis((1000 - ms) as u64 + 20)).await;
    }
}

#[actix_rt::test]
async fn private_endpoint_budget_per_uid() {
    let api = Api::default().await;
    align_to_second().await;
    let mut codes = Vec::new();
    for _ in 0..12 {
        let (s, v) = api
            .get(
                "/api/v2/mix/order/orders-pending",
                "productType=USDT-FUTURES",
            )
            .await;
        codes.push((s, v["code"].as_str().unwrap().to_string()));
        if s == 429 {
            assert_eq!(v["msg"], "Too Many Requests");
            assert!(v["data"].is_null());
        }
    }
    let ok = codes.iter().filter(|c| c.0 == 200).count();
    assert_eq!(ok, 10, "10/s per UID: {codes:?}");
    assert!(
        codes
            .iter()
            .filter(|c| c.0 != 200)
            .all(|c| c == &(429, "429".to_string()))
    );
    // Another endpoint keeps its own budget.
    api.ok_get(
        "/api/v2/mix/order/orders-history",
        "productType=USDT-FUTURES",
    )
    .await;
    let log = api
        .control(
            "GET",
            "/requests?path=/api/v2/mix/order/orders-pending",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        log["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["code"] == "429")
            .count(),
        2
    );
}

#[actix_rt::test]
async fn public_endpoint_budget_per_ip_and_recovery() {
    let api = Api::default().await;
    align_to_second().await;
    let mut ok = 0;
    for _ in 0..22 {
        let (s, _) = api.raw("GET", "/api/v2/public/time", "", &[]).await;
        ok += usize::from(s == 200);
    }
    assert_eq!(ok, 20, "20/s per IP");
    actix_rt::time::sleep(std::time::Duration::from_millis(1000)).await;
    let (s, _) = api.raw("GET", "/api/v2/public/time", "", &[]).await;
    assert_eq!(s, 200, "the next window admits again");
}
