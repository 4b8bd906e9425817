//! Public WebSocket channels: keep-alive, subscribe/unsubscribe acks and errors, ticker,
//! books (snapshot, updates, checksum, seq), trade, candles, limits.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::ws::{Got, Ws, arg, is_push};
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A local book kept from pushes, checked with the spec's checksum rule (independent of the
/// simulator's code: CRC-32 of the interleaved top 25, as received).
#[derive(Default)]
struct LocalBook {
    bids: BTreeMap<rust_decimal::Decimal, (String, String)>,
    asks: BTreeMap<rust_decimal::Decimal, (String, String)>,
}

impl LocalBook {
    fn apply(&mut self, data: &Value, snapshot: bool) {
        if snapshot {
            *self = LocalBook::default();
        }
        for (side, map) in [("bids", &mut self.bids), ("asks", &mut self.asks)] {
            for l in data[side].as_array().unwrap() {
                let (p, s) = (
                    l[0].as_str().unwrap().to_string(),
                    l[1].as_str().unwrap().to_string(),
                );
                let key: rust_decimal::Decimal = p.parse().unwrap();
                if s == "0" {
                    map.remove(&key);
                } else {
                    map.insert(key, (p, s));
                }
            }
        }
    }

    fn checksum(&self) -> i32 {
        let bids: Vec<_> = self.bids.values().rev().take(25).collect();
        let asks: Vec<_> = self.asks.values().take(25).collect();
        let mut parts = Vec::new();
        for i in 0..25 {
            if let Some((p, s)) = bids.get(i) {
                parts.push(p.as_str());
                parts.push(s.as_str());
            }
            if let Some((p, s)) = asks.get(i) {
                parts.push(p.as_str());
                parts.push(s.as_str());
            }
        }
        crc32fast::hash(parts.join(":").as_bytes()) as i32
    }
}

#[actix_rt::test]
async fn ping_pong_and_subscription_errors() {
    let api = Api::default().await;
    let mut ws = Ws::connect(&api.sim.ws_public_url).await;
    ws.send("ping").await;
    assert!(matches!(ws.next(2000).await, Got::Text(t) if t == "pong"));
    ws.subscribe(json!([arg("ticker", "NOPEUSDT")])).await;
    let e = ws.wait(2000, |v| v["event"] == "error").await;
    assert_eq!(e["code"], 30001);
    assert_eq!(e["arg"]["instId"], "NOPEUSDT");
    ws.subscribe(json!([arg("orders", "default")])).await;
    assert_eq!(
        ws.wait(2000, |v| v["event"] == "error").await["code"],
        30001,
        "private channel on the public URL"
    );
    ws.send_json(json!({"op": "explode"})).await;
    assert_eq!(
        ws.wait(2000, |v| v["event"] == "error").await["code"],
        30003
    );
    ws.send("{not json").await;
    assert_eq!(
        ws.wait(2000, |v| v["event"] == "error").await["code"],
        30002
    );
    let big: Vec<Value> = (0..60)
        .map(|i| arg("ticker", &format!("SYMBOL{i:040}")))
        .collect();
    ws.subscribe(json!(big)).await;
    assert_eq!(
        ws.wait(2000, |v| v["event"] == "error").await["code"],
        30016,
        "args over 4096 bytes"
    );
}

#[actix_rt::test]
async fn ticker_books_trades_candles_follow_the_market() {
    let api = Api::default().await;
    let mut ws = Ws::connect(&api.sim.ws_public_url).await;
    ws.subscribe(json!([
        arg("ticker", "btcusdt"),
        arg("books", "BTCUSDT"),
        arg("books5", "BTCUSDT"),
        arg("trade", "BTCUSDT"),
        arg("candle1m", "BTCUSDT")
    ]))
    .await;
    let ack = ws.wait(2000, |v| v["event"] == "subscribe").await;
    assert_eq!(ack["arg"]["instId"], "BTCUSDT", "echoed in canonical form");
    let t = ws.wait(2000, |v| is_push(v, "ticker")).await;
    assert_eq!(
        (t["action"].as_str(), t["data"][0]["instId"].as_str()),
        (Some("snapshot"), Some("BTCUSDT"))
    );
    assert!(t["ts"].is_i64());
    let snap = ws.wait(2000, |v| is_push(v, "books")).await;
    assert_eq!(snap["action"], "snapshot");
    let mut book = LocalBook::default();
    book.apply(&snap["data"][0], true);
    assert_eq!(
        book.checksum(),
        snap["data"][0]["checksum"].as_i64().unwrap() as i32
    );
    let mut seq = snap["data"][0]["seq"].as_u64().unwrap();
    let b5 = ws.wait(2000, |v| is_push(v, "books5")).await;
    assert_eq!(b5["data"][0]["asks"].as_array().unwrap().len(), 5);
    let trades = ws.wait(2000, |v| is_push(v, "trade")).await;
    assert!(!trades["data"].as_array().unwrap().is_empty());
    let candles = ws.wait(2000, |v| is_push(v, "candle1m")).await;
    assert_eq!(candles["data"][0].as_array().unwrap().len(), 8);

    api.set_price("BTCUSDT", "66000").await;
    let t = ws.wait(2000, |v| is_push(v, "ticker")).await;
    assert_eq!(t["data"][0]["lastPr"], "66000");
    let rest = api.ticker("BTCUSDT").await;
    assert_eq!(rest["lastPr"], t["data"][0]["lastPr"], "REST and WS agree");
    for _ in 0..3 {
        let up = ws.wait(2000, |v| is_push(v, "books")).await;
        assert_eq!(up["action"], "update");
        let d = &up["data"][0];
        assert_eq!(d["pseq"].as_u64(), Some(seq), "pseq is the previous seq");
        seq = d["seq"].as_u64().unwrap();
        book.apply(d, false);
        assert_eq!(
            book.checksum(),
            d["checksum"].as_i64().unwrap() as i32,
            "local book matches after the update"
        );
        api.control("POST", "/step", json!({"steps": 1})).await;
    }
    let tr = ws.wait(2000, |v| is_push(v, "trade")).await;
    assert_eq!(tr["action"], "update");
    ws.send_json(json!({"op": "unsubscribe", "args": [arg("ticker", "BTCUSDT")]}))
        .await;
    ws.wait(2000, |v| v["event"] == "unsubscribe").await;
}

#[actix_rt::test]
async fn message_rate_over_ten_per_second_closes() {
    let api = Api::default().await;
    let mut ws = Ws::connect(&api.sim.ws_public_url).await;
    for _ in 0..11 {
        ws.send("ping").await;
    }
    let e = ws.wait(2000, |v| v["event"] == "error").await;
    assert_eq!(e["code"], 30007);
    assert!(ws.wait_closed(2000).await, "closed with a close frame");
}
