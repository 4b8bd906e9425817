//! The commands that run the embedded simulator: `paper` (the bot on it, on synthetic or
//! live prices) and `sim` (the simulator alone).

use crate::{bind_admin, bot_run, load_config};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use viper::endpoint::Endpoint;

pub fn run_paper(
    config: Option<PathBuf>,
    duration: Option<Duration>,
    speed: f64,
    seed: u64,
    live_market: Option<(String, Duration)>,
) -> anyhow::Result<()> {
    let mut cfg = load_config(config.as_ref())?;
    let admin = bind_admin(&cfg)?;
    // The embedded exchange starts empty every run, so paper keeps its own journal (and
    // history) and starts them afresh: last run's orders do not exist on this exchange.
    cfg.data_dir = cfg.data_dir.join("paper");
    cfg.mode = "paper".into();
    for f in [
        "journal.db",
        "journal.db-wal",
        "journal.db-shm",
        "history.db",
        "history.db-wal",
        "history.db-shm",
    ] {
        let _ = std::fs::remove_file(cfg.data_dir.join(f));
    }
    let sim_cfg = viper_sim::SimConfig {
        seed,
        speed,
        ..viper_sim::SimConfig::default()
    };
    actix_rt::System::new().block_on(async move {
        let sim = viper_sim::start(sim_cfg, "127.0.0.1:0".parse()?)
            .await
            .context("starting the embedded simulator")?;
        println!("viper paper: embedded simulator");
        println!("  REST:          {}", sim.rest_url);
        println!("  WS public:     {}", sim.ws_public_url);
        println!("  WS private:    {}", sim.ws_private_url);
        println!("  control plane: {}", sim.control_url);
        let feed = match &live_market {
            Some((url, within)) => {
                println!("  market:        live prices from {url}");
                let started =
                    viper::live_market::start(sim.shared().clone(), url, &cfg.symbols, *within)
                        .await;
                match started {
                    Ok(feed) => Some(feed),
                    Err(e) => {
                        sim.stop().await;
                        return Err(e);
                    }
                }
            }
            None => {
                println!(
                    "  market:        synthetic (seeded random walk, seed {seed}, speed {speed}x)"
                );
                None
            }
        };
        let ep = Endpoint::simulator(&sim.rest_url);
        let market = match &live_market {
            Some((url, _)) => viper::banner::Market::Live { url: url.clone() },
            None => viper::banner::Market::Synthetic { seed, speed },
        };
        let result = bot_run::run_bot(&cfg, ep, market, duration, admin).await;
        if let Some(f) = feed {
            f.stop();
        }
        sim.stop().await;
        result
    })
}

pub fn run_sim(
    listen: SocketAddr,
    config: Option<PathBuf>,
    seed: Option<u64>,
    speed: Option<f64>,
    faults: Option<PathBuf>,
) -> anyhow::Result<()> {
    let plan = faults
        .as_deref()
        .map(viper_sim::faults::FaultPlan::load)
        .transpose()?;
    if !listen.ip().is_loopback() {
        tracing::warn!(%listen, "the simulator is listening beyond loopback");
    }
    let mut cfg = match &config {
        Some(path) => viper_sim::SimConfig::load(path)?,
        None => viper_sim::SimConfig::default(),
    };
    cfg.seed = seed.unwrap_or(cfg.seed);
    cfg.speed = speed.unwrap_or(cfg.speed);
    let default_creds = config.is_none();
    actix_rt::System::new().block_on(async move {
        let sim = viper_sim::start(cfg, listen)
            .await
            .context("starting the simulator")?;
        if let Some(plan) = plan {
            let n = plan.faults.len();
            viper_sim::install_faults(&sim, plan).map_err(anyhow::Error::msg)?;
            println!("  fault plan:    {n} rules");
        }
        println!("viper sim listening");
        println!("  REST:          {}", sim.rest_url);
        println!("  WS public:     {}", sim.ws_public_url);
        println!("  WS private:    {}", sim.ws_private_url);
        println!("  control plane: {}", sim.control_url);
        if default_creds {
            println!("  default account credentials (simulator only):");
            println!("    BITGET_API_KEY={}", viper_sim::DEFAULT_API_KEY);
            println!("    BITGET_API_SECRET={}", viper_sim::DEFAULT_API_SECRET);
            println!(
                "    BITGET_API_PASSPHRASE={}",
                viper_sim::DEFAULT_PASSPHRASE
            );
        }
        println!("Ctrl-C to stop.");
        actix_rt::signal::ctrl_c()
            .await
            .context("waiting for Ctrl-C")?;
        sim.stop().await;
        println!("viper sim stopped");
        anyhow::Ok(())
    })
}
