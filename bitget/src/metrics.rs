//! Metric names and recording helpers (the `metrics` facade; the app installs a recorder).

use std::time::Duration;

use metrics::histogram;
use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge};

/// Requests sent (one per attempt), by endpoint.
pub const REQUESTS: &str = "viper_rest_requests_total";
/// Failed attempts, by endpoint, error class and Bitget code (`none` without one).
pub const ERRORS: &str = "viper_rest_errors_total";
/// Attempt latency, by endpoint.
pub const LATENCY: &str = "viper_rest_request_duration_seconds";
/// Time spent queued by the client-side rate limiter, by endpoint.
pub const RATE_LIMIT_WAIT: &str = "viper_rest_rate_limit_wait_seconds";
/// Retries scheduled, by endpoint.
pub const RETRIES: &str = "viper_rest_retries_total";
/// Measured server − local clock offset.
pub const CLOCK_OFFSET: &str = "viper_rest_clock_offset_seconds";
/// Distance from mark to liquidation price as a fraction of the mark, per open position
/// (`NaN` once the position is gone or has no liquidation price).
pub const LIQUIDATION_DISTANCE: &str = "viper_position_liquidation_distance_ratio";

/// Describes every metric of this crate once (call after installing the recorder).
pub fn describe_metrics() {
    describe_counter!(
        REQUESTS,
        Unit::Count,
        "Bitget REST requests sent, per attempt"
    );
    describe_counter!(
        ERRORS,
        Unit::Count,
        "Bitget REST failed attempts by error class and code"
    );
    describe_histogram!(LATENCY, Unit::Seconds, "Bitget REST attempt latency");
    describe_histogram!(
        RATE_LIMIT_WAIT,
        Unit::Seconds,
        "Time a request waited in the client-side rate limiter"
    );
    describe_counter!(RETRIES, Unit::Count, "Bitget REST retries scheduled");
    describe_counter!(
        crate::models::lenient::LENIENT,
        Unit::Count,
        "Malformed informational fields treated as absent, by endpoint and field"
    );
    describe_gauge!(
        LIQUIDATION_DISTANCE,
        Unit::Count,
        "Distance from mark to liquidation price as a fraction of the mark, per position"
    );
    describe_gauge!(
        CLOCK_OFFSET,
        Unit::Seconds,
        "Bitget server clock minus local clock, seconds"
    );
}

/// Bitget's rate limit per endpoint (requests per second), for the dashboard's "share of the
/// limit" panel.
pub const RATE_LIMIT: &str = "viper_rest_rate_limit_per_second";

/// Error classes recorded without a Bitget code (label `code="none"`), known in advance.
const UNCODED_CLASSES: [&str; 4] = ["transport", "timeout", "rate_limited", "decode"];

/// Registers every series of this crate at zero for every endpoint (and every error class
/// that carries no code), so a dashboard sees them from the start and the first event counts
/// in `rate()`; sets each endpoint's rate limit.
pub fn register_series() {
    describe_gauge!(
        RATE_LIMIT,
        "Bitget's rate limit of the endpoint, requests per second"
    );
    for ep in crate::endpoints::ALL {
        counter!(REQUESTS, "endpoint" => ep.path).increment(0);
        counter!(RETRIES, "endpoint" => ep.path).increment(0);
        for class in UNCODED_CLASSES {
            counter!(ERRORS, "endpoint" => ep.path, "class" => class, "code" => "none")
                .increment(0);
        }
        let _ = histogram!(LATENCY, "endpoint" => ep.path);
        let _ = histogram!(RATE_LIMIT_WAIT, "endpoint" => ep.path);
        gauge!(RATE_LIMIT, "endpoint" => ep.path).set(f64::from(ep.per_second));
    }
}

pub(crate) fn request(endpoint: &'static str, latency: Duration) {
    counter!(REQUESTS, "endpoint" => endpoint).increment(1);
    histogram!(LATENCY, "endpoint" => endpoint).record(latency.as_secs_f64());
}

pub(crate) fn error(endpoint: &'static str, class: &'static str, code: Option<&str>) {
    let code = code.unwrap_or("none").to_owned();
    counter!(ERRORS, "endpoint" => endpoint, "class" => class, "code" => code).increment(1);
}

pub(crate) fn rate_limit_wait(endpoint: &'static str, waited: Duration) {
    histogram!(RATE_LIMIT_WAIT, "endpoint" => endpoint).record(waited.as_secs_f64());
}

pub(crate) fn retry(endpoint: &'static str) {
    counter!(RETRIES, "endpoint" => endpoint).increment(1);
}

pub(crate) fn clock_offset(ms: i64) {
    // A statistic in Prometheus' base unit (seconds), not a money value.
    gauge!(CLOCK_OFFSET).set(ms as f64 / 1000.0);
}

/// The (symbol, side) series exported last time, so a closed position's series is blanked.
static EXPORTED: std::sync::Mutex<Vec<(String, &'static str)>> = std::sync::Mutex::new(Vec::new());

/// Exports [`LIQUIDATION_DISTANCE`] for every open position of an all-position read.
pub(crate) fn liquidation_distances(open: &[crate::models::Position]) {
    let mut now = Vec::with_capacity(open.len());
    for p in open {
        let side: &'static str = p.hold_side.as_str();
        // A statistic for dashboards and alerts, not a money value.
        let v = p
            .liquidation_distance()
            .and_then(|d| d.to_string().parse::<f64>().ok())
            .unwrap_or(f64::NAN);
        gauge!(LIQUIDATION_DISTANCE, "symbol" => p.symbol.clone(), "side" => side).set(v);
        now.push((p.symbol.clone(), side));
    }
    let Ok(mut last) = EXPORTED.lock() else {
        return;
    };
    for (symbol, side) in last.iter().filter(|k| !now.contains(k)) {
        gauge!(LIQUIDATION_DISTANCE, "symbol" => symbol.clone(), "side" => *side).set(f64::NAN);
    }
    *last = now;
}
