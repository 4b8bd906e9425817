//! One self-healing connection: connect, log in, (re)subscribe everything it holds, keep
//! alive with text `ping`, declare the socket dead on a missing `pong` or silence, and
//! reconnect with exponential backoff and jitter, forever, until shut down.

use std::collections::BTreeSet;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use tokio::sync::mpsc;
use tokio::time::sleep;

use super::config::WsConfig;
use super::ctx::{Cmd, ConnCtx, End};
use super::events::WsEvent;
use super::session::Session;
use super::state::ConnState;
use super::subscriptions::SubArg;

/// A session live at least this long was healthy: the backoff starts over.
const STABLE: Duration = Duration::from_secs(10);

fn backoff(cfg: &WsConfig) -> impl Iterator<Item = Duration> + use<> {
    ExponentialBuilder::new()
        .with_min_delay(cfg.backoff_min)
        .with_max_delay(cfg.backoff_max)
        .with_jitter()
        .without_max_times()
        .build()
}

/// Runs one connection until the handle shuts it down (or is dropped).
pub(crate) async fn run(ctx: ConnCtx, mut cmds: mpsc::UnboundedReceiver<Cmd>) {
    let mut subs = BTreeSet::new();
    let mut delays = backoff(&ctx.cfg);
    let mut failures: u32 = 0;
    let mut ever_live = false;
    loop {
        let attempt = ever_live.then_some(failures);
        let end = Session::run(&ctx, &mut subs, &mut cmds, attempt).await;
        let (reason, live_for, login_rejected) = match end {
            End::Shutdown => {
                ctx.set_state(ConnState::Closed);
                return;
            }
            End::Lost {
                reason,
                live_for,
                login_rejected,
            } => (reason, live_for, login_rejected),
        };
        if let Some(d) = live_for {
            ever_live = true;
            if d >= STABLE {
                failures = 0;
                delays = backoff(&ctx.cfg);
            }
        }
        failures = failures.saturating_add(1);
        let mut delay = delays.next().unwrap_or(ctx.cfg.backoff_max);
        if login_rejected {
            delay = delay.max(ctx.cfg.login_failure_delay);
        }
        ctx.set_state(ConnState::Reconnecting);
        tracing::warn!(conn = ctx.id, private = ctx.private, %reason, retry_in = ?delay, "websocket lost");
        ctx.emit(WsEvent::Disconnected {
            conn: ctx.id,
            reason,
            retry_in: delay,
        });
        if wait(&ctx, delay, &mut subs, &mut cmds).await {
            ctx.set_state(ConnState::Closed);
            return;
        }
    }
}

/// Sleeps `delay` while still taking commands; true when told to shut down.
async fn wait(
    ctx: &ConnCtx,
    delay: Duration,
    subs: &mut BTreeSet<SubArg>,
    cmds: &mut mpsc::UnboundedReceiver<Cmd>,
) -> bool {
    let until = sleep(delay);
    tokio::pin!(until);
    loop {
        tokio::select! {
            () = &mut until => return false,
            c = cmds.recv() => match c {
                Some(Cmd::Subscribe(a)) => ctx.track(subs, &a, true),
                Some(Cmd::Unsubscribe(a)) => ctx.track(subs, &a, false),
                Some(Cmd::Shutdown) | None => return true,
            },
        }
    }
}
