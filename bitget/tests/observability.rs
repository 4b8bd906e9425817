//! Logs and metrics: `ACCESS-*` values and secrets never reach a log line, each request has
//! a span with endpoint / clientOid / attempt / latency / code, and every metric is emitted
//! and described.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use rust_decimal_macros::dec;
use serde_json::json;
use viper_bitget::models::*;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default()
    }

    /// Captures every event of this thread at TRACE until the guard drops.
    ///
    /// Why the pin: while exactly one `Dispatch` exists in the process, tracing-core
    /// (0.1.36, tokio-rs/tracing#3611) computes a callsite's cached interest from the
    /// *current thread's* default the first time any thread reaches that callsite. When
    /// another thread with no subscriber (a concurrent test in the same binary, under
    /// `cargo test`) reaches `request headers` first, `never` is cached for everyone and the
    /// capture below sees nothing: the missing `ACCESS-SIGN: ***` line, more often under
    /// load because the race is about which thread gets there first. A second, inert
    /// dispatch kept alive for the whole binary makes tracing combine the interest of every
    /// registered dispatch instead, so the capture's thread always gets its events.
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        static PIN: OnceLock<tracing::Dispatch> = OnceLock::new();
        PIN.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }
}

/// An event at a callsite of its own, so the control test owns its first registration.
fn probe_event(marker: &str) {
    tracing::trace!(marker, "probe event");
}

/// The control for the race above, made deterministic by ordering: a thread with no
/// subscriber reaches a fresh callsite first, then the capturing thread emits there. Without
/// the pin in `Capture::install` this fails every time it runs in a process of its own
/// (as nextest runs it).
#[test]
fn a_thread_without_a_subscriber_cannot_blind_the_capture() {
    let cap = Capture::default();
    let _guard = cap.install();
    std::thread::spawn(|| probe_event("from-a-bare-thread"))
        .join()
        .expect("bare thread");
    probe_event("from-the-capturing-thread");
    let logs = cap.text();
    assert!(logs.contains("from-the-capturing-thread"), "{logs}");
    assert!(!logs.contains("from-a-bare-thread"), "{logs}");
}

async fn some_traffic(h: &common::Harness) {
    h.set_price("BTCUSDT", "65000").await;
    h.client.account("BTCUSDT").await.expect("account");
    let req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Market,
        Size(dec!(0.001)),
        ClientOid::new("obs-1").expect("oid"),
    );
    h.client.place_order(&req).await.expect("order");
    h.add_fault(
        json!({"path": "/api/v2/mix/account/accounts", "kind": "error",
        "code": "40015", "http_status": 500, "count": 1}),
    )
    .await;
    h.client.accounts().await.expect("retried");
}

#[actix_rt::test]
async fn secrets_are_never_logged_and_spans_carry_the_fields() {
    let cap = Capture::default();
    let _guard = cap.install();
    let h = common::start().await;
    some_traffic(&h).await;
    tracing::debug!(credentials = ?common::credentials(), "credentials debug-printed");
    h.stop().await;
    let logs = cap.text();
    assert!(!logs.is_empty());
    for secret in [
        viper_sim::DEFAULT_API_SECRET,
        viper_sim::DEFAULT_PASSPHRASE,
        viper_sim::DEFAULT_API_KEY,
    ] {
        assert!(!logs.contains(secret), "{secret} leaked into the logs");
    }
    assert!(
        logs.contains("ACCESS-SIGN: ***"),
        "headers are logged, redacted"
    );
    for h in [
        "ACCESS-KEY: ",
        "ACCESS-SIGN: ",
        "ACCESS-TIMESTAMP: ",
        "ACCESS-PASSPHRASE: ",
    ] {
        for (i, _) in logs.match_indices(h) {
            let value = &logs[i + h.len()..];
            assert!(
                value.starts_with("***"),
                "{h} value leaked: {}",
                &value[..value.len().min(40)]
            );
        }
    }
    let order_line = logs
        .lines()
        .find(|l| l.contains("attempt finished") && l.contains("place-order"))
        .expect("a span line for place-order");
    for field in [
        "client_oid=\"obs-1\"",
        "attempt=1",
        "latency_ms=",
        "code=\"00000\"",
    ] {
        assert!(
            order_line.contains(field) || order_line.contains(&field.replace('"', "")),
            "{field} missing in {order_line}"
        );
    }
    assert!(
        logs.contains("attempt=2"),
        "the retried read shows its second attempt"
    );
}

#[actix_rt::test]
async fn metrics_are_emitted_per_endpoint() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _guard = metrics::set_default_local_recorder(&recorder);
    viper_bitget::describe_metrics();
    let h = common::start().await;
    some_traffic(&h).await;
    h.stop().await;
    let snap = snapshotter.snapshot().into_vec();
    let find = |name: &str, label: (&str, &str)| {
        snap.iter()
            .filter(|(k, _, _, _)| {
                k.key().name() == name
                    && k.key()
                        .labels()
                        .any(|l| l.key() == label.0 && l.value() == label.1)
            })
            .map(|(_, unit, desc, v)| (unit.is_some() && desc.is_some(), v))
            .collect::<Vec<_>>()
    };
    let accounts = "/api/v2/mix/account/accounts";
    let reqs = find("viper_rest_requests_total", ("endpoint", accounts));
    assert_eq!(reqs.len(), 1);
    assert!(reqs[0].0, "described");
    assert!(
        matches!(reqs[0].1, DebugValue::Counter(2)),
        "{:?}",
        reqs[0].1
    );
    let errs = find("viper_rest_errors_total", ("code", "40015"));
    assert_eq!(errs.len(), 1);
    assert!(
        matches!(errs[0].1, DebugValue::Counter(1)),
        "{:?}",
        errs[0].1
    );
    let retries = find("viper_rest_retries_total", ("endpoint", accounts));
    assert!(
        matches!(retries[0].1, DebugValue::Counter(1)),
        "{:?}",
        retries[0].1
    );
    let lat = find(
        "viper_rest_request_duration_seconds",
        ("endpoint", "/api/v2/mix/order/place-order"),
    );
    assert!(matches!(lat[0].1, DebugValue::Histogram(v) if v.len() == 1));
    let wait = find("viper_rest_rate_limit_wait_seconds", ("endpoint", accounts));
    assert!(matches!(wait[0].1, DebugValue::Histogram(v) if v.len() == 2));
}
