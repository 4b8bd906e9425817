//! The exchange engine: accounts, orders, positions, plan orders and fills for every account,
//! driven by requests and by market ticks. Pure state: no I/O, time is passed in.

mod account;
mod amend;
mod checks;
mod fills;
mod index;
mod orders;
mod plans;
mod protection;
pub mod race;
mod tick;
mod triggers;
pub mod types;

pub use orders::{NewOrder, OrderRef};
pub use plans::{NewPlan, NewTpsl};

use crate::audit::Audit;
use crate::config::{Behaviour, SimConfig};
use crate::error::{ApiError, ApiResult};
use crate::market::Market;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use types::{Fill, Hold, MarginMode, Order, Plan, PosMode, Position};

/// Per-symbol account settings.
#[derive(Debug, Clone, Copy)]
pub struct SymbolSettings {
    /// Margin mode.
    pub margin_mode: MarginMode,
    /// Leverage for longs (cross: both sides).
    pub long_lev: u32,
    /// Leverage for shorts.
    pub short_lev: u32,
}

/// An account's balance and settings.
#[derive(Debug, Clone)]
pub struct Account {
    /// UID.
    pub uid: u64,
    /// Wallet balance (realised PnL and fees included).
    pub balance: Decimal,
    /// Position mode.
    pub pos_mode: PosMode,
    /// Per-symbol settings (absent = defaults).
    pub settings: HashMap<String, SymbolSettings>,
    /// Default leverage.
    pub default_leverage: u32,
}

/// Something a WebSocket subscriber may want to hear about.
#[derive(Debug, Clone)]
pub enum Event {
    /// An order changed: its state at that moment, and the fill that caused it, if any.
    Order(Box<Order>, Option<Box<Fill>>),
    /// A fill happened.
    Fill(Fill),
    /// Positions of an account changed.
    Positions(u64),
    /// Balance of an account changed.
    Account(u64),
    /// A plan order changed: its state at that moment.
    Plan(Box<Plan>),
    /// A symbol's market moved.
    Market(String),
}

/// The whole exchange state.
pub struct Engine {
    /// Behaviour switches.
    pub behaviour: Behaviour,
    /// Markets by symbol.
    pub markets: BTreeMap<String, Market>,
    /// Accounts by UID.
    pub accounts: BTreeMap<u64, Account>,
    /// Every order ever accepted, by id.
    pub orders: BTreeMap<u64, Order>,
    /// `(uid, clientOid)` → order id, for every order ever accepted.
    pub oids: HashMap<(u64, String), u64>,
    /// Open positions.
    pub positions: BTreeMap<(u64, String, Hold), Position>,
    /// Every plan order ever accepted.
    pub plans: BTreeMap<u64, Plan>,
    /// Every fill.
    pub fills: Vec<Fill>,
    /// What the control plane reports.
    pub audit: Audit,
    /// Events not yet published.
    pub events: Vec<Event>,
    /// The order being filled right now (so a position closing does not cancel it).
    filling: Option<u64>,
    /// Open orders and live plans (`index.rs`).
    live: index::LiveIndex,
    next_id: u64,
    /// Market moves made so far (`race.rs`).
    moves: u64,
    /// The TP/SL side check that failed in the request being handled (`race.rs`).
    side_refusal: Option<race::SideCheck>,
}

impl Engine {
    /// Builds the engine from the configuration at wall time `now_ms`.
    pub fn new(cfg: &SimConfig, now_ms: i64) -> Self {
        let markets = cfg
            .symbols
            .iter()
            .map(|s| (s.symbol.clone(), Market::new(s.clone(), cfg.seed, now_ms)))
            .collect();
        let accounts = cfg
            .accounts
            .iter()
            .map(|a| {
                let pos_mode = if a.pos_mode == "hedge_mode" {
                    PosMode::Hedge
                } else {
                    PosMode::OneWay
                };
                let acct = Account {
                    uid: a.uid,
                    balance: a.balance,
                    pos_mode,
                    settings: HashMap::new(),
                    default_leverage: a.leverage,
                };
                (a.uid, acct)
            })
            .collect();
        Engine {
            behaviour: cfg.behaviour.clone(),
            markets,
            accounts,
            orders: BTreeMap::new(),
            oids: HashMap::new(),
            positions: BTreeMap::new(),
            plans: BTreeMap::new(),
            fills: Vec::new(),
            audit: Audit::with_floor(cfg.audit_equity_floor),
            events: Vec::new(),
            filling: None,
            live: index::LiveIndex::default(),
            next_id: 1_190_000_000_000_000_000,
            moves: 0,
            side_refusal: None,
        }
    }

    /// A fresh snowflake-style id (19 digits, increasing).
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The market of `symbol`, or `40034` naming it.
    pub fn market(&self, symbol: &str) -> ApiResult<&Market> {
        self.markets
            .get(symbol)
            .ok_or_else(|| ApiError::new("40034", format!("Parameter {symbol} does not exist")))
    }

    /// The account `uid` (always present for authenticated requests).
    pub fn account(&self, uid: u64) -> ApiResult<&Account> {
        self.accounts
            .get(&uid)
            .ok_or_else(|| ApiError::new("40006", "Invalid ACCESS_KEY"))
    }

    /// Takes the events produced since the last call.
    pub fn drain_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Publishes an order's current state.
    pub(crate) fn emit_order(&mut self, id: u64, fill: Option<&Fill>) {
        if let Some(o) = self.orders.get(&id) {
            self.events.push(Event::Order(
                Box::new(o.clone()),
                fill.map(|f| Box::new(f.clone())),
            ));
        }
    }

    /// Publishes a plan's current state.
    pub(crate) fn emit_plan(&mut self, id: u64) {
        if let Some(p) = self.plans.get(&id) {
            self.events.push(Event::Plan(Box::new(p.clone())));
        }
    }

    /// Open positions of `uid`.
    pub fn positions_of(&self, uid: u64) -> impl Iterator<Item = &Position> {
        self.positions.values().filter(move |p| p.uid == uid)
    }
}
