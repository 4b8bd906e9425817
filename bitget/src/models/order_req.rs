//! Order request bodies (spec §5.4): place, batch place, cancel, batch cancel, cancel all,
//! modify, close positions — and the list-query filters.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::enums::{Force, HoldSide, MarginMode, OrderState, OrderType, ProductType, Side};
use super::enums::{StpMode, TradeSide};
use super::ids::{ClientOid, OrderRef, Price, Size};
use crate::sign::Query;

fn yes_no<S: Serializer>(v: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(true) => s.serialize_str("YES"),
        _ => s.serialize_str("NO"),
    }
}

/// `POST /api/v2/mix/order/place-order` body. `client_oid` is mandatory by house rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaceOrderRequest {
    /// Symbol.
    pub symbol: String,
    /// Product type.
    pub product_type: ProductType,
    /// Margin mode of the symbol.
    pub margin_mode: MarginMode,
    /// Margin coin.
    pub margin_coin: String,
    /// Size, base coin.
    pub size: Size,
    /// Limit price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    /// Side.
    pub side: Side,
    /// Hedge mode only: open/close. Never sent in one-way mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_side: Option<TradeSide>,
    /// Order type.
    pub order_type: OrderType,
    /// Time in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub force: Option<Force>,
    /// Our id.
    pub client_oid: ClientOid,
    /// One-way mode reduce-only.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "yes_no")]
    pub reduce_only: Option<bool>,
    /// Preset take-profit trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset_stop_surplus_price: Option<Price>,
    /// Preset stop-loss trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset_stop_loss_price: Option<Price>,
    /// Self-trade prevention.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stp_mode: Option<StpMode>,
}

impl PlaceOrderRequest {
    /// A USDT-FUTURES, crossed, USDT-margined order with no optional field set.
    pub fn new(
        symbol: &str,
        side: Side,
        order_type: OrderType,
        size: Size,
        client_oid: ClientOid,
    ) -> Self {
        Self {
            symbol: symbol.to_owned(),
            product_type: ProductType::UsdtFutures,
            margin_mode: MarginMode::Crossed,
            margin_coin: "USDT".into(),
            size,
            price: None,
            side,
            trade_side: None,
            order_type,
            force: None,
            client_oid,
            reduce_only: None,
            preset_stop_surplus_price: None,
            preset_stop_loss_price: None,
            stp_mode: None,
        }
    }
}

/// One order of a batch (fields as for place-order).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchOrderItem {
    /// Size.
    pub size: Size,
    /// Limit price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    /// Side.
    pub side: Side,
    /// Hedge open/close.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_side: Option<TradeSide>,
    /// Type.
    pub order_type: OrderType,
    /// Time in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub force: Option<Force>,
    /// Our id.
    pub client_oid: ClientOid,
    /// Reduce-only.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "yes_no")]
    pub reduce_only: Option<bool>,
}

/// `POST /api/v2/mix/order/batch-place-order` body (≤ 50 orders, one symbol).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchPlaceOrderRequest {
    /// Symbol.
    pub symbol: String,
    /// Product type.
    pub product_type: ProductType,
    /// Margin coin.
    pub margin_coin: String,
    /// Margin mode.
    pub margin_mode: MarginMode,
    /// The orders.
    pub order_list: Vec<BatchOrderItem>,
}

impl Serialize for OrderRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (k, v) = self.pair();
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(k, v)?;
        m.end()
    }
}

/// `POST /api/v2/mix/order/cancel-order` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelOrderRequest {
    /// Symbol.
    pub symbol: String,
    /// Product type.
    pub product_type: ProductType,
    /// Margin coin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin_coin: Option<String>,
    /// Which order.
    #[serde(flatten)]
    pub order: OrderRef,
}

/// `POST /api/v2/mix/order/batch-cancel-orders` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchCancelRequest {
    /// Symbol.
    pub symbol: String,
    /// Product type.
    pub product_type: ProductType,
    /// Margin coin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin_coin: Option<String>,
    /// Orders to cancel (≤ 50).
    pub order_id_list: Vec<OrderRef>,
}

/// `POST /api/v2/mix/order/cancel-all-orders` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelAllRequest {
    /// Product type.
    pub product_type: ProductType,
    /// Margin coin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin_coin: Option<String>,
    /// Symbol filter (accepted by SDKs; unverified).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
}

/// `POST /api/v2/mix/order/modify-order` body. Changing price/size replaces the order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifyOrderRequest {
    /// Symbol.
    pub symbol: String,
    /// Product type.
    pub product_type: ProductType,
    /// Margin coin.
    pub margin_coin: String,
    /// Which order.
    #[serde(flatten)]
    pub order: OrderRef,
    /// Id of the replacement (required by Bitget).
    pub new_client_oid: ClientOid,
    /// New size (with `new_price`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_size: Option<Size>,
    /// New price (with `new_size`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_price: Option<Price>,
    /// New preset TP (`0` deletes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_preset_stop_surplus_price: Option<Price>,
    /// New preset SL (`0` deletes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_preset_stop_loss_price: Option<Price>,
}

/// `POST /api/v2/mix/order/close-positions` body (flash close at market).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClosePositionsRequest {
    /// Product type.
    pub product_type: ProductType,
    /// Symbol (omit = all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// Hedge mode side (omit = both).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_side: Option<HoldSide>,
}

/// Filters of orders-pending / orders-history / fills (all optional).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderListQuery {
    /// Symbol.
    pub symbol: Option<String>,
    /// One order.
    pub order: Option<OrderRef>,
    /// orders-pending only: `live` or `partially_filled`.
    pub status: Option<OrderState>,
    /// Pagination cursor (previous `endId`).
    pub id_less_than: Option<String>,
    /// From, ms.
    pub start_time: Option<i64>,
    /// To, ms.
    pub end_time: Option<i64>,
    /// Page size (≤ 100).
    pub limit: Option<u32>,
}

impl OrderListQuery {
    /// Adds the filters to `q`.
    pub fn apply(&self, q: Query) -> Query {
        let mut q = q
            .push_opt("symbol", self.symbol.clone())
            .push_opt("status", self.status.map(|s| s.as_str()))
            .push_opt("idLessThan", self.id_less_than.clone())
            .push_opt("startTime", self.start_time.map(|t| t.to_string()))
            .push_opt("endTime", self.end_time.map(|t| t.to_string()))
            .push_opt("limit", self.limit.map(|l| l.to_string()));
        if let Some(o) = &self.order {
            let (k, v) = o.pair();
            q = q.push(k, v);
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn place_order_body_omits_absent_fields() {
        let mut r = PlaceOrderRequest::new(
            "BTCUSDT",
            Side::Buy,
            OrderType::Limit,
            Size(Decimal::new(1, 3)),
            ClientOid::new("c-1").unwrap(),
        );
        r.price = Some(Price(Decimal::new(650000, 1)));
        r.reduce_only = Some(true);
        let v: serde_json::Value = serde_json::to_value(&r).unwrap();
        assert_eq!(v["size"], "0.001");
        assert_eq!(v["price"], "65000");
        assert_eq!(v["productType"], "USDT-FUTURES");
        assert_eq!(v["reduceOnly"], "YES");
        assert_eq!(v["clientOid"], "c-1");
        assert!(v.get("tradeSide").is_none());
        assert!(v.get("force").is_none());
    }

    #[test]
    fn cancel_flattens_the_order_ref() {
        let r = CancelOrderRequest {
            symbol: "BTCUSDT".into(),
            product_type: ProductType::UsdtFutures,
            margin_coin: None,
            order: OrderRef::ClientOid(ClientOid::new("abc").unwrap()),
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"symbol":"BTCUSDT","productType":"USDT-FUTURES","clientOid":"abc"}"#
        );
    }
}
