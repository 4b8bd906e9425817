//! Order endpoints (spec §5.4) and settling an `Unknown` create by clientOid.

use std::time::Duration;

use super::client::RestClient;
use crate::endpoints as ep;
use crate::error::Error;
use crate::models::{
    BatchCancelRequest, BatchPlaceOrderRequest, BatchResult, CancelAllRequest, CancelOrderRequest,
    ClientOid, ClosePositionsRequest, FillList, HoldSide, MaybeOrder, ModifyOrderRequest, Order,
    OrderAck, OrderList, OrderListQuery, OrderRef, PlaceOrderRequest,
};
use crate::sign::Query;

/// Most orders one batch may carry (spec §5.4).
pub const MAX_BATCH: usize = 50;

impl RestClient {
    /// `POST /api/v2/mix/order/place-order`. Never re-sent on an ambiguous outcome: a
    /// timeout returns [`Error::Unknown`]; settle it with [`RestClient::settle_order`].
    pub async fn place_order(&self, req: &PlaceOrderRequest) -> Result<OrderAck, Error> {
        let oids = vec![req.client_oid.to_string()];
        self.post(&ep::PLACE_ORDER, req, oids).await
    }

    /// `POST /api/v2/mix/order/batch-place-order` (1..=50 orders, partial success normal).
    pub async fn batch_place_order(
        &self,
        req: &BatchPlaceOrderRequest,
    ) -> Result<BatchResult, Error> {
        if req.order_list.is_empty() || req.order_list.len() > MAX_BATCH {
            return Err(Error::InvalidRequest(format!(
                "a batch carries 1..={MAX_BATCH} orders, got {}",
                req.order_list.len()
            )));
        }
        let oids = req
            .order_list
            .iter()
            .map(|o| o.client_oid.to_string())
            .collect();
        self.post(&ep::BATCH_PLACE_ORDER, req, oids).await
    }

    /// `POST /api/v2/mix/order/cancel-order`.
    pub async fn cancel_order(&self, symbol: &str, order: OrderRef) -> Result<OrderAck, Error> {
        let req = CancelOrderRequest {
            symbol: symbol.to_owned(),
            product_type: self.config().product_type,
            margin_coin: Some(self.config().margin_coin.clone()),
            order,
        };
        self.post(&ep::CANCEL_ORDER, &req, Vec::new()).await
    }

    /// `POST /api/v2/mix/order/batch-cancel-orders`.
    pub async fn batch_cancel_orders(
        &self,
        symbol: &str,
        orders: Vec<OrderRef>,
    ) -> Result<BatchResult, Error> {
        let req = BatchCancelRequest {
            symbol: symbol.to_owned(),
            product_type: self.config().product_type,
            margin_coin: Some(self.config().margin_coin.clone()),
            order_id_list: orders,
        };
        self.post(&ep::BATCH_CANCEL_ORDERS, &req, Vec::new()).await
    }

    /// `POST /api/v2/mix/order/cancel-all-orders` (normal orders only, not plans).
    pub async fn cancel_all_orders(&self, symbol: Option<&str>) -> Result<BatchResult, Error> {
        let req = CancelAllRequest {
            product_type: self.config().product_type,
            margin_coin: Some(self.config().margin_coin.clone()),
            symbol: symbol.map(str::to_owned),
        };
        self.post(&ep::CANCEL_ALL_ORDERS, &req, Vec::new()).await
    }

    /// `POST /api/v2/mix/order/modify-order` (a replace: treated like a create).
    pub async fn modify_order(&self, req: &ModifyOrderRequest) -> Result<OrderAck, Error> {
        let oids = vec![req.new_client_oid.to_string()];
        self.post(&ep::MODIFY_ORDER, req, oids).await
    }

    /// `POST /api/v2/mix/order/close-positions` (market; 1/s). An ambiguous outcome is
    /// `Unknown` with no clientOid: settle by reading positions.
    pub async fn close_positions(
        &self,
        symbol: Option<&str>,
        hold_side: Option<HoldSide>,
    ) -> Result<BatchResult, Error> {
        let req = ClosePositionsRequest {
            product_type: self.config().product_type,
            symbol: symbol.map(str::to_owned),
            hold_side,
        };
        self.post(&ep::CLOSE_POSITIONS, &req, Vec::new()).await
    }

    /// `GET /api/v2/mix/order/detail`; `Ok(None)` when the answer is an empty `data`.
    pub async fn order_detail(
        &self,
        symbol: &str,
        order: &OrderRef,
    ) -> Result<Option<Order>, Error> {
        let (k, v) = order.pair();
        let q = self.list_query().push("symbol", symbol).push(k, v);
        let MaybeOrder(o) = self.get(&ep::ORDER_DETAIL, q).await?;
        Ok(o)
    }

    /// Looks an order up by our clientOid after an `Unknown` create: `Ok(Some)` = it
    /// exists (whatever its state), `Ok(None)` = not found (40109, 43001, empty data).
    /// "Not found" right after a timeout may be lag: ask a few times before concluding.
    pub async fn settle_order(
        &self,
        symbol: &str,
        client_oid: &ClientOid,
    ) -> Result<Option<Order>, Error> {
        match self
            .order_detail(symbol, &OrderRef::ClientOid(client_oid.clone()))
            .await
        {
            Ok(o) => Ok(o),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// [`RestClient::settle_order`] up to `tries` times, `interval` apart, while not found.
    pub async fn settle_order_patiently(
        &self,
        symbol: &str,
        client_oid: &ClientOid,
        tries: u32,
        interval: Duration,
    ) -> Result<Option<Order>, Error> {
        for i in 0..tries.max(1) {
            if i > 0 {
                tokio::time::sleep(interval).await;
            }
            if let Some(o) = self.settle_order(symbol, client_oid).await? {
                return Ok(Some(o));
            }
        }
        Ok(None)
    }

    /// `GET /api/v2/mix/order/orders-pending` (`entrustedList: null` → empty).
    pub async fn orders_pending(&self, f: &OrderListQuery) -> Result<OrderList, Error> {
        self.get(&ep::ORDERS_PENDING, f.apply(self.list_query()))
            .await
    }

    /// `GET /api/v2/mix/order/orders-history`.
    pub async fn orders_history(&self, f: &OrderListQuery) -> Result<OrderList, Error> {
        let mut f = f.clone();
        f.status = None;
        self.get(&ep::ORDERS_HISTORY, f.apply(self.list_query()))
            .await
    }

    /// `GET /api/v2/mix/order/fills`.
    pub async fn fills(&self, f: &OrderListQuery) -> Result<FillList, Error> {
        let mut f = f.clone();
        f.status = None;
        self.get(&ep::FILLS, f.apply(self.list_query())).await
    }

    pub(crate) fn list_query(&self) -> Query {
        Query::new().push("productType", self.config().product_type.as_str())
    }
}
