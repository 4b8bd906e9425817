//! Rate-limit compliance: a burst to a 10/s endpoint queues client-side and the simulator
//! (which enforces spec §4) never answers 429; a 429 pauses the endpoint and reads recover.

mod common;

use std::time::{Duration, Instant};

use serde_json::json;

const ACCOUNT: &str = "/api/v2/mix/account/account";

#[actix_rt::test]
async fn burst_of_30_to_a_10_per_second_endpoint_gets_no_429() {
    let h = common::start().await;
    let start = Instant::now();
    let calls = (0..30).map(|_| h.client.account("BTCUSDT"));
    let results = futures_util::future::join_all(calls).await;
    let elapsed = start.elapsed();
    for r in &results {
        assert!(r.is_ok(), "{r:?}");
    }
    let log = h.requests(ACCOUNT).await;
    assert_eq!(log.len(), 30, "each request sent once");
    assert!(
        log.iter().all(|e| e["http"] != 429 && e["code"] != "429"),
        "{log:?}"
    );
    // 30 at ≤ 10/s needs close to 3 s: the client queued them
    assert!(elapsed >= Duration::from_millis(2800), "{elapsed:?}");
    h.stop().await;
}

#[actix_rt::test]
async fn a_half_share_halves_the_pace() {
    let h = common::start_with(common::sim_config(), |c| c.rate_share = 0.5).await;
    let start = Instant::now();
    let calls = (0..6).map(|_| h.client.all_positions());
    for r in futures_util::future::join_all(calls).await {
        assert!(r.is_ok(), "{r:?}");
    }
    // all-position is 5/s; half of it is 2/s: 6 requests span ≥ 2.5 s
    assert!(
        start.elapsed() >= Duration::from_millis(2500),
        "{:?}",
        start.elapsed()
    );
    h.stop().await;
}

#[actix_rt::test]
async fn a_429_pauses_the_endpoint_and_the_read_is_retried() {
    let h = common::start().await;
    h.add_fault(json!({"path": ACCOUNT, "kind": "rate_limit", "count": 1}))
        .await;
    let start = Instant::now();
    let a = h
        .client
        .account("BTCUSDT")
        .await
        .expect("recovered after the pause");
    assert_eq!(a.margin_coin, "USDT");
    // rate_limit_pause is 300 ms in the test config
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
    let log = h.requests(ACCOUNT).await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["http"], 429);
    h.stop().await;
}

#[actix_rt::test]
async fn a_429_on_a_create_is_returned_not_resent() {
    let h = common::start().await;
    let place = "/api/v2/mix/order/place-order";
    h.add_fault(json!({"path": place, "kind": "rate_limit", "count": 1}))
        .await;
    use rust_decimal_macros::dec;
    use viper_bitget::models::*;
    let req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Market,
        Size(dec!(0.001)),
        ClientOid::new("rl-1").expect("oid"),
    );
    let e = h.client.place_order(&req).await.expect_err("429");
    assert_eq!(e.class(), "rate_limited");
    assert!(
        e.is_retryable(),
        "nothing was applied: the caller may send it again"
    );
    assert_eq!(h.requests(place).await.len(), 1);
    h.stop().await;
}
