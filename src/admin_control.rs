//! The operator's commands on the admin server: `POST /pause`, `/resume`, `/emergency-stop`,
//! `/close/{symbol}` (bearer token when set), and the retired `POST /halt` (410 Gone, naming
//! the endpoints that replace it). Each is handed to the bot's `control_loop` and answered
//! with its [`Reply`](crate::operator::Reply).

use crate::admin::{AdminState, authorised, starting, unauthorised};
use crate::operator::{Command, Control};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::oneshot;

/// The command routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/pause", web::post().to(pause))
        .route("/resume", web::post().to(resume))
        .route("/emergency-stop", web::post().to(emergency_stop))
        .route("/close/{symbol}", web::post().to(close))
        .route("/halt", web::route().to(halt_gone));
}

/// Hands `command` to the bot and answers its reply (503 while starting or stopping).
pub(crate) async fn ask(st: &AdminState, command: Command) -> HttpResponse {
    if st.health.get().is_none() {
        return starting(st);
    }
    let (done, rx) = oneshot::channel();
    let stopping = || {
        HttpResponse::ServiceUnavailable()
            .json(json!({ "error": "the bot is stopping", "code": "stopping" }))
    };
    if st.control.send(Control { command, done }).await.is_err() {
        return stopping();
    }
    match rx.await {
        Ok(r) => HttpResponse::build(
            StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        )
        .json(r.body),
        Err(_) => stopping(),
    }
}

fn bad_body(e: impl std::fmt::Display) -> HttpResponse {
    HttpResponse::BadRequest()
        .json(json!({ "error": format!("bad JSON body: {e}"), "code": "bad_body" }))
}

/// An empty body is `{}`.
fn body<T: for<'de> Deserialize<'de> + Default>(raw: &[u8]) -> Result<T, serde_json::Error> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(raw)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResumeBody {
    #[serde(default)]
    clear_emergency: bool,
}

fn reason(b: ReasonBody, default: &str) -> String {
    let r = b.reason.unwrap_or_else(|| default.into());
    r.chars().take(200).collect()
}

async fn pause(st: web::Data<AdminState>, req: HttpRequest, raw: web::Bytes) -> HttpResponse {
    if !authorised(&st, &req) {
        return unauthorised();
    }
    match body::<ReasonBody>(&raw) {
        Ok(b) => {
            let reason = reason(b, "POST /pause");
            ask(&st, Command::Pause { reason }).await
        }
        Err(e) => bad_body(e),
    }
}

async fn resume(st: web::Data<AdminState>, req: HttpRequest, raw: web::Bytes) -> HttpResponse {
    if !authorised(&st, &req) {
        return unauthorised();
    }
    match body::<ResumeBody>(&raw) {
        Ok(b) => {
            let clear_emergency = b.clear_emergency;
            ask(&st, Command::Resume { clear_emergency }).await
        }
        Err(e) => bad_body(e),
    }
}

async fn emergency_stop(
    st: web::Data<AdminState>,
    req: HttpRequest,
    raw: web::Bytes,
) -> HttpResponse {
    if !authorised(&st, &req) {
        return unauthorised();
    }
    match body::<ReasonBody>(&raw) {
        Ok(b) => {
            let reason = reason(b, "POST /emergency-stop");
            ask(&st, Command::EmergencyStop { reason }).await
        }
        Err(e) => bad_body(e),
    }
}

async fn close(
    st: web::Data<AdminState>,
    req: HttpRequest,
    symbol: web::Path<String>,
) -> HttpResponse {
    if !authorised(&st, &req) {
        return unauthorised();
    }
    let symbol = symbol.into_inner();
    ask(&st, Command::Close { symbol }).await
}

/// `/halt` used to flatten while saying "no new orders": retired, it does nothing now.
async fn halt_gone() -> HttpResponse {
    HttpResponse::Gone().json(json!({
        "error": "POST /halt is retired and did nothing. Use POST /pause (no new entries; positions and their exchange-side TP/SL stay) or POST /emergency-stop (cancel orders, close every position at market, latch); POST /close/{symbol} closes one position",
        "code": "gone",
        "use": ["/pause", "/emergency-stop", "/close/{symbol}", "/resume"],
    }))
}
