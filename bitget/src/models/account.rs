//! Account models and settings requests (spec §5.2): account(s), leverage, margin and position mode.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::de as d;
use super::enums::{AssetMode, HoldSide, MarginMode, PosMode, ProductType};
use super::lenient::{self as l, f};

/// `GET /api/v2/mix/account/account` (one margin coin, leverage fields for one symbol).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Margin coin.
    pub margin_coin: String,
    /// Locked for pending close orders.
    #[serde(deserialize_with = "d::dec")]
    pub locked: Decimal,
    /// Available balance.
    #[serde(deserialize_with = "d::dec")]
    pub available: Decimal,
    /// Max usable to open in cross.
    #[serde(
        default,
        deserialize_with = "l::info_dec::<f::CrossedMaxAvailable, _, _>"
    )]
    pub crossed_max_available: Option<Decimal>,
    /// Max usable to open in isolated.
    #[serde(
        default,
        deserialize_with = "l::info_dec::<f::IsolatedMaxAvailable, _, _>"
    )]
    pub isolated_max_available: Option<Decimal>,
    /// Transferable out.
    #[serde(default, deserialize_with = "l::info_dec::<f::MaxTransferOut, _, _>")]
    pub max_transfer_out: Option<Decimal>,
    /// Equity incl. unrealised PnL.
    #[serde(deserialize_with = "d::dec")]
    pub account_equity: Decimal,
    /// Equity in USDT.
    #[serde(default, deserialize_with = "l::info_dec::<f::UsdtEquity, _, _>")]
    pub usdt_equity: Option<Decimal>,
    /// Equity in BTC.
    #[serde(default, deserialize_with = "l::info_dec::<f::AccountEquityBtc, _, _>")]
    pub btc_equity: Option<Decimal>,
    /// Cross risk ratio.
    #[serde(default, deserialize_with = "l::info_dec::<f::CrossedRiskRate, _, _>")]
    pub crossed_risk_rate: Option<Decimal>,
    /// Cross leverage of the symbol.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub crossed_margin_leverage: Option<Decimal>,
    /// Isolated long leverage of the symbol.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub isolated_long_lever: Option<Decimal>,
    /// Isolated short leverage of the symbol.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub isolated_short_lever: Option<Decimal>,
    /// Margin mode of the symbol.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub margin_mode: Option<MarginMode>,
    /// Account position mode.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub pos_mode: Option<PosMode>,
    /// Unrealised PnL (may be `""`).
    #[serde(
        default,
        deserialize_with = "l::info_dec::<f::UnrealizedPl, _, _>",
        rename = "unrealizedPL"
    )]
    pub unrealized_pl: Option<Decimal>,
    /// Cross unrealised PnL.
    #[serde(
        default,
        deserialize_with = "l::info_dec::<f::CrossedUnrealizedPl, _, _>",
        rename = "crossedUnrealizedPL"
    )]
    pub crossed_unrealized_pl: Option<Decimal>,
    /// Isolated unrealised PnL.
    #[serde(
        default,
        deserialize_with = "l::info_dec::<f::IsolatedUnrealizedPl, _, _>",
        rename = "isolatedUnrealizedPL"
    )]
    pub isolated_unrealized_pl: Option<Decimal>,
    /// Trading bonus.
    #[serde(default, deserialize_with = "l::info_dec::<f::Coupon, _, _>")]
    pub coupon: Option<Decimal>,
    /// `single` / `union`.
    #[serde(default, deserialize_with = "l::info_enum::<f::AssetMode, _, _>")]
    pub asset_mode: Option<AssetMode>,
    /// Trial funds granted by Bitget (seen as `""` in real answers).
    #[serde(default, deserialize_with = "l::info_dec::<f::Grant, _, _>")]
    pub grant: Option<Decimal>,
}

/// One asset of a union-mode account.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnionAsset {
    /// Coin.
    pub coin: String,
    /// Balance.
    #[serde(deserialize_with = "d::dec")]
    pub balance: Decimal,
    /// Available.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub available: Option<Decimal>,
}

/// One row of `GET /api/v2/mix/account/accounts`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountSummary {
    /// Margin coin.
    pub margin_coin: String,
    /// Locked.
    #[serde(deserialize_with = "d::dec")]
    pub locked: Decimal,
    /// Available.
    #[serde(deserialize_with = "d::dec")]
    pub available: Decimal,
    /// Max usable in cross.
    #[serde(
        default,
        deserialize_with = "l::info_dec::<f::CrossedMaxAvailable, _, _>"
    )]
    pub crossed_max_available: Option<Decimal>,
    /// Max usable in isolated.
    #[serde(
        default,
        deserialize_with = "l::info_dec::<f::IsolatedMaxAvailable, _, _>"
    )]
    pub isolated_max_available: Option<Decimal>,
    /// Transferable out.
    #[serde(default, deserialize_with = "l::info_dec::<f::MaxTransferOut, _, _>")]
    pub max_transfer_out: Option<Decimal>,
    /// Equity.
    #[serde(deserialize_with = "d::dec")]
    pub account_equity: Decimal,
    /// Equity in USDT.
    #[serde(default, deserialize_with = "l::info_dec::<f::UsdtEquity, _, _>")]
    pub usdt_equity: Option<Decimal>,
    /// Unrealised PnL.
    #[serde(
        default,
        deserialize_with = "l::info_dec::<f::UnrealizedPl, _, _>",
        rename = "unrealizedPL"
    )]
    pub unrealized_pl: Option<Decimal>,
    /// Union total margin (the doc example spells it `unionTotalMagin`).
    #[serde(
        default,
        deserialize_with = "l::info_dec::<f::UnionTotalMargin, _, _>",
        rename = "unionTotalMargin",
        alias = "unionTotalMagin"
    )]
    pub union_total_margin: Option<Decimal>,
    /// Union available.
    #[serde(default, deserialize_with = "l::info_dec::<f::UnionAvailable, _, _>")]
    pub union_available: Option<Decimal>,
    /// Union maintenance margin.
    #[serde(default, deserialize_with = "l::info_dec::<f::UnionMm, _, _>")]
    pub union_mm: Option<Decimal>,
    /// Assets (union mode).
    #[serde(default, deserialize_with = "d::null_vec")]
    pub asset_list: Vec<UnionAsset>,
    /// Isolated margin in use.
    #[serde(default, deserialize_with = "l::info_dec::<f::IsolatedMargin, _, _>")]
    pub isolated_margin: Option<Decimal>,
    /// Cross margin in use.
    #[serde(default, deserialize_with = "l::info_dec::<f::CrossedMargin, _, _>")]
    pub crossed_margin: Option<Decimal>,
    /// `single` / `union`.
    #[serde(default, deserialize_with = "l::info_enum::<f::AssetMode, _, _>")]
    pub asset_mode: Option<AssetMode>,
    /// Trial funds granted by Bitget (seen as `""` in real answers).
    #[serde(default, deserialize_with = "l::info_dec::<f::Grant, _, _>")]
    pub grant: Option<Decimal>,
}

/// `POST /api/v2/mix/account/set-leverage` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetLeverageRequest {
    /// Symbol.
    pub symbol: String,
    /// Product type.
    pub product_type: ProductType,
    /// Margin coin.
    pub margin_coin: String,
    /// Leverage (cross, one-way isolated, or both sides).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leverage: Option<Decimal>,
    /// Hedge isolated long leverage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_leverage: Option<Decimal>,
    /// Hedge isolated short leverage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_leverage: Option<Decimal>,
    /// Side (isolated hedge with `leverage`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_side: Option<HoldSide>,
}

/// `set-leverage` answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeverageInfo {
    /// Symbol.
    pub symbol: String,
    /// Margin coin.
    pub margin_coin: String,
    /// Long leverage.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub long_leverage: Option<Decimal>,
    /// Short leverage.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub short_leverage: Option<Decimal>,
    /// Cross leverage.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub cross_margin_leverage: Option<Decimal>,
    /// Margin mode.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub margin_mode: Option<MarginMode>,
}

/// `POST /api/v2/mix/account/set-margin-mode` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetMarginModeRequest {
    /// Symbol.
    pub symbol: String,
    /// Product type.
    pub product_type: ProductType,
    /// Margin coin.
    pub margin_coin: String,
    /// New mode.
    pub margin_mode: MarginMode,
}

/// `POST /api/v2/mix/account/set-position-mode` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetPositionModeRequest {
    /// Product type (the mode applies to all its symbols).
    pub product_type: ProductType,
    /// New mode.
    pub pos_mode: PosMode,
}

/// `set-position-mode` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionModeInfo {
    /// Mode now in force.
    #[serde(deserialize_with = "d::enum_req")]
    pub pos_mode: PosMode,
}
