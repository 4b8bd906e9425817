//! WebSocket hot paths: decode a ticker frame, decode a books15 push and apply it to the
//! local book (checksum verified), decode an orders push. Throughput = frames per second
//! (figures in docs/benchmarks.md).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use viper_bitget::ws::book::checksum_of;
use viper_bitget::ws::{Frame, LocalBook, PushData, decode};

const TICKER: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"ticker","instId":"BTCUSDT"},"data":[{"instId":"BTCUSDT","lastPr":"43480.4","bidPr":"43476.3","askPr":"43476.8","bidSz":"0.1","askSz":"3.055","open24h":"42252.3","high24h":"44518.2","low24h":"41387.0","change24h":"0.03875","fundingRate":"0.000096","nextFundingTime":"1701849600000","markPrice":"43476.4","indexPrice":"43478.4","holdingAmount":"50670.787","baseVolume":"120187.104","quoteVolume":"5167385048.693","openUtc":"44071.4","symbolType":"1","symbol":"BTCUSDT","deliveryPrice":"0","ts":"1701843962811"}],"ts":1701843962812}"#;
const ORDERS: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"orders","instId":"default"},"data":[{"accBaseVolume":"0.01","cTime":"1695718781129","clientOid":"1","feeDetail":[{"feeCoin":"USDT","fee":"-0.162003"}],"fillFee":"-0.162003","fillFeeCoin":"USDT","fillNotionalUsd":"270.005","fillPrice":"27000.5","baseVolume":"0.01","fillTime":"1695718781146","force":"gtc","instId":"BTCUSDT","leverage":"20","marginCoin":"USDT","marginMode":"crossed","notionalUsd":"270","orderId":"1","orderType":"market","pnl":"0","posMode":"hedge_mode","posSide":"long","price":"0","priceAvg":"27000.5","reduceOnly":"no","side":"buy","size":"0.01","enterPointSource":"WEB","status":"filled","tradeScope":"T","tradeId":"1111111111","tradeSide":"open","uTime":"1695718781146"}],"ts":1695718781206}"#;

/// A books15 push (15 levels a side) with its correct checksum.
fn books15() -> String {
    let bids: Vec<(String, String)> = (0..15)
        .map(|i| {
            (
                format!("{:.1}", 43231.1 - i as f64 * 0.1),
                format!("{:.3}", 1.0 + i as f64 * 0.137),
            )
        })
        .collect();
    let asks: Vec<(String, String)> = (0..15)
        .map(|i| {
            (
                format!("{:.1}", 43231.2 + i as f64 * 0.1),
                format!("{:.3}", 2.0 + i as f64 * 0.071),
            )
        })
        .collect();
    let mut parts = Vec::new();
    for i in 0..15 {
        parts.push(format!("{}:{}", bids[i].0, bids[i].1));
        parts.push(format!("{}:{}", asks[i].0, asks[i].1));
    }
    let sum = checksum_of(&parts.join(":"));
    let side = |v: &[(String, String)]| {
        v.iter()
            .map(|(p, s)| format!(r#"["{p}","{s}"]"#))
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        r#"{{"action":"snapshot","arg":{{"instType":"USDT-FUTURES","channel":"books15","instId":"BTCUSDT"}},"data":[{{"asks":[{}],"bids":[{}],"checksum":{sum},"seq":123,"ts":"1695716059516"}}],"ts":1695716059516}}"#,
        side(&asks),
        side(&bids)
    )
}

fn apply(book: &mut LocalBook, text: &str) -> bool {
    let Ok(Frame::Push(p)) = decode(text) else {
        return false;
    };
    let PushData::Book(list) = p.data else {
        return false;
    };
    list.into_iter().all(|m| book.apply(m, true).is_ok())
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("ws");
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode_ticker", |b| b.iter(|| decode(black_box(TICKER))));
    let books = books15();
    let mut book = LocalBook::new();
    assert!(apply(&mut book, &books), "the bench frame verifies");
    g.bench_function("books15_decode_apply_checksum", |b| {
        b.iter(|| apply(&mut book, black_box(&books)))
    });
    g.bench_function("decode_orders", |b| b.iter(|| decode(black_box(ORDERS))));
    g.finish();
}

#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, bench);
}
criterion_main!(group::benches);
