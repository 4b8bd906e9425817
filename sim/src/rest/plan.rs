//! Plan-order endpoints: TP/SL (single, position pair, modify), trigger orders, and their
//! pending/history listings and cancellation (whose `planType` defaults to `normal_plan`).

use super::params::Params;
use super::trade::{new_order, paginate};
use super::{Ctx, render};
use crate::engine::types::{Plan, PlanStatus, PlanType};
use crate::engine::{Engine, NewPlan, NewTpsl};
use crate::error::{ApiError, ApiResult};
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn tpsl_common(p: &Params) -> ApiResult<String> {
    let symbol = p.symbol()?;
    p.usdt_futures()?;
    p.margin_coin(true)?;
    Ok(symbol)
}

/// POST /api/v2/mix/order/place-tpsl-order
pub fn place_tpsl(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    let symbol = tpsl_common(p)?;
    let plan_type = PlanType::parse(&p.req("planType")?)
        .filter(|t| t.is_tpsl())
        .ok_or_else(|| ApiError::bad("planType"))?;
    let hold = p
        .hold_side("holdSide")?
        .ok_or_else(|| ApiError::missing("holdSide"))?;
    let req = NewTpsl {
        symbol,
        plan_type,
        hold,
        trigger_price: p.req_dec("triggerPrice")?,
        trigger_type: p.trigger_type("triggerType")?,
        execute_price: p.dec("executePrice")?,
        size: p.dec("size")?,
        range_rate: p.dec("rangeRate")?,
        client_oid: p.str("clientOid")?,
    };
    let (id, oid) = e.place_tpsl(c.uid, req, c.now)?;
    Ok(json!({ "orderId": id.to_string(), "clientOid": oid }))
}

/// POST /api/v2/mix/order/place-pos-tpsl: one entry per plan created or replaced.
pub fn place_pos_tpsl(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    let symbol = tpsl_common(p)?;
    let hold = p
        .hold_side("holdSide")?
        .ok_or_else(|| ApiError::missing("holdSide"))?;
    let tp_oid = p.str("stopSurplusClientOid")?;
    let sl_oid = p.str("stopLossClientOid")?;
    let legs = [
        (
            "stopSurplus",
            PlanType::PosProfit,
            PlanType::ProfitPlan,
            tp_oid.clone(),
        ),
        (
            "stopLoss",
            PlanType::PosLoss,
            PlanType::LossPlan,
            sl_oid.clone(),
        ),
    ];
    let mut requests = Vec::new();
    for (prefix, whole, partial, oid) in legs {
        let Some(trigger) = p.dec(&format!("{prefix}TriggerPrice"))? else {
            continue;
        };
        let size = p
            .dec(&format!("{prefix}Size"))?
            .filter(|s| *s > Decimal::ZERO);
        requests.push(NewTpsl {
            symbol: symbol.clone(),
            plan_type: if size.is_some() { partial } else { whole },
            hold,
            trigger_price: trigger,
            trigger_type: p.trigger_type(&format!("{prefix}TriggerType"))?,
            execute_price: p.dec(&format!("{prefix}ExecutePrice"))?,
            size,
            range_rate: None,
            client_oid: oid,
        });
    }
    if requests.is_empty() {
        return Err(ApiError::missing("stopSurplusTriggerPrice"));
    }
    let mut out = Vec::new();
    for r in requests {
        let (id, _) = e.place_tpsl(c.uid, r, c.now)?;
        out.push(json!({ "orderId": id.to_string(), "stopSurplusClientOid": tp_oid.clone().unwrap_or_default(),
            "stopLossClientOid": sl_oid.clone().unwrap_or_default() }));
    }
    Ok(Value::Array(out))
}

fn find_plan(e: &Engine, uid: u64, p: &Params) -> ApiResult<Option<u64>> {
    if let Some(id) = p.str("orderId")? {
        return id
            .parse()
            .map(Some)
            .map_err(|_| ApiError::new("40402", "orderId or clientOid format error"));
    }
    let Some(oid) = p.str("clientOid")? else {
        return Err(ApiError::new(
            "40924",
            "orderId and clientOid must have one",
        ));
    };
    Ok(e.plan_by_client_oid(uid, &oid).map(|x| x.id))
}

/// POST /api/v2/mix/order/modify-tpsl-order
pub fn modify_tpsl(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    tpsl_common(p)?;
    let id = find_plan(e, c.uid, p)?
        .ok_or_else(|| ApiError::new("43020", "Stop profit and stop loss order does not exist"))?;
    let tt = match p.str("triggerType")? {
        Some(_) => Some(p.trigger_type("triggerType")?),
        None => None,
    };
    let (id, oid) = e.modify_tpsl(
        c.uid,
        id,
        p.req_dec("triggerPrice")?,
        tt,
        p.dec("executePrice")?,
        p.dec("size")?,
        c.now,
    )?;
    Ok(json!({ "orderId": id.to_string(), "clientOid": oid }))
}

/// POST /api/v2/mix/order/place-plan-order
pub fn place_plan(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    p.usdt_futures()?;
    p.margin_coin(true)?;
    let plan_type = match p.one_of("planType", &["normal_plan", "track_plan"])? {
        Some("track_plan") => PlanType::TrackPlan,
        _ => PlanType::NormalPlan,
    };
    let mut order = new_order(p, &Params::default())?;
    order.preset_tp = p.dec("stopSurplusTriggerPrice")?;
    order.preset_sl = p.dec("stopLossTriggerPrice")?;
    let callback = p.dec("callbackRatio")?;
    if plan_type == PlanType::TrackPlan
        && callback.is_none_or(|r| r <= Decimal::ZERO || r > Decimal::TEN)
    {
        return Err(ApiError::bad("callbackRatio"));
    }
    let req = NewPlan {
        order,
        plan_type,
        trigger_price: p.req_dec("triggerPrice")?,
        trigger_type: p.trigger_type("triggerType")?,
        callback: callback.map(|r| r / Decimal::ONE_HUNDRED),
    };
    let (id, oid) = e.place_plan(c.uid, req, c.now)?;
    Ok(json!({ "orderId": id.to_string(), "clientOid": oid }))
}

/// `planType` of a query: `normal_plan`, `track_plan` or `profit_loss` (every TP/SL kind).
fn plan_filter(p: &Params, required: bool) -> ApiResult<Box<dyn Fn(PlanType) -> bool>> {
    let raw = match p.str("planType")? {
        Some(s) => s,
        None if required => return Err(ApiError::missing("planType")),
        None => "normal_plan".into(),
    };
    if raw.eq_ignore_ascii_case("profit_loss") {
        return Ok(Box::new(|t: PlanType| t.is_tpsl()));
    }
    let t = PlanType::parse(&raw).ok_or_else(|| ApiError::bad("planType"))?;
    Ok(Box::new(move |x| x == t))
}

fn plan_rows(e: &Engine, c: &Ctx, p: &Params, live: bool) -> ApiResult<Vec<(u64, i64, Value)>> {
    let kind = plan_filter(p, true)?;
    let symbol = p.opt_symbol()?;
    let by_id = p.str("orderId")?;
    let by_oid = p.str("clientOid")?;
    let status = if live {
        None
    } else {
        p.one_of("planStatus", &["executed", "fail_trigger", "cancelled"])?
    };
    let stored: Box<dyn Iterator<Item = &Plan>> = if live {
        Box::new(e.open_plans())
    } else {
        Box::new(e.plans.values())
    };
    Ok(stored
        .filter(|x| x.uid == c.uid && kind(x.plan_type) && (x.status == PlanStatus::Live) == live)
        .filter(|x| symbol.as_deref().is_none_or(|s| s == x.symbol))
        .filter(|x| by_id.as_deref().is_none_or(|i| i == x.id.to_string()))
        .filter(|x| by_oid.as_deref().is_none_or(|i| i == x.client_oid))
        .filter(|x| status.is_none_or(|s| s == x.status.as_str()))
        .map(|x| (x.id, x.c_time, render::plan(e, x)))
        .collect())
}

/// GET /api/v2/mix/order/orders-plan-pending
pub fn plans_pending(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    p.usdt_futures()?;
    paginate(plan_rows(e, c, p, true)?, p, "entrustedList", true)
}

/// GET /api/v2/mix/order/orders-plan-history
pub fn plans_history(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    p.usdt_futures()?;
    paginate(plan_rows(e, c, p, false)?, p, "entrustedList", true)
}

/// POST /api/v2/mix/order/cancel-plan-order: by id list, or all of the symbol and planType.
pub fn cancel_plan(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    p.usdt_futures()?;
    p.margin_coin(false)?;
    let kind = plan_filter(p, false)?;
    let symbol = p.opt_symbol()?;
    let live_match = |e: &Engine, id: u64| {
        e.plans.get(&id).is_some_and(|x| {
            x.uid == c.uid
                && x.status == PlanStatus::Live
                && kind(x.plan_type)
                && symbol.as_deref().is_none_or(|s| s == x.symbol)
        })
    };
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    let targets: Vec<(Option<u64>, String, String)> = match p.list("orderIdList")? {
        Some(list) => {
            if symbol.is_none() {
                return Err(ApiError::missing("symbol"));
            }
            list.iter()
                .map(|i| {
                    Ok((
                        find_plan(e, c.uid, i)?,
                        i.str("orderId")?.unwrap_or_default(),
                        i.str("clientOid")?.unwrap_or_default(),
                    ))
                })
                .collect::<ApiResult<Vec<_>>>()?
        }
        None => e
            .plans
            .values()
            .filter(|x| live_match(e, x.id))
            .map(|x| (Some(x.id), x.id.to_string(), x.client_oid.clone()))
            .collect(),
    };
    for (id, shown_id, shown_oid) in targets {
        match id.filter(|id| live_match(e, *id)) {
            Some(id) => {
                let oid = e.plans.get(&id).map(|x| x.client_oid.clone()).unwrap_or_default();
                e.cancel_plan(c.uid, id, c.now)?;
                ok.push(json!({ "orderId": id.to_string(), "clientOid": oid }));
            }
            None => failed.push(json!({ "orderId": shown_id, "clientOid": shown_oid, "errorMsg": "notExistend", "errorCode": "43025" })),
        }
    }
    Ok(json!({ "successList": ok, "failureList": failed }))
}
