//! Shared harness of the WebSocket client tests: a simulator on 127.0.0.1:0, a client config
//! with short limits, control-plane helpers, and waiting for events (never bare sleeps).
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc::Receiver;
use viper_bitget::ws::{WsConfig, WsEvent};
use viper_bitget::{Credentials, RestClient, RestConfig};
use viper_sim::{SimConfig, SimHandle};

pub fn sim_config() -> SimConfig {
    SimConfig {
        auto_tick: false,
        ..SimConfig::default()
    }
}

pub async fn sim(cfg: SimConfig) -> SimHandle {
    viper_sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

pub fn creds() -> Credentials {
    Credentials::new(
        viper_sim::DEFAULT_API_KEY,
        viper_sim::DEFAULT_API_SECRET,
        viper_sim::DEFAULT_PASSPHRASE,
    )
}

/// Short limits so faults are detected and healed within a test's time.
pub fn ws_config(sim: &SimHandle) -> WsConfig {
    let mut c = WsConfig::custom(&sim.ws_public_url, &sim.ws_private_url);
    c.ping_interval = Duration::from_millis(200);
    c.private_ping_interval = Duration::from_millis(200);
    c.pong_timeout = Duration::from_millis(300);
    c.idle_timeout = Duration::from_secs(3);
    c.connect_timeout = Duration::from_secs(2);
    c.login_timeout = Duration::from_secs(2);
    c.backoff_min = Duration::from_millis(50);
    c.backoff_max = Duration::from_millis(400);
    c.login_failure_delay = Duration::from_millis(300);
    c
}

pub fn rest(sim: &SimHandle) -> RestClient {
    RestClient::new(RestConfig::custom(&sim.rest_url, Some(creds())))
}

pub async fn control(sim: &SimHandle, path: &str, body: Value) -> Value {
    let mut resp = awc::Client::default()
        .post(format!("{}{path}", sim.control_url))
        .send_json(&body)
        .await
        .unwrap();
    let v: Value = resp.json().limit(1 << 24).await.unwrap();
    assert!(resp.status().is_success(), "control {path}: {v}");
    v
}

pub async fn set_price(sim: &SimHandle, symbol: &str, price: &str) {
    control(sim, "/price", json!({ "symbol": symbol, "price": price })).await;
}

pub async fn ws_action(sim: &SimHandle, action: &str) -> Value {
    control(sim, "/ws", json!({ "action": action })).await
}

/// The next event matching `pred` within `ms`; panics (failing the test) with the events seen.
pub async fn wait_for(
    rx: &mut Receiver<WsEvent>,
    ms: u64,
    mut pred: impl FnMut(&WsEvent) -> bool,
) -> WsEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) if pred(&ev) => return ev,
            Ok(Some(ev)) => seen.push(short(&ev)),
            Ok(None) => panic!("event channel closed; seen {seen:?}"),
            Err(_) => panic!("no matching event within {ms} ms; seen {seen:?}"),
        }
    }
}

/// Every event arriving within `ms`.
pub async fn collect_for(rx: &mut Receiver<WsEvent>, ms: u64) -> Vec<WsEvent> {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    let mut out = Vec::new();
    while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        out.push(ev);
    }
    out
}

fn short(ev: &WsEvent) -> String {
    let s = format!("{ev:?}");
    s.chars().take(160).collect()
}
