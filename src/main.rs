//! The `viper` command: `paper` (the bot on the embedded simulator), `run` (the bot against
//! Bitget live, demo, or a standalone simulator), `sim` (the simulator alone), `check` (every
//! endpoint and the key), `status` (a running bot's admin server), the operator's `pause`,
//! `resume`, `close` and `emergency-stop` (`cli_control`), `trades` (the trade history in the
//! journal) and `config check`.

mod bot_run;
mod local_exchange;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use viper::admin;
use viper::config::BotConfig;
use viper::endpoint::Endpoint;
use viper::live_market::MarketSource;
use viper::logging::LogFormat;

/// Viper: a Bitget USDT-M perpetual futures trading bot and its exchange simulator.
#[derive(Parser, Debug)]
#[command(name = "viper", version, about)]
struct Cli {
    /// Log format on stderr: text (human) or json (one object per line, for log shippers).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// The environment `viper run` reads (`--help`).
const RUN_ENV_HELP: &str = "Environment:
  BITGET_API_KEY, BITGET_API_SECRET, BITGET_API_PASSPHRASE
                       the API credentials (required; never in the config file)
  VIPER_ADMIN_TOKEN    bearer token of the admin server's POST endpoints
  VIPER_<KEY>          overrides a config key, e.g. VIPER_RISK__LEVERAGE=5
  RUST_LOG             log filter (default info)";

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Validates the config with the VIPER_* overrides and prints the effective config,
    /// secrets masked.
    Check {
        /// Bot config (TOML).
        #[arg(long = "config", value_name = "FILE")]
        config: Option<PathBuf>,
        /// Bot config (TOML), the older positional form.
        #[arg(conflicts_with = "config", value_name = "FILE")]
        file: Option<PathBuf>,
    },
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
        /// Where prices come from: the simulator's seeded random walk, or Bitget's public
        /// WebSocket tickers (real prices, no keys; orders still only reach the simulator).
        #[arg(long, value_enum, default_value_t = MarketSource::Synthetic)]
        market: MarketSource,
        /// Public WebSocket of the live market (with `--market live`).
        #[arg(long, default_value = viper_bitget::ws::config::LIVE_PUBLIC)]
        market_url: String,
        /// How long start-up waits for the live market's first price of every symbol.
        #[arg(long, value_parser = humantime::parse_duration, default_value = "30s")]
        market_wait: Duration,
    },
    /// Write a self-contained HTML report (equity, trades on price, PnL per symbol, order
    /// latency, REST budget) of the last `--since`, readable while the bot runs.
    Report {
        /// Bot config (TOML); defaults apply when absent.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Window, e.g. 24h, 7d.
        #[arg(long, value_parser = humantime::parse_duration, default_value = "24h")]
        since: Duration,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run the bot against Bitget (live or demo) or a standalone `viper sim`.
    #[command(after_help = RUN_ENV_HELP)]
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
    /// Check every endpoint the bot uses, the API key's permissions, modes, leverage and
    /// the WebSocket handshakes; non-zero exit on any failure.
    Check {
        /// Bot config (TOML); defaults and VIPER_* overrides apply when absent. In paper mode
        /// without an exchange URL the embedded simulator is checked.
        #[arg(long)]
        config: Option<PathBuf>,
        /// REST base URL (overrides the config), e.g. a `viper sim`.
        #[arg(long)]
        exchange_url: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Also place and cancel a minimum-size limit buy far below the market.
        #[arg(long)]
        trade_test: bool,
    },
    /// Pause new entries: positions, their exchange-side TP/SL and reduce-only orders stay;
    /// persisted until `viper resume` (a stopped bot: written to the journal of --config).
    Pause(viper::cli_control::PauseArgs),
    /// Clear a pause; a latched emergency stop only with --clear-emergency (a stopped bot:
    /// in the journal of --config).
    Resume(viper::cli_control::ResumeArgs),
    /// Close one symbol's position at market (reduce-only) and wait until the exchange shows it
    /// flat; nothing else is touched.
    Close(viper::cli_control::CloseArgs),
    /// Cancel orders, close every position at market and latch until
    /// `viper resume --clear-emergency`.
    EmergencyStop(viper::cli_control::EmergencyArgs),
    /// A running bot's state: mode, trading state, equity and PnL, positions with their
    /// exchange-side TP/SL, open orders, health and metrics (from its admin server).
    Status {
        /// The admin server's base URL.
        #[arg(long, default_value = "http://127.0.0.1:9184")]
        admin: String,
        /// Print `/api/v1/summary` as JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// The closed trades in the journal (entry, exit, PnL, fees, reason); safe while the bot runs.
    Trades(viper::trades::TradesArgs),
    /// Config file tools.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// A simulated day under faults and SIGKILLs: `viper sim` and `viper run` as separate
    /// processes; writes a JSON report from the simulator's audit; non-zero exit on a failed
    /// threshold.
    Soak(viper::soak::SoakArgs),
    /// Record what the exchange sends (every read endpoint, every channel), redacted, into DIR.
    Record(viper::recording::RecordArgs),
    /// Replay a recorded folder through the decoders; pass/fail table, non-zero on a failure.
    Decode {
        /// The folder (`DIR/<endpoint or ws-channel>/<n>.json`).
        dir: PathBuf,
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
        /// Fault plan (TOML, `[[faults]]` tables) installed at start.
        #[arg(long)]
        faults: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log_format = cli.log_format;
    // Exactly one TLS provider (ring): awc's https needs it installed before any client.
    let _ = rustls::crypto::ring::default_provider().install_default();
    viper::logging::init(cli.log_format);
    match dispatch(cli.command) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            // Once: a plain line for a person, one JSON object for a log shipper.
            match log_format {
                LogFormat::Text => eprintln!("error: {e:#}"),
                LogFormat::Json => tracing::error!("{e:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

/// Runs one command; `Ok(false)` = it ran and found a failure (already printed).
fn dispatch(command: Command) -> anyhow::Result<bool> {
    match command {
        Command::Paper {
            config,
            duration,
            speed,
            seed,
            market,
            market_url,
            market_wait,
        } => {
            let source = (market == MarketSource::Live).then_some((market_url, market_wait));
            local_exchange::run_paper(config, duration, speed, seed, source).map(|()| true)
        }
        Command::Report { config, since, out } => {
            let cfg = load_config(config.as_ref())?;
            let w = viper::report::write(&cfg, since, &out)?;
            println!(
                "wrote {} ({} plots, {} trades)",
                w.out.display(),
                w.plots,
                w.trades
            );
            Ok(true)
        }
        Command::Run {
            config,
            exchange_url,
            duration,
        } => run_live(config, exchange_url, duration).map(|()| true),
        Command::Sim {
            listen,
            config,
            seed,
            speed,
            faults,
        } => local_exchange::run_sim(listen, config, seed, speed, faults).map(|()| true),
        Command::Check {
            config,
            exchange_url,
            json,
            trade_test,
        } => run_check(config, exchange_url, json, trade_test),
        Command::Pause(a) => viper::cli_control::pause(a),
        Command::Resume(a) => viper::cli_control::resume(a),
        Command::Close(a) => viper::cli_control::close(a),
        Command::EmergencyStop(a) => viper::cli_control::emergency_stop(a),
        Command::Soak(args) => viper::soak::run(args),
        Command::Trades(args) => viper::trades::run(args),
        Command::Record(a) => viper::recording::run_record(a),
        Command::Decode { dir } => viper::recording::run_decode(&dir),
        Command::Status { admin, json } => {
            actix_rt::System::new().block_on(async move { viper::status::run(&admin, json).await })
        }
        Command::Config {
            command: ConfigCommand::Check { config, file },
        } => {
            let file = config
                .or(file)
                .context("give the config file: viper config check --config FILE")?;
            let cfg = BotConfig::load(&file)?;
            let env: Vec<(String, String)> = std::env::vars().collect();
            print!("{}", viper::config_load::render_effective(&cfg, &env));
            println!("# {}: OK", file.display());
            Ok(true)
        }
    }
}

fn load_config(path: Option<&PathBuf>) -> anyhow::Result<BotConfig> {
    Ok(match path {
        Some(p) => BotConfig::load(p)?,
        None => BotConfig::from_env()?,
    })
}

/// Binds the admin port first: a port in use stops everything before anything started.
fn bind_admin(cfg: &BotConfig) -> anyhow::Result<Option<admin::AdminListener>> {
    let listener = admin::bind(&cfg.admin)?;
    if let Some(l) = &listener {
        println!("viper admin: http://{}", l.addr);
    }
    Ok(listener)
}

fn run_live(
    config: PathBuf,
    exchange_url: Option<String>,
    duration: Option<Duration>,
) -> anyhow::Result<()> {
    let cfg = BotConfig::load(&config)?;
    let ep = Endpoint::from_config(&cfg, exchange_url)?;
    let admin = bind_admin(&cfg)?;
    // Live mode's key policy is the first exchange step of start-up recovery.
    actix_rt::System::new().block_on(async move {
        bot_run::run_bot(&cfg, ep, viper::banner::Market::Exchange, duration, admin).await
    })
}

fn run_check(
    config: Option<PathBuf>,
    exchange_url: Option<String>,
    json: bool,
    trade_test: bool,
) -> anyhow::Result<bool> {
    let cfg = load_config(config.as_ref())?;
    let embedded =
        exchange_url.is_none() && cfg.exchange.rest_url.is_empty() && cfg.mode == "paper";
    actix_rt::System::new().block_on(async move {
        let (target, sim) = if embedded {
            let sim = viper_sim::start(viper_sim::SimConfig::default(), "127.0.0.1:0".parse()?)
                .await
                .context("starting the embedded simulator")?;
            (Endpoint::simulator(&sim.rest_url), Some(sim))
        } else {
            (Endpoint::from_config(&cfg, exchange_url)?, None)
        };
        let report = viper::check::run(&cfg, target, trade_test).await;
        if let Some(sim) = sim {
            sim.stop().await;
        }
        if json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print!("{}", report.table());
        }
        Ok(report.ok)
    })
}
