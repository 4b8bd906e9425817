//! Order answers (spec §5.4): acks, batch results, order records, order lists, fills.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use super::de as d;
use super::enums::{EnterPointSource, Force, MarginMode, OrderSource, OrderState, OrderType};
use super::enums::{PosMode, PosSide, Side, TradeScope, TradeSide};
use super::ids::{Price, Size};
use super::lenient::{self as l, f};

/// `{orderId, clientOid}` answer of place/cancel/modify (orderId may be missing, §5.4).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderAck {
    /// Exchange id.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub order_id: Option<String>,
    /// Client id echo (`""` when cancelling by orderId).
    #[serde(default, deserialize_with = "d::opt_str")]
    pub client_oid: Option<String>,
}

/// One entry of a `successList` / `failureList`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchItem {
    /// Exchange id.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub order_id: Option<String>,
    /// Client id.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub client_oid: Option<String>,
    /// Symbol (close-positions).
    #[serde(default, deserialize_with = "d::opt_str")]
    pub symbol: Option<String>,
    /// Failure message.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub error_msg: Option<String>,
    /// Failure code (may be `""`).
    #[serde(default, deserialize_with = "d::opt_str")]
    pub error_code: Option<String>,
}

/// Answer of the batch endpoints: partial success is normal, envelope still `00000`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResult {
    /// Accepted.
    #[serde(default, deserialize_with = "d::null_vec")]
    pub success_list: Vec<BatchItem>,
    /// Refused.
    #[serde(default, deserialize_with = "d::null_vec")]
    pub failure_list: Vec<BatchItem>,
}

/// An order record (detail, orders-pending, orders-history).
///
/// The status is `state` in detail and `status` in lists (spec §5.4): both are read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// Symbol.
    pub symbol: String,
    /// Original size.
    #[serde(deserialize_with = "d::dec")]
    pub size: Size,
    /// Exchange id.
    pub order_id: String,
    /// Client id.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub client_oid: Option<String>,
    /// Filled size.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub base_volume: Option<Size>,
    /// Average fill price (`""`/`0` when nothing filled).
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub price_avg: Option<Price>,
    /// Cumulative fee (negative = paid).
    #[serde(default, deserialize_with = "l::info_dec::<f::Fee, _, _>")]
    pub fee: Option<Decimal>,
    /// Limit price (`0` for market).
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub price: Option<Price>,
    /// Status.
    #[serde(alias = "status")]
    pub state: OrderState,
    /// Side.
    pub side: Side,
    /// Time in force.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub force: Option<Force>,
    /// Realised PnL of this order.
    #[serde(default, deserialize_with = "l::info_dec::<f::TotalProfits, _, _>")]
    pub total_profits: Option<Decimal>,
    /// `long`/`short`/`net`.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub pos_side: Option<PosSide>,
    /// Margin coin.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub margin_coin: Option<String>,
    /// Filled notional.
    #[serde(default, deserialize_with = "l::info_dec::<f::QuoteVolume, _, _>")]
    pub quote_volume: Option<Decimal>,
    /// Order type.
    pub order_type: OrderType,
    /// Leverage.
    #[serde(default, deserialize_with = "l::info_dec::<f::Leverage, _, _>")]
    pub leverage: Option<Decimal>,
    /// Margin mode.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub margin_mode: Option<MarginMode>,
    /// Reduce-only (`YES`/`yes`).
    #[serde(default, deserialize_with = "d::opt_yes_no")]
    pub reduce_only: Option<bool>,
    /// Where it was entered.
    #[serde(
        default,
        deserialize_with = "l::info_enum::<f::EnterPointSource, _, _>"
    )]
    pub enter_point_source: Option<EnterPointSource>,
    /// Trade side record value.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub trade_side: Option<TradeSide>,
    /// The newer trade-side field of order detail (same values as `tradeSide`).
    #[serde(default, deserialize_with = "l::info_enum::<f::NewTradeSide, _, _>")]
    pub new_trade_side: Option<TradeSide>,
    /// Estimated liquidation price when the order finished (orders-history, Nov 2025).
    #[serde(default, deserialize_with = "l::info_dec::<f::LiqPrice, _, _>")]
    pub liq_price: Option<Price>,
    /// Average position entry after this order (orders-history).
    #[serde(default, deserialize_with = "l::info_dec::<f::PosAvg, _, _>")]
    pub pos_avg: Option<Price>,
    /// Position mode.
    #[serde(default, deserialize_with = "d::opt_enum")]
    pub pos_mode: Option<PosMode>,
    /// Origin.
    #[serde(default, deserialize_with = "l::info_enum::<f::OrderSource, _, _>")]
    pub order_source: Option<OrderSource>,
    /// Preset TP.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub preset_stop_surplus_price: Option<Price>,
    /// Preset SL.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub preset_stop_loss_price: Option<Price>,
    /// `normal_cancel`, `stp_cancel`.
    #[serde(default, deserialize_with = "l::info_str::<f::CancelReason, _>")]
    pub cancel_reason: Option<String>,
    /// Created, ms.
    #[serde(deserialize_with = "d::int")]
    pub c_time: i64,
    /// Updated, ms.
    #[serde(default, deserialize_with = "l::info_int::<f::UTime, _>")]
    pub u_time: Option<i64>,
}

/// Detail answer: `data` is the order, or `[]`/`null` when not found (hummingbot guards this).
#[derive(Debug, Clone, PartialEq)]
pub struct MaybeOrder(pub Option<Order>);

impl<'de> Deserialize<'de> for MaybeOrder {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(MaybeOrderVisitor)
    }
}

/// Decodes the order straight from the answer's bytes (no `serde_json::Value` in between):
/// `null` or `[]` is "not found", an object is the order, with the failing field named.
struct MaybeOrderVisitor;

impl<'de> serde::de::Visitor<'de> for MaybeOrderVisitor {
    type Value = MaybeOrder;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an order object, null or []")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<MaybeOrder, E> {
        Ok(MaybeOrder(None))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<MaybeOrder, E> {
        Ok(MaybeOrder(None))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<MaybeOrder, A::Error> {
        match seq.next_element::<serde::de::IgnoredAny>()? {
            None => Ok(MaybeOrder(None)),
            Some(_) => Err(serde::de::Error::invalid_length(1, &"an empty list")),
        }
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<MaybeOrder, A::Error> {
        let de = serde::de::value::MapAccessDeserializer::new(map);
        d::with_path::<Order, _>(de).map(|o| MaybeOrder(Some(o)))
    }
}

/// orders-pending / orders-history: `{entrustedList, endId}`, `entrustedList: null` = none.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderList {
    /// Orders, newest first.
    #[serde(default, deserialize_with = "d::null_vec")]
    pub entrusted_list: Vec<Order>,
    /// Cursor for the next page.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub end_id: Option<String>,
}

/// One fee entry of a fill.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeeDetail {
    /// Paid by coupon/BGB.
    #[serde(default, deserialize_with = "l::info_yes_no::<f::Deduction, _>")]
    pub deduction: Option<bool>,
    /// Fee coin.
    pub fee_coin: String,
    /// Deducted part.
    #[serde(
        default,
        deserialize_with = "l::info_dec::<f::TotalDeductionFee, _, _>"
    )]
    pub total_deduction_fee: Option<Decimal>,
    /// Fee (negative = charged).
    #[serde(default, deserialize_with = "l::info_dec::<f::TotalFee, _, _>")]
    pub total_fee: Option<Decimal>,
}

/// One own trade (`GET /api/v2/mix/order/fills`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fill {
    /// Trade id.
    pub trade_id: String,
    /// Symbol.
    pub symbol: String,
    /// Order id.
    pub order_id: String,
    /// Fill price.
    #[serde(deserialize_with = "d::dec")]
    pub price: Price,
    /// Fill size.
    #[serde(deserialize_with = "d::dec")]
    pub base_volume: Size,
    /// Fees.
    #[serde(default, deserialize_with = "d::null_vec")]
    pub fee_detail: Vec<FeeDetail>,
    /// Side.
    pub side: Side,
    /// Notional.
    #[serde(default, deserialize_with = "l::info_dec::<f::QuoteVolume, _, _>")]
    pub quote_volume: Option<Decimal>,
    /// Realised PnL.
    #[serde(default, deserialize_with = "l::info_dec::<f::Profit, _, _>")]
    pub profit: Option<Decimal>,
    /// Where it was entered.
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
    /// Taker/maker.
    #[serde(default, deserialize_with = "l::info_enum::<f::TradeScope, _, _>")]
    pub trade_scope: Option<TradeScope>,
    /// Time, ms.
    #[serde(deserialize_with = "d::int")]
    pub c_time: i64,
}

/// fills: `{fillList, endId}`; `fillList` may be `null`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FillList {
    /// Fills.
    #[serde(default, deserialize_with = "d::null_vec")]
    pub fill_list: Vec<Fill>,
    /// Cursor.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub end_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: &str = r#"{"symbol":"BTCUSDT","size":"0.01","orderId":"1","clientOid":"c1","baseVolume":"0","price":"0","side":"buy","status":"live","orderType":"market","force":"gtc","marginCoin":"USDT","marginMode":"crossed","posMode":"one_way_mode","tradeSide":"buy_single","cTime":"1695718781129","uTime":"1695718781129"}"#;

    #[test]
    fn not_found_is_null_or_an_empty_list_and_a_found_order_decodes_typed() {
        for none in ["null", "[]", " [ ] "] {
            let MaybeOrder(o) = serde_json::from_str(none).unwrap();
            assert!(o.is_none(), "{none}");
        }
        let MaybeOrder(o) = serde_json::from_str(ORDER).unwrap();
        let o = o.unwrap();
        assert_eq!((o.order_id.as_str(), o.c_time), ("1", 1695718781129));
    }

    #[test]
    fn a_list_with_an_order_or_a_bad_field_is_an_error_naming_it() {
        let e = serde_json::from_str::<MaybeOrder>(&format!("[{ORDER}]")).unwrap_err();
        assert!(e.to_string().contains("empty list"), "{e}");
        let bad = ORDER.replace(r#""orderId":"1""#, r#""orderId":{}"#);
        let e = serde_json::from_str::<MaybeOrder>(&bad).unwrap_err();
        assert!(e.to_string().contains("orderId"), "{e}");
    }
}
