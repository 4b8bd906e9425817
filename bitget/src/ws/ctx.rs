//! What a connection task and its sessions share: the commands from the handle, the
//! connection context (events, state, books) and how a session ended. Kept apart so that
//! `conn` (the reconnect loop) and `session` (one socket's life) depend on it, not on each other.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::book::LocalBook;
use super::config::WsConfig;
use super::events::{ConnId, WsEvent};
use super::metrics;
use super::state::{ConnState, Shared, lock};
use super::subscriptions::SubArg;
use crate::credentials::Credentials;

/// Local books of every connection, by subscription.
pub(crate) type Books = Arc<std::sync::Mutex<std::collections::HashMap<SubArg, LocalBook>>>;

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
