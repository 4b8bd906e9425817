//! Descriptions of every metric the actors emit (Prometheus requires a description per
//! series for `promtool check metrics` to pass). Call once after installing a recorder.

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
        "viper_router_last_check_refusals_total",
        "Orders refused by the router's last check before sending, by reason"
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
        "1 when trading is in the labelled state (halted, reducing)"
    );
    describe_histogram!(
        "viper_unprotected_position_seconds",
        "Time a position spent without a stop-loss before it got one"
    );
}
