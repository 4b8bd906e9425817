//! Why the order gate refused an opening or reducing intent: one typed reason per rule, with
//! a stable `reason()` label for `viper_risk_refusals_total` and the logs.

use rust_decimal::Decimal;
use std::time::Duration;

/// Why an intent was refused (by the risk manager's check or the router's last check).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// More intents in the last second than allowed (a flood is refused, not queued).
    #[error("throttled: more than {limit} intents per second")]
    Throttled {
        /// Intents allowed per second.
        limit: usize,
    },
    /// Trading is halted.
    #[error("trading is halted")]
    Halted,
    /// Trading is reducing: only reduce-only orders pass.
    #[error("trading is reducing: only reduce-only orders")]
    Reducing,
    /// Trading is paused by the operator: no new entries, only reduce-only orders.
    #[error("trading is paused: no new entries, only reduce-only orders")]
    Paused,
    /// Zero or negative size.
    #[error("size must be positive")]
    NonPositiveSize,
    /// Below the contract's `minTradeNum`.
    #[error("size {size} below the contract minimum minTradeNum {min}")]
    BelowMinSize {
        /// Requested size.
        size: Decimal,
        /// Contract minimum.
        min: Decimal,
    },
    /// Below the contract's `minTradeUSDT`.
    #[error("notional {notional} below the contract minimum minTradeUSDT {min}")]
    BelowMinNotional {
        /// Estimated notional.
        notional: Decimal,
        /// Contract minimum.
        min: Decimal,
    },
    /// An opening order without an exchange-side stop-loss.
    #[error("an opening order needs an exchange-side stop-loss")]
    NoStopLoss,
    /// A take-profit or stop-loss preset already on the wrong side of the price the order is
    /// placed against: the exchange would refuse the order (40915, 40917, 40833, 45122).
    #[error("{which} {trigger} is on the wrong side of the price {price}")]
    PresetWrongSide {
        /// `take-profit` or `stop-loss`.
        which: &'static str,
        /// The preset trigger.
        trigger: Decimal,
        /// The price it was checked against.
        price: Decimal,
    },
    /// No account snapshot has been read yet.
    #[error("no account snapshot yet")]
    NoSnapshot,
    /// The newest account snapshot is too old to trust.
    #[error("account snapshot is {age:?} old")]
    StaleSnapshot {
        /// Its age.
        age: Duration,
    },
    /// The symbol already has a position, an opening order or an order in flight.
    #[error("already exposed in {symbol}")]
    AlreadyExposed {
        /// Symbol.
        symbol: String,
    },
    /// As many symbols exposed as allowed.
    #[error(
        "{exposed} symbols exposed (positions, opening orders, orders in flight); limit {limit}"
    )]
    TooManyPositions {
        /// Symbols exposed now.
        exposed: usize,
        /// Limit.
        limit: usize,
    },
    /// The order's margin is above the per-position limit.
    #[error("margin {margin} exceeds the per-position limit {limit}")]
    PositionMargin {
        /// Estimated margin.
        margin: Decimal,
        /// Limit.
        limit: Decimal,
    },
    /// Committed margin plus this order would exceed the total limit.
    #[error("total margin {total} would exceed {limit}")]
    TotalMargin {
        /// Committed plus this order.
        total: Decimal,
        /// Limit.
        limit: Decimal,
    },
}

impl Refusal {
    /// Stable label (metrics, logs).
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::Throttled { .. } => "throttled",
            Refusal::Halted => "halted",
            Refusal::Reducing => "reducing",
            Refusal::Paused => "paused",
            Refusal::NonPositiveSize => "non_positive_size",
            Refusal::BelowMinSize { .. } => "below_min_size",
            Refusal::BelowMinNotional { .. } => "below_min_notional",
            Refusal::NoStopLoss => "no_stop_loss",
            Refusal::PresetWrongSide { .. } => "preset_wrong_side",
            Refusal::NoSnapshot => "no_snapshot",
            Refusal::StaleSnapshot { .. } => "stale_snapshot",
            Refusal::AlreadyExposed { .. } => "already_exposed",
            Refusal::TooManyPositions { .. } => "max_positions",
            Refusal::PositionMargin { .. } => "position_margin",
            Refusal::TotalMargin { .. } => "total_margin",
        }
    }
}
