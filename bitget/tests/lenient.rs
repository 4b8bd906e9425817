//! Essential fields are strict with an error naming the field; informational fields are
//! lenient: a malformed one is absent, counted in `viper_decode_lenient_total{endpoint,field}`,
//! and the answer is used. Numbers and strings are both accepted where Bitget sends either.
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use rust_decimal_macros::dec;
use viper_bitget::models::{AccountSummary, Position, SymbolType};
use viper_bitget::rest::{RawResponse, decode_response};
use viper_bitget::ws::{Frame, PushData, decode};

fn rest<T: serde::de::DeserializeOwned>(endpoint: &str, body: &str) -> viper_bitget::Result<T> {
    let raw = RawResponse {
        status: 200,
        content_type: Some("application/json"),
        body: body.as_bytes(),
    };
    decode_response(endpoint, raw, Duration::from_secs(1))
}

/// Runs `f` under a local recorder and returns the lenient counters it produced.
fn counted(f: impl FnOnce()) -> Vec<(String, String, u64)> {
    let rec = DebuggingRecorder::new();
    let snap = rec.snapshotter();
    metrics::with_local_recorder(&rec, f);
    let mut out = Vec::new();
    for (key, _, _, v) in snap.snapshot().into_vec() {
        if key.key().name() != "viper_decode_lenient_total" {
            continue;
        }
        let label = |n: &str| {
            key.key()
                .labels()
                .find(|l| l.key() == n)
                .map(|l| l.value().to_owned())
                .unwrap_or_default()
        };
        if let DebugValue::Counter(c) = v {
            out.push((label("endpoint"), label("field"), c));
        }
    }
    out.sort();
    out
}

const ACCOUNTS: &str = r#"{"code":"00000","msg":"success","requestTime":1,"data":[{"marginCoin":"USDT","locked":"0","available":"2000","accountEquity":"2000","usdtEquity":"2000.5","unrealizedPL":"","unionTotalMagin":"111,1","unionAvailable":"1111.1","unionMm":"111","assetList":[],"crossedMargin":{"odd":true},"assetMode":"union"}]}"#;

#[test]
fn a_malformed_informational_field_is_absent_and_counted() {
    let mut got: Option<Vec<AccountSummary>> = None;
    let counts = counted(|| {
        got = Some(rest("/api/v2/mix/account/accounts", ACCOUNTS).unwrap());
    });
    let a = &got.unwrap()[0];
    assert_eq!(a.account_equity, dec!(2000), "the equity is used");
    assert_eq!(a.union_total_margin, None, "\"111,1\" is not a number");
    assert_eq!(a.crossed_margin, None, "an object is not a number");
    assert_eq!(a.union_available, Some(dec!(1111.1)));
    assert_eq!(a.unrealized_pl, None, "\"\" is absent, not malformed");
    assert_eq!(
        counts,
        vec![
            (
                "/api/v2/mix/account/accounts".into(),
                "crossedMargin".into(),
                1
            ),
            (
                "/api/v2/mix/account/accounts".into(),
                "unionTotalMargin".into(),
                1
            ),
        ]
    );
}

#[test]
fn a_malformed_essential_field_fails_with_its_name() {
    let bad = ACCOUNTS.replace(r#""accountEquity":"2000""#, r#""accountEquity":"2,000""#);
    let e = rest::<Vec<AccountSummary>>("/api/v2/mix/account/accounts", &bad).unwrap_err();
    let text = e.to_string();
    assert_eq!(e.class(), "decode");
    assert!(text.contains("accountEquity"), "{text}");
    // The one-pass decode gives up on it and the full decode runs: each malformed
    // informational field met on the way is still counted once, not once per pass.
    // (a second row without its essential fields, after the first row's malformed ones)
    let two = ACCOUNTS.replace("}]}", r#"},{"marginCoin":"USDT"}]}"#);
    let counts = counted(|| {
        let e = rest::<Vec<AccountSummary>>("/api/v2/mix/account/accounts", &two);
        assert!(e.unwrap_err().to_string().contains("data[1]"));
    });
    assert_eq!(
        counts
            .iter()
            .map(|(_, f, n)| (f.as_str(), *n))
            .collect::<Vec<_>>(),
        [("crossedMargin", 1), ("unionTotalMargin", 1)]
    );
    // A missing essential field is named too.
    let missing = ACCOUNTS.replace(r#""available":"2000","#, "");
    let e = rest::<Vec<AccountSummary>>("/x", &missing).unwrap_err();
    assert!(e.to_string().contains("available"), "{e}");
    // An essential enum (holdSide) with an unknown value.
    let pos = r#"{"code":"00000","data":[{"marginCoin":"USDT","symbol":"BTCUSDT","holdSide":"up","available":"1","total":"1","leverage":"10","openPriceAvg":"100","marginMode":"crossed"}]}"#;
    let e = rest::<Vec<Position>>("/p", pos).unwrap_err();
    assert!(e.to_string().contains("holdSide"), "{e}");
}

const TICKER_NUM: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"ticker","instId":"BTCUSDT"},"data":[{"instId":"BTCUSDT","lastPr":"27000.5","bidPr":"27000","askPr":"27000.5","change24h":"-0.00002","symbolType":1,"ts":"1695715383021"}],"ts":1695715383039}"#;

fn ticker(text: &str) -> viper_bitget::ws::public::Ticker {
    match decode(text).unwrap() {
        Frame::Push(p) => match p.data {
            PushData::Ticker(mut t) => t.remove(0),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn symbol_type_as_a_number_decodes_on_both_paths() {
    // Fast path (the frame's usual shape).
    let t = ticker(TICKER_NUM);
    assert_eq!(t.symbol_type, Some(SymbolType::Perpetual));
    assert_eq!(t.last_pr.0, dec!(27000.5));
    // General path: a float elsewhere sends the frame there.
    let general = TICKER_NUM.replace(r#""bidPr":"27000""#, r#""bidPr":27000.0"#);
    let t = ticker(&general);
    assert_eq!(t.symbol_type, Some(SymbolType::Perpetual));
    assert_eq!(t.bid_pr.map(|p| p.0), Some(dec!(27000)));
    let t = ticker(&TICKER_NUM.replace(r#""symbolType":1"#, r#""symbolType":2"#));
    assert_eq!(t.symbol_type, Some(SymbolType::Delivery));
    let t = ticker(&TICKER_NUM.replace(r#""symbolType":1"#, r#""symbolType":"perpetual""#));
    assert_eq!(t.symbol_type, Some(SymbolType::Perpetual));
}

#[test]
fn a_malformed_informational_push_field_is_counted_under_its_channel() {
    let bad = TICKER_NUM.replace(r#""change24h":"-0.00002""#, r#""change24h":"n/a""#);
    let mut t = None;
    let counts = counted(|| t = Some(ticker(&bad)));
    let t = t.unwrap();
    assert_eq!(t.change_24h, None);
    assert_eq!(t.last_pr.0, dec!(27000.5), "the push is used");
    assert_eq!(counts, vec![("ws/ticker".into(), "change24h".into(), 1)]);
    // A malformed essential field drops the frame with the field named.
    let e = decode(&TICKER_NUM.replace(r#""lastPr":"27000.5""#, r#""lastPr":"x""#)).unwrap_err();
    assert!(e.reason.contains("lastPr"), "{e}");
}
