//! The scheduled fault plan over real loopback sockets: an outage episode refuses REST and
//! WebSockets then heals, a late request is applied after the client gave up, WebSocket
//! logins fail and pushes arrive out of order during their episodes, and bad plans are
//! refused naming the key.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::ws::{Got, Ws, arg, is_push};
use common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const PLACE: &str = "/api/v2/mix/order/place-order";

/// Polls `f` every 50 ms until it is true; false after `secs`.
async fn within<F, Fut>(secs: u64, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f().await {
            return true;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn post_faults(api: &Api, body: Value) -> (u16, Value) {
    let url = format!("{}/faults", api.sim.control_url);
    let mut r = api.client.post(url).send_json(&body).await.unwrap();
    let v = serde_json::from_slice(&r.body().await.unwrap()).unwrap();
    (r.status().as_u16(), v)
}

#[actix_rt::test]
async fn an_outage_episode_refuses_rest_and_websockets_then_heals() {
    let api = Api::default().await;
    let mut ws = Ws::connect(&api.sim.ws_public_url).await;
    // The first window opens at once and lasts 2 s; the next one is 60 s away.
    let plan = json!({"faults": [{"kind": "outage", "every_s": 60, "for_s": 2}]});
    assert_eq!(post_faults(&api, plan).await.0, 200);
    let cut = loop {
        match ws.next(3000).await {
            Got::Closed(_) => break true,
            Got::Nothing => break false,
            Got::Text(_) => continue,
        }
    };
    assert!(cut, "open WebSockets are cut when the episode starts");
    let (status, _) = api
        .get(
            "/api/v2/mix/market/ticker",
            "symbol=BTCUSDT&productType=USDT-FUTURES",
        )
        .await;
    assert_eq!(status, 503, "REST is down during the episode");
    let refused = awc::Client::new()
        .ws(&api.sim.ws_public_url)
        .connect()
        .await;
    assert!(
        refused.is_err(),
        "new WebSockets are refused during the episode"
    );
    let healed = within(15, || async {
        api.get(
            "/api/v2/mix/market/ticker",
            "symbol=BTCUSDT&productType=USDT-FUTURES",
        )
        .await
        .0 == 200
    })
    .await;
    assert!(healed, "REST answers again after the episode");
    let mut again = Ws::connect(&api.sim.ws_public_url).await;
    again.send("ping").await;
    assert!(matches!(again.next(2000).await, Got::Text(t) if t == "pong"));
    let log = api
        .control("GET", "/requests?path=/api/v2/mix/market/ticker", json!({}))
        .await;
    let rows = log["requests"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["fault"] == "outage" && r["http"] == 503 && r["applied"] == false)
    );
    let faults = api.control("GET", "/faults", json!({})).await;
    assert_eq!(faults["faults"][0]["episodes"], 1);
}

#[actix_rt::test]
async fn a_request_delayed_past_the_clients_timeout_is_applied_after_it_gave_up() {
    let api = Api::default().await;
    let plan = json!({"faults": [{"path": PLACE, "kind": "latency", "latency_ms": 1500, "latency_max_ms": 1800, "count": 1}]});
    assert_eq!(post_faults(&api, plan).await.0, 200);
    let short = awc::Client::builder()
        .timeout(Duration::from_millis(400))
        .finish();
    let body = json!({"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginMode": "crossed", "marginCoin": "USDT",
        "side": "buy", "orderType": "market", "size": "0.001", "clientOid": "late-1"}).to_string();
    let mut req = short.post(format!("{}{PLACE}", api.sim.rest_url));
    for (k, v) in api.auth_headers("POST", PLACE, "", &body) {
        req = req.insert_header((k, v));
    }
    assert!(
        req.send_body(body).await.is_err(),
        "the client gives up first"
    );
    let applied = within(15, || async {
        let audit = api.control("GET", "/audit", json!({})).await;
        audit["orders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["clientOid"] == "late-1")
    })
    .await;
    assert!(applied, "the exchange applied it later");
    let log = api
        .control("GET", &format!("/requests?path={PLACE}"), json!({}))
        .await;
    let row = &log["requests"][0];
    assert_eq!(
        (row["fault"].as_str(), row["applied"].as_bool()),
        (Some("latency"), Some(true))
    );
    assert!(
        (1500..=1800).contains(&row["delay_ms"].as_u64().unwrap()),
        "{row}"
    );
}

#[actix_rt::test]
async fn logins_fail_and_pushes_reorder_during_their_episodes() {
    let api = Api::default().await;
    let plan = json!({"faults": [
        {"kind": "ws_login_fail", "every_s": 60, "for_s": 30},
        {"kind": "ws_reorder", "scope": "public", "latency_ms": 400, "probability": 0.5}
    ]});
    assert_eq!(post_faults(&api, plan).await.0, 200);
    // The scheduler applies new rules within one 50 ms tick.
    let mut private = Ws::connect(&api.sim.ws_private_url).await;
    actix_rt::time::sleep(Duration::from_millis(200)).await;
    let answer = private.login_default().await;
    assert_eq!(answer["code"], 30005, "{answer}");
    assert!(
        private.wait_closed(2000).await,
        "closed after a failed login"
    );

    let mut ws = Ws::connect(&api.sim.ws_public_url).await;
    ws.subscribe(json!([arg("ticker", "BTCUSDT")])).await;
    let mut seen: Vec<i64> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && !seen.windows(2).any(|w| w[1] < w[0]) {
        api.control("POST", "/step", json!({"steps": 1})).await;
        if let Got::Text(t) = ws.next(100).await {
            let v: Value = serde_json::from_str(&t).unwrap();
            if is_push(&v, "ticker") {
                seen.push(v["ts"].as_i64().unwrap());
            }
        }
    }
    assert!(
        seen.windows(2).any(|w| w[1] < w[0]),
        "an older push arrived after a newer one: {seen:?}"
    );
}

#[actix_rt::test]
async fn bad_plans_are_refused_naming_the_key_and_nothing_is_installed() {
    let api = Api::default().await;
    let cases = [
        (
            json!({"faults": [{"kind": "ws_drop", "every_s": 5, "for_s": 9}]}),
            "faults[0].for_s",
        ),
        (
            json!({"faults": [{"kind": "latency"}, {"kind": "error", "probability": 2}]}),
            "faults[1].probability",
        ),
        (
            json!({"faults": [{"kind": "latency", "evry_s": 3}]}),
            "evry_s",
        ),
        (json!({"faults": [{"kind": "flood"}]}), "flood"),
    ];
    for (plan, key) in cases {
        let (status, v) = post_faults(&api, plan).await;
        assert_eq!(status, 400, "{v}");
        assert!(v["error"].as_str().unwrap().contains(key), "{key}: {v}");
    }
    assert_eq!(
        api.control("GET", "/faults", json!({})).await["faults"],
        json!([])
    );
}
