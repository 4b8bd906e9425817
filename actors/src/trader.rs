//! The Trader hosts a strategy: fresh market ticks in, intents to the order gate (the
//! RiskManager), which sends the approved ones on to the OrderRouter; the Trader only hears
//! the outcome. Stale ticks are never traded on.

use crate::events::{ExposedSymbols, MarketTick};
use crate::risk_manager::{Submit, SubmitError};
use crate::strategy::{ContractRules, Strategy, StrategyView};
use actix::prelude::*;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Counters of what the trader did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraderStats {
    /// Intents the strategy produced.
    pub intents: u64,
    /// Refused by risk.
    pub refused: u64,
    /// Sent to the router.
    pub placed: u64,
    /// Router errors.
    pub failed: u64,
    /// Ticks skipped as stale.
    pub stale_ticks: u64,
}

/// Ask for the counters.
#[derive(Debug, Message)]
#[rtype(result = "TraderStats")]
pub struct GetTraderStats;

/// The trader actor.
pub struct Trader {
    strategy: Box<dyn Strategy>,
    gate: Recipient<Submit>,
    rules: HashMap<String, ContractRules>,
    exposed: HashSet<String>,
    in_flight: HashSet<String>,
    max_tick_age: Duration,
    stats: TraderStats,
}

impl Trader {
    /// New trader; intents go to `gate`.
    pub fn new(
        strategy: Box<dyn Strategy>,
        gate: Recipient<Submit>,
        rules: HashMap<String, ContractRules>,
        max_tick_age: Duration,
    ) -> Self {
        Self {
            strategy,
            gate,
            rules,
            exposed: HashSet::new(),
            in_flight: HashSet::new(),
            max_tick_age,
            stats: TraderStats::default(),
        }
    }
}

impl Actor for Trader {
    type Context = Context<Self>;
}

/// The exposure ledger's symbols, as the gate publishes them.
impl Handler<ExposedSymbols> for Trader {
    type Result = ();
    fn handle(&mut self, m: ExposedSymbols, _: &mut Self::Context) {
        self.exposed = m.0.into_iter().collect();
    }
}

impl Handler<GetTraderStats> for Trader {
    type Result = MessageResult<GetTraderStats>;
    fn handle(&mut self, _: GetTraderStats, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.stats.clone())
    }
}

impl Handler<MarketTick> for Trader {
    type Result = ();
    fn handle(&mut self, tick: MarketTick, ctx: &mut Self::Context) {
        if tick.age() > self.max_tick_age {
            self.stats.stale_ticks += 1;
            return;
        }
        let view = StrategyView {
            exposed: self.exposed.contains(&tick.symbol) || self.in_flight.contains(&tick.symbol),
            rules: self.rules.get(&tick.symbol),
        };
        let Some(intent) = self.strategy.on_tick(&tick, &view) else {
            return;
        };
        self.stats.intents += 1;
        self.in_flight.insert(tick.symbol.clone());
        let (gate, symbol) = (self.gate.clone(), tick.symbol.clone());
        let job = async move {
            // The reference is the side of the book a market order takes.
            let price = match intent.direction {
                crate::intent::Direction::Buy => tick.ask.unwrap_or(tick.last),
                crate::intent::Direction::Sell => tick.bid.unwrap_or(tick.last),
            };
            match gate.send(Submit { intent, price }).await {
                Ok(Ok(p)) => {
                    tracing::info!(actor = "trader", client_oid = %p.client_oid, phase = p.phase.as_str(), "order sent");
                    Outcome::Placed
                }
                Ok(Err(SubmitError::Refused(_))) => Outcome::Refused,
                Ok(Err(e)) => {
                    tracing::warn!(actor = "trader", error = %e, "order not placed");
                    Outcome::Failed
                }
                Err(e) => {
                    tracing::error!(actor = "trader", error = %e, "order gate unreachable");
                    Outcome::Failed
                }
            }
        };
        ctx.spawn(job.into_actor(self).map(move |out, act, _| {
            act.in_flight.remove(&symbol);
            match out {
                Outcome::Refused => act.stats.refused += 1,
                Outcome::Placed => act.stats.placed += 1,
                Outcome::Failed => act.stats.failed += 1,
            }
        }));
    }
}

enum Outcome {
    Refused,
    Placed,
    Failed,
}
