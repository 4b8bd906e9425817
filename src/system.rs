//! Wiring: builds and starts the actors and stops them cleanly. The steps of start-up
//! recovery (clock, contracts, modes, leverage, journal, settlement, adoption, enabling
//! trading) are in `crate::startup`; this file only connects the actors to each other.
//! The stop-loss guard protects any position found without a stop.

use crate::config::BotConfig;
use crate::history::recorder::HistoryRecorder;
use crate::startup;
use actix::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use viper_actors::account_sync::{AccountSync, PrivateWs, SnapshotSinks};
use viper_actors::capital::{CapitalConfig, CapitalWatch, SetTradingState};
use viper_actors::events::{AccountSnapshot, ConnectionEvent, TradingState};
use viper_actors::exposure::ExposureLimits;
use viper_actors::guard::{GuardConfig, StopLossGuard};
use viper_actors::health_monitor::HealthMonitor;
use viper_actors::journal::Journal;
use viper_actors::market_feed::{MarketFeed, TickSinks};
use viper_actors::order_router::{OrderRouter, RouterConfig, SettleNow, SubscribeOrders};
use viper_actors::risk_manager::{Gate, RiskLimits, RiskManager, UseRefresher};
use viper_actors::strategy::{ContractRules, TrendConfig, TrendStrategy};
use viper_actors::supervisor::{
    Gone, OnFailure, RestartPolicy, Restarted, Watchdog, gone_signal, on_failure, start_watched,
};
use viper_actors::trade_recorder::TradeRecorder;
use viper_actors::trader::Trader;
use viper_bitget::RestClient;
use viper_bitget::clock::SystemClock;
use viper_bitget::ws::WsConfig;

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
    /// Watchdog of the trade recorder (fills and closed trades into the journal).
    pub trades: Addr<Watchdog<TradeRecorder>>,
    /// Equity when trading was enabled.
    pub start_equity: Decimal,
    /// Every USDT-M contract the exchange lists (an operator's close names one of them).
    pub contracts: std::collections::BTreeSet<String>,
    /// Rules of the configured symbols (tick, size step, minimums).
    pub rules: HashMap<String, ContractRules>,
    /// Notifications (drained at stop).
    pub notify: crate::notify::Notify,
    /// The actors whose death ends the process, each with what resolves when it dies.
    pub critical: Vec<(&'static str, Gone)>,
}

pub use crate::endpoint::Endpoint;

/// The actors that decide and act, built before recovery ends and started halted.
struct Core {
    health: Addr<HealthMonitor>,
    risk: Addr<RiskManager>,
    router: Addr<OrderRouter>,
    trader: Addr<Trader>,
    guard: Addr<Watchdog<StopLossGuard>>,
    capital: Addr<CapitalWatch>,
    history: Option<Addr<HistoryRecorder>>,
    trades: Addr<Watchdog<TradeRecorder>>,
    /// Turns events into notifications.
    notify: crate::notify::Notify,
    /// What resolves when each of the decision actors dies.
    gone: Vec<(&'static str, Gone)>,
}

/// Starts the bot; trading is enabled only after recovery (`crate::startup`) completed.
pub async fn start(cfg: &BotConfig, ep: Endpoint) -> anyhow::Result<Bot> {
    start_reporting(cfg, ep, &startup::Progress::default()).await
}

/// [`start`], reporting the step in progress to `progress` (the admin server shows it).
pub async fn start_reporting(
    cfg: &BotConfig,
    ep: Endpoint,
    progress: &startup::Progress,
) -> anyhow::Result<Bot> {
    let rest = RestClient::new(ep.rest_config(cfg));
    let mut ws = ep.ws_config(cfg);
    // The private login is signed with the server-adjusted time, like REST.
    ws.login_clock = Some(viper_bitget::ws::LoginClock(rest.server_clock()));
    let private_ws = PrivateWs {
        config: ws.clone(),
        credentials: ep.credentials.clone(),
    };
    // Local resources first: a broken data dir fails before the exchange is touched.
    let local = startup::open_local(cfg)?;
    let ready = startup::prepare_exchange(&rest, cfg, progress).await?;
    let contracts = ready.ticks.keys().cloned().collect();
    let rules = ready.rules.clone();
    let core = build_core(cfg, &rest, ready, local.journal, local.state_journal).await?;
    let snapshot = startup::reconcile(&core.router, &rest, progress).await?;
    for r in snapshot_sinks(&core) {
        r.send(snapshot.clone()).await?;
    }
    let sync = start_account_sync(cfg, &rest, &core, private_ws);
    core.risk
        .send(UseRefresher(sync.clone().recipient()))
        .await?;
    let feed = start_market_feed(cfg, &rest, &core, ws);
    startup::enable_trading(&core.capital, local.latch, local.paused, &snapshot).await?;
    Ok(Bot {
        rest,
        health: core.health,
        risk: core.risk,
        router: core.router,
        trader: core.trader,
        feed,
        sync,
        guard: core.guard,
        capital: core.capital,
        trades: core.trades,
        start_equity: snapshot.equity,
        contracts,
        rules,
        notify: core.notify,
        critical: core.gone,
    })
}

async fn build_core(
    cfg: &BotConfig,
    rest: &RestClient,
    ready: startup::ExchangeReady,
    journal: Journal,
    state_journal: Journal,
) -> anyhow::Result<Core> {
    let clock: Arc<dyn viper_bitget::clock::Clock> = Arc::new(SystemClock);
    let (health, health_gone) = start_watched(
        HealthMonitor::new(Duration::from_millis(
            cfg.intervals.max_tick_age_ms.max(3000),
        ))
        .with_rest(rest.clone())
        .with_account_quiet(cfg.intervals.account_periods().quiet),
    );
    let limits = RiskLimits {
        max_position_margin: cfg.risk.max_position_margin,
        max_total_margin: cfg.risk.max_total_margin,
        max_positions: cfg.risk.max_positions,
        leverage: cfg.risk.leverage,
        max_snapshot_age: Duration::from_millis(cfg.intervals.account_poll_ms * 5),
        ..RiskLimits::default()
    };
    let router_cfg = RouterConfig {
        pos_mode: startup::pos_mode(cfg),
        unknown_horizon: Duration::from_secs(cfg.exchange.unknown_order_horizon_secs),
        limits: ExposureLimits::from(&limits),
        ..RouterConfig::default()
    };
    let start_ms = clock.now_ms();
    let (router, router_gone) =
        start_watched(OrderRouter::new(rest.clone(), journal, clock, router_cfg));
    // The trader's address exists before the gate that publishes exposure to it.
    let mut trader_ctx = actix::Context::<Trader>::new();
    let trader_gone = gone_signal(&mut trader_ctx);
    let gate = Gate::new(limits, ready.rules.clone(), TradingState::Halted);
    let (risk, risk_gone) = start_watched(
        RiskManager::new(gate, start_ms, router.clone().recipient())
            .with_listener(trader_ctx.address().recipient()),
    );
    router
        .send(SubscribeOrders(risk.clone().recipient()))
        .await?;
    let trader = trader_ctx.run(Trader::new(
        Box::new(trend_strategy(cfg)),
        risk.clone().recipient(),
        ready.rules,
        Duration::from_millis(cfg.intervals.max_tick_age_ms),
    ));
    let notify = crate::notify::start(cfg);
    let mut listeners = vec![risk.clone().recipient(), health.clone().recipient()];
    listeners.extend(notify.relay.iter().map(|n| n.clone().recipient()));
    let (capital, capital_gone) = start_watched(CapitalWatch::new(
        rest.clone(),
        state_journal,
        capital_config(cfg, ready.size_steps),
        risk.clone().recipient(),
        listeners,
        TradingState::Halted,
    ));
    let guard = start_guard(cfg, rest, ready.ticks, &health, &capital);
    let notices = notify.relay.as_ref().map(|r| r.clone().recipient());
    let trades = crate::system_trades::start_recorder(cfg, rest, &health, &capital, notices);
    router
        .send(SubscribeOrders(trades.clone().recipient()))
        .await?;
    Ok(Core {
        health,
        risk,
        router,
        trader,
        guard,
        capital,
        history: crate::history::recorder::start(cfg),
        trades,
        notify,
        gone: vec![
            ("risk_manager", risk_gone),
            ("order_router", router_gone),
            ("capital_watch", capital_gone),
            ("trader", trader_gone),
            ("health_monitor", health_gone),
        ],
    })
}

/// The stop-loss guard under a watchdog, with the tick of every contract so it can protect
/// a position in any symbol, configured or not.
fn start_guard(
    cfg: &BotConfig,
    rest: &RestClient,
    ticks: HashMap<String, Decimal>,
    health: &Addr<HealthMonitor>,
    capital: &Addr<CapitalWatch>,
) -> Addr<Watchdog<StopLossGuard>> {
    let guard_cfg = GuardConfig {
        stop_distance: cfg.strategy.stop_loss_pct / Decimal::ONE_HUNDRED,
        ticks,
        pos_mode: startup::pos_mode(cfg),
        grace: Duration::from_secs(2),
        close_after: Duration::from_secs(30),
        close_marks: Some(cfg.data_dir.clone()),
    };
    let guard_rest = rest.clone();
    Watchdog::new(
        "stop_loss_guard",
        move || StopLossGuard::new(guard_rest.clone(), guard_cfg.clone()),
        RestartPolicy::default(),
        vec![health.clone().recipient(), capital.clone().recipient()],
    )
    .start()
}

fn trend_strategy(cfg: &BotConfig) -> TrendStrategy {
    let pct = |p: Decimal| p / Decimal::ONE_HUNDRED;
    TrendStrategy::new(TrendConfig {
        fast: cfg.strategy.fast,
        slow: cfg.strategy.slow,
        cooldown: Duration::from_secs(cfg.strategy.cooldown_secs),
        take_profit: pct(cfg.strategy.take_profit_pct),
        stop_loss: pct(cfg.strategy.stop_loss_pct),
        margin: cfg.risk.max_position_margin,
        leverage: cfg.risk.leverage,
    })
}

fn capital_config(cfg: &BotConfig, size_steps: HashMap<String, Decimal>) -> CapitalConfig {
    CapitalConfig {
        emergency_equity: cfg.risk.emergency_equity,
        flatten: cfg.risk.emergency_flatten,
        unreachable_after: Duration::from_secs(cfg.risk.unreachable_after_secs.max(5)),
        max_position_margin: cfg.risk.max_position_margin,
        size_steps,
    }
}

/// Everyone who reads account snapshots.
fn snapshot_sinks(core: &Core) -> Vec<Recipient<AccountSnapshot>> {
    let mut sinks = vec![
        core.risk.clone().recipient(),
        core.health.clone().recipient(),
        core.guard.clone().recipient(),
        core.capital.clone().recipient(),
        core.router.clone().recipient(),
        core.trades.clone().recipient(),
    ];
    sinks.extend(core.history.clone().map(Addr::recipient));
    sinks
}

/// Everyone told of a WebSocket lost or regained.
fn connection_sinks(core: &Core) -> Vec<Recipient<ConnectionEvent>> {
    let mut v = vec![core.health.clone().recipient()];
    v.extend(core.notify.relay.iter().map(|n| n.clone().recipient()));
    v
}

fn start_account_sync(
    cfg: &BotConfig,
    rest: &RestClient,
    core: &Core,
    private_ws: PrivateWs,
) -> Addr<Watchdog<AccountSync>> {
    let sync_sinks = SnapshotSinks {
        snapshots: snapshot_sinks(core),
        heartbeat: Some(core.health.clone().recipient()),
        settle: Some(core.router.clone().recipient()),
        connections: connection_sinks(core),
        protection: Some(core.guard.clone().recipient()),
    };
    let (sync_rest, sync_every) = (rest.clone(), cfg.intervals.account_periods());
    Watchdog::new(
        "account_sync",
        move || {
            AccountSync::new(
                sync_rest.clone(),
                sync_every,
                sync_sinks.clone(),
                Some(private_ws.clone()),
            )
        },
        RestartPolicy::default(),
        restart_sinks(core),
    )
    .start()
}

fn restart_sinks(core: &Core) -> Vec<Recipient<Restarted>> {
    let mut v = vec![
        core.health.clone().recipient(),
        core.capital.clone().recipient(),
    ];
    v.extend(core.notify.relay.iter().map(|n| n.clone().recipient()));
    v
}

fn start_market_feed(
    cfg: &BotConfig,
    rest: &RestClient,
    core: &Core,
    ws: WsConfig,
) -> Addr<Watchdog<MarketFeed>> {
    let mut ticks = vec![
        core.trader.clone().recipient(),
        core.health.clone().recipient(),
    ];
    ticks.extend(core.history.clone().map(Addr::recipient));
    let tick_sinks = TickSinks {
        ticks,
        heartbeat: Some(core.health.clone().recipient()),
        connections: connection_sinks(core),
    };
    let (feed_rest, symbols, feed_every) = (
        rest.clone(),
        cfg.symbols.clone(),
        Duration::from_millis(cfg.intervals.market_poll_ms),
    );
    Watchdog::new(
        "market_feed",
        move || {
            MarketFeed::new(
                feed_rest.clone(),
                symbols.clone(),
                feed_every,
                tick_sinks.clone(),
                Some(ws.clone()),
            )
        },
        RestartPolicy::default(),
        restart_sinks(core),
    )
    .start()
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

/// Resolves with the name of the first actor found dead — stopped, or killed by a panic in a
/// handler — whose supervision policy is to end the process (`supervisor::SUPERVISION`).
/// Event-driven: it waits on each actor's [`Gone`], so an idle bot never wakes for it.
pub async fn critical_failure(bot: &Bot) -> &'static str {
    let deaths: Vec<_> = bot
        .critical
        .iter()
        .filter(|(name, _)| on_failure(name) == OnFailure::EndProcess)
        .map(|(name, gone)| {
            Box::pin(async move {
                gone.wait().await;
                *name
            })
        })
        .collect();
    if deaths.is_empty() {
        return std::future::pending().await;
    }
    let (name, _, _) = futures_util::future::select_all(deaths).await;
    tracing::error!(actor = name, "critical actor died");
    metrics::counter!("viper_actor_restarts_total", "actor" => name).increment(1);
    name
}
