//! The exposure ledger: the one place that answers "which symbols are exposed, how many
//! positions, how much margin is committed". Pure: no I/O, times passed in.
//!
//! It reads the latest account snapshot *and* every opening order not yet proven to be in or
//! out of a snapshot taken after the exchange confirmed it: reserved, written, sent, unknown,
//! acknowledged-but-unseen, resting. An order is confirmed when the exchange told us where
//! it is (acknowledged, found, refused); a snapshot whose read *started* after that instant
//! reflects it (as a resting order, a position, or nothing because it was closed), so from
//! then on the snapshot alone counts it. Orders that are sent or unknown are never retired by
//! a snapshot: the exchange may still apply them.
//!
//! Relies on the snapshot reading open orders before positions (`account_sync::read_account`):
//! an order that fills between the two reads shows as a position, never as nothing.

use crate::events::AccountSnapshot;
use crate::journal::OrderPhase;
use crate::refusal::Refusal;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use tokio::time::Instant;

/// The limits the ledger admits orders against.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureLimits {
    /// Symbols exposed at most.
    pub max_positions: usize,
    /// Margin of one position, USDT.
    pub max_position_margin: Decimal,
    /// Margin committed in all, USDT.
    pub max_total_margin: Decimal,
    /// Leverage (margin = notional / leverage).
    pub leverage: u32,
}

impl Default for ExposureLimits {
    fn default() -> Self {
        Self {
            max_positions: 3,
            max_position_margin: Decimal::ONE,
            max_total_margin: Decimal::TEN,
            leverage: 10,
        }
    }
}

impl ExposureLimits {
    fn leverage(&self) -> Decimal {
        Decimal::from(self.leverage.max(1))
    }
}

/// One opening order the ledger tracks.
#[derive(Debug, Clone, PartialEq)]
pub struct Opening {
    /// Symbol.
    pub symbol: String,
    /// Margin it commits, USDT (estimated; the per-position limit when unknown).
    pub margin: Decimal,
    /// Where it is.
    pub phase: OrderPhase,
    /// When the exchange confirmed it (None while reserved, sent or unknown).
    pub confirmed_at: Option<Instant>,
}

/// What is exposed, by the ledger's rule.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exposure {
    /// Symbols with a position, an opening order, or an opening in flight.
    pub symbols: BTreeSet<String>,
    /// Margin committed, USDT.
    pub margin: Decimal,
}

impl Exposure {
    /// Positions open or about to be (one per exposed symbol).
    pub fn positions(&self) -> usize {
        self.symbols.len()
    }
}

/// Opening orders in flight, keyed by clientOid.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    openings: BTreeMap<String, Opening>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tracks a new opening order (approved or written, not yet confirmed).
    pub fn reserve(&mut self, client_oid: &str, symbol: &str, margin: Decimal, phase: OrderPhase) {
        self.openings.insert(
            client_oid.to_string(),
            Opening {
                symbol: symbol.to_string(),
                margin,
                phase,
                confirmed_at: None,
            },
        );
    }

    /// Records a phase learned `at`; phases only move forward. An opening the ledger does not
    /// know yet (seen after a restart) is tracked with `fallback_margin`.
    pub fn record(
        &mut self,
        client_oid: &str,
        symbol: &str,
        phase: OrderPhase,
        at: Instant,
        fallback_margin: Decimal,
    ) {
        let o = self
            .openings
            .entry(client_oid.to_string())
            .or_insert_with(|| Opening {
                symbol: symbol.to_string(),
                margin: fallback_margin,
                phase: OrderPhase::Intent,
                confirmed_at: None,
            });
        if !o.phase.can_move_to(phase) {
            return;
        }
        o.phase = phase;
        if phase.exchange_confirmed() {
            o.confirmed_at = Some(at);
        }
    }

    /// Forgets an opening that was never sent.
    pub fn forget(&mut self, client_oid: &str) {
        self.openings.remove(client_oid);
    }

    /// Drops the openings a snapshot read from `snapshot_at` on already reflects.
    pub fn observe(&mut self, snapshot_at: Instant) {
        self.openings.retain(|_, o| counts(o, snapshot_at));
    }

    /// The openings still tracked.
    pub fn openings(&self) -> impl Iterator<Item = (&String, &Opening)> {
        self.openings.iter()
    }

    /// Exposure now: the snapshot plus every opening it does not reflect yet. Per symbol the
    /// larger of the two margins counts (the snapshot may already show part of an opening).
    pub fn exposure(&self, snap: &AccountSnapshot, limits: &ExposureLimits) -> Exposure {
        let mut seen: BTreeMap<&str, Decimal> = BTreeMap::new();
        for p in &snap.positions {
            *seen.entry(p.symbol.as_str()).or_default() += p.margin;
        }
        for o in snap.open_orders.iter().filter(|o| !o.reduce_only) {
            let m = match o.price {
                Some(px) => o.remaining * px / limits.leverage(),
                None => limits.max_position_margin,
            };
            *seen.entry(o.symbol.as_str()).or_default() += m;
        }
        let mut flying: BTreeMap<&str, Decimal> = BTreeMap::new();
        for o in self.openings.values().filter(|o| counts(o, snap.at)) {
            *flying.entry(o.symbol.as_str()).or_default() += o.margin;
        }
        let mut out = Exposure::default();
        for sym in seen.keys().chain(flying.keys()) {
            if out.symbols.insert((*sym).to_string()) {
                let a = seen.get(sym).copied().unwrap_or_default();
                let b = flying.get(sym).copied().unwrap_or_default();
                out.margin += a.max(b);
            }
        }
        out
    }

    /// May an opening order of `margin` in `symbol` go now? The exposure rules, in one place.
    pub fn admit(
        &self,
        snap: &AccountSnapshot,
        symbol: &str,
        margin: Decimal,
        limits: &ExposureLimits,
    ) -> Result<(), Refusal> {
        let e = self.exposure(snap, limits);
        if e.symbols.contains(symbol) {
            return Err(Refusal::AlreadyExposed {
                symbol: symbol.to_string(),
            });
        }
        if e.positions() >= limits.max_positions {
            return Err(Refusal::TooManyPositions {
                exposed: e.positions(),
                limit: limits.max_positions,
            });
        }
        if margin > limits.max_position_margin {
            return Err(Refusal::PositionMargin {
                margin,
                limit: limits.max_position_margin,
            });
        }
        if e.margin + margin > limits.max_total_margin {
            return Err(Refusal::TotalMargin {
                total: e.margin + margin,
                limit: limits.max_total_margin,
            });
        }
        Ok(())
    }
}

/// An opening counts until a snapshot read started after the exchange confirmed it.
fn counts(o: &Opening, snapshot_at: Instant) -> bool {
    o.confirmed_at.is_none_or(|c| c >= snapshot_at)
}

#[cfg(test)]
#[path = "exposure_tests.rs"]
mod tests;
