//! `WsClient::start` and `WsHandle`: routes subscriptions to connections (public or private,
//! at most N channels each, opening more as needed) and exposes state and message age.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::book::LocalBook;
use super::config::WsConfig;
use super::conn;
use super::ctx::{Books, Cmd, ConnCtx};
use super::events::{BookUpdate, WsEvent};
use super::state::{ConnInfo, ConnState, Entry, Shared, Status, lock};
use super::subscriptions::SubArg;
use crate::credentials::Credentials;

/// Why a request to the client was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WsError {
    /// A private channel was requested without credentials.
    #[error("private channel {0} needs credentials")]
    NoCredentials(String),
    /// The client's tasks are gone (the actix System stopped).
    #[error("websocket client stopped")]
    Stopped,
}

/// Starts WebSocket connections; see [`WsClient::start`].
#[derive(Debug)]
pub struct WsClient;

struct Route {
    private: bool,
    tx: mpsc::UnboundedSender<Cmd>,
    subs: BTreeSet<SubArg>,
}

struct Inner {
    cfg: Arc<WsConfig>,
    creds: Option<Credentials>,
    shared: Shared,
    books: Books,
    events: mpsc::Sender<WsEvent>,
    routes: Mutex<Vec<Route>>,
    spawner: mpsc::UnboundedSender<(ConnCtx, mpsc::UnboundedReceiver<Cmd>)>,
}

/// A cheap, cloneable, `Send` handle to the client's connections.
#[derive(Clone)]
pub struct WsHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for WsHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsHandle")
            .field("connections", &self.connections())
            .finish()
    }
}

impl WsClient {
    /// Starts the connections needed for `subscriptions` and returns the handle and the
    /// event stream. Must be called inside an actix System (awc is `!Send`: connections
    /// run on the current arbiter via `actix_rt::spawn`). Connections keep running while a
    /// handle clone exists; [`WsHandle::shutdown`] stops them.
    pub fn start(
        cfg: WsConfig,
        subscriptions: Vec<SubArg>,
        credentials: Option<Credentials>,
    ) -> Result<(WsHandle, mpsc::Receiver<WsEvent>), WsError> {
        let (events, rx) = mpsc::channel(cfg.event_capacity.max(1));
        let (spawner, mut spawn_rx) =
            mpsc::unbounded_channel::<(ConnCtx, mpsc::UnboundedReceiver<Cmd>)>();
        actix_rt::spawn(async move {
            while let Some((ctx, cmds)) = spawn_rx.recv().await {
                actix_rt::spawn(conn::run(ctx, cmds));
            }
        });
        let handle = WsHandle {
            inner: Arc::new(Inner {
                cfg: Arc::new(cfg),
                creds: credentials,
                shared: Arc::new(Mutex::new(Status::default())),
                books: Arc::new(Mutex::new(HashMap::new())),
                events,
                routes: Mutex::new(Vec::new()),
                spawner,
            }),
        };
        handle.subscribe(subscriptions)?;
        Ok((handle, rx))
    }
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl WsHandle {
    /// Adds subscriptions (already held ones are ignored), opening connections as needed.
    pub fn subscribe(&self, args: Vec<SubArg>) -> Result<(), WsError> {
        if let Some(a) = args.iter().find(|a| a.is_private())
            && self.inner.creds.is_none()
        {
            return Err(WsError::NoCredentials(a.channel.name()));
        }
        let mut routes = guard(&self.inner.routes);
        let mut batches: HashMap<usize, Vec<SubArg>> = HashMap::new();
        for a in args.into_iter().map(|a| a.normalised()) {
            if routes.iter().any(|r| r.subs.contains(&a)) {
                continue;
            }
            let idx = self.route_for(&mut routes, a.is_private())?;
            routes[idx].subs.insert(a.clone());
            batches.entry(idx).or_default().push(a);
        }
        for (idx, list) in batches {
            routes[idx]
                .tx
                .send(Cmd::Subscribe(list))
                .map_err(|_| WsError::Stopped)?;
        }
        Ok(())
    }

    /// Removes subscriptions.
    pub fn unsubscribe(&self, args: Vec<SubArg>) -> Result<(), WsError> {
        let mut routes = guard(&self.inner.routes);
        for a in args.into_iter().map(|a| a.normalised()) {
            if let Some(r) = routes.iter_mut().find(|r| r.subs.contains(&a)) {
                r.subs.remove(&a);
                r.tx.send(Cmd::Unsubscribe(vec![a]))
                    .map_err(|_| WsError::Stopped)?;
            }
        }
        Ok(())
    }

    /// Index of a connection of the right kind with room, opening one if none has.
    fn route_for(&self, routes: &mut Vec<Route>, private: bool) -> Result<usize, WsError> {
        let max = self.inner.cfg.max_channels_per_connection.max(1);
        if let Some(i) = routes
            .iter()
            .position(|r| r.private == private && r.subs.len() < max)
        {
            return Ok(i);
        }
        let id = routes.len();
        let (tx, rx) = mpsc::unbounded_channel();
        lock(&self.inner.shared).conns.push(Entry {
            private,
            state: ConnState::Connecting,
            last_msg: None,
            sub_last: HashMap::new(),
            reconnects: 0,
        });
        let ctx = ConnCtx {
            id,
            private,
            cfg: self.inner.cfg.clone(),
            creds: self.inner.creds.clone(),
            shared: self.inner.shared.clone(),
            books: self.inner.books.clone(),
            events: self.inner.events.clone(),
        };
        self.inner
            .spawner
            .send((ctx, rx))
            .map_err(|_| WsError::Stopped)?;
        routes.push(Route {
            private,
            tx,
            subs: BTreeSet::new(),
        });
        Ok(id)
    }

    /// Status of every connection.
    pub fn connections(&self) -> Vec<ConnInfo> {
        lock(&self.inner.shared).info(Instant::now())
    }

    /// The worst state over all connections (`Live` only when every one is live).
    pub fn state(&self) -> ConnState {
        let all = self.connections();
        let rank = |s: ConnState| match s {
            ConnState::Live => 0,
            ConnState::Connecting => 1,
            ConnState::Reconnecting => 2,
            ConnState::Closed => 3,
        };
        all.iter()
            .map(|c| c.state)
            .max_by_key(|s| rank(*s))
            .unwrap_or(ConnState::Connecting)
    }

    /// Time since the last frame on the stalest connection (`None` if one never got any).
    pub fn message_age(&self) -> Option<Duration> {
        let all = self.connections();
        if all.is_empty() || all.iter().any(|c| c.message_age.is_none()) {
            return None;
        }
        all.iter().filter_map(|c| c.message_age).max()
    }

    /// Time since the last push of one subscription (`None` before its first push).
    pub fn subscription_age(&self, arg: &SubArg) -> Option<Duration> {
        lock(&self.inner.shared).sub_age(&arg.normalised(), Instant::now())
    }

    /// The local book of a `books*` subscription, `depth` levels a side (`None` until its
    /// first verified snapshot, and while it is being resynchronised).
    pub fn book(&self, arg: &SubArg, depth: usize) -> Option<BookUpdate> {
        let books = guard(&self.inner.books);
        let b: &LocalBook = books.get(&arg.normalised())?;
        b.is_ready().then(|| BookUpdate {
            arg: arg.normalised(),
            bids: b.bids(depth),
            asks: b.asks(depth),
            seq: b.seq(),
            ts: b.ts(),
            snapshot: false,
        })
    }

    /// Closes every connection; no reconnect follows.
    pub fn shutdown(&self) {
        for r in guard(&self.inner.routes).iter() {
            // A connection already gone needs no shutdown.
            let _ = r.tx.send(Cmd::Shutdown);
        }
    }
}
