//! Plan-order records: the plan kinds, their status and trigger reference, and the plan
//! itself, each with the wire spelling Bitget prints.

use super::{Hold, Intent, MarginMode, PosMode, Side};
use rust_decimal::Decimal;

/// Plan order type (REST spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanType {
    /// Trigger order.
    NormalPlan,
    /// Trailing trigger order.
    TrackPlan,
    /// Partial take-profit.
    ProfitPlan,
    /// Partial stop-loss.
    LossPlan,
    /// Trailing TP/SL.
    MovingPlan,
    /// Whole-position take-profit.
    PosProfit,
    /// Whole-position stop-loss.
    PosLoss,
}

impl PlanType {
    /// REST spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanType::NormalPlan => "normal_plan",
            PlanType::TrackPlan => "track_plan",
            PlanType::ProfitPlan => "profit_plan",
            PlanType::LossPlan => "loss_plan",
            PlanType::MovingPlan => "moving_plan",
            PlanType::PosProfit => "pos_profit",
            PlanType::PosLoss => "pos_loss",
        }
    }
    /// WS `orders-algo` short code.
    pub fn ws_code(self) -> &'static str {
        match self {
            PlanType::NormalPlan => "pl",
            PlanType::TrackPlan => "track",
            PlanType::ProfitPlan => "tp",
            PlanType::LossPlan => "sl",
            PlanType::MovingPlan => "mtpsl",
            PlanType::PosProfit => "ptp",
            PlanType::PosLoss => "psl",
        }
    }
    /// Parses a REST spelling (case-insensitive).
    pub fn parse(s: &str) -> Option<PlanType> {
        let all = [
            PlanType::NormalPlan,
            PlanType::TrackPlan,
            PlanType::ProfitPlan,
            PlanType::LossPlan,
            PlanType::MovingPlan,
            PlanType::PosProfit,
            PlanType::PosLoss,
        ];
        all.into_iter().find(|p| p.as_str().eq_ignore_ascii_case(s))
    }
    /// True for the TP/SL family (query filter `profit_loss`).
    pub fn is_tpsl(self) -> bool {
        !matches!(self, PlanType::NormalPlan | PlanType::TrackPlan)
    }
    /// True for the whole-position kinds.
    pub fn is_position(self) -> bool {
        matches!(self, PlanType::PosProfit | PlanType::PosLoss)
    }
}

/// Plan order status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStatus {
    /// Waiting for its trigger.
    Live,
    /// Triggered and its order placed.
    Executed,
    /// Triggered but the order could not be placed.
    FailTrigger,
    /// Cancelled (by the user or because its position closed).
    Cancelled,
}

impl PlanStatus {
    /// REST spelling (`cancelled` with two "l").
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Live => "live",
            PlanStatus::Executed => "executed",
            PlanStatus::FailTrigger => "fail_trigger",
            PlanStatus::Cancelled => "cancelled",
        }
    }
    /// WS `orders-algo` spelling.
    pub fn ws_str(self) -> &'static str {
        match self {
            PlanStatus::FailTrigger => "fail_execute",
            other => other.as_str(),
        }
    }
}

/// Which price a trigger watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerType {
    /// Last traded price.
    FillPrice,
    /// Mark price.
    MarkPrice,
}

impl TriggerType {
    /// Wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerType::FillPrice => "fill_price",
            TriggerType::MarkPrice => "mark_price",
        }
    }
    /// Parses (case-insensitive); `index_price` is treated as mark.
    pub fn parse(s: &str) -> Option<TriggerType> {
        match s.to_ascii_lowercase().as_str() {
            "fill_price" => Some(TriggerType::FillPrice),
            "mark_price" | "index_price" => Some(TriggerType::MarkPrice),
            _ => None,
        }
    }
}

/// A plan order: trigger order or TP/SL.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Plan id.
    pub id: u64,
    /// Client id.
    pub client_oid: String,
    /// Owner UID.
    pub uid: u64,
    /// Symbol.
    pub symbol: String,
    /// Kind.
    pub plan_type: PlanType,
    /// Trigger price.
    pub trigger_price: Decimal,
    /// Trigger reference.
    pub trigger_type: TriggerType,
    /// Execution price (None = market).
    pub execute_price: Option<Decimal>,
    /// Size (None = whole position).
    pub size: Option<Decimal>,
    /// Side as printed.
    pub side: Side,
    /// Position direction protected (TP/SL) or opened/closed (trigger orders).
    pub hold: Hold,
    /// Order effect when executed.
    pub intent: Intent,
    /// For trigger orders: fire when the price rises to the trigger (else falls).
    pub fire_on_rise: bool,
    /// Trailing callback ratio (track/moving plans).
    pub callback: Option<Decimal>,
    /// Trailing extreme seen since placement.
    pub extreme: Option<Decimal>,
    /// Position mode at placement.
    pub pos_mode: PosMode,
    /// Margin mode (trigger orders).
    pub margin_mode: Option<MarginMode>,
    /// TP attached to a trigger order.
    pub attached_tp: Option<Decimal>,
    /// SL attached to a trigger order.
    pub attached_sl: Option<Decimal>,
    /// Status.
    pub status: PlanStatus,
    /// The order it created when triggered.
    pub execute_order_id: Option<u64>,
    /// Created, ms.
    pub c_time: i64,
    /// Updated, ms.
    pub u_time: i64,
}

impl Plan {
    /// The position direction this plan protects or acts on.
    pub fn hold(&self) -> Hold {
        self.hold
    }
}
