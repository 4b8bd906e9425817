//! Shared harness of the integration tests: a simulator on 127.0.0.1:0, a client pointed at
//! it, and control-plane helpers (price jumps, faults, the request log).
#![allow(dead_code)]

use std::time::Duration;

use serde_json::{Value, json};
use viper_bitget::{Credentials, RestClient, RestConfig, RetryPolicy};
use viper_sim::{SimConfig, SimHandle};

pub struct Harness {
    pub sim: SimHandle,
    pub client: RestClient,
    control: awc::Client,
}

pub fn sim_config() -> SimConfig {
    SimConfig {
        auto_tick: false,
        ..SimConfig::default()
    }
}

pub fn credentials() -> Credentials {
    Credentials::new(
        viper_sim::DEFAULT_API_KEY,
        viper_sim::DEFAULT_API_SECRET,
        viper_sim::DEFAULT_PASSPHRASE,
    )
}

/// Fast retries so tests do not wait long.
pub fn client_config(url: &str) -> RestConfig {
    let mut cfg = RestConfig::custom(url, Some(credentials()));
    cfg.retry = RetryPolicy {
        max_attempts: 3,
        min_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_total: Duration::from_secs(3),
        jitter: true,
    };
    cfg.rate_limit_pause = Duration::from_millis(300);
    cfg
}

pub async fn start() -> Harness {
    start_with(sim_config(), |_| {}).await
}

pub async fn start_with(cfg: SimConfig, tweak: impl FnOnce(&mut RestConfig)) -> Harness {
    let addr = "127.0.0.1:0".parse().expect("addr");
    let sim = viper_sim::start(cfg, addr).await.expect("sim starts");
    let mut c = client_config(&sim.rest_url);
    tweak(&mut c);
    let client = RestClient::new(c);
    Harness {
        sim,
        client,
        control: awc::Client::default(),
    }
}

impl Harness {
    async fn control(&self, method: &str, route: &str, body: Option<Value>) -> Value {
        let url = format!("{}{route}", self.sim.control_url);
        let req = match method {
            "POST" => self.control.post(url),
            "DELETE" => self.control.delete(url),
            _ => self.control.get(url),
        };
        let mut resp = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        }
        .expect("control plane answers");
        let status = resp.status();
        let v: Value = resp.json().limit(1 << 24).await.expect("control JSON");
        assert!(status.is_success(), "control {route}: {status} {v}");
        v
    }

    pub async fn set_price(&self, symbol: &str, price: &str) {
        self.control(
            "POST",
            "/price",
            Some(json!({"symbol": symbol, "price": price})),
        )
        .await;
    }

    pub async fn add_fault(&self, fault: Value) {
        self.control("POST", "/faults", Some(json!({ "faults": [fault] })))
            .await;
    }

    pub async fn clear_faults(&self) {
        self.control("DELETE", "/faults", None).await;
    }

    /// The simulator's request log for one path.
    pub async fn requests(&self, path: &str) -> Vec<Value> {
        let v = self
            .control("GET", &format!("/requests?path={path}"), None)
            .await;
        v["requests"].as_array().cloned().unwrap_or_default()
    }

    /// Polls the request log until it holds `n` entries for `path` (delayed answers are
    /// logged when they complete) or `within` passes; returns the log.
    pub async fn wait_requests(&self, path: &str, n: usize, within: Duration) -> Vec<Value> {
        let deadline = std::time::Instant::now() + within;
        loop {
            let log = self.requests(path).await;
            if log.len() >= n || std::time::Instant::now() > deadline {
                return log;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn stop(self) {
        self.sim.stop().await;
    }
}
