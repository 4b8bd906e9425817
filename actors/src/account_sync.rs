//! AccountSync: REST reconciliation of balance, positions, open orders and TP/SL plans,
//! WebSocket-first. While the private socket is healthy it reads on pushes (account,
//! positions, orders, orders-algo, fill; debounced) and on a slow period; when the socket is
//! down or silent, a read fails or a position lacks its stop-loss, it polls fast; the gate
//! can ask for a read at once (`RefreshAccount`). The rule is `sync_cadence`. REST stays the
//! source of truth (pushes can be lost); a failed read is never taken for "flat" or "no
//! orders": nothing is published until a complete read succeeds.

use crate::events::{
    AccountSnapshot, ConnectionEvent, ConnectionKind, Heartbeat, OpenOrderView, PositionView,
    ProtectionSeen,
};
use crate::order_router::SettleNow;
use crate::protection::{PushConfirmations, protection_from_push};
use crate::sync_cadence::{Cadence, SyncPeriods, Watch};
use actix::prelude::*;
use rust_decimal::Decimal;
use tokio::time::Instant;
use viper_bitget::Credentials;
use viper_bitget::models::{HoldSide, OrderListQuery, PlanListQuery, PlanType};
use viper_bitget::ws::{
    Channel, ConnState, PushData, SubArg, WsClient, WsConfig, WsEvent, WsHandle,
};
use viper_bitget::{Error, RestClient};

/// Where snapshots go.
#[derive(Clone, Default)]
pub struct SnapshotSinks {
    /// Receivers of every snapshot.
    pub snapshots: Vec<Recipient<AccountSnapshot>>,
    /// Heartbeat receiver.
    pub heartbeat: Option<Recipient<Heartbeat>>,
    /// Told to settle journal orders when an `orders` push arrives.
    pub settle: Option<Recipient<SettleNow>>,
    /// Connection state changes.
    pub connections: Vec<Recipient<ConnectionEvent>>,
    /// Told when a fill push proves a position's attached stop-loss (the stop-loss guard).
    pub protection: Option<Recipient<ProtectionSeen>>,
}

/// The private WebSocket: its settings and the credentials to log in with.
#[derive(Clone)]
pub struct PrivateWs {
    /// Client settings (private URL).
    pub config: WsConfig,
    /// API credentials.
    pub credentials: Credentials,
}

/// The account-sync actor.
pub struct AccountSync {
    rest: RestClient,
    periods: SyncPeriods,
    sinks: SnapshotSinks,
    busy: bool,
    cadence: Cadence,
    /// The last read failed, or what it showed needs a close watch.
    close_watch: bool,
    /// Stops confirmed by fill pushes (they count as protection for older snapshots).
    confirmed: PushConfirmations,
    held: bool,
    ws: Option<PrivateWs>,
    ws_handle: Option<WsHandle>,
    /// Lost and not reconnected yet (the handle's state may lag the event).
    ws_lost: bool,
    /// Reported quiet (its pong overdue, `WsEvent::Quiet`) and not heard from since.
    ws_quiet: bool,
    /// The timer for the next due read, and when it fires. Reads are scheduled for when
    /// the cadence makes them due, not polled for: an idle bot wakes only then.
    next_read: Option<(Instant, SpawnHandle)>,
}

impl AccountSync {
    /// Reads on the cadence of `periods`, and on every private push when `ws` is given;
    /// without `ws` it polls at `periods.fast`.
    pub fn new(
        rest: RestClient,
        periods: SyncPeriods,
        sinks: SnapshotSinks,
        ws: Option<PrivateWs>,
    ) -> Self {
        Self {
            rest,
            periods,
            sinks,
            busy: false,
            cadence: Cadence::default(),
            close_watch: true,
            confirmed: PushConfirmations::default(),
            held: false,
            ws,
            ws_handle: None,
            ws_lost: false,
            ws_quiet: false,
            next_read: None,
        }
    }

    fn connection(&self, kind: ConnectionKind) {
        for c in &self.sinks.connections {
            let _ = c.try_send(ConnectionEvent {
                connection: "ws_private",
                kind,
            });
        }
    }

    /// Live, logged in, and not reported quiet (it answers its pings).
    fn ws_healthy(&self) -> bool {
        let Some(h) = &self.ws_handle else {
            return false;
        };
        !self.ws_lost && !self.ws_quiet && h.state() == ConnState::Live
    }

    fn watch(&self) -> Watch {
        if self.close_watch || !self.ws_healthy() {
            Watch::Close
        } else if self.held {
            Watch::Held
        } else {
            Watch::Quiet
        }
    }

    /// Reads if one is due, else makes sure the timer fires when the next one is. Called on
    /// every event that can move the cadence (pushes, demands, socket state, a read's end).
    fn check(&mut self, ctx: &mut Context<Self>) {
        if self.busy {
            // The read's end checks again.
            return;
        }
        let now = Instant::now();
        let watch = self.watch();
        if self.cadence.due(now, watch, &self.periods) {
            self.cancel_timer(ctx);
            self.cadence.started(now);
            self.read(ctx);
            return;
        }
        let Some(at) = self.cadence.next_due(watch, &self.periods) else {
            return;
        };
        if self.next_read.as_ref().is_some_and(|(t, _)| *t == at) {
            return;
        }
        self.cancel_timer(ctx);
        let handle = ctx.run_later(at.saturating_duration_since(now), |act, ctx| {
            act.next_read = None;
            act.check(ctx);
        });
        self.next_read = Some((at, handle));
    }

    fn cancel_timer(&mut self, ctx: &mut Context<Self>) {
        if let Some((_, h)) = self.next_read.take() {
            ctx.cancel_future(h);
        }
    }
}

impl StreamHandler<WsEvent> for AccountSync {
    fn handle(&mut self, ev: WsEvent, ctx: &mut Self::Context) {
        match ev {
            WsEvent::Push(p) => {
                if let PushData::Orders(orders) = &p.data {
                    let now = Instant::now();
                    for seen in orders.iter().filter_map(|o| protection_from_push(o, now)) {
                        // A confirmed stop needs no fast polling to be seen in a snapshot.
                        self.confirmed.record(&seen);
                        if let Some(g) = &self.sinks.protection {
                            let _ = g.try_send(seen);
                        }
                    }
                }
                if matches!(p.data, PushData::Orders(_) | PushData::Fills(_))
                    && let Some(s) = &self.sinks.settle
                {
                    let _ = s.try_send(SettleNow);
                }
                // Something changed: reconcile soon rather than at the next period.
                self.cadence.pushed(Instant::now());
                self.check(ctx);
            }
            WsEvent::Quiet { silent_for, .. } => {
                tracing::warn!(
                    actor = "account_sync",
                    ?silent_for,
                    "private WebSocket quiet (pong overdue); fast REST polling until it is heard again"
                );
                self.ws_quiet = true;
                self.check(ctx);
            }
            WsEvent::Heard { .. } => {
                tracing::info!(actor = "account_sync", "private WebSocket heard again");
                self.ws_quiet = false;
                self.check(ctx);
            }
            WsEvent::Connected { .. } => {
                self.ws_lost = false;
                self.ws_quiet = false;
                self.connection(ConnectionKind::Connected);
                self.check(ctx);
            }
            WsEvent::Reconnected { attempt, .. } => {
                tracing::warn!(
                    actor = "account_sync",
                    attempt,
                    "private WebSocket reconnected; reconciling"
                );
                self.ws_lost = false;
                self.ws_quiet = false;
                self.connection(ConnectionKind::Reconnected);
                // Pushes may have been missed while it was down.
                self.cadence.demanded(Instant::now());
                self.check(ctx);
            }
            WsEvent::Disconnected { reason, .. } => {
                tracing::warn!(actor = "account_sync", %reason, "private WebSocket lost; fast REST polling until it is back");
                self.ws_lost = true;
                self.connection(ConnectionKind::Disconnected);
                self.check(ctx);
            }
            _ => {}
        }
    }

    fn finished(&mut self, ctx: &mut Self::Context) {
        self.ws_lost = true;
        self.check(ctx);
        tracing::warn!(
            actor = "account_sync",
            "private WebSocket stream ended; REST polling only"
        );
    }
}

/// Reads the whole account now.
/// The snapshot is stamped with the time the read started: everything the exchange confirmed
/// before that instant is reflected in it (what the exposure ledger relies on).
pub async fn read_account(rest: &RestClient) -> Result<AccountSnapshot, Error> {
    let started = Instant::now();
    let accounts = rest.accounts().await?;
    let usdt = accounts
        .iter()
        .find(|a| a.margin_coin.eq_ignore_ascii_case("USDT"));
    let (equity, available) = usdt
        .map(|a| (a.account_equity, a.available))
        .unwrap_or_default();
    let unrealised = usdt.and_then(|a| a.unrealized_pl).unwrap_or_default();
    // Orders before positions: an order that fills between the two reads shows up as a
    // position, never as nothing (the exposure ledger relies on it).
    let orders = rest.orders_pending(&OrderListQuery::default()).await?;
    let positions = rest.all_positions().await?;
    let plans = rest
        .orders_plan_pending(&PlanListQuery::all(PlanType::ProfitLoss))
        .await?;
    let positions: Vec<PositionView> = positions
        .into_iter()
        .filter(|p| p.total.0 > Decimal::ZERO)
        .map(|p| PositionView {
            long: matches!(p.hold_side, HoldSide::Long | HoldSide::Buy),
            size: p.total.0,
            entry: p.open_price_avg.0,
            margin: p.margin_size.unwrap_or_default(),
            leverage: p.leverage,
            stop_loss: p.stop_loss.map(|x| x.0),
            take_profit: p.take_profit.map(|x| x.0),
            symbol: p.symbol,
        })
        .collect();
    crate::metrics::account_pnl(equity, unrealised);
    crate::metrics::positions(&positions);
    Ok(AccountSnapshot {
        equity,
        available,
        positions,
        open_orders: orders
            .entrusted_list
            .into_iter()
            .map(|o| OpenOrderView {
                remaining: o.size.0 - o.base_volume.map(|b| b.0).unwrap_or_default(),
                price: o.price.map(|p| p.0).filter(|p| !p.is_zero()),
                reduce_only: o.reduce_only.unwrap_or(false)
                    || matches!(o.trade_side, Some(viper_bitget::models::TradeSide::Close)),
                symbol: o.symbol,
                client_oid: o.client_oid,
                order_id: o.order_id,
            })
            .collect(),
        tpsl_plans: plans
            .entrusted_list
            .into_iter()
            .map(|p| (p.symbol, p.plan_type.to_string(), p.trigger_price.0))
            .collect(),
        at: started,
    })
}

impl Actor for AccountSync {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        if let Some(ws) = self.ws.clone() {
            let subs = [
                Channel::Account,
                Channel::Positions,
                Channel::Orders,
                Channel::OrdersAlgo,
                Channel::Fill,
            ]
            .into_iter()
            .map(SubArg::private)
            .collect();
            match WsClient::start(ws.config, subs, Some(ws.credentials)) {
                Ok((handle, rx)) => {
                    self.ws_handle = Some(handle);
                    ctx.add_stream(futures_util::stream::unfold(rx, |mut rx| async move {
                        rx.recv().await.map(|e| (e, rx))
                    }));
                }
                Err(e) => {
                    tracing::error!(actor = "account_sync", error = %e, "private WebSocket not started; REST only")
                }
            }
        }
        self.check(ctx);
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        if let Some(h) = self.ws_handle.take() {
            h.shutdown();
        }
    }
}

/// Read the account as soon as possible: the answer is a snapshot whose read started after
/// this request (the gate asks when its snapshot is too old to trust).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct RefreshAccount;

impl Handler<RefreshAccount> for AccountSync {
    type Result = ();
    fn handle(&mut self, _: RefreshAccount, ctx: &mut Self::Context) {
        self.cadence.demanded(Instant::now());
        self.check(ctx);
    }
}

/// A refresh reaches whichever instance the watchdog runs now.
impl Handler<RefreshAccount> for crate::supervisor::Watchdog<AccountSync> {
    type Result = ();
    fn handle(&mut self, m: RefreshAccount, _: &mut Self::Context) {
        if let Err(e) = self.current().try_send(m) {
            tracing::warn!(actor = "account_sync", error = %e, "refresh not delivered (restarting?)");
        }
    }
}

impl AccountSync {
    fn read(&mut self, ctx: &mut Context<Self>) {
        self.busy = true;
        let rest = self.rest.clone();
        let job = async move { read_account(&rest).await };
        ctx.spawn(job.into_actor(self).map(|res, act, ctx| {
            act.busy = false;
            match res {
                Ok(snap) => act.publish(snap),
                Err(e) => {
                    act.close_watch = true;
                    metrics::counter!("viper_account_sync_failures_total", "class" => e.class()).increment(1);
                    tracing::warn!(actor = "account_sync", error = %e, "account read failed; keeping the last snapshot");
                }
            }
            act.check(ctx);
        }));
    }

    fn publish(&mut self, snap: AccountSnapshot) {
        self.confirmed.superseded_by(snap.at);
        self.close_watch = snap
            .positions
            .iter()
            .any(|p| !self.confirmed.protected(&snap, p));
        self.held = snap.holds_anything();
        metrics::gauge!("viper_equity_usdt").set(decimal_f64(snap.equity));
        metrics::gauge!("viper_positions_open").set(snap.positions.len() as f64);
        metrics::gauge!("viper_margin_in_use_usdt")
            .set(decimal_f64(snap.positions.iter().map(|p| p.margin).sum()));
        for s in &self.sinks.snapshots {
            if let Err(e) = s.try_send(snap.clone()) {
                tracing::warn!(actor = "account_sync", error = %e, "snapshot not delivered");
            }
        }
        if let Some(h) = &self.sinks.heartbeat {
            let _ = h.try_send(Heartbeat {
                actor: "account_sync",
                ws_message_age: self.ws_handle.as_ref().and_then(|w| w.message_age()),
            });
        }
    }
}

/// A statistic for metrics (never used for money decisions).
pub fn decimal_f64(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(0.0)
}

impl Handler<crate::supervisor::Retire> for AccountSync {
    type Result = ();
    fn handle(&mut self, _: crate::supervisor::Retire, ctx: &mut Self::Context) {
        ctx.stop();
    }
}
