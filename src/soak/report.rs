//! The soak's JSON report: the figures from the simulator's audit, what the soak itself saw
//! (kills, restarts, the emergency, the bot's RSS and CPU), and the thresholds that decide the
//! exit status.

use super::figures::{self, Breach, JournalRow, Limits, Lost, Rest, Span, Unprotected};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The bot's clientOid prefix (`vp<start-ms>x<n>`).
pub const OID_PREFIX: &str = "vp";
/// Feed uptime below this fails the soak.
pub const MIN_FEED_UPTIME: f64 = 0.999;
/// Unprotected time above this (simulator clock) fails the soak, ms.
pub const MAX_UNPROTECTED_MS: i64 = 1_000;

/// One restart of the bot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Restart {
    /// Why it went down: `kill_random`, `kill_in_flight`, `kill_after_journal`,
    /// `kill_in_flatten`, `exited` (the bot ended by itself), `resume`.
    pub cause: String,
    /// When it went down, ms.
    pub down_at: i64,
    /// When it was trading again (or, while latched, answering), ms.
    pub back_at: Option<i64>,
    /// back_at − down_at, ms.
    pub to_trading_ms: Option<i64>,
}

/// The emergency the soak forced once.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Trip {
    /// Open positions when equity was driven below the floor.
    pub positions_at_trip: usize,
    /// When the soak drove it, ms.
    pub tripped_at: i64,
    /// Whether the bot was SIGKILLed in the middle of its flatten.
    pub killed_in_flatten: bool,
    /// Whether every position was closed afterwards.
    pub flat: bool,
    /// `viper resume` succeeded and the bot traded again.
    pub resumed: bool,
}

/// What the soak recorded itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Observed {
    /// Seed of the simulator and of the soak's own draws.
    pub seed: u64,
    /// Market speed factor.
    pub speed: f64,
    /// Planned duration, s.
    pub duration_secs: f64,
    /// Wall time the soak took, s.
    pub wall_secs: f64,
    /// The fault plan file.
    pub fault_plan: Option<String>,
    /// /proc/loadavg at start and end.
    pub load: [String; 2],
    /// When the bot first traded, ms (simulator clock).
    pub first_ready: Option<i64>,
    /// End of the run, ms.
    pub ended_at: i64,
    /// A signal stopped the run early.
    pub interrupted: bool,
    /// Why the soak could not run, if it could not.
    pub failed_to_start: Option<String>,
    /// Restarts, in order.
    pub restarts: Vec<Restart>,
    /// Kills by kind.
    pub kills: BTreeMap<String, u64>,
    /// Peak RSS over the bot's lives, KiB.
    pub peak_rss_kib: u64,
    /// CPU over the bot's lives, s.
    pub cpu_secs: f64,
    /// Time the bot process ran, s.
    pub bot_up_secs: f64,
    /// The forced emergency.
    pub trip: Option<Trip>,
    /// Spans the soak held the market still (no market data to deliver), ms.
    pub paused: Vec<(i64, i64)>,
    /// WebSocket connections one start opens (measured when the first start was trading,
    /// before any fault).
    pub ws_per_start: u64,
    /// Starts that ended before the bot traded (each retried after the restart delay).
    pub start_failures: u64,
}

/// Feed uptime.
#[derive(Debug, Default, Serialize)]
pub struct Feeds {
    /// Market data.
    pub public_uptime: f64,
    /// Account data.
    pub private_uptime: f64,
    /// Time measured, s (the bot trading and the exchange up).
    pub measured_secs: f64,
    /// Time left out, s: bot restarts (see restarts) and exchange outages.
    pub excluded_secs: f64,
}

/// One emergency stop as the audit saw it.
#[derive(Debug, Serialize)]
pub struct Emergency {
    /// Equity first below the floor, ms.
    pub breached_at: i64,
    /// No position left, ms.
    pub flat_at: Option<i64>,
    /// flat_at − breached_at, ms.
    pub breach_to_flat_ms: Option<i64>,
}

/// The report.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Did every threshold hold?
    pub passed: bool,
    /// The thresholds that failed.
    pub failures: Vec<String>,
    /// Rows in the bot's journal.
    pub intents_journaled: usize,
    /// Journal rows by final phase.
    pub journal_phases: BTreeMap<String, usize>,
    /// Orders on the exchange with the bot's clientOids.
    pub orders_on_exchange: usize,
    /// clientOids the exchange holds more than once.
    pub duplicate_client_oids: usize,
    /// Positions two of the bot's orders opened.
    pub same_intent_twice: usize,
    /// Lost orders.
    pub lost: Lost,
    /// Refusals the bot could have prevented, by code and path.
    pub rejected_preventable: BTreeMap<String, usize>,
    /// TP/SL refusals that raced the market (valid when the request arrived), by code and
    /// path: not preventable, reported so that nothing is hidden.
    pub rejected_raced: BTreeMap<String, usize>,
    /// Limit breaches.
    pub breaches: Vec<Breach>,
    /// Unprotected time.
    pub unprotected: Unprotected,
    /// Feed uptime.
    pub feeds: Feeds,
    /// REST.
    pub rest: Rest,
    /// WebSocket connections opened beyond what each start opens.
    pub reconnects: u64,
    /// WebSocket connections opened, by kind.
    pub ws_opened: Value,
    /// Restarts of the bot.
    pub restarts: usize,
    /// Slowest restart to trading, ms.
    pub restart_to_trading_max_ms: Option<i64>,
    /// Mean restart to trading, ms.
    pub restart_to_trading_mean_ms: Option<f64>,
    /// Emergency stops.
    pub emergency_stops: Vec<Emergency>,
    /// Bot peak RSS, MiB.
    pub bot_peak_rss_mib: f64,
    /// Bot CPU, percent of one core over its running time.
    pub bot_cpu_percent: f64,
    /// What the soak recorded.
    pub run: Observed,
}

/// Reads the journal's orders (the bot must be stopped).
pub fn read_journal(data_dir: &Path) -> anyhow::Result<Vec<JournalRow>> {
    let path = data_dir.join("journal.db");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let conn =
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut st = conn.prepare("SELECT client_oid, phase, created_ms FROM orders")?;
    let rows = st
        .query_map([], |r| {
            Ok(JournalRow {
                client_oid: r.get(0)?,
                phase: r.get(1)?,
                created_ms: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Spans during which the exchange refused most of everything — outage episodes, and episodes
/// of `error` or `rate_limit` rules on every path at probability ≥ 0.5 — each extended by the
/// freshness window: until its next poll after the exchange is back, no client can hold data
/// younger than the episode.
fn outages(audit: &Value) -> Vec<Span> {
    let fresh = audit["feed_fresh_ms"].as_i64().unwrap_or(0);
    let exchange_wide = |e: &&Value| {
        e["kind"] == "outage"
            || ((e["kind"] == "rate_limit" || e["kind"] == "error")
                && e["path"].is_null()
                && e["probability"].as_f64().unwrap_or(0.0) >= 0.5)
    };
    audit["fault_episodes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(exchange_wide)
                .filter_map(|e| {
                    Some((
                        e["from"].as_i64()?,
                        e["to"].as_i64().map_or(i64::MAX, |t| t + fresh),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Feed uptime over the time the bot traded and the exchange was up.
fn feeds(audit: &Value, obs: &Observed) -> Feeds {
    let end = obs.ended_at;
    let mut excluded: Vec<Span> = obs
        .restarts
        .iter()
        .map(|r| (r.down_at, r.back_at.unwrap_or(end)))
        .collect();
    excluded.extend(outages(audit));
    let start = obs.first_ready.unwrap_or(end);
    let measured = figures::minus((start, end), &excluded);
    let measured_ms: i64 = measured.iter().map(|(a, b)| b - a).sum();
    // While the soak holds the market still there is no market data to deliver.
    let fresh = audit["feed_fresh_ms"].as_i64().unwrap_or(0);
    excluded.extend(obs.paused.iter().map(|(a, b)| (*a, b + fresh)));
    let measured_public = figures::minus((start, end), &excluded);
    Feeds {
        public_uptime: figures::uptime(&audit["feeds"]["public"], &measured_public),
        private_uptime: figures::uptime(&audit["feeds"]["private"], &measured),
        measured_secs: measured_ms as f64 / 1000.0,
        excluded_secs: ((end - start) - measured_ms) as f64 / 1000.0,
    }
}

/// The emergency timelines of the soak's account.
fn emergencies(audit: &Value) -> Vec<Emergency> {
    audit["emergencies"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["uid"].as_u64() == Some(viper_sim::DEFAULT_UID))
                .map(|e| {
                    let breached_at = e["breached_at"].as_i64().unwrap_or(0);
                    let flat_at = e["flat_at"].as_i64();
                    Emergency {
                        breached_at,
                        flat_at,
                        breach_to_flat_ms: flat_at.map(|f| f - breached_at),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Builds the report from the audit, the request log, the journal and the soak's record.
pub fn build(
    audit: &Value,
    requests: &Value,
    journal: &[JournalRow],
    obs: Observed,
    limits: Limits,
) -> Report {
    let uid = viper_sim::DEFAULT_UID;
    let end = obs.ended_at;
    let (lost, duplicate_client_oids) =
        figures::lost_and_duplicates(audit, uid, journal, OID_PREFIX, end);
    let mut journal_phases = BTreeMap::new();
    for r in journal {
        *journal_phases.entry(r.phase.clone()).or_insert(0) += 1;
    }
    let orders_on_exchange = audit["orders"].as_array().map_or(0, |a| {
        a.iter()
            .filter(|o| {
                o["clientOid"]
                    .as_str()
                    .is_some_and(|c| c.starts_with(OID_PREFIX))
            })
            .count()
    });
    let feeds = feeds(audit, &obs);
    let emergency_stops = emergencies(audit);
    let times: Vec<i64> = obs
        .restarts
        .iter()
        .filter_map(|r| r.to_trading_ms)
        .collect();
    let ws_total = audit["ws_opened"]["public"].as_u64().unwrap_or(0)
        + audit["ws_opened"]["private"].as_u64().unwrap_or(0);
    let lives = obs.restarts.len() as u64 + 1;
    let rejections = figures::rejections(audit, uid);
    let mut report = Report {
        passed: false,
        failures: Vec::new(),
        intents_journaled: journal.len(),
        journal_phases,
        orders_on_exchange,
        duplicate_client_oids,
        same_intent_twice: figures::same_intent_twice(audit, uid, OID_PREFIX),
        lost,
        rejected_preventable: rejections.preventable,
        rejected_raced: rejections.raced,
        breaches: figures::breaches(audit, uid, limits, end),
        unprotected: figures::unprotected(audit, uid, OID_PREFIX, end),
        feeds,
        rest: figures::rest(requests, 2_000),
        reconnects: ws_total.saturating_sub(lives * obs.ws_per_start),
        ws_opened: audit["ws_opened"].clone(),
        restarts: obs.restarts.len(),
        restart_to_trading_max_ms: times.iter().max().copied(),
        restart_to_trading_mean_ms: (!times.is_empty())
            .then(|| times.iter().sum::<i64>() as f64 / times.len() as f64),
        emergency_stops,
        bot_peak_rss_mib: obs.peak_rss_kib as f64 / 1024.0,
        bot_cpu_percent: if obs.bot_up_secs > 0.0 {
            100.0 * obs.cpu_secs / obs.bot_up_secs
        } else {
            0.0
        },
        run: obs,
    };
    report.failures = failures(&report);
    report.passed = report.failures.is_empty();
    report
}

/// The thresholds of issue 11 (plus: the bot started, and the forced emergency ended flat).
pub fn failures(r: &Report) -> Vec<String> {
    let mut f = Vec::new();
    if r.run.interrupted {
        f.push("interrupted by a signal before its duration".to_string());
    }
    if let Some(why) = &r.run.failed_to_start {
        f.push(format!("the bot failed to start: {why}"));
    }
    let dups = r.duplicate_client_oids + r.same_intent_twice;
    if dups > 0 {
        f.push(format!(
            "duplicates: {} clientOids twice, {} intents placed twice",
            r.duplicate_client_oids, r.same_intent_twice
        ));
    }
    if r.lost.total > 0 {
        f.push(format!(
            "lost orders: {} ({:?})",
            r.lost.total, r.lost.client_oids
        ));
    }
    if !r.breaches.is_empty() {
        let total: i64 = r.breaches.iter().map(|b| b.duration_ms).sum();
        f.push(format!(
            "limit breaches: {} lasting {total} ms in all",
            r.breaches.len()
        ));
    }
    if r.unprotected.max_ms > MAX_UNPROTECTED_MS {
        f.push(format!(
            "a position was unprotected for {} ms (limit {MAX_UNPROTECTED_MS})",
            r.unprotected.max_ms
        ));
    }
    for (name, u) in [
        ("public", r.feeds.public_uptime),
        ("private", r.feeds.private_uptime),
    ] {
        if u < MIN_FEED_UPTIME {
            f.push(format!(
                "{name} feed uptime {:.4} % < {:.1} %",
                u * 100.0,
                MIN_FEED_UPTIME * 100.0
            ));
        }
    }
    if let Some(t) = &r.run.trip
        && !t.flat
    {
        f.push(format!(
            "the forced emergency did not end flat ({} positions at the trip)",
            t.positions_at_trip
        ));
    }
    f
}
