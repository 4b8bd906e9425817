//! CapitalWatch: the emergency stop and the post-trade limit check, and the one place trading
//! states change. Every transition is logged, counted and persisted in the journal; an
//! emergency stop latches — trading stays halted across restarts until an operator resumes.
//!
//! The emergency stop fires when equity falls below the floor, on an operator command, or when
//! the exchange has been unreachable beyond a bound. It halts, cancels every normal and plan
//! order except protective stops, closes every position at market with retries, and confirms
//! by reading positions back (configurable: flatten, or only halt).

use crate::emergency::flatten;
use crate::events::{AccountSnapshot, TradingState, TradingStateChanged};
use crate::intent::{Direction, OrderIntent};
use crate::journal::Journal;
use crate::risk_manager::Submit;
use actix::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;
use viper_bitget::RestClient;

/// Journal key of the latch (its value is the reason).
pub const LATCH_KEY: &str = "emergency_latch";
/// Journal key of the trading state.
pub const STATE_KEY: &str = "trading_state";
/// Journal key of an emergency flatten not yet confirmed flat (its value is the reason):
/// written before the first close is sent, cleared once positions read back empty, so a
/// restart finishes an interrupted flatten whatever the equity is by then.
pub const FLATTEN_KEY: &str = "emergency_flatten_pending";
/// Journal key of the operator pause (its value is the reason; empty = not paused): no new
/// entries until an operator resumes, across restarts.
pub const PAUSE_KEY: &str = "operator_pause";

#[path = "capital_operator.rs"]
mod operator;
pub use operator::{
    ControlRefusal, ControlState, GetControlState, Pause, Resume, Resumed, clear_pause, paused,
    set_pause,
};

/// Emergency-stop settings.
#[derive(Debug, Clone)]
pub struct CapitalConfig {
    /// Emergency stop below this equity, USDT.
    pub emergency_equity: Decimal,
    /// Flatten on emergency (else only halt).
    pub flatten: bool,
    /// Emergency stop when no account read succeeded for this long.
    pub unreachable_after: Duration,
    /// Margin per position (post-trade check), USDT.
    pub max_position_margin: Decimal,
    /// Size steps per symbol, for reduce-to-limit orders.
    pub size_steps: HashMap<String, Decimal>,
}

/// Set the trading state (operator or system); `latch` makes a halt survive restarts.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct SetTradingState {
    /// New state.
    pub state: TradingState,
    /// Why.
    pub reason: String,
    /// Persist as an emergency latch (Halted only).
    pub latch: bool,
}

/// Trigger the emergency stop now.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct EmergencyStop(pub String);

/// What the emergency stop did, for summaries and tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmergencyReport {
    /// Why it fired (None = never).
    pub reason: Option<String>,
    /// Time from trigger until all orders were cancelled.
    pub cancelled_after: Option<Duration>,
    /// Time from trigger until positions read back empty.
    pub flat_after: Option<Duration>,
    /// Reduce-to-limit orders sent by the post-trade check.
    pub reductions: u64,
}

/// Ask for the report.
#[derive(Debug, Message)]
#[rtype(result = "EmergencyReport")]
pub struct GetEmergencyReport;

/// The capital watch actor.
pub struct CapitalWatch {
    rest: RestClient,
    journal: Journal,
    cfg: CapitalConfig,
    gate: Recipient<Submit>,
    listeners: Vec<Recipient<TradingStateChanged>>,
    state: TradingState,
    last_read: Instant,
    triggered: Option<Instant>,
    flattening: bool,
    reducing: bool,
    report: EmergencyReport,
}

impl CapitalWatch {
    /// New watch; reduce-to-limit orders go through `gate` like every order; `listeners`
    /// hear every state change (the risk manager among them).
    pub fn new(
        rest: RestClient,
        journal: Journal,
        cfg: CapitalConfig,
        gate: Recipient<Submit>,
        listeners: Vec<Recipient<TradingStateChanged>>,
        state: TradingState,
    ) -> Self {
        Self {
            rest,
            journal,
            cfg,
            gate,
            listeners,
            state,
            last_read: Instant::now(),
            triggered: None,
            flattening: false,
            reducing: false,
            report: EmergencyReport::default(),
        }
    }

    fn transition(&mut self, state: TradingState, reason: &str, latch: bool) {
        let now = wall_ms();
        if let Err(e) = self
            .journal
            .set_state(STATE_KEY, state.as_str(), reason, now)
        {
            tracing::error!(actor = "capital_watch", error = %e, "cannot persist the trading state");
        }
        if latch && let Err(e) = self.journal.set_state(LATCH_KEY, reason, reason, now) {
            tracing::error!(actor = "capital_watch", error = %e, "cannot persist the emergency latch");
        }
        if state == TradingState::Active
            && let Err(e) = self.journal.set_state(PAUSE_KEY, "", "cleared", now)
        {
            tracing::error!(actor = "capital_watch", error = %e, "cannot clear the operator pause");
        }
        if state != TradingState::Halted {
            for key in [LATCH_KEY, FLATTEN_KEY] {
                if let Err(e) = self.journal.set_state(key, "", "cleared", now) {
                    tracing::error!(actor = "capital_watch", error = %e, key, "cannot clear the emergency state");
                }
            }
        }
        if state != self.state {
            tracing::warn!(actor = "capital_watch", from = self.state.as_str(), to = state.as_str(), %reason, latch, "trading state");
        }
        self.state = state;
        metrics::gauge!("viper_trading_state", "state" => "halted")
            .set(f64::from(u8::from(state == TradingState::Halted)));
        metrics::gauge!("viper_trading_state", "state" => "reducing")
            .set(f64::from(u8::from(state == TradingState::Reducing)));
        metrics::gauge!("viper_trading_state", "state" => "paused")
            .set(f64::from(u8::from(state == TradingState::Paused)));
        let msg = TradingStateChanged {
            state,
            reason: reason.to_string(),
        };
        for l in &self.listeners {
            if let Err(e) = l.try_send(msg.clone()) {
                tracing::error!(actor = "capital_watch", error = %e, "state change not delivered");
            }
        }
    }

    fn trigger(&mut self, reason: String, ctx: &mut Context<Self>) {
        if self.triggered.is_some() {
            return;
        }
        tracing::error!(actor = "capital_watch", %reason, flatten = self.cfg.flatten, "EMERGENCY STOP");
        metrics::counter!("viper_emergency_stops_total").increment(1);
        self.triggered = Some(Instant::now());
        self.report.reason = Some(reason.clone());
        if self.cfg.flatten
            && let Err(e) =
                self.journal
                    .set_state(FLATTEN_KEY, &reason, "emergency flatten", wall_ms())
        {
            tracing::error!(actor = "capital_watch", error = %e, "cannot persist the pending flatten");
        }
        self.transition(
            TradingState::Halted,
            &format!("emergency stop: {reason}"),
            true,
        );
        if self.cfg.flatten {
            self.flatten(ctx);
        }
    }

    fn flatten(&mut self, ctx: &mut Context<Self>) {
        if self.flattening {
            return;
        }
        self.flattening = true;
        let rest = self.rest.clone();
        ctx.spawn(async move { flatten(&rest).await }.into_actor(self).map(|res, act, _| {
            act.flattening = false;
            let since = act.triggered.map(|t| t.elapsed());
            match res {
                Ok(()) => {
                    act.report.cancelled_after = act.report.cancelled_after.or(since);
                    act.report.flat_after = since;
                    if let Err(e) = act.journal.set_state(FLATTEN_KEY, "", "confirmed flat", wall_ms()) {
                        tracing::error!(actor = "capital_watch", error = %e, "cannot clear the pending flatten");
                    }
                    tracing::warn!(actor = "capital_watch", ?since, "emergency flatten complete: no orders, no positions");
                }
                Err(e) => tracing::error!(actor = "capital_watch", error = %e, "emergency flatten incomplete; retrying on the next snapshot"),
            }
        }));
    }

    /// A flatten a previous process started and did not confirm is finished now, whatever
    /// the equity (the latch keeps trading halted meanwhile).
    fn resume_flatten(&mut self, ctx: &mut Context<Self>) {
        let Some(reason) = flatten_pending(&self.journal) else {
            return;
        };
        tracing::error!(actor = "capital_watch", %reason, "an emergency flatten was interrupted; finishing it before anything else");
        metrics::counter!("viper_emergency_flatten_resumed_total").increment(1);
        self.triggered = Some(Instant::now());
        self.report.reason = Some(format!("resumed: {reason}"));
        self.state = TradingState::Halted;
        self.flattening = false;
        self.cfg.flatten = true;
        self.flatten(ctx);
    }

    /// Post-trade check: a position whose margin exceeds the limit is reduced to it.
    fn check_limits(&mut self, snap: &AccountSnapshot, ctx: &mut Context<Self>) {
        if self.reducing || self.state == TradingState::Halted {
            return;
        }
        let limit = self.cfg.max_position_margin;
        let Some(p) = snap
            .positions
            .iter()
            .find(|p| p.margin > limit * Decimal::new(105, 2))
        else {
            return;
        };
        let step = self
            .cfg
            .size_steps
            .get(&p.symbol)
            .copied()
            .unwrap_or(Decimal::ZERO);
        let excess = p.size * (p.margin - limit) / p.margin;
        let size = if step.is_zero() {
            excess
        } else {
            (excess / step).ceil() * step
        }
        .min(p.size);
        tracing::warn!(actor = "capital_watch", symbol = %p.symbol, margin = %p.margin, %limit, %size, "position over its margin limit; reducing");
        let intent = OrderIntent {
            symbol: p.symbol.clone(),
            direction: if p.long {
                Direction::Sell
            } else {
                Direction::Buy
            },
            size,
            limit_price: None,
            reduce_only: true,
            take_profit: None,
            stop_loss: None,
            reason: format!("post-trade check: margin {} over limit {limit}", p.margin),
        };
        self.reducing = true;
        let (gate, price) = (self.gate.clone(), p.entry);
        ctx.spawn(
            async move { gate.send(Submit { intent, price }).await.ok()?.ok() }
                .into_actor(self)
                .map(|res, act, _| {
                    act.reducing = false;
                    if res.is_some() {
                        act.report.reductions += 1;
                        metrics::counter!("viper_limit_reductions_total").increment(1);
                    }
                }),
        );
    }
}

fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Actor for CapitalWatch {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        self.resume_flatten(ctx);
        crate::timer_grid::run_interval(ctx, Duration::from_secs(1), |act, ctx| {
            if act.last_read.elapsed() > act.cfg.unreachable_after {
                let secs = act.last_read.elapsed().as_secs();
                act.trigger(format!("exchange unreachable for {secs}s"), ctx);
            }
        });
    }
}

impl Handler<AccountSnapshot> for CapitalWatch {
    type Result = ();
    fn handle(&mut self, snap: AccountSnapshot, ctx: &mut Self::Context) {
        self.last_read = snap.at;
        if self.triggered.is_none() && snap.equity < self.cfg.emergency_equity {
            self.trigger(
                format!("equity {} below {}", snap.equity, self.cfg.emergency_equity),
                ctx,
            );
        }
        if self.triggered.is_some()
            && self.cfg.flatten
            && (!snap.positions.is_empty() || !snap.open_orders.is_empty())
        {
            self.flatten(ctx);
        }
        self.check_limits(&snap, ctx);
    }
}

impl Handler<SetTradingState> for CapitalWatch {
    type Result = ();
    fn handle(&mut self, m: SetTradingState, _: &mut Self::Context) {
        if m.state != TradingState::Halted {
            self.triggered = None;
        }
        self.transition(m.state, &m.reason, m.latch);
    }
}

/// Repeated crashes of a supervised actor fail closed: trading halts (not latched — a clean
/// restart of the process recovers).
impl Handler<crate::supervisor::Restarted> for CapitalWatch {
    type Result = ();
    fn handle(&mut self, m: crate::supervisor::Restarted, _: &mut Self::Context) {
        if m.escalated && self.state != TradingState::Halted {
            self.transition(
                TradingState::Halted,
                &format!("{} crashed {} times: failing closed", m.actor, m.count),
                false,
            );
        }
    }
}

impl Handler<EmergencyStop> for CapitalWatch {
    type Result = ();
    fn handle(&mut self, m: EmergencyStop, ctx: &mut Self::Context) {
        self.trigger(m.0, ctx);
    }
}

impl Handler<GetEmergencyReport> for CapitalWatch {
    type Result = MessageResult<GetEmergencyReport>;
    fn handle(&mut self, _: GetEmergencyReport, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.report.clone())
    }
}

/// The latch left by an emergency stop, if any (read at start-up).
pub fn latched(journal: &Journal) -> Option<String> {
    journal
        .state(LATCH_KEY)
        .ok()
        .flatten()
        .filter(|r| !r.is_empty())
}

/// The reason of an emergency flatten not yet confirmed flat, if any (read at start-up: it
/// latches like the emergency stop that started it).
pub fn flatten_pending(journal: &Journal) -> Option<String> {
    journal
        .state(FLATTEN_KEY)
        .ok()
        .flatten()
        .filter(|r| !r.is_empty())
}
