//! `GET /api/v1/trades[?since=24h]` on the admin server: the journal's closed trades as JSON,
//! read through a read-only connection (the bot keeps writing). Same rule as the other
//! admin endpoints: loopback, and the bearer token when one is configured.

use crate::admin::{AdminState, authorised, unauthorised};
use crate::trades::{Since, load, now_ms, parse_since};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_decimal::Decimal;
use serde_json::json;

/// Query of `/api/v1/trades`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TradesQuery {
    /// `90m`, `24h`, `7d` or `all` (default 24h).
    since: Option<String>,
}

/// Serves `GET /api/v1/trades`.
pub async fn trades(
    st: web::Data<AdminState>,
    req: HttpRequest,
    q: Result<web::Query<TradesQuery>, actix_web::Error>,
) -> HttpResponse {
    if !authorised(&st, &req) {
        return unauthorised();
    }
    let Ok(q) = q else {
        return HttpResponse::BadRequest()
            .json(json!({ "error": "the only parameter is since (e.g. since=24h)" }));
    };
    let since = match q
        .since
        .as_deref()
        .map(parse_since)
        .unwrap_or(Ok(Since::Ago(std::time::Duration::from_secs(86_400))))
    {
        Ok(s) => s,
        Err(e) => {
            return HttpResponse::BadRequest().json(json!({ "error": format!("since: {e}") }));
        }
    };
    let Some(dir) = st.trades_dir.clone() else {
        return HttpResponse::ServiceUnavailable()
            .json(json!({ "error": "no journal in this process" }));
    };
    let since_ms = since.start_ms(now_ms());
    match web::block(move || load(&dir, since)).await {
        Ok(Ok(list)) => {
            let sum = |f: fn(&viper_actors::trade_log::Trade) -> Decimal| {
                list.iter().map(f).sum::<Decimal>()
            };
            let (pnl, fees, net) = (sum(|t| t.realised_pnl), sum(|t| t.fees), sum(|t| t.net_pnl));
            HttpResponse::Ok().json(json!({
                "since_ms": since_ms,
                "count": list.len(),
                "realised_pnl": pnl,
                "fees": fees,
                "net_pnl": net,
                "trades": list,
            }))
        }
        Ok(Err(e)) => {
            HttpResponse::InternalServerError().json(json!({ "error": format!("{e:#}") }))
        }
        Err(e) => HttpResponse::InternalServerError().json(json!({ "error": e.to_string() })),
    }
}
