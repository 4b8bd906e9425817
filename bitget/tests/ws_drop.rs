//! Kill the socket (cut without a close frame): the client comes back, logs in again,
//! resubscribes everything it held, and data flows again.
#![allow(missing_docs, clippy::unwrap_used)]
mod ws_common;

use viper_bitget::ws::{Channel, ConnState, PushData, SubArg, WsClient, WsEvent};
use ws_common::*;

#[actix_rt::test]
async fn dropped_sockets_reconnect_relogin_and_resubscribe() {
    let sim = sim(sim_config()).await;
    let subs = vec![
        SubArg::ticker("BTCUSDT"),
        SubArg::private(Channel::Orders),
        SubArg::private(Channel::Account),
    ];
    let (h, mut rx) = WsClient::start(ws_config(&sim), subs, Some(creds())).unwrap();
    for _ in 0..3 {
        wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Subscribed { .. })).await;
    }
    assert_eq!(
        h.connections().len(),
        2,
        "one public and one private connection"
    );

    let reached = ws_action(&sim, "drop").await;
    assert_eq!(reached["connections"], 2);
    let mut reconnected = 0;
    let mut logged_in = false;
    let mut resubscribed = Vec::new();
    while reconnected < 2 || !logged_in || resubscribed.len() < 3 {
        match wait_for(&mut rx, 5000, |_| true).await {
            WsEvent::Reconnected { attempt, .. } => {
                assert!(attempt >= 1);
                reconnected += 1;
            }
            WsEvent::LoggedIn { .. } => logged_in = true,
            WsEvent::Subscribed { arg, .. } if reconnected > 0 => resubscribed.push(arg),
            _ => {}
        }
    }
    resubscribed.sort();
    let mut want = vec![
        SubArg::ticker("BTCUSDT"),
        SubArg::private(Channel::Orders),
        SubArg::private(Channel::Account),
    ];
    want.sort();
    assert_eq!(resubscribed, want);
    assert_eq!(h.state(), ConnState::Live);
    assert!(h.connections().iter().all(|c| c.reconnects == 1));

    // Data flows again on the new public connection.
    set_price(&sim, "BTCUSDT", "66000").await;
    let ev = wait_for(&mut rx, 3000, |e| {
        matches!(e, WsEvent::Push(p) if matches!(&p.data, PushData::Ticker(t) if t[0].last_pr.0 == "66000".parse().unwrap()))
    })
    .await;
    assert!(matches!(ev, WsEvent::Push(_)));
    h.shutdown();
}
