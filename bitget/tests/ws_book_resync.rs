//! A corrupted book checksum is caught: the book is resubscribed, a resync is reported,
//! and the rebuilt local book matches the exchange's (REST merge-depth) again.
#![allow(missing_docs, clippy::unwrap_used)]
mod ws_common;

use serde_json::json;
use viper_bitget::ws::{Channel, SubArg, WsClient, WsEvent};
use ws_common::*;

#[actix_rt::test]
async fn checksum_mismatch_resyncs_the_book() {
    let sim = sim(sim_config()).await;
    let arg = SubArg::new(Channel::Books, "BTCUSDT");
    let (h, mut rx) = WsClient::start(ws_config(&sim), vec![arg.clone()], None).unwrap();
    wait_for(
        &mut rx,
        3000,
        |e| matches!(e, WsEvent::Book(b) if b.snapshot),
    )
    .await;
    control(&sim, "/step", json!({ "steps": 1 })).await;
    wait_for(
        &mut rx,
        3000,
        |e| matches!(e, WsEvent::Book(b) if !b.snapshot),
    )
    .await;

    ws_action(&sim, "corrupt_book").await;
    control(&sim, "/step", json!({ "steps": 1 })).await;
    let ev = wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::BookResync { .. })).await;
    let WsEvent::BookResync {
        arg: got, reason, ..
    } = ev
    else {
        unreachable!()
    };
    assert_eq!(got, arg);
    assert!(reason.contains("checksum"), "{reason}");
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Unsubscribed { .. })).await;
    wait_for(
        &mut rx,
        3000,
        |e| matches!(e, WsEvent::Book(b) if b.snapshot),
    )
    .await;

    // Updates verify again, and the local book equals the exchange's.
    for _ in 0..3 {
        control(&sim, "/step", json!({ "steps": 1 })).await;
        wait_for(
            &mut rx,
            3000,
            |e| matches!(e, WsEvent::Book(b) if !b.snapshot),
        )
        .await;
    }
    let local = h.book(&arg, 15).unwrap();
    let depth = rest(&sim)
        .merge_depth("BTCUSDT", None, Some("15"))
        .await
        .unwrap();
    let bids: Vec<_> = depth.bids.iter().map(|l| format!("{:?}", l)).collect();
    let mine: Vec<_> = local.bids.iter().map(|(p, s)| (p.0, s.0)).collect();
    let theirs: Vec<_> = depth.bids.iter().map(|l| (l.price.0, l.size.0)).collect();
    assert_eq!(mine, theirs, "{bids:?}");
    let mine: Vec<_> = local.asks.iter().map(|(p, s)| (p.0, s.0)).collect();
    let theirs: Vec<_> = depth.asks.iter().map(|l| (l.price.0, l.size.0)).collect();
    assert_eq!(mine, theirs);
    for e in collect_for(&mut rx, 300).await {
        assert!(
            !matches!(e, WsEvent::BookResync { .. }),
            "only one resync: {e:?}"
        );
    }
    h.shutdown();
}

#[actix_rt::test]
async fn books_without_checksum_still_track_sequence() {
    let mut cfg = sim_config();
    cfg.ws_book_checksum = false;
    let sim = sim(cfg).await;
    let arg = SubArg::new(Channel::Books, "ETHUSDT");
    let (h, mut rx) = WsClient::start(ws_config(&sim), vec![arg.clone()], None).unwrap();
    wait_for(
        &mut rx,
        3000,
        |e| matches!(e, WsEvent::Book(b) if b.snapshot),
    )
    .await;
    let mut last = None;
    for _ in 0..3 {
        control(&sim, "/step", json!({ "steps": 1 })).await;
        if let WsEvent::Book(b) = wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Book(_))).await {
            assert!(b.seq > last, "seq advances");
            last = b.seq;
        }
    }
    // Without a checksum a corrupted push goes unnoticed by design (spec: verify when present).
    h.shutdown();
}
