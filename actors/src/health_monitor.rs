//! HealthMonitor: heartbeats from every actor, the age of market and account data, restart
//! counts, request latency beyond the 2 s criterion, the trading state, and from these a
//! verdict — live, degraded or halted — with the reasons.

use crate::events::{
    AccountSnapshot, ConnectionEvent, ConnectionKind, Heartbeat, MarketTick, TradingState,
    TradingStateChanged,
};
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
    /// Per WebSocket connection: connected now, reconnects, measured connected fraction.
    pub connections: BTreeMap<&'static str, ConnStatus>,
    /// REST endpoints whose latest request took 2 s or more within the last
    /// [`SLOW_WINDOW`] (a faster request since clears it).
    pub slow_endpoints: Vec<(&'static str, Duration)>,
    /// Fraction of checks (every second) with both market and account data fresh: the
    /// uptime figure, independent of a single slow request.
    pub data_uptime: f64,
}

/// How long one slow request keeps the verdict degraded, unless a faster request of the same
/// endpoint comes first: `/ready` recovers within this once requests are fast again.
pub const SLOW_WINDOW: Duration = Duration::from_secs(10);

/// One connection's record.
#[derive(Debug, Clone, Default)]
pub struct ConnStatus {
    /// Connected now.
    pub connected: bool,
    /// Reconnects since start.
    pub reconnects: u32,
    /// Fraction of time connected since it first connected.
    pub uptime: f64,
    /// Age of the last message received on it (from its owner's heartbeat).
    pub message_age: Option<Duration>,
}

#[derive(Debug, Clone)]
struct ConnTrack {
    connected_since: Option<Instant>,
    first: Instant,
    up: std::time::Duration,
    reconnects: u32,
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
    data_fresh_checks: u64,
    conns: BTreeMap<&'static str, ConnTrack>,
    ws_ages: BTreeMap<&'static str, (Duration, Instant)>,
    rest: Option<viper_bitget::RestClient>,
    account_quiet: Duration,
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
            data_fresh_checks: 0,
            conns: BTreeMap::new(),
            ws_ages: BTreeMap::new(),
            rest: None,
            account_quiet: Duration::ZERO,
        }
    }

    /// Account data may be this much older than `stale_after` while the private WebSocket
    /// is connected: the exchange pushes every change, and AccountSync reads on a slow
    /// period meanwhile.
    pub fn with_account_quiet(mut self, quiet: Duration) -> Self {
        self.account_quiet = quiet;
        self
    }

    /// How old account data may be now.
    fn account_stale_after(&self) -> Duration {
        let pushed = self
            .conns
            .get("ws_private")
            .is_some_and(|c| c.connected_since.is_some());
        if pushed {
            self.stale_after + self.account_quiet
        } else {
            self.stale_after
        }
    }

    /// Also watch this client's request latencies (the 2 s criterion).
    pub fn with_rest(mut self, rest: viper_bitget::RestClient) -> Self {
        self.rest = Some(rest);
        self
    }

    fn report(&self) -> HealthReport {
        let age = |t: Option<Instant>| t.map(|t| t.elapsed());
        let (market_age, account_age) = (age(self.last_tick), age(self.last_account));
        let mut reasons = Vec::new();
        for (what, a, limit) in [
            ("market data", market_age, self.stale_after),
            ("account data", account_age, self.account_stale_after()),
        ] {
            match a {
                None => reasons.push(format!("no {what} yet")),
                Some(a) if a > limit => {
                    reasons.push(format!("{what} is {:.1}s old", a.as_secs_f64()))
                }
                _ => {}
            }
        }
        let slow_endpoints = self
            .rest
            .as_ref()
            .map(|r| r.slow_requests(SLOW_WINDOW))
            .unwrap_or_default();
        for (ep, d) in &slow_endpoints {
            reasons.push(format!("{ep} took {:.1}s (over 2 s)", d.as_secs_f64()));
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
            connections: self
                .conns
                .iter()
                .map(|(k, c)| {
                    let mut st = conn_status(c);
                    st.message_age = self.ws_ages.get(k).map(|(age, at)| *age + at.elapsed());
                    (*k, st)
                })
                .collect(),
            slow_endpoints,
            data_uptime: ratio(self.data_fresh_checks, self.checks),
        }
    }

    fn fresh(&self, t: Option<Instant>) -> bool {
        t.is_some_and(|t| t.elapsed() <= self.stale_after)
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn conn_status(c: &ConnTrack) -> ConnStatus {
    let up = c.up + c.connected_since.map(|t| t.elapsed()).unwrap_or_default();
    let total = c.first.elapsed().as_secs_f64();
    ConnStatus {
        connected: c.connected_since.is_some(),
        reconnects: c.reconnects,
        uptime: if total > 0.0 {
            (up.as_secs_f64() / total).min(1.0)
        } else {
            1.0
        },
        message_age: None,
    }
}

impl Handler<ConnectionEvent> for HealthMonitor {
    type Result = ();
    fn handle(&mut self, m: ConnectionEvent, _: &mut Self::Context) {
        let now = Instant::now();
        let c = self.conns.entry(m.connection).or_insert(ConnTrack {
            connected_since: None,
            first: now,
            up: Duration::ZERO,
            reconnects: 0,
        });
        match m.kind {
            ConnectionKind::Connected | ConnectionKind::Reconnected => {
                if m.kind == ConnectionKind::Reconnected {
                    c.reconnects += 1;
                    metrics::counter!("viper_ws_reconnects_seen_total", "connection" => m.connection).increment(1);
                }
                c.connected_since.get_or_insert(now);
            }
            ConnectionKind::Disconnected => {
                if let Some(t) = c.connected_since.take() {
                    c.up += t.elapsed();
                }
            }
        }
        metrics::gauge!("viper_connection_up", "connection" => m.connection)
            .set(f64::from(u8::from(c.connected_since.is_some())));
    }
}

impl Actor for HealthMonitor {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        crate::timer_grid::run_interval(ctx, Duration::from_secs(1), |act, _| {
            act.checks += 1;
            let market = act.fresh(act.last_tick);
            act.fresh_checks += u64::from(market);
            let both = market
                && act
                    .last_account
                    .is_some_and(|t| t.elapsed() <= act.account_stale_after());
            act.data_fresh_checks += u64::from(both);
            let r = act.report();
            metrics::gauge!("viper_data_fresh").set(f64::from(u8::from(both)));
            metrics::gauge!("viper_data_uptime_ratio").set(r.data_uptime);
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
        let conn = match m.actor {
            "market_feed" => Some("ws_public"),
            "account_sync" => Some("ws_private"),
            _ => None,
        };
        if let (Some(c), Some(age)) = (conn, m.ws_message_age) {
            self.ws_ages.insert(c, (age, Instant::now()));
        }
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
