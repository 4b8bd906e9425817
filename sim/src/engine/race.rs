//! Did a refused TP/SL trigger race the market? Every market move is numbered and its prices
//! kept (`crate::recent`); a TP/SL side check that fails records what it compared; the
//! dispatcher then asks whether the same comparison passed against the prices in force when
//! the request arrived. A trigger valid then was sent right and overtaken by the market while
//! the request was in flight; one already wrong then was the client's.

use super::Engine;
use super::plans::tpsl_side;
use super::types::{Hold, TriggerType};
use crate::error::ApiResult;
use crate::recent::PricePoint;
use rust_decimal::Decimal;

/// A price a TP/SL trigger is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceRef {
    /// A price that does not move with the market (a limit order's price).
    Fixed(Decimal),
    /// Mark price.
    Mark,
    /// Last traded price.
    Last,
    /// Best ask (what a market buy pays).
    BestAsk,
    /// Best bid (what a market sell gets).
    BestBid,
}

impl PriceRef {
    /// The price a trigger of type `t` watches.
    pub fn watched_by(t: TriggerType) -> Self {
        match t {
            TriggerType::FillPrice => PriceRef::Last,
            TriggerType::MarkPrice => PriceRef::Mark,
        }
    }

    fn in_point(self, p: &PricePoint) -> Decimal {
        match self {
            PriceRef::Fixed(x) => x,
            PriceRef::Mark => p.mark,
            PriceRef::Last => p.last,
            PriceRef::BestAsk => p.ask,
            PriceRef::BestBid => p.bid,
        }
    }
}

/// A failed TP/SL side check: what was compared, and the code it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideCheck {
    /// The Bitget code of the refusal.
    pub code: String,
    symbol: String,
    hold: Hold,
    profit: bool,
    trigger: Decimal,
    against: [Option<PriceRef>; 2],
}

impl Engine {
    /// How many market moves the engine has made: taken when a request arrives.
    pub fn moves(&self) -> u64 {
        self.moves
    }

    /// Numbers a move of `symbol` and keeps its prices.
    pub(super) fn note_move(&mut self, symbol: &str) {
        self.moves += 1;
        let seq = self.moves;
        if let Some(m) = self.markets.get_mut(symbol) {
            let p = m.point(seq);
            m.recent.push(p);
        }
    }

    /// Checks a TP (`profit`) or SL trigger against each price of `against` as they are now;
    /// a failure is recorded for [`Engine::take_side_refusal`].
    pub(super) fn judged_side(
        &mut self,
        symbol: &str,
        hold: Hold,
        profit: bool,
        trigger: Decimal,
        against: [Option<PriceRef>; 2],
    ) -> ApiResult<()> {
        let now = self
            .markets
            .get(symbol)
            .map(|m| m.point(self.moves))
            .unwrap_or_default();
        for r in against.iter().flatten() {
            if let Err(e) = tpsl_side(hold, profit, trigger, r.in_point(&now)) {
                self.side_refusal = Some(SideCheck {
                    code: e.code.clone(),
                    symbol: symbol.to_string(),
                    hold,
                    profit,
                    trigger,
                    against,
                });
                return Err(e);
            }
        }
        Ok(())
    }

    /// The side check of the latest refusal, if any (cleared: take it before and after each
    /// request so that one never leaks into another).
    pub fn take_side_refusal(&mut self) -> Option<SideCheck> {
        self.side_refusal.take()
    }

    /// Whether `check` passed against the prices in force after move `seq`; None when those
    /// prices are no longer kept.
    pub fn side_valid_after(&self, check: &SideCheck, seq: u64) -> Option<bool> {
        let then = self.markets.get(&check.symbol)?.recent.at(seq)?;
        Some(
            check.against.iter().flatten().all(|r| {
                tpsl_side(check.hold, check.profit, check.trigger, r.in_point(&then)).is_ok()
            }),
        )
    }
}
