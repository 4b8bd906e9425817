//! The service manager's channel (systemd's `sd_notify` protocol over `$NOTIFY_SOCKET`):
//! `STATUS=` with the start-up step, `EXTEND_TIMEOUT_USEC=` while start-up waits patiently
//! for the exchange, `READY=1` once recovery completed, `WATCHDOG=1` while the HealthMonitor
//! answers, `STOPPING=1` on shutdown. Without `$NOTIFY_SOCKET` every call does nothing.

use sd_notify::NotifyState;
use std::time::Duration;

/// How long one "still starting" message extends systemd's start timeout.
pub const START_EXTENSION: Duration = Duration::from_secs(90);

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify the service manager ($NOTIFY_SOCKET)");
    }
}

/// Start-up is still in progress (at `step`): extends the start timeout and keeps the
/// watchdog fed while recovery is patient.
pub fn starting(step: &str) {
    let usec = u32::try_from(START_EXTENSION.as_micros()).unwrap_or(u32::MAX);
    let status = format!("starting: {step}");
    send(&[
        NotifyState::Status(&status),
        NotifyState::ExtendTimeoutUsec(usec),
        NotifyState::Watchdog,
    ]);
}

/// Recovery completed and trading may begin.
pub fn ready() {
    send(&[
        NotifyState::Ready,
        NotifyState::Status("running: recovery complete"),
    ]);
}

/// The HealthMonitor answered: the process is not wedged.
pub fn watchdog() {
    send(&[NotifyState::Watchdog]);
}

/// Shutting down (halting, settling the journal).
pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

/// The watchdog period systemd asked for (`WatchdogSec=`), if any.
pub fn watchdog_period() -> Option<Duration> {
    sd_notify::watchdog_enabled()
}

/// Resolves on Ctrl-C or SIGTERM (what a service manager sends to stop us), naming which.
pub async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    let term = async {
        match actix_rt::signal::unix::signal(actix_rt::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = actix_rt::signal::ctrl_c() => "Ctrl-C",
        () = term => "SIGTERM",
    }
}
