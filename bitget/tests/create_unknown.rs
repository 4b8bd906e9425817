//! The create rule: an order create whose answer is lost is `Unknown`, is never re-sent,
//! and is settled by clientOid — exactly one order exists afterwards.

mod common;

use std::time::Duration;

use rust_decimal_macros::dec;
use serde_json::json;
use viper_bitget::Error;
use viper_bitget::models::*;

const PLACE: &str = "/api/v2/mix/order/place-order";

fn limit_buy(oid: &str) -> PlaceOrderRequest {
    let mut r = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Limit,
        Size(dec!(0.001)),
        ClientOid::new(oid).expect("oid"),
    );
    r.price = Some(Price(dec!(60000)));
    r
}

#[actix_rt::test]
async fn dropped_answer_is_unknown_then_settled_by_client_oid() {
    let h = common::start_with(common::sim_config(), |c| {
        c.request_timeout = Duration::from_millis(500);
    })
    .await;
    h.set_price("BTCUSDT", "65000").await;
    h.add_fault(json!({"path": PLACE, "kind": "drop_after_apply", "latency_ms": 3000, "count": 1}))
        .await;
    let err = h
        .client
        .place_order(&limit_buy("amb-1"))
        .await
        .expect_err("answer withheld");
    match &err {
        Error::Unknown {
            endpoint,
            client_oids,
        } => {
            assert_eq!(endpoint, PLACE);
            assert_eq!(client_oids, &vec!["amb-1".to_owned()]);
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
    assert!(!err.is_retryable());
    let oid = ClientOid::new("amb-1").expect("oid");
    let settled = h
        .client
        .settle_order_patiently("BTCUSDT", &oid, 5, Duration::from_millis(100))
        .await
        .expect("settle")
        .expect("the order was applied");
    assert_eq!(settled.client_oid.as_deref(), Some("amb-1"));
    assert_eq!(settled.state, OrderState::Live);
    // sent exactly once, and exactly one order exists
    let log = h.requests(PLACE).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["clientOid"], "amb-1");
    let open = h
        .client
        .orders_pending(&OrderListQuery::default())
        .await
        .expect("pending");
    assert_eq!(open.entrusted_list.len(), 1);
    h.stop().await;
}

#[actix_rt::test]
async fn server_error_after_send_is_unknown_and_not_found_settles_to_none() {
    let h = common::start().await;
    h.set_price("BTCUSDT", "65000").await;
    h.add_fault(
        json!({"path": PLACE, "kind": "error", "code": "40015", "http_status": 500, "count": 1}),
    )
    .await;
    let err = h
        .client
        .place_order(&limit_buy("amb-2"))
        .await
        .expect_err("5xx");
    assert!(matches!(err, Error::Unknown { .. }), "{err:?}");
    assert_eq!(h.requests(PLACE).await.len(), 1, "never re-sent");
    // the simulator's error fault does not apply the request: settle finds nothing
    let oid = ClientOid::new("amb-2").expect("oid");
    let none = h
        .client
        .settle_order_patiently("BTCUSDT", &oid, 3, Duration::from_millis(50))
        .await
        .expect("settle");
    assert!(none.is_none());
    h.stop().await;
}

#[actix_rt::test]
async fn malformed_success_body_on_a_create_is_unknown() {
    let h = common::start().await;
    h.set_price("BTCUSDT", "65000").await;
    h.add_fault(json!({"path": PLACE, "kind": "malformed", "count": 1}))
        .await;
    let err = h
        .client
        .place_order(&limit_buy("amb-3"))
        .await
        .expect_err("truncated");
    assert!(matches!(err, Error::Unknown { .. }), "{err:?}");
    let oid = ClientOid::new("amb-3").expect("oid");
    assert!(
        h.client
            .settle_order("BTCUSDT", &oid)
            .await
            .expect("settle")
            .is_some()
    );
    assert_eq!(h.requests(PLACE).await.len(), 1);
    h.stop().await;
}

#[actix_rt::test]
async fn a_definite_rejection_stays_a_rejection() {
    let h = common::start().await;
    h.set_price("BTCUSDT", "65000").await;
    h.add_fault(
        json!({"path": PLACE, "kind": "error", "code": "40762", "http_status": 400, "count": 1}),
    )
    .await;
    let err = h
        .client
        .place_order(&limit_buy("rej-1"))
        .await
        .expect_err("rejected");
    assert_eq!(err.code(), Some("40762"), "{err:?}");
    assert_eq!(err.class(), "exchange");
    assert_eq!(h.requests(PLACE).await.len(), 1);
    h.stop().await;
}
