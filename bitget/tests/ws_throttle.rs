//! The client's own throttle keeps it under the server's 10 messages/s: many subscribe
//! messages requested at once arrive without a 30007 and without a disconnect. The control
//! case proves the simulator does enforce the limit when the throttle is too loose.
#![allow(missing_docs, clippy::unwrap_used)]
mod ws_common;

use viper_bitget::ws::{Channel, SubArg, WsClient, WsEvent};
use ws_common::*;

fn many() -> Vec<SubArg> {
    let mut out = Vec::new();
    for sym in ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"] {
        for c in ["1m", "5m", "15m", "30m", "1H", "4H"] {
            out.push(SubArg::new(Channel::Candle(c.into()), sym));
        }
    }
    out
}

#[actix_rt::test]
async fn a_burst_of_subscribes_is_paced_below_the_limit() {
    let sim = sim(sim_config()).await;
    let mut cfg = ws_config(&sim);
    cfg.max_args_per_message = 1; // 24 messages plus pings
    let (h, mut rx) = WsClient::start(cfg, vec![SubArg::ticker("BTCUSDT")], None).unwrap();
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Subscribed { .. })).await;
    for a in many() {
        h.subscribe(vec![a]).unwrap();
    }
    let mut acks = 0;
    while acks < many().len() {
        // Paced sends can leave the socket without a frame past its quiet limit: reported,
        // and not what this test is about.
        let ev = wait_for(&mut rx, 8000, |e| {
            !matches!(
                e,
                WsEvent::Push(_) | WsEvent::Quiet { .. } | WsEvent::Heard { .. }
            )
        })
        .await;
        match ev {
            WsEvent::Subscribed { .. } => acks += 1,
            other => panic!("unexpected {other:?} after {acks} acks"),
        }
    }
    for e in collect_for(&mut rx, 500).await {
        assert!(
            !matches!(e, WsEvent::Error { .. } | WsEvent::Disconnected { .. }),
            "{e:?}"
        );
    }
    h.shutdown();
}

#[actix_rt::test]
async fn without_pacing_the_server_cuts_the_connection() {
    let sim = sim(sim_config()).await;
    let mut cfg = ws_config(&sim);
    cfg.max_args_per_message = 1;
    cfg.max_messages_per_sec = 100;
    let (h, mut rx) = WsClient::start(cfg, vec![SubArg::ticker("BTCUSDT")], None).unwrap();
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Subscribed { .. })).await;
    h.subscribe(many()).unwrap();
    let ev = wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Error { .. })).await;
    assert!(matches!(ev, WsEvent::Error { code: 30007, .. }), "{ev:?}");
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Disconnected { .. })).await;
    h.shutdown();
}
