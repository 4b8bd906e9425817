//! Settlement: reconciles every non-final journal order with the exchange by clientOid, one
//! pass at a time. Found → its real state. Not found → it stays what it was (an unknown create
//! stays exposure) until it is older than the horizon *and* the exchange's order history over
//! its lifetime does not list it; only then is it `rejected`. An answer that cannot be read
//! concludes nothing.

use crate::journal::{Journal, JournalOrder, OrderPhase};
use crate::order_router::{OrderEvent, OrderRouter, RouterError};
use actix::prelude::*;
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::Instant;
use viper_bitget::clock::Clock;
use viper_bitget::models::{ClientOid, Order, OrderListQuery, OrderState};
use viper_bitget::{Error, RestClient};

/// The history is searched from this long before the order was written (clock skew between
/// us and the exchange).
const HISTORY_SLACK_MS: i64 = 60_000;
/// Pages of 100 read at most; a longer history proves nothing and the order stays unknown.
const HISTORY_MAX_PAGES: usize = 20;

type Waiter = oneshot::Sender<Result<usize, String>>;

/// One pass at a time; requests made during a pass coalesce into one more pass after it.
#[derive(Default)]
pub struct SettleQueue {
    /// A pass is running.
    pub running: bool,
    again: bool,
    current: Vec<Waiter>,
    next: Vec<Waiter>,
}

impl OrderRouter {
    /// Starts a pass now, or queues one after the running pass; `waiter` hears its outcome.
    pub(crate) fn request_settle(&mut self, waiter: Option<Waiter>, ctx: &mut Context<Self>) {
        if self.settle.running {
            self.settle.next.extend(waiter);
            self.settle.again = true;
            return;
        }
        self.settle.current.extend(waiter);
        self.start_settle(ctx);
    }

    fn start_settle(&mut self, ctx: &mut Context<Self>) {
        self.settle.running = true;
        let job = settle_pass(
            self.rest.clone(),
            self.journal.clone(),
            self.clock.clone(),
            self.cfg.unknown_horizon,
            self.adopted.clone(),
        );
        ctx.spawn(job.into_actor(self).map(|res, act, ctx| {
            act.settle.running = false;
            let out = match res {
                Ok((events, strays)) => {
                    let n = events.len();
                    act.apply(events);
                    for (oid, symbol) in strays {
                        act.adopt(&oid, &symbol, "found after it was declared rejected");
                    }
                    Ok(n)
                }
                Err(e) => {
                    tracing::warn!(actor = "order_router", error = %e, "settlement pass failed");
                    Err(e.to_string())
                }
            };
            for w in act.settle.current.drain(..) {
                let _ = w.send(out.clone());
            }
            if std::mem::take(&mut act.settle.again) {
                act.settle.current = std::mem::take(&mut act.settle.next);
                act.start_settle(ctx);
            }
        }));
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

/// Reconciles every non-final journal order; returns the transitions it wrote, and the orders
/// settlement had declared rejected that the exchange shows after all.
async fn settle_pass(
    rest: RestClient,
    journal: Rc<Journal>,
    clock: Arc<dyn Clock>,
    horizon: Duration,
    adopted: HashSet<String>,
) -> Result<(Vec<OrderEvent>, Vec<(String, String)>), RouterError> {
    let mut events = Vec::new();
    for o in journal.open_orders()? {
        let Some((phase, order_id)) = settle_one(&rest, &journal, &clock, &o, horizon).await?
        else {
            continue;
        };
        if journal.set_phase(&o.client_oid, phase, order_id.as_deref(), clock.now_ms())? {
            tracing::info!(client_oid = %o.client_oid, from = o.phase.as_str(), to = phase.as_str(), "order phase");
            events.push(OrderEvent {
                client_oid: o.client_oid,
                symbol: o.symbol,
                phase,
                reduce_only: o.reduce_only,
                at: Instant::now(),
            });
        }
    }
    // A create applied beyond the horizon: watched for one more horizon after rejection.
    let since = clock.now_ms() - horizon.as_millis() as i64;
    let mut strays = Vec::new();
    for o in journal.settled_rejections(since)? {
        let Ok(oid) = ClientOid::new(o.client_oid.clone()) else {
            continue;
        };
        if adopted.contains(&o.client_oid) {
            continue;
        }
        if let Ok(Some(_)) = rest.settle_order(&o.symbol, &oid).await {
            strays.push((o.client_oid, o.symbol));
        }
    }
    Ok((events, strays))
}

/// What the exchange says about one order: Some(phase, order id) when something was learned.
async fn settle_one(
    rest: &RestClient,
    journal: &Journal,
    clock: &Arc<dyn Clock>,
    o: &JournalOrder,
    horizon: Duration,
) -> Result<Option<(OrderPhase, Option<String>)>, RouterError> {
    if o.phase == OrderPhase::Intent {
        // Written but never marked sent: the process stopped before sending.
        return Ok(Some((OrderPhase::Rejected, None)));
    }
    let Ok(oid) = ClientOid::new(o.client_oid.clone()) else {
        return Ok(None);
    };
    let found = match rest.settle_order(&o.symbol, &oid).await {
        Ok(f) => f,
        Err(e) => {
            tracing::debug!(client_oid = %o.client_oid, error = %e, "settle query failed; unknown until a readable answer");
            return Ok(None);
        }
    };
    if let Some(ex) = found {
        return Ok(Some((phase_of(&ex.state), Some(ex.order_id))));
    }
    let now = clock.now_ms();
    journal.bump_not_found(&o.client_oid, now)?;
    if now - o.created_ms < horizon.as_millis() as i64 {
        return Ok(None);
    }
    match find_in_history(
        rest,
        &o.symbol,
        &o.client_oid,
        o.created_ms - HISTORY_SLACK_MS,
    )
    .await
    {
        Ok(Some(ex)) => Ok(Some((phase_of(&ex.state), Some(ex.order_id)))),
        Ok(None) => {
            tracing::warn!(client_oid = %o.client_oid, age_ms = now - o.created_ms, "not found and absent from the order history: rejected");
            Ok(Some((OrderPhase::Rejected, None)))
        }
        Err(e) => {
            tracing::warn!(client_oid = %o.client_oid, error = %e, "order history unreadable; the order stays unknown");
            Ok(None)
        }
    }
}

/// Searches the order history of `symbol` since `since_ms` for `client_oid`, page by page.
/// Ok(None) only when the whole window was read and it is not there.
async fn find_in_history(
    rest: &RestClient,
    symbol: &str,
    client_oid: &str,
    since_ms: i64,
) -> Result<Option<Order>, Error> {
    let mut cursor = None;
    for _ in 0..HISTORY_MAX_PAGES {
        let q = OrderListQuery {
            symbol: Some(symbol.to_string()),
            start_time: Some(since_ms.max(0)),
            id_less_than: cursor.take(),
            limit: Some(100),
            ..OrderListQuery::default()
        };
        let page = rest.orders_history(&q).await?;
        let full = page.entrusted_list.len() >= 100;
        if let Some(o) = page
            .entrusted_list
            .into_iter()
            .find(|o| o.client_oid.as_deref() == Some(client_oid))
        {
            return Ok(Some(o));
        }
        match page.end_id {
            Some(end) if full && !end.is_empty() => cursor = Some(end),
            _ => return Ok(None),
        }
    }
    Err(Error::InvalidRequest(format!(
        "order history of {symbol} longer than {HISTORY_MAX_PAGES} pages"
    )))
}
