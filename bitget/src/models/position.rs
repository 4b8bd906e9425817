//! Position rows (spec §5.3): single-position and all-position.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::de as d;
use super::enums::{AssetMode, HoldSide, MarginMode, PosMode};
use super::ids::{Price, Size};
use super::lenient::{self as l, f};

/// One position row (union of single-position and all-position fields).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Position {
    /// Margin coin.
    pub margin_coin: String,
    /// Symbol.
    pub symbol: String,
    /// `long` / `short` (also in one-way mode).
    pub hold_side: HoldSide,
    /// Meaning unverified (spec §5.3); do not rely on it.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub open_delegate_size: Option<Size>,
    /// Margin.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub margin_size: Option<Decimal>,
    /// Closable size.
    #[serde(deserialize_with = "d::dec")]
    pub available: Size,
    /// Size locked by pending closes.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub locked: Option<Size>,
    /// Position size (base coin, positive). Rows with 0 mean "no position".
    #[serde(deserialize_with = "d::dec")]
    pub total: Size,
    /// Leverage.
    #[serde(deserialize_with = "d::dec")]
    pub leverage: Decimal,
    /// Realised PnL.
    #[serde(default, deserialize_with = "l::info_dec::<f::AchievedProfits, _, _>")]
    pub achieved_profits: Option<Decimal>,
    /// Average entry price.
    #[serde(deserialize_with = "d::dec")]
    pub open_price_avg: Price,
    /// Margin mode.
    pub margin_mode: MarginMode,
    /// Position mode.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub pos_mode: Option<PosMode>,
    /// Unrealised PnL.
    #[serde(
        default,
        deserialize_with = "l::info_dec::<f::UnrealizedPl, _, _>",
        rename = "unrealizedPL"
    )]
    pub unrealized_pl: Option<Decimal>,
    /// Estimated liquidation price (`<= 0` = none).
    #[serde(default, deserialize_with = "l::info_dec::<f::LiquidationPrice, _, _>")]
    pub liquidation_price: Option<Decimal>,
    /// Maintenance margin rate.
    #[serde(default, deserialize_with = "l::info_dec::<f::KeepMarginRate, _, _>")]
    pub keep_margin_rate: Option<Decimal>,
    /// Mark price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub mark_price: Option<Price>,
    /// Break-even price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub break_even_price: Option<Price>,
    /// Accumulated funding.
    #[serde(default, deserialize_with = "l::info_dec::<f::TotalFee, _, _>")]
    pub total_fee: Option<Decimal>,
    /// Trading fees paid.
    #[serde(default, deserialize_with = "l::info_dec::<f::DeductedFee, _, _>")]
    pub deducted_fee: Option<Decimal>,
    /// Maintenance margin ratio.
    #[serde(default, deserialize_with = "l::info_dec::<f::MarginRatio, _, _>")]
    pub margin_ratio: Option<Decimal>,
    /// Asset mode.
    #[serde(default, deserialize_with = "l::info_enum::<f::AssetMode, _, _>")]
    pub asset_mode: Option<AssetMode>,
    /// Trial funds granted by Bitget (seen as `""` in real answers).
    #[serde(default, deserialize_with = "l::info_dec::<f::Grant, _, _>")]
    pub grant: Option<Decimal>,
    /// `on` / `off`.
    #[serde(default, deserialize_with = "l::info_str::<f::AutoMargin, _>")]
    pub auto_margin: Option<String>,
    /// Position take-profit trigger.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub take_profit: Option<Price>,
    /// Position stop-loss trigger.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub stop_loss: Option<Price>,
    /// Plan id of the take profit.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub take_profit_id: Option<String>,
    /// Plan id of the stop loss.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub stop_loss_id: Option<String>,
    /// Created, ms.
    #[serde(default, deserialize_with = "l::info_int::<f::CTime, _>")]
    pub c_time: Option<i64>,
    /// Updated, ms.
    #[serde(default, deserialize_with = "l::info_int::<f::UTime, _>")]
    pub u_time: Option<i64>,
}

impl Position {
    /// False for the zero-size rows some versions return for flat sides.
    pub fn is_open(&self) -> bool {
        !self.total.0.is_zero()
    }

    /// Distance from the mark price to the liquidation price, as a fraction of the mark
    /// (see [`liquidation_distance`]).
    pub fn liquidation_distance(&self) -> Option<Decimal> {
        liquidation_distance(self.mark_price.map(|p| p.0), self.liquidation_price)
    }
}

/// `|mark − liquidation| / mark`: how far the price may move before liquidation, as a
/// fraction (0.25 = 25 %). `None` without a mark price, or when Bitget reports no
/// liquidation price (`<= 0`, e.g. a well-margined cross position).
pub fn liquidation_distance(
    mark: Option<Decimal>,
    liquidation: Option<Decimal>,
) -> Option<Decimal> {
    let mark = mark.filter(|m| *m > Decimal::ZERO)?;
    let liq = liquidation.filter(|l| *l > Decimal::ZERO)?;
    Some(((mark - liq).abs() / mark).round_dp(6))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn liquidation_distance_table() {
        let d = |m, l| liquidation_distance(m, l);
        assert_eq!(d(Some(dec!(100)), Some(dec!(75))), Some(dec!(0.25)));
        assert_eq!(
            d(Some(dec!(100)), Some(dec!(120))),
            Some(dec!(0.2)),
            "short"
        );
        assert_eq!(
            d(Some(dec!(100)), Some(dec!(-9880613.76))),
            None,
            "no liquidation"
        );
        assert_eq!(d(Some(dec!(100)), Some(dec!(0))), None);
        assert_eq!(d(None, Some(dec!(75))), None);
        assert_eq!(d(Some(dec!(0)), Some(dec!(75))), None);
        assert_eq!(d(Some(dec!(3)), Some(dec!(1))), Some(dec!(0.666667)));
    }
}
