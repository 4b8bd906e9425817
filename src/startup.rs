//! Start-up recovery, step by step. Local resources first: the data directory and the
//! journal (the admin port is bound before). Then the exchange: the live key policy, the
//! clock, contracts, position and margin mode against the config (changed only when flat,
//! else refuse), leverage set and read back; settle every non-final order by clientOid, read
//! the account and adopt its positions; only then is trading enabled (or kept halted by a
//! latched emergency stop). Every exchange step is patient (`startup_retry`): transient
//! failures are retried with backoff, permanent ones end start-up with one message.
//! `system::start` calls these in order and only wires.

use crate::config::BotConfig;
use actix::prelude::*;
use anyhow::{Context as _, bail};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::time::Duration;
use viper_actors::account_sync::read_account;
use viper_actors::capital::{CapitalWatch, SetTradingState, flatten_pending, latched, paused};
use viper_actors::events::{AccountSnapshot, TradingState};
use viper_actors::journal::Journal;
use viper_actors::order_router::{OrderRouter, SettleNow};
use viper_actors::strategy::ContractRules;
use viper_bitget::RestClient;
use viper_bitget::models::{MarginMode, PosMode};

pub use crate::startup_retry::{Progress, patiently};

/// What the exchange told us before any actor starts.
pub struct ExchangeReady {
    /// Per configured symbol: tick, size step and minimums.
    pub rules: HashMap<String, ContractRules>,
    /// The price tick of every contract: the guard protects a position in any symbol.
    pub ticks: HashMap<String, Decimal>,
    /// The size step of every contract: the post-trade check reduces any position.
    pub size_steps: HashMap<String, Decimal>,
}

/// The bot's local state, opened before trading: the journal (orders) and a second connection
/// for the trading state, and the emergency latch read from it.
pub struct LocalState {
    /// The order journal (the OrderRouter's).
    pub journal: Journal,
    /// The trading-state journal connection (CapitalWatch's; SQLite WAL serves both).
    pub state_journal: Journal,
    /// The latched emergency stop's reason, if one is set.
    pub latch: Option<String>,
    /// The operator pause's reason, if one is set (survives restarts until resumed).
    pub paused: Option<String>,
}

/// The live key policy, clock, contracts, modes and leverage: everything checked on the
/// exchange before the actors start, each step patient. Keeps the server clock in sync from
/// then on.
pub async fn prepare_exchange(
    rest: &RestClient,
    cfg: &BotConfig,
    progress: &Progress,
) -> anyhow::Result<ExchangeReady> {
    if cfg.mode == "live" {
        patiently(progress, "live key policy", || {
            crate::check::enforce_live_key_policy(rest, cfg)
        })
        .await?;
    }
    patiently(progress, "server clock", || async {
        rest.sync_clock()
            .await
            .context("measuring the server clock")
    })
    .await?;
    actix_rt::spawn(rest.clone().run_clock_sync(Duration::from_secs(60)));
    let ready = patiently(progress, "contracts", || contract_rules(rest, cfg)).await?;
    patiently(progress, "account modes and leverage", || {
        prepare_account(rest, cfg)
    })
    .await?;
    Ok(ready)
}

/// Opens the journal (creating the data directory) and reads the emergency latch.
pub fn open_local(cfg: &BotConfig) -> anyhow::Result<LocalState> {
    let journal = Journal::open(&cfg.data_dir)?;
    // A second connection for the trading state (SQLite WAL serves both).
    let state_journal = Journal::open(&cfg.data_dir)?;
    // An unfinished emergency flatten latches too (CapitalWatch finishes it at start).
    let latch = latched(&state_journal).or_else(|| flatten_pending(&state_journal));
    let paused = paused(&state_journal);
    Ok(LocalState {
        journal,
        state_journal,
        latch,
        paused,
    })
}

/// Settles every non-final order of the journal by clientOid, then reads the account; both
/// patient.
pub async fn reconcile(
    router: &Addr<OrderRouter>,
    rest: &RestClient,
    progress: &Progress,
) -> anyhow::Result<AccountSnapshot> {
    patiently(progress, "journal settlement", || async {
        router
            .send(SettleNow)
            .await?
            .context("settling the journal")
    })
    .await?;
    let snapshot = patiently(progress, "account", || async {
        read_account(rest).await.context("reconciling the account")
    })
    .await?;
    for p in &snapshot.positions {
        tracing::info!(symbol = %p.symbol, long = p.long, size = %p.size, stop = ?p.stop_loss, "adopting an open position");
    }
    Ok(snapshot)
}

/// The last step: trading enabled, kept paused by an operator pause, or kept halted by a
/// latched emergency stop.
pub async fn enable_trading(
    capital: &Addr<CapitalWatch>,
    latch: Option<String>,
    paused: Option<String>,
    snapshot: &AccountSnapshot,
) -> anyhow::Result<()> {
    let (state, reason, latch) = match (latch, paused) {
        (Some(reason), _) => {
            tracing::error!(%reason, "an emergency stop is latched: trading stays halted until an operator runs `viper resume --clear-emergency`");
            (TradingState::Halted, format!("latched: {reason}"), true)
        }
        (None, Some(reason)) => {
            tracing::warn!(%reason, positions = snapshot.positions.len(), "paused by the operator: no new entries until `viper resume`; positions and their exchange-side TP/SL stay");
            (
                TradingState::Paused,
                format!("operator pause: {reason}"),
                false,
            )
        }
        (None, None) => (TradingState::Active, "recovery complete".into(), false),
    };
    capital
        .send(SetTradingState {
            state,
            reason,
            latch,
        })
        .await?;
    if state == TradingState::Active {
        tracing::info!(equity = %snapshot.equity, positions = snapshot.positions.len(), "recovery complete; trading enabled");
    }
    Ok(())
}

pub(crate) fn pos_mode(cfg: &BotConfig) -> PosMode {
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

async fn contract_rules(rest: &RestClient, cfg: &BotConfig) -> anyhow::Result<ExchangeReady> {
    let contracts = rest.contracts(None).await.context("reading contracts")?;
    let ticks = contracts
        .iter()
        .filter_map(|c| Some((c.symbol.clone(), c.price_tick()?)))
        .collect();
    let size_steps = contracts
        .iter()
        .map(|c| (c.symbol.clone(), c.size_multiplier.0))
        .collect();
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
    Ok(ExchangeReady {
        rules,
        ticks,
        size_steps,
    })
}
