//! The emergency flatten itself: exposure first (normal orders, then positions), then plans
//! that are not stops, confirmed by reading positions back, retried for about ten seconds.

use std::time::Duration;
use viper_bitget::RestClient;
use viper_bitget::models::{CancelPlanOrderRequest, PlanType, ProductType};

/// Cancels normal orders and every plan that is not a stop, closes every position, and
/// confirms by reading positions back; retries a few times within about ten seconds.
pub(crate) async fn flatten(rest: &RestClient) -> Result<(), viper_bitget::Error> {
    let mut last = None;
    for attempt in 0..10u32 {
        if attempt > 0 {
            // close-positions allows one call per second.
            actix_rt::time::sleep(Duration::from_millis(1000)).await;
        }
        // Exposure first: cancel normal orders (they could open), close every position, then
        // cancel plans that are not stops (each plan type is its own rate-limited call).
        let step = async {
            rest.cancel_all_orders(None).await?;
            rest.close_positions(None, None).await?;
            for plan_type in [
                PlanType::NormalPlan,
                PlanType::TrackPlan,
                PlanType::PosProfit,
                PlanType::ProfitPlan,
            ] {
                let req = CancelPlanOrderRequest {
                    product_type: ProductType::UsdtFutures,
                    symbol: None,
                    margin_coin: None,
                    order_id_list: None,
                    plan_type,
                };
                rest.cancel_plan_order(&req).await?;
            }
            let left = rest.all_positions().await?;
            Ok::<bool, viper_bitget::Error>(left.is_empty())
        };
        match step.await {
            Ok(true) => return Ok(()),
            Ok(false) => {
                tracing::warn!(attempt, "emergency flatten: positions still open; retrying");
                last = None;
            }
            Err(e) => {
                tracing::warn!(attempt, error = %e, "emergency flatten step failed; retrying");
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| {
        viper_bitget::Error::InvalidRequest("positions still open after 10 attempts".into())
    }))
}
