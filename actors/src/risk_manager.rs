//! The RiskManager: turns an `OrderIntent` into `RiskApproved<OrderIntent>` or a refusal with
//! a reason, against the freshest account snapshot, the trading state and the capital limits.

use crate::events::{AccountSnapshot, TradingState, TradingStateChanged};
use crate::intent::{OrderIntent, RiskApproved};
use actix::prelude::*;
use rust_decimal::Decimal;
use std::time::Duration;
use tokio::time::Instant;

/// Capital limits (margin = notional / leverage).
#[derive(Debug, Clone)]
pub struct RiskLimits {
    /// Margin of one position, USDT.
    pub max_position_margin: Decimal,
    /// Margin of all positions plus resting opening orders, USDT.
    pub max_total_margin: Decimal,
    /// Open positions, counting pending opening orders.
    pub max_positions: usize,
    /// Leverage used for every order.
    pub leverage: u32,
    /// An account snapshot older than this is not trusted for opening orders.
    pub max_snapshot_age: Duration,
}

impl Default for RiskLimits {
    fn default() -> Self {
        Self {
            max_position_margin: Decimal::ONE,
            max_total_margin: Decimal::TEN,
            max_positions: 3,
            leverage: 10,
            max_snapshot_age: Duration::from_secs(10),
        }
    }
}

/// Why an intent was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused: {0}")]
pub struct Refusal(pub String);

/// Evaluate an intent; `price` is the reference price the strategy saw.
#[derive(Debug, Message)]
#[rtype(result = "Result<RiskApproved<OrderIntent>, Refusal>")]
pub struct Evaluate {
    /// The intent.
    pub intent: OrderIntent,
    /// Reference price (for market orders).
    pub price: Decimal,
}

/// Ask the current trading state.
#[derive(Debug, Message)]
#[rtype(result = "TradingState")]
pub struct GetTradingState;

/// The risk manager actor.
pub struct RiskManager {
    limits: RiskLimits,
    state: TradingState,
    snapshot: Option<AccountSnapshot>,
    pending_opens: Vec<(String, Decimal, Instant)>,
}

impl RiskManager {
    /// Starts in `state` (Halted until the system says reconciliation completed).
    pub fn new(limits: RiskLimits, state: TradingState) -> Self {
        Self {
            limits,
            state,
            snapshot: None,
            pending_opens: Vec::new(),
        }
    }

    fn check(&mut self, i: &OrderIntent, price: Decimal) -> Result<(), Refusal> {
        let refuse = |m: String| Err(Refusal(m));
        match self.state {
            TradingState::Halted => return refuse("trading is halted".into()),
            TradingState::Reducing if !i.reduce_only => {
                return refuse("trading is reducing: only reduce-only orders".into());
            }
            _ => {}
        }
        if i.size <= Decimal::ZERO {
            return refuse("size must be positive".into());
        }
        if i.reduce_only {
            return Ok(());
        }
        if i.stop_loss.is_none() {
            return refuse("an opening order needs an exchange-side stop-loss".into());
        }
        let Some(snap) = &self.snapshot else {
            return refuse("no account snapshot yet".into());
        };
        if snap.at.elapsed() > self.limits.max_snapshot_age {
            return refuse(format!("account snapshot is {:?} old", snap.at.elapsed()));
        }
        // Opening orders sent but not yet visible in a snapshot still count.
        self.pending_opens.retain(|(_, _, at)| *at > snap.at);
        if snap.positions.iter().any(|p| p.symbol == i.symbol)
            || self.pending_opens.iter().any(|p| p.0 == i.symbol)
        {
            return refuse(format!("already exposed in {}", i.symbol));
        }
        let open = snap.positions.len() + snap.open_orders.len() + self.pending_opens.len();
        if open >= self.limits.max_positions {
            return refuse(format!(
                "{open} positions or opening orders; limit {}",
                self.limits.max_positions
            ));
        }
        let margin =
            i.size * i.limit_price.unwrap_or(price) / Decimal::from(self.limits.leverage.max(1));
        if margin > self.limits.max_position_margin {
            return refuse(format!(
                "margin {margin} exceeds the per-position limit {}",
                self.limits.max_position_margin
            ));
        }
        let in_use: Decimal = snap.positions.iter().map(|p| p.margin).sum::<Decimal>()
            + self.pending_opens.iter().map(|p| p.1).sum::<Decimal>();
        if in_use + margin > self.limits.max_total_margin {
            return refuse(format!(
                "total margin {} would exceed {}",
                in_use + margin,
                self.limits.max_total_margin
            ));
        }
        self.pending_opens
            .push((i.symbol.clone(), margin, Instant::now()));
        Ok(())
    }
}

impl Actor for RiskManager {
    type Context = Context<Self>;
}

impl Handler<Evaluate> for RiskManager {
    type Result = Result<RiskApproved<OrderIntent>, Refusal>;
    fn handle(&mut self, m: Evaluate, _: &mut Self::Context) -> Self::Result {
        match self.check(&m.intent, m.price) {
            Ok(()) => Ok(RiskApproved::approve(m.intent)),
            Err(r) => {
                metrics::counter!("viper_risk_refusals_total").increment(1);
                tracing::info!(actor = "risk_manager", symbol = %m.intent.symbol, reason = %r.0, "intent refused");
                Err(r)
            }
        }
    }
}

impl Handler<AccountSnapshot> for RiskManager {
    type Result = ();
    fn handle(&mut self, m: AccountSnapshot, _: &mut Self::Context) {
        self.snapshot = Some(m);
    }
}

impl Handler<TradingStateChanged> for RiskManager {
    type Result = ();
    fn handle(&mut self, m: TradingStateChanged, _: &mut Self::Context) {
        if m.state != self.state {
            tracing::warn!(actor = "risk_manager", from = self.state.as_str(), to = m.state.as_str(), reason = %m.reason, "trading state");
            metrics::counter!("viper_trading_state_transitions_total", "to" => m.state.as_str())
                .increment(1);
            self.state = m.state;
        }
    }
}

impl Handler<GetTradingState> for RiskManager {
    type Result = MessageResult<GetTradingState>;
    fn handle(&mut self, _: GetTradingState, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.state)
    }
}
