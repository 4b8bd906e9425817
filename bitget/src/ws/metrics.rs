//! WebSocket metric names (the `metrics` facade; the app installs the recorder).

use metrics::{Unit, counter, describe_counter, describe_gauge, gauge};

/// Reconnects performed, by connection kind.
pub const RECONNECTS: &str = "viper_ws_reconnects_total";
/// Local books resubscribed after a checksum or sequence failure, by channel.
pub const BOOK_RESYNCS: &str = "viper_ws_book_resyncs_total";
/// 1 while a connection is live (logged in and subscribed), else 0; by connection.
pub const CONNECTED: &str = "viper_ws_connected";
/// Seconds since the last frame on a connection.
pub const MESSAGE_AGE: &str = "viper_ws_message_age_seconds";
/// Frames that could not be decoded (skipped), by connection kind.
pub const DECODE_ERRORS: &str = "viper_ws_decode_errors_total";
/// Events dropped because the caller's channel was full.
pub const EVENTS_DROPPED: &str = "viper_ws_events_dropped_total";

/// Describes the WebSocket metrics (call once after installing the recorder).
pub fn describe_metrics() {
    describe_counter!(RECONNECTS, Unit::Count, "Bitget WebSocket reconnects");
    describe_counter!(
        BOOK_RESYNCS,
        Unit::Count,
        "Local order books resubscribed after a checksum or sequence failure"
    );
    describe_gauge!(CONNECTED, "1 while a Bitget WebSocket connection is live");
    describe_gauge!(
        MESSAGE_AGE,
        Unit::Seconds,
        "Seconds since the last frame on a Bitget WebSocket connection"
    );
    describe_counter!(
        DECODE_ERRORS,
        Unit::Count,
        "Bitget WebSocket frames that could not be decoded"
    );
    describe_counter!(
        EVENTS_DROPPED,
        Unit::Count,
        "WebSocket events dropped: the consumer was too slow"
    );
}

/// Registers the reconnect counters of both kinds at zero (the first reconnect then counts in
/// `increase()`).
pub fn register_series() {
    for private in [false, true] {
        counter!(RECONNECTS, "kind" => kind(private)).increment(0);
    }
}

fn kind(private: bool) -> &'static str {
    if private { "private" } else { "public" }
}

pub(crate) fn reconnect(private: bool) {
    counter!(RECONNECTS, "kind" => kind(private)).increment(1);
}

pub(crate) fn book_resync(channel: String) {
    counter!(BOOK_RESYNCS, "channel" => channel).increment(1);
}

pub(crate) fn connected(conn: usize, private: bool, live: bool) {
    gauge!(CONNECTED, "conn" => conn.to_string(), "kind" => kind(private)).set(if live {
        1.0
    } else {
        0.0
    });
}

pub(crate) fn message_age(conn: usize, private: bool, secs: f64) {
    gauge!(MESSAGE_AGE, "conn" => conn.to_string(), "kind" => kind(private)).set(secs);
}

pub(crate) fn decode_error(private: bool) {
    counter!(DECODE_ERRORS, "kind" => kind(private)).increment(1);
}

pub(crate) fn event_dropped() {
    counter!(EVENTS_DROPPED).increment(1);
}
