//! MarketFeed: publishes typed market ticks to subscribers, each marked with when it arrived
//! so receivers can judge its age. Today it polls REST `tickers` (one call for all symbols,
//! inside the 20/s public budget); the WebSocket path plugs in beside it.

use crate::events::{FeedSource, Heartbeat, MarketTick};
use actix::prelude::*;
use std::time::Duration;
use tokio::time::Instant;
use viper_bitget::RestClient;

/// Where ticks go.
#[derive(Clone, Default)]
pub struct TickSinks {
    /// Receivers of every tick.
    pub ticks: Vec<Recipient<MarketTick>>,
    /// Heartbeat receiver.
    pub heartbeat: Option<Recipient<Heartbeat>>,
}

/// The market feed actor.
pub struct MarketFeed {
    rest: RestClient,
    symbols: Vec<String>,
    every: Duration,
    sinks: TickSinks,
    busy: bool,
}

impl MarketFeed {
    /// Polls `symbols` every `every`.
    pub fn new(rest: RestClient, symbols: Vec<String>, every: Duration, sinks: TickSinks) -> Self {
        Self {
            rest,
            symbols,
            every,
            sinks,
            busy: false,
        }
    }
}

impl Actor for MarketFeed {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        tracing::info!(actor = "market_feed", symbols = ?self.symbols, "started");
        ctx.notify(Poll);
        ctx.run_interval(self.every, |_, ctx| ctx.notify(Poll));
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Poll;

/// Chaos hook: makes the feed panic inside a handler (to prove supervision covers panics).
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
    fn handle(&mut self, _: Poll, _: &mut Self::Context) -> Self::Result {
        if self.busy {
            return Box::pin(fut::ready(()));
        }
        self.busy = true;
        let (rest, symbols) = (self.rest.clone(), self.symbols.clone());
        Box::pin(
            async move {
                let refs: Vec<&str> = symbols.iter().map(String::as_str).collect();
                rest.tickers_for(&refs).await
            }
            .into_actor(self)
            .map(|res, act, _| {
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
                let now = Instant::now();
                for t in tickers {
                    let tick = MarketTick {
                        symbol: t.symbol.clone(),
                        last: t.last_pr.0,
                        bid: t.bid_pr.map(|p| p.0),
                        ask: t.ask_pr.map(|p| p.0),
                        mark: t.mark_price.map(|p| p.0),
                        exchange_ts_ms: t.ts,
                        received: now,
                        source: FeedSource::RestPoll,
                    };
                    for s in &act.sinks.ticks {
                        // Best effort: a full mailbox drops a tick, the next one supersedes it.
                        let _ = s.try_send(tick.clone());
                    }
                }
                if let Some(h) = &act.sinks.heartbeat {
                    let _ = h.try_send(Heartbeat {
                        actor: "market_feed",
                    });
                }
            }),
        )
    }
}
