//! `viper paper --market live`: the embedded simulator's prices follow Bitget's public
//! `ticker` channel (no keys), so a dry run sees real market moves while every order, fill,
//! TP/SL and liquidation keeps the simulator's exact exchange semantics. The synthetic random
//! walk is held; each ticker push moves the symbol's last and mark price. Start-up waits for a
//! first price of every symbol and fails with one clear error if none comes.

use anyhow::{Context, bail};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use viper_bitget::ws::{PushData, SubArg, WsClient, WsConfig, WsEvent, WsHandle};
use viper_sim::state::Shared;

/// Where paper mode's prices come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MarketSource {
    /// The simulator's seeded random walk (reproducible; the default).
    Synthetic,
    /// Bitget's public WebSocket tickers (real prices, no keys).
    Live,
}

/// The running feed; dropping it stops the connection.
pub struct LiveMarket {
    handle: WsHandle,
    task: actix_rt::task::JoinHandle<()>,
}

impl LiveMarket {
    /// Stops the connection and the pump.
    pub fn stop(self) {
        self.handle.shutdown();
        self.task.abort();
    }
}

/// Subscribes to `symbols`' tickers at `url` (a Bitget public WebSocket URL), holds the
/// simulator's random walk, waits until every symbol has had a price (at most `within`), then
/// keeps moving the simulator's prices in the background.
pub async fn start(
    sim: Arc<Shared>,
    url: &str,
    symbols: &[String],
    within: Duration,
) -> anyhow::Result<LiveMarket> {
    let listed: BTreeSet<String> = sim.symbols().into_iter().collect();
    if let Some(s) = symbols.iter().find(|s| !listed.contains(*s)) {
        bail!("--market live: the embedded simulator does not list {s}");
    }
    let subs = symbols.iter().map(|s| SubArg::ticker(s)).collect();
    let (handle, mut rx) = WsClient::start(WsConfig::custom(url, url), subs, None)
        .context("--market live: cannot start the market WebSocket")?;
    sim.hold_synthetic_market(true);
    let mut waiting: BTreeSet<String> = symbols.iter().cloned().collect();
    let mut lost = false;
    let first = tokio::time::timeout(within, async {
        while !waiting.is_empty() {
            let Some(ev) = rx.recv().await else { break };
            for s in apply(&sim, ev, &mut lost) {
                waiting.remove(&s);
            }
        }
    })
    .await;
    if first.is_err() || !waiting.is_empty() {
        handle.shutdown();
        sim.hold_synthetic_market(false);
        let missing: Vec<&str> = waiting.iter().map(String::as_str).collect();
        bail!(
            "--market live: no price from {url} within {}s for {} (is the market WebSocket reachable?)",
            within.as_secs(),
            missing.join(", ")
        );
    }
    tracing::info!(
        url,
        symbols = symbols.len(),
        "paper prices follow the live market"
    );
    let task = actix_rt::spawn(pump(sim, rx));
    Ok(LiveMarket { handle, task })
}

async fn pump(sim: Arc<Shared>, mut rx: mpsc::Receiver<WsEvent>) {
    let mut lost = false;
    while let Some(ev) = rx.recv().await {
        apply(&sim, ev, &mut lost);
    }
}

/// Applies one event; returns the symbols whose price moved. `lost` remembers an outage, so
/// it is logged once rather than on every failed reconnect attempt.
fn apply(sim: &Shared, ev: WsEvent, lost: &mut bool) -> Vec<String> {
    match ev {
        WsEvent::Push(p) => match p.data {
            PushData::Ticker(ts) => ts
                .into_iter()
                .filter_map(|t| {
                    let mark = t.mark_price.map(|m| m.0);
                    match sim.set_price(&t.inst_id, t.last_pr.0, mark) {
                        Ok(()) => Some(t.inst_id),
                        Err(e) => {
                            tracing::warn!(error = %e, "live market price not applied");
                            None
                        }
                    }
                })
                .collect(),
            _ => Vec::new(),
        },
        WsEvent::Disconnected { reason, .. } => {
            if std::mem::replace(lost, true) {
                tracing::debug!(%reason, "live market feed still down");
            } else {
                tracing::warn!(%reason, "live market feed lost; paper prices hold still until it returns");
            }
            Vec::new()
        }
        WsEvent::Reconnected { .. } => {
            *lost = false;
            tracing::info!("live market feed back");
            Vec::new()
        }
        _ => Vec::new(),
    }
}
