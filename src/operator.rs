//! Operator commands and holdings queries, executed beside the bot (on its actix system: the
//! REST client is `!Send`, so the admin server hands them over a channel). Each command
//! answers one [`Reply`]: an HTTP status and a JSON body, the same for the admin server and
//! the CLI. Pause and resume are decided by CapitalWatch (`capital::Pause`/`Resume`); the
//! emergency stop is CapitalWatch's flatten-and-latch; a close is in `operator_close`.

use crate::summary::{Summary, TradingView};
use crate::system::Bot;
use actix::Addr;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::Arc;
use tokio::sync::oneshot;
use viper_actors::capital::{
    CapitalWatch, ControlRefusal, EmergencyStop, GetControlState, Pause, Resume, Resumed,
};
use viper_actors::health_monitor::{GetHealth, HealthMonitor};
use viper_actors::risk_manager::RiskManager;
use viper_bitget::RestClient;

/// What the operator asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// No new entries; positions and their TP/SL stay (persisted until resumed).
    Pause {
        /// Why.
        reason: String,
    },
    /// Trade again; an emergency latch only with `clear_emergency`.
    Resume {
        /// The explicit latch-clearing form.
        clear_emergency: bool,
    },
    /// Flatten and latch.
    EmergencyStop {
        /// Why.
        reason: String,
    },
    /// Close one symbol's position at market, confirmed flat.
    Close {
        /// The symbol, as the operator wrote it.
        symbol: String,
    },
    /// Everything `viper status` shows.
    Summary,
    /// Open positions with their exchange-side TP/SL.
    Positions,
    /// Open normal orders.
    Orders,
}

/// An answer: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
}

impl Reply {
    /// 200 with `body`.
    pub fn ok(body: Value) -> Self {
        Reply { status: 200, body }
    }
    /// `status` with `{"error": message, "code": code}`.
    pub fn error(status: u16, code: &str, message: impl std::fmt::Display) -> Self {
        Reply {
            status,
            body: json!({ "error": message.to_string(), "code": code }),
        }
    }
}

/// A command with the channel its reply goes back on.
#[derive(Debug)]
pub struct Control {
    /// The command.
    pub command: Command,
    /// Where the reply goes.
    pub done: oneshot::Sender<Reply>,
}

/// How the bot runs, for the summary.
#[derive(Debug, Clone)]
pub struct BotInfo {
    /// `live`, `demo` or `paper`.
    pub mode: String,
    /// The exchange's REST base URL.
    pub exchange: String,
}

/// What the commands reach (cheap to clone; lives on the bot's actix thread).
#[derive(Clone)]
pub struct Handles {
    pub(crate) rest: RestClient,
    pub(crate) risk: Addr<RiskManager>,
    capital: Addr<CapitalWatch>,
    health: Addr<HealthMonitor>,
    pub(crate) contracts: Arc<BTreeSet<String>>,
    info: Arc<BotInfo>,
    /// Symbols with a manual close in progress (a second close of one is refused).
    pub(crate) closing: Rc<RefCell<BTreeSet<String>>>,
}

impl Handles {
    /// The handles of `bot`.
    pub fn new(bot: &Bot, info: BotInfo) -> Self {
        Self {
            rest: bot.rest.clone(),
            risk: bot.risk.clone(),
            capital: bot.capital.clone(),
            health: bot.health.clone(),
            contracts: Arc::new(bot.contracts.clone()),
            info: Arc::new(info),
            closing: Rc::default(),
        }
    }

    /// Exchange time, ms (the exchange dates positions and orders).
    pub(crate) fn now_ms(&self) -> i64 {
        self.rest.server_clock().now_ms()
    }

    /// Runs one command.
    pub async fn execute(&self, command: Command) -> Reply {
        match command {
            Command::Pause { reason } => self.pause(reason).await,
            Command::Resume { clear_emergency } => self.resume(clear_emergency).await,
            Command::EmergencyStop { reason } => self.emergency_stop(reason).await,
            Command::Close { symbol } => crate::operator_close::close(self, &symbol).await,
            Command::Summary => match self.summary().await {
                Ok(s) => Reply::ok(serde_json::to_value(s).unwrap_or(Value::Null)),
                Err(e) => Reply::error(502, "exchange", format!("{e:#}")),
            },
            Command::Positions => {
                let now = self.now_ms();
                match crate::holdings::read_positions(&self.rest, now).await {
                    Ok(p) => Reply::ok(json!({ "positions": p })),
                    Err(e) => Reply::error(502, "exchange", format!("{e:#}")),
                }
            }
            Command::Orders => {
                let now = self.now_ms();
                match crate::holdings::read_orders(&self.rest, now).await {
                    Ok(o) => Reply::ok(json!({ "orders": o })),
                    Err(e) => Reply::error(502, "exchange", format!("{e:#}")),
                }
            }
        }
    }

    async fn pause(&self, reason: String) -> Reply {
        match self.capital.send(Pause { reason }).await {
            Ok(Ok(())) => {
                tracing::warn!(
                    "operator pause: no new entries; positions, their exchange-side TP/SL and reduce-only orders stay, until `viper resume`"
                );
                Reply::ok(json!({ "trading": "paused" }))
            }
            Ok(Err(r)) => refusal(&r),
            Err(e) => Reply::error(503, "stopping", format!("capital watch: {e}")),
        }
    }

    async fn resume(&self, clear_emergency: bool) -> Reply {
        match self.capital.send(Resume { clear_emergency }).await {
            Ok(Ok(r)) => {
                tracing::warn!(from = r.from.as_str(), cleared_emergency = ?r.cleared_emergency, "operator resume: trading active");
                Reply::ok(json!({
                    "trading": "active",
                    "from": r.from.as_str(),
                    "cleared_emergency": r.cleared_emergency,
                }))
            }
            Ok(Err(r)) => refusal(&r),
            Err(e) => Reply::error(503, "stopping", format!("capital watch: {e}")),
        }
    }

    async fn emergency_stop(&self, reason: String) -> Reply {
        let stop = EmergencyStop(format!("operator: {reason}"));
        match self.capital.send(stop).await {
            Ok(()) => {
                tracing::error!(%reason, "operator emergency stop: cancelling orders and closing every position at market; latched until `viper resume --clear-emergency`");
                Reply::ok(json!({
                    "trading": "emergency-latched",
                    "flatten": "every order cancelled (stops kept until flat) and every position closed at market; `viper status` shows when flat",
                }))
            }
            Err(e) => Reply::error(503, "stopping", format!("capital watch: {e}")),
        }
    }

    /// Everything `viper status` shows, read now.
    pub async fn summary(&self) -> anyhow::Result<Summary> {
        let now = self.now_ms();
        let (equity, available, unrealised) = crate::holdings::read_equity(&self.rest).await?;
        let positions = crate::holdings::read_positions(&self.rest, now).await?;
        let orders = crate::holdings::read_orders(&self.rest, now).await?;
        let control = self.capital.send(GetControlState).await?;
        let health = self.health.send(GetHealth).await?;
        Ok(Summary {
            mode: self.info.mode.clone(),
            exchange: self.info.exchange.clone(),
            trading: TradingView {
                state: control.label().into(),
                reason: control.latched.clone().or(control.paused.clone()),
            },
            equity,
            available,
            unrealised_pnl: unrealised,
            realised_pnl: realised_pnl(equity, unrealised),
            positions,
            orders,
            health: crate::admin::ready_json(&health),
            at_ms: now,
        })
    }
}

/// Realised PnL shown by `viper status`: for now the wallet balance change since this process
/// started (the same rule as the `viper_realised_pnl_usdt` gauge).
pub fn realised_pnl(equity: Decimal, unrealised: Decimal) -> Decimal {
    viper_actors::metrics::realised_pnl(equity, unrealised)
}

/// One refused operator command: 409 with its reason (500 when the journal failed).
fn refusal(r: &ControlRefusal) -> Reply {
    let status = if matches!(r, ControlRefusal::Journal(_)) {
        500
    } else {
        409
    };
    tracing::info!(code = r.code(), detail = %r, "operator command refused");
    Reply::error(status, r.code(), r)
}

/// Trade again on a bot in this process (tests and embedding); see [`Resume`].
pub async fn resume(bot: &Bot, clear_emergency: bool) -> anyhow::Result<Resumed> {
    Ok(bot.capital.send(Resume { clear_emergency }).await??)
}
