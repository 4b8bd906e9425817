//! Order endpoints: place (single and batch), cancel (single, batch, all), modify, flash
//! close, and the order/fill queries with Bitget's pagination.

use super::params::Params;
use super::{Ctx, render};
use crate::engine::types::{Hold, Order, OrderType};
use crate::engine::{Engine, NewOrder, OrderRef};
use crate::error::{ApiError, ApiResult};
use serde_json::{Value, json};

/// Parses the order fields of `p`, taking symbol-level fields from `top` (batch) when absent.
pub fn new_order(p: &Params, top: &Params) -> ApiResult<NewOrder> {
    let get = |f: &dyn Fn(&Params) -> ApiResult<Option<String>>| -> ApiResult<Option<String>> {
        Ok(f(p)?.or(f(top)?))
    };
    let symbol = get(&|x| x.str("symbol"))?
        .ok_or_else(|| ApiError::missing("symbol"))?
        .to_ascii_uppercase();
    let margin_mode = match p.margin_mode("marginMode")? {
        Some(m) => Some(m),
        None => top.margin_mode("marginMode")?,
    };
    if margin_mode.is_none() {
        return Err(ApiError::missing("marginMode"));
    }
    let order_type = p.order_type()?;
    Ok(NewOrder {
        symbol,
        side: p.side("side")?,
        trade_side_open: p.trade_side()?,
        order_type,
        force: p.force()?,
        price: if order_type == OrderType::Limit {
            p.dec("price")?
        } else {
            None
        },
        size: p.req_dec("size")?,
        client_oid: p.str("clientOid")?,
        reduce_only: p.yes_no("reduceOnly")?,
        margin_mode,
        preset_tp: p.dec("presetStopSurplusPrice")?.filter(|d| !d.is_zero()),
        preset_sl: p.dec("presetStopLossPrice")?.filter(|d| !d.is_zero()),
        preset_tp_exec: p
            .dec("presetStopSurplusExecutePrice")?
            .filter(|d| !d.is_zero()),
        preset_sl_exec: p
            .dec("presetStopLossExecutePrice")?
            .filter(|d| !d.is_zero()),
        stp_mode: p
            .one_of(
                "stpMode",
                &["none", "cancel_taker", "cancel_maker", "cancel_both"],
            )?
            .unwrap_or("none")
            .into(),
    })
}

/// POST /api/v2/mix/order/place-order
pub fn place_order(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    p.usdt_futures()?;
    p.margin_coin(true)?;
    let req = new_order(p, &Params::default())?;
    let (id, oid) = e.place_order(c.uid, req, c.now)?;
    Ok(json!({ "clientOid": oid, "orderId": id.to_string() }))
}

/// POST /api/v2/mix/order/batch-place-order: partial success is normal.
pub fn batch_place(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    p.usdt_futures()?;
    p.margin_coin(true)?;
    p.symbol()?;
    let list = p
        .list("orderList")?
        .ok_or_else(|| ApiError::missing("orderList"))?;
    if list.len() > 50 {
        return Err(ApiError::new(
            "40306",
            "Batch processing orders can only process up to 50",
        ));
    }
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for item in list {
        let oid = item.str("clientOid").ok().flatten().unwrap_or_default();
        match new_order(&item, p).and_then(|req| e.place_order(c.uid, req, c.now)) {
            Ok((id, oid)) => ok.push(json!({ "orderId": id.to_string(), "clientOid": oid })),
            Err(err) => failed.push(json!({ "orderId": "", "clientOid": oid, "errorMsg": err.msg, "errorCode": err.code })),
        }
    }
    Ok(json!({ "successList": ok, "failureList": failed }))
}

/// `orderId` wins over `clientOid`; one of them is required (`40924`).
pub fn order_ref(p: &Params) -> ApiResult<OrderRef> {
    if let Some(id) = p.str("orderId")? {
        return id
            .parse()
            .map(OrderRef::Id)
            .map_err(|_| ApiError::new("40402", "orderId or clientOid format error"));
    }
    p.str("clientOid")?
        .map(OrderRef::Client)
        .ok_or_else(|| ApiError::new("40924", "orderId and clientOid must have one"))
}

/// POST /api/v2/mix/order/cancel-order
pub fn cancel_order(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    let symbol = p.symbol()?;
    p.usdt_futures()?;
    let r = order_ref(p)?;
    let by_id = matches!(r, OrderRef::Id(_));
    let (id, oid) = e.cancel_order(c.uid, &symbol, &r, c.now)?;
    Ok(json!({ "orderId": id.to_string(), "clientOid": if by_id { String::new() } else { oid } }))
}

fn cancel_many(e: &mut Engine, c: &Ctx, targets: Vec<(String, OrderRef)>) -> Value {
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for (symbol, r) in targets {
        let shown = match &r {
            OrderRef::Id(id) => (id.to_string(), String::new()),
            OrderRef::Client(c) => (String::new(), c.clone()),
        };
        match e.cancel_order(c.uid, &symbol, &r, c.now) {
            Ok((id, oid)) => ok.push(json!({ "orderId": id.to_string(), "clientOid": oid })),
            Err(err) => failed.push(json!({ "orderId": shown.0, "clientOid": shown.1, "errorMsg": err.msg, "errorCode": err.code })),
        }
    }
    json!({ "successList": ok, "failureList": failed })
}

fn open_orders_of(e: &Engine, uid: u64, symbol: Option<&str>) -> Vec<(String, OrderRef)> {
    e.open_orders()
        .filter(|o| o.uid == uid && symbol.is_none_or(|s| s == o.symbol))
        .map(|o| (o.symbol.clone(), OrderRef::Id(o.id)))
        .collect()
}

/// POST /api/v2/mix/order/batch-cancel-orders
pub fn batch_cancel(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    p.usdt_futures()?;
    let targets = match p.list("orderIdList")? {
        Some(list) => {
            let symbol = p.symbol()?;
            list.iter()
                .map(|i| order_ref(i).map(|r| (symbol.clone(), r)))
                .collect::<ApiResult<Vec<_>>>()?
        }
        None => open_orders_of(e, c.uid, p.opt_symbol()?.as_deref()),
    };
    Ok(cancel_many(e, c, targets))
}

/// POST /api/v2/mix/order/cancel-all-orders: normal orders only.
pub fn cancel_all(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    p.usdt_futures()?;
    p.margin_coin(false)?;
    let targets = open_orders_of(e, c.uid, p.opt_symbol()?.as_deref());
    Ok(cancel_many(e, c, targets))
}

/// POST /api/v2/mix/order/modify-order
pub fn modify_order(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    let symbol = p.symbol()?;
    p.usdt_futures()?;
    let r = order_ref(p)?;
    let new_oid = p.req("newClientOid")?;
    let (id, oid) = e.modify_order(
        c.uid,
        &symbol,
        &r,
        new_oid,
        p.dec("newSize")?,
        p.dec("newPrice")?,
        p.dec("newPresetStopSurplusPrice")?,
        p.dec("newPresetStopLossPrice")?,
        c.now,
    )?;
    Ok(json!({ "orderId": id.to_string(), "clientOid": oid }))
}

/// POST /api/v2/mix/order/close-positions: market close; empty lists when flat.
pub fn close_positions(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    p.usdt_futures()?;
    let symbol = p.opt_symbol()?;
    if let Some(s) = &symbol {
        e.market(s)?;
    }
    let hold: Option<Hold> = p.hold_side("holdSide")?;
    let closed = e.close_positions(c.uid, symbol.as_deref(), hold, c.now);
    let ok: Vec<Value> = closed
        .into_iter()
        .map(|(id, oid, sym)| json!({ "orderId": id.to_string(), "clientOid": oid, "symbol": sym }))
        .collect();
    Ok(json!({ "successList": ok, "failureList": [] }))
}

/// GET /api/v2/mix/order/detail: `state`; unknown → 40109.
pub fn detail(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    let symbol = p.symbol()?;
    p.usdt_futures()?;
    let r = order_ref(p)?;
    e.find_order(c.uid, Some(&symbol), &r)
        .map(|o| render::order(o, true))
        .ok_or_else(|| {
            ApiError::new(
                "40109",
                "The data of the order cannot be found, please confirm the order number",
            )
        })
}

/// Newest-first paging by id with `idLessThan`, `startTime`/`endTime` and `limit` (≤ 100).
pub fn paginate(
    mut rows: Vec<(u64, i64, Value)>,
    p: &Params,
    list_key: &str,
    null_when_empty: bool,
) -> ApiResult<Value> {
    let before = p.uint("idLessThan")?;
    let start = p.uint("startTime")?.map(|v| v as i64);
    let end = p.uint("endTime")?.map(|v| v as i64);
    if let (Some(s), Some(en)) = (start, end)
        && s > en
    {
        return Err(ApiError::new(
            "40707",
            "Start time is greater than end time",
        ));
    }
    let limit = p.uint("limit")?.unwrap_or(100).clamp(1, 100) as usize;
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    let page: Vec<(u64, i64, Value)> = rows
        .into_iter()
        .filter(|(id, t, _)| {
            before.is_none_or(|b| *id < b)
                && start.is_none_or(|s| *t >= s)
                && end.is_none_or(|en| *t <= en)
        })
        .take(limit)
        .collect();
    let end_id = page.last().map(|r| r.0.to_string());
    if page.is_empty() && null_when_empty {
        return Ok(json!({ list_key: Value::Null, "endId": Value::Null }));
    }
    Ok(json!({ list_key: page.into_iter().map(|r| r.2).collect::<Vec<_>>(), "endId": end_id }))
}

fn order_rows(e: &Engine, c: &Ctx, p: &Params, open: bool) -> ApiResult<Vec<(u64, i64, Value)>> {
    let symbol = p.opt_symbol()?;
    let by_id = p.str("orderId")?;
    let by_oid = p.str("clientOid")?;
    let status = if open {
        p.one_of("status", &["live", "partially_filled"])?
    } else {
        None
    };
    let source = if open { None } else { p.str("orderSource")? };
    let horizon = c.now - 90 * 24 * 3_600_000;
    // Pending lists read the open-order index; history has to look at everything stored.
    let stored: Box<dyn Iterator<Item = &Order>> = if open {
        Box::new(e.open_orders())
    } else {
        Box::new(e.orders.values())
    };
    Ok(stored
        .filter(|o| o.uid == c.uid && o.state.is_open() == open)
        .filter(|o| symbol.as_deref().is_none_or(|s| s == o.symbol))
        .filter(|o| by_id.as_deref().is_none_or(|i| i == o.id.to_string()))
        .filter(|o| by_oid.as_deref().is_none_or(|i| i == o.client_oid))
        .filter(|o| status.is_none_or(|s| s == o.state.as_str()))
        .filter(|o| {
            source
                .as_deref()
                .is_none_or(|s| s.eq_ignore_ascii_case(&o.source))
        })
        .filter(|o| open || o.u_time >= horizon)
        .map(|o| (o.id, o.c_time, render::order(o, false)))
        .collect())
}

/// GET /api/v2/mix/order/orders-pending
pub fn orders_pending(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    p.usdt_futures()?;
    paginate(order_rows(e, c, p, true)?, p, "entrustedList", true)
}

/// GET /api/v2/mix/order/orders-history
pub fn orders_history(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    p.usdt_futures()?;
    paginate(order_rows(e, c, p, false)?, p, "entrustedList", true)
}

/// GET /api/v2/mix/order/fills (and fill-history)
pub fn fills(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    p.usdt_futures()?;
    let symbol = p.opt_symbol()?;
    let order = p.str("orderId")?;
    let rows = e
        .fills
        .iter()
        .filter(|f| f.uid == c.uid)
        .filter(|f| symbol.as_deref().is_none_or(|s| s == f.symbol))
        .filter(|f| order.as_deref().is_none_or(|o| o == f.order_id.to_string()))
        .map(|f| (f.trade_id, f.ts, render::fill(f)))
        .collect();
    paginate(rows, p, "fillList", false)
}
