//! Clock-offset correction: the simulator's clock runs 45 s ahead; unsigned-by-server-time
//! requests get 40008, the client resyncs from public/time and signs with server time.

mod common;

use std::sync::Arc;

use viper_bitget::RestClient;
use viper_bitget::clock::SystemClock;
use viper_bitget::rate_limit::RateLimiter;

const ACCOUNT: &str = "/api/v2/mix/account/account";

fn skewed() -> viper_sim::SimConfig {
    viper_sim::SimConfig {
        clock_offset_ms: 45_000,
        ..common::sim_config()
    }
}

#[actix_rt::test]
async fn timestamp_error_triggers_one_resync_and_one_retry() {
    let h = common::start_with(skewed(), |_| {}).await;
    assert_eq!(h.client.clock().offset_ms(), 0);
    let a = h
        .client
        .account("BTCUSDT")
        .await
        .expect("works after resync");
    assert_eq!(a.margin_coin, "USDT");
    let off = h.client.clock().offset_ms();
    assert!((44_000..=46_000).contains(&off), "offset {off}");
    let log = h.requests(ACCOUNT).await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        log[0]["code"], "40008",
        "without correction the server refuses"
    );
    assert_eq!(log[1]["code"], "00000");
    // later requests are right the first time
    h.client.account("BTCUSDT").await.expect("account");
    assert_eq!(h.requests(ACCOUNT).await.len(), 3);
    h.stop().await;
}

#[actix_rt::test]
async fn explicit_sync_before_trading() {
    let h = common::start_with(skewed(), |_| {}).await;
    let off = h.client.sync_clock().await.expect("sync");
    assert!((44_000..=46_000).contains(&off), "offset {off}");
    assert!(h.client.clock().is_synced());
    h.client.accounts().await.expect("first try");
    let log = h.requests("/api/v2/mix/account/accounts").await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["code"], "00000");
    h.stop().await;
}

#[actix_rt::test]
async fn a_persistent_timestamp_error_is_auth_after_one_retry() {
    // The simulator answers 40008 to everything signed; public/time still works, so the
    // resync succeeds but cannot help: one retry only, then the error surfaces.
    let h = common::start().await;
    h.add_fault(
        serde_json::json!({"path": ACCOUNT, "kind": "error", "code": "40008", "http_status": 400}),
    )
    .await;
    let cfg = common::client_config(&h.sim.rest_url);
    let client =
        RestClient::with_parts(cfg, Arc::new(SystemClock), Arc::new(RateLimiter::new(1.0)));
    let e = client.account("BTCUSDT").await.expect_err("still expired");
    assert_eq!(e.code(), Some("40008"));
    assert_eq!(e.class(), "auth");
    assert_eq!(h.requests(ACCOUNT).await.len(), 2, "exactly one retry");
    h.stop().await;
}
