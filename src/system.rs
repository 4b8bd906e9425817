//! Wiring: builds and starts the actors — start-up is recovery — and stops them cleanly.
//!
//! Order at start: sync the clock; read contracts; check position and margin mode against the
//! config (changed only when flat, else refuse); set leverage and read it back; open the
//! journal; settle every non-final order by clientOid; read the account; only then enable
//! trading. The stop-loss guard protects any position found without a stop.

use crate::config::BotConfig;
use actix::prelude::*;
use anyhow::{Context as _, bail};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use viper_actors::account_sync::{AccountSync, PrivateWs, SnapshotSinks, read_account};
use viper_actors::capital::{
    CapitalConfig, CapitalWatch, SetTradingState, flatten_pending, latched,
};
use viper_actors::events::TradingState;
use viper_actors::exposure::ExposureLimits;
use viper_actors::guard::{GuardConfig, StopLossGuard};
use viper_actors::health_monitor::HealthMonitor;
use viper_actors::journal::Journal;
use viper_actors::market_feed::{MarketFeed, TickSinks};
use viper_actors::order_router::{OrderRouter, RouterConfig, SettleNow, SubscribeOrders};
use viper_actors::risk_manager::{Gate, RiskLimits, RiskManager};
use viper_actors::strategy::{ContractRules, TrendConfig, TrendStrategy};
use viper_actors::supervisor::{OnFailure, RestartPolicy, Watchdog, on_failure};
use viper_actors::trader::Trader;
use viper_bitget::clock::SystemClock;
use viper_bitget::models::{MarginMode, PosMode};
use viper_bitget::ws::WsConfig;
use viper_bitget::{Credentials, RestClient, RestConfig};

/// The running bot.
pub struct Bot {
    /// REST client (for summaries).
    pub rest: RestClient,
    /// Health monitor.
    pub health: Addr<HealthMonitor>,
    /// Risk manager.
    pub risk: Addr<RiskManager>,
    /// Order router.
    pub router: Addr<OrderRouter>,
    /// Strategy host.
    pub trader: Addr<Trader>,
    /// Watchdog of the market feed.
    pub feed: Addr<Watchdog<MarketFeed>>,
    /// Watchdog of account sync.
    pub sync: Addr<Watchdog<AccountSync>>,
    /// Watchdog of the stop-loss guard (forwards snapshots to the current instance).
    pub guard: Addr<Watchdog<StopLossGuard>>,
    /// Emergency stop, post-trade check and trading-state owner.
    pub capital: Addr<CapitalWatch>,
    /// Equity when trading was enabled.
    pub start_equity: Decimal,
}

/// Where the bot connects.
pub struct Endpoint {
    /// REST base URL.
    pub rest_url: String,
    /// Demo trading header.
    pub demo: bool,
    /// API credentials.
    pub credentials: Credentials,
}

fn pos_mode(cfg: &BotConfig) -> PosMode {
    if cfg.exchange.position_mode == "hedge_mode" {
        PosMode::Hedge
    } else {
        PosMode::OneWay
    }
}

fn margin_mode(cfg: &BotConfig) -> MarginMode {
    if cfg.exchange.margin_mode == "isolated" {
        MarginMode::Isolated
    } else {
        MarginMode::Crossed
    }
}

/// Checks modes and leverage; changes a mode only when the account is flat.
async fn prepare_account(rest: &RestClient, cfg: &BotConfig) -> anyhow::Result<()> {
    let first = &cfg.symbols[0];
    let acct = rest.account(first).await.context("reading the account")?;
    let flat = rest.all_positions().await?.is_empty();
    if acct.pos_mode != Some(pos_mode(cfg)) {
        if !flat {
            bail!(
                "the account is in {:?} but the config says {}; positions are open, so Viper will not switch it — close them or change exchange.position_mode",
                acct.pos_mode,
                cfg.exchange.position_mode
            );
        }
        rest.set_position_mode(pos_mode(cfg))
            .await
            .context("setting the position mode")?;
    }
    for s in &cfg.symbols {
        let a = rest.account(s).await?;
        if a.margin_mode != Some(margin_mode(cfg)) {
            rest.set_margin_mode(s, margin_mode(cfg))
                .await
                .with_context(|| {
                    format!("setting margin mode of {s} (refused while it has positions or orders)")
                })?;
        }
        rest.set_leverage(s, cfg.risk.leverage)
            .await
            .with_context(|| format!("setting leverage of {s}"))?;
        let back = rest.account(s).await?;
        let lev = back
            .crossed_margin_leverage
            .or(back.isolated_long_lever)
            .unwrap_or_default();
        if lev != Decimal::from(cfg.risk.leverage) {
            bail!(
                "{s}: leverage reads back as {lev}, expected {}",
                cfg.risk.leverage
            );
        }
    }
    Ok(())
}

async fn contract_rules(
    rest: &RestClient,
    cfg: &BotConfig,
) -> anyhow::Result<HashMap<String, ContractRules>> {
    let contracts = rest.contracts(None).await.context("reading contracts")?;
    let mut rules = HashMap::new();
    for s in &cfg.symbols {
        let c = contracts
            .iter()
            .find(|c| &c.symbol == s)
            .with_context(|| format!("symbols: {s} is not a USDT-M contract on this exchange"))?;
        let tick = c
            .price_tick()
            .with_context(|| format!("{s}: contract has no usable price tick"))?;
        if Decimal::from(cfg.risk.leverage) > c.max_lever {
            bail!(
                "risk.leverage: {} is above {s}'s maxLever {}",
                cfg.risk.leverage,
                c.max_lever
            );
        }
        let last = rest
            .ticker(s)
            .await
            .with_context(|| format!("reading {s}'s price"))?
            .last_pr
            .0;
        for (key, pct) in [
            ("strategy.take_profit_pct", cfg.strategy.take_profit_pct),
            ("strategy.stop_loss_pct", cfg.strategy.stop_loss_pct),
        ] {
            if last * pct / Decimal::ONE_HUNDRED < tick {
                bail!(
                    "{key}: {pct}% of {s}'s price {last} is less than one tick ({tick}); the order would trigger at once"
                );
            }
        }
        rules.insert(
            s.clone(),
            ContractRules {
                tick,
                size_step: c.size_multiplier.0,
                min_size: c.min_trade_num.0,
                min_notional: c.min_trade_usdt.unwrap_or_default(),
            },
        );
    }
    Ok(rules)
}

/// The price tick and size step of every contract, so the guard can protect, and the
/// post-trade check reduce, a position in any symbol, configured or not.
async fn all_steps(
    rest: &RestClient,
) -> anyhow::Result<(HashMap<String, Decimal>, HashMap<String, Decimal>)> {
    let contracts = rest.contracts(None).await.context("reading contracts")?;
    let ticks = contracts
        .iter()
        .filter_map(|c| Some((c.symbol.clone(), c.price_tick()?)))
        .collect();
    let steps = contracts
        .iter()
        .map(|c| (c.symbol.clone(), c.size_multiplier.0))
        .collect();
    Ok((ticks, steps))
}

/// Starts the bot; trading is enabled only after recovery completed.
pub async fn start(cfg: &BotConfig, ep: Endpoint) -> anyhow::Result<Bot> {
    let credentials = ep.credentials.clone();
    let mut rc = RestConfig::custom(&ep.rest_url, Some(ep.credentials));
    rc.demo = ep.demo;
    rc.request_timeout = Duration::from_millis(cfg.exchange.request_timeout_ms);
    let rest = RestClient::new(rc);
    let (ws_public, ws_private) = crate::check::ws_urls(cfg, &ep.rest_url);
    let mut ws = WsConfig::custom(&ws_public, &ws_private);
    // The private login is signed with the server-adjusted time, like REST.
    ws.login_clock = Some(viper_bitget::ws::LoginClock(rest.server_clock()));
    let private_ws = PrivateWs {
        config: ws.clone(),
        credentials,
    };
    rest.sync_clock()
        .await
        .context("measuring the server clock")?;
    actix_rt::spawn(rest.clone().run_clock_sync(Duration::from_secs(60)));
    let rules = contract_rules(&rest, cfg).await?;
    prepare_account(&rest, cfg).await?;
    let journal = Journal::open(&cfg.data_dir)?;
    // A second connection for the trading state (SQLite WAL serves both).
    let state_journal = Journal::open(&cfg.data_dir)?;
    // An unfinished emergency flatten latches too (CapitalWatch finishes it at start).
    let latch = latched(&state_journal).or_else(|| flatten_pending(&state_journal));
    let clock: Arc<dyn viper_bitget::clock::Clock> = Arc::new(SystemClock);
    let pct = |p: Decimal| p / Decimal::ONE_HUNDRED;

    let health = HealthMonitor::new(Duration::from_millis(
        cfg.intervals.max_tick_age_ms.max(3000),
    ))
    .with_rest(rest.clone())
    .start();
    let limits = RiskLimits {
        max_position_margin: cfg.risk.max_position_margin,
        max_total_margin: cfg.risk.max_total_margin,
        max_positions: cfg.risk.max_positions,
        leverage: cfg.risk.leverage,
        max_snapshot_age: Duration::from_millis(cfg.intervals.account_poll_ms * 5),
        ..RiskLimits::default()
    };
    let router_cfg = RouterConfig {
        pos_mode: pos_mode(cfg),
        unknown_horizon: Duration::from_secs(cfg.exchange.unknown_order_horizon_secs),
        limits: ExposureLimits::from(&limits),
        ..RouterConfig::default()
    };
    let start_ms = clock.now_ms();
    let router = OrderRouter::new(rest.clone(), journal, clock, router_cfg).start();
    // The trader's address exists before the gate that publishes exposure to it.
    let trader_ctx = actix::Context::<Trader>::new();
    let gate = Gate::new(limits, rules.clone(), TradingState::Halted);
    let risk = RiskManager::new(gate, start_ms, router.clone().recipient())
        .with_listener(trader_ctx.address().recipient())
        .start();
    router
        .send(SubscribeOrders(risk.clone().recipient()))
        .await?;
    let strategy = TrendStrategy::new(TrendConfig {
        fast: cfg.strategy.fast,
        slow: cfg.strategy.slow,
        cooldown: Duration::from_secs(cfg.strategy.cooldown_secs),
        take_profit: pct(cfg.strategy.take_profit_pct),
        stop_loss: pct(cfg.strategy.stop_loss_pct),
        margin: cfg.risk.max_position_margin,
        leverage: cfg.risk.leverage,
    });
    let (ticks, size_steps) = all_steps(&rest).await?;
    let trader = trader_ctx.run(Trader::new(
        Box::new(strategy),
        risk.clone().recipient(),
        rules,
        Duration::from_millis(cfg.intervals.max_tick_age_ms),
    ));
    let capital = CapitalWatch::new(
        rest.clone(),
        state_journal,
        CapitalConfig {
            emergency_equity: cfg.risk.emergency_equity,
            flatten: cfg.risk.emergency_flatten,
            unreachable_after: Duration::from_secs(cfg.risk.unreachable_after_secs.max(5)),
            max_position_margin: cfg.risk.max_position_margin,
            size_steps,
        },
        risk.clone().recipient(),
        vec![risk.clone().recipient(), health.clone().recipient()],
        TradingState::Halted,
    )
    .start();

    let guard_cfg = GuardConfig {
        stop_distance: pct(cfg.strategy.stop_loss_pct),
        ticks,
        pos_mode: pos_mode(cfg),
        grace: Duration::from_secs(2),
        close_after: Duration::from_secs(30),
    };
    let guard_rest = rest.clone();
    let guard = Watchdog::new(
        "stop_loss_guard",
        move || StopLossGuard::new(guard_rest.clone(), guard_cfg.clone()).start(),
        RestartPolicy::default(),
        vec![health.clone().recipient(), capital.clone().recipient()],
    )
    .start();

    router
        .send(SettleNow)
        .await?
        .context("settling the journal")?;
    let snapshot = read_account(&rest)
        .await
        .context("reconciling the account")?;
    let start_equity = snapshot.equity;
    for p in &snapshot.positions {
        tracing::info!(symbol = %p.symbol, long = p.long, size = %p.size, stop = ?p.stop_loss, "adopting an open position");
    }
    for r in [
        risk.clone().recipient(),
        health.clone().recipient(),
        guard.clone().recipient(),
        capital.clone().recipient(),
        router.clone().recipient(),
    ] {
        r.send(snapshot.clone()).await?;
    }

    let sync_sinks = SnapshotSinks {
        snapshots: vec![
            risk.clone().recipient(),
            health.clone().recipient(),
            guard.clone().recipient(),
            capital.clone().recipient(),
            router.clone().recipient(),
        ],
        heartbeat: Some(health.clone().recipient()),
        settle: Some(router.clone().recipient()),
        connections: Some(health.clone().recipient()),
    };
    let (sync_rest, sync_every) = (
        rest.clone(),
        Duration::from_millis(cfg.intervals.account_poll_ms),
    );
    let restarts = vec![health.clone().recipient(), capital.clone().recipient()];
    let sync = Watchdog::new(
        "account_sync",
        move || {
            AccountSync::new(
                sync_rest.clone(),
                sync_every,
                sync_sinks.clone(),
                Some(private_ws.clone()),
            )
            .start()
        },
        RestartPolicy::default(),
        restarts.clone(),
    )
    .start();
    let tick_sinks = TickSinks {
        ticks: vec![trader.clone().recipient(), health.clone().recipient()],
        heartbeat: Some(health.clone().recipient()),
        connections: Some(health.clone().recipient()),
    };
    let (feed_rest, symbols, feed_every) = (
        rest.clone(),
        cfg.symbols.clone(),
        Duration::from_millis(cfg.intervals.market_poll_ms),
    );
    let feed = Watchdog::new(
        "market_feed",
        move || {
            MarketFeed::new(
                feed_rest.clone(),
                symbols.clone(),
                feed_every,
                tick_sinks.clone(),
                Some(ws.clone()),
            )
            .start()
        },
        RestartPolicy::default(),
        restarts,
    )
    .start();

    match latch {
        Some(reason) => {
            tracing::error!(%reason, "an emergency stop is latched: trading stays halted until an operator runs `viper resume`");
            capital
                .send(SetTradingState {
                    state: TradingState::Halted,
                    reason: format!("latched: {reason}"),
                    latch: true,
                })
                .await?;
        }
        None => {
            capital
                .send(SetTradingState {
                    state: TradingState::Active,
                    reason: "recovery complete".into(),
                    latch: false,
                })
                .await?;
            tracing::info!(equity = %start_equity, positions = snapshot.positions.len(), "recovery complete; trading enabled");
        }
    }
    Ok(Bot {
        rest,
        health,
        risk,
        router,
        trader,
        feed,
        sync,
        guard,
        capital,
        start_equity,
    })
}

/// Stops new orders, keeps protective orders on the exchange, settles the journal.
pub async fn stop(bot: &Bot) -> anyhow::Result<()> {
    // A shutdown halt is not latched: the next start recovers and trades again.
    let halt = SetTradingState {
        state: TradingState::Halted,
        reason: "shutting down".into(),
        latch: false,
    };
    bot.capital.send(halt).await?;
    let _ = bot.router.send(SettleNow).await?;
    Ok(())
}

/// Operator emergency stop: halt, cancel all but protective orders, flatten, and latch until
/// resumed.
pub async fn halt(bot: &Bot, reason: &str) -> anyhow::Result<()> {
    bot.capital
        .send(viper_actors::capital::EmergencyStop(format!(
            "operator: {reason}"
        )))
        .await?;
    Ok(())
}

/// Operator resume: clears the latch and enables trading.
pub async fn resume(bot: &Bot) -> anyhow::Result<()> {
    bot.capital
        .send(SetTradingState {
            state: TradingState::Active,
            reason: "operator resume".into(),
            latch: false,
        })
        .await?;
    Ok(())
}

/// `viper resume` while the bot is stopped: clears the latch in the journal of `data_dir`.
pub fn clear_latch(data_dir: &std::path::Path) -> anyhow::Result<Option<String>> {
    let journal = Journal::open(data_dir)?;
    Ok(viper_actors::capital::clear_latch(&journal)?)
}

/// Resolves with the name of the first actor found dead — stopped, or killed by a panic in a
/// handler — whose supervision policy is to end the process (`supervisor::SUPERVISION`).
pub async fn critical_failure(bot: &Bot) -> &'static str {
    loop {
        actix_rt::time::sleep(Duration::from_millis(200)).await;
        let dead = [
            ("risk_manager", bot.risk.connected()),
            ("order_router", bot.router.connected()),
            ("capital_watch", bot.capital.connected()),
            ("trader", bot.trader.connected()),
            ("health_monitor", bot.health.connected()),
        ]
        .into_iter()
        .find(|(name, up)| !up && on_failure(name) == OnFailure::EndProcess);
        if let Some((name, _)) = dead {
            tracing::error!(actor = name, "critical actor died");
            metrics::counter!("viper_actor_restarts_total", "actor" => name).increment(1);
            return name;
        }
    }
}
