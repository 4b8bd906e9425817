//! How engine records look on the wire, per endpoint: numbers as strings, `""` for empty,
//! `state` in detail vs `status` in lists, `YES`/`NO` in REST records.

use crate::engine::Engine;
use crate::engine::types::{Fill, Order, Plan, PosMode, Position};
use crate::market::Market;
use crate::num::{fmt, fmt_opt};
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn ms(t: i64) -> String {
    t.to_string()
}

/// An order record as `detail` shows it (`state`) or as lists show it (`status`).
pub fn order(o: &Order, detail: bool) -> Value {
    let mut v = json!({
        "symbol": o.symbol,
        "size": fmt(o.size),
        "orderId": o.id.to_string(),
        "clientOid": o.client_oid,
        "baseVolume": fmt(o.filled),
        "priceAvg": fmt_opt(o.avg_price()),
        "fee": fmt(o.fee),
        "price": fmt_opt(o.price),
        "side": o.side.as_str(),
        "force": o.force.as_str(),
        "totalProfits": fmt(o.profit),
        "posSide": o.pos_side(),
        "marginCoin": "USDT",
        "quoteVolume": fmt(o.filled_quote),
        "leverage": o.leverage.to_string(),
        "marginMode": o.margin_mode.as_str(),
        "enterPointSource": o.enter_point,
        "tradeSide": o.trade_side(),
        "posMode": o.pos_mode.as_str(),
        "orderType": o.order_type.as_str(),
        "orderSource": o.source,
        "presetStopSurplusPrice": fmt_opt(o.preset_tp),
        "presetStopSurplusType": if o.preset_tp.is_some() { "fill_price" } else { "" },
        "presetStopSurplusExecutePrice": fmt_opt(o.preset_tp_exec),
        "presetStopLossPrice": fmt_opt(o.preset_sl),
        "presetStopLossType": if o.preset_sl.is_some() { "fill_price" } else { "" },
        "presetStopLossExecutePrice": fmt_opt(o.preset_sl_exec),
        "reduceOnly": if o.reduces_only() && o.pos_mode == PosMode::OneWay { "YES" } else { "NO" },
        "cancelReason": o.cancel_reason,
        "newTradeSide": o.trade_side(),
        "cTime": ms(o.c_time),
        "uTime": ms(o.u_time),
    });
    if o.price.is_none() {
        v["price"] = json!("0");
    }
    if !detail {
        // Listed since Nov 2025; the simulator does not keep them per order.
        v["liqPrice"] = json!("");
        v["posAvg"] = json!("");
    }
    let key = if detail { "state" } else { "status" };
    v[key] = json!(o.state.as_str());
    v
}

/// A position's risk figures, shared by REST rows and WebSocket pushes.
pub struct PositionRisk {
    /// Tier maintenance margin rate (`keepMarginRate`).
    pub keep_margin_rate: Decimal,
    /// Maintenance margin over account equity (`marginRatio` in REST, `marginRate` in WS).
    pub margin_ratio: Decimal,
    /// Entry moved by an open and a close taker fee (`breakEvenPrice`).
    pub break_even: Decimal,
}

/// The one rule for [`PositionRisk`].
pub fn position_risk(e: &Engine, p: &Position) -> PositionRisk {
    let mark = e.mark(&p.symbol);
    let spec = e.markets.get(&p.symbol).map(|m| &m.spec);
    let mmr = spec.map(|s| s.keep_margin_rate).unwrap_or_default();
    let fee_rate = spec.map(|s| s.taker_fee_rate).unwrap_or_default();
    let equity = e.equity(p.uid);
    let maintenance = p.size * mark * mmr;
    let margin_ratio = if equity > Decimal::ZERO {
        maintenance / equity
    } else {
        Decimal::ONE
    };
    PositionRisk {
        keep_margin_rate: mmr,
        margin_ratio,
        break_even: p.entry * (Decimal::ONE + p.hold.sign() * fee_rate * Decimal::TWO),
    }
}

/// A position row (single-position / all-position).
pub fn position(e: &Engine, p: &Position) -> Value {
    let mark = e.mark(&p.symbol);
    let locked = e.locked(p.uid, &p.symbol, p.hold);
    let PositionRisk {
        keep_margin_rate: mmr,
        margin_ratio: ratio,
        break_even,
    } = position_risk(e, p);
    let plan = |kind| {
        e.live_plans(p.uid, &p.symbol, p.hold)
            .find(|x| x.plan_type == kind)
    };
    let tp = plan(crate::engine::types::PlanType::PosProfit);
    let sl = plan(crate::engine::types::PlanType::PosLoss);
    let pos_mode = e
        .accounts
        .get(&p.uid)
        .map(|a| a.pos_mode)
        .unwrap_or(PosMode::OneWay);
    json!({
        "marginCoin": "USDT",
        "symbol": p.symbol,
        "holdSide": p.hold.as_str(),
        "openDelegateSize": fmt(p.size),
        "marginSize": fmt(p.margin.round_dp(8)),
        "available": fmt(p.size - locked),
        "locked": fmt(locked),
        "total": fmt(p.size),
        "leverage": p.leverage.to_string(),
        "achievedProfits": fmt(p.achieved.round_dp(8)),
        "openPriceAvg": fmt(p.entry.round_dp(8)),
        "marginMode": p.margin_mode.as_str(),
        "posMode": pos_mode.as_str(),
        "unrealizedPL": fmt(p.upnl(mark).round_dp(8)),
        "liquidationPrice": fmt(e.liquidation_price(p).round_dp(8)),
        "keepMarginRate": fmt(mmr),
        "markPrice": fmt(mark),
        "marginRatio": fmt(ratio.round_dp(12)),
        "breakEvenPrice": fmt(break_even.round_dp(8)),
        "totalFee": "",
        "deductedFee": fmt(p.deducted_fee.round_dp(8)),
        "grant": "",
        "assetMode": "single",
        "autoMargin": "off",
        "takeProfit": tp.map(|x| fmt(x.trigger_price)),
        "stopLoss": sl.map(|x| fmt(x.trigger_price)),
        "takeProfitId": tp.map(|x| x.id.to_string()),
        "stopLossId": sl.map(|x| x.id.to_string()),
        "cTime": ms(p.c_time),
        "uTime": ms(p.u_time),
    })
}

/// A plan order row (orders-plan-pending / history).
pub fn plan(e: &Engine, p: &Plan) -> Value {
    let exec_price = p.execute_price.map(fmt).unwrap_or_else(|| "0".into());
    let mut v = json!({
        "planType": p.plan_type.as_str(),
        "symbol": p.symbol,
        "size": p.size.map(fmt).unwrap_or_else(|| "0".into()),
        "orderId": p.id.to_string(),
        "clientOid": p.client_oid,
        "price": exec_price,
        "executePrice": exec_price,
        "callbackRatio": fmt_opt(p.callback),
        "triggerPrice": fmt(p.trigger_price),
        "triggerType": p.trigger_type.as_str(),
        "planStatus": p.status.as_str(),
        "side": p.side.as_str(),
        "posSide": if p.pos_mode == PosMode::Hedge { p.hold().as_str() } else { "net" },
        "marginCoin": "USDT",
        "marginMode": p.margin_mode.map(|m| m.as_str()).unwrap_or(""),
        "enterPointSource": "API",
        "tradeSide": trade_side(p),
        "posMode": p.pos_mode.as_str(),
        "orderType": if p.execute_price.is_some() { "limit" } else { "market" },
        "orderSource": "normal",
        "stopSurplusTriggerPrice": fmt_opt(p.attached_tp),
        "stopSurplusExecutePrice": Value::Null,
        "stopSurplusTriggerType": p.attached_tp.map(|_| "fill_price"),
        "stopLossTriggerPrice": fmt_opt(p.attached_sl),
        "stopLossExecutePrice": Value::Null,
        "stopLossTriggerType": p.attached_sl.map(|_| "fill_price"),
        "cTime": ms(p.c_time),
        "uTime": ms(p.u_time),
    });
    if let Some(oid) = p.execute_order_id {
        let o = e.orders.get(&oid);
        v["executeOrderId"] = json!(oid.to_string());
        v["priceAvg"] = json!(o.and_then(|o| o.avg_price()).map(fmt).unwrap_or_default());
        v["baseVolume"] = json!(o.map(|o| fmt(o.filled)).unwrap_or_default());
    } else {
        v["executeOrderId"] = json!("");
    }
    v
}

fn trade_side(p: &Plan) -> String {
    use crate::engine::types::Intent;
    match p.intent {
        Intent::Open(_) => "open".into(),
        Intent::Close(_) => "close".into(),
        Intent::Net { .. } => format!("{}_single", p.side.as_str()),
    }
}

/// A fill row (`fills`).
pub fn fill(f: &Fill) -> Value {
    json!({
        "tradeId": f.trade_id.to_string(),
        "symbol": f.symbol,
        "orderId": f.order_id.to_string(),
        "price": fmt(f.price),
        "baseVolume": fmt(f.size),
        "feeDetail": [{"deduction": "no", "feeCoin": "USDT", "totalDeductionFee": "0", "totalFee": fmt(f.fee)}],
        "side": f.side.as_str(),
        "quoteVolume": fmt(f.price * f.size),
        "profit": fmt(f.profit),
        "enterPointSource": "api",
        "tradeSide": f.trade_side,
        "posMode": f.pos_mode.as_str(),
        "tradeScope": if f.maker { "maker" } else { "taker" },
        "cTime": ms(f.ts),
    })
}

/// A ticker object.
pub fn ticker(m: &Market, now: i64) -> Value {
    let (open, high, low, bv, qv) = m.stats_24h(now);
    let change = if open.is_zero() {
        Decimal::ZERO
    } else {
        (m.last - open) / open
    };
    let (bid, ask) = (m.best_bid(), m.best_ask());
    json!({
        "symbol": m.spec.symbol,
        "lastPr": fmt(m.last),
        "askPr": fmt(ask.0),
        "bidPr": fmt(bid.0),
        "bidSz": fmt(bid.1),
        "askSz": fmt(ask.1),
        "high24h": fmt(high),
        "low24h": fmt(low),
        "ts": ms(now),
        "change24h": fmt(change.round_dp(5)),
        "baseVolume": fmt(bv.round_dp(4)),
        "quoteVolume": fmt(qv.round_dp(4)),
        "usdtVolume": fmt(qv.round_dp(4)),
        "openUtc": fmt(open),
        "changeUtc24h": fmt(change.round_dp(5)),
        "indexPrice": fmt(m.mark),
        "fundingRate": "0.0001",
        "holdingAmount": "0",
        "deliveryStartTime": Value::Null,
        "deliveryTime": Value::Null,
        "deliveryStatus": "",
        "open24h": fmt(open),
        "markPrice": fmt(m.mark),
    })
}

/// A contract spec row.
pub fn contract(m: &Market) -> Value {
    let s = &m.spec;
    json!({
        "symbol": s.symbol,
        "baseCoin": s.base_coin,
        "quoteCoin": "USDT",
        "buyLimitPriceRatio": fmt(s.buy_limit_price_ratio),
        "sellLimitPriceRatio": fmt(s.sell_limit_price_ratio),
        "feeRateUpRatio": "0.005",
        "makerFeeRate": fmt(s.maker_fee_rate),
        "takerFeeRate": fmt(s.taker_fee_rate),
        "openCostUpRatio": "0.01",
        "supportMarginCoins": ["USDT"],
        "minTradeNum": fmt(s.min_trade_num),
        "priceEndStep": fmt(s.price_end_step),
        "volumePlace": s.volume_place.to_string(),
        "pricePlace": s.price_place.to_string(),
        "sizeMultiplier": fmt(s.size_multiplier),
        "symbolType": "perpetual",
        "minTradeUSDT": fmt(s.min_trade_usdt),
        "maxSymbolOrderNum": s.max_symbol_order_num.to_string(),
        "maxProductOrderNum": "1000",
        "maxPositionNum": "150",
        "symbolStatus": s.status,
        "offTime": "-1",
        "limitOpenTime": "-1",
        "deliveryTime": "",
        "deliveryStartTime": "",
        "deliveryPeriod": "",
        "launchTime": "",
        "fundInterval": "8",
        "minLever": s.min_lever.to_string(),
        "maxLever": s.max_lever.to_string(),
        "posLimit": "0.05",
        "maintainTime": "",
        "maxMarketOrderQty": fmt(s.max_market_order_qty),
        "maxOrderQty": fmt(s.max_order_qty),
        "isRwa": "NO",
    })
}

/// The margin account object; `symbol` adds that symbol's leverage and margin mode.
pub fn account(e: &Engine, uid: u64, symbol: Option<&str>) -> Value {
    let equity = e.equity(uid);
    let available = e.available(uid);
    let upnl = e.upnl(uid);
    let btc = e
        .markets
        .get("BTCUSDT")
        .map(|m| m.last)
        .filter(|p| !p.is_zero());
    let pos_mode = e
        .accounts
        .get(&uid)
        .map(|a| a.pos_mode)
        .unwrap_or(PosMode::OneWay);
    let mut v = json!({
        "marginCoin": "USDT",
        "locked": fmt(e.frozen(uid).round_dp(8)),
        "available": fmt(available.round_dp(8)),
        "crossedMaxAvailable": fmt(available.round_dp(8)),
        "isolatedMaxAvailable": fmt(available.round_dp(8)),
        "maxTransferOut": fmt(available.round_dp(8)),
        "accountEquity": fmt(equity.round_dp(8)),
        "usdtEquity": fmt(equity.round_dp(8)),
        "btcEquity": btc.map(|p| fmt((equity / p).round_dp(12))).unwrap_or_default(),
        "crossedRiskRate": "0",
        "unrealizedPL": fmt(upnl.round_dp(8)),
        "coupon": "0",
        "crossedUnrealizedPL": fmt(upnl.round_dp(8)),
        "isolatedUnrealizedPL": "0",
        "assetMode": "single",
        "posMode": pos_mode.as_str(),
        "crossedMargin": fmt(e.position_margin(uid).round_dp(8)),
        "isolatedMargin": "0",
        "unionTotalMargin": fmt(equity.round_dp(8)),
        "unionAvailable": fmt(available.round_dp(8)),
        "unionMm": "0",
        "assetList": [],
        "grant": "",
    });
    if let Some(sym) = symbol {
        let s = e.settings(uid, sym);
        v["crossedMarginLeverage"] = json!(s.long_lev.to_string());
        v["isolatedLongLever"] = json!(s.long_lev.to_string());
        v["isolatedShortLever"] = json!(s.short_lev.to_string());
        v["marginMode"] = json!(s.margin_mode.as_str());
    }
    v
}
