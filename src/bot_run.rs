//! The bot's run: the admin server, start (patient recovery, reported to `/health` and the
//! service manager), READY, the gauges and the watchdog beside it, the wait for a stop, a
//! clean stop, and the summary.

use std::sync::{Arc, OnceLock};
use std::time::Duration;
use viper::config::BotConfig;
use viper::endpoint::Endpoint;
use viper::startup::Progress;
use viper::{admin, system};

/// Resolves on Ctrl-C or SIGTERM, logging which.
async fn signalled() {
    let which = viper::service::shutdown_signal().await;
    tracing::info!("{which}; stopping");
}

pub async fn wait_for_stop(duration: Option<Duration>) {
    let sleep = async {
        match duration {
            Some(d) => actix_rt::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = sleep => tracing::info!("duration reached; stopping"),
        () = signalled() => {}
    }
}

/// While start-up recovery runs: tells the service manager the step (and that it is still
/// starting, so a patient start is not killed by the start timeout) every 20 s.
async fn keep_service_informed(progress: &Progress) {
    loop {
        let step = progress.current().unwrap_or_else(|| "starting".into());
        viper::service::starting(&step);
        actix_rt::time::sleep(Duration::from_secs(20)).await;
    }
}

/// Serves the admin endpoints from the start of recovery (`/health` says "starting").
fn serve_admin(
    cfg: &BotConfig,
    listener: Option<admin::AdminListener>,
    state: admin::AdminState,
) -> anyhow::Result<Option<actix_web::dev::ServerHandle>> {
    let Some(l) = listener else { return Ok(None) };
    let addr = l.addr;
    let srv = admin::serve(l, state)?;
    let handle = srv.handle();
    actix_rt::spawn(srv);
    tracing::info!(%addr, token = cfg.admin.token.is_some(), "admin server: /metrics /health /ready /api/v1/summary /api/v1/positions /api/v1/orders; POST /pause /resume /close/SYMBOL /emergency-stop");
    Ok(Some(handle))
}

/// Starts the admin server on the listener bound earlier, then the bot (patient recovery);
/// runs until the duration, Ctrl-C or SIGTERM; stops cleanly and prints the summary.
pub async fn run_bot(
    cfg: &BotConfig,
    ep: Endpoint,
    market: viper::banner::Market,
    duration: Option<Duration>,
    listener: Option<admin::AdminListener>,
) -> anyhow::Result<()> {
    // Installed once per process; a second bot in one process keeps the first recorder.
    let metrics = admin::install_recorder().ok();
    admin::register_series(cfg);
    viper::banner::show(cfg, &ep, &market);
    viper::config_limits::announce(cfg);
    let progress = Progress::default();
    let started = Arc::new(OnceLock::new());
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    let state = admin::AdminState {
        health: started.clone(),
        progress: progress.clone(),
        control: tx.clone(),
        metrics: metrics.clone(),
        token: cfg.admin.token.as_ref().map(|t| t.0.clone()),
        trades_dir: Some(cfg.data_dir.clone()),
    };
    let server = serve_admin(cfg, listener, state)?;
    let info = viper::operator::BotInfo {
        mode: if ep.demo {
            "demo".into()
        } else {
            cfg.mode.clone()
        },
        exchange: ep.rest_url.clone(),
    };
    let bot = tokio::select! {
        r = system::start_reporting(cfg, ep, &progress) => r,
        () = keep_service_informed(&progress) => unreachable!("loops forever"),
        () = signalled() => Err(anyhow::anyhow!("stopped during start-up; nothing was traded")),
    };
    let bot = match bot {
        Ok(b) => b,
        Err(e) => {
            if let Some(h) = server {
                h.stop(true).await;
            }
            return Err(e.context("starting the bot"));
        }
    };
    progress.done();
    let _ = started.set(bot.health.clone());
    viper::service::ready();
    viper::banner::warn_unfit(cfg, &bot.rest, &bot.rules).await;
    let heartbeat = Duration::from_secs(cfg.log.heartbeat_secs);
    let mut crashed = None;
    tokio::select! {
        () = wait_for_stop(duration) => {}
        () = viper::heartbeat::run(&bot, heartbeat) => {}
        () = admin::control_loop(&bot, info, rx, metrics) => {}
        actor = system::critical_failure(&bot) => crashed = Some(actor),
    }
    viper::service::stopping();
    drop(tx);
    if let Some(h) = server {
        h.stop(true).await;
    }
    finish(&bot, crashed).await
}

/// A clean stop and the summary; after a crash of a critical actor, an error.
async fn finish(bot: &system::Bot, crashed: Option<&'static str>) -> anyhow::Result<()> {
    if let Some(actor) = crashed {
        // Crash-only: a dead RiskManager, OrderRouter, CapitalWatch or Trader is not patched
        // up in place. Trading halts (whatever still runs is told), protective orders stay on
        // the exchange, and the process exits non-zero so its service manager restarts it —
        // and start-up rebuilds everything from the journal and a fresh reconciliation.
        let _ = system::stop(bot).await;
        retire_connections(bot).await;
        let _ = print_summary(bot, true).await;
        anyhow::bail!(
            "{actor} crashed; trading halted. Exiting for a restart: start-up recovers from the journal and the exchange"
        );
    }
    // Whether an emergency latch still held, read before the shutdown halt.
    let halted = bot
        .health
        .send(viper_actors::health_monitor::GetHealth)
        .await
        .map(|h| h.trading == viper_actors::events::TradingState::Halted)
        .unwrap_or(true);
    system::stop(bot).await?;
    retire_connections(bot).await;
    // The last notices (the halt, exits at the stop) go out before the process does.
    if !bot.notify.out.drain(Duration::from_secs(5)).await {
        tracing::warn!("notifications still queued at exit were not delivered");
    }
    print_summary(bot, halted).await
}

/// Closes the market feed's and account sync's WebSockets for good (no reconnect, no
/// "lost" warning): the bot has stopped trading, and in paper mode the embedded exchange
/// stops next.
async fn retire_connections(bot: &system::Bot) {
    use viper_actors::supervisor::{CurrentAddr, Retire};
    let feed = bot.feed.send(CurrentAddr::default()).await.ok();
    let sync = bot.sync.send(CurrentAddr::default()).await.ok();
    let _ = bot.feed.send(Retire).await;
    let _ = bot.sync.send(Retire).await;
    // Bounded: both stop within a few mailbox turns.
    for _ in 0..40 {
        let feed_up = feed.as_ref().is_some_and(|a| a.connected());
        let sync_up = sync.as_ref().is_some_and(|a| a.connected());
        if !feed_up && !sync_up {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The summary; `halted` = trading was halted before the shutdown (an emergency latch holds).
async fn print_summary(bot: &system::Bot, halted: bool) -> anyhow::Result<()> {
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
        "  uptime:            {:.0}s (market and account data fresh {:.1}% of checks, market data {:.1}%)",
        health.uptime.as_secs_f64(),
        health.data_uptime * 100.0,
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
    let reconnects: Vec<String> = health
        .connections
        .iter()
        .map(|(name, c)| format!("{name} {} (up {:.1}%)", c.reconnects, c.uptime * 100.0))
        .collect();
    println!(
        "  reconnects:        {}",
        if reconnects.is_empty() {
            "no WebSocket connection recorded".to_string()
        } else {
            reconnects.join(", ")
        }
    );
    print_money(bot, halted, now).await
}

/// The summary's last lines: the emergency stop, if any, and the equity at the stop.
async fn print_money(
    bot: &system::Bot,
    halted: bool,
    now: Option<viper_actors::events::AccountSnapshot>,
) -> anyhow::Result<()> {
    let emergency = bot
        .capital
        .send(viper_actors::capital::GetEmergencyReport)
        .await?;
    if let Some(reason) = emergency.reason {
        println!(
            "  emergency stop:    {reason} ({}); {}",
            flat_text(emergency.flat_after),
            if halted {
                "latched until `viper resume --clear-emergency`"
            } else {
                "since cleared by resume"
            }
        );
    }
    match now {
        Some(s) => println!(
            "  equity:            {} USDT (PnL {} USDT, {})",
            s.equity,
            s.equity - bot.start_equity,
            positions_text(s.positions.len())
        ),
        None => println!("  equity:            unavailable (the final account read failed)"),
    }
    Ok(())
}

/// "flat after 647 ms" or "not confirmed flat".
fn flat_text(after: Option<Duration>) -> String {
    match after {
        Some(d) => format!("flat after {} ms", d.as_millis()),
        None => "not confirmed flat".into(),
    }
}

/// What is left open at the stop.
fn positions_text(n: usize) -> String {
    match n {
        0 => "no positions open".into(),
        1 => "1 position open, its exchange stop-loss left in place".into(),
        n => format!("{n} positions open, each with its exchange stop-loss left in place"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_texts_read_as_sentences() {
        assert_eq!(
            flat_text(Some(Duration::from_micros(647_286))),
            "flat after 647 ms"
        );
        assert_eq!(flat_text(None), "not confirmed flat");
        assert_eq!(positions_text(0), "no positions open");
        assert!(positions_text(2).starts_with("2 positions open, each"));
    }
}
