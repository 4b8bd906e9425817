//! The order gate's state and rules without the actor (unit-testable): the trading state, the
//! last account snapshot, the contract minimums, the capital limits and the exposure ledger.
//! `risk_manager::RiskManager` runs it; the check and the reservation happen in one handler.

use crate::events::{AccountSnapshot, ExposedSymbols, TradingState};
use crate::exposure::{ExposureLimits, Ledger};
use crate::intent::{Direction, OrderIntent};
use crate::journal::OrderPhase;
use crate::refusal::Refusal;
use crate::risk_manager::RiskLimits;
use crate::strategy::ContractRules;
use rust_decimal::Decimal;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

/// The gate's state and rules, without the actor (unit-testable).
pub struct Gate {
    pub(crate) limits: RiskLimits,
    pub(crate) exposure_limits: ExposureLimits,
    rules: HashMap<String, ContractRules>,
    pub(crate) state: TradingState,
    snapshot: Option<AccountSnapshot>,
    pub(crate) ledger: Ledger,
    recent: VecDeque<Instant>,
}

impl Gate {
    /// A gate in `state` with no snapshot yet.
    pub fn new(
        limits: RiskLimits,
        rules: HashMap<String, ContractRules>,
        state: TradingState,
    ) -> Self {
        Self {
            exposure_limits: ExposureLimits::from(&limits),
            limits,
            rules,
            state,
            snapshot: None,
            ledger: Ledger::new(),
            recent: VecDeque::new(),
        }
    }

    /// Takes a new account snapshot.
    pub fn observe(&mut self, snap: AccountSnapshot) {
        self.ledger.observe(snap.at);
        self.snapshot = Some(snap);
    }

    /// True when `i` opens exposure and no snapshot young enough to admit it is at hand:
    /// the gate asks for a fresh read before checking it.
    pub fn needs_fresh_snapshot(&self, i: &OrderIntent) -> bool {
        !i.reduce_only
            && self.state == TradingState::Active
            && self
                .snapshot
                .as_ref()
                .is_none_or(|s| s.at.elapsed() > self.limits.max_snapshot_age)
    }

    /// The ledger (read-only).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    fn throttled(&mut self) -> bool {
        let now = Instant::now();
        while self
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1))
        {
            self.recent.pop_front();
        }
        if self.recent.len() >= self.limits.max_intents_per_sec {
            return true;
        }
        self.recent.push_back(now);
        false
    }

    /// The whole rule set; returns the margin the order commits (zero for reduce-only).
    /// Reserving is the caller's next step, with no await in between.
    pub fn check(&mut self, i: &OrderIntent, price: Decimal) -> Result<Decimal, Refusal> {
        if self.throttled() {
            return Err(Refusal::Throttled {
                limit: self.limits.max_intents_per_sec,
            });
        }
        match self.state {
            TradingState::Halted => return Err(Refusal::Halted),
            TradingState::Reducing if !i.reduce_only => return Err(Refusal::Reducing),
            TradingState::Paused if !i.reduce_only => return Err(Refusal::Paused),
            _ => {}
        }
        if i.size <= Decimal::ZERO {
            return Err(Refusal::NonPositiveSize);
        }
        if i.reduce_only {
            return Ok(Decimal::ZERO);
        }
        // A limit order fills at its price or better; a market order at the book, so its
        // margin is estimated with a slippage buffer.
        let px = i
            .limit_price
            .unwrap_or(price * (Decimal::ONE + self.limits.market_slippage));
        if let Some(r) = self.rules.get(&i.symbol) {
            if i.size < r.min_size {
                return Err(Refusal::BelowMinSize {
                    size: i.size,
                    min: r.min_size,
                });
            }
            if i.size * px < r.min_notional {
                return Err(Refusal::BelowMinNotional {
                    notional: i.size * px,
                    min: r.min_notional,
                });
            }
        }
        if i.stop_loss.is_none() {
            return Err(Refusal::NoStopLoss);
        }
        presets_side(i, price)?;
        let Some(snap) = &self.snapshot else {
            return Err(Refusal::NoSnapshot);
        };
        if snap.at.elapsed() > self.limits.max_snapshot_age {
            return Err(Refusal::StaleSnapshot {
                age: snap.at.elapsed(),
            });
        }
        let margin = i.size * px / Decimal::from(self.limits.leverage.max(1));
        self.ledger
            .admit(snap, &i.symbol, margin, &self.exposure_limits)?;
        Ok(margin)
    }

    /// Reserves an approved opening order in the ledger.
    pub fn reserve(&mut self, client_oid: &str, symbol: &str, margin: Decimal) {
        self.ledger
            .reserve(client_oid, symbol, margin, OrderPhase::Intent);
    }

    /// Records an order phase learned at `at` (openings only).
    pub fn record(&mut self, client_oid: &str, symbol: &str, phase: OrderPhase, at: Instant) {
        let ceiling = self.limits.max_position_margin;
        self.ledger.record(client_oid, symbol, phase, at, ceiling);
    }

    /// The symbols exposed now, by the ledger (empty before the first snapshot).
    pub fn exposed(&self) -> ExposedSymbols {
        ExposedSymbols(
            self.snapshot
                .as_ref()
                .map(|s| self.ledger.exposure(s, &self.exposure_limits).symbols)
                .unwrap_or_default(),
        )
    }
}

/// Presets must lie on the right side of the price the order is placed against — its limit
/// price, and the market price the intent was decided on (the side of the book it takes) —
/// or the exchange refuses the whole order: long TP above and SL below, short the reverse.
/// Refused here, nothing is sent.
fn presets_side(i: &OrderIntent, price: Decimal) -> Result<(), Refusal> {
    let long = i.direction == Direction::Buy;
    for against in [i.limit_price, Some(price)].into_iter().flatten() {
        for (trigger, take_profit) in [(i.take_profit, true), (i.stop_loss, false)] {
            let Some(t) = trigger else { continue };
            let right = if long == take_profit {
                t > against
            } else {
                t < against
            };
            if !right {
                return Err(Refusal::PresetWrongSide {
                    which: if take_profit {
                        "take-profit"
                    } else {
                        "stop-loss"
                    },
                    trigger: t,
                    price: against,
                });
            }
        }
    }
    Ok(())
}
