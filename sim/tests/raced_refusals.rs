//! A TP/SL trigger refused because the market moved through it while the request was held by
//! an injected delay is marked `raced` in the audit; one already on the wrong side when the
//! request arrived is not. Over real loopback: the request is in flight while the control
//! plane moves the price, and the test waits on the fault being consumed (the request has
//! arrived), never on a fixed sleep.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const PLACE: &str = "/api/v2/mix/order/place-order";
const POS_TPSL: &str = "/api/v2/mix/order/place-pos-tpsl";
/// Long enough for a loaded 2-core machine to see the request arrive and move the price
/// before the simulator handles it.
const HOLD_MS: u64 = 6_000;

/// Holds the next request to `path` for `HOLD_MS`.
async fn hold_next(api: &Api, path: &str) {
    let plan =
        json!({"faults": [{"path": path, "kind": "latency", "latency_ms": HOLD_MS, "count": 1}]});
    api.control("POST", "/faults", plan).await;
}

/// Waits until the held request has arrived: its one-shot fault is consumed on arrival.
async fn arrived(api: &Api) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let f = api.control("GET", "/faults", json!({})).await;
        if f["faults"].as_array().is_some_and(Vec::is_empty) {
            return;
        }
        assert!(Instant::now() < deadline, "the request never arrived: {f}");
        actix_rt::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Sends `send` while, once it has arrived, the market jumps to `price`; returns its answer.
async fn while_held<F: std::future::Future<Output = (u16, Value)>>(
    api: &Api,
    send: F,
    price: &str,
) -> (u16, Value) {
    let mover = async {
        arrived(api).await;
        api.set_price("BTCUSDT", price).await;
    };
    let (answer, ()) = futures_util::join!(send, mover);
    answer
}

/// The audit's refusals of `path`.
async fn refusals(api: &Api, path: &str) -> Vec<Value> {
    let audit = api.control("GET", "/audit", json!({})).await;
    audit["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == path)
        .cloned()
        .collect()
}

fn market_buy(stop: &str) -> Value {
    json!({"side": "buy", "orderType": "market", "size": "0.001", "presetStopLossPrice": stop})
}

#[actix_rt::test]
async fn a_stop_the_market_falls_through_during_the_delay_is_marked_raced() {
    let api = Api::default().await;
    api.set_price("BTCUSDT", "65000").await;
    hold_next(&api, PLACE).await;
    let answer = while_held(&api, api.place(market_buy("64800")), "64700").await;
    Api::expect_err(answer, 400, "40917");
    let r = refusals(&api, PLACE).await;
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0]["code"], "40917");
    assert_eq!(r[0]["valid_at_arrival"], true, "{}", r[0]);
    assert_eq!(r[0]["raced"], true, "{}", r[0]);
    assert_eq!(
        r[0]["injected"], false,
        "the exchange's own rule refused it"
    );
    assert_eq!(r[0]["delay_ms"].as_u64(), Some(HOLD_MS), "{}", r[0]);
    assert!(
        api.positions().await.is_empty(),
        "nothing opened unprotected"
    );
}

#[actix_rt::test]
async fn a_stop_already_wrong_on_arrival_is_not_raced_even_if_the_market_moved() {
    let api = Api::default().await;
    api.set_price("BTCUSDT", "65000").await;
    hold_next(&api, PLACE).await;
    // Above the mark on arrival, and still above it after the market moved.
    let answer = while_held(&api, api.place(market_buy("65100")), "65050").await;
    Api::expect_err(answer, 400, "40917");
    let r = refusals(&api, PLACE).await;
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0]["valid_at_arrival"], false, "{}", r[0]);
    assert_eq!(r[0]["raced"], false, "{}", r[0]);
}

#[actix_rt::test]
async fn a_stop_wrong_on_arrival_without_any_delay_is_not_raced() {
    let api = Api::default().await;
    api.set_price("BTCUSDT", "65000").await;
    Api::expect_err(api.place(market_buy("65000")).await, 400, "40917");
    let r = refusals(&api, PLACE).await;
    assert_eq!(
        (&r[0]["valid_at_arrival"], &r[0]["raced"], &r[0]["delay_ms"]),
        (&json!(false), &json!(false), &json!(0)),
        "{}",
        r[0]
    );
}

#[actix_rt::test]
async fn a_position_stop_overtaken_while_held_is_raced_and_other_refusals_are_not_judged() {
    let api = Api::default().await;
    api.set_price("BTCUSDT", "65000").await;
    api.ok_place(
        json!({"side": "buy", "orderType": "market", "size": "0.001", "clientOid": "open"}),
    )
    .await;
    let body = json!({"symbol": "BTCUSDT", "productType": PT, "marginCoin": "USDT", "holdSide": "long",
        "stopLossTriggerPrice": "64800", "stopLossTriggerType": "mark_price"});
    hold_next(&api, POS_TPSL).await;
    let answer = while_held(&api, api.post(POS_TPSL, body), "64700").await;
    Api::expect_err(answer, 400, "40917");
    // A refusal for another reason carries no verdict.
    Api::expect_err(
        api.place(
            json!({"side": "buy", "orderType": "market", "size": "0.001", "clientOid": "open"}),
        )
        .await,
        400,
        "40786",
    );
    let r = refusals(&api, POS_TPSL).await;
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(
        (&r[0]["valid_at_arrival"], &r[0]["raced"]),
        (&json!(true), &json!(true)),
        "{}",
        r[0]
    );
    let dup = refusals(&api, PLACE).await;
    assert_eq!(
        (&dup[0]["valid_at_arrival"], &dup[0]["raced"]),
        (&Value::Null, &json!(false)),
        "{}",
        dup[0]
    );
}
