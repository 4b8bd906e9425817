//! Typed private push elements (§7.8): account, positions, orders (with the latest fill),
//! orders-algo and fill. Tolerant where Bitget is inconsistent (`canceled`/`cancelled`,
//! `T`/`taker`, `yes`/`YES`, numbers as strings or numbers, `""` as none).

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::models::de as d;
use crate::models::lenient::{self as l, f};
use crate::models::{
    HoldSide, MarginMode, OrderState, OrderType, PlanStatus, PosMode, PosSide, Price, Side, Size,
    TradeScope, TradeSide, TriggerType,
};

/// One `account` element.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountPush {
    /// Margin coin.
    pub margin_coin: String,
    /// Locked.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub frozen: Option<Decimal>,
    /// Available.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub available: Option<Decimal>,
    /// Available to open positions.
    #[serde(
        default,
        deserialize_with = "l::info_dec::<f::MaxOpenPosAvailable, _, _>"
    )]
    pub max_open_pos_available: Option<Decimal>,
    /// Transferable out.
    #[serde(default, deserialize_with = "l::info_dec::<f::MaxTransferOut, _, _>")]
    pub max_transfer_out: Option<Decimal>,
    /// Equity.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub equity: Option<Decimal>,
    /// Equity in USDT.
    #[serde(default, deserialize_with = "l::info_dec::<f::UsdtEquity, _, _>")]
    pub usdt_equity: Option<Decimal>,
    /// Unrealised PnL.
    #[serde(
        default,
        rename = "unrealizedPL",
        deserialize_with = "l::info_dec::<f::UnrealizedPl, _, _>"
    )]
    pub unrealized_pl: Option<Decimal>,
    /// Cross risk ratio.
    #[serde(default, deserialize_with = "l::info_dec::<f::CrossedRiskRate, _, _>")]
    pub crossed_risk_rate: Option<Decimal>,
    /// Union total margin (also read as Bitget's typo `unionTotalMagin`).
    #[serde(
        default,
        alias = "unionTotalMagin",
        deserialize_with = "l::info_dec::<f::UnionTotalMargin, _, _>"
    )]
    pub union_total_margin: Option<Decimal>,
    /// Union available.
    #[serde(default, deserialize_with = "l::info_dec::<f::UnionAvailable, _, _>")]
    pub union_available: Option<Decimal>,
    /// Union maintenance margin.
    #[serde(default, deserialize_with = "l::info_dec::<f::UnionMm, _, _>")]
    pub union_mm: Option<Decimal>,
    /// `single` / `union` (also read as `assetsMode`).
    #[serde(
        default,
        alias = "assetsMode",
        deserialize_with = "l::info_enum::<f::AssetMode, _, _>"
    )]
    pub asset_mode: Option<crate::models::AssetMode>,
}

/// One `positions` element (a push is the full current set; missing = closed).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionPush {
    /// Position id.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub pos_id: Option<String>,
    /// Symbol.
    pub inst_id: String,
    /// Side held.
    #[serde(deserialize_with = "d::enum_req")]
    pub hold_side: HoldSide,
    /// Margin mode.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub margin_mode: Option<MarginMode>,
    /// Position mode.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub pos_mode: Option<PosMode>,
    /// Size (`0` = closed).
    #[serde(deserialize_with = "d::dec")]
    pub total: Size,
    /// Size not locked by close orders.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub available: Option<Size>,
    /// Size locked by pending close orders (REST calls it `locked`).
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub frozen: Option<Size>,
    /// Margin coin.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub margin_coin: Option<String>,
    /// Margin.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub margin_size: Option<Decimal>,
    /// Average entry.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub open_price_avg: Option<Price>,
    /// Leverage (number or string).
    #[serde(default, deserialize_with = "l::info_dec::<f::Leverage, _, _>")]
    pub leverage: Option<Decimal>,
    /// Unrealised PnL.
    #[serde(
        default,
        rename = "unrealizedPL",
        deserialize_with = "l::info_dec::<f::UnrealizedPl, _, _>"
    )]
    pub unrealized_pl: Option<Decimal>,
    /// Realised PnL.
    #[serde(default, deserialize_with = "l::info_dec::<f::AchievedProfits, _, _>")]
    pub achieved_profits: Option<Decimal>,
    /// Estimated liquidation price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub liquidation_price: Option<Price>,
    /// Mark price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub mark_price: Option<Price>,
    /// Break-even price.
    #[serde(default, deserialize_with = "l::info_dec::<f::BreakEvenPrice, _, _>")]
    pub break_even_price: Option<Price>,
    /// Margin rate (the position's margin ratio; near `keepMarginRate` = near liquidation).
    #[serde(default, deserialize_with = "l::info_dec::<f::MarginRate, _, _>")]
    pub margin_rate: Option<Decimal>,
    /// Maintenance margin rate of the position's tier.
    #[serde(default, deserialize_with = "l::info_dec::<f::KeepMarginRate, _, _>")]
    pub keep_margin_rate: Option<Decimal>,
    /// Isolated margin rate.
    #[serde(
        default,
        deserialize_with = "l::info_dec::<f::IsolatedMarginRate, _, _>"
    )]
    pub isolated_margin_rate: Option<Decimal>,
    /// Return on margin as a fraction.
    #[serde(
        default,
        rename = "unrealizedPLR",
        deserialize_with = "l::info_dec::<f::UnrealizedPlr, _, _>"
    )]
    pub unrealized_plr: Option<Decimal>,
    /// Accumulated funding.
    #[serde(default, deserialize_with = "l::info_dec::<f::TotalFee, _, _>")]
    pub total_fee: Option<Decimal>,
    /// Trading fees paid.
    #[serde(default, deserialize_with = "l::info_dec::<f::DeductedFee, _, _>")]
    pub deducted_fee: Option<Decimal>,
    /// `on`/`off`.
    #[serde(default, deserialize_with = "l::info_str::<f::AutoMargin, _>")]
    pub auto_margin: Option<String>,
    /// Creation time (ms).
    #[serde(default, deserialize_with = "l::info_int::<f::CTime, _>")]
    pub c_time: Option<i64>,
    /// Update time (ms).
    #[serde(default, deserialize_with = "l::info_int::<f::UTime, _>")]
    pub u_time: Option<i64>,
}

impl PositionPush {
    /// Distance from the mark price to the liquidation price, as a fraction of the mark
    /// (see [`crate::models::liquidation_distance`]).
    pub fn liquidation_distance(&self) -> Option<Decimal> {
        crate::models::liquidation_distance(
            self.mark_price.map(|p| p.0),
            self.liquidation_price.map(|p| p.0),
        )
    }
}

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

/// One `orders-algo` element (plan and TP/SL orders).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlgoOrderPush {
    /// Exchange id.
    #[serde(deserialize_with = "d::id")]
    pub order_id: String,
    /// Our id.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub client_oid: Option<String>,
    /// Symbol.
    pub inst_id: String,
    /// `pl`, `tp`, `sl`, `ptp`, `psl`, `track`, `mtpsl`.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub plan_type: Option<String>,
    /// Trigger price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub trigger_price: Option<Price>,
    /// Trigger price type.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub trigger_type: Option<TriggerType>,
    /// Execution price (`0`: market).
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub price: Option<Price>,
    /// Size (may be `0` for whole-position TP/SL).
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub size: Option<Size>,
    /// Size actually executed after the trigger.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub actual_size: Option<Size>,
    /// Execution price after the trigger (absent/`0`: market).
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub execute_price: Option<Price>,
    /// When it triggered (ms; absent until then).
    #[serde(default, deserialize_with = "l::info_int::<f::TriggerTime, _>")]
    pub trigger_time: Option<i64>,
    /// Side.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub side: Option<Side>,
    /// Trade side (`open`/`close`, one-way `buy_single`/`sell_single`).
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub trade_side: Option<TradeSide>,
    /// Position side.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub pos_side: Option<PosSide>,
    /// `live`, `executing`, `executed`, `fail_execute`, `cancelled`.
    #[serde(deserialize_with = "d::enum_req")]
    pub status: PlanStatus,
    /// Update time (ms).
    #[serde(default, deserialize_with = "l::info_int::<f::UTime, _>")]
    pub u_time: Option<i64>,
}

/// Fee detail of a `fill` element.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FillFee {
    /// Fee coin.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub fee_coin: Option<String>,
    /// Total fee (negative = paid).
    #[serde(default, deserialize_with = "l::info_dec::<f::TotalFee, _, _>")]
    pub total_fee: Option<Decimal>,
}

/// One `fill` element (own trade).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FillPush {
    /// Order id.
    #[serde(deserialize_with = "d::id")]
    pub order_id: String,
    /// Our id.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub client_oid: Option<String>,
    /// Trade id.
    #[serde(deserialize_with = "d::id")]
    pub trade_id: String,
    /// Symbol.
    pub symbol: String,
    /// Economic side.
    #[serde(deserialize_with = "d::enum_req")]
    pub side: Side,
    /// Fill price.
    #[serde(deserialize_with = "d::dec")]
    pub price: Price,
    /// Fill size.
    #[serde(deserialize_with = "d::dec")]
    pub base_volume: Size,
    /// Realised PnL.
    #[serde(default, deserialize_with = "l::info_dec::<f::Profit, _, _>")]
    pub profit: Option<Decimal>,
    /// Trade side.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub trade_side: Option<TradeSide>,
    /// `taker`/`maker`.
    #[serde(default, deserialize_with = "l::info_enum::<f::TradeScope, _, _>")]
    pub trade_scope: Option<TradeScope>,
    /// Fees.
    #[serde(default, deserialize_with = "d::null_vec")]
    pub fee_detail: Vec<FillFee>,
    /// Time (ms).
    #[serde(default, deserialize_with = "l::info_int::<f::CTime, _>")]
    pub c_time: Option<i64>,
}
