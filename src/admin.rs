//! The admin HTTP server: `GET /metrics` (Prometheus text), `GET /health` (liveness:
//! "starting" with the step during start-up recovery, then "ok"), `GET /ready` (the
//! HealthMonitor's verdict as JSON; 503 unless live), the operator's commands (`POST /pause`,
//! `/resume`, `/emergency-stop`, `/close/{symbol}`; `/halt` is retired: 410) in
//! `admin_control`, and the read-only holdings (`GET /api/v1/summary`, `/positions`,
//! `/orders`) in `admin_api`. Commands and `/api/v1` need the bearer token when
//! `VIPER_ADMIN_TOKEN` is set.
//!
//! The listener is bound before anything else starts, so a port in use fails the start
//! cleanly, and serves from the beginning of start-up recovery. actix-web serves on its own
//! worker thread; commands travel over a channel to [`control_loop`], which runs beside the
//! bot and executes them (`operator`).

use crate::config::AdminConfig;
use crate::system::Bot;
use actix::Addr;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context as _;
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use viper_actors::health_monitor::{GetHealth, HealthMonitor, HealthReport, Verdict};

use crate::operator::{BotInfo, Control, Handles};
use crate::startup::Progress;

pub use crate::admin_metrics::{
    describe_metrics, install_recorder, refresh_gauges, register_series,
};

/// A bound, not yet serving, admin listener.
#[derive(Debug)]
pub struct AdminListener {
    listener: TcpListener,
    /// The address actually bound (port 0 resolved).
    pub addr: SocketAddr,
}

/// Binds `admin.listen`; `Ok(None)` when the admin server is disabled.
pub fn bind(cfg: &AdminConfig) -> anyhow::Result<Option<AdminListener>> {
    if !cfg.enabled {
        return Ok(None);
    }
    let want: SocketAddr = cfg
        .listen
        .parse()
        .with_context(|| format!("admin.listen: not a host:port address: {:?}", cfg.listen))?;
    let listener = TcpListener::bind(want).map_err(|e| {
        anyhow::anyhow!(
            "admin.listen {want}: cannot listen ({e}); is another viper running? Stop it, or set admin.listen (VIPER_ADMIN__LISTEN) to a free port"
        )
    })?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    Ok(Some(AdminListener { listener, addr }))
}

/// What every request handler can reach (all `Send`: actix-web runs its own thread).
#[derive(Clone)]
pub struct AdminState {
    /// The health monitor, set once start-up recovery completed.
    pub health: Arc<OnceLock<Addr<HealthMonitor>>>,
    /// The start-up step in progress.
    pub progress: Progress,
    /// Operator commands and holdings queries towards the bot.
    pub control: mpsc::Sender<Control>,
    /// The Prometheus recorder's handle (`None`: no recorder installed in this process).
    pub metrics: Option<PrometheusHandle>,
    /// Bearer token required by `POST` endpoints and `/api/v1/…`.
    pub token: Option<String>,
    /// Directory of the journal `/api/v1/trades` reads (None: not served).
    pub trades_dir: Option<std::path::PathBuf>,
}

/// Starts serving on `listener`; the returned server runs until stopped.
pub fn serve(listener: AdminListener, state: AdminState) -> anyhow::Result<actix_web::dev::Server> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap_fn(|req, srv| {
                use actix_web::dev::Service as _;
                let path = path_label(req.path());
                let started = Instant::now();
                let fut = srv.call(req);
                async move {
                    let res = fut.await?;
                    let status = res.status().as_u16().to_string();
                    metrics::counter!("viper_admin_requests_total", "path" => path, "status" => status)
                        .increment(1);
                    metrics::histogram!("viper_admin_request_duration_seconds", "path" => path)
                        .record(started.elapsed().as_secs_f64());
                    Ok(res)
                }
            })
            .route("/metrics", web::get().to(metrics_text))
            .route("/health", web::get().to(health))
            .route("/ready", web::get().to(ready))
            .configure(crate::admin_control::routes)
            .configure(crate::admin_api::routes)
            .route("/api/v1/trades", web::get().to(crate::admin_trades::trades))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener.listener)
    .context("admin server")?
    .run();
    Ok(server)
}

async fn metrics_text(st: web::Data<AdminState>) -> HttpResponse {
    match &st.metrics {
        Some(h) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(h.render()),
        None => HttpResponse::ServiceUnavailable().body("no metrics recorder in this process\n"),
    }
}

async fn health(st: web::Data<AdminState>) -> HttpResponse {
    match (st.health.get(), st.progress.current()) {
        (None, step) => HttpResponse::Ok().json(json!({
            "status": "starting",
            "step": step.unwrap_or_else(|| "starting".into()),
        })),
        (Some(_), _) => HttpResponse::Ok().json(json!({ "status": "ok" })),
    }
}

/// 503 while start-up recovery runs, naming the step.
pub(crate) fn starting(st: &AdminState) -> HttpResponse {
    let step = st.progress.current().unwrap_or_else(|| "starting".into());
    HttpResponse::ServiceUnavailable().json(json!({
        "verdict": "starting",
        "reasons": [format!("starting: {step}")],
        "trading": "halted",
        "error": format!("the bot is starting: {step}"),
    }))
}

/// The `/ready` document.
pub fn ready_json(r: &HealthReport) -> serde_json::Value {
    let secs = |d: Option<Duration>| d.map(|d| (d.as_secs_f64() * 1000.0).round() / 1000.0);
    json!({
        "verdict": r.verdict.as_str(),
        "reasons": r.reasons,
        "trading": r.trading.as_str(),
        "market_data_age_secs": secs(r.market_age),
        "account_data_age_secs": secs(r.account_age),
        "heartbeat_age_secs": r.heartbeats.iter().map(|(k, v)| (k.to_string(), json!(secs(Some(*v))))).collect::<serde_json::Map<_, _>>(),
        "restarts": r.restarts,
        "uptime_secs": r.uptime.as_secs(),
        "market_uptime_ratio": r.market_uptime,
        "data_uptime_ratio": r.data_uptime,
        "connections": r.connections.iter().map(|(k, c)| (k.to_string(), json!({
            "connected": c.connected,
            "reconnects": c.reconnects,
            "uptime_ratio": c.uptime,
            "message_age_secs": secs(c.message_age),
        }))).collect::<serde_json::Map<_, _>>(),
        "slow_endpoints": r.slow_endpoints.iter().map(|(ep, d)| json!({"endpoint": ep, "secs": d.as_secs_f64()})).collect::<Vec<_>>(),
    })
}

async fn ready(st: web::Data<AdminState>) -> HttpResponse {
    let Some(health) = st.health.get() else {
        return starting(&st);
    };
    match health.send(GetHealth).await {
        Ok(r) => {
            let code = if r.verdict == Verdict::Live {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            HttpResponse::build(code).json(ready_json(&r))
        }
        Err(e) => HttpResponse::ServiceUnavailable()
            .json(json!({ "verdict": "down", "reasons": [format!("health monitor: {e}")] })),
    }
}

/// True when the request carries the configured bearer token (or none is configured).
pub(crate) fn authorised(st: &AdminState, req: &HttpRequest) -> bool {
    let Some(want) = &st.token else { return true };
    let got = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Length and bytes compared without an early exit.
    let (a, b) = (want.as_bytes(), got.as_bytes());
    let diff = a
        .iter()
        .zip(b.iter().cycle())
        .fold(u8::from(a.len() != b.len()), |d, (x, y)| d | (x ^ y));
    !b.is_empty() && diff == 0
}

/// 401 naming the token's source.
pub(crate) fn unauthorised() -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header(("WWW-Authenticate", "Bearer"))
        .json(json!({ "error": "missing or wrong bearer token (VIPER_ADMIN_TOKEN)" }))
}

/// The metric label of a request path (bounded: unknown paths are "other").
fn path_label(path: &str) -> &'static str {
    match path {
        "/metrics" => "/metrics",
        "/health" => "/health",
        "/ready" => "/ready",
        "/halt" => "/halt",
        "/pause" => "/pause",
        "/resume" => "/resume",
        "/emergency-stop" => "/emergency-stop",
        "/api/v1/summary" => "/api/v1/summary",
        "/api/v1/positions" => "/api/v1/positions",
        "/api/v1/orders" => "/api/v1/orders",
        "/api/v1/trades" => "/api/v1/trades",
        p if p.starts_with("/close/") => "/close",
        _ => "other",
    }
}

/// Runs beside the bot until the channel closes: executes operator commands (each on its own
/// task, so a close waiting for the exchange holds nothing else up) and refreshes the gauges
/// derived from the actors (and the recorder's upkeep) every second.
pub async fn control_loop(
    bot: &Bot,
    info: BotInfo,
    mut rx: mpsc::Receiver<Control>,
    metrics: Option<PrometheusHandle>,
) {
    let handles = Handles::new(bot, info);
    // On the process's shared grid: it wakes with the actors' once-a-second timers.
    let second = Duration::from_secs(1);
    let mut tick = actix_rt::time::interval_at(
        viper_bitget::timer_grid::next_tick(tokio::time::Instant::now(), second),
        second,
    );
    let mut phases = std::collections::BTreeSet::new();
    let watchdog = crate::service::watchdog_period().is_some();
    loop {
        tokio::select! {
            cmd = rx.recv() => match cmd {
                None => return,
                Some(Control { command, done }) => {
                    let h = handles.clone();
                    actix_rt::spawn(async move {
                        let _ = done.send(h.execute(command).await);
                    });
                }
            },
            _ = tick.tick() => {
                // The watchdog is fed only while the HealthMonitor answers.
                if refresh_gauges(bot, &mut phases).await && watchdog {
                    crate::service::watchdog();
                }
                if let Some(h) = &metrics {
                    h.run_upkeep();
                }
            }
        }
    }
}
