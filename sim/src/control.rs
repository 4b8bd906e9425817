//! The control plane under `/sim/v1/` (plain JSON, no Bitget envelope, no auth: it is served
//! on loopback for tests and operators): request log, audit, price scripting, stepping,
//! faults, reset, and a state summary.

use crate::faults::Fault;
use crate::num::fmt;
use crate::state::{Shared, lock};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

/// A refused control request: HTTP 400 with this message.
struct Bad(String);

fn bad(msg: impl Into<String>) -> Bad {
    Bad(msg.into())
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Bad> {
    serde_json::from_slice(body).map_err(|e| bad(format!("invalid JSON body: {e}")))
}

/// Serves `/sim/v1/...`.
pub async fn handle(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let route = req
        .path()
        .trim_start_matches("/sim/v1")
        .trim_end_matches('/');
    let result =
        match (req.method().as_str(), route) {
            ("GET", "/requests") => Ok(requests(&shared, req.query_string())),
            ("GET", "/audit") => Ok(audit(&shared)),
            ("GET", "/state") => Ok(state(&shared)),
            ("GET", "/holdings") => Ok(holdings(&shared)),
            ("POST", "/price") => price(&shared, &body),
            ("POST", "/step") => step(&shared, &body),
            ("POST", "/balance") => balance(&shared, &body),
            ("POST", "/market") => market(&shared, &body),
            ("GET", "/faults") => Ok(json!({ "faults": lock(&shared.faults).list() })),
            ("POST", "/faults") => faults(&shared, &body),
            ("DELETE", "/faults") => {
                lock(&shared.faults).clear();
                Ok(json!({ "faults": [] }))
            }
            ("GET", "/ws") => Ok(
                json!({ "connections": shared.ws_connections.load(Ordering::SeqCst),
            "delay_ms": shared.ws_delay_ms.load(Ordering::SeqCst) }),
            ),
            ("POST", "/ws") => ws_control(&shared, &body),
            ("POST", "/reset") => {
                shared.reset();
                Ok(json!({ "reset": true }))
            }
            _ => return HttpResponse::NotFound().json(
                json!({ "error": format!("no control endpoint {} {}", req.method(), req.path()) }),
            ),
        };
    match result {
        Ok(v) => HttpResponse::Ok().json(v),
        Err(Bad(msg)) => HttpResponse::BadRequest().json(json!({ "error": msg })),
    }
}

fn requests(shared: &Shared, query: &str) -> Value {
    let q: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let path = get("path");
    let limit = get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let log = lock(&shared.log);
    let rows: Vec<_> = log
        .iter()
        .filter(|e| path.as_deref().is_none_or(|p| p == e.path))
        .collect();
    let skip = rows.len().saturating_sub(limit);
    json!({ "requests": rows[skip..] })
}

fn audit(shared: &Shared) -> Value {
    let e = lock(&shared.engine);
    let positions: Vec<Value> = e
        .audit
        .positions
        .iter()
        .map(|l| {
            let mut v = serde_json::to_value(l).unwrap_or(Value::Null);
            v["unprotected"] = serde_json::to_value(l.unprotected()).unwrap_or(Value::Null);
            v
        })
        .collect();
    let orders: Vec<Value> = e
        .orders
        .values()
        .map(|o| {
            json!({ "uid": o.uid, "orderId": o.id.to_string(), "clientOid": o.client_oid, "symbol": o.symbol,
                "side": o.side.as_str(), "tradeSide": o.trade_side(), "orderType": o.order_type.as_str(),
                "size": fmt(o.size), "filled": fmt(o.filled), "state": o.state.as_str(),
                "source": o.source, "reduceOnly": o.reduces_only(), "cTime": o.c_time, "uTime": o.u_time })
        })
        .collect();
    // Every fill with the origin of its order: the ground truth a trade history is checked against.
    let fills: Vec<Value> = e
        .fills
        .iter()
        .map(|f| {
            json!({ "uid": f.uid, "tradeId": f.trade_id.to_string(), "orderId": f.order_id.to_string(),
                "clientOid": f.client_oid, "symbol": f.symbol, "side": f.side.as_str(), "tradeSide": f.trade_side,
                "price": fmt(f.price), "size": fmt(f.size), "fee": fmt(f.fee), "profit": fmt(f.profit), "ts": f.ts,
                "source": e.orders.get(&f.order_id).map(|o| o.source.clone()) })
        })
        .collect();
    json!({
        "orders": orders,
        "fills": fills,
        "plans": e.plans.len(),
        "positions": positions,
        "exposure": e.audit.exposure,
        "emergencies": e.audit.emergencies,
        "refusals": e.audit.refusals,
        "exposure_timeline": e.audit.exposure_timeline,
        "feeds": &*lock(&shared.feeds),
        "feed_fresh_ms": crate::feeds::FRESH_MS,
        "fault_episodes": lock(&shared.faults).episodes(),
        "ws_opened": { "public": shared.ws_opened[0].load(Ordering::SeqCst),
            "private": shared.ws_opened[1].load(Ordering::SeqCst) },
        "now": shared.now(),
    })
}

fn state(shared: &Shared) -> Value {
    let e = lock(&shared.engine);
    let accounts: Vec<Value> = e
        .accounts
        .values()
        .map(|a| {
            json!({ "uid": a.uid, "balance": fmt(a.balance), "equity": fmt(e.equity(a.uid)),
                "available": fmt(e.available(a.uid)), "posMode": a.pos_mode.as_str(),
                "positions": e.positions_of(a.uid).count(),
                "openOrders": e.open_orders().filter(|o| o.uid == a.uid).count(),
                "livePlans": e.open_plans().filter(|p| p.uid == a.uid).count() })
        })
        .collect();
    let markets: Vec<Value> = e
        .markets
        .values()
        .map(|m| json!({ "symbol": m.spec.symbol, "last": fmt(m.last), "mark": fmt(m.mark), "steps": m.steps }))
        .collect();
    json!({ "accounts": accounts, "markets": markets, "paused": shared.paused.load(Ordering::SeqCst) })
}

/// Open positions and live plans with their trigger prices, per account: what a client's
/// view of its holdings is checked against.
fn holdings(shared: &Shared) -> Value {
    let e = lock(&shared.engine);
    let accounts: Vec<Value> = e
        .accounts
        .values()
        .map(|a| {
            let positions: Vec<Value> = e
                .positions_of(a.uid)
                .filter(|p| !p.size.is_zero())
                .map(|p| {
                    json!({ "symbol": p.symbol, "holdSide": p.hold.as_str(), "size": fmt(p.size),
                    "entry": fmt(p.entry), "cTime": p.c_time })
                })
                .collect();
            let plans: Vec<Value> = e
                .open_plans()
                .filter(|p| p.uid == a.uid)
                .map(|p| {
                    json!({ "symbol": p.symbol, "planType": p.plan_type.as_str(),
                    "holdSide": p.hold.as_str(), "triggerPrice": fmt(p.trigger_price),
                    "clientOid": p.client_oid })
                })
                .collect();
            json!({ "uid": a.uid, "positions": positions, "plans": plans })
        })
        .collect();
    json!({ "accounts": accounts, "now": shared.now() })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceReq {
    symbol: String,
    #[serde(default)]
    price: Option<Decimal>,
    #[serde(default)]
    mark: Option<Decimal>,
    #[serde(default)]
    path: Vec<Decimal>,
}

fn price(shared: &Shared, body: &[u8]) -> Result<Value, Bad> {
    let req: PriceReq = parse(body)?;
    if req.price.is_none() && req.path.is_empty() {
        return Err(bad(
            "give `price` (jump now) and/or `path` (one price per tick)",
        ));
    }
    if req
        .price
        .iter()
        .chain(req.mark.iter())
        .chain(req.path.iter())
        .any(|p| *p <= Decimal::ZERO)
    {
        return Err(bad("prices must be positive"));
    }
    let symbol = req.symbol.to_ascii_uppercase();
    let mut e = lock(&shared.engine);
    if !e.markets.contains_key(&symbol) {
        return Err(bad(format!("unknown symbol {symbol}")));
    }
    if let Some(p) = req.price {
        e.jump(&symbol, p, req.mark, shared.now());
    }
    if let Some(m) = e.markets.get_mut(&symbol) {
        m.script(req.path);
    }
    shared.publish(&mut e);
    let m = e.market(&symbol).map_err(|err| bad(err.msg))?;
    Ok(json!({ "symbol": symbol, "last": fmt(m.last), "mark": fmt(m.mark) }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarketReq {
    paused: bool,
}

/// Pauses or resumes the market ticker: while paused, prices move only through `/price`.
fn market(shared: &Shared, body: &[u8]) -> Result<Value, Bad> {
    let req: MarketReq = parse(body)?;
    shared.paused.store(req.paused, Ordering::SeqCst);
    Ok(json!({ "paused": req.paused }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BalanceReq {
    #[serde(default)]
    uid: Option<u64>,
    balance: Decimal,
}

/// Sets an account's wallet balance (an operator's deposit or withdrawal), so a test can bring
/// equity near a floor or restore it after an emergency.
fn balance(shared: &Shared, body: &[u8]) -> Result<Value, Bad> {
    let req: BalanceReq = parse(body)?;
    if req.balance < Decimal::ZERO {
        return Err(bad("balance: must not be negative"));
    }
    let mut e = lock(&shared.engine);
    let uid = match req.uid {
        Some(u) => u,
        None if e.accounts.len() == 1 => {
            *e.accounts.keys().next().ok_or_else(|| bad("no account"))?
        }
        None => return Err(bad("uid: required when there is more than one account")),
    };
    let Some(a) = e.accounts.get_mut(&uid) else {
        return Err(bad(format!("uid: no account {uid}")));
    };
    a.balance = req.balance;
    e.events.push(crate::engine::Event::Account(uid));
    shared.publish(&mut e);
    Ok(json!({ "uid": uid, "balance": fmt(req.balance), "equity": fmt(e.equity(uid)) }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepReq {
    steps: u64,
}

fn step(shared: &Shared, body: &[u8]) -> Result<Value, Bad> {
    let req: StepReq = parse(body)?;
    if req.steps > 100_000 {
        return Err(bad("at most 100000 steps per call"));
    }
    shared.tick(req.steps);
    Ok(state(shared))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsReq {
    faults: Vec<Fault>,
}

fn faults(shared: &Shared, body: &[u8]) -> Result<Value, Bad> {
    let req: FaultsReq = parse(body)?;
    let mut f = lock(&shared.faults);
    f.add(req.faults, shared.now()).map_err(bad)?;
    Ok(json!({ "faults": f.list() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WsReq {
    action: String,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    delay_ms: Option<u64>,
}

fn ws_control(shared: &Shared, body: &[u8]) -> Result<Value, Bad> {
    use crate::ws::{Scope, WsCommand};
    let req: WsReq = parse(body)?;
    let scope = match req.scope.as_deref() {
        None | Some("all") => Scope::All,
        Some("public") => Scope::Public,
        Some("private") => Scope::Private,
        Some(other) => {
            return Err(bad(format!(
                "scope must be public, private or all, not {other}"
            )));
        }
    };
    let cmd = match req.action.as_str() {
        "drop" => WsCommand::Drop(scope),
        "freeze" => WsCommand::Freeze(scope),
        "unfreeze" => WsCommand::Unfreeze(scope),
        "close_all" => WsCommand::CloseAll(scope),
        "corrupt_book" => WsCommand::CorruptBook(scope),
        "delay" => {
            shared
                .ws_delay_ms
                .store(req.delay_ms.unwrap_or(0), Ordering::SeqCst);
            return Ok(json!({ "delay_ms": req.delay_ms.unwrap_or(0) }));
        }
        other => return Err(bad(format!("unknown action {other}"))),
    };
    // No receiver means no connection: the command has nothing to act on.
    let reached = shared.ws_control.send(cmd).unwrap_or(0);
    Ok(json!({ "action": req.action, "connections": reached }))
}
