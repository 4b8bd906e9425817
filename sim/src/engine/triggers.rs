//! Plan triggers: on every market move, which live plans the price has crossed (trailing
//! kinds track their extreme first), and what a triggered plan places.

use super::types::{
    Hold, Intent, MarginMode, OrderType, Plan, PlanStatus, PlanType, Side, TriggerType,
};
use super::{Engine, NewOrder};
use crate::error::{ApiError, ApiResult};
use rust_decimal::Decimal;

impl Engine {
    /// The price a trigger of type `t` watches on `symbol` (zero for an unknown symbol).
    pub(super) fn trigger_ref(&self, symbol: &str, t: TriggerType) -> Decimal {
        match (self.markets.get(symbol), t) {
            (Some(m), TriggerType::FillPrice) => m.last,
            (Some(m), TriggerType::MarkPrice) => m.mark,
            (None, _) => Decimal::ZERO,
        }
    }

    /// Fires every live plan of `symbol` whose trigger the market has crossed.
    pub(super) fn run_triggers(&mut self, symbol: &str, now: i64) {
        let ids: Vec<u64> = self
            .open_plans()
            .filter(|p| p.symbol == symbol)
            .map(|p| p.id)
            .collect();
        for id in ids {
            let Some(p) = self.plans.get(&id).cloned() else {
                continue;
            };
            let price = self.trigger_ref(symbol, p.trigger_type);
            if self.triggered(id, &p, price) {
                self.execute_plan(&p, now);
            }
        }
    }

    /// Trigger rule per kind; trailing kinds update their extreme first.
    fn triggered(&mut self, id: u64, p: &Plan, price: Decimal) -> bool {
        let hold = p.hold();
        match p.plan_type {
            PlanType::PosProfit | PlanType::ProfitPlan => match hold {
                Hold::Long => price >= p.trigger_price,
                Hold::Short => price <= p.trigger_price,
            },
            PlanType::PosLoss | PlanType::LossPlan => match hold {
                Hold::Long => price <= p.trigger_price,
                Hold::Short => price >= p.trigger_price,
            },
            PlanType::NormalPlan => {
                if p.fire_on_rise {
                    price >= p.trigger_price
                } else {
                    price <= p.trigger_price
                }
            }
            PlanType::MovingPlan | PlanType::TrackPlan => {
                let rate = p.callback.unwrap_or_default();
                // Trailing: active once the trigger is reached, then fires on a pullback of
                // `rate` from the best price seen. Selling trails highs, buying trails lows.
                let sells = if p.plan_type == PlanType::MovingPlan {
                    hold == Hold::Long
                } else {
                    p.side == Side::Sell
                };
                let armed = if sells {
                    price >= p.trigger_price
                } else {
                    price <= p.trigger_price
                };
                let ext = p.extreme.unwrap_or(price);
                let new_ext = if sells {
                    ext.max(price)
                } else {
                    ext.min(price)
                };
                if let Some(pl) = self.plans.get_mut(&id) {
                    pl.extreme = Some(new_ext);
                }
                let activated = armed
                    || p.extreme.is_some_and(|e| {
                        if sells {
                            e >= p.trigger_price
                        } else {
                            e <= p.trigger_price
                        }
                    });
                activated
                    && if sells {
                        price <= new_ext * (Decimal::ONE - rate)
                    } else {
                        price >= new_ext * (Decimal::ONE + rate)
                    }
            }
        }
    }

    /// Marks the plan executed first (so the close it causes does not cancel it as a
    /// sibling), then places its order; a failure turns it into `fail_trigger`.
    fn execute_plan(&mut self, p: &Plan, now: i64) {
        self.end_plan(p.id, PlanStatus::Executed, now);
        let result = if p.plan_type.is_tpsl() {
            let key = (p.uid, p.symbol.clone(), p.hold());
            match self.positions.get(&key).map(|pos| pos.size) {
                Some(size) => {
                    let q = p.size.map(|s| s.min(size)).unwrap_or(size);
                    let kind = if p.execute_price.is_some() {
                        "limit"
                    } else {
                        "market"
                    };
                    let source = format!("{}_{kind}", tpsl_source(p.plan_type));
                    Ok(self.system_close(
                        p.uid,
                        &p.symbol,
                        p.hold(),
                        q,
                        p.execute_price,
                        &source,
                        now,
                    ))
                }
                None => Err(ApiError::new("22002", "No position to close")),
            }
        } else {
            self.execute_trigger_order(p, now)
        };
        let Some(plan) = self.plans.get_mut(&p.id) else {
            return;
        };
        match result {
            Ok(order_id) => plan.execute_order_id = Some(order_id),
            Err(e) => {
                tracing::debug!(plan = p.id, error = %e, "plan trigger failed");
                plan.status = PlanStatus::FailTrigger;
            }
        }
    }

    fn execute_trigger_order(&mut self, p: &Plan, now: i64) -> ApiResult<u64> {
        let req = NewOrder {
            symbol: p.symbol.clone(),
            side: p.side,
            trade_side_open: match p.intent {
                Intent::Open(_) => Some(true),
                Intent::Close(_) => Some(false),
                Intent::Net { .. } => None,
            },
            order_type: if p.execute_price.is_some() {
                OrderType::Limit
            } else {
                OrderType::Market
            },
            force: super::types::Force::Gtc,
            price: p.execute_price,
            size: p.size.unwrap_or_default(),
            client_oid: None,
            reduce_only: matches!(p.intent, Intent::Net { reduce_only: true }),
            margin_mode: p.margin_mode.or(Some(MarginMode::Crossed)),
            preset_tp: p.attached_tp,
            preset_sl: p.attached_sl,
            preset_tp_exec: None,
            preset_sl_exec: None,
            stp_mode: "none".into(),
        };
        let (id, _) = self.place_order(p.uid, req, now)?;
        if let Some(o) = self.orders.get_mut(&id) {
            o.source = format!(
                "plan_{}",
                if p.execute_price.is_some() {
                    "limit"
                } else {
                    "market"
                }
            );
        }
        Ok(id)
    }
}

fn tpsl_source(t: PlanType) -> &'static str {
    match t {
        PlanType::PosProfit => "pos_profit",
        PlanType::PosLoss => "pos_loss",
        PlanType::ProfitPlan => "profit",
        PlanType::LossPlan => "loss",
        _ => "move",
    }
}
