//! Freeze the socket (open but silent): the missing `pong` is detected within the pong
//! limit, the connection is replaced, and data flows again.
#![allow(missing_docs, clippy::unwrap_used)]
mod ws_common;

use std::time::{Duration, Instant};
use viper_bitget::ws::{PushData, SubArg, WsClient, WsEvent};
use ws_common::*;

#[actix_rt::test]
async fn a_frozen_socket_is_declared_dead_and_replaced() {
    let sim = sim(sim_config()).await;
    let cfg = ws_config(&sim);
    let (h, mut rx) = WsClient::start(cfg.clone(), vec![SubArg::ticker("ETHUSDT")], None).unwrap();
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Subscribed { .. })).await;

    ws_action(&sim, "freeze").await;
    let frozen_at = Instant::now();
    let ev = wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Disconnected { .. })).await;
    let WsEvent::Disconnected { reason, .. } = ev else {
        unreachable!()
    };
    assert!(
        reason.contains("pong"),
        "detected by the pong limit: {reason}"
    );
    let limit = cfg.ping_interval + cfg.pong_timeout + Duration::from_millis(400);
    assert!(
        frozen_at.elapsed() <= limit,
        "detected after {:?}",
        frozen_at.elapsed()
    );
    assert!(
        h.connections()[0].message_age.unwrap() >= cfg.pong_timeout,
        "stale, not live"
    );

    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Reconnected { .. })).await;
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Subscribed { .. })).await;
    set_price(&sim, "ETHUSDT", "3300").await;
    wait_for(
        &mut rx,
        3000,
        |e| matches!(e, WsEvent::Push(p) if matches!(&p.data, PushData::Ticker(_))),
    )
    .await;
    h.shutdown();
}

#[actix_rt::test]
async fn silence_beyond_the_idle_limit_is_a_dead_connection() {
    let sim = sim(sim_config()).await;
    let mut cfg = ws_config(&sim);
    // Pings rarely, so only the idle limit can notice the frozen socket.
    cfg.ping_interval = Duration::from_secs(30);
    cfg.private_ping_interval = Duration::from_secs(30);
    cfg.pong_timeout = Duration::from_secs(30);
    cfg.idle_timeout = Duration::from_millis(500);
    let (h, mut rx) = WsClient::start(cfg, vec![SubArg::ticker("ETHUSDT")], None).unwrap();
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Subscribed { .. })).await;
    ws_action(&sim, "freeze").await;
    let ev = wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Disconnected { .. })).await;
    let WsEvent::Disconnected { reason, .. } = ev else {
        unreachable!()
    };
    assert!(reason.contains("silent"), "{reason}");
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Reconnected { .. })).await;
    h.shutdown();
}

#[actix_rt::test]
async fn a_quiet_socket_is_reported_once_then_heard_again_without_a_reconnect() {
    let sim = sim(sim_config()).await;
    let mut cfg = ws_config(&sim);
    // Pings every 200 ms but waits 30 s for a pong: the socket goes quiet long before dead.
    cfg.pong_timeout = Duration::from_secs(30);
    cfg.idle_timeout = Duration::from_secs(30);
    let quiet_after = cfg.quiet_after_for(false);
    assert_eq!(quiet_after, Duration::from_millis(400));
    let (h, mut rx) = WsClient::start(cfg, vec![SubArg::ticker("ETHUSDT")], None).unwrap();
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Subscribed { .. })).await;

    ws_action(&sim, "freeze").await;
    let ev = wait_for(&mut rx, 5000, |e| {
        assert!(
            !matches!(e, WsEvent::Disconnected { .. }),
            "quiet is not dead: {e:?}"
        );
        matches!(e, WsEvent::Quiet { .. })
    })
    .await;
    let WsEvent::Quiet { silent_for, .. } = ev else {
        unreachable!()
    };
    assert!(silent_for >= quiet_after, "reported early: {silent_for:?}");

    ws_action(&sim, "unfreeze").await;
    set_price(&sim, "ETHUSDT", "3300").await;
    wait_for(&mut rx, 5000, |e| {
        assert!(
            !matches!(e, WsEvent::Quiet { .. } | WsEvent::Disconnected { .. }),
            "reported once, and never dropped: {e:?}"
        );
        matches!(e, WsEvent::Heard { .. })
    })
    .await;
    h.shutdown();
}
