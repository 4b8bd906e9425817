//! `viper-bench`: one command, interleaved runs against one simulator, every client in its
//! own process so that CPU and memory are measured per client (docs/benchmarks.md).
//!
//! ```text
//! viper-bench [--iterations N] [--rounds R] [--python PY] [--ws-seconds S]
//! viper-bench --sim-exe PATH [...]   # two simulators side by side (sims.rs)
//! viper-bench day [--speed S] [--tick-ms T] [--orders-per-s N]   # a day, 10 symbols (day.rs)
//! ```
//! `viper-bench idle --viper PATH` measures the bot's idle footprint instead (`idle.rs`).
//! The same binary is also the simulator process (`viper-bench sim`) and the Rust workers
//! (`viper-bench worker viper|awc|raw|ws URL`): they read commands on stdin and answer one
//! JSON line each, see `worker.rs`. Loopback only.

mod day;
mod floors;
mod idle;
mod idle_stats;
mod orchestrate;
mod procstat;
mod sims;
mod worker;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("idle") if args.iter().any(|a| a == "--help" || a == "-h") => {
            println!("{}", idle::USAGE);
            Ok(())
        }
        Some("idle") => idle::run(&args[1..]),
        Some("sim") => run_sim(&args[1..]),
        Some("day") => day::run(&day::DayOptions::parse(&args[1..])?),
        Some("day-worker") => day::worker(args.get(1).context("day-worker needs a URL")?),
        Some("worker") => {
            let kind = args.get(1).context("worker needs a kind")?;
            let url = args.get(2).context("worker needs a URL")?;
            worker::run(kind, url)
        }
        Some("--help") | Some("-h") => {
            println!("{}\n{}\n{}", orchestrate::USAGE, sims::USAGE, day::USAGE);
            Ok(())
        }
        _ if args.iter().any(|a| a == "--sim-exe") => sims::run(&sims::SimOptions::parse(&args)?),
        _ => orchestrate::run(&orchestrate::Options::parse(&args)?),
    }
}

/// The simulator with rate limits off (the clients, not the budget, are measured) and a
/// fast tick so the WebSocket carries thousands of frames a second. Prints its URLs.
/// `sim [TICK_MS [SPEED [10]]]`: a speed factor, and 10 symbols instead of the default 4.
fn run_sim(args: &[String]) -> anyhow::Result<()> {
    let arg = |i: usize| args.get(i).map(String::as_str);
    let tick_ms: u64 = arg(0).unwrap_or("250").parse().context("tick_ms")?;
    let speed: f64 = arg(1).unwrap_or("1").parse().context("speed")?;
    let mut cfg = viper_sim::SimConfig {
        rate_limits: false,
        tick_ms,
        speed,
        ..viper_sim::SimConfig::default()
    };
    if arg(2) == Some("10") {
        cfg.symbols = day::ten_symbols();
    }
    // The per-IP ceiling applies even with per-endpoint limits off; every client here shares
    // 127.0.0.1, so lift it too.
    cfg.behaviour.global_ip_limit_per_min = u32::MAX;
    let addr = "127.0.0.1:0".parse()?;
    actix_rt::System::new().block_on(async move {
        let sim = viper_sim::start(cfg, addr).await?;
        println!("REST {}", sim.rest_url);
        println!("WS {}", sim.ws_public_url);
        // Runs until the harness closes our stdin (or kills us).
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut s = String::new();
            while std::io::stdin()
                .read_line(&mut s)
                .map(|n| n > 0)
                .unwrap_or(false)
            {
                s.clear();
            }
            let _ = tx.send(());
        });
        if rx.await.is_err() {
            bail!("stdin watcher failed");
        }
        sim.stop().await;
        Ok(())
    })
}
