//! Plan and TP/SL endpoints (spec §5.5). Creates here follow the create rule too.

use super::client::RestClient;
use crate::endpoints as ep;
use crate::error::Error;
use crate::models::{
    BatchResult, CancelPlanOrderRequest, ModifyTpslRequest, OrderAck, PlacePlanOrderRequest,
    PlacePosTpslRequest, PlaceTpslRequest, PlanListQuery, PlanOrderList, PosTpslAck,
};

impl RestClient {
    /// `POST /api/v2/mix/order/place-tpsl-order`.
    pub async fn place_tpsl_order(&self, req: &PlaceTpslRequest) -> Result<OrderAck, Error> {
        let oids = vec![req.client_oid.to_string()];
        self.post(&ep::PLACE_TPSL_ORDER, req, oids).await
    }

    /// `POST /api/v2/mix/order/place-pos-tpsl` (answer: one entry per plan created).
    pub async fn place_pos_tpsl(
        &self,
        req: &PlacePosTpslRequest,
    ) -> Result<Vec<PosTpslAck>, Error> {
        let oids = [&req.stop_surplus_client_oid, &req.stop_loss_client_oid]
            .into_iter()
            .flatten()
            .map(|c| c.to_string())
            .collect();
        self.post(&ep::PLACE_POS_TPSL, req, oids).await
    }

    /// `POST /api/v2/mix/order/modify-tpsl-order`.
    pub async fn modify_tpsl_order(&self, req: &ModifyTpslRequest) -> Result<OrderAck, Error> {
        let (_, v) = req.order.pair();
        self.post(&ep::MODIFY_TPSL_ORDER, req, vec![v.to_owned()])
            .await
    }

    /// `POST /api/v2/mix/order/place-plan-order` (trigger orders).
    pub async fn place_plan_order(&self, req: &PlacePlanOrderRequest) -> Result<OrderAck, Error> {
        let oids = vec![req.client_oid.to_string()];
        self.post(&ep::PLACE_PLAN_ORDER, req, oids).await
    }

    /// `GET /api/v2/mix/order/orders-plan-pending` (`planType` required).
    pub async fn orders_plan_pending(&self, f: &PlanListQuery) -> Result<PlanOrderList, Error> {
        self.get(&ep::ORDERS_PLAN_PENDING, f.apply(self.list_query()))
            .await
    }

    /// `POST /api/v2/mix/order/cancel-plan-order` (send the plan's own `planType`).
    pub async fn cancel_plan_order(
        &self,
        req: &CancelPlanOrderRequest,
    ) -> Result<BatchResult, Error> {
        self.post(&ep::CANCEL_PLAN_ORDER, req, Vec::new()).await
    }

    /// `GET /api/v2/mix/order/orders-plan-history`.
    pub async fn orders_plan_history(&self, f: &PlanListQuery) -> Result<PlanOrderList, Error> {
        self.get(&ep::ORDERS_PLAN_HISTORY, f.apply(self.list_query()))
            .await
    }
}
