//! Plan and TP/SL orders (spec §5.5): requests, answers, pending/history rows.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::de as d;
use super::enums::TriggerType;
use super::enums::{EnterPointSource, HoldSide, MarginMode, OrderSource, OrderType, PlanStatus};
use super::enums::{PlanType, PosMode, PosSide, ProductType, Side, StpMode, TradeSide};
use super::ids::{ClientOid, OrderRef, Price, Size};
use super::lenient::{self as l, f};
use crate::sign::Query;

/// `POST /api/v2/mix/order/place-tpsl-order` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaceTpslRequest {
    /// Margin coin.
    pub margin_coin: String,
    /// Product type.
    pub product_type: ProductType,
    /// Symbol.
    pub symbol: String,
    /// `profit_plan`, `loss_plan`, `moving_plan`, `pos_profit`, `pos_loss`.
    pub plan_type: PlanType,
    /// Trigger price.
    pub trigger_price: Price,
    /// Trigger source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_type: Option<TriggerType>,
    /// Limit execution price (none = market).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execute_price: Option<Price>,
    /// Hedge `long`/`short`; one-way `buy`/`sell`.
    pub hold_side: HoldSide,
    /// Size (partial kinds only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<Size>,
    /// Callback ratio (`moving_plan`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range_rate: Option<Decimal>,
    /// Our id (mandatory by house rule).
    pub client_oid: ClientOid,
    /// Self-trade prevention.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stp_mode: Option<StpMode>,
}

/// `POST /api/v2/mix/order/place-pos-tpsl` body (TP and SL in one call).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlacePosTpslRequest {
    /// Margin coin.
    pub margin_coin: String,
    /// Product type.
    pub product_type: ProductType,
    /// Symbol.
    pub symbol: String,
    /// Side protected.
    pub hold_side: HoldSide,
    /// TP trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_surplus_trigger_price: Option<Price>,
    /// TP trigger source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_surplus_trigger_type: Option<TriggerType>,
    /// TP execute price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_surplus_execute_price: Option<Price>,
    /// SL trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_loss_trigger_price: Option<Price>,
    /// SL trigger source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_loss_trigger_type: Option<TriggerType>,
    /// SL execute price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_loss_execute_price: Option<Price>,
    /// Our TP id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_surplus_client_oid: Option<ClientOid>,
    /// Our SL id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_loss_client_oid: Option<ClientOid>,
}

/// One created plan of place-pos-tpsl (the answer is an array).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PosTpslAck {
    /// Plan id.
    pub order_id: String,
    /// TP client id echo.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub stop_surplus_client_oid: Option<String>,
    /// SL client id echo.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub stop_loss_client_oid: Option<String>,
}

/// `POST /api/v2/mix/order/modify-tpsl-order` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifyTpslRequest {
    /// Which plan.
    #[serde(flatten)]
    pub order: OrderRef,
    /// Margin coin.
    pub margin_coin: String,
    /// Product type.
    pub product_type: ProductType,
    /// Symbol.
    pub symbol: String,
    /// New trigger.
    pub trigger_price: Price,
    /// Trigger source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_type: Option<TriggerType>,
    /// Execute price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execute_price: Option<Price>,
    /// Size; `""` (None) for position TP/SL.
    #[serde(serialize_with = "size_or_empty")]
    pub size: Option<Size>,
}

fn size_or_empty<S: serde::Serializer>(v: &Option<Size>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) => x.serialize(s),
        None => s.serialize_str(""),
    }
}

/// `POST /api/v2/mix/order/place-plan-order` body (trigger orders).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlacePlanOrderRequest {
    /// `normal_plan` / `track_plan`.
    pub plan_type: PlanType,
    /// Symbol.
    pub symbol: String,
    /// Product type.
    pub product_type: ProductType,
    /// Margin mode.
    pub margin_mode: MarginMode,
    /// Margin coin.
    pub margin_coin: String,
    /// Size.
    pub size: Size,
    /// Limit price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    /// Trailing callback (track only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_ratio: Option<Decimal>,
    /// Trigger price.
    pub trigger_price: Price,
    /// Trigger source.
    pub trigger_type: TriggerType,
    /// Side.
    pub side: Side,
    /// Hedge open/close.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_side: Option<TradeSide>,
    /// Order type on trigger.
    pub order_type: OrderType,
    /// Our id.
    pub client_oid: ClientOid,
    /// TP after execution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_surplus_trigger_price: Option<Price>,
    /// SL after execution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_loss_trigger_price: Option<Price>,
}

/// `POST /api/v2/mix/order/cancel-plan-order` body. Always send the plan's own `planType`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelPlanOrderRequest {
    /// Product type.
    pub product_type: ProductType,
    /// Symbol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// Margin coin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin_coin: Option<String>,
    /// Plans to cancel (omitted = all of the symbol/planType).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id_list: Option<Vec<OrderRef>>,
    /// Plan type (server default is `normal_plan`).
    pub plan_type: PlanType,
}

/// Filters of orders-plan-pending / orders-plan-history.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanListQuery {
    /// Required: `normal_plan`, `track_plan` or `profit_loss`.
    pub plan_type: PlanType,
    /// Symbol.
    pub symbol: Option<String>,
    /// One plan.
    pub order: Option<OrderRef>,
    /// History only: `executed`, `fail_trigger`, `cancelled`.
    pub plan_status: Option<PlanStatus>,
    /// Cursor.
    pub id_less_than: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

impl PlanListQuery {
    /// Every plan of one type, no other filter (one page, the exchange's default size).
    pub fn all(plan_type: PlanType) -> Self {
        Self {
            plan_type,
            symbol: None,
            order: None,
            plan_status: None,
            id_less_than: None,
            limit: None,
        }
    }

    /// Adds the filters to `q`.
    pub fn apply(&self, q: Query) -> Query {
        let mut q = q
            .push("planType", self.plan_type.as_str())
            .push_opt("symbol", self.symbol.clone())
            .push_opt("planStatus", self.plan_status.map(|s| s.as_str()))
            .push_opt("idLessThan", self.id_less_than.clone())
            .push_opt("limit", self.limit.map(|l| l.to_string()));
        if let Some(o) = &self.order {
            let (k, v) = o.pair();
            q = q.push(k, v);
        }
        q
    }
}

/// A plan / TP-SL row.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanOrder {
    /// Plan type.
    pub plan_type: PlanType,
    /// Symbol.
    pub symbol: String,
    /// Size (`0` for whole-position TP/SL).
    #[serde(deserialize_with = "d::dec")]
    pub size: Size,
    /// Plan id.
    pub order_id: String,
    /// Client id.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub client_oid: Option<String>,
    /// Limit price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub price: Option<Price>,
    /// Execute price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub execute_price: Option<Price>,
    /// Trailing callback.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub callback_ratio: Option<Decimal>,
    /// Trigger price.
    #[serde(deserialize_with = "d::dec")]
    pub trigger_price: Price,
    /// Trigger source.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub trigger_type: Option<TriggerType>,
    /// Status.
    pub plan_status: PlanStatus,
    /// Side.
    pub side: Side,
    /// Position side.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub pos_side: Option<PosSide>,
    /// Margin coin.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub margin_coin: Option<String>,
    /// Margin mode (`""` on TP/SL rows).
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub margin_mode: Option<MarginMode>,
    /// Where entered.
    #[serde(
        default,
        deserialize_with = "l::info_enum::<f::EnterPointSource, _, _>"
    )]
    pub enter_point_source: Option<EnterPointSource>,
    /// Trade side.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub trade_side: Option<TradeSide>,
    /// Position mode.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub pos_mode: Option<PosMode>,
    /// Order type on trigger.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub order_type: Option<OrderType>,
    /// Origin.
    #[serde(default, deserialize_with = "l::info_enum::<f::OrderSource, _, _>")]
    pub order_source: Option<OrderSource>,
    /// Attached TP trigger.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub stop_surplus_trigger_price: Option<Price>,
    /// Attached SL trigger.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub stop_loss_trigger_price: Option<Price>,
    /// History: order created on trigger.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub execute_order_id: Option<String>,
    /// History: average fill price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub price_avg: Option<Price>,
    /// History: filled size.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub base_volume: Option<Size>,
    /// Created, ms.
    #[serde(deserialize_with = "d::int")]
    pub c_time: i64,
    /// Updated, ms.
    #[serde(default, deserialize_with = "l::info_int::<f::UTime, _>")]
    pub u_time: Option<i64>,
}

/// orders-plan-pending / -history: `entrustedList` may be `null`, `endId` may be absent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanOrderList {
    /// Rows.
    #[serde(default, deserialize_with = "d::null_vec")]
    pub entrusted_list: Vec<PlanOrder>,
    /// Cursor.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub end_id: Option<String>,
}
