//! AccountSync: REST reconciliation of balance, positions, open orders and TP/SL plans —
//! periodically, and at once whenever a private WebSocket push (account, positions, orders,
//! orders-algo, fill) says something changed. REST stays the source of truth (pushes can be
//! lost); a failed read is never taken for "flat" or "no orders": nothing is published until
//! a complete read succeeds.

use crate::events::{
    AccountSnapshot, ConnectionEvent, ConnectionKind, Heartbeat, OpenOrderView, PositionView,
    ProtectionSeen,
};
use crate::order_router::SettleNow;
use crate::protection::protection_from_push;
use actix::prelude::*;
use rust_decimal::Decimal;
use std::time::Duration;
use tokio::time::Instant;
use viper_bitget::Credentials;
use viper_bitget::models::{HoldSide, OrderListQuery, PlanListQuery, PlanType};
use viper_bitget::ws::{Channel, PushData, SubArg, WsClient, WsConfig, WsEvent, WsHandle};
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
    every: Duration,
    sinks: SnapshotSinks,
    busy: bool,
    dirty: bool,
    ws: Option<PrivateWs>,
    ws_handle: Option<WsHandle>,
}

impl AccountSync {
    /// Reads every `every`, and on every private push when `ws` is given.
    pub fn new(
        rest: RestClient,
        every: Duration,
        sinks: SnapshotSinks,
        ws: Option<PrivateWs>,
    ) -> Self {
        Self {
            rest,
            every,
            sinks,
            busy: false,
            dirty: false,
            ws,
            ws_handle: None,
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
}

impl StreamHandler<WsEvent> for AccountSync {
    fn handle(&mut self, ev: WsEvent, ctx: &mut Self::Context) {
        match ev {
            WsEvent::Push(p) => {
                if let (PushData::Orders(orders), Some(g)) = (&p.data, &self.sinks.protection) {
                    let now = Instant::now();
                    for seen in orders.iter().filter_map(|o| protection_from_push(o, now)) {
                        let _ = g.try_send(seen);
                    }
                }
                if matches!(p.data, PushData::Orders(_) | PushData::Fills(_))
                    && let Some(s) = &self.sinks.settle
                {
                    let _ = s.try_send(SettleNow);
                }
                // Something changed: reconcile now rather than at the next period.
                ctx.notify(Poll);
            }
            WsEvent::Connected { .. } => self.connection(ConnectionKind::Connected),
            WsEvent::Reconnected { attempt, .. } => {
                tracing::warn!(
                    actor = "account_sync",
                    attempt,
                    "private WebSocket reconnected; reconciling"
                );
                self.connection(ConnectionKind::Reconnected);
                ctx.notify(Poll);
            }
            WsEvent::Disconnected { reason, .. } => {
                tracing::warn!(actor = "account_sync", %reason, "private WebSocket lost; REST polling continues");
                self.connection(ConnectionKind::Disconnected);
            }
            _ => {}
        }
    }

    fn finished(&mut self, _: &mut Self::Context) {
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
        .orders_plan_pending(&PlanListQuery {
            plan_type: PlanType::ProfitLoss,
            symbol: None,
            order: None,
            plan_status: None,
            id_less_than: None,
            limit: None,
        })
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
        ctx.notify(Poll);
        ctx.run_interval(self.every, |_, ctx| ctx.notify(Poll));
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        if let Some(h) = self.ws_handle.take() {
            h.shutdown();
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Poll;

impl Handler<Poll> for AccountSync {
    type Result = ResponseActFuture<Self, ()>;
    fn handle(&mut self, _: Poll, _: &mut Self::Context) -> Self::Result {
        if self.busy {
            self.dirty = true;
            return Box::pin(fut::ready(()));
        }
        self.busy = true;
        self.dirty = false;
        let rest = self.rest.clone();
        Box::pin(async move { read_account(&rest).await }.into_actor(self).map(|res, act, ctx| {
            act.busy = false;
            if act.dirty {
                ctx.notify(Poll);
            }
            match res {
                Ok(snap) => {
                    metrics::gauge!("viper_equity_usdt").set(decimal_f64(snap.equity));
                    metrics::gauge!("viper_positions_open").set(snap.positions.len() as f64);
                    metrics::gauge!("viper_margin_in_use_usdt").set(decimal_f64(snap.positions.iter().map(|p| p.margin).sum()));
                    for s in &act.sinks.snapshots {
                        if let Err(e) = s.try_send(snap.clone()) {
                            tracing::warn!(actor = "account_sync", error = %e, "snapshot not delivered");
                        }
                    }
                    if let Some(h) = &act.sinks.heartbeat {
                        let _ = h.try_send(Heartbeat { actor: "account_sync", ws_message_age: act.ws_handle.as_ref().and_then(|w| w.message_age()) });
                    }
                }
                Err(e) => {
                    metrics::counter!("viper_account_sync_failures_total", "class" => e.class()).increment(1);
                    tracing::warn!(actor = "account_sync", error = %e, "account read failed; keeping the last snapshot");
                }
            }
        }))
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
