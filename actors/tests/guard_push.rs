//! The stop-loss guard and the `orders` push, against a simulator on loopback: a fill push
//! carrying the order's attached stop-loss confirms the position's protection (AccountSync's
//! private WebSocket → guard), a snapshot read before that push does not make the guard act,
//! and a snapshot read after it is authoritative (a position really without a stop gets one).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use actix::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;
use viper_actors::account_sync::{AccountSync, PrivateWs, SnapshotSinks, read_account};
use viper_actors::events::ProtectionSeen;
use viper_actors::guard::{GetGuardStats, GuardConfig, GuardStats, StopLossGuard};
use viper_actors::sync_cadence::SyncPeriods;
use viper_bitget::models::{ClientOid, OrderType, PlaceOrderRequest, PosMode, Price, Side, Size};
use viper_bitget::ws::WsConfig;
use viper_bitget::{Credentials, RestClient, RestConfig};
use viper_sim::{SimConfig, SimHandle};

const SYMBOL: &str = "BTCUSDT";

fn credentials() -> Credentials {
    Credentials::new(
        viper_sim::DEFAULT_API_KEY,
        viper_sim::DEFAULT_API_SECRET,
        viper_sim::DEFAULT_PASSPHRASE,
    )
}

async fn sim() -> (SimHandle, RestClient) {
    let cfg = SimConfig {
        auto_tick: false,
        ..SimConfig::default()
    };
    let sim = viper_sim::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sim starts");
    let rest = RestClient::new(RestConfig::custom(&sim.rest_url, Some(credentials())));
    (sim, rest)
}

fn guard(rest: &RestClient, grace: Duration) -> Addr<StopLossGuard> {
    let cfg = GuardConfig {
        stop_distance: Decimal::new(4, 3),
        ticks: HashMap::from([(SYMBOL.to_owned(), Decimal::new(1, 1))]),
        pos_mode: PosMode::OneWay,
        grace,
        close_after: Duration::from_secs(600),
        close_marks: None,
    };
    StopLossGuard::new(rest.clone(), cfg).start()
}

/// Opens a long market position, with the stop-loss attached or not.
async fn open_long(rest: &RestClient, oid: &str, with_stop: bool) {
    let last = rest.ticker(SYMBOL).await.expect("ticker").last_pr.0;
    let mut req = PlaceOrderRequest::new(
        SYMBOL,
        Side::Buy,
        OrderType::Market,
        Size(Decimal::new(1, 3)),
        ClientOid::new(oid).unwrap(),
    );
    if with_stop {
        req.preset_stop_loss_price = Some(Price((last * Decimal::new(98, 2)).round_dp(1)));
    }
    rest.place_order(&req).await.expect("order placed");
}

async fn stats(g: &Addr<StopLossGuard>) -> GuardStats {
    g.send(GetGuardStats).await.expect("guard answers")
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_rt::test]
async fn a_fill_push_with_the_attached_stop_confirms_protection_through_the_private_socket() {
    let (sim, rest) = sim().await;
    let g = guard(&rest, Duration::from_secs(600));
    let sinks = SnapshotSinks {
        protection: Some(g.clone().recipient()),
        ..SnapshotSinks::default()
    };
    let ws = PrivateWs {
        config: WsConfig::custom(&sim.ws_public_url, &sim.ws_private_url),
        credentials: credentials(),
    };
    // Long period: only pushes (not the REST period) can move the guard here.
    let periods = SyncPeriods::polling(Duration::from_secs(600));
    let _sync = AccountSync::new(rest.clone(), periods, sinks, Some(ws)).start();
    // Orders placed before the private socket is subscribed would push to no one: keep
    // opening (new ids) until a push has been seen, which is what the test asserts.
    let mut n = 0;
    eventually("a fill push confirming the stop", async || {
        if stats(&g).await.confirmed_by_push > 0 {
            return true;
        }
        n += 1;
        if n % 20 == 1 {
            open_long(&rest, &format!("vpguard{n}"), true).await;
        }
        false
    })
    .await;
    assert_eq!(stats(&g).await.unprotected, 0);
    sim.stop().await;
}

#[actix_rt::test]
async fn only_snapshots_read_before_the_push_defer_to_it() {
    let (sim, rest) = sim().await;
    let grace = Duration::from_millis(100);
    let g = guard(&rest, grace);
    open_long(&rest, "vpbare1", false).await;
    let stale = read_account(&rest).await.expect("snapshot");
    assert_eq!(stale.positions.len(), 1, "the position is open");
    assert!(stale.tpsl_plans.is_empty(), "and has no stop");

    // Control: without a push the stale snapshot shows an unprotected position.
    g.send(stale.clone()).await.unwrap();
    assert_eq!(stats(&g).await.unprotected, 1);

    // The push (arriving after the read started) covers the same snapshot.
    let long = stale.positions[0].long;
    g.send(ProtectionSeen {
        symbol: SYMBOL.into(),
        long,
        stop_loss: Decimal::ONE,
        seen: Instant::now(),
    })
    .await
    .unwrap();
    let s = stats(&g).await;
    assert_eq!((s.unprotected, s.confirmed_by_push), (0, 1));
    tokio::time::sleep(grace * 3).await; // let the grace lapse (not a wait for an event)
    g.send(stale.clone()).await.unwrap();
    let s = stats(&g).await;
    assert_eq!(
        (s.unprotected, s.placed),
        (0, 0),
        "a stale snapshot defers to the push"
    );

    // A snapshot read after the push is authoritative: the stop really is missing.
    eventually("the guard placing the missing stop", async || {
        let fresh = read_account(&rest).await.expect("snapshot");
        if fresh.tpsl_plans.iter().any(|(s, _, _)| s == SYMBOL) {
            return true;
        }
        g.send(fresh).await.unwrap();
        false
    })
    .await;
    assert_eq!(stats(&g).await.placed, 1);
    sim.stop().await;
}
