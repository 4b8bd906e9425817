//! The engine's records: orders, positions, fills, and the enums they use, each with the wire
//! spelling Bitget prints. Plan (trigger and TP/SL) orders are in `types/plan.rs`, re-exported
//! here.

use rust_decimal::Decimal;

mod plan;
pub use plan::{Plan, PlanStatus, PlanType, TriggerType};

/// Order side as sent (`buy`/`sell`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// Buy.
    Buy,
    /// Sell.
    Sell,
}

impl Side {
    /// Wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }
    /// The other side.
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

/// Direction of a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hold {
    /// Long.
    Long,
    /// Short.
    Short,
}

impl Hold {
    /// Wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Hold::Long => "long",
            Hold::Short => "short",
        }
    }
    /// The side that opens this direction.
    pub fn open_side(self) -> Side {
        match self {
            Hold::Long => Side::Buy,
            Hold::Short => Side::Sell,
        }
    }
    /// +1 for long, -1 for short.
    pub fn sign(self) -> Decimal {
        match self {
            Hold::Long => Decimal::ONE,
            Hold::Short => Decimal::NEGATIVE_ONE,
        }
    }
}

/// Account position mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PosMode {
    /// One net position per symbol.
    OneWay,
    /// Long and short coexist.
    Hedge,
}

impl PosMode {
    /// Wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PosMode::OneWay => "one_way_mode",
            PosMode::Hedge => "hedge_mode",
        }
    }
}

/// Margin mode of a symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarginMode {
    /// Cross margin.
    Crossed,
    /// Isolated margin.
    Isolated,
}

impl MarginMode {
    /// Wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MarginMode::Crossed => "crossed",
            MarginMode::Isolated => "isolated",
        }
    }
}

/// Order type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderType {
    /// Limit.
    Limit,
    /// Market.
    Market,
}

impl OrderType {
    /// Wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Limit => "limit",
            OrderType::Market => "market",
        }
    }
}

/// Time in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Force {
    /// Good till cancelled.
    Gtc,
    /// Immediate or cancel.
    Ioc,
    /// Fill or kill.
    Fok,
    /// Maker only.
    PostOnly,
}

impl Force {
    /// Wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Force::Gtc => "gtc",
            Force::Ioc => "ioc",
            Force::Fok => "fok",
            Force::PostOnly => "post_only",
        }
    }
}

/// Order state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderState {
    /// Resting, nothing filled.
    Live,
    /// Resting, partly filled.
    PartiallyFilled,
    /// Done, fully filled.
    Filled,
    /// Done, cancelled (possibly after partial fills).
    Canceled,
}

impl OrderState {
    /// Wire spelling (`canceled` with one "l" for normal orders).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Live => "live",
            OrderState::PartiallyFilled => "partially_filled",
            OrderState::Filled => "filled",
            OrderState::Canceled => "canceled",
        }
    }
    /// True while the order can still fill.
    pub fn is_open(self) -> bool {
        matches!(self, OrderState::Live | OrderState::PartiallyFilled)
    }
}

/// What an order does to positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Hedge mode: open or add to `Hold`.
    Open(Hold),
    /// Hedge mode: close or reduce `Hold`.
    Close(Hold),
    /// One-way mode: net by side, optionally reduce-only.
    Net {
        /// Reduce-only flag.
        reduce_only: bool,
    },
}

/// A normal order.
#[derive(Debug, Clone)]
pub struct Order {
    /// Order id.
    pub id: u64,
    /// Client order id.
    pub client_oid: String,
    /// Owner UID.
    pub uid: u64,
    /// Symbol.
    pub symbol: String,
    /// Side as sent.
    pub side: Side,
    /// Position effect.
    pub intent: Intent,
    /// Position mode at placement.
    pub pos_mode: PosMode,
    /// Margin mode at placement.
    pub margin_mode: MarginMode,
    /// Leverage at placement.
    pub leverage: u32,
    /// Limit or market.
    pub order_type: OrderType,
    /// Time in force.
    pub force: Force,
    /// Limit price (None for market).
    pub price: Option<Decimal>,
    /// Original size.
    pub size: Decimal,
    /// Filled size.
    pub filled: Decimal,
    /// Filled notional.
    pub filled_quote: Decimal,
    /// Cumulative fee (negative = paid).
    pub fee: Decimal,
    /// Realised PnL of this order.
    pub profit: Decimal,
    /// State.
    pub state: OrderState,
    /// Preset take-profit trigger.
    pub preset_tp: Option<Decimal>,
    /// Preset stop-loss trigger.
    pub preset_sl: Option<Decimal>,
    /// Preset TP execute price (None = market).
    pub preset_tp_exec: Option<Decimal>,
    /// Preset SL execute price (None = market).
    pub preset_sl_exec: Option<Decimal>,
    /// `normal`, `market`, `pos_loss_market`, `liquidation`, …
    pub source: String,
    /// `API` or `SYS`.
    pub enter_point: &'static str,
    /// Cancel reason (`""`, `normal_cancel`).
    pub cancel_reason: &'static str,
    /// Self-trade prevention mode (echoed).
    pub stp_mode: String,
    /// Created, ms.
    pub c_time: i64,
    /// Updated, ms.
    pub u_time: i64,
}

impl Order {
    /// Size not yet filled.
    pub fn remaining(&self) -> Decimal {
        self.size - self.filled
    }
    /// Average fill price, if anything filled.
    pub fn avg_price(&self) -> Option<Decimal> {
        (!self.filled.is_zero()).then(|| self.filled_quote / self.filled)
    }
    /// `posSide` as printed: hedge `long`/`short`, one-way `net`.
    pub fn pos_side(&self) -> &'static str {
        match self.intent {
            Intent::Open(h) | Intent::Close(h) => h.as_str(),
            Intent::Net { .. } => "net",
        }
    }
    /// `tradeSide` as printed in records.
    pub fn trade_side(&self) -> String {
        let sys = |kind: &str, h: Hold| format!("{kind}_close_{}", h.as_str());
        match (self.intent, self.source.as_str()) {
            (Intent::Close(h), "liquidation") => sys("burst", h),
            (Intent::Open(_), _) => "open".into(),
            (Intent::Close(_), _) => "close".into(),
            (Intent::Net { .. }, "liquidation") => format!("burst_{}_single", self.side.as_str()),
            (Intent::Net { .. }, _) => format!("{}_single", self.side.as_str()),
        }
    }
    /// True when this order can only reduce a position.
    pub fn reduces_only(&self) -> bool {
        matches!(
            self.intent,
            Intent::Close(_) | Intent::Net { reduce_only: true }
        )
    }
}

/// A position (one per symbol and direction).
#[derive(Debug, Clone)]
pub struct Position {
    /// Position id.
    pub id: u64,
    /// Owner UID.
    pub uid: u64,
    /// Symbol.
    pub symbol: String,
    /// Direction.
    pub hold: Hold,
    /// Size (base coin, positive).
    pub size: Decimal,
    /// Average entry price.
    pub entry: Decimal,
    /// Margin held.
    pub margin: Decimal,
    /// Leverage.
    pub leverage: u32,
    /// Margin mode.
    pub margin_mode: MarginMode,
    /// Realised PnL so far.
    pub achieved: Decimal,
    /// Trading fees paid (positive number).
    pub deducted_fee: Decimal,
    /// Opened, ms.
    pub c_time: i64,
    /// Updated, ms.
    pub u_time: i64,
}

impl Position {
    /// Unrealised PnL at `mark`.
    pub fn upnl(&self, mark: Decimal) -> Decimal {
        (mark - self.entry) * self.size * self.hold.sign()
    }
}

/// One execution of one of our orders.
#[derive(Debug, Clone)]
pub struct Fill {
    /// Trade id.
    pub trade_id: u64,
    /// Order id.
    pub order_id: u64,
    /// Client order id.
    pub client_oid: String,
    /// Owner UID.
    pub uid: u64,
    /// Symbol.
    pub symbol: String,
    /// Economic direction (`buy` opens long / closes short).
    pub side: Side,
    /// Side as the order was sent.
    pub order_side: Side,
    /// `open`, `close`, `buy_single`, …
    pub trade_side: String,
    /// Order type.
    pub order_type: OrderType,
    /// Position mode.
    pub pos_mode: PosMode,
    /// Price.
    pub price: Decimal,
    /// Size.
    pub size: Decimal,
    /// Fee (negative = paid).
    pub fee: Decimal,
    /// Realised PnL.
    pub profit: Decimal,
    /// Maker or taker.
    pub maker: bool,
    /// Time, ms.
    pub ts: i64,
}
