//! What a strategy wants (`OrderIntent`) and the proof that risk approved it
//! (`RiskApproved`), which only the risk manager can construct: the order router accepts
//! nothing else, so bypassing risk does not compile.

use rust_decimal::Decimal;

/// Buy or sell (economic direction; the router maps it to Bitget's side/tradeSide).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Buy.
    Buy,
    /// Sell.
    Sell,
}

/// A strategy's request to trade.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderIntent {
    /// Symbol.
    pub symbol: String,
    /// Direction.
    pub direction: Direction,
    /// Size in base coin (already rounded to the contract's step).
    pub size: Decimal,
    /// Limit price; None = market.
    pub limit_price: Option<Decimal>,
    /// Only reduce an existing position.
    pub reduce_only: bool,
    /// Take-profit trigger to attach exchange-side.
    pub take_profit: Option<Decimal>,
    /// Stop-loss trigger to attach exchange-side.
    pub stop_loss: Option<Decimal>,
    /// Why (logged and journaled).
    pub reason: String,
}

/// An intent the risk manager approved.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskApproved<T>(T);

impl<T> RiskApproved<T> {
    /// Only the risk manager approves.
    pub(crate) fn approve(inner: T) -> Self {
        RiskApproved(inner)
    }
    /// The approved value.
    pub fn inner(&self) -> &T {
        &self.0
    }
    /// Unwraps the approved value.
    pub fn into_inner(self) -> T {
        self.0
    }
}
