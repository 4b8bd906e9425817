//! One self-healing connection: connect, log in, (re)subscribe everything it holds, keep
//! alive with text `ping`, declare the socket dead on a missing `pong` or silence, and
//! reconnect with exponential backoff and jitter, forever, until shut down.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

use super::book::LocalBook;
use super::config::WsConfig;
use super::events::{ConnId, WsEvent};
use super::metrics;
use super::session::Session;
use super::state::{ConnState, Shared, lock};
use super::subscriptions::SubArg;
use crate::credentials::Credentials;

/// Local books of every connection, by subscription.
pub(crate) type Books = Arc<std::sync::Mutex<std::collections::HashMap<SubArg, LocalBook>>>;

/// A session live at least this long was healthy: the backoff starts over.
const STABLE: Duration = Duration::from_secs(10);

/// Commands from the handle.
#[derive(Debug)]
pub(crate) enum Cmd {
    Subscribe(Vec<SubArg>),
    Unsubscribe(Vec<SubArg>),
    Shutdown,
}

/// Everything a connection task needs.
pub(crate) struct ConnCtx {
    pub id: ConnId,
    pub private: bool,
    pub cfg: Arc<WsConfig>,
    pub creds: Option<Credentials>,
    pub shared: Shared,
    pub books: Books,
    pub events: mpsc::Sender<WsEvent>,
}

/// How a session ended.
pub(crate) enum End {
    Shutdown,
    Lost {
        reason: String,
        live_for: Option<Duration>,
        login_rejected: bool,
    },
}

impl End {
    pub fn lost(reason: impl Into<String>, live_since: Option<Instant>) -> End {
        End::Lost {
            reason: reason.into(),
            live_for: live_since.map(|t| t.elapsed()),
            login_rejected: false,
        }
    }
}

impl ConnCtx {
    pub fn emit(&self, ev: WsEvent) {
        if let Err(mpsc::error::TrySendError::Full(ev)) = self.events.try_send(ev) {
            metrics::event_dropped();
            tracing::warn!(conn = self.id, event = ?ev, "event channel full; event dropped");
        }
    }

    pub fn set_state(&self, state: ConnState) {
        if let Some(e) = lock(&self.shared).entry(self.id) {
            e.state = state;
        }
        metrics::connected(self.id, self.private, state == ConnState::Live);
    }

    pub fn url(&self) -> &str {
        if self.private {
            &self.cfg.private_url
        } else {
            &self.cfg.public_url
        }
    }

    /// Applies a subscribe/unsubscribe command to the held set and the shared status.
    pub fn track(&self, subs: &mut BTreeSet<SubArg>, args: &[SubArg], on: bool) {
        let mut st = lock(&self.shared);
        for a in args {
            if on {
                subs.insert(a.clone());
                if let Some(e) = st.entry(self.id) {
                    e.sub_last.entry(a.clone()).or_insert(None);
                }
            } else {
                subs.remove(a);
                if let Some(e) = st.entry(self.id) {
                    e.sub_last.remove(a);
                }
                self.books_remove(a);
            }
        }
    }

    fn books_remove(&self, a: &SubArg) {
        if a.channel.is_book() {
            let mut b = self
                .books
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            b.remove(a);
        }
    }
}

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
