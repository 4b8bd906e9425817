//! The private WebSocket login is signed with the server clock the REST client measured, so a
//! local clock 45 s off breaks neither REST nor the WebSocket login.
#![allow(missing_docs, clippy::unwrap_used)]
use std::time::Duration;
use viper_bitget::ws::{Channel, LoginClock, SubArg, WsClient, WsConfig, WsEvent};
use viper_bitget::{Credentials, RestClient, RestConfig};

fn creds() -> Credentials {
    Credentials::new(
        viper_sim::DEFAULT_API_KEY,
        viper_sim::DEFAULT_API_SECRET,
        viper_sim::DEFAULT_PASSPHRASE,
    )
}

async fn login_outcome(cfg: WsConfig) -> WsEvent {
    let (_h, mut rx) =
        WsClient::start(cfg, vec![SubArg::private(Channel::Account)], Some(creds())).unwrap();
    loop {
        let ev = actix_rt::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap();
        if matches!(
            ev,
            WsEvent::LoggedIn { .. } | WsEvent::Error { .. } | WsEvent::Disconnected { .. }
        ) {
            return ev;
        }
    }
}

#[actix_rt::test]
async fn login_uses_the_measured_server_time() {
    // The server's clock runs 45 s ahead of ours.
    let sim_cfg = viper_sim::SimConfig {
        clock_offset_ms: 45_000,
        auto_tick: false,
        ..viper_sim::SimConfig::default()
    };
    let sim = viper_sim::start(sim_cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let rest = RestClient::new(RestConfig::custom(&sim.rest_url, Some(creds())));
    rest.sync_clock().await.unwrap();
    let mut cfg = WsConfig::custom(&sim.ws_public_url, &sim.ws_private_url);
    cfg.login_failure_delay = Duration::from_secs(30);
    // With the local clock the login is 45 s stale: refused.
    let local = login_outcome(cfg.clone()).await;
    assert!(!matches!(local, WsEvent::LoggedIn { .. }), "{local:?}");
    // With the REST client's server clock it is accepted.
    cfg.login_clock = Some(LoginClock(rest.server_clock()));
    let synced = login_outcome(cfg).await;
    assert!(matches!(synced, WsEvent::LoggedIn { .. }), "{synced:?}");
}
