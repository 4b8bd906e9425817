//! Public market endpoints: time, contracts, tickers, candles, merge-depth, recent trades.

use super::params::Params;
use super::{Ctx, render};
use crate::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::market::{Candle, Market};
use crate::num::{ceil_to, floor_to, fmt};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// GET /api/v2/public/time
pub fn time(_: &mut Engine, c: &Ctx, _: &Params) -> ApiResult<Value> {
    Ok(json!({ "serverTime": c.now.to_string() }))
}

/// GET /api/v2/spot/public/coins — this simulator lists no spot coins.
pub fn spot_coins(_: &mut Engine, _: &Ctx, _: &Params) -> ApiResult<Value> {
    Ok(json!([]))
}

/// GET /api/v2/mix/market/contracts
pub fn contracts(e: &mut Engine, _: &Ctx, p: &Params) -> ApiResult<Value> {
    if !p.product_type()? {
        return Ok(json!([]));
    }
    match p.opt_symbol()? {
        Some(s) => Ok(json!([render::contract(e.market(&s)?)])),
        None => Ok(Value::Array(
            e.markets.values().map(render::contract).collect(),
        )),
    }
}

fn usdt_market<'a>(e: &'a Engine, p: &Params) -> ApiResult<&'a Market> {
    let symbol = p.symbol()?;
    p.usdt_futures()?;
    e.market(&symbol)
}

/// GET /api/v2/mix/market/ticker — one ticker, as a one-element array.
pub fn ticker(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    Ok(json!([render::ticker(usdt_market(e, p)?, c.now)]))
}

/// GET /api/v2/mix/market/tickers
pub fn tickers(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    if !p.product_type()? {
        return Ok(json!([]));
    }
    Ok(Value::Array(
        e.markets
            .values()
            .map(|m| render::ticker(m, c.now))
            .collect(),
    ))
}

/// GET /api/v2/mix/market/symbol-price
pub fn symbol_price(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    let m = usdt_market(e, p)?;
    Ok(
        json!([{ "symbol": m.spec.symbol, "price": fmt(m.last), "indexPrice": fmt(m.mark),
        "markPrice": fmt(m.mark), "ts": c.now.to_string() }]),
    )
}

pub(crate) fn granularity_ms(g: &str) -> Option<i64> {
    const MIN: i64 = 60_000;
    let g = g.strip_suffix("utc").unwrap_or(g);
    Some(match g {
        "1m" => MIN,
        "3m" => 3 * MIN,
        "5m" => 5 * MIN,
        "15m" => 15 * MIN,
        "30m" => 30 * MIN,
        "1H" | "1h" => 60 * MIN,
        "2H" | "2h" => 120 * MIN,
        "4H" | "4h" => 240 * MIN,
        "6H" | "6h" => 360 * MIN,
        "12H" | "12h" => 720 * MIN,
        "1D" | "1d" => 1440 * MIN,
        "3D" | "3d" => 3 * 1440 * MIN,
        "1W" | "1w" => 7 * 1440 * MIN,
        "1M" => 30 * 1440 * MIN,
        _ => return None,
    })
}

/// Aggregates 1-minute candles into buckets of `step` ms.
pub(crate) fn aggregate<'a>(candles: impl Iterator<Item = &'a Candle>, step: i64) -> Vec<Candle> {
    let mut out: BTreeMap<i64, Candle> = BTreeMap::new();
    for c in candles {
        let b = c.ts - c.ts.rem_euclid(step);
        out.entry(b)
            .and_modify(|a| {
                a.high = a.high.max(c.high);
                a.low = a.low.min(c.low);
                a.close = c.close;
                a.base_vol += c.base_vol;
                a.quote_vol += c.quote_vol;
            })
            .or_insert_with(|| Candle { ts: b, ..c.clone() });
    }
    out.into_values().collect()
}

/// GET /api/v2/mix/market/candles (and history-candles): ascending arrays of strings.
pub fn candles(e: &mut Engine, _: &Ctx, p: &Params) -> ApiResult<Value> {
    let m = usdt_market(e, p)?;
    let g = p.req("granularity")?;
    let step = granularity_ms(&g).ok_or_else(|| ApiError::bad("granularity"))?;
    p.one_of("kLineType", &["MARKET", "MARK", "INDEX"])?;
    let limit = p.uint("limit")?.unwrap_or(100).clamp(1, 1000) as usize;
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
    let rows: Vec<Candle> = aggregate(m.candles.iter(), step)
        .into_iter()
        .filter(|c| {
            start.is_none_or(|s| c.ts >= s - s.rem_euclid(step)) && end.is_none_or(|en| c.ts <= en)
        })
        .collect();
    let skip = rows.len().saturating_sub(limit);
    let out = rows[skip..]
        .iter()
        .map(|c| {
            json!([
                c.ts.to_string(),
                fmt(c.open),
                fmt(c.high),
                fmt(c.low),
                fmt(c.close),
                fmt(c.base_vol.round_dp(4)),
                fmt(c.quote_vol.round_dp(4))
            ])
        })
        .collect();
    Ok(Value::Array(out))
}

fn number(d: Decimal) -> Value {
    serde_json::from_str::<Value>(&fmt(d)).unwrap_or(Value::Null)
}

/// Merges levels into buckets of `step` (bids round down, asks round up).
fn merge(levels: &[(Decimal, Decimal)], step: Decimal, bids: bool) -> Vec<(Decimal, Decimal)> {
    let mut out: Vec<(Decimal, Decimal)> = Vec::new();
    for &(px, sz) in levels {
        let b = if bids {
            floor_to(px, step)
        } else {
            ceil_to(px, step)
        };
        match out.last_mut() {
            Some(last) if last.0 == b => last.1 += sz,
            _ => out.push((b, sz)),
        }
    }
    out
}

/// GET /api/v2/mix/market/merge-depth: levels as JSON numbers.
pub fn merge_depth(e: &mut Engine, c: &Ctx, p: &Params) -> ApiResult<Value> {
    let m = usdt_market(e, p)?;
    let precision = p
        .one_of("precision", &["scale0", "scale1", "scale2", "scale3"])?
        .unwrap_or("scale0");
    let limit = match p.str("limit")?.as_deref() {
        None => 100,
        Some("max") => usize::MAX,
        Some(l) => match l.parse::<usize>() {
            Ok(n @ (1 | 5 | 15 | 50 | 100)) => n,
            _ => return Err(ApiError::bad("limit")),
        },
    };
    let factor = match precision {
        "scale1" => 10,
        "scale2" => 100,
        "scale3" => 1000,
        _ => 1,
    };
    let step = m.tick * Decimal::from(factor);
    let side = |levels: &[(Decimal, Decimal)], bids| {
        merge(levels, step, bids)
            .into_iter()
            .take(limit)
            .map(|(px, sz)| json!([number(px), number(sz)]))
            .collect::<Vec<_>>()
    };
    Ok(json!({
        "asks": side(&m.asks, false),
        "bids": side(&m.bids, true),
        "ts": c.now.to_string(),
        "scale": fmt(step),
        "precision": precision,
        "isMaxPrecision": if factor == 1 { "YES" } else { "NO" },
    }))
}

/// GET /api/v2/mix/market/fills — recent public trades, newest first.
pub fn public_fills(e: &mut Engine, _: &Ctx, p: &Params) -> ApiResult<Value> {
    let m = usdt_market(e, p)?;
    let limit = p.uint("limit")?.unwrap_or(100).clamp(1, 100) as usize;
    let rows = m
        .trades
        .iter()
        .rev()
        .take(limit)
        .map(|t| {
            json!({ "tradeId": t.id.to_string(), "price": fmt(t.price), "size": fmt(t.size),
                "side": t.side, "ts": t.ts.to_string(), "symbol": m.spec.symbol })
        })
        .collect();
    Ok(Value::Array(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn merging_and_granularity() {
        let bids = [
            (dec!(100.3), dec!(1)),
            (dec!(100.1), dec!(2)),
            (dec!(99.9), dec!(3)),
        ];
        assert_eq!(
            merge(&bids, dec!(1), true),
            vec![(dec!(100), dec!(3)), (dec!(99), dec!(3))]
        );
        assert_eq!(granularity_ms("1H"), Some(3_600_000));
        assert_eq!(granularity_ms("1Dutc"), Some(86_400_000));
        assert_eq!(granularity_ms("7m"), None);
        assert_eq!(number(dec!(65000.10)), json!(65000.1));
    }
}
