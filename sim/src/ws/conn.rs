//! One WebSocket connection: keep-alive, message-rate and subscription limits, login, and
//! pushes driven by the engine's events (so REST answers and pushes never disagree).

use super::book::BookView;
use super::frame::MarketFrame;
use super::{WsCommand, render};
use crate::engine::Event;
use crate::state::{Shared, lock};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Closed, MessageStream, Session};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

const PUBLIC: &[&str] = &["ticker", "trade", "books", "books1", "books5", "books15"];
const PRIVATE: &[&str] = &["account", "positions", "orders", "orders-algo", "fill"];
const MAX_MSGS_PER_SEC: usize = 10;
const MAX_SUB_REQUESTS_PER_HOUR: usize = 240;
const MAX_SUBSCRIPTIONS: usize = 1000;
const MAX_ARGS_BYTES: usize = 4096;

pub(super) struct Sub {
    /// The canonical arg.
    pub(super) arg: Value,
    /// `arg` serialized.
    pub(super) arg_text: String,
    pub(super) channel: String,
    pub(super) inst: String,
}

/// How a connection ends.
pub(super) enum Exit {
    /// Close frame with a reason.
    Close(Option<CloseReason>),
    /// Cut without a close frame.
    Drop,
}

pub(super) struct Conn {
    pub(super) shared: Arc<Shared>,
    pub(super) session: Session,
    pub(super) private: bool,
    pub(super) uid: Option<u64>,
    pub(super) subs: Vec<Sub>,
    pub(super) books: HashMap<String, BookView>,
    pub(super) last_trade: HashMap<String, u64>,
    recent: VecDeque<Instant>,
    sub_requests: VecDeque<Instant>,
    last_ping: Instant,
    opened: Instant,
    pub(super) frozen: bool,
    pub(super) corrupt_next: bool,
}

/// What a connection listens to besides its socket, subscribed (and the connection counted)
/// before the handshake answer goes out, so nothing published after a client sees the
/// connection open can pass it by.
pub struct Feeds {
    /// Engine events (private pushes).
    pub events: broadcast::Receiver<Event>,
    /// Market moves (public connections only).
    pub frames: Option<broadcast::Receiver<Arc<MarketFrame>>>,
    /// Control-plane commands.
    pub control: broadcast::Receiver<WsCommand>,
}

impl Feeds {
    /// Subscribes and counts the connection (`run` uncounts it when it ends).
    pub fn subscribe(shared: &Shared, private: bool) -> Self {
        shared.ws_connections.fetch_add(1, Ordering::SeqCst);
        Self {
            events: shared.events.subscribe(),
            frames: (!private).then(|| shared.frames.subscribe()),
            control: shared.ws_control.subscribe(),
        }
    }
}

/// The next market move, or never for a connection without frames.
async fn next_frame(
    frames: &mut Option<broadcast::Receiver<Arc<MarketFrame>>>,
) -> Result<Arc<MarketFrame>, RecvError> {
    match frames {
        Some(r) => r.recv().await,
        None => std::future::pending().await,
    }
}

/// Serves one connection until it ends.
pub async fn run(
    shared: Arc<Shared>,
    session: Session,
    stream: MessageStream,
    private: bool,
    feeds: Feeds,
) {
    let mut stream = stream.max_frame_size(1 << 16).aggregate_continuations();
    let Feeds {
        mut events,
        mut frames,
        mut control,
    } = feeds;
    let mut check = actix_rt::time::interval(Duration::from_millis(250));
    let mut c = Conn {
        shared: shared.clone(),
        session,
        private,
        uid: None,
        subs: Vec::new(),
        books: HashMap::new(),
        last_trade: HashMap::new(),
        recent: VecDeque::new(),
        sub_requests: VecDeque::new(),
        last_ping: Instant::now(),
        opened: Instant::now(),
        frozen: false,
        corrupt_next: false,
    };
    let exit = loop {
        // Biased, control first: a command the control plane has already answered for takes
        // effect before any frame that arrives after it, however late this task is woken
        // (an unbiased select picked between them at random on a loaded machine).
        tokio::select! {
            biased;
            cmd = control.recv() => if let Ok(cmd) = cmd && let Some(exit) = c.on_command(cmd) { break exit; },
            m = stream.recv() => match m {
                Some(Ok(AggregatedMessage::Text(t))) => match c.on_text(&t).await {
                    Ok(()) => {}
                    Err(exit) => break exit,
                },
                Some(Ok(AggregatedMessage::Ping(b))) if !c.frozen => {
                    if c.session.pong(&b).await.is_err() { break Exit::Drop; }
                }
                Some(Ok(AggregatedMessage::Close(_))) | None | Some(Err(_)) => break Exit::Drop,
                Some(Ok(_)) => {}
            },
            e = events.recv() => match e {
                Ok(ev) => if c.on_event(ev).await.is_err() { break Exit::Drop; },
                Err(RecvError::Lagged(n)) => tracing::debug!(skipped = n, "ws connection lagged; pushes lost"),
                Err(RecvError::Closed) => break Exit::Drop,
            },
            f = next_frame(&mut frames) => match f {
                Ok(f) => if c.on_frame(&f).await.is_err() { break Exit::Drop; },
                Err(RecvError::Lagged(n)) => tracing::debug!(skipped = n, "ws connection lagged; market pushes lost"),
                Err(RecvError::Closed) => break Exit::Drop,
            },
            _ = check.tick() => {
                if let Some(exit) = c.expired() { break exit; }
                c.keep_private_fresh();
            },
        }
    };
    shared.ws_connections.fetch_sub(1, Ordering::SeqCst);
    if let Exit::Close(reason) = exit {
        // The peer may already be gone; nothing to do then.
        let _ = c.session.close(reason).await;
    }
}

pub(super) fn close(code: CloseCode, text: &str) -> Exit {
    Exit::Close(Some(CloseReason {
        code,
        description: Some(text.to_string()),
    }))
}

impl Conn {
    pub(super) async fn send(&mut self, v: &Value) -> Result<(), Closed> {
        self.session.text(v.to_string()).await
    }

    pub(super) async fn error(
        &mut self,
        code: u32,
        msg: &str,
        arg: Option<&Value>,
    ) -> Result<(), Closed> {
        let mut v = json!({ "event": "error", "code": code, "msg": msg });
        if let Some(a) = arg {
            v["arg"] = a.clone();
        }
        self.send(&v).await
    }

    fn expired(&self) -> Option<Exit> {
        let cfg = &self.shared.cfg;
        if self.last_ping.elapsed() > Duration::from_millis(cfg.ws_idle_timeout_ms) {
            return Some(close(CloseCode::Normal, "no ping received"));
        }
        if self.opened.elapsed() > Duration::from_millis(cfg.ws_max_connection_ms) {
            return Some(close(CloseCode::Normal, "connection lifetime reached"));
        }
        None
    }

    /// A logged-in private connection subscribed to account data delivers every change as
    /// it happens: while it is open and answering (not frozen), the private feed is fresh,
    /// whether or not anything changed (a WebSocket-first client reads REST only slowly).
    fn keep_private_fresh(&self) {
        let subscribed = self
            .subs
            .iter()
            .any(|s| s.channel == "account" || s.channel == "positions");
        if self.private && !self.frozen && self.uid.is_some() && subscribed {
            lock(&self.shared.feeds).delivered(true, self.shared.now());
        }
    }

    fn on_command(&mut self, cmd: WsCommand) -> Option<Exit> {
        match cmd {
            WsCommand::Drop(s) if s.covers(self.private) => return Some(Exit::Drop),
            WsCommand::CloseAll(s) if s.covers(self.private) => {
                return Some(close(CloseCode::Away, "forced disconnect"));
            }
            WsCommand::Freeze(s) if s.covers(self.private) => self.frozen = true,
            WsCommand::Unfreeze(s) if s.covers(self.private) => self.frozen = false,
            WsCommand::CorruptBook(s) if s.covers(self.private) => self.corrupt_next = true,
            _ => {}
        }
        None
    }

    async fn on_text(&mut self, text: &str) -> Result<(), Exit> {
        if self.frozen {
            return Ok(());
        }
        let now = Instant::now();
        self.recent.push_back(now);
        while self
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1))
        {
            self.recent.pop_front();
        }
        if self.recent.len() > MAX_MSGS_PER_SEC {
            let _ = self
                .error(30007, "Request over limit,connection close", None)
                .await;
            return Err(close(CloseCode::Policy, "request over limit"));
        }
        if text == "ping" {
            self.last_ping = now;
            return self.session.text("pong").await.map_err(|_| Exit::Drop);
        }
        let Ok(req) = serde_json::from_str::<Value>(text) else {
            return self
                .error(30002, "Illegal request", None)
                .await
                .map_err(|_| Exit::Drop);
        };
        let op = req["op"].as_str().unwrap_or_default().to_ascii_lowercase();
        let args = req["args"].as_array().cloned().unwrap_or_default();
        let sent = match op.as_str() {
            "login" => return self.login(args.first()).await,
            "subscribe" | "unsubscribe" => {
                self.subscribe(op == "subscribe", &req["args"], args).await
            }
            _ => self.error(30003, "Invalid op", None).await,
        };
        sent.map_err(|_| Exit::Drop)
    }

    async fn subscribe(
        &mut self,
        on: bool,
        raw_args: &Value,
        args: Vec<Value>,
    ) -> Result<(), Closed> {
        if raw_args.to_string().len() > MAX_ARGS_BYTES {
            return self
                .error(30016, "Param error: args exceed 4096 bytes", None)
                .await;
        }
        let now = Instant::now();
        self.sub_requests.push_back(now);
        while self
            .sub_requests
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(3600))
        {
            self.sub_requests.pop_front();
        }
        if self.sub_requests.len() > MAX_SUB_REQUESTS_PER_HOUR {
            return self.error(30006, "Request too many", None).await;
        }
        for arg in args {
            match self.resolve(&arg) {
                Err((code, msg)) => self.error(code, &msg, Some(&arg)).await?,
                Ok(sub) if on => {
                    let known = self
                        .subs
                        .iter()
                        .any(|s| s.channel == sub.channel && s.inst == sub.inst);
                    if !known && self.subs.len() >= MAX_SUBSCRIPTIONS {
                        self.error(30006, "Request too many: subscription limit", Some(&arg))
                            .await?;
                        continue;
                    }
                    self.send(&json!({ "event": "subscribe", "arg": sub.arg }))
                        .await?;
                    if !known {
                        self.subs.push(sub);
                        let idx = self.subs.len() - 1;
                        self.initial(idx).await?;
                    }
                }
                Ok(sub) => {
                    self.subs
                        .retain(|s| !(s.channel == sub.channel && s.inst == sub.inst));
                    self.send(&json!({ "event": "unsubscribe", "arg": sub.arg }))
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Checks one subscription argument and returns its canonical form.
    fn resolve(&self, arg: &Value) -> Result<Sub, (u32, String)> {
        let inst_type = arg["instType"].as_str().unwrap_or_default();
        let channel = arg["channel"].as_str().unwrap_or_default().to_string();
        let inst = arg["instId"]
            .as_str()
            .or(arg["coin"].as_str())
            .unwrap_or_default()
            .to_string();
        let missing = || {
            (
                30001,
                format!("instType:{inst_type},channel:{channel},instId:{inst} doesn't exist"),
            )
        };
        if !inst_type.eq_ignore_ascii_case("USDT-FUTURES") {
            return Err(missing());
        }
        let public = PUBLIC.contains(&channel.as_str()) || render::candles_channel(&channel);
        let private = PRIVATE.contains(&channel.as_str());
        if (self.private && !private) || (!self.private && !public) {
            return Err(missing());
        }
        if private && self.uid.is_none() {
            return Err((30004, "User needs to log in".into()));
        }
        let engine = lock(&self.shared.engine);
        let inst = if inst.eq_ignore_ascii_case("default") {
            "default".to_string()
        } else {
            inst.to_ascii_uppercase()
        };
        let symbol_ok = engine.markets.contains_key(&inst);
        if (public && !symbol_ok) || (private && inst != "default" && !symbol_ok) {
            return Err(missing());
        }
        let key = if channel == "account" {
            "coin"
        } else {
            "instId"
        };
        let canon = json!({ "instType": "USDT-FUTURES", "channel": channel, key: inst });
        Ok(Sub {
            arg_text: canon.to_string(),
            arg: canon,
            channel,
            inst,
        })
    }
}
