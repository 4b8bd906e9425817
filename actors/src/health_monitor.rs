//! HealthMonitor: heartbeats from every actor, the age of market and account data, restart
//! counts, request latency beyond the 2 s criterion, the trading state, and from these a
//! verdict — live, degraded or halted — with the reasons.

use crate::events::{AccountSnapshot, Heartbeat, MarketTick, TradingState, TradingStateChanged};
use crate::supervisor::Restarted;
use actix::prelude::*;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Everything fresh, trading allowed.
    Live,
    /// Running, but something is stale or restarting.
    Degraded,
    /// Trading halted.
    Halted,
}

impl Verdict {
    /// Text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Live => "live",
            Verdict::Degraded => "degraded",
            Verdict::Halted => "halted",
        }
    }
}

/// What `GetHealth` answers.
#[derive(Debug, Clone)]
pub struct HealthReport {
    /// Verdict.
    pub verdict: Verdict,
    /// Why it is not live.
    pub reasons: Vec<String>,
    /// Age of the newest market tick.
    pub market_age: Option<Duration>,
    /// Age of the newest account snapshot.
    pub account_age: Option<Duration>,
    /// Restarts per actor.
    pub restarts: BTreeMap<&'static str, u32>,
    /// Heartbeat age per actor.
    pub heartbeats: BTreeMap<&'static str, Duration>,
    /// Time since start.
    pub uptime: Duration,
    /// Fraction of checks (every second) with fresh market data.
    pub market_uptime: f64,
    /// Trading state.
    pub trading: TradingState,
}

/// Ask for the report.
#[derive(Debug, Message)]
#[rtype(result = "HealthReport")]
pub struct GetHealth;

/// The health monitor actor.
pub struct HealthMonitor {
    started: Instant,
    stale_after: Duration,
    beats: BTreeMap<&'static str, Instant>,
    restarts: BTreeMap<&'static str, u32>,
    last_tick: Option<Instant>,
    last_account: Option<Instant>,
    trading: TradingState,
    trading_reason: String,
    checks: u64,
    fresh_checks: u64,
}

impl HealthMonitor {
    /// Data older than `stale_after` makes the verdict degraded.
    pub fn new(stale_after: Duration) -> Self {
        Self {
            started: Instant::now(),
            stale_after,
            beats: BTreeMap::new(),
            restarts: BTreeMap::new(),
            last_tick: None,
            last_account: None,
            trading: TradingState::Halted,
            trading_reason: "starting: reconciliation not complete".into(),
            checks: 0,
            fresh_checks: 0,
        }
    }

    fn report(&self) -> HealthReport {
        let age = |t: Option<Instant>| t.map(|t| t.elapsed());
        let (market_age, account_age) = (age(self.last_tick), age(self.last_account));
        let mut reasons = Vec::new();
        for (what, a) in [("market data", market_age), ("account data", account_age)] {
            match a {
                None => reasons.push(format!("no {what} yet")),
                Some(a) if a > self.stale_after => {
                    reasons.push(format!("{what} is {:.1}s old", a.as_secs_f64()))
                }
                _ => {}
            }
        }
        let verdict = if self.trading == TradingState::Halted {
            reasons.insert(0, format!("trading halted: {}", self.trading_reason));
            Verdict::Halted
        } else if reasons.is_empty() {
            Verdict::Live
        } else {
            Verdict::Degraded
        };
        HealthReport {
            verdict,
            reasons,
            market_age,
            account_age,
            restarts: self.restarts.clone(),
            heartbeats: self.beats.iter().map(|(k, v)| (*k, v.elapsed())).collect(),
            uptime: self.started.elapsed(),
            market_uptime: if self.checks == 0 {
                0.0
            } else {
                self.fresh_checks as f64 / self.checks as f64
            },
            trading: self.trading,
        }
    }
}

impl Actor for HealthMonitor {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(Duration::from_secs(1), |act, _| {
            act.checks += 1;
            if act
                .last_tick
                .is_some_and(|t| t.elapsed() <= act.stale_after)
            {
                act.fresh_checks += 1;
            }
            let r = act.report();
            metrics::gauge!("viper_market_data_age_seconds")
                .set(r.market_age.map_or(f64::NAN, |a| a.as_secs_f64()));
            metrics::gauge!("viper_market_uptime_ratio").set(r.market_uptime);
            metrics::gauge!("viper_health_verdict", "verdict" => "live")
                .set(f64::from(u8::from(r.verdict == Verdict::Live)));
        });
    }
}

impl Handler<Heartbeat> for HealthMonitor {
    type Result = ();
    fn handle(&mut self, m: Heartbeat, _: &mut Self::Context) {
        self.beats.insert(m.actor, Instant::now());
    }
}

impl Handler<MarketTick> for HealthMonitor {
    type Result = ();
    fn handle(&mut self, m: MarketTick, _: &mut Self::Context) {
        self.last_tick = Some(self.last_tick.map_or(m.received, |t| t.max(m.received)));
    }
}

impl Handler<AccountSnapshot> for HealthMonitor {
    type Result = ();
    fn handle(&mut self, m: AccountSnapshot, _: &mut Self::Context) {
        self.last_account = Some(m.at);
    }
}

impl Handler<Restarted> for HealthMonitor {
    type Result = ();
    fn handle(&mut self, m: Restarted, _: &mut Self::Context) {
        self.restarts.insert(m.actor, m.count);
    }
}

impl Handler<TradingStateChanged> for HealthMonitor {
    type Result = ();
    fn handle(&mut self, m: TradingStateChanged, _: &mut Self::Context) {
        self.trading = m.state;
        self.trading_reason = m.reason;
    }
}

impl Handler<GetHealth> for HealthMonitor {
    type Result = MessageResult<GetHealth>;
    fn handle(&mut self, _: GetHealth, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.report())
    }
}
