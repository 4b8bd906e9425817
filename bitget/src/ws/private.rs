//! Typed private push elements (§7.8): account, positions, orders (with the latest fill),
//! orders-algo and fill. Tolerant where Bitget is inconsistent (`canceled`/`cancelled`,
//! `T`/`taker`, `yes`/`YES`, numbers as strings or numbers, `""` as none).

use rust_decimal::Decimal;
use serde::Deserialize;

pub use super::order_push::{AttachedTpsl, LatestFill, OrderFee, OrderPush};
use crate::models::de as d;
use crate::models::lenient::{self as l, f};
use crate::models::{
    HoldSide, MarginMode, PlanStatus, PosMode, PosSide, Price, Side, Size, TradeScope, TradeSide,
    TriggerType,
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
