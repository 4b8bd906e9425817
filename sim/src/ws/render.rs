//! WebSocket push payloads per channel, in the field names and spellings of spec §7.7–7.8
//! (`canceled` in orders, `cancelled` in orders-algo, `T`/`M` vs `taker`/`maker`, `yes`/`no`).

use crate::engine::Engine;
use crate::engine::types::{Fill, Order, Plan, PosMode, Position};
use crate::market::Market;
use crate::num::{fmt, fmt_opt};
use crate::rest::market::{aggregate, granularity_ms};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// `ticker` element.
pub fn ticker(m: &Market, now: i64) -> Value {
    let (open, high, low, bv, qv) = m.stats_24h(now);
    let change = if open.is_zero() {
        Decimal::ZERO
    } else {
        (m.last - open) / open
    };
    let (bid, ask) = (m.best_bid(), m.best_ask());
    let next_funding = now - now.rem_euclid(8 * 3_600_000) + 8 * 3_600_000;
    json!({
        "instId": m.spec.symbol, "lastPr": fmt(m.last), "bidPr": fmt(bid.0), "askPr": fmt(ask.0),
        "bidSz": fmt(bid.1), "askSz": fmt(ask.1), "open24h": fmt(open), "high24h": fmt(high),
        "low24h": fmt(low), "change24h": fmt(change.round_dp(5)), "fundingRate": "0.0001",
        "nextFundingTime": next_funding.to_string(), "markPrice": fmt(m.mark), "indexPrice": fmt(m.mark),
        "holdingAmount": "0", "baseVolume": fmt(bv.round_dp(4)), "quoteVolume": fmt(qv.round_dp(4)),
        "openUtc": fmt(open), "symbolType": 1, "symbol": m.spec.symbol, "deliveryPrice": "0",
        "ts": now.to_string(),
    })
}

/// Recent trades, newest first; only those with an id above `after`.
pub fn trades(m: &Market, after: u64, limit: usize) -> Vec<Value> {
    m.trades
        .iter()
        .rev()
        .filter(|t| t.id > after)
        .take(limit)
        .map(|t| json!({ "ts": t.ts.to_string(), "price": fmt(t.price), "size": fmt(t.size), "side": t.side, "tradeId": t.id.to_string() }))
        .collect()
}

/// The last `n` candles of `channel` (`candle1m`, `candle1H`, …), ascending; None if unknown.
pub fn candles(m: &Market, channel: &str, n: usize) -> Option<Vec<Value>> {
    let step = granularity_ms(channel.strip_prefix("candle")?)?;
    let rows = aggregate(m.candles.iter(), step);
    let skip = rows.len().saturating_sub(n);
    Some(
        rows[skip..]
            .iter()
            .map(|c| {
                let qv = fmt(c.quote_vol.round_dp(4));
                json!([
                    c.ts.to_string(),
                    fmt(c.open),
                    fmt(c.high),
                    fmt(c.low),
                    fmt(c.close),
                    fmt(c.base_vol.round_dp(4)),
                    qv,
                    qv
                ])
            })
            .collect(),
    )
}

/// `account` element.
pub fn account(e: &Engine, uid: u64) -> Value {
    let (equity, available) = (e.equity(uid), e.available(uid));
    json!({
        "marginCoin": "USDT", "frozen": fmt(e.frozen(uid).round_dp(8)), "available": fmt(available.round_dp(8)),
        "maxOpenPosAvailable": fmt(available.round_dp(8)), "maxTransferOut": fmt(available.round_dp(8)),
        "equity": fmt(equity.round_dp(8)), "usdtEquity": fmt(equity.round_dp(8)), "crossedRiskRate": "0",
        "unrealizedPL": fmt(e.upnl(uid).round_dp(8)), "unionTotalMargin": fmt(equity.round_dp(8)),
        "unionAvailable": fmt(available.round_dp(8)), "unionMm": "0", "assetsMode": "single",
    })
}

/// `positions` element.
pub fn position(e: &Engine, p: &Position) -> Value {
    let mark = e.mark(&p.symbol);
    let upnl = p.upnl(mark);
    let locked = e.locked(p.uid, &p.symbol, p.hold);
    let pos_mode = e
        .accounts
        .get(&p.uid)
        .map(|a| a.pos_mode)
        .unwrap_or(PosMode::OneWay);
    let risk = crate::rest::render::position_risk(e, p);
    let roi = if p.margin.is_zero() {
        Decimal::ZERO
    } else {
        upnl / p.margin
    };
    json!({
        "posId": p.id.to_string(), "instId": p.symbol, "marginCoin": "USDT", "marginSize": fmt(p.margin.round_dp(8)),
        "marginMode": p.margin_mode.as_str(), "holdSide": p.hold.as_str(), "posMode": pos_mode.as_str(),
        "total": fmt(p.size), "available": fmt(p.size - locked), "frozen": fmt(locked),
        "openPriceAvg": fmt(p.entry.round_dp(8)), "leverage": p.leverage, "achievedProfits": fmt(p.achieved.round_dp(8)),
        "unrealizedPL": fmt(upnl.round_dp(8)), "unrealizedPLR": fmt(roi.round_dp(8)),
        "liquidationPrice": fmt(e.liquidation_price(p).round_dp(8)), "keepMarginRate": fmt(risk.keep_margin_rate),
        "marginRate": fmt(risk.margin_ratio.round_dp(12)), "isolatedMarginRate": "0",
        "breakEvenPrice": fmt(risk.break_even.round_dp(8)), "totalFee": "",
        "deductedFee": fmt(p.deducted_fee.round_dp(8)), "markPrice": fmt(mark), "assetMode": "single",
        "autoMargin": "off", "cTime": p.c_time.to_string(), "uTime": p.u_time.to_string(),
    })
}

/// `orders` element; with the latest fill's fields when `fill` is given.
pub fn order(o: &Order, fill: Option<&Fill>) -> Value {
    let mut v = json!({
        "orderId": o.id.to_string(), "clientOid": o.client_oid, "instId": o.symbol,
        "price": o.price.map(fmt).unwrap_or_else(|| "0".into()), "size": fmt(o.size),
        "orderType": o.order_type.as_str(), "force": o.force.as_str(), "side": o.side.as_str(),
        "posSide": o.pos_side(), "tradeSide": o.trade_side(), "posMode": o.pos_mode.as_str(),
        "marginMode": o.margin_mode.as_str(), "marginCoin": "USDT", "leverage": o.leverage.to_string(),
        "reduceOnly": if o.reduces_only() && o.pos_mode == PosMode::OneWay { "yes" } else { "no" },
        "status": o.state.as_str(), "accBaseVolume": fmt(o.filled),
        "priceAvg": o.avg_price().map(fmt).unwrap_or_else(|| "0".into()),
        "notionalUsd": fmt((o.size * o.price.or(o.avg_price()).unwrap_or_default()).round_dp(8)),
        "feeDetail": [{ "feeCoin": "USDT", "fee": fmt(o.fee) }], "pnl": fmt(o.profit), "totalProfits": fmt(o.profit),
        "enterPointSource": o.enter_point, "cancelReason": o.cancel_reason, "stpMode": o.stp_mode,
        "presetStopSurplusPrice": fmt_opt(o.preset_tp), "presetStopSurplusType": if o.preset_tp.is_some() { "fill_price" } else { "" },
        "presetStopSurplusExecutePrice": fmt_opt(o.preset_tp_exec), "presetStopLossPrice": fmt_opt(o.preset_sl),
        "presetStopLossType": if o.preset_sl.is_some() { "fill_price" } else { "" },
        "presetStopLossExecutePrice": fmt_opt(o.preset_sl_exec),
        "cTime": o.c_time.to_string(), "uTime": o.u_time.to_string(),
    });
    if let Some(f) = fill {
        v["tradeId"] = json!(f.trade_id.to_string());
        v["fillPrice"] = json!(fmt(f.price));
        v["baseVolume"] = json!(fmt(f.size));
        v["fillTime"] = json!(f.ts.to_string());
        v["fillFee"] = json!(fmt(f.fee));
        v["fillFeeCoin"] = json!("USDT");
        v["fillNotionalUsd"] = json!(fmt(f.price * f.size));
        v["tradeScope"] = json!(if f.maker { "M" } else { "T" });
    }
    v
}

/// `orders-algo` element (nine-decimal numbers as Bitget pushes them).
pub fn plan(p: &Plan) -> Value {
    let n = |d: Decimal| format!("{:.9}", d);
    let ws_status = p.status.ws_str();
    json!({
        "instId": p.symbol, "orderId": p.id.to_string(), "clientOid": p.client_oid,
        "triggerPrice": n(p.trigger_price), "triggerType": p.trigger_type.as_str(), "triggerTime": p.u_time.to_string(),
        "planType": p.plan_type.ws_code(), "price": n(p.execute_price.unwrap_or_default()),
        "executePrice": n(p.execute_price.unwrap_or_default()), "size": n(p.size.unwrap_or_default()),
        "actualSize": n(if p.status == crate::engine::types::PlanStatus::Executed { p.size.unwrap_or_default() } else { Decimal::ZERO }), "orderType": if p.execute_price.is_some() { "limit" } else { "market" },
        "side": p.side.as_str(), "tradeSide": match p.intent {
            crate::engine::types::Intent::Open(_) => "open".to_string(),
            crate::engine::types::Intent::Close(_) => "close".to_string(),
            crate::engine::types::Intent::Net { .. } => format!("{}_single", p.side.as_str()),
        },
        "posSide": if p.pos_mode == PosMode::Hedge { p.hold().as_str() } else { "net" },
        "marginCoin": "USDT", "status": ws_status, "posMode": p.pos_mode.as_str(), "enterPointSource": "api",
        "stopSurplusTriggerPrice": p.attached_tp.map(n).unwrap_or_default(), "stopSurplusTriggerType": "fill_price",
        "stopLossTriggerPrice": p.attached_sl.map(n).unwrap_or_default(), "stopLossTriggerType": "fill_price",
        "cTime": p.c_time.to_string(), "uTime": p.u_time.to_string(),
    })
}

/// `fill` element (economic `side`, `taker`/`maker` in full).
pub fn fill(f: &Fill) -> Value {
    json!({
        "orderId": f.order_id.to_string(), "clientOid": f.client_oid, "tradeId": f.trade_id.to_string(),
        "symbol": f.symbol, "side": f.side.as_str(), "orderType": f.order_type.as_str(), "posMode": f.pos_mode.as_str(),
        "price": fmt(f.price), "baseVolume": fmt(f.size), "quoteVolume": fmt(f.price * f.size), "profit": fmt(f.profit),
        "tradeSide": f.trade_side, "tradeScope": if f.maker { "maker" } else { "taker" },
        "feeDetail": [{ "feeCoin": "USDT", "deduction": "no", "totalDeductionFee": "0", "totalFee": fmt(f.fee) }],
        "cTime": f.ts.to_string(), "uTime": f.ts.to_string(),
    })
}

/// True for `candle1m`, `candle1H`, `candle1Dutc`, …
pub fn candles_channel(channel: &str) -> bool {
    channel
        .strip_prefix("candle")
        .is_some_and(|g| granularity_ms(g).is_some())
}
