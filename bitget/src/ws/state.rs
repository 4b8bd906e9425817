//! Connection status shared between the connection tasks and the handle: state and the
//! time of the last message per connection and per subscription ("connected but stale").

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;

use super::events::ConnId;
use super::subscriptions::SubArg;

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// First connection attempt in progress.
    Connecting,
    /// Connected, logged in (private) and subscriptions sent.
    Live,
    /// Lost; waiting to reconnect or reconnecting.
    Reconnecting,
    /// Shut down by the caller.
    Closed,
}

/// A snapshot of one connection's status.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnInfo {
    /// Connection id.
    pub id: ConnId,
    /// Private URL.
    pub private: bool,
    /// State.
    pub state: ConnState,
    /// Time since the last frame of any kind (`None` before the first).
    pub message_age: Option<Duration>,
    /// Subscriptions held (resubscribed after each reconnect).
    pub subscriptions: Vec<SubArg>,
    /// Reconnects so far.
    pub reconnects: u64,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub private: bool,
    pub state: ConnState,
    pub last_msg: Option<Instant>,
    pub sub_last: HashMap<SubArg, Option<Instant>>,
    pub reconnects: u64,
}

/// Status of every connection, indexed by [`ConnId`].
#[derive(Debug, Default)]
pub(crate) struct Status {
    pub conns: Vec<Entry>,
}

pub(crate) type Shared = Arc<Mutex<Status>>;

/// Locks, recovering from a poisoned lock (the data is plain status, always consistent).
pub(crate) fn lock(s: &Shared) -> MutexGuard<'_, Status> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Status {
    pub fn info(&self, now: Instant) -> Vec<ConnInfo> {
        self.conns
            .iter()
            .enumerate()
            .map(|(id, e)| {
                let mut subscriptions: Vec<SubArg> = e.sub_last.keys().cloned().collect();
                subscriptions.sort();
                ConnInfo {
                    id,
                    private: e.private,
                    state: e.state,
                    message_age: e.last_msg.map(|t| now.saturating_duration_since(t)),
                    subscriptions,
                    reconnects: e.reconnects,
                }
            })
            .collect()
    }

    pub fn sub_age(&self, arg: &SubArg, now: Instant) -> Option<Duration> {
        self.conns
            .iter()
            .find_map(|e| e.sub_last.get(arg).copied().flatten())
            .map(|t| now.saturating_duration_since(t))
    }

    pub fn entry(&mut self, id: ConnId) -> Option<&mut Entry> {
        self.conns.get_mut(id)
    }
}
