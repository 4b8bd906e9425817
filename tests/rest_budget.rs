//! The REST budget, judged by the simulator's request log: with both WebSockets healthy an
//! idle bot stays at or under 0.4 requests/s; when the private socket goes down (and stays
//! down), or stays open but mute, fast account polling resumes within a second.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::{Value, json};
use viper_sim::SimConfig;

/// A market that moves (the public socket pushes a ticker every tick) and a strategy that
/// needs far more history than a test lasts, so the bot sits idle with both sockets healthy.
async fn live_sim() -> viper_sim::SimHandle {
    viper_sim::start(
        SimConfig {
            auto_tick: true,
            seed: 11,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn idle_config(dir: &std::path::Path) -> viper::config::BotConfig {
    let mut cfg = bot_config(dir);
    cfg.strategy.fast = 5;
    cfg.strategy.slow = 5000;
    // The production defaults of the account cadence, whatever bot_config speeds up.
    cfg.intervals.account_poll_ms = 1000;
    cfg.intervals.market_poll_ms = 500;
    cfg
}

/// Every REST request in the simulator's log: (server ms, path).
async fn request_log(sim: &viper_sim::SimHandle) -> Vec<(i64, String)> {
    control(sim, "GET", "/requests", json!({})).await["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ts"].as_i64().unwrap(),
                r["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn server_now(sim: &viper_sim::SimHandle) -> i64 {
    control(sim, "GET", "/audit", json!({})).await["now"]
        .as_i64()
        .unwrap()
}

/// A bot on a live market with both sockets open and trading enabled. The temporary data
/// directory lives as long as the bot does; fields drop in order, the bot first.
struct IdleBot {
    _bot: viper::system::Bot,
    _dir: tempfile::TempDir,
    sim: viper_sim::SimHandle,
}

async fn idle_bot() -> IdleBot {
    let sim = live_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = start_bot(&sim, &idle_config(dir.path())).await;
    eventually(60, "both sockets open", || async {
        let a = control(&sim, "GET", "/audit", json!({})).await;
        (a["ws_opened"]["public"].as_u64() >= Some(1)
            && a["ws_opened"]["private"].as_u64() >= Some(1))
        .then_some(())
    })
    .await;
    trading_active(&bot).await;
    IdleBot {
        _bot: bot,
        _dir: dir,
        sim,
    }
}

/// An idle bot after a quiet stretch: 5 s, starting 3 s after it became idle (start-up's
/// reads done), in which the account cadence is the slow one. Returns the stretch's start.
async fn idle_bot_after_quiet_stretch() -> (IdleBot, i64) {
    let idle = idle_bot().await;
    let quiet_from = server_now(&idle.sim).await + 3_000;
    eventually(60, "a quiet stretch", || async {
        (server_now(&idle.sim).await > quiet_from + 5_000).then_some(())
    })
    .await;
    (idle, quiet_from)
}

/// When the simulator's first fault episode of `kind` began (its clock).
async fn episode_start(sim: &viper_sim::SimHandle, kind: &str) -> i64 {
    eventually(30, &format!("the {kind} episode"), || async {
        let a = control(sim, "GET", "/audit", json!({})).await;
        a["fault_episodes"]
            .as_array()?
            .iter()
            .find(|e| e["kind"] == kind)?["from"]
            .as_i64()
    })
    .await
}

const ACCOUNTS: &str = "/api/v2/mix/account/accounts";

#[actix_rt::test]
async fn an_idle_bot_with_both_sockets_healthy_stays_within_the_rest_budget() {
    let idle = idle_bot().await;
    let sim = &idle.sim;
    // Let start-up's reads and the first pushes' reconciliation pass.
    let from = server_now(sim).await + 3_000;
    let window_ms: i64 = 40_000;
    let to = from + window_ms;
    eventually(90, "the measured window to pass", || async {
        (server_now(sim).await > to).then_some(())
    })
    .await;
    let log = request_log(sim).await;
    let inside: Vec<&(i64, String)> = log.iter().filter(|(t, _)| *t >= from && *t < to).collect();
    let rate = inside.len() as f64 / (window_ms as f64 / 1000.0);
    let mut by_path = std::collections::BTreeMap::<&str, usize>::new();
    for (_, p) in &inside {
        *by_path.entry(p.as_str()).or_default() += 1;
    }
    println!(
        "REST over {window_ms} ms: {} requests, {rate:.3}/s, {by_path:?}",
        inside.len()
    );
    assert!(rate <= 0.4, "{rate:.3} requests/s > 0.4: {by_path:?}");
    // The slow period still reconciles: REST stays the source of truth.
    assert!(
        by_path.get(ACCOUNTS).copied().unwrap_or(0) >= 1,
        "no account read in {window_ms} ms: {by_path:?}"
    );
    let public = control(sim, "GET", "/audit", json!({})).await["ws_opened"]["public"].clone();
    assert_eq!(public, Value::from(1), "the public socket stayed up");
}

#[actix_rt::test]
async fn fast_account_polling_resumes_within_a_second_of_the_private_socket_going_down() {
    let (idle, quiet_from) = idle_bot_after_quiet_stretch().await;
    let sim = &idle.sim;
    // Cut the private socket and refuse its logins for a minute: it stays down.
    control(
        sim,
        "POST",
        "/faults",
        json!({"faults": [
            {"kind": "ws_login_fail", "every_s": 600, "for_s": 60},
            {"kind": "ws_close_all", "scope": "private", "every_s": 600, "for_s": 1},
        ]}),
    )
    .await;
    let cut = episode_start(sim, "ws_close_all").await;
    assert_fast_polling_after(sim, quiet_from, cut, "cut").await;
}

/// The first account read within 1 s of `at` (the simulator's clock), then reads one poll
/// period apart; at most one read in the quiet 5 s from `quiet_from`.
async fn assert_fast_polling_after(
    sim: &viper_sim::SimHandle,
    quiet_from: i64,
    at: i64,
    what: &str,
) {
    eventually(60, "five account reads after the fault", || async {
        let n = request_log(sim)
            .await
            .iter()
            .filter(|(t, p)| *t >= at && p == ACCOUNTS)
            .count();
        (n >= 5).then_some(())
    })
    .await;
    let log = request_log(sim).await;
    let reads: Vec<i64> = log
        .iter()
        .filter(|(t, p)| *t >= at && p == ACCOUNTS)
        .map(|(t, _)| *t)
        .collect();
    let before = log
        .iter()
        .filter(|(t, p)| *t >= quiet_from && *t < quiet_from + 5_000 && p == ACCOUNTS)
        .count();
    println!("account reads in the quiet 5 s: {before}; after the {what} at {at}: {reads:?}");
    assert!(before <= 1, "{before} account reads in 5 quiet seconds");
    let first = reads[0] - at;
    assert!(
        first <= 1_000,
        "first account read {first} ms after the {what}"
    );
    // Fast polling, not one read: the account poll period (1 s) between reads, with margin.
    for w in reads.windows(2).take(4) {
        assert!(
            w[1] - w[0] <= 2_500,
            "account reads {} ms apart after the {what}: {reads:?}",
            w[1] - w[0]
        );
    }
}

#[actix_rt::test]
async fn fast_account_polling_resumes_within_a_second_of_the_private_socket_going_mute() {
    let (idle, quiet_from) = idle_bot_after_quiet_stretch().await;
    let sim = &idle.sim;
    // The private socket stays open but answers nothing, pings included, for 30 s: no close
    // frame, no error, only silence.
    control(
        sim,
        "POST",
        "/faults",
        json!({"faults": [
            {"kind": "ws_freeze", "scope": "private", "every_s": 600, "for_s": 30},
        ]}),
    )
    .await;
    let mute = episode_start(sim, "ws_freeze").await;
    assert_fast_polling_after(sim, quiet_from, mute, "freeze").await;
    // Only the private socket was touched: the public one never reconnected.
    let opened = control(sim, "GET", "/audit", json!({})).await["ws_opened"].clone();
    assert_eq!(opened["public"], Value::from(1), "{opened}");
}
