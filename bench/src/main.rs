//! `viper-bench`: one command, interleaved runs against one simulator, every client in its
//! own process so that CPU and memory are measured per client (docs/benchmarks.md).
//!
//! ```text
//! viper-bench [--iterations N] [--rounds R] [--python PY] [--ws-seconds S]
//! ```
//! The same binary is also the simulator process (`viper-bench sim`) and the Rust workers
//! (`viper-bench worker viper|awc|raw|ws URL`): they read commands on stdin and answer one
//! JSON line each, see `worker.rs`. Loopback only.

mod floors;
mod orchestrate;
mod procstat;
mod worker;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("sim") => run_sim(args.get(1).map(String::as_str)),
        Some("worker") => {
            let kind = args.get(1).context("worker needs a kind")?;
            let url = args.get(2).context("worker needs a URL")?;
            worker::run(kind, url)
        }
        Some("--help") | Some("-h") => {
            println!("{}", orchestrate::USAGE);
            Ok(())
        }
        _ => orchestrate::run(&orchestrate::Options::parse(&args)?),
    }
}

/// The simulator with rate limits off (the clients, not the budget, are measured) and a
/// fast tick so the WebSocket carries thousands of frames a second. Prints its URLs.
fn run_sim(tick_ms: Option<&str>) -> anyhow::Result<()> {
    let tick_ms: u64 = tick_ms.unwrap_or("250").parse().context("tick_ms")?;
    let mut cfg = viper_sim::SimConfig {
        rate_limits: false,
        tick_ms,
        ..viper_sim::SimConfig::default()
    };
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
