//! Each error class, produced for real against the simulator (or a closed port).

mod common;

use std::time::Duration;

use rust_decimal_macros::dec;
use serde_json::json;
use viper_bitget::models::*;
use viper_bitget::{Credentials, Error, RestClient};

const ACCOUNT: &str = "/api/v2/mix/account/account";

#[actix_rt::test]
async fn transport_error_when_nothing_listens() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let client = RestClient::new(common::client_config(&format!("http://127.0.0.1:{port}")));
    let e = client.account("BTCUSDT").await.expect_err("refused");
    assert_eq!(e.class(), "transport", "{e}");
    assert!(e.is_retryable());
    // a create that never left the machine is a plain transport error, not Unknown
    let req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Market,
        Size(dec!(0.001)),
        ClientOid::new("t-1").expect("oid"),
    );
    let e = client.place_order(&req).await.expect_err("refused");
    assert_eq!(e.class(), "transport", "{e}");
}

#[actix_rt::test]
async fn timeout_is_retried_for_reads_then_reported() {
    let h = common::start_with(common::sim_config(), |c| {
        c.request_timeout = Duration::from_millis(300);
        c.retry.max_attempts = 2;
    })
    .await;
    h.add_fault(json!({"path": ACCOUNT, "kind": "latency", "latency_ms": 2000, "count": 1}))
        .await;
    h.client
        .account("BTCUSDT")
        .await
        .expect("second attempt is fast");
    let log = h.wait_requests(ACCOUNT, 2, Duration::from_secs(4)).await;
    assert_eq!(log.len(), 2, "the slow one was sent too: {log:?}");
    h.add_fault(json!({"path": ACCOUNT, "kind": "latency", "latency_ms": 2000}))
        .await;
    let e = h.client.account("BTCUSDT").await.expect_err("always slow");
    assert_eq!(
        e,
        Error::Timeout {
            endpoint: ACCOUNT.into(),
            after: Duration::from_millis(300)
        }
    );
    h.stop().await;
}

#[actix_rt::test]
async fn server_busy_is_retried_for_reads() {
    let h = common::start().await;
    h.add_fault(
        json!({"path": ACCOUNT, "kind": "error", "code": "40015", "http_status": 500, "count": 2}),
    )
    .await;
    h.client
        .account("BTCUSDT")
        .await
        .expect("third attempt succeeds");
    let log = h.requests(ACCOUNT).await;
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(log[0]["code"], "40015");
    h.add_fault(json!({"path": ACCOUNT, "kind": "error", "code": "40015", "http_status": 500}))
        .await;
    let e = h.client.account("BTCUSDT").await.expect_err("always busy");
    assert_eq!(e.class(), "unavailable");
    assert_eq!(e.code(), Some("40015"));
    h.stop().await;
}

#[actix_rt::test]
async fn business_rejection_is_exchange_and_never_retried() {
    let h = common::start().await;
    h.set_price("BTCUSDT", "65000").await;
    // far below the minimum notional / size
    let req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Market,
        Size(dec!(0.00001)),
        ClientOid::new("small-1").expect("oid"),
    );
    let e = h.client.place_order(&req).await.expect_err("too small");
    assert_eq!(e.class(), "exchange", "{e}");
    assert!(e.code().is_some());
    assert!(!e.is_retryable());
    // a read rejection (unknown order) is not retried either
    let e = h
        .client
        .order_detail("BTCUSDT", &OrderRef::OrderId("1".into()))
        .await
        .expect_err("unknown order");
    assert!(e.is_not_found(), "{e}");
    assert_eq!(h.requests("/api/v2/mix/order/detail").await.len(), 1);
    h.stop().await;
}

#[actix_rt::test]
async fn wrong_secret_is_auth_and_fatal() {
    let h = common::start().await;
    let mut cfg = common::client_config(&h.sim.rest_url);
    cfg.credentials = Some(Credentials::new(
        viper_sim::DEFAULT_API_KEY,
        "not-the-secret",
        viper_sim::DEFAULT_PASSPHRASE,
    ));
    let client = RestClient::new(cfg);
    let e = client.account("BTCUSDT").await.expect_err("bad sign");
    assert_eq!(e.class(), "auth");
    assert_eq!(e.code(), Some("40009"));
    assert!(!e.is_retryable());
    assert_eq!(h.requests(ACCOUNT).await.len(), 1);
    // public endpoints need no credentials at all
    let anon = RestClient::new(viper_bitget::RestConfig::custom(&h.sim.rest_url, None));
    anon.server_time().await.expect("public");
    let e = anon.account("BTCUSDT").await.expect_err("needs a key");
    assert_eq!(e.class(), "invalid_request");
    h.stop().await;
}

#[actix_rt::test]
async fn malformed_body_is_decode_with_endpoint_and_excerpt() {
    // The simulator truncates only answers to requests that changed state, so a cancel.
    let h = common::start().await;
    h.set_price("BTCUSDT", "65000").await;
    let mut req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Limit,
        Size(dec!(0.001)),
        ClientOid::new("mal-1").expect("oid"),
    );
    req.price = Some(Price(dec!(60000)));
    h.client.place_order(&req).await.expect("placed");
    let cancel = "/api/v2/mix/order/cancel-order";
    h.add_fault(json!({"path": cancel, "kind": "malformed"}))
        .await;
    let oid = OrderRef::ClientOid(ClientOid::new("mal-1").expect("oid"));
    match h.client.cancel_order("BTCUSDT", oid).await {
        Err(Error::Decode {
            endpoint,
            reason,
            body,
        }) => {
            assert_eq!(endpoint, cancel);
            assert!(!reason.is_empty());
            assert!(body.len() <= 600, "{}", body.len());
            assert!(body.starts_with('{'), "{body}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert_eq!(h.requests(cancel).await.len(), 1, "drift is not retried");
    h.stop().await;
}

#[actix_rt::test]
async fn invalid_requests_are_refused_before_sending() {
    let h = common::start().await;
    assert!(ClientOid::new("has#hash").is_err());
    let b = BatchPlaceOrderRequest {
        symbol: "BTCUSDT".into(),
        product_type: ProductType::UsdtFutures,
        margin_coin: "USDT".into(),
        margin_mode: MarginMode::Crossed,
        order_list: Vec::new(),
    };
    let e = h
        .client
        .batch_place_order(&b)
        .await
        .expect_err("empty batch");
    assert_eq!(e.class(), "invalid_request");
    assert!(
        h.requests("/api/v2/mix/order/batch-place-order")
            .await
            .is_empty()
    );
    h.stop().await;
}
