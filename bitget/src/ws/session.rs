//! One socket's lifetime: handshake, login, subscriptions, throttled sends, keep-alive and
//! liveness checks, and dispatch of every frame. Ends with the reason it ended.

use std::collections::{BTreeSet, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_codec::Framed;
use awc::BoxedSocket;
use awc::ws::{Codec, Frame as WsFrame, Message};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use super::ctx::{Cmd, ConnCtx, End};
use super::decode::{Frame, ServerEvent, decode};
use super::events::WsEvent;
use super::metrics;
use super::state::{ConnState, lock};
use super::subscriptions::{SubArg, pack};
use super::throttle::Throttle;

/// Something waiting for its turn in the throttle.
enum Out {
    Ping,
    Text(String),
}

pub(crate) struct Session<'a> {
    pub ctx: &'a ConnCtx,
    framed: Framed<BoxedSocket, Codec>,
    throttle: Throttle,
    outbox: VecDeque<Out>,
    awaiting_pong: Option<Instant>,
    last_ping: Instant,
    pub last_msg: Instant,
    /// [`WsEvent::Quiet`] was reported and no frame has come since.
    quiet: bool,
    login_deadline: Option<Instant>,
    pub live_since: Option<Instant>,
    /// `Some(n)`: this is a reconnect after `n` lost sessions; `None`: first connection.
    attempt: Option<u32>,
}

impl<'a> Session<'a> {
    /// Connects and serves the socket until it is lost or the caller shuts down.
    pub async fn run(
        ctx: &'a ConnCtx,
        subs: &mut BTreeSet<SubArg>,
        cmds: &mut mpsc::UnboundedReceiver<Cmd>,
        attempt: Option<u32>,
    ) -> End {
        let framed = match connect(ctx).await {
            Ok(f) => f,
            Err(e) => return End::lost(format!("connect failed: {e}"), None),
        };
        let now = Instant::now();
        let mut s = Session {
            ctx,
            framed,
            throttle: Throttle::new(ctx.cfg.max_messages_per_sec),
            outbox: VecDeque::new(),
            awaiting_pong: None,
            last_ping: now,
            last_msg: now,
            quiet: false,
            login_deadline: None,
            live_since: None,
            attempt,
        };
        s.touch(now);
        match (ctx.private, &ctx.creds) {
            (true, Some(c)) => {
                let ts = match &ctx.cfg.login_clock {
                    Some(c) => (c.0.now_ms() / 1000).to_string(),
                    None => SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or_default()
                        .to_string(),
                };
                s.outbox.push_back(Out::Text(c.ws_login_message(&ts)));
                s.login_deadline = Some(now + ctx.cfg.login_timeout);
            }
            _ => s.go_live(subs),
        }
        let end = s.serve(subs, cmds).await;
        if matches!(end, End::Shutdown) {
            // Best effort: the peer may be gone already.
            let _ = s.framed.close().await;
        }
        end
    }

    async fn serve(
        &mut self,
        subs: &mut BTreeSet<SubArg>,
        cmds: &mut mpsc::UnboundedReceiver<Cmd>,
    ) -> End {
        loop {
            let now = Instant::now();
            let ready = self.throttle.ready_at(now);
            let pending = !self.outbox.is_empty();
            let due = self.next_check(now);
            let r = tokio::select! {
                f = self.framed.next() => match f {
                    Some(Ok(frame)) => self.on_frame(frame, subs).await,
                    Some(Err(e)) => Err(End::lost(format!("protocol error: {e}"), self.live_since)),
                    None => Err(End::lost("socket closed without a close frame", self.live_since)),
                },
                c = cmds.recv() => self.on_cmd(c, subs),
                () = sleep_until(ready), if pending => self.flush_one().await,
                () = sleep_until(due) => self.check(),
            };
            if let Err(end) = r {
                return end;
            }
        }
    }

    fn touch(&mut self, now: Instant) {
        self.last_msg = now;
        if self.quiet {
            self.quiet = false;
            self.ctx.emit(WsEvent::Heard { conn: self.ctx.id });
        }
        if let Some(e) = lock(&self.ctx.shared).entry(self.ctx.id) {
            e.last_msg = Some(now);
        }
    }

    /// Logged in (or public): send every held subscription and report the connection.
    fn go_live(&mut self, subs: &BTreeSet<SubArg>) {
        let now = Instant::now();
        self.live_since = Some(now);
        self.login_deadline = None;
        self.send_subs(
            "subscribe",
            subs.iter().cloned().collect::<Vec<_>>().as_slice(),
        );
        self.ctx.set_state(ConnState::Live);
        let conn = self.ctx.id;
        match self.attempt {
            None => self.ctx.emit(WsEvent::Connected { conn }),
            Some(attempt) => {
                metrics::reconnect(self.ctx.private);
                if let Some(e) = lock(&self.ctx.shared).entry(conn) {
                    e.reconnects += 1;
                }
                tracing::info!(conn, attempt, "websocket reconnected and resubscribing");
                self.ctx.emit(WsEvent::Reconnected { conn, attempt });
            }
        }
    }

    pub fn send_subs(&mut self, op: &str, args: &[SubArg]) {
        let cfg = &self.ctx.cfg;
        for m in pack(op, args, cfg.max_args_per_message, cfg.max_args_bytes) {
            self.outbox.push_back(Out::Text(m));
        }
    }

    async fn flush_one(&mut self) -> Result<(), End> {
        let Some(out) = self.outbox.pop_front() else {
            return Ok(());
        };
        let now = Instant::now();
        let text = match out {
            Out::Ping => {
                self.awaiting_pong = Some(now);
                self.last_ping = now;
                "ping".to_owned()
            }
            Out::Text(t) => t,
        };
        self.throttle.record(now);
        self.framed
            .send(Message::Text(text.into()))
            .await
            .map_err(|e| End::lost(format!("send failed: {e}"), self.live_since))
    }

    fn on_cmd(&mut self, c: Option<Cmd>, subs: &mut BTreeSet<SubArg>) -> Result<(), End> {
        let (args, on) = match c {
            Some(Cmd::Subscribe(a)) => (a, true),
            Some(Cmd::Unsubscribe(a)) => (a, false),
            Some(Cmd::Shutdown) | None => return Err(End::Shutdown),
        };
        self.ctx.track(subs, &args, on);
        if self.live_since.is_some() {
            self.send_subs(if on { "subscribe" } else { "unsubscribe" }, &args);
        }
        Ok(())
    }

    /// When [`Self::check`] next has something to do: the next ping, the pong, quiet, idle
    /// and login deadlines, and at least once a second (the message-age gauge) on the
    /// process's shared grid, where the other once-a-second timers wake too. Sleeping until
    /// then, not polling, keeps an idle connection from waking the process for nothing.
    fn next_check(&self, now: Instant) -> Instant {
        let cfg = &self.ctx.cfg;
        let tick = Duration::from_millis(1);
        let mut at = crate::timer_grid::next_tick(now, Duration::from_secs(1));
        let queued = self.outbox.iter().any(|o| matches!(o, Out::Ping));
        if !queued && self.awaiting_pong.is_none() {
            at = at.min(self.last_ping + cfg.ping_interval_for(self.ctx.private));
        }
        if let Some(sent) = self.awaiting_pong {
            at = at.min(sent + cfg.pong_timeout + tick);
        }
        at = at.min(self.last_msg + cfg.idle_timeout + tick);
        if self.live_since.is_some() && !self.quiet {
            at = at.min(self.last_msg + cfg.quiet_after_for(self.ctx.private) + tick);
        }
        if let Some(d) = self.login_deadline {
            at = at.min(d + tick);
        }
        at
    }

    /// Keep-alive schedule and the liveness limits.
    fn check(&mut self) -> Result<(), End> {
        let now = Instant::now();
        let cfg = &self.ctx.cfg;
        let queued = self.outbox.iter().any(|o| matches!(o, Out::Ping));
        if !queued
            && self.awaiting_pong.is_none()
            && now.duration_since(self.last_ping) >= cfg.ping_interval_for(self.ctx.private)
        {
            self.outbox.push_front(Out::Ping);
        }
        let age = now.saturating_duration_since(self.last_msg);
        metrics::message_age(self.ctx.id, self.ctx.private, age.as_secs_f64());
        if self.live_since.is_some() && !self.quiet && age >= cfg.quiet_after_for(self.ctx.private)
        {
            self.quiet = true;
            self.ctx.emit(WsEvent::Quiet {
                conn: self.ctx.id,
                silent_for: age,
            });
        }
        if let Some(sent) = self.awaiting_pong
            && now.saturating_duration_since(sent) > cfg.pong_timeout
        {
            return Err(End::lost(
                format!("no pong within {:?}", cfg.pong_timeout),
                self.live_since,
            ));
        }
        if age > cfg.idle_timeout {
            return Err(End::lost(format!("silent for {age:?}"), self.live_since));
        }
        if self.login_deadline.is_some_and(|d| now > d) {
            return Err(End::lost("no answer to login", None));
        }
        Ok(())
    }

    async fn on_frame(&mut self, frame: WsFrame, subs: &mut BTreeSet<SubArg>) -> Result<(), End> {
        self.touch(Instant::now());
        match frame {
            WsFrame::Text(b) => match std::str::from_utf8(&b) {
                Ok(t) => self.on_text(t, subs),
                Err(e) => {
                    metrics::decode_error(self.ctx.private);
                    tracing::warn!(conn = self.ctx.id, error = %e, "non-UTF-8 text frame skipped");
                    Ok(())
                }
            },
            WsFrame::Ping(b) => self
                .framed
                .send(Message::Pong(b))
                .await
                .map_err(|e| End::lost(format!("send failed: {e}"), self.live_since)),
            WsFrame::Close(reason) => Err(End::lost(
                format!("closed by server: {reason:?}"),
                self.live_since,
            )),
            WsFrame::Pong(_) => Ok(()),
            WsFrame::Binary(_) | WsFrame::Continuation(_) => {
                tracing::warn!(conn = self.ctx.id, "binary/continuation frame skipped");
                Ok(())
            }
        }
    }

    fn on_text(&mut self, text: &str, subs: &mut BTreeSet<SubArg>) -> Result<(), End> {
        match decode(text) {
            Ok(Frame::Pong) => {
                self.awaiting_pong = None;
                Ok(())
            }
            Ok(Frame::Event(ev)) => self.on_event(ev, subs),
            Ok(Frame::Push(p)) => {
                self.on_push(p);
                Ok(())
            }
            Err(e) => {
                metrics::decode_error(self.ctx.private);
                tracing::warn!(conn = self.ctx.id, reason = %e.reason, frame = %e.excerpt, "undecodable frame skipped");
                Ok(())
            }
        }
    }

    fn on_event(&mut self, ev: ServerEvent, subs: &mut BTreeSet<SubArg>) -> Result<(), End> {
        let conn = self.ctx.id;
        let logging_in = self.login_deadline.is_some();
        match ev {
            ServerEvent::Login { code: 0, .. } if logging_in => {
                self.ctx.emit(WsEvent::LoggedIn { conn });
                self.go_live(subs);
            }
            ServerEvent::Login { code, msg } | ServerEvent::Error { code, msg, .. } => {
                tracing::warn!(conn, code, %msg, logging_in, "websocket error event");
                self.ctx.emit(WsEvent::Error {
                    conn,
                    code,
                    msg: msg.clone(),
                });
                if logging_in {
                    return Err(End::Lost {
                        reason: format!("login rejected: {code} {msg}"),
                        live_for: None,
                        login_rejected: true,
                    });
                }
            }
            ServerEvent::Subscribed(arg) => self.ctx.emit(WsEvent::Subscribed { conn, arg }),
            ServerEvent::Unsubscribed(arg) => self.ctx.emit(WsEvent::Unsubscribed { conn, arg }),
        }
        Ok(())
    }
}

async fn connect(ctx: &ConnCtx) -> Result<Framed<BoxedSocket, Codec>, String> {
    // Idempotent; fails harmlessly when a provider is already installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cfg = &ctx.cfg;
    let client = awc::Client::builder()
        .connector(awc::Connector::new().timeout(cfg.connect_timeout))
        .timeout(cfg.connect_timeout)
        .finish();
    let fut = client
        .ws(ctx.url())
        .max_frame_size(cfg.max_frame_size)
        .connect();
    match tokio::time::timeout(cfg.connect_timeout, fut).await {
        Ok(Ok((_resp, framed))) => Ok(framed),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no handshake within {:?}", cfg.connect_timeout)),
    }
}
