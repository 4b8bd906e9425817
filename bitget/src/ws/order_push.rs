//! The `orders` push element (§7.8): the order's state, its attached take-profit /
//! stop-loss, cumulative fees and, on a fill, the latest fill.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::models::de as d;
use crate::models::lenient::{self as l, f};
use crate::models::{
    MarginMode, OrderState, OrderType, PosSide, Price, Side, Size, TradeScope, TradeSide,
    TriggerType,
};

/// One fee entry of an `orders` element (cumulative, negative = paid).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderFee {
    /// Fee coin.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub fee_coin: Option<String>,
    /// Cumulative fee.
    #[serde(default, deserialize_with = "l::info_dec::<f::Fee, _, _>")]
    pub fee: Option<Decimal>,
}

/// The take-profit / stop-loss attached to an order (its presets), as an `orders` push
/// shows them: after a fill they are the position's exchange-side protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachedTpsl {
    /// Take-profit trigger price.
    pub take_profit: Option<Price>,
    /// Stop-loss trigger price.
    pub stop_loss: Option<Price>,
    /// What the take-profit triggers on.
    pub take_profit_type: Option<TriggerType>,
    /// What the stop-loss triggers on.
    pub stop_loss_type: Option<TriggerType>,
}

/// The latest fill carried by an `orders` push caused by a fill.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestFill {
    /// Trade id.
    pub trade_id: String,
    /// Fill price.
    pub price: Price,
    /// This fill's size.
    pub size: Size,
    /// Fill time (ms).
    pub time: Option<i64>,
    /// This fill's fee (negative = paid).
    pub fee: Option<Decimal>,
    /// Maker or taker (`M`/`T`).
    pub scope: Option<TradeScope>,
}

/// One `orders` element.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPush {
    /// Exchange id.
    #[serde(deserialize_with = "d::id")]
    pub order_id: String,
    /// Our id.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub client_oid: Option<String>,
    /// Symbol.
    pub inst_id: String,
    /// Limit price (`0` for market orders).
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub price: Option<Price>,
    /// Original size.
    #[serde(deserialize_with = "d::dec")]
    pub size: Size,
    /// Order type.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub order_type: Option<OrderType>,
    /// Side.
    #[serde(deserialize_with = "d::enum_req")]
    pub side: Side,
    /// `long`/`short`/`net`.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub pos_side: Option<PosSide>,
    /// Trade side.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub trade_side: Option<TradeSide>,
    /// `yes`/`no`.
    #[serde(default, deserialize_with = "d::opt_yes_no")]
    pub reduce_only: Option<bool>,
    /// Status (`canceled`, `cancelled` accepted).
    #[serde(deserialize_with = "d::enum_req")]
    pub status: OrderState,
    /// Cumulative filled size.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub acc_base_volume: Option<Size>,
    /// Average fill price (`0` when none).
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub price_avg: Option<Price>,
    /// Realised PnL.
    #[serde(default, deserialize_with = "l::info_dec::<f::Pnl, _, _>")]
    pub pnl: Option<Decimal>,
    /// Realised PnL of this order.
    #[serde(default, deserialize_with = "l::info_dec::<f::TotalProfits, _, _>")]
    pub total_profits: Option<Decimal>,
    /// Cancel reason.
    #[serde(default, deserialize_with = "l::info_str::<f::CancelReason, _>")]
    pub cancel_reason: Option<String>,
    /// Cumulative fees.
    #[serde(default, deserialize_with = "d::null_vec")]
    pub fee_detail: Vec<OrderFee>,
    /// Attached take-profit trigger price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub preset_stop_surplus_price: Option<Price>,
    /// Attached take-profit execution price (absent/`0`: market).
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub preset_stop_surplus_execute_price: Option<Price>,
    /// What the attached take-profit triggers on.
    #[serde(
        default,
        deserialize_with = "l::info_enum::<f::PresetStopSurplusType, _, _>"
    )]
    pub preset_stop_surplus_type: Option<TriggerType>,
    /// Attached stop-loss trigger price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub preset_stop_loss_price: Option<Price>,
    /// Attached stop-loss execution price (absent/`0`: market).
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub preset_stop_loss_execute_price: Option<Price>,
    /// What the attached stop-loss triggers on.
    #[serde(
        default,
        deserialize_with = "l::info_enum::<f::PresetStopLossType, _, _>"
    )]
    pub preset_stop_loss_type: Option<TriggerType>,
    /// Margin mode.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub margin_mode: Option<MarginMode>,
    /// Leverage.
    #[serde(default, deserialize_with = "l::info_dec::<f::Leverage, _, _>")]
    pub leverage: Option<Decimal>,
    /// Notional in USD.
    #[serde(default, deserialize_with = "l::info_dec::<f::NotionalUsd, _, _>")]
    pub notional_usd: Option<Decimal>,
    /// Latest fill id (fill pushes only).
    #[serde(default, deserialize_with = "d::opt_str")]
    trade_id: Option<String>,
    #[serde(default, deserialize_with = "d::opt_dec")]
    fill_price: Option<Price>,
    /// On fill pushes: this fill's size.
    #[serde(default, deserialize_with = "d::opt_dec")]
    base_volume: Option<Size>,
    #[serde(default, deserialize_with = "l::info_int::<f::FillTime, _>")]
    fill_time: Option<i64>,
    #[serde(default, deserialize_with = "l::info_dec::<f::FillFee, _, _>")]
    fill_fee: Option<Decimal>,
    #[serde(default, deserialize_with = "l::info_enum::<f::TradeScope, _, _>")]
    trade_scope: Option<TradeScope>,
    /// Creation time (ms).
    #[serde(default, deserialize_with = "l::info_int::<f::CTime, _>")]
    pub c_time: Option<i64>,
    /// Update time (ms).
    #[serde(default, deserialize_with = "l::info_int::<f::UTime, _>")]
    pub u_time: Option<i64>,
}

impl OrderPush {
    /// The take-profit / stop-loss attached to this order, when it carries any.
    pub fn attached_tpsl(&self) -> Option<AttachedTpsl> {
        let positive = |p: Option<Price>| p.filter(|p| p.0 > Decimal::ZERO);
        let t = AttachedTpsl {
            take_profit: positive(self.preset_stop_surplus_price),
            stop_loss: positive(self.preset_stop_loss_price),
            take_profit_type: self.preset_stop_surplus_type,
            stop_loss_type: self.preset_stop_loss_type,
        };
        (t.take_profit.is_some() || t.stop_loss.is_some()).then_some(t)
    }

    /// The fill that caused this push, when it was caused by one.
    pub fn latest_fill(&self) -> Option<LatestFill> {
        Some(LatestFill {
            trade_id: self.trade_id.clone()?,
            price: self.fill_price?,
            size: self.base_volume?,
            time: self.fill_time,
            fee: self.fill_fee,
            scope: self.trade_scope,
        })
    }
}
