//! Which orders are open and which plans are live, so the work of a request or a tick scales
//! with what is open, not with everything the exchange has stored since it started.
//!
//! The sets are supersets: an id enters when its order or plan is stored and leaves at the
//! next prune after it is finished. Readers re-check the state, so a stale id costs a lookup,
//! never a wrong answer, and no finishing path has to remember to update the index.

use std::collections::{BTreeSet, HashMap};

use super::Engine;
use super::types::{Order, Plan, PlanStatus};

/// Prune when this many ids are held since the last prune, even without a tick.
const PRUNE_EVERY: usize = 64;

/// Open-order and live-plan ids, and plan client ids.
#[derive(Debug, Default)]
pub(crate) struct LiveIndex {
    orders: BTreeSet<u64>,
    plans: BTreeSet<u64>,
    plan_oids: HashMap<(u64, String), u64>,
    added: usize,
}

impl Engine {
    /// Orders that are still open (live or partially filled), oldest id first.
    pub fn open_orders(&self) -> impl Iterator<Item = &Order> + '_ {
        self.live
            .orders
            .iter()
            .filter_map(|id| self.orders.get(id))
            .filter(|o| o.state.is_open())
    }

    /// Plan orders that are still live, oldest id first.
    pub fn open_plans(&self) -> impl Iterator<Item = &Plan> + '_ {
        self.live
            .plans
            .iter()
            .filter_map(|id| self.plans.get(id))
            .filter(|p| p.status == PlanStatus::Live)
    }

    /// The plan of `uid` with client id `oid`, live or not.
    pub fn plan_by_client_oid(&self, uid: u64, oid: &str) -> Option<&Plan> {
        self.live
            .plan_oids
            .get(&(uid, oid.to_string()))
            .and_then(|id| self.plans.get(id))
    }

    /// Stores a new order and indexes it as open.
    pub(super) fn store_order(&mut self, order: Order) {
        self.oids
            .insert((order.uid, order.client_oid.clone()), order.id);
        self.live.orders.insert(order.id);
        self.orders.insert(order.id, order);
        self.note_added();
    }

    /// Stores a new plan and indexes it as live and by client id.
    pub(super) fn store_plan(&mut self, plan: Plan) {
        self.live
            .plan_oids
            .insert((plan.uid, plan.client_oid.clone()), plan.id);
        self.live.plans.insert(plan.id);
        self.plans.insert(plan.id, plan);
        self.note_added();
    }

    /// Drops the ids of finished orders and plans from the index.
    pub(super) fn prune_index(&mut self) {
        let (orders, plans) = (&self.orders, &self.plans);
        self.live
            .orders
            .retain(|id| orders.get(id).is_some_and(|o| o.state.is_open()));
        self.live
            .plans
            .retain(|id| plans.get(id).is_some_and(|p| p.status == PlanStatus::Live));
        self.live.added = 0;
    }

    fn note_added(&mut self) {
        self.live.added += 1;
        if self.live.added >= PRUNE_EVERY {
            self.prune_index();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_UID, SimConfig};
    use crate::engine::types::{Force, OrderType, Side};
    use crate::engine::{NewOrder, OrderRef};
    use rust_decimal::Decimal;

    fn limit(oid: &str, price: &str) -> NewOrder {
        NewOrder {
            symbol: "BTCUSDT".into(),
            side: Side::Buy,
            trade_side_open: None,
            order_type: OrderType::Limit,
            force: Force::Gtc,
            price: price.parse::<Decimal>().ok(),
            size: Decimal::new(1, 4),
            client_oid: Some(oid.into()),
            reduce_only: false,
            margin_mode: None,
            preset_tp: None,
            preset_sl: None,
            preset_tp_exec: None,
            preset_sl_exec: None,
            stp_mode: "none".into(),
        }
    }

    #[test]
    fn finished_orders_leave_the_open_view_before_and_after_a_prune() {
        let now = 1_750_000_000_000;
        let mut e = Engine::new(&SimConfig::default(), now);
        let (a, _) = e
            .place_order(DEFAULT_UID, limit("a", "63000"), now)
            .unwrap();
        let (b, _) = e
            .place_order(DEFAULT_UID, limit("b", "63100"), now)
            .unwrap();
        e.cancel_order(DEFAULT_UID, "BTCUSDT", &OrderRef::Id(a), now)
            .unwrap();
        let open: Vec<u64> = e.open_orders().map(|o| o.id).collect();
        assert_eq!(open, vec![b], "a stale id is filtered by state");
        assert_eq!(e.live.orders.len(), 2, "not pruned yet");
        e.prune_index();
        assert_eq!(e.live.orders.len(), 1);
        assert_eq!(e.open_orders().map(|o| o.id).collect::<Vec<_>>(), vec![b]);
        assert_eq!(e.orders.len(), 2, "history keeps both");
    }

    #[test]
    fn pruning_keeps_up_without_ticks() {
        let now = 1_750_000_000_000;
        let mut e = Engine::new(&SimConfig::default(), now);
        for i in 0..(3 * PRUNE_EVERY) {
            let (id, _) = e
                .place_order(DEFAULT_UID, limit(&format!("o{i}"), "63000"), now)
                .unwrap();
            e.cancel_order(DEFAULT_UID, "BTCUSDT", &OrderRef::Id(id), now)
                .unwrap();
        }
        assert!(
            e.live.orders.len() <= PRUNE_EVERY,
            "{}",
            e.live.orders.len()
        );
        assert_eq!(e.open_orders().count(), 0);
    }

    #[test]
    fn a_plan_client_id_is_found_and_cannot_be_reused_by_an_order() {
        use crate::engine::NewTpsl;
        use crate::engine::types::{Hold, PlanType, TriggerType};
        let now = 1_750_000_000_000;
        let mut e = Engine::new(&SimConfig::default(), now);
        let mut open = limit("open", "0");
        open.order_type = OrderType::Market;
        open.price = None;
        e.place_order(DEFAULT_UID, open, now).unwrap();
        let sl = NewTpsl {
            symbol: "BTCUSDT".into(),
            plan_type: PlanType::PosLoss,
            hold: Hold::Long,
            trigger_price: Decimal::from(60_000),
            trigger_type: TriggerType::MarkPrice,
            execute_price: None,
            size: None,
            range_rate: None,
            client_oid: Some("sl-1".into()),
        };
        let (plan, _) = e.place_tpsl(DEFAULT_UID, sl, now).unwrap();
        assert_eq!(
            e.plan_by_client_oid(DEFAULT_UID, "sl-1").map(|p| p.id),
            Some(plan)
        );
        assert_eq!(e.open_plans().map(|p| p.id).collect::<Vec<_>>(), vec![plan]);
        let err = e
            .place_order(DEFAULT_UID, limit("sl-1", "63000"), now)
            .unwrap_err();
        assert_eq!(err.code, e.behaviour.duplicate_client_oid_code);
    }
}
