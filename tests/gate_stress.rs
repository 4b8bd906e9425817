//! Ten symbols, a strategy that fires on every crossover, prices moving fast and one create in
//! five held past the client's timeout: the exchange's own audit never shows more than
//! `max_positions` positions or more than `max_total_margin` committed.
//!
//! Bounded to keep CI fast: `VIPER_GATE_STRESS_SECS` (default 60) raises it (the issue's
//! run is 180).
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use rust_decimal::Decimal;
use serde_json::json;
use std::time::Duration;
use viper_sim::SimConfig;
use viper_sim::config::{SymbolConfig, default_symbols};

/// BTC and XRP, and four copies of each under other names: ten symbols the 1 USDT
/// per-position limit can trade (ETH and SOL minimums need more margin).
fn ten_symbols() -> Vec<SymbolConfig> {
    let defaults = default_symbols();
    let like = |name: &str| defaults.iter().find(|s| s.symbol == name).unwrap().clone();
    let mut out = vec![like("BTCUSDT"), like("XRPUSDT")];
    for (i, base) in ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH"]
        .into_iter()
        .enumerate()
    {
        let mut s = like(if i % 2 == 0 { "BTCUSDT" } else { "XRPUSDT" });
        s.symbol = format!("{base}USDT");
        s.base_coin = base.into();
        out.push(s);
    }
    out
}

fn secs() -> u64 {
    std::env::var("VIPER_GATE_STRESS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

#[actix_rt::test]
async fn ten_symbols_and_a_fast_strategy_never_exceed_the_position_or_margin_limits() {
    let sim = viper_sim::start(
        SimConfig {
            auto_tick: true,
            speed: 60.0,
            seed: 11,
            symbols: ten_symbols(),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    // One create in five is applied 2.5 s after it arrived: the client has given up.
    control(&sim, "POST", "/faults", json!({"faults": [{"path": "/api/v2/mix/order/place-order", "kind": "latency", "latency_ms": 2500, "probability": 0.2}]})).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = bot_config(dir.path());
    cfg.symbols = ten_symbols().into_iter().map(|s| s.symbol).collect();
    cfg.strategy.fast = 2;
    cfg.strategy.slow = 3;
    cfg.strategy.cooldown_secs = 0;
    // Wide stops: positions live long, so the limits are pressed all run long.
    cfg.strategy.take_profit_pct = dec("1");
    cfg.strategy.stop_loss_pct = dec("1");
    cfg.intervals.market_poll_ms = 100;
    let bot = start_bot(&sim, &cfg).await;
    let until = tokio::time::Instant::now() + Duration::from_secs(secs());
    let (mut peak_positions, mut peak_margin) = (0, Decimal::ZERO);
    while tokio::time::Instant::now() < until {
        let audit = control(&sim, "GET", "/audit", json!({})).await;
        let e = &audit["exposure"]["6900000001"];
        let positions = e["max_positions"].as_u64().unwrap_or(0) as usize;
        let margin: Decimal = e["max_total_margin"]
            .as_str()
            .and_then(|m| m.parse().ok())
            .unwrap_or_default();
        assert!(
            positions <= cfg.risk.max_positions,
            "{positions} positions at once: {e}"
        );
        assert!(
            margin <= cfg.risk.max_total_margin,
            "total margin {margin}: {e}"
        );
        (peak_positions, peak_margin) = (positions, margin);
        actix_rt::time::sleep(Duration::from_millis(500)).await;
    }
    let filled = exchange_orders(&sim)
        .await
        .iter()
        .filter(|o| o["state"] == "filled")
        .count();
    eprintln!(
        "{}s: {filled} filled orders, peak {peak_positions} positions, peak margin {peak_margin}",
        secs()
    );
    assert!(
        filled >= cfg.risk.max_positions,
        "the run must actually trade: {filled} filled"
    );
    assert_eq!(
        peak_positions, cfg.risk.max_positions,
        "the run must press against the position limit"
    );
    drop(bot);
}
