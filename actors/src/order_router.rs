//! The OrderRouter: the only actor that places and cancels. Every intent gets its own
//! clientOid, written to the journal before it is sent; a create whose outcome is unknown is
//! settled by querying that clientOid — never by sending again — and declared failed only
//! after the exchange has said "not found" several times (Hummingbot's discipline).

use crate::intent::{Direction, OrderIntent, RiskApproved};
use crate::journal::{Journal, JournalOrder, OrderPhase};
use actix::prelude::*;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;
use viper_bitget::clock::Clock;
use viper_bitget::models::{
    ClientOid, OrderState, OrderType, PosMode, Price, Side, Size, TradeSide,
};
use viper_bitget::{Error, RestClient};

/// Router settings.
#[derive(Debug, Clone)]
pub struct RouterConfig {
    /// Account position mode (decides side/tradeSide mapping).
    pub pos_mode: PosMode,
    /// How often open journal orders are reconciled.
    pub settle_every: Duration,
    /// "Not found" answers before an unknown create is declared rejected.
    pub not_found_limit: i64,
    /// Minimum age before an unknown create may be declared rejected.
    pub not_found_min_age: Duration,
    /// Symbols exposed at most (the last check before sending).
    pub max_positions: usize,
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self {
            pos_mode: PosMode::OneWay,
            settle_every: Duration::from_secs(1),
            not_found_limit: 3,
            not_found_min_age: Duration::from_secs(3),
            max_positions: 3,
        }
    }
}

/// An order changed phase (published to listeners).
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct OrderEvent {
    /// Our id.
    pub client_oid: String,
    /// Symbol.
    pub symbol: String,
    /// New phase.
    pub phase: OrderPhase,
}

/// Place an approved intent.
#[derive(Debug, Message)]
#[rtype(result = "Result<Placed, RouterError>")]
pub struct Place(pub RiskApproved<OrderIntent>);

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
}

/// Run one reconciliation pass now (tests and start-up).
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

/// Subscribe to order events.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SubscribeOrders(pub Recipient<OrderEvent>);

/// The order router actor.
pub struct OrderRouter {
    rest: RestClient,
    journal: Rc<Journal>,
    clock: Arc<dyn Clock>,
    cfg: RouterConfig,
    prefix: String,
    seq: u64,
    listeners: Vec<Recipient<OrderEvent>>,
    settling: bool,
    snapshot: Option<crate::events::AccountSnapshot>,
}

impl OrderRouter {
    /// A router over `journal`; clientOids are `vp<start ms>x<n>` so restarts never reuse one.
    pub fn new(
        rest: RestClient,
        journal: Journal,
        clock: Arc<dyn Clock>,
        cfg: RouterConfig,
    ) -> Self {
        let prefix = format!("vp{}x", clock.now_ms());
        Self {
            rest,
            journal: Rc::new(journal),
            clock,
            cfg,
            prefix,
            seq: 0,
            listeners: Vec::new(),
            settling: false,
            snapshot: None,
        }
    }

    fn next_oid(&mut self) -> String {
        self.seq += 1;
        format!("{}{}", self.prefix, self.seq)
    }
}

impl Actor for OrderRouter {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        tracing::info!(actor = "order_router", "started; settling journal");
        ctx.notify(Tick);
        ctx.run_interval(self.cfg.settle_every, |_, ctx| ctx.notify(Tick));
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Tick;

impl Handler<Tick> for OrderRouter {
    type Result = ResponseActFuture<Self, ()>;
    fn handle(&mut self, _: Tick, _: &mut Self::Context) -> Self::Result {
        if self.settling {
            return Box::pin(fut::ready(()));
        }
        self.settling = true;
        let job = settle_pass(
            self.rest.clone(),
            self.journal.clone(),
            self.clock.clone(),
            self.cfg.clone(),
        );
        Box::pin(job.into_actor(self).map(|res, act, _| {
            act.settling = false;
            match res {
                Ok(events) => act.publish(events),
                Err(e) => {
                    tracing::warn!(actor = "order_router", error = %e, "settlement pass failed")
                }
            }
        }))
    }
}

impl OrderRouter {
    fn publish(&mut self, events: Vec<OrderEvent>) {
        for e in events {
            metrics::counter!("viper_orders_total", "phase" => e.phase.as_str()).increment(1);
            self.listeners
                .retain(|l| l.try_send(e.clone()).is_ok() || l.connected());
        }
    }
}

impl OrderRouter {
    /// The last check, right before sending, against the freshest account snapshot plus the
    /// journal's own in-flight opening orders (which a snapshot may not show yet).
    fn final_check(&self, i: &OrderIntent) -> Result<(), RouterError> {
        if i.reduce_only {
            return Ok(());
        }
        let mut exposed: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        if let Some(s) = &self.snapshot {
            exposed.extend(s.positions.iter().map(|p| p.symbol.clone()));
            exposed.extend(
                s.open_orders
                    .iter()
                    .filter(|o| !o.reduce_only)
                    .map(|o| o.symbol.clone()),
            );
        }
        let in_flight = self.journal.open_orders()?;
        exposed.extend(
            in_flight
                .iter()
                .filter(|o| !o.reduce_only)
                .map(|o| o.symbol.clone()),
        );
        if exposed.contains(&i.symbol) {
            return Err(RouterError::Invalid(format!(
                "last check: already exposed in {}",
                i.symbol
            )));
        }
        if exposed.len() >= self.cfg.max_positions {
            return Err(RouterError::Invalid(format!(
                "last check: {} symbols exposed; limit {}",
                exposed.len(),
                self.cfg.max_positions
            )));
        }
        Ok(())
    }
}

impl Handler<crate::events::AccountSnapshot> for OrderRouter {
    type Result = ();
    fn handle(&mut self, m: crate::events::AccountSnapshot, _: &mut Self::Context) {
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
    type Result = ResponseActFuture<Self, Result<usize, RouterError>>;
    fn handle(&mut self, _: SettleNow, _: &mut Self::Context) -> Self::Result {
        let job = settle_pass(
            self.rest.clone(),
            self.journal.clone(),
            self.clock.clone(),
            self.cfg.clone(),
        );
        Box::pin(job.into_actor(self).map(|res, act, _| {
            let events = res?;
            let n = events.len();
            act.publish(events);
            Ok(n)
        }))
    }
}

/// Maps an intent to Bitget's side/tradeSide for the account's position mode.
fn sides(mode: PosMode, i: &OrderIntent) -> (Side, Option<TradeSide>, Option<bool>) {
    match (mode, i.direction, i.reduce_only) {
        (PosMode::Hedge, Direction::Buy, false) => (Side::Buy, Some(TradeSide::Open), None),
        (PosMode::Hedge, Direction::Sell, false) => (Side::Sell, Some(TradeSide::Open), None),
        // Hedge close: side names the position (close long = buy + close).
        (PosMode::Hedge, Direction::Sell, true) => (Side::Buy, Some(TradeSide::Close), None),
        (PosMode::Hedge, Direction::Buy, true) => (Side::Sell, Some(TradeSide::Close), None),
        (_, Direction::Buy, r) => (Side::Buy, None, r.then_some(true)),
        (_, Direction::Sell, r) => (Side::Sell, None, r.then_some(true)),
    }
}

fn request(
    mode: PosMode,
    i: &OrderIntent,
    oid: &ClientOid,
) -> viper_bitget::models::PlaceOrderRequest {
    let (side, trade_side, reduce_only) = sides(mode, i);
    let order_type = if i.limit_price.is_some() {
        OrderType::Limit
    } else {
        OrderType::Market
    };
    let mut req = viper_bitget::models::PlaceOrderRequest::new(
        &i.symbol,
        side,
        order_type,
        Size(i.size),
        oid.clone(),
    );
    req.price = i.limit_price.map(Price);
    req.trade_side = trade_side;
    req.reduce_only = reduce_only;
    // One TP/SL path only: presets on the opening order become the position's TP/SL.
    if !i.reduce_only {
        req.preset_stop_surplus_price = i.take_profit.map(Price);
        req.preset_stop_loss_price = i.stop_loss.map(Price);
    }
    req
}

impl Handler<Place> for OrderRouter {
    type Result = ResponseActFuture<Self, Result<Placed, RouterError>>;

    fn handle(&mut self, msg: Place, _: &mut Self::Context) -> Self::Result {
        let intent = msg.0.into_inner();
        if let Err(e) = self.final_check(&intent) {
            metrics::counter!("viper_router_last_check_refusals_total").increment(1);
            tracing::warn!(actor = "order_router", symbol = %intent.symbol, error = %e, "refused by the last check");
            return Box::pin(fut::ready(Err(e)));
        }
        let oid_text = self.next_oid();
        let prepared = ClientOid::new(oid_text.clone())
            .map_err(|e| RouterError::Invalid(e.to_string()))
            .and_then(|oid| {
                let now = self.clock.now_ms();
                let dir = if intent.direction == Direction::Buy {
                    "buy"
                } else {
                    "sell"
                };
                self.journal.insert(&JournalOrder {
                    client_oid: oid_text.clone(),
                    symbol: intent.symbol.clone(),
                    direction: dir.into(),
                    size: intent.size.to_string(),
                    price: intent.limit_price.map(|p| p.to_string()),
                    reduce_only: intent.reduce_only,
                    take_profit: intent.take_profit.map(|p| p.to_string()),
                    stop_loss: intent.stop_loss.map(|p| p.to_string()),
                    phase: OrderPhase::Intent,
                    order_id: None,
                    not_found: 0,
                    reason: intent.reason.clone(),
                    created_ms: now,
                    updated_ms: now,
                })?;
                self.journal
                    .set_phase(&oid_text, OrderPhase::Sent, None, now)?;
                Ok(oid)
            });
        let oid = match prepared {
            Ok(o) => o,
            Err(e) => return Box::pin(fut::ready(Err(e))),
        };
        let req = request(self.cfg.pos_mode, &intent, &oid);
        let rest = self.rest.clone();
        tracing::info!(actor = "order_router", client_oid = %oid_text, symbol = %intent.symbol, size = %intent.size, reason = %intent.reason, "placing");
        Box::pin(async move { rest.place_order(&req).await }.into_actor(self).map(move |res, act, _| {
            let now = act.clock.now_ms();
            let (phase, order_id, out) = match res {
                Ok(ack) => (OrderPhase::Acknowledged, ack.order_id.clone(), Ok(())),
                Err(Error::Unknown { .. }) => (OrderPhase::Unknown, None, Ok(())),
                Err(e) if e.is_retryable() => (OrderPhase::Unknown, None, Ok(())),
                Err(e) => (OrderPhase::Rejected, None, Err(RouterError::Rejected(e))),
            };
            act.journal.set_phase(&oid_text, phase, order_id.as_deref(), now)?;
            act.publish(vec![OrderEvent { client_oid: oid_text.clone(), symbol: intent.symbol.clone(), phase }]);
            if phase == OrderPhase::Unknown {
                tracing::warn!(actor = "order_router", client_oid = %oid_text, "create outcome unknown; settling by clientOid");
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

/// Phase implied by an exchange order state.
fn phase_of(state: &OrderState) -> OrderPhase {
    match state {
        OrderState::Filled => OrderPhase::Filled,
        OrderState::Canceled => OrderPhase::Cancelled,
        _ => OrderPhase::Live,
    }
}

/// Reconciles every non-final journal order with the exchange; returns what changed.
async fn settle_pass(
    rest: RestClient,
    journal: Rc<Journal>,
    clock: Arc<dyn Clock>,
    cfg: RouterConfig,
) -> Result<Vec<OrderEvent>, RouterError> {
    let mut events = Vec::new();
    for o in journal.open_orders()? {
        let now = clock.now_ms();
        if o.phase == OrderPhase::Intent {
            // Written but never marked sent: the process stopped before sending.
            journal.set_phase(&o.client_oid, OrderPhase::Rejected, None, now)?;
            events.push(OrderEvent {
                client_oid: o.client_oid,
                symbol: o.symbol,
                phase: OrderPhase::Rejected,
            });
            continue;
        }
        let Ok(oid) = ClientOid::new(o.client_oid.clone()) else {
            continue;
        };
        let found = match rest.settle_order(&o.symbol, &oid).await {
            Ok(f) => f,
            Err(e) => {
                tracing::debug!(client_oid = %o.client_oid, error = %e, "settle query failed; retrying next pass");
                continue;
            }
        };
        let order_id = found
            .as_ref()
            .map(|ex| ex.order_id.clone())
            .or(o.order_id.clone());
        let new_phase = match found {
            Some(ex) => phase_of(&ex.state),
            None => {
                let count = journal.bump_not_found(&o.client_oid, now)?;
                let old_enough = now - o.created_ms >= cfg.not_found_min_age.as_millis() as i64;
                if count >= cfg.not_found_limit && old_enough {
                    OrderPhase::Rejected
                } else {
                    continue;
                }
            }
        };
        if new_phase != o.phase {
            journal.set_phase(&o.client_oid, new_phase, order_id.as_deref(), now)?;
            tracing::info!(client_oid = %o.client_oid, from = o.phase.as_str(), to = new_phase.as_str(), "order phase");
            events.push(OrderEvent {
                client_oid: o.client_oid,
                symbol: o.symbol,
                phase: new_phase,
            });
        }
    }
    Ok(events)
}
