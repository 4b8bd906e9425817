//! The `viper` command: `viper sim` runs the Bitget-compatible exchange simulator standalone.
//! (The bot's own commands — paper, run, check, status — arrive with their issues.)

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Viper: a Bitget USDT-M perpetual futures trading bot and its exchange simulator.
#[derive(Parser, Debug)]
#[command(name = "viper", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the Bitget V2 compatible exchange simulator on loopback.
    Sim {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Simulator config (TOML); defaults apply when absent.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Seed of the price processes (overrides the config).
        #[arg(long)]
        seed: Option<u64>,
        /// Market-time speed factor (overrides the config).
        #[arg(long)]
        speed: Option<f64>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Sim {
            listen,
            config,
            seed,
            speed,
        } => run_sim(listen, config, seed, speed),
    }
}

fn run_sim(
    listen: SocketAddr,
    config: Option<PathBuf>,
    seed: Option<u64>,
    speed: Option<f64>,
) -> anyhow::Result<()> {
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
    let system = actix_rt::System::new();
    system.block_on(async move {
        let sim = viper_sim::start(cfg, listen)
            .await
            .context("starting the simulator")?;
        println!("viper sim listening");
        println!("  REST:          {}", sim.rest_url);
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
