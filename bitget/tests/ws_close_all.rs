//! The forced disconnect of every connection (Bitget's 24-hour close, on demand), and the
//! compressed connection lifetime: every connection comes back, resubscribed.
#![allow(missing_docs, clippy::unwrap_used)]
mod ws_common;

use viper_bitget::ws::{Channel, ConnState, SubArg, WsClient, WsEvent};
use ws_common::*;

#[actix_rt::test]
async fn close_all_reconnects_every_connection() {
    let sim = sim(sim_config()).await;
    let mut cfg = ws_config(&sim);
    cfg.max_channels_per_connection = 1;
    let subs = vec![
        SubArg::ticker("BTCUSDT"),
        SubArg::ticker("ETHUSDT"),
        SubArg::private(Channel::Positions),
    ];
    let (h, mut rx) = WsClient::start(cfg, subs, Some(creds())).unwrap();
    for _ in 0..3 {
        wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Subscribed { .. })).await;
    }
    assert_eq!(h.connections().len(), 3);
    ws_action(&sim, "close_all").await;
    let mut back = std::collections::BTreeSet::new();
    while back.len() < 3 {
        if let WsEvent::Subscribed { conn, .. } =
            wait_for(&mut rx, 5000, |e| matches!(e, WsEvent::Subscribed { .. })).await
        {
            back.insert(conn);
        }
    }
    assert_eq!(h.state(), ConnState::Live);
    assert!(h.connections().iter().all(|c| c.reconnects >= 1));
    h.shutdown();
}

#[actix_rt::test]
async fn the_server_lifetime_limit_is_survived() {
    let mut cfg = sim_config();
    cfg.ws_max_connection_ms = 600;
    let sim = sim(cfg).await;
    let (h, mut rx) =
        WsClient::start(ws_config(&sim), vec![SubArg::ticker("SOLUSDT")], None).unwrap();
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Connected { .. })).await;
    for _ in 0..2 {
        let ev = wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Disconnected { .. })).await;
        assert!(
            matches!(&ev, WsEvent::Disconnected { reason, .. } if reason.contains("closed by server")),
            "{ev:?}"
        );
        wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Subscribed { .. })).await;
    }
    h.shutdown();
}
