//! The control plane: faults (error, latency, 429, drop-after-apply, malformed), the request
//! log, reset, and bad control input.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

const PLACE: &str = "/api/v2/mix/order/place-order";

#[actix_rt::test]
async fn injected_error_and_rate_limit_do_not_apply_the_request() {
    let api = Api::default().await;
    api.control("POST", "/faults", json!({"faults": [{"path": PLACE, "kind": "error", "code": "40015", "http_status": 500, "count": 1}]})).await;
    let r = api
        .place(json!({"side": "buy", "orderType": "market", "size": "0.001", "clientOid": "f1"}))
        .await;
    Api::expect_err(r, 500, "40015");
    api.control(
        "POST",
        "/faults",
        json!({"faults": [{"path": PLACE, "kind": "rate_limit", "count": 1}]}),
    )
    .await;
    Api::expect_err(
        api.place(
            json!({"side": "buy", "orderType": "market", "size": "0.001", "clientOid": "f1"}),
        )
        .await,
        429,
        "429",
    );
    assert!(api.positions().await.is_empty());
    api.ok_place(json!({"side": "buy", "orderType": "market", "size": "0.001", "clientOid": "f1"}))
        .await;
    let faults = api.control("GET", "/faults", json!({})).await;
    assert_eq!(
        faults["faults"],
        json!([]),
        "count-limited faults are consumed"
    );
}

#[actix_rt::test]
async fn drop_after_apply_applies_then_withholds_and_the_log_shows_one_order() {
    let api = Api::default().await;
    api.control("POST", "/faults", json!({"faults": [{"path": PLACE, "kind": "drop_after_apply", "latency_ms": 1500, "count": 1}]})).await;
    let short = awc::Client::builder()
        .timeout(Duration::from_millis(500))
        .finish();
    let body = json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginMode": "crossed", "marginCoin": "USDT",
        "side": "buy", "orderType": "market", "size": "0.001", "clientOid": "lost-1"}).to_string();
    let mut req = short.post(format!("{}{PLACE}", api.sim.rest_url));
    for (k, v) in api.auth_headers("POST", PLACE, "", &body) {
        req = req.insert_header((k, v));
    }
    let started = Instant::now();
    assert!(req.send_body(body).await.is_err(), "the client times out");
    assert!(started.elapsed() < Duration::from_millis(1400));
    // The order exists although its answer was lost: settle by clientOid.
    let d = api
        .ok_get(
            "/api/v2/mix/order/detail",
            "clientOid=lost-1&productType=USDT-FUTURES&symbol=BTCUSDT",
        )
        .await;
    assert_eq!(d["state"], "filled");
    actix_rt::time::sleep(Duration::from_millis(1200)).await;
    let log = api
        .control("GET", &format!("/requests?path={PLACE}"), json!({}))
        .await;
    let rows = log["requests"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{log}");
    assert_eq!(
        (rows[0]["clientOid"].as_str(), rows[0]["applied"].as_bool()),
        (Some("lost-1"), Some(true))
    );
    assert!(
        rows[0]["key"].as_str().unwrap().ends_with('…'),
        "the key is shortened in the log"
    );
}

#[actix_rt::test]
async fn latency_and_malformed_bodies() {
    let api = Api::default().await;
    api.control(
        "POST",
        "/faults",
        json!({"faults": [
        {"path": "/api/v2/public/time", "kind": "latency", "latency_ms": 300, "count": 1},
        {"path": "/api/v2/mix/market/tickers", "kind": "malformed", "count": 1}]}),
    )
    .await;
    let t = Instant::now();
    let (s, _) = api.raw("GET", "/api/v2/public/time", "", &[]).await;
    assert_eq!(s, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let (s, v) = api
        .raw(
            "GET",
            "/api/v2/mix/market/tickers?productType=USDT-FUTURES",
            "",
            &[],
        )
        .await;
    assert_eq!(s, 200);
    let raw = v["raw"].as_str().unwrap();
    assert!(
        raw.starts_with('{') && serde_json::from_str::<serde_json::Value>(raw).is_err(),
        "truncated JSON: {raw}"
    );
}

#[actix_rt::test]
async fn reset_and_bad_control_input() {
    let api = Api::default().await;
    api.ok_place(json!({"side": "buy", "orderType": "market", "size": "0.001"}))
        .await;
    assert_eq!(api.positions().await.len(), 1);
    api.control("POST", "/reset", json!({})).await;
    assert!(api.positions().await.is_empty());
    assert_eq!(api.account().await["accountEquity"], "1000");
    let url = format!("{}/price", api.sim.control_url);
    let r = api
        .client
        .post(&url)
        .send_json(&json!({"symbol": "BTCUSDT", "price": "-1"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = api
        .client
        .post(&url)
        .send_json(&json!({"symbol": "NOPE", "price": "1"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = api
        .client
        .post(format!("{}/faults", api.sim.control_url))
        .send_json(&json!({"faults": [{"kind": "explode"}]}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = api
        .client
        .get(format!("{}/nothing", api.sim.control_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[actix_rt::test]
async fn balance_sets_equity_and_a_paused_market_holds_still() {
    let mut cfg = config();
    cfg.auto_tick = true;
    cfg.tick_ms = 20;
    let api = Api::start(cfg).await;
    let set = api
        .control("POST", "/balance", json!({"balance": "14.5"}))
        .await;
    assert_eq!(set["equity"], "14.5");
    assert_eq!(api.account().await["accountEquity"], "14.5");
    let steps = |v: &serde_json::Value| v["markets"][0]["steps"].as_u64().unwrap();
    api.control("POST", "/market", json!({"paused": true}))
        .await;
    let before = steps(&api.control("GET", "/state", json!({})).await);
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    let state = api.control("GET", "/state", json!({})).await;
    assert_eq!(state["paused"], true);
    assert!(
        steps(&state) <= before + 1,
        "at most a tick already under way"
    );
    api.control("POST", "/market", json!({"paused": false}))
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while steps(&api.control("GET", "/state", json!({})).await) < before + 3 {
        assert!(Instant::now() < deadline, "the market resumes");
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    let url = format!("{}/balance", api.sim.control_url);
    let r = api
        .client
        .post(url)
        .send_json(&json!({"balance": "-1"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}
