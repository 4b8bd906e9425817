//! The REST side: one route table (path, method, rate limit and its scope, what the key
//! needs) and one dispatcher that applies faults, authentication, rate limits, the handler
//! and the Bitget envelope, and logs every request.

mod account;
pub mod auth;
pub mod limits;
pub(crate) mod market;
pub mod params;
mod plan;
pub(crate) mod render;
mod trade;

use crate::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::faults::{Fault, FaultKind};
use crate::state::{LogEntry, Shared, lock};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use auth::{AuthHeaders, KeyEntry, Need};
use futures_util::StreamExt;
use limits::Scope;
use params::Params;
use serde_json::{Value, json};
use std::time::Duration;

/// What a handler knows about its request.
pub struct Ctx {
    /// Account (0 for public endpoints).
    pub uid: u64,
    /// Server time, ms.
    pub now: i64,
    /// The authenticated key.
    pub key: Option<KeyEntry>,
}

type Handler = fn(&mut Engine, &Ctx, &Params) -> ApiResult<Value>;

struct Route {
    get: bool,
    path: &'static str,
    per_second: u32,
    need: Need,
    handler: Handler,
}

const fn r(get: bool, path: &'static str, per_second: u32, need: Need, handler: Handler) -> Route {
    Route {
        get,
        path,
        per_second,
        need,
        handler,
    }
}

use Need::{Public, Read, TradeOrders as Orders, TradePositions as Positions};

/// Every endpoint with its documented limit (spec §4).
static ROUTES: &[Route] = &[
    r(true, "/api/v2/public/time", 20, Public, market::time),
    r(
        true,
        "/api/v2/spot/public/coins",
        20,
        Public,
        market::spot_coins,
    ),
    r(
        true,
        "/api/v2/mix/market/contracts",
        20,
        Public,
        market::contracts,
    ),
    r(
        true,
        "/api/v2/mix/market/ticker",
        20,
        Public,
        market::ticker,
    ),
    r(
        true,
        "/api/v2/mix/market/tickers",
        20,
        Public,
        market::tickers,
    ),
    r(
        true,
        "/api/v2/mix/market/symbol-price",
        20,
        Public,
        market::symbol_price,
    ),
    r(
        true,
        "/api/v2/mix/market/candles",
        20,
        Public,
        market::candles,
    ),
    r(
        true,
        "/api/v2/mix/market/history-candles",
        20,
        Public,
        market::candles,
    ),
    r(
        true,
        "/api/v2/mix/market/merge-depth",
        20,
        Public,
        market::merge_depth,
    ),
    r(
        true,
        "/api/v2/mix/market/fills",
        20,
        Public,
        market::public_fills,
    ),
    r(
        true,
        "/api/v2/mix/account/account",
        10,
        Read,
        account::account,
    ),
    r(
        true,
        "/api/v2/mix/account/accounts",
        10,
        Read,
        account::accounts,
    ),
    r(
        false,
        "/api/v2/mix/account/set-leverage",
        5,
        Positions,
        account::set_leverage,
    ),
    r(
        false,
        "/api/v2/mix/account/set-margin-mode",
        5,
        Positions,
        account::set_margin_mode,
    ),
    r(
        false,
        "/api/v2/mix/account/set-position-mode",
        5,
        Positions,
        account::set_position_mode,
    ),
    r(
        true,
        "/api/v2/mix/position/single-position",
        10,
        Read,
        account::single_position,
    ),
    r(
        true,
        "/api/v2/mix/position/all-position",
        5,
        Read,
        account::all_position,
    ),
    r(
        false,
        "/api/v2/mix/order/place-order",
        10,
        Orders,
        trade::place_order,
    ),
    r(
        false,
        "/api/v2/mix/order/batch-place-order",
        5,
        Orders,
        trade::batch_place,
    ),
    r(
        false,
        "/api/v2/mix/order/cancel-order",
        10,
        Orders,
        trade::cancel_order,
    ),
    r(
        false,
        "/api/v2/mix/order/batch-cancel-orders",
        10,
        Orders,
        trade::batch_cancel,
    ),
    r(
        false,
        "/api/v2/mix/order/cancel-all-orders",
        10,
        Orders,
        trade::cancel_all,
    ),
    r(
        false,
        "/api/v2/mix/order/modify-order",
        10,
        Orders,
        trade::modify_order,
    ),
    r(
        false,
        "/api/v2/mix/order/close-positions",
        1,
        Orders,
        trade::close_positions,
    ),
    r(true, "/api/v2/mix/order/detail", 10, Read, trade::detail),
    r(
        true,
        "/api/v2/mix/order/orders-pending",
        10,
        Read,
        trade::orders_pending,
    ),
    r(
        true,
        "/api/v2/mix/order/orders-history",
        10,
        Read,
        trade::orders_history,
    ),
    r(true, "/api/v2/mix/order/fills", 10, Read, trade::fills),
    r(
        true,
        "/api/v2/mix/order/fill-history",
        10,
        Read,
        trade::fills,
    ),
    r(
        false,
        "/api/v2/mix/order/place-tpsl-order",
        10,
        Orders,
        plan::place_tpsl,
    ),
    r(
        false,
        "/api/v2/mix/order/place-pos-tpsl",
        10,
        Orders,
        plan::place_pos_tpsl,
    ),
    r(
        false,
        "/api/v2/mix/order/modify-tpsl-order",
        10,
        Orders,
        plan::modify_tpsl,
    ),
    r(
        false,
        "/api/v2/mix/order/place-plan-order",
        10,
        Orders,
        plan::place_plan,
    ),
    r(
        true,
        "/api/v2/mix/order/orders-plan-pending",
        10,
        Read,
        plan::plans_pending,
    ),
    r(
        false,
        "/api/v2/mix/order/cancel-plan-order",
        10,
        Orders,
        plan::cancel_plan,
    ),
    r(
        true,
        "/api/v2/mix/order/orders-plan-history",
        10,
        Read,
        plan::plans_history,
    ),
    r(
        true,
        "/api/v2/spot/account/info",
        1,
        Read,
        account::key_info,
    ),
];

/// The success envelope.
fn ok_body(now: i64, data: Value) -> String {
    json!({ "code": "00000", "msg": "success", "requestTime": now, "data": data }).to_string()
}

/// The error envelope.
fn err_body(now: i64, e: &ApiError) -> String {
    json!({ "code": e.code, "msg": e.msg, "requestTime": now, "data": Value::Null }).to_string()
}

fn respond(status: u16, body: String) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST))
        .content_type("application/json")
        .body(body)
}

async fn read_body(mut payload: web::Payload, max: usize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::new("40017", "Parameter verification failed: body"))?;
        if body.len() + chunk.len() > max {
            return Err(ApiError::new(
                "40017",
                format!("Parameter verification failed: body larger than {max} bytes"),
            )
            .with_http(413));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

struct Outcome {
    result: ApiResult<Value>,
    uid: Option<u64>,
    applied: bool,
}

/// Serves every `/api/...` request.
pub async fn dispatch(
    req: HttpRequest,
    payload: web::Payload,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let path = req.path().to_string();
    let method = req.method().as_str().to_ascii_uppercase();
    let query = req.query_string().to_string();
    let arrived = shared.now();
    let route = ROUTES.iter().find(|r| r.path == path);
    let faults = if route.is_some() {
        lock(&shared.faults).fire(&path, arrived)
    } else {
        Vec::new()
    };
    let pre_delay: u64 = faults
        .iter()
        .filter(|f| f.kind == FaultKind::Latency)
        .map(|f| f.latency_ms)
        .sum();
    if pre_delay > 0 {
        actix_rt::time::sleep(Duration::from_millis(pre_delay)).await;
    }
    let body = read_body(payload, shared.cfg.max_body_bytes).await;
    let client_oid = client_oid_of(
        &method,
        &query,
        body.as_ref().map(Vec::as_slice).unwrap_or_default(),
    );
    let outcome = match (route, body) {
        (None, _) => Outcome {
            result: Err(ApiError::new("40404", "Request URL NOT FOUND").with_http(404)),
            uid: None,
            applied: false,
        },
        (Some(rt), _) if rt.get != (method == "GET") => Outcome {
            result: Err(
                ApiError::new("40404", format!("Request method {method} not supported"))
                    .with_http(405),
            ),
            uid: None,
            applied: false,
        },
        (Some(_), Err(e)) => Outcome {
            result: Err(e),
            uid: None,
            applied: false,
        },
        (Some(rt), Ok(body)) => handle(&shared, &req, rt, &method, &path, &query, &body, &faults),
    };
    let now = shared.now();
    let (status, text) = match &outcome.result {
        Ok(data) => (200, ok_body(now, data.clone())),
        Err(e) => (e.http, err_body(now, e)),
    };
    let code = match &outcome.result {
        Ok(_) => "00000".to_string(),
        Err(e) => e.code.clone(),
    };
    if let Err(e) = &outcome.result {
        lock(&shared.engine).audit.refused(crate::audit::Refusal {
            ts: now,
            uid: outcome.uid,
            path: path.clone(),
            code: e.code.clone(),
            msg: e.msg.clone(),
            injected: faults.iter().any(|f| f.kind.answers_instead()),
        });
    }
    let lost = faults.iter().any(|f| f.kind.breaks_answer());
    if outcome.result.is_ok()
        && !lost
        && method == "GET"
        && let Some(private) = crate::feeds::Feeds::feed_of(&path)
    {
        lock(&shared.feeds).delivered(private, now);
    }
    shared.log(LogEntry {
        ts: arrived,
        method,
        path,
        query,
        key: header(&req, "ACCESS-KEY").map(mask).unwrap_or_default(),
        uid: outcome.uid,
        client_oid,
        http: status,
        code,
        applied: outcome.applied,
        fault: faults
            .iter()
            .map(|f| f.kind.as_str())
            .collect::<Vec<_>>()
            .join(","),
        delay_ms: pre_delay,
    });
    post_faults(&faults, outcome.result.is_ok(), status, text).await
}

/// Applies faults that act after the request was handled.
async fn post_faults(faults: &[Fault], succeeded: bool, status: u16, text: String) -> HttpResponse {
    if let Some(f) = faults.iter().find(|f| f.kind == FaultKind::DropAfterApply) {
        let ms = if f.latency_ms == 0 {
            10_000
        } else {
            f.latency_ms
        };
        actix_rt::time::sleep(Duration::from_millis(ms)).await;
    }
    if succeeded && faults.iter().any(|f| f.kind == FaultKind::Malformed) {
        let cut = text.len() / 2;
        return respond(200, text.get(..cut).unwrap_or("{").to_string());
    }
    respond(status, text)
}

fn mask(key: &str) -> String {
    let head: String = key.chars().take(6).collect();
    format!("{head}…")
}

/// The request's `clientOid` (or `newClientOid`) for the log, read from the raw request so
/// that requests refused before parsing (faults, auth) are attributed too.
fn client_oid_of(method: &str, query: &str, body: &[u8]) -> String {
    let from = |p: &Params| {
        p.str("clientOid")
            .ok()
            .flatten()
            .or(p.str("newClientOid").ok().flatten())
    };
    let params = if method == "GET" {
        Params::from_query(query).ok()
    } else {
        Params::from_body(body).ok()
    };
    params.as_ref().and_then(from).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn handle(
    shared: &Shared,
    req: &HttpRequest,
    rt: &Route,
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
    faults: &[Fault],
) -> Outcome {
    let mut uid = None;
    let result = (|| {
        let now = shared.now();
        if faults.iter().any(|f| f.kind == FaultKind::Outage) {
            return Err(ApiError::new("503", "Service Unavailable").with_http(503));
        }
        if let Some(f) = faults.iter().find(|f| f.kind == FaultKind::Error) {
            let code = f.code.clone().unwrap_or_else(|| "40015".into());
            return Err(
                ApiError::new(&code, "System is abnormal, please try again later")
                    .with_http(f.http_status.unwrap_or(400)),
            );
        }
        if faults.iter().any(|f| f.kind == FaultKind::RateLimit) {
            return Err(ApiError::rate_limited());
        }
        let peer = req.peer_addr().map(|a| a.ip());
        let b = &shared.cfg.behaviour;
        if let Some(ip) = peer
            && !lock(&shared.limiter).admit_ip(
                ip,
                b.global_ip_limit_per_min,
                b.ip_lockout_secs as i64 * 1000,
                now,
            )
        {
            return Err(ApiError::rate_limited());
        }
        let demo = header(req, "paptrading").is_some_and(|v| v.trim() == "1");
        let key = if rt.need == Need::Public {
            None
        } else {
            let h = AuthHeaders {
                key: header(req, "ACCESS-KEY"),
                sign: header(req, "ACCESS-SIGN"),
                timestamp: header(req, "ACCESS-TIMESTAMP"),
                passphrase: header(req, "ACCESS-PASSPHRASE"),
                demo,
            };
            let entry = auth::authenticate(
                &shared.keys,
                &h,
                method,
                path,
                query,
                body,
                now,
                &b.passphrase_error_code,
            )?;
            uid = Some(entry.uid);
            auth::authorize(entry, peer, demo, rt.need)?;
            Some(entry.clone())
        };
        let scope = match (&key, peer) {
            (Some(k), _) => Some(Scope::Uid(k.uid)),
            (None, Some(ip)) => Some(Scope::Ip(ip)),
            (None, None) => None,
        };
        if shared.cfg.rate_limits
            && let Some(scope) = scope
            && !lock(&shared.limiter).admit(rt.path, scope, rt.per_second, now)
        {
            return Err(ApiError::rate_limited());
        }
        let params = if method == "GET" {
            Params::from_query(query)?
        } else {
            let ct = header(req, "content-type").unwrap_or("");
            if !body.is_empty() && !ct.to_ascii_lowercase().contains("application/json") {
                return Err(ApiError::new(
                    "40007",
                    "Invalid Content_Type, please use the application/json format",
                ));
            }
            Params::from_body(body)?
        };
        let ctx = Ctx {
            uid: uid.unwrap_or(0),
            now,
            key,
        };
        let mut engine = lock(&shared.engine);
        let out = (rt.handler)(&mut engine, &ctx, &params);
        shared.publish(&mut engine);
        out
    })();
    let applied = result.is_ok() && !rt.get;
    Outcome {
        result,
        uid,
        applied,
    }
}
