//! Login failures: the code is reported (30012 wrong passphrase, 30011 unknown key), the
//! client backs off instead of storming, and login codes `0`/`"0"` both succeed.
#![allow(missing_docs, clippy::unwrap_used)]
mod ws_common;

use viper_bitget::Credentials;
use viper_bitget::ws::{Channel, SubArg, WsClient, WsEvent};
use ws_common::*;

#[actix_rt::test]
async fn wrong_passphrase_is_reported_and_retried_slowly() {
    let sim = sim(sim_config()).await;
    let bad = Credentials::new(
        viper_sim::DEFAULT_API_KEY,
        viper_sim::DEFAULT_API_SECRET,
        "wrong",
    );
    let cfg = ws_config(&sim);
    let (h, mut rx) = WsClient::start(
        cfg.clone(),
        vec![SubArg::private(Channel::Orders)],
        Some(bad),
    )
    .unwrap();
    let ev = wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Error { .. })).await;
    assert!(matches!(ev, WsEvent::Error { code: 30012, .. }), "{ev:?}");
    let events = collect_for(&mut rx, 2000).await;
    let errors = events
        .iter()
        .filter(|e| matches!(e, WsEvent::Error { code: 30012, .. }))
        .count();
    // With a 300 ms floor and growing delays, 2 s hold at most ~6 attempts; a storm would be hundreds.
    assert!((1..=7).contains(&errors), "{errors} login attempts in 2 s");
    for e in &events {
        if let WsEvent::Disconnected { retry_in, .. } = e {
            assert!(
                *retry_in >= cfg.login_failure_delay,
                "retry after {retry_in:?}"
            );
        }
        assert!(!matches!(
            e,
            WsEvent::LoggedIn { .. } | WsEvent::Connected { .. }
        ));
    }
    h.shutdown();
}

#[actix_rt::test]
async fn unknown_key_reports_30011() {
    let sim = sim(sim_config()).await;
    let bad = Credentials::new("nobody", "x", "y");
    let (h, mut rx) = WsClient::start(
        ws_config(&sim),
        vec![SubArg::private(Channel::Fill)],
        Some(bad),
    )
    .unwrap();
    let ev = wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Error { .. })).await;
    assert!(matches!(ev, WsEvent::Error { code: 30011, .. }), "{ev:?}");
    h.shutdown();
}

#[actix_rt::test]
async fn string_login_code_is_accepted() {
    // The simulator answers the number 0 by default (as live does); the documentation
    // writes the string "0": the client takes both.
    let mut cfg = sim_config();
    cfg.ws_login_code_numeric = false;
    let sim = sim(cfg).await;
    let (h, mut rx) = WsClient::start(
        ws_config(&sim),
        vec![SubArg::private(Channel::Account)],
        Some(creds()),
    )
    .unwrap();
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::LoggedIn { .. })).await;
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Subscribed { .. })).await;
    h.shutdown();
}

#[actix_rt::test]
async fn private_channels_need_credentials() {
    let sim = sim(sim_config()).await;
    let r = WsClient::start(
        ws_config(&sim),
        vec![SubArg::private(Channel::Orders)],
        None,
    );
    assert!(r.is_err());
}
