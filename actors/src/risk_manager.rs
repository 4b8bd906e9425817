//! The RiskManager is the order gate: an intent is checked against the trading state, a fresh
//! account snapshot, the contract minimums and the capital limits, and — in the same handler,
//! with no await in between — its margin is reserved in the exposure ledger and a clientOid
//! minted. The approved order then goes forward to the OrderRouter; the asker (Trader,
//! CapitalWatch) only learns the outcome. Two concurrent intents therefore cannot both pass.
//!
//! "Position size" means margin: margin = notional / leverage, notional = size × price. What
//! is exposed is answered by `exposure::Ledger` alone; the router's last check asks the same.

use crate::account_sync::RefreshAccount;
use crate::events::{AccountSnapshot, ExposedSymbols, TradingState, TradingStateChanged};
use crate::exposure::ExposureLimits;
use crate::intent::{OidMint, OrderIntent, OrderTicket, RiskApproved};
use crate::journal::OrderPhase;
use crate::order_router::{OrderEvent, Place, Placed, RouterError};
use crate::refusal::Refusal;
use actix::prelude::*;
use rust_decimal::Decimal;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::Instant;

pub use crate::gate::Gate;

/// How long an intent waits for the fresh snapshot the gate asked for before it is refused
/// as stale.
const FRESH_WAIT: Duration = Duration::from_secs(2);

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
    /// Intents evaluated per second at most; more are refused (a flood is not queued).
    pub max_intents_per_sec: usize,
    /// A market order's margin is estimated at the reference price moved this fraction
    /// against us (it fills at the book, not at the last price).
    pub market_slippage: Decimal,
}

impl Default for RiskLimits {
    fn default() -> Self {
        let e = ExposureLimits::default();
        Self {
            max_position_margin: e.max_position_margin,
            max_total_margin: e.max_total_margin,
            max_positions: e.max_positions,
            leverage: e.leverage,
            max_snapshot_age: Duration::from_secs(10),
            max_intents_per_sec: 5,
            market_slippage: Decimal::new(2, 3),
        }
    }
}

impl From<&RiskLimits> for ExposureLimits {
    fn from(l: &RiskLimits) -> Self {
        ExposureLimits {
            max_positions: l.max_positions,
            max_position_margin: l.max_position_margin,
            max_total_margin: l.max_total_margin,
            leverage: l.leverage,
        }
    }
}

/// Submit an intent to the gate; `price` is the reference price the asker saw. On approval
/// the gate forwards it to the router and answers with the router's outcome.
#[derive(Debug, Message)]
#[rtype(result = "Result<Placed, SubmitError>")]
pub struct Submit {
    /// The intent.
    pub intent: OrderIntent,
    /// Reference price (for market orders): the ask for a buy, the bid for a sell.
    pub price: Decimal,
}

/// Why a submitted intent did not become an order.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The gate refused it.
    #[error("refused: {0}")]
    Refused(Refusal),
    /// The router refused or failed it.
    #[error(transparent)]
    Router(RouterError),
    /// The router's mailbox is gone; the order's fate is unknown and stays reserved.
    #[error("order router unreachable: {0}")]
    Unreachable(MailboxError),
}

/// Ask the current trading state.
#[derive(Debug, Message)]
#[rtype(result = "TradingState")]
pub struct GetTradingState;

/// The risk manager actor: the gate, the clientOid mint, and where approved orders go.
pub struct RiskManager {
    gate: Gate,
    oids: OidMint,
    router: Recipient<Place>,
    listeners: Vec<Recipient<ExposedSymbols>>,
    refresher: Option<Recipient<RefreshAccount>>,
    fresh_waiters: Vec<oneshot::Sender<()>>,
}

impl RiskManager {
    /// A risk manager over `gate` (start it Halted until recovery completed); approved orders
    /// go to `router`; `start_ms` prefixes the clientOids it mints.
    pub fn new(gate: Gate, start_ms: i64, router: Recipient<Place>) -> Self {
        Self {
            gate,
            oids: OidMint::new(start_ms),
            router,
            listeners: Vec::new(),
            refresher: None,
            fresh_waiters: Vec::new(),
        }
    }

    /// Who hears the exposed symbols after every change (the Trader).
    pub fn with_listener(mut self, l: Recipient<ExposedSymbols>) -> Self {
        self.listeners.push(l);
        self
    }

    fn broadcast(&self) {
        let msg = self.gate.exposed();
        for l in &self.listeners {
            let _ = l.try_send(msg.clone());
        }
    }
}

impl Actor for RiskManager {
    type Context = Context<Self>;
}

/// Who reads the account on demand (AccountSync, started after the gate).
#[derive(Message)]
#[rtype(result = "()")]
pub struct UseRefresher(pub Recipient<RefreshAccount>);

impl Handler<UseRefresher> for RiskManager {
    type Result = ();
    fn handle(&mut self, m: UseRefresher, _: &mut Self::Context) {
        self.refresher = Some(m.0);
    }
}

impl Handler<Submit> for RiskManager {
    type Result = ResponseActFuture<Self, Result<Placed, SubmitError>>;
    fn handle(&mut self, m: Submit, _: &mut Self::Context) -> Self::Result {
        // The account is read on a slow period while the private socket is healthy: an
        // opening intent waits (briefly) for a read that starts now, then is checked.
        if self.gate.needs_fresh_snapshot(&m.intent)
            && let Some(r) = self.refresher.clone()
        {
            let (tx, rx) = oneshot::channel();
            self.fresh_waiters.push(tx);
            metrics::counter!("viper_gate_snapshot_refreshes_total").increment(1);
            let wait = async move {
                if r.send(RefreshAccount).await.is_ok() {
                    let _ = tokio::time::timeout(FRESH_WAIT, rx).await;
                }
            };
            return Box::pin(wait.into_actor(self).then(move |_, act, _| act.decide(m)));
        }
        self.decide(m)
    }
}

impl RiskManager {
    /// The check, the reservation and the hand-off to the router, with no await between
    /// the first two.
    fn decide(&mut self, m: Submit) -> ResponseActFuture<Self, Result<Placed, SubmitError>> {
        let margin = match self.gate.check(&m.intent, m.price) {
            Ok(margin) => margin,
            Err(r) => {
                metrics::counter!("viper_risk_refusals_total", "reason" => r.reason()).increment(1);
                tracing::info!(actor = "risk_manager", symbol = %m.intent.symbol, reason = r.reason(), detail = %r, "intent refused");
                return Box::pin(fut::ready(Err(SubmitError::Refused(r))));
            }
        };
        // Check and reservation in one handler: the next intent already sees this one.
        let oid = self.oids.next_oid();
        let (symbol, opening) = (m.intent.symbol.clone(), !m.intent.reduce_only);
        if opening {
            self.gate.reserve(&oid, &symbol, margin);
            self.broadcast();
        }
        let ticket = OrderTicket {
            intent: m.intent,
            client_oid: oid.clone(),
            margin,
        };
        let router = self.router.clone();
        let send = async move { router.send(Place(RiskApproved::approve(ticket))).await };
        Box::pin(send.into_actor(self).map(move |res, act, _| {
            if opening {
                let now = Instant::now();
                match &res {
                    Ok(Ok(p)) => act.gate.record(&oid, &symbol, p.phase, now),
                    Ok(Err(RouterError::Rejected(_))) => {
                        act.gate.record(&oid, &symbol, OrderPhase::Rejected, now)
                    }
                    // Refused before sending: nothing reached the exchange.
                    Ok(Err(_)) => act.gate.ledger.forget(&oid),
                    // Fate unknown: it stays reserved.
                    Err(_) => {}
                }
                act.broadcast();
            }
            match res {
                Ok(r) => r.map_err(SubmitError::Router),
                Err(e) => Err(SubmitError::Unreachable(e)),
            }
        }))
    }
}

impl Handler<OrderEvent> for RiskManager {
    type Result = ();
    fn handle(&mut self, e: OrderEvent, _: &mut Self::Context) {
        if !e.reduce_only {
            self.gate.record(&e.client_oid, &e.symbol, e.phase, e.at);
            self.broadcast();
        }
    }
}

impl Handler<AccountSnapshot> for RiskManager {
    type Result = ();
    fn handle(&mut self, m: AccountSnapshot, _: &mut Self::Context) {
        self.gate.observe(m);
        self.broadcast();
        for w in self.fresh_waiters.drain(..) {
            let _ = w.send(());
        }
    }
}

impl Handler<TradingStateChanged> for RiskManager {
    type Result = ();
    fn handle(&mut self, m: TradingStateChanged, _: &mut Self::Context) {
        if m.state != self.gate.state {
            tracing::warn!(actor = "risk_manager", from = self.gate.state.as_str(), to = m.state.as_str(), reason = %m.reason, "trading state");
            metrics::counter!("viper_trading_state_transitions_total", "to" => m.state.as_str())
                .increment(1);
            self.gate.state = m.state;
        }
    }
}

impl Handler<GetTradingState> for RiskManager {
    type Result = MessageResult<GetTradingState>;
    fn handle(&mut self, _: GetTradingState, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.gate.state)
    }
}

#[cfg(test)]
#[path = "risk_manager_tests.rs"]
mod tests;
