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

/// An approved order as the gate hands it to the router: the intent, the clientOid it will
/// carry, and the margin the gate reserved for it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTicket {
    /// The intent.
    pub intent: OrderIntent,
    /// Our id, minted by the gate (`vp<start ms>x<n>`, so a restart never reuses one).
    pub client_oid: String,
    /// Margin reserved, USDT (zero for reduce-only orders).
    pub margin: Decimal,
}

/// Mints clientOids `vp<start ms>x<n>`: unique across restarts because each process starts
/// at a later millisecond.
#[derive(Debug, Clone)]
pub struct OidMint {
    prefix: String,
    seq: u64,
}

/// Every clientOid the bot mints starts with this (then the process start in ms, `x`, a
/// sequence number): an order on the exchange carrying it is the bot's, journaled or not.
pub const OID_PREFIX: &str = "vp";

impl OidMint {
    /// A mint whose prefix is `start_ms`.
    pub fn new(start_ms: i64) -> Self {
        Self {
            prefix: format!("{OID_PREFIX}{start_ms}x"),
            seq: 0,
        }
    }

    /// The next id.
    pub fn next_oid(&mut self) -> String {
        self.seq += 1;
        format!("{}{}", self.prefix, self.seq)
    }
}
