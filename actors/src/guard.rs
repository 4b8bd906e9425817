//! The stop-loss guard: every open position must have an exchange-side stop-loss. On each
//! account snapshot, a position without one (adopted from outside the bot, or whose stop was
//! removed) gets a position stop-loss placed at once; if that cannot be done within a bound,
//! the position is closed at market. The time each position spent unprotected is exported.
//! A fill push carrying the order's attached stop-loss (`ProtectionSeen`) counts as
//! protection for snapshots read before it, so the guard neither waits for nor spends a REST
//! read to learn what the push already said; a snapshot read after it is authoritative.

use crate::events::{AccountSnapshot, PositionView, ProtectionSeen};
use crate::protection::PushConfirmations;
use crate::supervisor::Watchdog;
use actix::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;
use viper_bitget::RestClient;
use viper_bitget::models::{
    HoldSide, PlacePosTpslRequest, PosMode, Price, ProductType, TriggerType,
};

/// Guard settings.
#[derive(Debug, Clone)]
pub struct GuardConfig {
    /// Stop distance for a position that has none, fraction of entry (0.004 = 0.4 %).
    pub stop_distance: Decimal,
    /// Price tick of every contract (stops are rounded to it; a position in any symbol,
    /// configured or not, gets a stop the exchange accepts).
    pub ticks: HashMap<String, Decimal>,
    /// Position mode (decides `holdSide`).
    pub pos_mode: PosMode,
    /// A fresh position may lack its stop this long (presets attach on fill) before acting.
    pub grace: Duration,
    /// After this long unprotected, close the position instead.
    pub close_after: Duration,
    /// Data directory of the journal: a close the guard makes is marked there first, so
    /// the trade log names its exit `guard_close` (None: not marked).
    pub close_marks: Option<std::path::PathBuf>,
}

/// Counters of what the guard did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuardStats {
    /// Stops placed.
    pub placed: u64,
    /// Positions closed because no stop could be placed.
    pub closed: u64,
    /// Failed attempts.
    pub failures: u64,
    /// Positions whose protection a fill push confirmed.
    pub confirmed_by_push: u64,
    /// Positions currently counted as unprotected (as of the last snapshot or push).
    pub unprotected: usize,
}

/// Ask for the counters.
#[derive(Debug, Message)]
#[rtype(result = "GuardStats")]
pub struct GetGuardStats;

/// The guard actor.
pub struct StopLossGuard {
    rest: RestClient,
    cfg: GuardConfig,
    unprotected_since: HashMap<(String, bool), Instant>,
    /// Stops confirmed by fill pushes.
    confirmed: PushConfirmations,
    busy: bool,
    stats: GuardStats,
}

impl StopLossGuard {
    /// New guard.
    pub fn new(rest: RestClient, cfg: GuardConfig) -> Self {
        Self {
            rest,
            cfg,
            unprotected_since: HashMap::new(),
            confirmed: PushConfirmations::default(),
            busy: false,
            stats: GuardStats::default(),
        }
    }

    fn stop_price(&self, p: &PositionView) -> Decimal {
        let tick = self
            .cfg
            .ticks
            .get(&p.symbol)
            .copied()
            .unwrap_or(Decimal::ZERO);
        let raw = if p.long {
            p.entry * (Decimal::ONE - self.cfg.stop_distance)
        } else {
            p.entry * (Decimal::ONE + self.cfg.stop_distance)
        };
        if tick.is_zero() {
            raw
        } else {
            (raw / tick).round() * tick
        }
    }

    fn hold_side(&self, long: bool) -> HoldSide {
        match (self.cfg.pos_mode, long) {
            (PosMode::Hedge, true) => HoldSide::Long,
            (PosMode::Hedge, false) => HoldSide::Short,
            (_, true) => HoldSide::Buy,
            (_, false) => HoldSide::Sell,
        }
    }
}

impl StopLossGuard {
    fn publish_unprotected(&mut self) {
        self.stats.unprotected = self.unprotected_since.len();
        metrics::gauge!("viper_unprotected_positions").set(self.unprotected_since.len() as f64);
    }
}

impl Handler<ProtectionSeen> for StopLossGuard {
    type Result = ();
    fn handle(&mut self, m: ProtectionSeen, _: &mut Self::Context) {
        let key = (m.symbol.clone(), m.long);
        if let Some(since) = self.unprotected_since.remove(&key) {
            metrics::histogram!("viper_unprotected_position_seconds")
                .record(since.elapsed().as_secs_f64());
        }
        tracing::debug!(actor = "stop_loss_guard", symbol = %key.0, long = key.1, stop_loss = %m.stop_loss, "fill push confirms the attached stop-loss");
        metrics::counter!("viper_protection_confirmed_by_push_total").increment(1);
        self.stats.confirmed_by_push += 1;
        self.confirmed.record(&m);
        self.publish_unprotected();
    }
}

/// Pushes reach whichever guard instance the watchdog runs now.
impl Handler<ProtectionSeen> for Watchdog<StopLossGuard> {
    type Result = ();
    fn handle(&mut self, m: ProtectionSeen, _: &mut Self::Context) {
        if let Err(e) = self.current().try_send(m) {
            tracing::warn!(actor = "stop_loss_guard", error = %e, "protection push not delivered (restarting?)");
        }
    }
}

impl Actor for StopLossGuard {
    type Context = Context<Self>;
}

enum Action {
    Protect(PositionView, Decimal, HoldSide),
    Close(PositionView),
}

impl Handler<AccountSnapshot> for StopLossGuard {
    type Result = ResponseActFuture<Self, ()>;
    fn handle(&mut self, snap: AccountSnapshot, _: &mut Self::Context) -> Self::Result {
        let now = Instant::now();
        let mut actions = Vec::new();
        let live: Vec<(String, bool)> = snap
            .positions
            .iter()
            .map(|p| (p.symbol.clone(), p.long))
            .collect();
        self.unprotected_since.retain(|k, _| live.contains(k));
        // A snapshot read after a push is authoritative; older confirmations lapse.
        self.confirmed.superseded_by(snap.at);
        for p in &snap.positions {
            let key = (p.symbol.clone(), p.long);
            if self.confirmed.protected(&snap, p) {
                if let Some(since) = self.unprotected_since.remove(&key) {
                    metrics::histogram!("viper_unprotected_position_seconds")
                        .record(since.elapsed().as_secs_f64());
                }
                continue;
            }
            let since = *self.unprotected_since.entry(key).or_insert(snap.at);
            let gone = now.duration_since(since);
            if gone >= self.cfg.close_after {
                actions.push(Action::Close(p.clone()));
            } else if gone >= self.cfg.grace {
                actions.push(Action::Protect(
                    p.clone(),
                    self.stop_price(p),
                    self.hold_side(p.long),
                ));
            }
        }
        self.publish_unprotected();
        if actions.is_empty() || self.busy {
            return Box::pin(fut::ready(()));
        }
        self.busy = true;
        let rest = self.rest.clone();
        for a in &actions {
            if let (Action::Close(p), Some(dir)) = (a, &self.cfg.close_marks) {
                mark_guard_close(dir, &p.symbol);
            }
        }
        Box::pin(
            async move { run(rest, actions).await }
                .into_actor(self)
                .map(|res, act, _| {
                    act.busy = false;
                    act.stats.placed += res.0;
                    act.stats.closed += res.1;
                    act.stats.failures += res.2;
                }),
        )
    }
}

/// Marks a coming guard close in the journal's trade log (best effort: an unmarked close
/// is recorded with exit reason `unknown`).
fn mark_guard_close(data_dir: &std::path::Path, symbol: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let marked = crate::trade_log::TradeLog::open(data_dir)
        .and_then(|log| log.mark_close(symbol, crate::trade_log::ExitReason::GuardClose, now));
    if let Err(e) = marked {
        tracing::warn!(actor = "stop_loss_guard", symbol, error = %e, "cannot mark the guard close in the trade log");
    }
}

async fn run(rest: RestClient, actions: Vec<Action>) -> (u64, u64, u64) {
    let (mut placed, mut closed, mut failed) = (0, 0, 0);
    for a in actions {
        match a {
            Action::Protect(p, stop, hold_side) => {
                let req = PlacePosTpslRequest {
                    margin_coin: "USDT".into(),
                    product_type: ProductType::UsdtFutures,
                    symbol: p.symbol.clone(),
                    hold_side,
                    stop_surplus_trigger_price: None,
                    stop_surplus_trigger_type: None,
                    stop_surplus_execute_price: None,
                    stop_loss_trigger_price: Some(Price(stop)),
                    stop_loss_trigger_type: Some(TriggerType::MarkPrice),
                    stop_loss_execute_price: None,
                    stop_surplus_client_oid: None,
                    stop_loss_client_oid: None,
                };
                match rest.place_pos_tpsl(&req).await {
                    Ok(_) => {
                        placed += 1;
                        tracing::warn!(actor = "stop_loss_guard", symbol = %p.symbol, %stop, "position had no stop-loss; placed one");
                    }
                    Err(e) => {
                        failed += 1;
                        tracing::error!(actor = "stop_loss_guard", symbol = %p.symbol, error = %e, "cannot place stop-loss");
                    }
                }
            }
            Action::Close(p) => match rest.close_positions(Some(&p.symbol), None).await {
                Ok(_) => {
                    closed += 1;
                    tracing::error!(actor = "stop_loss_guard", symbol = %p.symbol, "no stop-loss could be placed in time; position closed");
                }
                Err(e) => {
                    failed += 1;
                    tracing::error!(actor = "stop_loss_guard", symbol = %p.symbol, error = %e, "closing an unprotected position failed");
                }
            },
        }
    }
    (placed, closed, failed)
}

impl Handler<crate::market_feed::InjectPanic> for StopLossGuard {
    type Result = ();
    #[allow(clippy::panic)]
    fn handle(&mut self, _: crate::market_feed::InjectPanic, _: &mut Self::Context) {
        panic!("stop_loss_guard: injected panic");
    }
}

/// Snapshots reach whichever guard instance the watchdog runs now.
impl Handler<AccountSnapshot> for Watchdog<StopLossGuard> {
    type Result = ();
    fn handle(&mut self, snap: AccountSnapshot, _: &mut Self::Context) {
        if let Err(e) = self.current().try_send(snap) {
            tracing::warn!(actor = "stop_loss_guard", error = %e, "snapshot not delivered (restarting?)");
        }
    }
}

/// The current instance's counters (they restart with it).
impl Handler<GetGuardStats> for Watchdog<StopLossGuard> {
    type Result = ResponseFuture<GuardStats>;
    fn handle(&mut self, m: GetGuardStats, _: &mut Self::Context) -> Self::Result {
        let guard = self.current().clone();
        Box::pin(async move { guard.send(m).await.unwrap_or_default() })
    }
}

impl Handler<GetGuardStats> for StopLossGuard {
    type Result = MessageResult<GetGuardStats>;
    fn handle(&mut self, _: GetGuardStats, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.stats.clone())
    }
}
