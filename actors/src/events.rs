//! Messages that fan out to several actors: market ticks, account snapshots, heartbeats,
//! trading-state changes. Messages an actor handles alone live beside its handlers.

use actix::Message;
use rust_decimal::Decimal;
use std::time::Duration;
use tokio::time::Instant;

/// Where a market tick came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedSource {
    /// The public WebSocket.
    WebSocket,
    /// REST polling of `tickers` (fallback while the socket is down or stale).
    RestPoll,
}

/// Best prices of one symbol at one moment.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct MarketTick {
    /// Symbol.
    pub symbol: String,
    /// Last traded price.
    pub last: Decimal,
    /// Best bid.
    pub bid: Option<Decimal>,
    /// Best ask.
    pub ask: Option<Decimal>,
    /// Mark price.
    pub mark: Option<Decimal>,
    /// Exchange timestamp, ms.
    pub exchange_ts_ms: i64,
    /// When the feed received it.
    pub received: Instant,
    /// Which path delivered it.
    pub source: FeedSource,
}

impl MarketTick {
    /// How old the data is now.
    pub fn age(&self) -> Duration {
        self.received.elapsed()
    }
}

/// One open position as the exchange reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionView {
    /// Symbol.
    pub symbol: String,
    /// True for long.
    pub long: bool,
    /// Size (base coin).
    pub size: Decimal,
    /// Average entry.
    pub entry: Decimal,
    /// Margin held.
    pub margin: Decimal,
    /// Leverage.
    pub leverage: Decimal,
    /// Position stop-loss trigger, if any.
    pub stop_loss: Option<Decimal>,
    /// Position take-profit trigger, if any.
    pub take_profit: Option<Decimal>,
}

/// One open normal order as the exchange reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenOrderView {
    /// Symbol.
    pub symbol: String,
    /// Our id, if it has one.
    pub client_oid: Option<String>,
    /// Exchange id.
    pub order_id: String,
    /// Size not yet filled.
    pub remaining: Decimal,
    /// Limit price (None for market).
    pub price: Option<Decimal>,
    /// Reduce-only (cannot open exposure).
    pub reduce_only: bool,
}

/// The exchange's view of the account, read by REST (the source of truth).
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct AccountSnapshot {
    /// Equity (balance + unrealised PnL).
    pub equity: Decimal,
    /// Available to open.
    pub available: Decimal,
    /// Open positions.
    pub positions: Vec<PositionView>,
    /// Open normal orders.
    pub open_orders: Vec<OpenOrderView>,
    /// Live TP/SL plans: (symbol, planType, triggerPrice).
    pub tpsl_plans: Vec<(String, String, Decimal)>,
    /// When it was read.
    pub at: Instant,
}

/// An `orders` push showed an opening order filled with an attached stop-loss
/// (`crate::protection`): the exchange took the position's stop with the order.
#[derive(Debug, Clone, PartialEq, Message)]
#[rtype(result = "()")]
pub struct ProtectionSeen {
    /// Symbol of the position.
    pub symbol: String,
    /// Long (true) or short position.
    pub long: bool,
    /// The attached stop-loss trigger price.
    pub stop_loss: Decimal,
    /// When the push arrived.
    pub seen: Instant,
}

impl AccountSnapshot {
    /// True when `p` has an exchange-side stop: its own `stop_loss`, or a live position
    /// loss plan for its symbol. The one rule the stop-loss guard and the sync cadence use.
    pub fn protected(&self, p: &PositionView) -> bool {
        p.stop_loss.is_some()
            || self.tpsl_plans.iter().any(|(sym, kind, _)| {
                *sym == p.symbol && (kind == "pos_loss" || kind == "loss_plan")
            })
    }

    /// True when something is held: a position or an open order.
    pub fn holds_anything(&self) -> bool {
        !self.positions.is_empty() || !self.open_orders.is_empty()
    }
}

/// An actor says it is alive.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Heartbeat {
    /// Actor name.
    pub actor: &'static str,
    /// Age of the last message on the actor's WebSocket, if it has one.
    pub ws_message_age: Option<Duration>,
}

/// What trading may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradingState {
    /// Normal trading.
    Active,
    /// Only orders that reduce exposure.
    Reducing,
    /// Operator pause: no new entries; reduce-only orders pass, positions and their
    /// exchange-side TP/SL stay. Persisted until an operator resumes.
    Paused,
    /// No new orders; cancels and protective orders only.
    Halted,
}

impl TradingState {
    /// Stable text form (journal, metrics, logs).
    pub fn as_str(self) -> &'static str {
        match self {
            TradingState::Active => "active",
            TradingState::Reducing => "reducing",
            TradingState::Paused => "paused",
            TradingState::Halted => "halted",
        }
    }
    /// Parses the text form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(TradingState::Active),
            "reducing" => Some(TradingState::Reducing),
            "paused" => Some(TradingState::Paused),
            "halted" => Some(TradingState::Halted),
            _ => None,
        }
    }
}

/// The trading state changed.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct TradingStateChanged {
    /// New state.
    pub state: TradingState,
    /// Why.
    pub reason: String,
}

/// A connection changed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionKind {
    /// First connected.
    Connected,
    /// Back after a loss (logged in and resubscribed).
    Reconnected,
    /// Lost.
    Disconnected,
}

/// A WebSocket connection's state change.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct ConnectionEvent {
    /// Which connection (`ws_public`, `ws_private`).
    pub connection: &'static str,
    /// What happened.
    pub kind: ConnectionKind,
}

/// The symbols the exposure ledger counts as exposed (positions, opening orders, openings in
/// flight), published by the gate after every change so a strategy does not ask for them.
#[derive(Debug, Clone, Default, PartialEq, Message)]
#[rtype(result = "()")]
pub struct ExposedSymbols(pub std::collections::BTreeSet<String>);
