//! The WebSocket side of the fault plan, kept out of the connection code: one call before a
//! connection sends a batch of pushes (delay, reordering, feed freshness), and the checks a
//! login and a new connection make.

use crate::state::{Shared, lock};
use actix_ws::Session;
use std::time::Duration;

/// Called before a connection sends `msgs`: waits out a `ws_delay` episode (and the control
/// plane's fixed delay), hands the pushes a `ws_reorder` episode holds back to a task that
/// sends them later (each recorded as a delivery when sent), records the delivery for feed
/// uptime, and returns what to send now.
pub async fn before_push(
    shared: &std::sync::Arc<Shared>,
    session: &Session,
    private: bool,
    msgs: Vec<String>,
) -> Vec<String> {
    let (delay, held) = {
        let mut f = lock(&shared.faults);
        let ws = f.ws();
        let mut delay = shared
            .ws_delay_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        if ws.delay_scope.is_some_and(|s| s.covers(private)) {
            delay = delay.max(f.between(ws.delay_ms, ws.delay_max_ms));
        }
        let reorder = ws.reorder_ms > 0 && ws.reorder_scope.is_some_and(|s| s.covers(private));
        let held: Vec<bool> = msgs
            .iter()
            .map(|_| reorder && f.chance(ws.reorder_p))
            .collect();
        let hold_ms = f.between(ws.reorder_ms / 2, ws.reorder_ms);
        (delay, (held, hold_ms))
    };
    if delay > 0 {
        actix_rt::time::sleep(Duration::from_millis(delay)).await;
    }
    let (held, hold_ms) = held;
    let mut now_msgs = Vec::with_capacity(msgs.len());
    for (m, hold) in msgs.into_iter().zip(held) {
        if hold {
            let mut s = session.clone();
            let shared = shared.clone();
            actix_rt::spawn(async move {
                actix_rt::time::sleep(Duration::from_millis(hold_ms)).await;
                // The connection may have closed meanwhile; the push is then lost, as it
                // would be on a real exchange. Sent, it is a delivery like any other.
                if s.text(m).await.is_ok() {
                    lock(&shared.feeds).delivered(private, shared.now());
                }
            });
        } else {
            now_msgs.push(m);
        }
    }
    if !now_msgs.is_empty() {
        lock(&shared.feeds).delivered(private, shared.now());
    }
    now_msgs
}

/// True while a `ws_login_fail` or `outage` episode refuses private logins.
pub fn login_refused(shared: &Shared) -> bool {
    shared.fault_tick();
    let ws = lock(&shared.faults).ws();
    ws.login_fail || ws.outage
}

/// True while an `outage` episode refuses new connections.
///
/// The schedule is moved to now first, as REST does per request: read from the 50 ms
/// scheduler's last pass, a connection opened just after an episode ended (once REST answered
/// again) was still refused.
pub fn refuse_connections(shared: &Shared) -> bool {
    shared.fault_tick();
    lock(&shared.faults).ws().outage
}
