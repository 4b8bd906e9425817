//! What the control plane's `/sim/v1/audit` reports, computed from the engine's own state and
//! independent of any client: position lifetimes with the periods each had a stop-loss and
//! take-profit, exposure high-water marks, liquidations and refused requests.

use crate::engine::types::Hold;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One period `[from, to)`; `to` is None while it lasts.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// Start, ms.
    pub from: i64,
    /// End, ms.
    pub to: Option<i64>,
}

/// The life of one position.
#[derive(Debug, Clone, Serialize)]
pub struct PositionLife {
    /// Account.
    pub uid: u64,
    /// Symbol.
    pub symbol: String,
    /// `long` / `short`.
    pub hold_side: &'static str,
    /// Opened, ms.
    pub opened: i64,
    /// Closed, ms.
    pub closed: Option<i64>,
    /// Periods with a live stop-loss.
    pub stop_loss: Vec<Period>,
    /// Periods with a live take-profit.
    pub take_profit: Vec<Period>,
    /// Liquidated at this mark price.
    pub liquidated_at: Option<Decimal>,
    /// clientOids of the orders whose fills opened or increased it, in order.
    pub opened_by: Vec<String>,
}

impl PositionLife {
    /// Periods the position was open without a stop-loss.
    pub fn unprotected(&self) -> Vec<Period> {
        let mut out = Vec::new();
        let mut cursor = self.opened;
        for p in &self.stop_loss {
            if p.from > cursor {
                out.push(Period {
                    from: cursor,
                    to: Some(p.from),
                });
            }
            match p.to {
                Some(t) => cursor = cursor.max(t),
                None => return out,
            }
        }
        match self.closed {
            Some(c) if c > cursor => out.push(Period {
                from: cursor,
                to: Some(c),
            }),
            Some(_) => {}
            None => out.push(Period {
                from: cursor,
                to: None,
            }),
        }
        out
    }
}

/// Exposure high-water marks of one account.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Exposure {
    /// Largest margin of a single position.
    pub max_position_margin: Decimal,
    /// Largest total margin in use (positions plus resting opening orders).
    pub max_total_margin: Decimal,
    /// Most positions open at once.
    pub max_positions: usize,
    /// Highest leverage of an open position.
    pub max_leverage: u32,
    /// Lowest equity seen after a fill.
    pub min_equity: Option<Decimal>,
}

/// One change of an account's exposure: the timeline from which limit breaches and their
/// durations are read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposurePoint {
    /// Time, ms.
    pub ts: i64,
    /// Account.
    pub uid: u64,
    /// Open positions.
    pub positions: usize,
    /// Largest margin of one position.
    pub max_position_margin: Decimal,
    /// Margin of positions plus resting opening orders.
    pub total_margin: Decimal,
}

/// A request the exchange refused.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    /// Time, ms.
    pub ts: i64,
    /// Account, if authenticated.
    pub uid: Option<u64>,
    /// Path.
    pub path: String,
    /// Bitget code.
    pub code: String,
    /// Message.
    pub msg: String,
    /// Answered by an injected fault, not by the exchange's own rules.
    pub injected: bool,
    /// When the request arrived, ms (before any injected delay).
    pub arrived: i64,
    /// Injected delay before the request was handled, ms.
    pub delay_ms: u64,
    /// For a TP/SL trigger on the wrong side of the price (40915, 40917, 40833, 45122):
    /// whether it was on the right side of the same prices as they stood when the request
    /// arrived. None for other refusals, or when those prices are no longer kept.
    pub valid_at_arrival: Option<bool>,
    /// Valid at arrival: the market moved through the trigger while the request was in
    /// flight, so the client could not have prevented the refusal.
    pub raced: bool,
}

/// One emergency: equity fell below the audit floor; when did orders and positions go?
#[derive(Debug, Clone, Serialize)]
pub struct EmergencyTimeline {
    /// Account.
    pub uid: u64,
    /// When equity was first seen below the floor, ms.
    pub breached_at: i64,
    /// Equity then.
    pub equity: Decimal,
    /// When no normal order and no non-stop plan remained, ms.
    pub orders_cleared_at: Option<i64>,
    /// When no position remained, ms.
    pub flat_at: Option<i64>,
}

/// The audit trail.
#[derive(Debug, Default)]
pub struct Audit {
    /// Equity floor that opens an emergency timeline (config `audit_equity_floor`).
    pub equity_floor: Decimal,
    /// Emergency timelines, oldest first.
    pub emergencies: Vec<EmergencyTimeline>,
    below: BTreeMap<u64, bool>,
    /// Every position ever opened, in order.
    pub positions: Vec<PositionLife>,
    /// `(uid, symbol, hold)` → index in `positions` of the life still open, so finding it
    /// does not scan every position the exchange has ever seen.
    open_lives: HashMap<(u64, String, &'static str), usize>,
    /// Exposure per account.
    pub exposure: BTreeMap<u64, Exposure>,
    /// Refused requests (newest last, bounded).
    pub refusals: Vec<Refusal>,
    /// Exposure changes, oldest first (bounded).
    pub exposure_timeline: Vec<ExposurePoint>,
}

const MAX_REFUSALS: usize = 10_000;
const MAX_TIMELINE: usize = 200_000;

impl Audit {
    /// An empty audit with an emergency equity floor.
    pub fn with_floor(floor: Decimal) -> Self {
        Self {
            equity_floor: floor,
            ..Self::default()
        }
    }

    fn open_life(&mut self, uid: u64, symbol: &str, hold: Hold) -> Option<&mut PositionLife> {
        let at = *self
            .open_lives
            .get(&(uid, symbol.to_string(), hold.as_str()))?;
        self.positions.get_mut(at).filter(|l| l.closed.is_none())
    }

    /// A position opened.
    pub fn position_opened(&mut self, uid: u64, symbol: &str, hold: Hold, now: i64) {
        self.open_lives.insert(
            (uid, symbol.to_string(), hold.as_str()),
            self.positions.len(),
        );
        self.positions.push(PositionLife {
            uid,
            symbol: symbol.to_string(),
            hold_side: hold.as_str(),
            opened: now,
            closed: None,
            stop_loss: Vec::new(),
            take_profit: Vec::new(),
            liquidated_at: None,
            opened_by: Vec::new(),
        });
    }

    /// A position closed.
    pub fn position_closed(&mut self, uid: u64, symbol: &str, hold: Hold, now: i64) {
        if let Some(l) = self.open_life(uid, symbol, hold) {
            l.closed = Some(now);
            for p in l.stop_loss.iter_mut().chain(l.take_profit.iter_mut()) {
                p.to.get_or_insert(now);
            }
        }
        self.open_lives
            .remove(&(uid, symbol.to_string(), hold.as_str()));
    }

    /// An order's fill opened or increased the position.
    pub fn opening_fill(&mut self, uid: u64, symbol: &str, hold: Hold, client_oid: &str) {
        if let Some(l) = self.open_life(uid, symbol, hold)
            && !l.opened_by.iter().any(|c| c == client_oid)
        {
            l.opened_by.push(client_oid.to_string());
        }
    }

    /// A position was liquidated at `mark`.
    pub fn liquidation(&mut self, uid: u64, symbol: &str, hold: Hold, mark: Decimal, _now: i64) {
        if let Some(l) = self.open_life(uid, symbol, hold) {
            l.liquidated_at = Some(mark);
        }
    }

    /// The position's current protection; opens or closes periods as it changes.
    pub fn protection(&mut self, uid: u64, symbol: &str, hold: Hold, sl: bool, tp: bool, now: i64) {
        let Some(l) = self.open_life(uid, symbol, hold) else {
            return;
        };
        for (periods, on) in [(&mut l.stop_loss, sl), (&mut l.take_profit, tp)] {
            let running = periods.last().is_some_and(|p| p.to.is_none());
            if on && !running {
                periods.push(Period {
                    from: now,
                    to: None,
                });
            } else if !on
                && running
                && let Some(p) = periods.last_mut()
            {
                p.to = Some(now);
            }
        }
    }

    /// Updates an account's high-water marks.
    #[allow(clippy::too_many_arguments)]
    pub fn exposure(
        &mut self,
        uid: u64,
        per_pos: Decimal,
        total: Decimal,
        count: usize,
        lev: u32,
        equity: Decimal,
        now: i64,
    ) {
        let point = ExposurePoint {
            ts: now,
            uid,
            positions: count,
            max_position_margin: per_pos,
            total_margin: total,
        };
        let last = self.exposure_timeline.iter().rev().find(|p| p.uid == uid);
        let changed = last.is_none_or(|l| {
            (l.positions, l.max_position_margin, l.total_margin) != (count, per_pos, total)
        });
        if changed {
            if self.exposure_timeline.len() >= MAX_TIMELINE {
                self.exposure_timeline.remove(0);
            }
            self.exposure_timeline.push(point);
        }
        let e = self.exposure.entry(uid).or_default();
        e.max_position_margin = e.max_position_margin.max(per_pos);
        e.max_total_margin = e.max_total_margin.max(total);
        e.max_positions = e.max_positions.max(count);
        e.max_leverage = e.max_leverage.max(lev);
        e.min_equity = Some(e.min_equity.map_or(equity, |m| m.min(equity)));
    }

    /// Records equity against the floor; `orders_clear`/`flat` describe the account now.
    pub fn equity_check(
        &mut self,
        uid: u64,
        equity: Decimal,
        orders_clear: bool,
        flat: bool,
        now: i64,
    ) {
        let was_below = self.below.get(&uid).copied().unwrap_or(false);
        let below = equity < self.equity_floor;
        self.below.insert(uid, below);
        if below && !was_below {
            self.emergencies.push(EmergencyTimeline {
                uid,
                breached_at: now,
                equity,
                orders_cleared_at: None,
                flat_at: None,
            });
        }
        if let Some(t) = self.emergencies.iter_mut().rev().find(|t| t.uid == uid) {
            if orders_clear && t.orders_cleared_at.is_none() {
                t.orders_cleared_at = Some(now);
            }
            if flat && t.flat_at.is_none() {
                t.flat_at = Some(now);
            }
        }
    }

    /// A refused request.
    pub fn refused(&mut self, r: Refusal) {
        if self.refusals.len() >= MAX_REFUSALS {
            self.refusals.remove(0);
        }
        self.refusals.push(r);
    }
}
