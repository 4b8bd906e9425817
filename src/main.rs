//! The `viper` command: `paper` (the bot on the embedded simulator), `run` (the bot against
//! Bitget live, demo, or a standalone simulator) and `sim` (the simulator alone).

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use viper::config::BotConfig;
use viper::system;
use viper_bitget::Credentials;

/// Viper: a Bitget USDT-M perpetual futures trading bot and its exchange simulator.
#[derive(Parser, Debug)]
#[command(name = "viper", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the bot against the embedded simulator on loopback.
    Paper {
        /// Bot config (TOML); defaults apply when absent.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Stop after this long (e.g. 60s, 10m); runs until Ctrl-C when absent.
        #[arg(long, value_parser = humantime::parse_duration)]
        duration: Option<Duration>,
        /// Market-time speed factor of the simulator.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Seed of the simulator's prices.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Run the bot against Bitget (live or demo) or a standalone `viper sim`.
    Run {
        /// Bot config (TOML).
        #[arg(long)]
        config: PathBuf,
        /// REST base URL, e.g. a `viper sim` at http://127.0.0.1:PORT (overrides the config).
        #[arg(long)]
        exchange_url: Option<String>,
        /// Stop after this long; runs until Ctrl-C when absent.
        #[arg(long, value_parser = humantime::parse_duration)]
        duration: Option<Duration>,
    },
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
    // Exactly one TLS provider (ring): awc's https needs it installed before any client.
    let _ = rustls::crypto::ring::default_provider().install_default();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Paper {
            config,
            duration,
            speed,
            seed,
        } => run_paper(config, duration, speed, seed),
        Command::Run {
            config,
            exchange_url,
            duration,
        } => run_live(config, exchange_url, duration),
        Command::Sim {
            listen,
            config,
            seed,
            speed,
        } => run_sim(listen, config, seed, speed),
    }
}

fn load_config(path: Option<&PathBuf>) -> anyhow::Result<BotConfig> {
    Ok(match path {
        Some(p) => BotConfig::load(p)?,
        None => BotConfig::default(),
    })
}

fn run_paper(
    config: Option<PathBuf>,
    duration: Option<Duration>,
    speed: f64,
    seed: u64,
) -> anyhow::Result<()> {
    let mut cfg = load_config(config.as_ref())?;
    // The embedded exchange starts empty every run, so paper keeps its own journal and
    // starts it afresh: last run's orders do not exist on this exchange.
    cfg.data_dir = cfg.data_dir.join("paper");
    for f in ["journal.db", "journal.db-wal", "journal.db-shm"] {
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
        let creds = Credentials::new(
            viper_sim::DEFAULT_API_KEY,
            viper_sim::DEFAULT_API_SECRET,
            viper_sim::DEFAULT_PASSPHRASE,
        );
        let ep = system::Endpoint {
            rest_url: sim.rest_url.clone(),
            demo: false,
            credentials: creds,
        };
        let result = run_bot(&cfg, ep, duration).await;
        sim.stop().await;
        result
    })
}

fn credentials_from_env() -> anyhow::Result<Credentials> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let (key, secret, pass) = (
        get("BITGET_API_KEY"),
        get("BITGET_API_SECRET"),
        get("BITGET_API_PASSPHRASE"),
    );
    let missing: Vec<&str> = [
        ("BITGET_API_KEY", &key),
        ("BITGET_API_SECRET", &secret),
        ("BITGET_API_PASSPHRASE", &pass),
    ]
    .iter()
    .filter(|(_, v)| v.is_none())
    .map(|(k, _)| *k)
    .collect();
    match (key, secret, pass) {
        (Some(k), Some(s), Some(p)) => Ok(Credentials::new(k, s, p)),
        _ => anyhow::bail!(
            "credentials come from the environment only; missing or empty: {}",
            missing.join(", ")
        ),
    }
}

fn run_live(
    config: PathBuf,
    exchange_url: Option<String>,
    duration: Option<Duration>,
) -> anyhow::Result<()> {
    let cfg = BotConfig::load(&config)?;
    let credentials = credentials_from_env()?;
    let rest_url = exchange_url
        .or_else(|| Some(cfg.exchange.rest_url.clone()).filter(|u| !u.is_empty()))
        .unwrap_or_else(|| viper_bitget::rest::LIVE_BASE_URL.to_string());
    let ep = system::Endpoint {
        rest_url,
        demo: cfg.mode == "demo",
        credentials,
    };
    actix_rt::System::new().block_on(run_bot(&cfg, ep, duration))
}

async fn wait_for_stop(duration: Option<Duration>) {
    let sleep = async {
        match duration {
            Some(d) => actix_rt::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    #[cfg(unix)]
    let term = async {
        match actix_rt::signal::unix::signal(actix_rt::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = sleep => tracing::info!("duration reached; stopping"),
        _ = actix_rt::signal::ctrl_c() => tracing::info!("Ctrl-C; stopping"),
        _ = term => tracing::info!("SIGTERM; stopping"),
    }
}

async fn run_bot(
    cfg: &BotConfig,
    ep: system::Endpoint,
    duration: Option<Duration>,
) -> anyhow::Result<()> {
    let bot = system::start(cfg, ep).await.context("starting the bot")?;
    wait_for_stop(duration).await;
    system::stop(&bot).await?;
    print_summary(&bot).await
}

async fn print_summary(bot: &system::Bot) -> anyhow::Result<()> {
    use viper_actors::health_monitor::GetHealth;
    use viper_actors::order_router::JournalCounts;
    use viper_actors::trader::GetTraderStats;
    let counts = bot.router.send(JournalCounts).await??;
    let stats = bot.trader.send(GetTraderStats).await?;
    let guard = bot.guard.send(viper_actors::guard::GetGuardStats).await?;
    let health = bot.health.send(GetHealth).await?;
    let fills = bot
        .rest
        .fills(&Default::default())
        .await
        .map(|f| f.fill_list.len())
        .unwrap_or(0);
    let now = viper_actors::account_sync::read_account(&bot.rest)
        .await
        .ok();
    println!("viper summary");
    println!(
        "  uptime:            {:.0}s (market data fresh {:.1}% of checks)",
        health.uptime.as_secs_f64(),
        health.market_uptime * 100.0
    );
    println!(
        "  intents:           {} ({} refused by risk, {} sent, {} failed)",
        stats.intents, stats.refused, stats.placed, stats.failed
    );
    let phases: Vec<String> = counts.iter().map(|(p, n)| format!("{p} {n}")).collect();
    println!(
        "  orders by phase:   {}",
        if phases.is_empty() {
            "none".into()
        } else {
            phases.join(", ")
        }
    );
    println!("  fills:             {fills}");
    println!(
        "  stop-loss guard:   {} placed, {} closed, {} failures",
        guard.placed, guard.closed, guard.failures
    );
    println!(
        "  actor restarts:    {}",
        health.restarts.values().sum::<u32>()
    );
    println!("  reconnects:        0 (REST polling)");
    match now {
        Some(s) => println!(
            "  equity:            {} USDT (PnL {} USDT, {} positions open, each with its exchange stop-loss left in place)",
            s.equity,
            s.equity - bot.start_equity,
            s.positions.len()
        ),
        None => println!("  equity:            unavailable (the final account read failed)"),
    }
    Ok(())
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
    actix_rt::System::new().block_on(async move {
        let sim = viper_sim::start(cfg, listen)
            .await
            .context("starting the simulator")?;
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
