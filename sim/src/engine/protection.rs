//! A position's protection: the live TP/SL plans that guard it, what the audit hears about
//! them, and an order's preset TP/SL becoming its position's TP/SL on the first fill.

use super::types::{Hold, Plan, PlanType, TriggerType};
use super::{Engine, NewTpsl};

impl Engine {
    /// Live plans protecting `(uid, symbol, hold)`.
    pub fn live_plans<'a>(
        &'a self,
        uid: u64,
        symbol: &'a str,
        hold: Hold,
    ) -> impl Iterator<Item = &'a Plan> + 'a {
        self.open_plans().filter(move |p| {
            p.uid == uid && p.symbol == symbol && p.plan_type.is_tpsl() && p.hold() == hold
        })
    }

    /// Tells the audit whether the position now has a stop-loss and a take-profit.
    pub(super) fn refresh_protection(&mut self, uid: u64, symbol: &str, hold: Hold, now: i64) {
        let (mut sl, mut tp) = (false, false);
        for p in self.live_plans(uid, symbol, hold) {
            sl |= matches!(
                p.plan_type,
                PlanType::PosLoss | PlanType::LossPlan | PlanType::MovingPlan
            );
            tp |= matches!(p.plan_type, PlanType::PosProfit | PlanType::ProfitPlan);
        }
        self.audit.protection(uid, symbol, hold, sl, tp, now);
    }

    /// On an order's first fill its preset TP/SL become the position's TP/SL.
    pub(super) fn presets_to_position_tpsl(&mut self, order_id: u64, hold: Hold, now: i64) {
        let Some(o) = self.orders.get(&order_id).cloned() else {
            return;
        };
        let trigger_type = TriggerType::parse(&self.behaviour.preset_trigger_type)
            .unwrap_or(TriggerType::FillPrice);
        let pairs = [
            (PlanType::PosProfit, o.preset_tp, o.preset_tp_exec),
            (PlanType::PosLoss, o.preset_sl, o.preset_sl_exec),
        ];
        for (kind, trigger, exec) in pairs {
            let Some(trigger_price) = trigger else {
                continue;
            };
            let req = NewTpsl {
                symbol: o.symbol.clone(),
                plan_type: kind,
                hold,
                trigger_price,
                trigger_type,
                execute_price: exec,
                size: None,
                range_rate: None,
                client_oid: None,
            };
            if let Err(e) = self.place_tpsl(o.uid, req, now) {
                // The price already passed the preset: Bitget would refuse it too; the
                // position stays without it and the audit shows the gap.
                tracing::debug!(order = order_id, error = %e, "preset TP/SL not attached");
            }
        }
    }
}
