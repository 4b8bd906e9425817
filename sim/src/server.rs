//! Starting and stopping a simulator: binds the listener (port 0 picks a free one), serves
//! REST and the control plane, and runs the market ticker.

use crate::config::SimConfig;
use crate::state::Shared;
use crate::{control, rest, ws};
use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// A running simulator.
pub struct SimHandle {
    /// The bound address.
    pub addr: SocketAddr,
    /// REST base URL, e.g. `http://127.0.0.1:PORT`.
    pub rest_url: String,
    /// Control plane base URL (`rest_url` + `/sim/v1`).
    pub control_url: String,
    /// Public WebSocket URL.
    pub ws_public_url: String,
    /// Private WebSocket URL.
    pub ws_private_url: String,
    server: ServerHandle,
    ticker: Option<actix_rt::task::JoinHandle<()>>,
    scheduler: actix_rt::task::JoinHandle<()>,
    shared: Arc<Shared>,
}

impl SimHandle {
    /// Stops serving and ticking.
    pub async fn stop(self) {
        if let Some(t) = &self.ticker {
            t.abort();
        }
        self.scheduler.abort();
        self.server.stop(true).await;
    }

    /// The shared state, for in-process embedding (the bot's paper mode reads it directly
    /// only for summaries; tests go through HTTP).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

/// Installs a fault plan on a running simulator (what `POST /sim/v1/faults` does).
pub fn install_faults(sim: &SimHandle, plan: crate::faults::FaultPlan) -> Result<(), String> {
    let now = sim.shared.now();
    crate::state::lock(&sim.shared.faults).add(plan.faults, now)
}

/// Starts a simulator on `addr`. Must run inside an actix System (e.g. `#[actix_rt::test]`).
pub async fn start(config: SimConfig, addr: SocketAddr) -> std::io::Result<SimHandle> {
    config
        .validate()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    let listener = std::net::TcpListener::bind(addr)?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared::new(config));
    let data = web::Data::from(shared.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(1 << 20))
            .service(web::resource("/sim/v1/{tail:.*}").to(control::handle))
            .route("/v2/ws/public", web::get().to(ws::public))
            .route("/v2/ws/private", web::get().to(ws::private))
            .default_service(web::to(rest::dispatch))
    })
    .workers(2)
    .disable_signals()
    // Stopping must not wait for clients' open WebSockets (actix's default is 30 s).
    .shutdown_timeout(1)
    .listen(listener)?
    .run();
    let handle = server.handle();
    actix_rt::spawn(server);
    let ticker = shared.cfg.auto_tick.then(|| {
        let s = shared.clone();
        let every = Duration::from_millis(s.cfg.tick_ms);
        actix_rt::spawn(async move {
            let mut iv = actix_rt::time::interval(every);
            iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                iv.tick().await;
                if !s.paused.load(std::sync::atomic::Ordering::SeqCst) {
                    s.tick(1);
                }
            }
        })
    });
    let scheduler = {
        let s = shared.clone();
        actix_rt::spawn(async move {
            let mut iv = actix_rt::time::interval(Duration::from_millis(50));
            iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                iv.tick().await;
                s.fault_tick();
            }
        })
    };
    let host = match addr {
        SocketAddr::V6(_) => format!("[{}]:{}", addr.ip(), addr.port()),
        SocketAddr::V4(_) => addr.to_string(),
    };
    Ok(SimHandle {
        addr,
        rest_url: format!("http://{host}"),
        control_url: format!("http://{host}/sim/v1"),
        ws_public_url: format!("ws://{host}/v2/ws/public"),
        ws_private_url: format!("ws://{host}/v2/ws/private"),
        server: handle,
        ticker,
        scheduler,
        shared,
    })
}
