//! The OrderRouter's messages: what it is asked (place, settle, cancel, count, subscribe),
//! what it answers and what it publishes. Re-exported by `order_router`.

use crate::intent::{OrderTicket, RiskApproved};
use crate::journal::OrderPhase;
use crate::refusal::Refusal;
use actix::prelude::*;
use tokio::time::Instant;
use viper_bitget::Error;

/// An order changed phase (published to listeners once per transition).
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct OrderEvent {
    /// Our id.
    pub client_oid: String,
    /// Symbol.
    pub symbol: String,
    /// New phase.
    pub phase: OrderPhase,
    /// Reduce-only (never exposure).
    pub reduce_only: bool,
    /// When the router learned it.
    pub at: Instant,
}

/// Place an approved order.
#[derive(Debug, Message)]
#[rtype(result = "Result<Placed, RouterError>")]
pub struct Place(pub RiskApproved<OrderTicket>);

/// What happened to a placement.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// Our id.
    pub client_oid: String,
    /// Phase after the create call (Acknowledged, Unknown).
    pub phase: OrderPhase,
    /// Exchange id, when acknowledged.
    pub order_id: Option<String>,
}

/// Router failures.
#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    /// The exchange refused the order (never retried).
    #[error("rejected: {0}")]
    Rejected(Error),
    /// The journal failed: nothing was sent.
    #[error("journal: {0}")]
    Journal(#[from] crate::journal::JournalError),
    /// The intent cannot be expressed as a valid order.
    #[error("invalid intent: {0}")]
    Invalid(String),
    /// The last check before sending refused it: nothing was sent.
    #[error("last check: {0}")]
    LastCheck(Refusal),
    /// A settlement pass failed (nothing concluded; the next pass retries).
    #[error("settlement: {0}")]
    Settle(String),
}

/// Run one reconciliation pass (start-up, shutdown, private pushes). While a pass runs,
/// requests coalesce into one more pass after it; each answers when a pass that started after
/// the request completed.
#[derive(Debug, Message)]
#[rtype(result = "Result<usize, RouterError>")]
pub struct SettleNow;

/// Cancel every open normal order (optionally of one symbol).
#[derive(Debug, Message)]
#[rtype(result = "Result<usize, RouterError>")]
pub struct CancelAll(pub Option<String>);

/// Journal counts per phase.
#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<(String, i64)>, RouterError>")]
pub struct JournalCounts;

/// Subscribe to order events; the subscriber first hears every non-final journal order.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SubscribeOrders(pub Recipient<OrderEvent>);
