//! Account and position endpoints: balances, leverage, margin and position modes, positions,
//! and the API key information endpoint.

use super::params::Params;
use super::{Ctx, render};
use crate::engine::Engine;
use crate::engine::types::{Hold, MarginMode, PosMode};
use crate::error::{ApiError, ApiResult};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// GET /api/v2/mix/account/account
pub fn account(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    let symbol = p.symbol()?;
    p.usdt_futures()?;
    p.margin_coin(true)?;
    e.market(&symbol)?;
    Ok(render::account(e, c.uid, Some(&symbol)))
}

/// GET /api/v2/mix/account/accounts
pub fn accounts(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    if !p.product_type()? {
        return Ok(json!([]));
    }
    Ok(json!([render::account(e, c.uid, None)]))
}

fn leverage_value(p: &Params, name: &str) -> ApiResult<Option<u32>> {
    match p.dec(name)? {
        None => Ok(None),
        Some(d) if d.fract().is_zero() && d > Decimal::ZERO => u32::try_from(d.trunc().mantissa())
            .map(Some)
            .map_err(|_| ApiError::bad(name)),
        Some(_) => Err(ApiError::bad(name)),
    }
}

/// POST /api/v2/mix/account/set-leverage
pub fn set_leverage(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    let symbol = p.symbol()?;
    p.usdt_futures()?;
    p.margin_coin(true)?;
    let lev = leverage_value(p, "leverage")?;
    let long = leverage_value(p, "longLeverage")?;
    let short = leverage_value(p, "shortLeverage")?;
    let hold = p.hold_side("holdSide")?;
    if lev.is_none() && long.is_none() && short.is_none() {
        return Err(ApiError::missing("leverage"));
    }
    let settings = e.settings(c.uid, &symbol);
    let hedge_isolated = settings.margin_mode == MarginMode::Isolated
        && e.account(c.uid)?.pos_mode == PosMode::Hedge;
    let (l, s) = if hedge_isolated {
        match hold {
            Some(Hold::Long) => (long.or(lev), short),
            Some(Hold::Short) => (long, short.or(lev)),
            None => (long.or(lev), short.or(lev)),
        }
    } else {
        let v = long.or(short).or(lev);
        (v, v)
    };
    let s = e.set_leverage(c.uid, &symbol, l, s)?;
    Ok(json!({
        "symbol": symbol, "marginCoin": "USDT",
        "longLeverage": s.long_lev.to_string(), "shortLeverage": s.short_lev.to_string(),
        "crossMarginLeverage": s.long_lev.to_string(), "marginMode": s.margin_mode.as_str(),
    }))
}

/// POST /api/v2/mix/account/set-margin-mode
pub fn set_margin_mode(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    let symbol = p.symbol()?;
    p.usdt_futures()?;
    p.margin_coin(true)?;
    let mode = p
        .margin_mode("marginMode")?
        .ok_or_else(|| ApiError::missing("marginMode"))?;
    let s = e.set_margin_mode(c.uid, &symbol, mode)?;
    Ok(json!({
        "symbol": symbol, "marginCoin": "USDT",
        "longLeverage": s.long_lev.to_string(), "shortLeverage": s.short_lev.to_string(),
        "marginMode": s.margin_mode.as_str(),
    }))
}

/// POST /api/v2/mix/account/set-position-mode
pub fn set_position_mode(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    p.usdt_futures()?;
    let mode = e.set_position_mode(c.uid, p.pos_mode()?)?;
    Ok(json!({ "posMode": mode.as_str() }))
}

/// GET /api/v2/mix/position/single-position
pub fn single_position(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    let symbol = p.symbol()?;
    p.usdt_futures()?;
    p.margin_coin(true)?;
    e.market(&symbol)?;
    let rows = e
        .positions_of(c.uid)
        .filter(|x| x.symbol == symbol)
        .map(|x| render::position(e, x))
        .collect();
    Ok(Value::Array(rows))
}

/// GET /api/v2/mix/position/all-position
pub fn all_position(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    if !p.product_type()? {
        return Ok(json!([]));
    }
    p.margin_coin(false)?;
    Ok(Value::Array(
        e.positions_of(c.uid)
            .map(|x| render::position(e, x))
            .collect(),
    ))
}

/// GET /api/v2/spot/account/info — the key's permissions and IP whitelist.
pub fn key_info(_: &mut Engine, c: &Ctx, _: &Params) -> ApiResult<Value> {
    let k = c
        .key
        .as_ref()
        .ok_or_else(|| ApiError::new("40001", "ACCESS_KEY cannot be empty"))?;
    Ok(json!({
        "userId": k.uid.to_string(), "inviterId": "", "ips": k.key.ips.join(","),
        "authorities": k.key.permissions, "parentId": k.uid, "traderType": "not_trader",
        "channelCode": "", "channel": "", "regisTime": "1700000000000",
    }))
}
