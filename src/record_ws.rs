//! The WebSocket half of `viper record`: every channel the bot uses, public and private,
//! listened to for a while; each text frame (acks, login answer, pushes) kept raw.

use std::time::Duration;

use actix_codec::Framed;
use anyhow::Context;
use awc::BoxedSocket;
use awc::ws::{Codec, Frame, Message};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};

use crate::recording::RecordTarget;

/// Frames kept per channel (a recording is evidence, not a market-data archive).
const PER_CHANNEL: usize = 20;

type Socket = Framed<BoxedSocket, Codec>;

async fn open(url: &str) -> anyhow::Result<Socket> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let (_, socket) = client
        .ws(url)
        .max_frame_size(4 << 20)
        .connect()
        .await
        .map_err(|e| anyhow::anyhow!("connecting {url}: {e}"))?;
    Ok(socket)
}

fn public_args(symbols: &[String]) -> Value {
    let mut args = Vec::new();
    for s in symbols {
        for ch in ["ticker", "books", "books5", "trade", "candle1m"] {
            args.push(json!({"instType": "USDT-FUTURES", "channel": ch, "instId": s}));
        }
    }
    Value::Array(args)
}

fn private_args() -> Value {
    let mut args =
        vec![json!({"instType": "USDT-FUTURES", "channel": "account", "coin": "default"})];
    for ch in ["positions", "orders", "orders-algo", "fill"] {
        args.push(json!({"instType": "USDT-FUTURES", "channel": ch, "instId": "default"}));
    }
    Value::Array(args)
}

/// The recording name of a frame: `ws-event` or `ws-<channel>` (`ws-candle` for every interval).
fn name_of(v: &Value) -> String {
    if v.get("event").is_some() {
        return "ws-event".into();
    }
    match v["arg"]["channel"].as_str() {
        Some(c) if c.starts_with("candle") => "ws-candle".into(),
        Some(c) => format!("ws-{c}"),
        None => "ws-event".into(),
    }
}

/// Listens to both URLs until `t.listen` has passed; returns the frames by name.
pub async fn listen(t: &RecordTarget, server_s: i64) -> anyhow::Result<Vec<(String, Value)>> {
    let mut public = open(&t.ws_urls.0).await.context("public WebSocket")?;
    let mut private = open(&t.ws_urls.1).await.context("private WebSocket")?;
    let login = t.credentials.ws_login_message(&server_s.to_string());
    private.send(Message::Text(login.into())).await?;
    let sub =
        |args: Value| Message::Text(json!({"op": "subscribe", "args": args}).to_string().into());
    public.send(sub(public_args(&t.symbols))).await?;
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + t.listen;
    let mut subscribed_private = false;
    let mut ping = tokio::time::interval(Duration::from_secs(20));
    loop {
        let frame = tokio::select! {
            _ = tokio::time::sleep_until(deadline) => break,
            _ = ping.tick() => {
                public.send(Message::Text("ping".into())).await?;
                private.send(Message::Text("ping".into())).await?;
                continue;
            }
            f = public.next() => f,
            f = private.next() => f,
        };
        let Some(Ok(Frame::Text(bytes))) = frame else {
            if frame.is_none() {
                break;
            }
            continue;
        };
        let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
            continue; // `pong`
        };
        if !subscribed_private && v["event"] == "login" {
            private.send(sub(private_args())).await?;
            subscribed_private = true;
        }
        let name = name_of(&v);
        if out.iter().filter(|(n, _)| *n == name).count() < PER_CHANNEL {
            out.push((name, v));
        }
    }
    let _ = public.close().await;
    let _ = private.close().await;
    Ok(out)
}
