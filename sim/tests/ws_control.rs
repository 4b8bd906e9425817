//! WebSocket faults from the control plane: drop, freeze, forced close, corrupted checksum,
//! push delay, and the idle timeout.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::ws::{Got, Ws, arg, is_push};
use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

#[actix_rt::test]
async fn drop_cuts_and_close_all_sends_a_close_frame() {
    let api = Api::default().await;
    let mut a = Ws::connect(&api.sim.ws_public_url).await;
    let mut b = Ws::connect(&api.sim.ws_private_url).await;
    a.send("ping").await;
    assert!(matches!(a.next(5000).await, Got::Text(t) if t == "pong"));
    assert_eq!(api.control("GET", "/ws", json!({})).await["connections"], 2);
    api.control("POST", "/ws", json!({"action": "drop", "scope": "public"}))
        .await;
    assert!(!a.wait_closed(2000).await, "cut without a close frame");
    b.send("ping").await;
    assert!(
        matches!(b.next(5000).await, Got::Text(t) if t == "pong"),
        "private connection untouched"
    );
    api.control("POST", "/ws", json!({"action": "close_all"}))
        .await;
    assert!(b.wait_closed(5000).await);
}

#[actix_rt::test]
async fn freeze_stops_answers_until_unfrozen() {
    let api = Api::default().await;
    let mut ws = Ws::connect(&api.sim.ws_public_url).await;
    // The control plane answers once the command is queued to every connection, and a
    // connection handles queued commands before frames (a biased select): no sleep needed.
    api.control("POST", "/ws", json!({"action": "freeze"}))
        .await;
    ws.send("ping").await;
    assert!(
        matches!(ws.next(700).await, Got::Nothing),
        "a frozen socket is open but silent"
    );
    api.control("POST", "/ws", json!({"action": "unfreeze"}))
        .await;
    ws.send("ping").await;
    assert!(matches!(ws.next(5000).await, Got::Text(t) if t == "pong"));
}

#[actix_rt::test]
async fn corrupt_checksum_and_push_delay() {
    let api = Api::default().await;
    let mut ws = Ws::connect(&api.sim.ws_public_url).await;
    ws.subscribe(json!([arg("books", "ETHUSDT")])).await;
    let first = ws.wait(2000, |v| is_push(v, "books")).await;
    let good = first["data"][0]["checksum"].as_i64().unwrap();
    api.control("POST", "/ws", json!({"action": "corrupt_book"}))
        .await;
    actix_rt::time::sleep(Duration::from_millis(100)).await;
    api.control("POST", "/step", json!({"steps": 1})).await;
    let bad = ws.wait(2000, |v| is_push(v, "books")).await;
    assert_ne!(bad["data"][0]["checksum"].as_i64(), Some(good));
    api.control("POST", "/ws", json!({"action": "delay", "delay_ms": 400}))
        .await;
    let t = Instant::now();
    api.control("POST", "/step", json!({"steps": 1})).await;
    ws.wait(3000, |v| is_push(v, "books")).await;
    assert!(
        t.elapsed() >= Duration::from_millis(400),
        "pushes are delayed"
    );
}

#[actix_rt::test]
async fn silence_beyond_the_idle_limit_disconnects() {
    let api = Api::start(viper_sim::SimConfig {
        ws_idle_timeout_ms: 600,
        ..config()
    })
    .await;
    let mut kept = Ws::connect(&api.sim.ws_public_url).await;
    let mut silent = Ws::connect(&api.sim.ws_public_url).await;
    for _ in 0..4 {
        kept.send("ping").await;
        assert!(matches!(kept.next(1000).await, Got::Text(t) if t == "pong"));
        actix_rt::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(silent.wait_closed(1500).await, "no ping for 600 ms: closed");
    kept.send("ping").await;
    assert!(
        matches!(kept.next(1000).await, Got::Text(t) if t == "pong"),
        "pinging connection survives"
    );
}
