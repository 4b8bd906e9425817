//! MarketFeed: publishes typed market ticks to subscribers, each marked with when it arrived
//! so receivers can judge its age. The public WebSocket `ticker` channel is the primary path;
//! while the socket is down or silent beyond `ws_stale_after`, the feed falls back to REST
//! polling of `tickers` (one call for all symbols, inside the 20/s budget) and switches back
//! as soon as pushes flow again.

use crate::events::{ConnectionEvent, ConnectionKind, FeedSource, Heartbeat, MarketTick};
use actix::prelude::*;
use std::time::Duration;
use tokio::time::Instant;
use viper_bitget::RestClient;
use viper_bitget::ws::{PushData, SubArg, WsClient, WsConfig, WsEvent, WsHandle};

/// Where ticks go.
#[derive(Clone, Default)]
pub struct TickSinks {
    /// Receivers of every tick.
    pub ticks: Vec<Recipient<MarketTick>>,
    /// Heartbeat receiver.
    pub heartbeat: Option<Recipient<Heartbeat>>,
    /// Connection state changes (for uptime and reconnect counts).
    pub connections: Vec<Recipient<ConnectionEvent>>,
}

/// The market feed actor.
pub struct MarketFeed {
    rest: RestClient,
    symbols: Vec<String>,
    every: Duration,
    sinks: TickSinks,
    busy: bool,
    ws: Option<WsConfig>,
    ws_handle: Option<WsHandle>,
    ws_stale_after: Duration,
    last_ws_tick: Option<Instant>,
    /// The next `Poll`: in `every` while polling, or when the socket's pushes would turn
    /// stale while they flow (so a live feed wakes the actor once per staleness period,
    /// not once per `every`).
    next_poll: Option<SpawnHandle>,
}

impl MarketFeed {
    /// Polls `symbols` by REST every `every`; with `ws`, REST is only the fallback.
    pub fn new(
        rest: RestClient,
        symbols: Vec<String>,
        every: Duration,
        sinks: TickSinks,
        ws: Option<WsConfig>,
    ) -> Self {
        Self {
            rest,
            symbols,
            every,
            sinks,
            busy: false,
            ws,
            ws_handle: None,
            ws_stale_after: Duration::from_millis(1500),
            last_ws_tick: None,
            next_poll: None,
        }
    }

    /// Replaces the pending `Poll` with one in `after`.
    fn poll_in(&mut self, ctx: &mut Context<Self>, after: Duration) {
        if let Some(h) = self.next_poll.take() {
            ctx.cancel_future(h);
        }
        self.next_poll = Some(ctx.run_later(after, |_, ctx| ctx.notify(Poll)));
    }

    fn ws_live(&self) -> bool {
        self.last_ws_tick
            .is_some_and(|t| t.elapsed() < self.ws_stale_after)
    }

    fn publish(&self, tick: MarketTick) {
        for s in &self.sinks.ticks {
            // Best effort: a full mailbox drops a tick, the next one supersedes it.
            let _ = s.try_send(tick.clone());
        }
    }

    fn beat(&self) {
        if let Some(h) = &self.sinks.heartbeat {
            let _ = h.try_send(Heartbeat {
                actor: "market_feed",
                ws_message_age: self.ws_handle.as_ref().and_then(|w| w.message_age()),
            });
        }
    }

    fn connection(&self, kind: ConnectionKind) {
        for c in &self.sinks.connections {
            let _ = c.try_send(ConnectionEvent {
                connection: "ws_public",
                kind,
            });
        }
    }
}

impl Actor for MarketFeed {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        tracing::info!(actor = "market_feed", symbols = ?self.symbols, ws = self.ws.is_some(), "started");
        if let Some(cfg) = self.ws.clone() {
            let subs = self.symbols.iter().map(|s| SubArg::ticker(s)).collect();
            match WsClient::start(cfg, subs, None) {
                Ok((handle, rx)) => {
                    self.ws_handle = Some(handle);
                    ctx.add_stream(futures_util::stream::unfold(rx, |mut rx| async move {
                        rx.recv().await.map(|e| (e, rx))
                    }));
                }
                Err(e) => {
                    tracing::error!(actor = "market_feed", error = %e, "WebSocket feed not started; REST only")
                }
            }
        }
        ctx.notify(Poll);
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        if let Some(h) = self.ws_handle.take() {
            h.shutdown();
        }
    }
}

impl StreamHandler<WsEvent> for MarketFeed {
    fn handle(&mut self, ev: WsEvent, ctx: &mut Self::Context) {
        match ev {
            WsEvent::Push(p) => {
                let PushData::Ticker(tickers) = p.data else {
                    return;
                };
                let now = Instant::now();
                self.last_ws_tick = Some(now);
                for t in tickers {
                    self.publish(MarketTick {
                        symbol: t.inst_id.clone(),
                        last: t.last_pr.0,
                        bid: t.bid_pr.map(|x| x.0),
                        ask: t.ask_pr.map(|x| x.0),
                        mark: t.mark_price.map(|x| x.0),
                        exchange_ts_ms: t.ts.or(p.ts).unwrap_or_default(),
                        received: now,
                        source: FeedSource::WebSocket,
                    });
                }
                self.beat();
            }
            WsEvent::Connected { .. } => self.connection(ConnectionKind::Connected),
            WsEvent::Reconnected { attempt, .. } => {
                tracing::warn!(
                    actor = "market_feed",
                    attempt,
                    "public WebSocket reconnected and resubscribed"
                );
                self.connection(ConnectionKind::Reconnected);
            }
            WsEvent::Disconnected { reason, .. } => {
                tracing::warn!(actor = "market_feed", %reason, "public WebSocket lost; REST fallback until it is back");
                self.last_ws_tick = None;
                self.connection(ConnectionKind::Disconnected);
                // REST takes over now, not at the next scheduled check.
                ctx.notify(Poll);
            }
            _ => {}
        }
    }

    fn finished(&mut self, _: &mut Self::Context) {
        tracing::warn!(
            actor = "market_feed",
            "WebSocket event stream ended; REST fallback only"
        );
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Poll;

/// Chaos hook: makes an actor (the feed, the router) panic inside a handler, to prove that
/// supervision covers panics.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct InjectPanic;

impl Handler<InjectPanic> for MarketFeed {
    type Result = ();
    #[allow(clippy::panic)]
    fn handle(&mut self, _: InjectPanic, _: &mut Self::Context) {
        panic!("market_feed: injected panic");
    }
}

impl Handler<Poll> for MarketFeed {
    type Result = ResponseActFuture<Self, ()>;
    fn handle(&mut self, _: Poll, ctx: &mut Self::Context) -> Self::Result {
        let stale_in = self.last_ws_tick.and_then(|t| {
            self.ws_stale_after
                .checked_sub(t.elapsed())
                .filter(|d| !d.is_zero())
        });
        match stale_in {
            // Live: look again when the pushes would have gone stale.
            Some(d) => self.poll_in(ctx, d + Duration::from_millis(1)),
            None => self.poll_in(ctx, self.every),
        }
        if self.busy || self.ws_live() {
            return Box::pin(fut::ready(()));
        }
        if self.ws.is_some() {
            metrics::counter!("viper_feed_rest_fallback_polls_total").increment(1);
        }
        self.busy = true;
        let (rest, symbols) = (self.rest.clone(), self.symbols.clone());
        let job = async move {
            let refs: Vec<&str> = symbols.iter().map(String::as_str).collect();
            rest.tickers_for(&refs).await
        };
        Box::pin(job.into_actor(self).map(|res, act, _| {
            act.busy = false;
            let tickers = match res {
                Ok(t) => t,
                Err(e) => {
                    metrics::counter!("viper_feed_failures_total", "class" => e.class())
                        .increment(1);
                    tracing::warn!(actor = "market_feed", error = %e, "ticker poll failed");
                    return;
                }
            };
            // WebSocket pushes may have resumed while this poll was in flight.
            if act.ws_live() {
                return;
            }
            let now = Instant::now();
            for t in tickers {
                act.publish(MarketTick {
                    symbol: t.symbol.clone(),
                    last: t.last_pr.0,
                    bid: t.bid_pr.map(|p| p.0),
                    ask: t.ask_pr.map(|p| p.0),
                    mark: t.mark_price.map(|p| p.0),
                    exchange_ts_ms: t.ts,
                    received: now,
                    source: FeedSource::RestPoll,
                });
            }
            act.beat();
        }))
    }
}

impl Handler<crate::supervisor::Retire> for MarketFeed {
    type Result = ();
    fn handle(&mut self, _: crate::supervisor::Retire, ctx: &mut Self::Context) {
        ctx.stop();
    }
}
