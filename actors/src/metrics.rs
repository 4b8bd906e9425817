//! Descriptions of every metric the actors emit (Prometheus requires a description per
//! series for `promtool check metrics` to pass), their registration at zero with their known
//! labels, and the account's PnL and per-symbol gauges. Call `describe_metrics` and
//! `register_series` once after installing a recorder.

use crate::events::PositionView;
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};

/// Every journal phase (label values of `viper_orders_total` and `viper_orders_by_phase`).
pub const PHASES: [&str; 8] = [
    "intent",
    "sent",
    "acknowledged",
    "unknown",
    "live",
    "filled",
    "cancelled",
    "rejected",
];
/// Every supervised or critical actor (label values of `viper_actor_restarts_total`).
pub const ACTORS: [&str; 6] = [
    "market_feed",
    "account_sync",
    "risk_manager",
    "order_router",
    "capital_watch",
    "trader",
];
/// Error classes of the exchange client (label values of the failure counters).
pub const ERROR_CLASSES: [&str; 9] = [
    "transport",
    "timeout",
    "unavailable",
    "rate_limited",
    "exchange",
    "auth",
    "decode",
    "unknown",
    "invalid_request",
];

/// Registers the actors' series at zero with their known labels, the per-symbol gauges for
/// `symbols`, so a dashboard has them from the start and the first event counts in `rate()`.
pub fn register_series(symbols: &[String]) {
    use metrics::{counter, gauge, histogram};
    for p in PHASES {
        counter!("viper_orders_total", "phase" => p).increment(0);
        gauge!("viper_orders_by_phase", "phase" => p).set(0.0);
    }
    for a in ACTORS {
        counter!("viper_actor_restarts_total", "actor" => a).increment(0);
    }
    counter!("viper_trade_entries_total").increment(0);
    for r in crate::trade_log::ExitReason::ALL {
        counter!("viper_trade_exits_total", "reason" => r.as_str()).increment(0);
    }
    for c in ERROR_CLASSES {
        counter!("viper_account_sync_failures_total", "class" => c).increment(0);
        counter!("viper_feed_failures_total", "class" => c).increment(0);
    }
    for name in [
        "viper_risk_refusals_total",
        "viper_emergency_stops_total",
        "viper_limit_reductions_total",
        "viper_feed_rest_fallback_polls_total",
        "viper_router_last_check_refusals_total",
        "viper_protection_confirmed_by_push_total",
        "viper_gate_snapshot_refreshes_total",
    ] {
        counter!(name).increment(0);
    }
    gauge!("viper_unprotected_positions").set(0.0);
    let _ = histogram!("viper_unprotected_position_seconds");
    for s in symbols {
        zero_symbol(s);
    }
    gauge!("viper_unrealised_pnl_usdt").set(0.0);
    gauge!("viper_realised_pnl_usdt").set(0.0);
}

fn zero_symbol(symbol: &str) {
    for side in ["long", "short"] {
        metrics::gauge!("viper_position_size", "symbol" => symbol.to_owned(), "side" => side)
            .set(0.0);
    }
    metrics::gauge!("viper_position_margin_usdt", "symbol" => symbol.to_owned()).set(0.0);
}

fn f(d: Decimal) -> f64 {
    crate::account_sync::decimal_f64(d)
}

/// The account's PnL from one read: unrealised as the exchange reports it, realised as the
/// change of the wallet balance (equity − unrealised) since this process first read it (fees
/// and funding included; a deposit or withdrawal shows too).
pub fn account_pnl(equity: Decimal, unrealised: Decimal) {
    metrics::gauge!("viper_unrealised_pnl_usdt").set(f(unrealised));
    metrics::gauge!("viper_realised_pnl_usdt").set(f(realised_pnl(equity, unrealised)));
}

/// Realised PnL since this process first read the account: the change of the wallet balance
/// (equity − unrealised). The one place this is computed (the gauge and `viper status` both
/// ask it) until closed trades in the journal replace it.
pub fn realised_pnl(equity: Decimal, unrealised: Decimal) -> Decimal {
    static START_WALLET: OnceLock<Decimal> = OnceLock::new();
    let wallet = equity - unrealised;
    wallet - *START_WALLET.get_or_init(|| wallet)
}

/// Per-symbol position size (by side) and margin; a symbol no longer held goes back to 0.
pub fn positions(positions: &[PositionView]) {
    static HELD: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let now: BTreeSet<String> = positions.iter().map(|p| p.symbol.clone()).collect();
    if let Ok(mut held) = HELD.lock() {
        for gone in held.difference(&now) {
            zero_symbol(gone);
        }
        held.clone_from(&now);
    }
    for s in &now {
        zero_symbol(s);
    }
    let mut margin = std::collections::BTreeMap::<&str, Decimal>::new();
    for p in positions {
        let side = if p.long { "long" } else { "short" };
        metrics::gauge!("viper_position_size", "symbol" => p.symbol.clone(), "side" => side)
            .increment(f(p.size));
        *margin.entry(p.symbol.as_str()).or_default() += p.margin;
    }
    for (s, m) in margin {
        metrics::gauge!("viper_position_margin_usdt", "symbol" => s.to_owned()).set(f(m));
    }
}

/// Describes the actors' metrics.
pub fn describe_metrics() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "viper_orders_total",
        "Order phase transitions seen by the router, by phase"
    );
    describe_counter!(
        "viper_risk_refusals_total",
        "Intents refused by the order gate, by reason"
    );
    describe_counter!(
        "viper_gate_snapshot_refreshes_total",
        "Account reads the order gate asked for because its snapshot was too old"
    );
    describe_counter!(
        "viper_router_last_check_refusals_total",
        "Orders refused by the router's last check before sending, by reason"
    );
    describe_counter!(
        "viper_protection_confirmed_by_push_total",
        "Positions whose exchange-side stop-loss a fill push confirmed (no REST read needed)"
    );
    describe_counter!(
        "viper_trade_entries_total",
        "Opening fills recorded in the trade log"
    );
    describe_counter!(
        "viper_trade_exits_total",
        "Positions that ended, by exit reason (take_profit, stop_loss, guard_close, emergency_flatten, manual_close, reduce_to_limit, liquidation, unknown)"
    );
    describe_counter!(
        "viper_orders_adopted_total",
        "Orders the journal had closed that the exchange showed live (adopted as exposure)"
    );
    describe_counter!(
        "viper_emergency_flatten_resumed_total",
        "Interrupted emergency flattens finished at start-up"
    );
    describe_counter!(
        "viper_trading_state_transitions_total",
        "Trading state changes, by target state"
    );
    describe_counter!(
        "viper_account_sync_failures_total",
        "Failed account reconciliations, by error class"
    );
    describe_counter!(
        "viper_feed_failures_total",
        "Failed market data polls, by error class"
    );
    describe_counter!(
        "viper_actor_restarts_total",
        "Supervised actor restarts, by actor"
    );
    describe_gauge!(
        "viper_equity_usdt",
        "Account equity (wallet balance + unrealised PnL), USDT"
    );
    describe_gauge!("viper_positions_open", "Open positions");
    describe_gauge!(
        "viper_margin_in_use_usdt",
        "Margin held by open positions, USDT"
    );
    describe_gauge!(
        "viper_unprotected_positions",
        "Open positions currently without an exchange-side stop-loss"
    );
    describe_gauge!(
        "viper_market_data_age_seconds",
        "Age of the newest market tick"
    );
    describe_gauge!(
        "viper_market_uptime_ratio",
        "Fraction of health checks with fresh market data"
    );
    describe_gauge!("viper_health_verdict", "1 when the health verdict is live");
    describe_gauge!(
        "viper_data_fresh",
        "1 when both market and account data are fresh"
    );
    describe_gauge!(
        "viper_data_uptime_ratio",
        "Fraction of health checks with both market and account data fresh (the uptime figure)"
    );
    describe_counter!(
        "viper_feed_rest_fallback_polls_total",
        "REST ticker polls made because the public WebSocket was down or stale"
    );
    describe_counter!(
        "viper_ws_reconnects_seen_total",
        "WebSocket reconnects seen by the health monitor, by connection"
    );
    describe_gauge!(
        "viper_connection_up",
        "1 while the WebSocket connection is up, by connection"
    );
    describe_counter!("viper_emergency_stops_total", "Emergency stops triggered");
    describe_counter!(
        "viper_limit_reductions_total",
        "Reduce-to-limit orders sent by the post-trade check"
    );
    describe_gauge!(
        "viper_trading_state",
        "1 when trading is in the labelled state (halted, reducing, paused)"
    );
    describe_gauge!(
        "viper_unrealised_pnl_usdt",
        "Unrealised PnL of open positions as the exchange reports it, USDT"
    );
    describe_gauge!(
        "viper_realised_pnl_usdt",
        "Change of the wallet balance (equity - unrealised PnL) since this process started, USDT"
    );
    describe_gauge!(
        "viper_position_size",
        "Open position size by symbol and side, base coin"
    );
    describe_gauge!(
        "viper_position_margin_usdt",
        "Margin held by the symbol's positions, USDT"
    );
    describe_counter!(
        "viper_router_last_check_refusals_total",
        "Orders the router's last check refused before sending"
    );
    describe_histogram!(
        "viper_unprotected_position_seconds",
        "Time a position spent without a stop-loss before it got one"
    );
}
