//! Hot-path costs of the protocol client: building and serialising an order request, signing
//! a request and decoding a ticker, an order detail and a position list through the envelope
//! (figures in docs/benchmarks.md).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use viper_bitget::models::{
    ClientOid, Force, MaybeOrder, OrderType, PlaceOrderRequest, Position, Price, Side, Size, Ticker,
};
use viper_bitget::rest::{RawResponse, decode_response};
use viper_bitget::sign::{Query, Signer, sign_request};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn raw(body: &[u8]) -> RawResponse<'_> {
    RawResponse {
        status: 200,
        content_type: Some("application/json"),
        body,
    }
}

/// A success envelope around `rows` copies of the one-way position fixture.
fn position_list(rows: usize) -> String {
    let row = fixture("position_one_way");
    let list = vec![row.trim(); rows].join(",");
    format!(r#"{{"code":"00000","msg":"success","requestTime":1,"data":[{list}]}}"#)
}

/// What the router hands the client: a limit order with a preset stop-loss, built and
/// serialised to the exact body that is signed and sent.
fn build_place_order(oid: &ClientOid) -> String {
    let mut req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Limit,
        Size(Decimal::new(1, 3)),
        oid.clone(),
    );
    req.price = Some(Price(Decimal::new(263_475, 1)));
    req.force = Some(Force::Gtc);
    req.preset_stop_loss_price = Some(Price(Decimal::new(260_000, 1)));
    serde_json::to_string(&req).unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let oid = ClientOid::new("viper-1700000000000-1").expect("valid clientOid");
    c.bench_function("build_place_order", |b| {
        b.iter(|| build_place_order(black_box(&oid)))
    });
    let body = r#"{"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginMode":"crossed","marginCoin":"USDT","size":"0.001","side":"buy","orderType":"market","clientOid":"viper-1700000000000-1"}"#;
    c.bench_function("sign_post_place_order", |b| {
        b.iter(|| {
            sign_request(
                black_box("test-secret-123"),
                black_box("1684814440729"),
                "POST",
                "/api/v2/mix/order/place-order",
                "",
                black_box(body),
            )
        })
    });
    // What the client does per request: the key was set up once, with the client.
    let signer = Signer::new("test-secret-123");
    c.bench_function("sign_post_place_order_keyed", |b| {
        b.iter(|| {
            signer.sign(
                black_box("1684814440729"),
                "POST",
                "/api/v2/mix/order/place-order",
                "",
                black_box(body),
            )
        })
    });
    c.bench_function("sign_get_with_query", |b| {
        b.iter(|| {
            let q = Query::new()
                .push("symbol", "BTCUSDT")
                .push("productType", "USDT-FUTURES")
                .push("marginCoin", "USDT");
            sign_request(
                "test-secret-123",
                "1684814440729",
                "GET",
                "/api/v2/mix/account/account",
                &q.encode(),
                "",
            )
        })
    });
    let pause = Duration::from_secs(1);
    let ticker = fixture("ticker");
    c.bench_function("decode_ticker", |b| {
        b.iter(|| decode_response::<Vec<Ticker>>("t", raw(black_box(ticker.as_bytes())), pause))
    });
    let detail = fixture("order_detail");
    c.bench_function("decode_order_detail", |b| {
        b.iter(|| decode_response::<MaybeOrder>("d", raw(black_box(detail.as_bytes())), pause))
    });
    for n in [1usize, 20] {
        let list = position_list(n);
        c.bench_function(&format!("decode_position_list_{n}"), |b| {
            b.iter(|| decode_response::<Vec<Position>>("p", raw(black_box(list.as_bytes())), pause))
        });
    }
}

#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, bench);
}
criterion_main!(group::benches);
