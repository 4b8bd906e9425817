//! Driving the simulator's prices from outside (an external market feed, e.g. `viper paper
//! --market live`): hold the synthetic random walk and move a symbol's price as the control
//! plane's `/price` does, with the same matching, trigger and liquidation pass after each move.

use crate::server::SimHandle;
use crate::state::{Shared, lock};
use rust_decimal::Decimal;
use std::sync::atomic::Ordering;

/// Why an external price was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriveError {
    /// The simulator lists no such contract.
    #[error("unknown symbol {0}")]
    UnknownSymbol(String),
    /// Zero or negative.
    #[error("{symbol}: price {price} is not positive")]
    NotPositive {
        /// Symbol.
        symbol: String,
        /// The price given.
        price: Decimal,
    },
}

impl Shared {
    /// Holds (or releases) the synthetic random walk: while held, prices move only when set.
    pub fn hold_synthetic_market(&self, hold: bool) {
        self.paused.store(hold, Ordering::SeqCst);
    }

    /// The symbols the simulator lists.
    pub fn symbols(&self) -> Vec<String> {
        lock(&self.engine).markets.keys().cloned().collect()
    }

    /// Moves `symbol`'s last price (and mark, when given) now, rounded to the contract's tick;
    /// resting orders, triggers and liquidations are evaluated at the new price and the move is
    /// pushed to WebSocket subscribers.
    pub fn set_price(
        &self,
        symbol: &str,
        last: Decimal,
        mark: Option<Decimal>,
    ) -> Result<(), DriveError> {
        for p in std::iter::once(last).chain(mark) {
            if p <= Decimal::ZERO {
                return Err(DriveError::NotPositive {
                    symbol: symbol.to_owned(),
                    price: p,
                });
            }
        }
        let mut e = lock(&self.engine);
        let tick = e
            .markets
            .get(symbol)
            .map(|m| m.tick)
            .ok_or_else(|| DriveError::UnknownSymbol(symbol.to_owned()))?;
        let round = |p: Decimal| {
            if tick.is_zero() {
                p
            } else {
                ((p / tick).round() * tick).max(tick)
            }
        };
        e.jump(symbol, round(last), mark.map(round), self.now());
        self.publish(&mut e);
        Ok(())
    }
}

impl SimHandle {
    /// See [`Shared::hold_synthetic_market`].
    pub fn hold_synthetic_market(&self, hold: bool) {
        self.shared().hold_synthetic_market(hold);
    }

    /// See [`Shared::set_price`].
    pub fn set_price(
        &self,
        symbol: &str,
        last: Decimal,
        mark: Option<Decimal>,
    ) -> Result<(), DriveError> {
        self.shared().set_price(symbol, last, mark)
    }
}
