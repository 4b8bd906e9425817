//! Test helper: a raw WebSocket client (awc) for the simulator's channels.
#![allow(dead_code, clippy::unwrap_used)]

use super::{now_ms, sign};
use actix_codec::Framed;
use awc::BoxedSocket;
use awc::ws::{Codec, Frame, Message};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;

pub struct Ws {
    framed: Framed<BoxedSocket, Codec>,
}

/// What the next frame was.
#[derive(Debug)]
pub enum Got {
    Text(String),
    Closed(bool),
    Nothing,
}

impl Ws {
    pub async fn connect(url: &str) -> Ws {
        let (_resp, framed) = awc::Client::new()
            .ws(url)
            .max_frame_size(1 << 20)
            .connect()
            .await
            .unwrap();
        Ws { framed }
    }

    pub async fn send(&mut self, text: &str) {
        self.framed
            .send(Message::Text(text.to_string().into()))
            .await
            .unwrap();
    }

    pub async fn send_json(&mut self, v: Value) {
        self.send(&v.to_string()).await;
    }

    /// The next text frame within `ms`; `Closed(true)` for a close frame, `Closed(false)` for EOF.
    pub async fn next(&mut self, ms: u64) -> Got {
        loop {
            match actix_rt::time::timeout(Duration::from_millis(ms), self.framed.next()).await {
                Err(_) => return Got::Nothing,
                Ok(None) | Ok(Some(Err(_))) => return Got::Closed(false),
                Ok(Some(Ok(Frame::Text(b)))) => {
                    return Got::Text(String::from_utf8_lossy(&b).into_owned());
                }
                Ok(Some(Ok(Frame::Close(_)))) => return Got::Closed(true),
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// The next JSON message matching `pred` within `ms` (others skipped).
    pub async fn wait(&mut self, ms: u64, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_millis(ms);
        loop {
            let left = deadline
                .saturating_duration_since(std::time::Instant::now())
                .as_millis() as u64;
            match self.next(left.max(1)).await {
                Got::Text(t) if t == "pong" => continue,
                Got::Text(t) => {
                    let v: Value =
                        serde_json::from_str(&t).unwrap_or_else(|_| panic!("not JSON: {t}"));
                    if pred(&v) {
                        return v;
                    }
                }
                other => panic!("waiting for a message, got {other:?}"),
            }
        }
    }

    /// Waits for the connection to end: true for a close frame, false for a cut.
    pub async fn wait_closed(&mut self, ms: u64) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_millis(ms);
        loop {
            let left = deadline
                .saturating_duration_since(std::time::Instant::now())
                .as_millis() as u64;
            match self.next(left.max(1)).await {
                Got::Closed(frame) => return frame,
                Got::Nothing => panic!("still open after {ms} ms"),
                Got::Text(_) => continue,
            }
        }
    }

    pub async fn subscribe(&mut self, args: Value) {
        self.send_json(json!({ "op": "subscribe", "args": args }))
            .await;
    }

    pub fn login_msg(key: &str, secret: &str, pass: &str, ts_secs: i64) -> Value {
        let ts = ts_secs.to_string();
        let sig = sign(secret, &format!("{ts}GET/user/verify"));
        json!({ "op": "login", "args": [{ "apiKey": key, "passphrase": pass, "timestamp": ts, "sign": sig }] })
    }

    pub async fn login_default(&mut self) -> Value {
        let msg = Self::login_msg(
            viper_sim::DEFAULT_API_KEY,
            viper_sim::DEFAULT_API_SECRET,
            viper_sim::DEFAULT_PASSPHRASE,
            now_ms() / 1000,
        );
        self.send_json(msg).await;
        self.wait(2000, |v| v["event"].is_string()).await
    }
}

pub fn arg(channel: &str, inst: &str) -> Value {
    json!({ "instType": "USDT-FUTURES", "channel": channel, "instId": inst })
}

pub fn is_push(v: &Value, channel: &str) -> bool {
    v["arg"]["channel"] == channel && v["action"].is_string()
}
