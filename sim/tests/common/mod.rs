//! Test helper: a simulator on 127.0.0.1:0 and a minimal signed HTTP client for it.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

pub mod ws;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::{SystemTime, UNIX_EPOCH};
use viper_sim::{SimConfig, SimHandle};

pub const PT: &str = "USDT-FUTURES";

/// A deterministic test config: prices move only when scripted or stepped.
pub fn config() -> SimConfig {
    SimConfig {
        auto_tick: false,
        ..SimConfig::default()
    }
}

/// The same with 100 000 USDT, for orders larger than the book.
pub fn rich_config() -> SimConfig {
    let mut cfg = config();
    cfg.accounts[0].balance = 100_000.into();
    cfg
}

pub struct Api {
    pub sim: SimHandle,
    pub key: String,
    pub secret: String,
    pub pass: String,
    pub client: awc::Client,
    pub demo: bool,
    pub ts_offset_ms: i64,
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

pub fn sign(secret: &str, prehash: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(prehash.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

impl Api {
    pub async fn start(cfg: SimConfig) -> Api {
        let sim = viper_sim::start(cfg, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        Api {
            sim,
            key: viper_sim::DEFAULT_API_KEY.into(),
            secret: viper_sim::DEFAULT_API_SECRET.into(),
            pass: viper_sim::DEFAULT_PASSPHRASE.into(),
            client: awc::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .finish(),
            demo: false,
            ts_offset_ms: 0,
        }
    }

    pub async fn default() -> Api {
        Api::start(config()).await
    }

    /// Sends a request with explicit headers; returns (status, parsed body).
    pub async fn raw(
        &self,
        method: &str,
        path_query: &str,
        body: &str,
        headers: &[(&str, String)],
    ) -> (u16, Value) {
        let url = format!("{}{}", self.sim.rest_url, path_query);
        let mut req = match method {
            "GET" => self.client.get(url),
            "POST" => self.client.post(url),
            "PUT" => self.client.put(url),
            "DELETE" => self.client.delete(url),
            _ => self.client.head(url),
        };
        for (k, v) in headers {
            req = req.insert_header((*k, v.as_str()));
        }
        let mut resp = if body.is_empty() {
            req.send().await.unwrap()
        } else {
            req.send_body(body.to_string()).await.unwrap()
        };
        let status = resp.status().as_u16();
        let bytes = resp.body().limit(16 << 20).await.unwrap();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| json!({ "raw": String::from_utf8_lossy(&bytes) }));
        (status, v)
    }

    /// The four auth headers for a request as it will be sent.
    pub fn auth_headers(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: &str,
    ) -> Vec<(&'static str, String)> {
        let ts = (now_ms() + self.ts_offset_ms).to_string();
        let q = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        let prehash = format!("{ts}{method}{path}{q}{body}");
        let mut h = vec![
            ("ACCESS-KEY", self.key.clone()),
            ("ACCESS-SIGN", sign(&self.secret, &prehash)),
            ("ACCESS-TIMESTAMP", ts),
            ("ACCESS-PASSPHRASE", self.pass.clone()),
            ("Content-Type", "application/json".to_string()),
        ];
        if self.demo {
            h.push(("paptrading", "1".into()));
        }
        h
    }

    pub async fn get(&self, path: &str, query: &str) -> (u16, Value) {
        let h = self.auth_headers("GET", path, query, "");
        let pq = if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        };
        self.raw("GET", &pq, "", &h).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let text = body.to_string();
        let h = self.auth_headers("POST", path, "", &text);
        self.raw("POST", path, &text, &h).await
    }

    /// POST that must succeed; returns `data`.
    pub async fn ok_post(&self, path: &str, body: Value) -> Value {
        let (s, v) = self.post(path, body).await;
        assert_eq!((s, v["code"].as_str()), (200, Some("00000")), "{path}: {v}");
        v["data"].clone()
    }

    /// GET that must succeed; returns `data`.
    pub async fn ok_get(&self, path: &str, query: &str) -> Value {
        let (s, v) = self.get(path, query).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (200, Some("00000")),
            "{path}?{query}: {v}"
        );
        v["data"].clone()
    }

    /// Asserts an error code (and HTTP status).
    pub fn expect_err(resp: (u16, Value), http: u16, code: &str) {
        assert_eq!(resp.0, http, "{}", resp.1);
        assert_eq!(resp.1["code"].as_str(), Some(code), "{}", resp.1);
        assert!(resp.1["data"].is_null(), "{}", resp.1);
        assert!(resp.1["requestTime"].is_i64(), "{}", resp.1);
    }

    pub async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{}", self.sim.control_url, path);
        let mut resp = match method {
            "GET" => self.client.get(url).send().await.unwrap(),
            "DELETE" => self.client.delete(url).send().await.unwrap(),
            _ => self.client.post(url).send_json(&body).await.unwrap(),
        };
        let bytes = resp.body().limit(64 << 20).await.unwrap();
        assert!(
            resp.status().is_success(),
            "{path}: {}",
            String::from_utf8_lossy(&bytes)
        );
        serde_json::from_slice(&bytes).unwrap()
    }

    pub async fn set_price(&self, symbol: &str, price: &str) -> Value {
        self.control(
            "POST",
            "/price",
            json!({ "symbol": symbol, "price": price }),
        )
        .await
    }

    pub async fn ticker(&self, symbol: &str) -> Value {
        self.ok_get(
            "/api/v2/mix/market/ticker",
            &format!("productType={PT}&symbol={symbol}"),
        )
        .await[0]
            .clone()
    }

    pub async fn positions(&self) -> Vec<Value> {
        self.ok_get(
            "/api/v2/mix/position/all-position",
            &format!("productType={PT}"),
        )
        .await
        .as_array()
        .unwrap()
        .clone()
    }

    pub async fn place(&self, extra: Value) -> (u16, Value) {
        let mut body = json!({ "symbol": "BTCUSDT", "productType": PT, "marginMode": "crossed", "marginCoin": "USDT" });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.post("/api/v2/mix/order/place-order", body).await
    }

    pub async fn ok_place(&self, extra: Value) -> Value {
        let r = self.place(extra).await;
        assert_eq!(r.1["code"].as_str(), Some("00000"), "{}", r.1);
        r.1["data"].clone()
    }

    pub async fn detail(&self, symbol: &str, order_id: &str) -> Value {
        self.ok_get(
            "/api/v2/mix/order/detail",
            &format!("orderId={order_id}&productType={PT}&symbol={symbol}"),
        )
        .await
    }

    pub async fn account(&self) -> Value {
        self.ok_get(
            "/api/v2/mix/account/account",
            &format!("marginCoin=USDT&productType={PT}&symbol=BTCUSDT"),
        )
        .await
    }
}

pub fn dec(v: &Value) -> rust_decimal::Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}
