//! The OrderRouter: the only actor that places and cancels. Every approved order carries the
//! clientOid the gate minted, written to the journal before it is sent; a create whose outcome
//! is unknown is settled by querying that clientOid — never by sending again — and stays
//! exposure until the exchange proves it absent (`settle.rs`). Right before sending it asks
//! the exposure ledger once more, against its own journal's openings.

use crate::events::AccountSnapshot;
use crate::exposure::{ExposureLimits, Ledger};
use crate::intent::{Direction, OID_PREFIX, OrderTicket};
use crate::journal::{Journal, JournalOrder, OrderPhase};
use crate::order_request::request;
use crate::refusal::Refusal;
use crate::settle::SettleQueue;
use actix::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use viper_bitget::clock::Clock;
use viper_bitget::models::{ClientOid, PosMode};
use viper_bitget::{Error, RestClient};

/// The shortest horizon after which an unknown create may be declared rejected (the config
/// refuses less): far beyond any processing delay an exchange shows under load.
pub const MIN_UNKNOWN_HORIZON: Duration = Duration::from_secs(60);

/// Router settings.
#[derive(Debug, Clone)]
pub struct RouterConfig {
    /// Account position mode (decides side/tradeSide mapping).
    pub pos_mode: PosMode,
    /// How often open journal orders are reconciled.
    pub settle_every: Duration,
    /// An order the exchange does not know is declared rejected only when older than this
    /// *and* absent from the exchange's order history over its lifetime.
    pub unknown_horizon: Duration,
    /// The exposure limits of the last check before sending.
    pub limits: ExposureLimits,
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self {
            pos_mode: PosMode::OneWay,
            settle_every: Duration::from_secs(1),
            unknown_horizon: Duration::from_secs(120),
            limits: ExposureLimits::default(),
        }
    }
}

pub use crate::router_msgs::{
    CancelAll, JournalCounts, OrderEvent, Place, Placed, RouterError, SettleNow, SubscribeOrders,
};

/// The order router actor.
pub struct OrderRouter {
    pub(crate) rest: RestClient,
    pub(crate) journal: Rc<Journal>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) cfg: RouterConfig,
    listeners: Vec<Recipient<OrderEvent>>,
    pub(crate) settle: SettleQueue,
    snapshot: Option<AccountSnapshot>,
    ledger: Ledger,
    pub(crate) adopted: HashSet<String>,
}

impl OrderRouter {
    /// A router over `journal`; its non-final opening orders count as exposure at once.
    pub fn new(
        rest: RestClient,
        journal: Journal,
        clock: Arc<dyn Clock>,
        cfg: RouterConfig,
    ) -> Self {
        let mut ledger = Ledger::new();
        for o in journal.open_orders().unwrap_or_default() {
            if !o.reduce_only {
                ledger.reserve(
                    &o.client_oid,
                    &o.symbol,
                    row_margin(&o, &cfg.limits),
                    o.phase,
                );
            }
        }
        Self {
            rest,
            journal: Rc::new(journal),
            clock,
            cfg,
            listeners: Vec::new(),
            settle: SettleQueue::default(),
            snapshot: None,
            ledger,
            adopted: HashSet::new(),
        }
    }

    /// Applies what a pass or a create answer taught: the ledger, metrics, listeners.
    pub(crate) fn apply(&mut self, events: Vec<OrderEvent>) {
        for e in events {
            if !e.reduce_only {
                let ceiling = self.cfg.limits.max_position_margin;
                self.ledger
                    .record(&e.client_oid, &e.symbol, e.phase, e.at, ceiling);
            }
            metrics::counter!("viper_orders_total", "phase" => e.phase.as_str()).increment(1);
            self.listeners
                .retain(|l| l.try_send(e.clone()).is_ok() || l.connected());
        }
    }

    /// The last check, right before sending: the same ledger rule as the gate, over the
    /// freshest snapshot and this journal's openings.
    fn final_check(&self, t: &OrderTicket) -> Result<(), Refusal> {
        if t.intent.reduce_only {
            return Ok(());
        }
        let Some(snap) = &self.snapshot else {
            return Err(Refusal::NoSnapshot);
        };
        self.ledger
            .admit(snap, &t.intent.symbol, t.margin, &self.cfg.limits)
    }

    /// Writes the order as `sent` in one durable commit before it goes out, and tracks it in
    /// the ledger. A crash between the commit and the send leaves a `sent` row that settlement
    /// resolves by clientOid (found, or absent past the horizon and from the history).
    fn write_ahead(&mut self, t: &OrderTicket) -> Result<ClientOid, RouterError> {
        let oid = ClientOid::new(t.client_oid.clone())
            .map_err(|e| RouterError::Invalid(e.to_string()))?;
        let i = &t.intent;
        self.journal.insert(&sent_row(t, self.clock.now_ms()))?;
        crate::failpoint::hit("order.sent");
        if !i.reduce_only {
            self.ledger
                .reserve(&t.client_oid, &i.symbol, t.margin, OrderPhase::Sent);
        }
        Ok(oid)
    }

    /// An order of ours the exchange shows open that the journal closed, or does not hold
    /// at all (a journal restored from a backup, a disk that lost its last write): adopt it
    /// (the snapshot already counts it; the guard protects its position), say so loudly,
    /// count it.
    fn adopt_strays(&mut self, snap: &AccountSnapshot) {
        for o in &snap.open_orders {
            let Some(oid) = o.client_oid.as_deref() else {
                continue;
            };
            if self.adopted.contains(oid) || !oid.starts_with(OID_PREFIX) {
                continue;
            }
            match self.journal.get(oid) {
                Ok(Some(row)) if row.phase.is_final() && row.phase != OrderPhase::Filled => {
                    self.adopt(oid, &o.symbol, row.phase.as_str())
                }
                Ok(None) => self.adopt(oid, &o.symbol, "missing from the journal"),
                _ => {}
            }
        }
    }

    /// Records one adoption (once per order): logged, counted; exposure follows from the
    /// snapshots, protection from the guard.
    pub(crate) fn adopt(&mut self, client_oid: &str, symbol: &str, why: &str) {
        if self.adopted.insert(client_oid.to_string()) {
            metrics::counter!("viper_orders_adopted_total").increment(1);
            tracing::error!(
                actor = "order_router",
                client_oid,
                symbol,
                why,
                "an order of ours the journal does not hold open exists on the exchange; adopted as exposure"
            );
        }
    }
}

/// The journal row of an approved order about to be sent (`sent`, written in one commit).
pub fn sent_row(t: &OrderTicket, now_ms: i64) -> JournalOrder {
    let i = &t.intent;
    let direction = if i.direction == Direction::Buy {
        "buy"
    } else {
        "sell"
    };
    JournalOrder {
        client_oid: t.client_oid.clone(),
        symbol: i.symbol.clone(),
        direction: direction.into(),
        size: i.size.to_string(),
        price: i.limit_price.map(|p| p.to_string()),
        reduce_only: i.reduce_only,
        take_profit: i.take_profit.map(|p| p.to_string()),
        stop_loss: i.stop_loss.map(|p| p.to_string()),
        phase: OrderPhase::Sent,
        order_id: None,
        not_found: 0,
        reason: i.reason.clone(),
        created_ms: now_ms,
        updated_ms: now_ms,
    }
}

/// Margin of a journal row: from its limit price, else the per-position ceiling.
fn row_margin(o: &JournalOrder, limits: &ExposureLimits) -> Decimal {
    let size = o.size.parse::<Decimal>().ok();
    let price = o.price.as_deref().and_then(|p| p.parse::<Decimal>().ok());
    match (size, price) {
        (Some(s), Some(p)) => s * p / Decimal::from(limits.leverage.max(1)),
        _ => limits.max_position_margin,
    }
}

impl Actor for OrderRouter {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        tracing::info!(actor = "order_router", "started; settling journal");
        self.request_settle(None, ctx);
        crate::timer_grid::run_interval(ctx, self.cfg.settle_every, |act, ctx| {
            // A periodic pass is skipped, not queued, while one runs.
            if !act.settle.running {
                act.request_settle(None, ctx);
            }
        });
    }
}

impl Handler<AccountSnapshot> for OrderRouter {
    type Result = ();
    fn handle(&mut self, m: AccountSnapshot, _: &mut Self::Context) {
        self.adopt_strays(&m);
        self.ledger.observe(m.at);
        self.snapshot = Some(m);
    }
}

impl Handler<crate::market_feed::InjectPanic> for OrderRouter {
    type Result = ();
    #[allow(clippy::panic)]
    fn handle(&mut self, _: crate::market_feed::InjectPanic, _: &mut Self::Context) {
        panic!("order_router: injected panic");
    }
}

impl Handler<SubscribeOrders> for OrderRouter {
    type Result = ();
    fn handle(&mut self, m: SubscribeOrders, _: &mut Self::Context) {
        for o in self.journal.open_orders().unwrap_or_default() {
            let _ = m.0.try_send(OrderEvent {
                client_oid: o.client_oid,
                symbol: o.symbol,
                phase: o.phase,
                reduce_only: o.reduce_only,
                at: Instant::now(),
            });
        }
        self.listeners.push(m.0);
    }
}

impl Handler<JournalCounts> for OrderRouter {
    type Result = Result<Vec<(String, i64)>, RouterError>;
    fn handle(&mut self, _: JournalCounts, _: &mut Self::Context) -> Self::Result {
        Ok(self.journal.counts()?)
    }
}

impl Handler<SettleNow> for OrderRouter {
    type Result = ResponseFuture<Result<usize, RouterError>>;
    fn handle(&mut self, _: SettleNow, ctx: &mut Self::Context) -> Self::Result {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.request_settle(Some(tx), ctx);
        Box::pin(async move {
            match rx.await {
                Ok(r) => r.map_err(RouterError::Settle),
                Err(_) => Err(RouterError::Settle("router stopped".into())),
            }
        })
    }
}

impl Handler<Place> for OrderRouter {
    type Result = ResponseActFuture<Self, Result<Placed, RouterError>>;

    fn handle(&mut self, msg: Place, _: &mut Self::Context) -> Self::Result {
        let ticket = msg.0.into_inner();
        if let Err(r) = self.final_check(&ticket) {
            metrics::counter!("viper_router_last_check_refusals_total", "reason" => r.reason())
                .increment(1);
            tracing::warn!(actor = "order_router", symbol = %ticket.intent.symbol, reason = r.reason(), detail = %r, "refused by the last check");
            return Box::pin(fut::ready(Err(RouterError::LastCheck(r))));
        }
        let oid = match self.write_ahead(&ticket) {
            Ok(o) => o,
            Err(e) => return Box::pin(fut::ready(Err(e))),
        };
        let req = request(self.cfg.pos_mode, &ticket.intent, &oid);
        let rest = self.rest.clone();
        let (oid_text, i) = (ticket.client_oid, ticket.intent);
        let show = |p: Option<Decimal>| p.map_or("none".to_string(), |p| p.to_string());
        tracing::info!(actor = "order_router", client_oid = %oid_text, symbol = %i.symbol,
            side = if i.direction == Direction::Buy { "buy" } else { "sell" }, size = %i.size,
            price = %i.limit_price.map_or("market".to_string(), |p| p.to_string()),
            take_profit = %show(i.take_profit), stop_loss = %show(i.stop_loss),
            reduce_only = i.reduce_only, reason = %i.reason, "placing");
        let send = async move { rest.place_order(&req).await };
        Box::pin(send.into_actor(self).map(move |res, act, _| {
            let (phase, order_id, out) = match res {
                Ok(ack) => (OrderPhase::Acknowledged, ack.order_id, Ok(())),
                Err(Error::Unknown { .. }) => (OrderPhase::Unknown, None, Ok(())),
                Err(e) if e.is_retryable() => (OrderPhase::Unknown, None, Ok(())),
                Err(e) => (OrderPhase::Rejected, None, Err(RouterError::Rejected(e))),
            };
            if phase == OrderPhase::Unknown {
                tracing::warn!(actor = "order_router", client_oid = %oid_text, "create outcome unknown; it stays exposure until settled by clientOid");
            }
            let event = OrderEvent { client_oid: oid_text.clone(), symbol: i.symbol, phase, reduce_only: i.reduce_only, at: Instant::now() };
            // Settlement may already know better (a later phase): then this answer is stale.
            match act.journal.set_phase(&oid_text, phase, order_id.as_deref(), act.clock.now_ms()) {
                Ok(true) => act.apply(vec![event]),
                Ok(false) => {}
                // The order is out; settlement finds it by clientOid from its `sent` row.
                Err(e) => tracing::error!(actor = "order_router", client_oid = %oid_text, error = %e, "journal write after sending failed"),
            }
            out.map(|_| Placed { client_oid: oid_text, phase, order_id })
        }))
    }
}

impl Handler<CancelAll> for OrderRouter {
    type Result = ResponseActFuture<Self, Result<usize, RouterError>>;
    fn handle(&mut self, m: CancelAll, _: &mut Self::Context) -> Self::Result {
        let rest = self.rest.clone();
        Box::pin(
            async move { rest.cancel_all_orders(m.0.as_deref()).await }
                .into_actor(self)
                .map(|res, _, _| {
                    res.map(|r| r.success_list.len())
                        .map_err(RouterError::Rejected)
                }),
        )
    }
}
