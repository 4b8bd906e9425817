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
mod routes;
mod trade;

use crate::error::{ApiError, ApiResult};
use crate::faults::{Fault, FaultKind};
use crate::state::{LogEntry, Shared, lock};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use auth::{AuthHeaders, KeyEntry, Need};
use futures_util::StreamExt;
use limits::Scope;
use params::Params;
use routes::{ROUTES, Route};
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

/// Bitget's envelope, its fields in the order serde_json's maps write them (alphabetical).
#[derive(serde::Serialize)]
struct Envelope<'a> {
    code: &'a str,
    data: &'a Value,
    msg: &'a str,
    #[serde(rename = "requestTime")]
    request_time: i64,
}

/// The success envelope (serialized from a borrow: the data is not copied first).
fn ok_body(now: i64, data: &Value) -> String {
    let e = Envelope {
        code: "00000",
        data,
        msg: "success",
        request_time: now,
    };
    serde_json::to_string(&e).unwrap_or_default()
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
    /// A TP/SL side refusal judged against the prices at arrival (`engine/race.rs`).
    valid_at_arrival: Option<bool>,
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
    // Orders and TP/SL are POSTs: note the market as it stands on arrival, to judge a
    // refusal against it if the market moves before the request is handled.
    let arrival_moves = (route.is_some() && method == "POST").then(|| lock(&shared.engine).moves());
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
    // Parsed once: for the log's clientOid here (requests refused before their parameters are
    // read are attributed too) and for the handler, which reports a parse error in its turn.
    let params = if method == "GET" {
        Params::from_query(&query)
    } else {
        Params::from_body(body.as_ref().map(Vec::as_slice).unwrap_or_default())
    };
    let client_oid = params.as_ref().map(client_oid_of).unwrap_or_default();
    let outcome = match (route, body) {
        (None, _) => Outcome {
            result: Err(ApiError::new("40404", "Request URL NOT FOUND").with_http(404)),
            uid: None,
            applied: false,
            valid_at_arrival: None,
        },
        (Some(rt), _) if rt.get != (method == "GET") => Outcome {
            result: Err(
                ApiError::new("40404", format!("Request method {method} not supported"))
                    .with_http(405),
            ),
            uid: None,
            applied: false,
            valid_at_arrival: None,
        },
        (Some(_), Err(e)) => Outcome {
            result: Err(e),
            uid: None,
            applied: false,
            valid_at_arrival: None,
        },
        (Some(rt), Ok(body)) => {
            let r = Request {
                method: &method,
                path: &path,
                query: &query,
                body: &body,
                params,
                arrival_moves,
            };
            handle(&shared, &req, rt, r, &faults)
        }
    };
    let now = shared.now();
    let (status, text) = match &outcome.result {
        Ok(data) => (200, ok_body(now, data)),
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
            arrived,
            delay_ms: pre_delay,
            valid_at_arrival: outcome.valid_at_arrival,
            raced: outcome.valid_at_arrival == Some(true),
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

/// The request's `clientOid` (or `newClientOid`) for the log.
fn client_oid_of(p: &Params) -> String {
    p.str("clientOid")
        .ok()
        .flatten()
        .or(p.str("newClientOid").ok().flatten())
        .unwrap_or_default()
}

/// What `handle` needs of the request besides its headers.
struct Request<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    body: &'a [u8],
    /// The query (GET) or the JSON body (POST), parsed.
    params: ApiResult<Params>,
    /// The engine's move count when the request arrived (POSTs only).
    arrival_moves: Option<u64>,
}

fn handle(shared: &Shared, req: &HttpRequest, rt: &Route, r: Request, faults: &[Fault]) -> Outcome {
    let Request {
        method,
        path,
        query,
        body,
        params,
        arrival_moves,
    } = r;
    let mut uid = None;
    let mut valid_at_arrival = None;
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
        if method != "GET" {
            let ct = header(req, "content-type").unwrap_or("");
            if !body.is_empty() && !ct.to_ascii_lowercase().contains("application/json") {
                return Err(ApiError::new(
                    "40007",
                    "Invalid Content_Type, please use the application/json format",
                ));
            }
        }
        let params = params?;
        let ctx = Ctx {
            uid: uid.unwrap_or(0),
            now,
            key,
        };
        let mut engine = lock(&shared.engine);
        engine.take_side_refusal();
        let out = (rt.handler)(&mut engine, &ctx, &params);
        valid_at_arrival = judge_side_refusal(&mut engine, &out, arrival_moves);
        shared.publish(&mut engine);
        out
    })();
    let applied = result.is_ok() && !rt.get;
    Outcome {
        result,
        uid,
        applied,
        valid_at_arrival,
    }
}

/// Whether the TP/SL side check that refused the request passed against the prices in force
/// when it arrived (None when it was refused for another reason).
fn judge_side_refusal(
    engine: &mut crate::engine::Engine,
    out: &ApiResult<Value>,
    arrival_moves: Option<u64>,
) -> Option<bool> {
    let check = engine.take_side_refusal()?;
    match out {
        Err(e) if e.code == check.code => engine.side_valid_after(&check, arrival_moves?),
        _ => None,
    }
}
