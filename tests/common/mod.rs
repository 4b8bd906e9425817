//! Whole-system test helpers: a simulator on 127.0.0.1:0 and the assembled bot against it.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::time::Duration;
use viper::config::BotConfig;
use viper::system::{self, Bot, Endpoint};
use viper_bitget::Credentials;
use viper_sim::{SimConfig, SimHandle};

pub fn creds() -> Credentials {
    Credentials::new(
        viper_sim::DEFAULT_API_KEY,
        viper_sim::DEFAULT_API_SECRET,
        viper_sim::DEFAULT_PASSPHRASE,
    )
}

/// Prices move only when the test says so.
pub async fn sim() -> SimHandle {
    viper_sim::start(
        SimConfig {
            auto_tick: false,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

/// A bot config for tests: BTC only, fast polling, a fresh data directory.
pub fn bot_config(dir: &std::path::Path) -> BotConfig {
    let mut cfg = BotConfig {
        symbols: vec!["BTCUSDT".into()],
        data_dir: dir.to_path_buf(),
        ..BotConfig::default()
    };
    cfg.intervals.market_poll_ms = 200;
    cfg.intervals.account_poll_ms = 300;
    cfg.strategy.cooldown_secs = 3600;
    cfg
}

pub async fn start_bot(sim: &SimHandle, cfg: &BotConfig) -> Bot {
    system::start(
        cfg,
        Endpoint {
            rest_url: sim.rest_url.clone(),
            demo: false,
            credentials: creds(),
        },
    )
    .await
    .unwrap()
}

pub async fn control(sim: &SimHandle, method: &str, path: &str, body: Value) -> Value {
    let c = awc::Client::new();
    let url = format!("{}{}", sim.control_url, path);
    let mut r = match method {
        "GET" => c.get(url).send().await.unwrap(),
        "DELETE" => c.delete(url).send().await.unwrap(),
        _ => c.post(url).send_json(&body).await.unwrap(),
    };
    serde_json::from_slice(&r.body().limit(64 << 20).await.unwrap()).unwrap()
}

pub async fn set_price(sim: &SimHandle, symbol: &str, price: &str) {
    control(
        sim,
        "POST",
        "/price",
        json!({ "symbol": symbol, "price": price }),
    )
    .await;
}

/// Polls `f` every 100 ms until it returns Some, or panics after `secs`.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (generously: the machine may be loaded) until the bot's risk manager reports
/// trading active: start-up recovery and the first reconciliation are done.
pub async fn trading_active(bot: &Bot) {
    eventually(60, "trading enabled", || async {
        let s = bot
            .risk
            .send(viper_actors::risk_manager::GetTradingState)
            .await
            .ok()?;
        (s == viper_actors::events::TradingState::Active).then_some(())
    })
    .await;
}

/// Every order the exchange ever accepted (from its own audit).
pub async fn exchange_orders(sim: &SimHandle) -> Vec<Value> {
    control(sim, "GET", "/audit", json!({})).await["orders"]
        .as_array()
        .unwrap()
        .clone()
}

/// place-order requests the exchange received carrying `client_oid`.
pub async fn place_requests(sim: &SimHandle, client_oid: &str) -> usize {
    let log = control(
        sim,
        "GET",
        "/requests?path=/api/v2/mix/order/place-order",
        json!({}),
    )
    .await;
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["clientOid"] == client_oid)
        .count()
}

pub fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A market intent with a stop (and optionally a take-profit), as a strategy would send it.
pub fn intent(
    symbol: &str,
    direction: viper_actors::intent::Direction,
    size: &str,
    tp: Option<&str>,
    sl: &str,
) -> viper_actors::intent::OrderIntent {
    viper_actors::intent::OrderIntent {
        symbol: symbol.into(),
        direction,
        size: dec(size),
        limit_price: None,
        reduce_only: false,
        take_profit: tp.map(dec),
        stop_loss: Some(dec(sl)),
        reason: "test".into(),
    }
}

/// Some(()) when the newest open position has a live stop-loss, read from the simulator's
/// audit: the control plane spends none of the account's rate budget, which the bot needs
/// (polling all-position here could earn the bot a 429 pause).
pub async fn newest_position_protected(sim: &SimHandle) -> Option<()> {
    let audit = control(sim, "GET", "/audit", json!({})).await;
    let life = audit["positions"]
        .as_array()?
        .iter()
        .rev()
        .find(|l| l["closed"].is_null())?
        .clone();
    life["stop_loss"].as_array()?.last()?["to"]
        .is_null()
        .then_some(())
}
