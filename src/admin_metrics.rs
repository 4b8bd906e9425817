//! The Prometheus recorder (installed once per process, no listener of its own: the admin
//! server renders it), the descriptions of every series, and the gauges derived from the
//! actors' state each second.

use crate::system::Bot;
use anyhow::Context as _;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::BTreeSet;

/// Latency buckets, seconds: the 2 s criterion sits on a boundary.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0,
];
/// Buckets for the time a position spent without a stop-loss.
const UNPROTECTED_BUCKETS: &[f64] = &[0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0];

/// The recorder installed in this process (there is one per process).
static INSTALLED: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();

/// The handle of the recorder installed in this process, if any.
pub fn installed() -> Option<PrometheusHandle> {
    INSTALLED.get().cloned()
}

/// Installs the global recorder and describes every metric of every crate; a second call in
/// one process returns the handle of the first.
pub fn install_recorder() -> anyhow::Result<PrometheusHandle> {
    if let Some(h) = installed() {
        return Ok(h);
    }
    let handle = PrometheusBuilder::new()
        .set_buckets(LATENCY_BUCKETS)
        .context("histogram buckets")?
        .set_buckets_for_metric(
            Matcher::Full("viper_unprotected_position_seconds".into()),
            UNPROTECTED_BUCKETS,
        )
        .context("histogram buckets")?
        .install_recorder()
        .context("installing the Prometheus recorder")?;
    viper_bitget::describe_metrics();
    viper_bitget::ws::metrics::describe_metrics();
    viper_actors::metrics::describe_metrics();
    describe_metrics();
    let _ = INSTALLED.set(handle.clone());
    Ok(handle)
}

/// Describes the series this package emits.
pub fn describe_metrics() {
    describe_counter!(
        "viper_admin_requests_total",
        "Admin HTTP requests, by path and status"
    );
    describe_histogram!(
        "viper_admin_request_duration_seconds",
        "Admin HTTP request latency, by path"
    );
    describe_gauge!(
        "viper_trading_active",
        "1 while trading is enabled, 0 while halted"
    );
    describe_gauge!(
        "viper_ready",
        "1 when the health verdict is live, 0 when degraded or halted"
    );
    describe_gauge!("viper_uptime_seconds", "Seconds since the bot started");
    describe_gauge!(
        "viper_info",
        "Always 1: the bot's mode (paper, demo, live) and version as labels"
    );
    describe_counter!(
        "viper_notify_sent_total",
        "Notifications by webhook and outcome: delivered, or failed after its retries"
    );
    describe_counter!(
        "viper_notify_dropped_total",
        "Notifications dropped because the webhook's queue was full"
    );
    describe_counter!(
        "viper_notify_retries_total",
        "Notification delivery attempts retried after a timeout, connection error, 429 or 5xx"
    );
    describe_counter!(
        "viper_startup_retries_total",
        "Transient failures retried during start-up recovery, by step"
    );
    describe_gauge!(
        "viper_orders_by_phase",
        "Orders in the journal, by phase (from the OrderRouter)"
    );
    describe_counter!(
        "viper_intents_total",
        "Order intents produced by the strategy"
    );
    describe_counter!(
        "viper_intent_outcomes_total",
        "Order intents by outcome: refused by risk, sent to the router, failed"
    );
    describe_counter!(
        "viper_stale_ticks_total",
        "Ticks the strategy skipped because market data was stale"
    );
    describe_gauge!(
        "viper_limit_override",
        "1 when the labelled capital limit is beyond its default ceiling by an explicit override"
    );
    describe_counter!(
        "viper_guard_actions_total",
        "Stop-loss guard actions: stops placed, positions closed, failures"
    );
}

/// Registers every series the dashboard and the alerts read, at zero with its known label
/// values, before start-up: the first event then counts in `rate()` and no panel is empty
/// on a healthy bot. Also describes and samples the process metrics.
pub fn register_series(cfg: &crate::config::BotConfig) {
    viper_bitget::metrics::register_series();
    viper_bitget::ws::metrics::register_series();
    viper_actors::metrics::register_series(&cfg.symbols);
    for step in crate::startup_retry::STEPS {
        counter!("viper_startup_retries_total", "step" => step).increment(0);
    }
    for k in ["refused", "sent", "failed"] {
        counter!("viper_intent_outcomes_total", "outcome" => k).increment(0);
    }
    for k in ["stop_placed", "position_closed", "failure"] {
        counter!("viper_guard_actions_total", "action" => k).increment(0);
    }
    counter!("viper_intents_total").increment(0);
    counter!("viper_stale_ticks_total").increment(0);
    gauge!("viper_trading_active").set(0.0);
    gauge!("viper_ready").set(0.0);
    let process = process_metrics();
    process.describe();
    process.collect();
}

/// The process collector (RSS, CPU seconds, open fds, threads, start time; Linux /proc).
pub fn process_metrics() -> &'static metrics_process::Collector {
    static COLLECTOR: std::sync::OnceLock<metrics_process::Collector> = std::sync::OnceLock::new();
    COLLECTOR.get_or_init(metrics_process::Collector::default)
}

/// Reads the actors' state and sets the derived series; true when the HealthMonitor answered.
pub async fn refresh_gauges(bot: &Bot, phases: &mut BTreeSet<String>) -> bool {
    use viper_actors::events::TradingState;
    use viper_actors::guard::GetGuardStats;
    use viper_actors::health_monitor::{GetHealth, Verdict};
    use viper_actors::order_router::JournalCounts;
    use viper_actors::trader::GetTraderStats;
    process_metrics().collect();
    let health = bot.health.send(GetHealth).await;
    if let Ok(h) = &health {
        gauge!("viper_trading_active").set(f64::from(u8::from(h.trading == TradingState::Active)));
        gauge!("viper_ready").set(f64::from(u8::from(h.verdict == Verdict::Live)));
        gauge!("viper_uptime_seconds").set(h.uptime.as_secs_f64());
    }
    if let Ok(Ok(counts)) = bot.router.send(JournalCounts).await {
        let now: BTreeSet<String> = counts.iter().map(|(p, _)| p.clone()).collect();
        for gone in phases.difference(&now) {
            gauge!("viper_orders_by_phase", "phase" => gone.clone()).set(0.0);
        }
        for (p, n) in counts {
            // Journal counts are far below 2^53: exact as f64.
            gauge!("viper_orders_by_phase", "phase" => p.clone()).set(n as f64);
            phases.insert(p);
        }
    }
    if let Ok(s) = bot.trader.send(GetTraderStats).await {
        counter!("viper_intents_total").absolute(s.intents);
        for (k, v) in [
            ("refused", s.refused),
            ("sent", s.placed),
            ("failed", s.failed),
        ] {
            counter!("viper_intent_outcomes_total", "outcome" => k).absolute(v);
        }
        counter!("viper_stale_ticks_total").absolute(s.stale_ticks);
    }
    if let Ok(g) = bot.guard.send(GetGuardStats).await {
        for (k, v) in [
            ("stop_placed", g.placed),
            ("position_closed", g.closed),
            ("failure", g.failures),
        ] {
            counter!("viper_guard_actions_total", "action" => k).absolute(v);
        }
    }
    health.is_ok()
}
