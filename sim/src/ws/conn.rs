//! One WebSocket connection: keep-alive, message-rate and subscription limits, login, and
//! pushes driven by the engine's events (so REST answers and pushes never disagree).

use super::book::BookView;
use super::{WsCommand, render};
use crate::engine::Event;
use crate::rest::auth::{prehash, signature_ok};
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

struct Sub {
    arg: Value,
    channel: String,
    inst: String,
}

/// How a connection ends.
enum Exit {
    /// Close frame with a reason.
    Close(Option<CloseReason>),
    /// Cut without a close frame.
    Drop,
}

struct Conn {
    shared: Arc<Shared>,
    session: Session,
    private: bool,
    uid: Option<u64>,
    subs: Vec<Sub>,
    books: HashMap<String, BookView>,
    last_trade: HashMap<String, u64>,
    recent: VecDeque<Instant>,
    sub_requests: VecDeque<Instant>,
    last_ping: Instant,
    opened: Instant,
    frozen: bool,
    corrupt_next: bool,
}

/// What a connection listens to besides its socket, subscribed (and the connection counted)
/// before the handshake answer goes out, so nothing published after a client sees the
/// connection open can pass it by.
pub struct Feeds {
    /// Engine events (pushes).
    pub events: broadcast::Receiver<Event>,
    /// Control-plane commands.
    pub control: broadcast::Receiver<WsCommand>,
}

impl Feeds {
    /// Subscribes and counts the connection (`run` uncounts it when it ends).
    pub fn subscribe(shared: &Shared) -> Self {
        shared.ws_connections.fetch_add(1, Ordering::SeqCst);
        Self {
            events: shared.events.subscribe(),
            control: shared.ws_control.subscribe(),
        }
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

fn close(code: CloseCode, text: &str) -> Exit {
    Exit::Close(Some(CloseReason {
        code,
        description: Some(text.to_string()),
    }))
}

impl Conn {
    async fn send(&mut self, v: &Value) -> Result<(), Closed> {
        self.session.text(v.to_string()).await
    }

    async fn error(&mut self, code: u32, msg: &str, arg: Option<&Value>) -> Result<(), Closed> {
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

    async fn login(&mut self, arg: Option<&Value>) -> Result<(), Exit> {
        let failure = match self.check_login(arg) {
            Ok(uid) => {
                self.uid = Some(uid);
                let code = if self.shared.cfg.ws_login_code_numeric {
                    json!(0)
                } else {
                    json!("0")
                };
                return self
                    .send(&json!({ "event": "login", "code": code, "msg": "" }))
                    .await
                    .map_err(|_| Exit::Drop);
            }
            Err(f) => f,
        };
        let _ = self.error(failure.0, failure.1, None).await;
        Err(close(CloseCode::Policy, "login failed"))
    }

    fn check_login(&self, arg: Option<&Value>) -> Result<u64, (u32, &'static str)> {
        if !self.private {
            return Err((30005, "Login failed: public channel"));
        }
        if crate::faults::ws::login_refused(&self.shared) {
            return Err((30005, "Login failed"));
        }
        let a = arg.ok_or((30016, "Param error"))?;
        let field = |k: &str| a[k].as_str().map(str::to_string);
        let key = field("apiKey").ok_or((30011, "Invalid ACCESS_KEY"))?;
        let entry = self
            .shared
            .keys
            .get(&key)
            .ok_or((30011, "Invalid ACCESS_KEY"))?;
        // Live accepts the seconds as a string or a JSON number (a widely used client
        // sends the number); the signature covers the same decimal text either way.
        let ts_text = match &a["timestamp"] {
            Value::String(s) => s.clone(),
            Value::Number(n) if n.is_u64() => n.to_string(),
            _ => return Err((30013, "Invalid ACCESS_TIMESTAMP")),
        };
        let ts: i64 = ts_text
            .parse()
            .map_err(|_| (30013, "Invalid ACCESS_TIMESTAMP"))?;
        if (self.shared.now() / 1000 - ts).abs() > 30 {
            return Err((30014, "Request timestamp expired"));
        }
        if field("passphrase").as_deref() != Some(entry.key.passphrase.as_str()) {
            return Err((30012, "Invalid ACCESS_PASSPHRASE"));
        }
        let sign = field("sign").unwrap_or_default();
        if !signature_ok(
            &entry.key.secret,
            &prehash(&ts_text, "GET", "/user/verify", "", b""),
            &sign,
        ) {
            return Err((30015, "Invalid sign"));
        }
        Ok(entry.uid)
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
            arg: canon,
            channel,
            inst,
        })
    }

    fn push(arg: &Value, action: &str, data: Vec<Value>, now: i64) -> Value {
        json!({ "action": action, "arg": arg, "data": data, "ts": now })
    }

    /// The snapshot sent right after a subscription.
    async fn initial(&mut self, idx: usize) -> Result<(), Closed> {
        let (channel, inst, arg) = (
            self.subs[idx].channel.clone(),
            self.subs[idx].inst.clone(),
            self.subs[idx].arg.clone(),
        );
        let msg = match channel.as_str() {
            "orders" | "orders-algo" | "fill" => None,
            "account" | "positions" => self.private_snapshot(&channel),
            "books" => {
                self.books.insert(inst.clone(), BookView::default());
                self.book_push(&arg, &channel, &inst, true)
            }
            "trade" => {
                let e = lock(&self.shared.engine);
                let m = e.markets.get(&inst);
                let data = m.map(|m| render::trades(m, 0, 50)).unwrap_or_default();
                if let Some(m) = m {
                    self.last_trade
                        .insert(inst.clone(), m.trades.back().map(|t| t.id).unwrap_or(0));
                }
                Some(Self::push(&arg, "snapshot", data, self.shared.now()))
            }
            _ if render::candles_channel(&channel) => {
                self.candle_push(&arg, &channel, &inst, 100, "snapshot")
            }
            _ => self.market_push(&arg, &channel, &inst),
        };
        match msg {
            Some(m) => self.send(&m).await,
            None => Ok(()),
        }
    }

    fn private_snapshot(&self, channel: &str) -> Option<Value> {
        let uid = self.uid?;
        let sub = self.subs.iter().find(|s| s.channel == channel)?;
        let e = lock(&self.shared.engine);
        let data = match channel {
            "account" => vec![render::account(&e, uid)],
            _ => e
                .positions_of(uid)
                .map(|p| render::position(&e, p))
                .collect(),
        };
        Some(Self::push(&sub.arg, "snapshot", data, self.shared.now()))
    }

    fn market_push(&mut self, arg: &Value, channel: &str, inst: &str) -> Option<Value> {
        match channel {
            "ticker" => {
                let e = lock(&self.shared.engine);
                let now = self.shared.now();
                Some(Self::push(
                    arg,
                    "snapshot",
                    vec![render::ticker(e.markets.get(inst)?, now)],
                    now,
                ))
            }
            "books" => self.book_push(arg, channel, inst, false),
            "books1" | "books5" | "books15" => self.book_push(arg, channel, inst, true),
            _ => None,
        }
    }

    fn book_push(
        &mut self,
        arg: &Value,
        channel: &str,
        inst: &str,
        snapshot: bool,
    ) -> Option<Value> {
        let depth: usize = channel
            .trim_start_matches("books")
            .parse()
            .unwrap_or(usize::MAX);
        let (bids, asks) = {
            let e = lock(&self.shared.engine);
            let m = e.markets.get(inst)?;
            (
                m.bids.iter().take(depth).copied().collect::<Vec<_>>(),
                m.asks.iter().take(depth).copied().collect::<Vec<_>>(),
            )
        };
        let mut scratch = BookView::default();
        let view = if channel == "books" {
            self.books.entry(inst.to_string()).or_default()
        } else {
            &mut scratch
        };
        let (b, a, mut checksum, seq, pseq) = view.advance(&bids, &asks, snapshot);
        if self.corrupt_next {
            self.corrupt_next = false;
            checksum = checksum.wrapping_add(1);
        }
        let level = |v: Vec<(String, String)>| {
            v.into_iter()
                .map(|(p, s)| json!([p, s]))
                .collect::<Vec<_>>()
        };
        let now = self.shared.now();
        let mut data =
            json!({ "asks": level(a), "bids": level(b), "seq": seq, "ts": now.to_string() });
        if self.shared.cfg.ws_book_checksum {
            data["checksum"] = json!(checksum);
        }
        if self.shared.cfg.ws_book_pseq && channel == "books" {
            data["pseq"] = json!(pseq);
        }
        let action = if snapshot { "snapshot" } else { "update" };
        Some(Self::push(arg, action, vec![data], now))
    }

    fn candle_push(
        &self,
        arg: &Value,
        channel: &str,
        inst: &str,
        n: usize,
        action: &str,
    ) -> Option<Value> {
        let e = lock(&self.shared.engine);
        let rows = render::candles(e.markets.get(inst)?, channel, n)?;
        Some(Self::push(arg, action, rows, self.shared.now()))
    }

    async fn on_event(&mut self, ev: Event) -> Result<(), Closed> {
        if self.frozen {
            return Ok(());
        }
        let msgs = self.messages_for(&ev);
        if msgs.is_empty() {
            return Ok(());
        }
        let msgs =
            crate::faults::ws::before_push(&self.shared, &self.session, self.private, msgs).await;
        for m in msgs {
            self.send(&m).await?;
        }
        Ok(())
    }

    fn messages_for(&mut self, ev: &Event) -> Vec<Value> {
        let now = self.shared.now();
        let mut out = Vec::new();
        match ev {
            Event::Market(symbol) => {
                let targets: Vec<(Value, String)> = self
                    .subs
                    .iter()
                    .filter(|s| &s.inst == symbol)
                    .map(|s| (s.arg.clone(), s.channel.clone()))
                    .collect();
                for (arg, channel) in targets {
                    let m = match channel.as_str() {
                        "trade" => self.trade_update(&arg, symbol, now),
                        c if render::candles_channel(c) => {
                            self.candle_push(&arg, c, symbol, 1, "update")
                        }
                        c => self.market_push(&arg, c, symbol),
                    };
                    out.extend(m);
                }
            }
            _ if !self.private => {}
            Event::Positions(uid) | Event::Account(uid) if Some(*uid) == self.uid => {
                let channel = if matches!(ev, Event::Account(_)) {
                    "account"
                } else {
                    "positions"
                };
                out.extend(self.private_snapshot(channel));
            }
            Event::Order(o, f) if Some(o.uid) == self.uid => {
                for s in self.subs.iter().filter(|s| {
                    s.channel == "orders" && (s.inst == "default" || s.inst == o.symbol)
                }) {
                    out.push(Self::push(
                        &s.arg,
                        "snapshot",
                        vec![render::order(o, f.as_deref())],
                        now,
                    ));
                }
            }
            Event::Fill(f) if Some(f.uid) == self.uid => {
                for s in self
                    .subs
                    .iter()
                    .filter(|s| s.channel == "fill" && (s.inst == "default" || s.inst == f.symbol))
                {
                    out.push(Self::push(&s.arg, "snapshot", vec![render::fill(f)], now));
                }
            }
            Event::Plan(p) if Some(p.uid) == self.uid => {
                for s in self.subs.iter().filter(|s| {
                    s.channel == "orders-algo" && (s.inst == "default" || s.inst == p.symbol)
                }) {
                    out.push(Self::push(&s.arg, "snapshot", vec![render::plan(p)], now));
                }
            }
            _ => {}
        }
        out
    }

    fn trade_update(&mut self, arg: &Value, symbol: &str, now: i64) -> Option<Value> {
        let e = lock(&self.shared.engine);
        let m = e.markets.get(symbol)?;
        let after = self.last_trade.get(symbol).copied().unwrap_or(0);
        let data = render::trades(m, after, 100);
        let newest = m.trades.back().map(|t| t.id)?;
        drop(e);
        self.last_trade.insert(symbol.to_string(), newest);
        (!data.is_empty()).then(|| Self::push(arg, "update", data, now))
    }
}
