//! Plan orders: placing, modifying and cancelling trigger orders and TP/SL (partial,
//! whole-position, trailing), their validation and replacement rules. What protects a position
//! lives in `protection.rs`; what happens when a plan triggers, in `triggers.rs`.

use super::types::{
    Hold, Intent, OrderType, Plan, PlanStatus, PlanType, PosMode, Side, TriggerType,
};
use super::{Engine, NewOrder};
use crate::error::{ApiError, ApiResult};
use crate::num::fmt;
use rust_decimal::Decimal;

/// A TP/SL request (place-tpsl-order, place-pos-tpsl, presets).
#[derive(Debug, Clone)]
pub struct NewTpsl {
    /// Symbol.
    pub symbol: String,
    /// Kind (TP/SL family only).
    pub plan_type: PlanType,
    /// Position protected.
    pub hold: Hold,
    /// Trigger price.
    pub trigger_price: Decimal,
    /// Trigger reference.
    pub trigger_type: TriggerType,
    /// Execute price (None = market).
    pub execute_price: Option<Decimal>,
    /// Size for partial kinds.
    pub size: Option<Decimal>,
    /// Callback ratio for `moving_plan`.
    pub range_rate: Option<Decimal>,
    /// Client id.
    pub client_oid: Option<String>,
}

/// A trigger-order request (place-plan-order).
#[derive(Debug, Clone)]
pub struct NewPlan {
    /// The order to place when triggered.
    pub order: NewOrder,
    /// `normal_plan` or `track_plan`.
    pub plan_type: PlanType,
    /// Trigger price.
    pub trigger_price: Decimal,
    /// Trigger reference.
    pub trigger_type: TriggerType,
    /// Trailing callback ratio (track only).
    pub callback: Option<Decimal>,
}

impl Engine {
    /// Checks that a TP/SL trigger is on the right side of the current price.
    fn check_tpsl_side(
        &mut self,
        symbol: &str,
        hold: Hold,
        kind: PlanType,
        trigger: Decimal,
        t: TriggerType,
    ) -> ApiResult<()> {
        let profit = matches!(kind, PlanType::PosProfit | PlanType::ProfitPlan);
        let loss = matches!(kind, PlanType::PosLoss | PlanType::LossPlan);
        if !profit && !loss {
            return Ok(());
        }
        let watched = Some(super::race::PriceRef::watched_by(t));
        self.judged_side(symbol, hold, profit, trigger, [watched, None])
    }

    /// A trigger price must be positive and within the symbol's price precision (`40808`).
    fn check_trigger_price(&self, symbol: &str, trigger: Decimal) -> ApiResult<()> {
        let m = self.market(symbol)?;
        if trigger <= Decimal::ZERO || crate::num::places(trigger) > m.spec.price_place {
            return Err(ApiError::new(
                "40808",
                "Parameter verification exception triggerPrice",
            ));
        }
        Ok(())
    }

    /// A TP/SL needs its position, a trigger on the right side of the price, and (partial
    /// kinds) a size that keeps all of its kind within the position.
    fn check_tpsl_request(&mut self, uid: u64, req: &NewTpsl) -> ApiResult<()> {
        let key = (uid, req.symbol.clone(), req.hold);
        let Some(pos_size) = self.positions.get(&key).map(|p| p.size) else {
            return Err(ApiError::new(
                "43023",
                "Insufficient position, can not set profit or stop loss",
            ));
        };
        if req.plan_type != PlanType::MovingPlan {
            self.check_tpsl_side(
                &req.symbol,
                req.hold,
                req.plan_type,
                req.trigger_price,
                req.trigger_type,
            )?;
        }
        if !req.plan_type.is_position() {
            let size = req
                .size
                .filter(|s| *s > Decimal::ZERO)
                .ok_or_else(|| ApiError::missing("size"))?;
            let same_kind: Decimal = self
                .live_plans(uid, &req.symbol, req.hold)
                .filter(|p| p.plan_type == req.plan_type)
                .filter_map(|p| p.size)
                .sum();
            if same_kind + size > pos_size {
                return Err(ApiError::new(
                    "40891",
                    "Insufficient position, can not set take profit or stop loss",
                ));
            }
        }
        Ok(())
    }

    /// place-tpsl-order / place-pos-tpsl: a whole-position TP/SL replaces the existing one of
    /// its kind in place (same id); partial ones add up to the position size.
    pub fn place_tpsl(&mut self, uid: u64, req: NewTpsl, now: i64) -> ApiResult<(u64, String)> {
        self.check_trigger_price(&req.symbol, req.trigger_price)?;
        self.check_tpsl_request(uid, &req)?;
        let existing = self
            .live_plans(uid, &req.symbol, req.hold)
            .find(|p| p.plan_type == req.plan_type && p.plan_type.is_position())
            .map(|p| p.id);
        if let Some(existing) = existing {
            let p = self
                .plans
                .get_mut(&existing)
                .ok_or_else(|| ApiError::bad("orderId"))?;
            p.trigger_price = req.trigger_price;
            p.trigger_type = req.trigger_type;
            p.execute_price = req.execute_price;
            p.u_time = now;
            let out = (p.id, p.client_oid.clone());
            self.emit_plan(existing);
            return Ok(out);
        }
        let client_oid = self.claim_client_oid(uid, req.client_oid.clone())?;
        let pos_mode = self.account(uid)?.pos_mode;
        let (side, intent) = close_side(pos_mode, req.hold);
        let id = self.next_id();
        let plan = Plan {
            id,
            client_oid: client_oid.clone(),
            uid,
            symbol: req.symbol.clone(),
            plan_type: req.plan_type,
            trigger_price: req.trigger_price,
            trigger_type: req.trigger_type,
            execute_price: req.execute_price.filter(|p| !p.is_zero()),
            size: req.size.filter(|_| !req.plan_type.is_position()),
            side,
            hold: req.hold,
            intent,
            fire_on_rise: false,
            callback: req.range_rate,
            extreme: None,
            pos_mode,
            margin_mode: None,
            attached_tp: None,
            attached_sl: None,
            status: PlanStatus::Live,
            execute_order_id: None,
            c_time: now,
            u_time: now,
        };
        self.store_plan(plan);
        self.emit_plan(id);
        self.refresh_protection(uid, &req.symbol, req.hold, now);
        Ok((id, client_oid))
    }

    /// place-plan-order: a dormant order that fires when the price crosses the trigger.
    pub fn place_plan(&mut self, uid: u64, req: NewPlan, now: i64) -> ApiResult<(u64, String)> {
        let pos_mode = self.account(uid)?.pos_mode;
        self.check_trigger_price(&req.order.symbol, req.trigger_price)?;
        if pos_mode == PosMode::Hedge && req.order.trade_side_open.is_none() {
            return Err(ApiError::new(
                "40774",
                "The order type for unilateral position must also be the unilateral position type.",
            ));
        }
        if req.order.order_type == OrderType::Limit && req.order.price.is_none() {
            return Err(ApiError::missing("price"));
        }
        let reference = self.trigger_ref(&req.order.symbol, req.trigger_type);
        let hold = if req.order.side == Side::Buy {
            Hold::Long
        } else {
            Hold::Short
        };
        let intent = match (pos_mode, req.order.trade_side_open) {
            (PosMode::Hedge, Some(false)) => Intent::Close(hold),
            (PosMode::Hedge, _) => Intent::Open(hold),
            (PosMode::OneWay, _) => Intent::Net {
                reduce_only: req.order.reduce_only,
            },
        };
        let client_oid = self.claim_client_oid(uid, req.order.client_oid.clone())?;
        let id = self.next_id();
        let settings = self.settings(uid, &req.order.symbol);
        let plan = Plan {
            id,
            client_oid: client_oid.clone(),
            uid,
            symbol: req.order.symbol.clone(),
            plan_type: req.plan_type,
            trigger_price: req.trigger_price,
            trigger_type: req.trigger_type,
            execute_price: req
                .order
                .price
                .filter(|_| req.order.order_type == OrderType::Limit),
            size: Some(req.order.size),
            side: req.order.side,
            hold,
            intent,
            fire_on_rise: req.trigger_price > reference,
            callback: req.callback,
            extreme: Some(reference),
            pos_mode,
            margin_mode: Some(settings.margin_mode),
            attached_tp: req.order.preset_tp,
            attached_sl: req.order.preset_sl,
            status: PlanStatus::Live,
            execute_order_id: None,
            c_time: now,
            u_time: now,
        };
        self.store_plan(plan);
        self.emit_plan(id);
        Ok((id, client_oid))
    }

    /// modify-tpsl-order.
    #[allow(clippy::too_many_arguments)]
    pub fn modify_tpsl(
        &mut self,
        uid: u64,
        id: u64,
        trigger: Decimal,
        trigger_type: Option<TriggerType>,
        execute: Option<Decimal>,
        size: Option<Decimal>,
        now: i64,
    ) -> ApiResult<(u64, String)> {
        let p = self
            .plans
            .get(&id)
            .filter(|p| p.uid == uid && p.status == PlanStatus::Live && p.plan_type.is_tpsl())
            .cloned()
            .ok_or_else(|| {
                ApiError::new("43020", "Stop profit and stop loss order does not exist")
            })?;
        let tt = trigger_type.unwrap_or(p.trigger_type);
        if p.plan_type != PlanType::MovingPlan {
            self.check_tpsl_side(&p.symbol, p.hold(), p.plan_type, trigger, tt)?;
        }
        let plan = self
            .plans
            .get_mut(&id)
            .ok_or_else(|| ApiError::bad("orderId"))?;
        plan.trigger_price = trigger;
        plan.trigger_type = tt;
        plan.execute_price = execute.filter(|e| !e.is_zero());
        if !plan.plan_type.is_position()
            && let Some(s) = size.filter(|s| *s > Decimal::ZERO)
        {
            plan.size = Some(s);
        }
        plan.u_time = now;
        self.emit_plan(id);
        Ok((id, p.client_oid))
    }

    /// Cancels one live plan of `uid`.
    pub fn cancel_plan(&mut self, uid: u64, id: u64, now: i64) -> ApiResult<()> {
        let live = self
            .plans
            .get(&id)
            .is_some_and(|p| p.uid == uid && p.status == PlanStatus::Live);
        if !live {
            return Err(ApiError::new("43025", "Plan order does not exist"));
        }
        self.end_plan(id, PlanStatus::Cancelled, now);
        Ok(())
    }

    /// Ends a plan with `status` and publishes it.
    pub(super) fn end_plan(&mut self, id: u64, status: PlanStatus, now: i64) {
        let Some(p) = self.plans.get_mut(&id) else {
            return;
        };
        if p.status != PlanStatus::Live {
            return;
        }
        p.status = status;
        p.u_time = now;
        let (uid, symbol, hold) = (p.uid, p.symbol.clone(), p.hold());
        self.emit_plan(id);
        self.refresh_protection(uid, &symbol, hold, now);
    }
}

/// A take-profit (`profit`) or stop-loss trigger must lie on the right side of `price`: long
/// TP above and SL below, short the reverse; the codes are Bitget's.
pub(super) fn tpsl_side(
    hold: Hold,
    profit: bool,
    trigger: Decimal,
    price: Decimal,
) -> ApiResult<()> {
    let shown = fmt(price);
    let err = |code: &str, msg: String| Err(ApiError::new(code, msg));
    match (hold, profit) {
        (Hold::Long, true) if trigger <= price => err(
            "40915",
            format!("Long position take profit price please > mark price {shown}"),
        ),
        (Hold::Long, false) if trigger >= price => err(
            "40917",
            format!("Stop price for long positions please < mark price {shown}"),
        ),
        (Hold::Short, true) if trigger >= price => err(
            "40833",
            format!("Short position take profit price please < mark price {shown}"),
        ),
        (Hold::Short, false) if trigger <= price => err(
            "45122",
            format!("Short position stop loss price please > mark price {shown}"),
        ),
        _ => Ok(()),
    }
}

/// How a close of `hold` is expressed in `mode` (side as printed, order effect).
pub fn close_side(mode: PosMode, hold: Hold) -> (Side, Intent) {
    match mode {
        PosMode::Hedge => (hold.open_side(), Intent::Close(hold)),
        PosMode::OneWay => (
            hold.open_side().opposite(),
            Intent::Net { reduce_only: true },
        ),
    }
}
