//! The figures of a soak, each computed from the simulator's audit and request log (and, for
//! what the bot believed, its journal): pure functions of JSON, so they are table-tested.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A journal row as the soak reads it after the bot stopped.
#[derive(Debug, Clone)]
pub struct JournalRow {
    /// Our clientOid.
    pub client_oid: String,
    /// Last phase.
    pub phase: String,
    /// When it was journaled, ms.
    pub created_ms: i64,
}

/// A non-final journal row younger than this at the end is pending, not lost, ms: the bot
/// may keep an unknown create as exposure for its horizon (120 s by default) before it may
/// call it absent.
pub const PENDING_GRACE_MS: i64 = 180_000;

pub use super::spans::{Span, minus, uptime};

fn arr(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn dec(v: &Value) -> Decimal {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or_default()
}

/// The account's orders on the exchange, keyed by clientOid (orders without one skipped).
fn orders_by_oid(audit: &Value, uid: u64) -> HashMap<String, Vec<&Value>> {
    let mut m: HashMap<String, Vec<&Value>> = HashMap::new();
    for o in arr(&audit["orders"]) {
        let oid = o["clientOid"].as_str().unwrap_or_default();
        if o["uid"].as_u64() == Some(uid) && !oid.is_empty() {
            m.entry(oid.to_string()).or_default().push(o);
        }
    }
    m
}

/// Orders lost by the bot's accounting.
#[derive(Debug, Default, Serialize)]
pub struct Lost {
    /// Journaled `rejected` but the exchange has the order.
    pub rejected_but_on_exchange: usize,
    /// Journaled, never final, absent from the exchange, and older than the pending grace.
    pub unresolved: usize,
    /// Journaled, not final, absent, younger than the grace: still exposure, not counted.
    pub pending_at_end: usize,
    /// On the exchange with the bot's clientOid prefix but never journaled.
    pub unjournaled: usize,
    /// Sum of the above.
    pub total: usize,
    /// The clientOids concerned (at most 50).
    pub client_oids: Vec<String>,
}

/// Journal against exchange: what was lost, and how many clientOids the exchange holds twice.
pub fn lost_and_duplicates(
    audit: &Value,
    uid: u64,
    journal: &[JournalRow],
    prefix: &str,
    end: i64,
) -> (Lost, usize) {
    let on_exchange = orders_by_oid(audit, uid);
    let duplicates = on_exchange.values().filter(|v| v.len() > 1).count();
    let mut lost = Lost::default();
    let journaled: HashSet<&str> = journal.iter().map(|r| r.client_oid.as_str()).collect();
    for r in journal {
        let there = on_exchange.contains_key(&r.client_oid);
        let final_phase = matches!(r.phase.as_str(), "filled" | "cancelled" | "rejected");
        if r.phase == "rejected" && there {
            lost.rejected_but_on_exchange += 1;
        } else if !final_phase && !there && end - r.created_ms < PENDING_GRACE_MS {
            lost.pending_at_end += 1;
            continue;
        } else if !final_phase && !there {
            lost.unresolved += 1;
        } else {
            continue;
        }
        lost.client_oids.push(r.client_oid.clone());
    }
    for oid in on_exchange.keys() {
        if oid.starts_with(prefix) && !journaled.contains(oid.as_str()) {
            lost.unjournaled += 1;
            lost.client_oids.push(oid.clone());
        }
    }
    lost.total = lost.rejected_but_on_exchange + lost.unresolved + lost.unjournaled;
    lost.client_oids.sort();
    lost.client_oids.truncate(50);
    (lost, duplicates)
}

/// Positions that more than one of the bot's orders opened or increased: the bot never adds
/// to a position, so a second opener is the same intent placed twice under two ids.
pub fn same_intent_twice(audit: &Value, uid: u64, prefix: &str) -> usize {
    arr(&audit["positions"])
        .iter()
        .filter(|l| l["uid"].as_u64() == Some(uid))
        .filter(|l| {
            arr(&l["opened_by"])
                .iter()
                .filter(|c| c.as_str().is_some_and(|c| c.starts_with(prefix)))
                .count()
                > 1
        })
        .count()
}

/// One stretch of time with a limit exceeded.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Breach {
    /// `max_positions`, `max_position_margin` or `max_total_margin`.
    pub limit: &'static str,
    /// Start, ms.
    pub from: i64,
    /// End, ms (the end of the audit when still breached).
    pub to: i64,
    /// Duration, ms.
    pub duration_ms: i64,
    /// Worst value while it lasted.
    pub worst: String,
}

/// The bot's capital limits as the audit judges them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Concurrent positions.
    pub max_positions: u64,
    /// Margin of one position, USDT.
    pub max_position_margin: Decimal,
    /// Margin in use, USDT.
    pub max_total_margin: Decimal,
    /// Tolerance on margins for fill prices beyond the price the bot sized at (fraction).
    pub slippage: Decimal,
}

/// A check of one exposure point: the offending value, if over the limit.
type Over = Box<dyn Fn(&Value) -> Option<String>>;

/// Limit breaches with their durations, from the audit's exposure timeline.
pub fn breaches(audit: &Value, uid: u64, limits: Limits, end: i64) -> Vec<Breach> {
    let tol = Decimal::ONE + limits.slippage;
    let points: Vec<&Value> = arr(&audit["exposure_timeline"])
        .iter()
        .filter(|p| p["uid"].as_u64() == Some(uid))
        .collect();
    let checks: [(&'static str, Over); 3] = [
        (
            "max_positions",
            Box::new(move |p: &Value| {
                let n = p["positions"].as_u64().unwrap_or(0);
                (n > limits.max_positions).then(|| n.to_string())
            }),
        ),
        (
            "max_position_margin",
            Box::new(move |p: &Value| {
                let m = dec(&p["max_position_margin"]);
                (m > limits.max_position_margin * tol).then(|| m.to_string())
            }),
        ),
        (
            "max_total_margin",
            Box::new(move |p: &Value| {
                let m = dec(&p["total_margin"]);
                (m > limits.max_total_margin * tol).then(|| m.to_string())
            }),
        ),
    ];
    let mut out = Vec::new();
    for (limit, over) in checks.iter() {
        let mut open: Option<Breach> = None;
        for p in &points {
            let ts = p["ts"].as_i64().unwrap_or(0);
            match (over(p), open.as_mut()) {
                (Some(v), None) => {
                    open = Some(Breach {
                        limit,
                        from: ts,
                        to: ts,
                        duration_ms: 0,
                        worst: v,
                    })
                }
                (Some(v), Some(b)) => {
                    if v.parse::<Decimal>().ok() > b.worst.parse::<Decimal>().ok() {
                        b.worst = v;
                    }
                }
                (None, Some(_)) => {
                    if let Some(mut b) = open.take() {
                        b.to = ts;
                        b.duration_ms = ts - b.from;
                        out.push(b);
                    }
                }
                (None, None) => {}
            }
        }
        if let Some(mut b) = open {
            b.to = end.max(b.from);
            b.duration_ms = b.to - b.from;
            out.push(b);
        }
    }
    out
}

/// Time positions spent without an exchange-side stop-loss.
#[derive(Debug, Default, Serialize)]
pub struct Unprotected {
    /// Positions opened by the bot.
    pub positions: usize,
    /// Longest unprotected stretch of one position, ms.
    pub max_ms: i64,
    /// Sum over positions, ms.
    pub total_ms: i64,
}

/// Unprotected time of the positions the bot's orders opened.
pub fn unprotected(audit: &Value, uid: u64, prefix: &str, end: i64) -> Unprotected {
    let mut u = Unprotected::default();
    for l in arr(&audit["positions"]) {
        let own = arr(&l["opened_by"])
            .iter()
            .any(|c| c.as_str().is_some_and(|c| c.starts_with(prefix)));
        if l["uid"].as_u64() != Some(uid) || !own {
            continue;
        }
        u.positions += 1;
        for p in arr(&l["unprotected"]) {
            let from = p["from"].as_i64().unwrap_or(0);
            let to = p["to"].as_i64().unwrap_or(end);
            let ms = (to - from).max(0);
            u.max_ms = u.max_ms.max(ms);
            u.total_ms += ms;
        }
    }
    u
}

/// REST as the bot lived it.
#[derive(Debug, Default, Serialize)]
pub struct Rest {
    /// Requests the exchange received.
    pub requests: usize,
    /// Attempts that gave the client no usable answer (5xx, 429, `40015`, withheld,
    /// truncated, or delayed beyond its timeout); business answers (not found, rejected) count
    /// as answers.
    pub failed_attempts: usize,
    /// Failed attempts no later success on the same method and path followed within 10 s.
    pub unrecovered: usize,
    /// 1 − unrecovered / (successes + unrecovered).
    pub success_rate_after_retries: f64,
}

/// REST figures from the request log; `timeout_ms` is the client's request timeout.
pub fn rest(requests: &Value, timeout_ms: u64) -> Rest {
    let rows = arr(&requests["requests"]);
    let failed = |r: &Value| {
        let fault = r["fault"].as_str().unwrap_or_default();
        let http = r["http"].as_u64().unwrap_or(0);
        // A business answer (an order not found, a rejection) is an answer the client acts
        // on; 5xx, 429, system errors and broken or late answers are not.
        http >= 500
            || http == 429
            || r["code"].as_str() == Some("40015")
            || fault.contains("drop_after_apply")
            || fault.contains("malformed")
            || r["delay_ms"].as_u64().unwrap_or(0) >= timeout_ms
    };
    let mut last_ok: HashMap<(String, String), Vec<i64>> = HashMap::new();
    for r in rows.iter().filter(|r| !failed(r)) {
        let key = (
            r["method"].as_str().unwrap_or_default().to_string(),
            r["path"].as_str().unwrap_or_default().to_string(),
        );
        last_ok
            .entry(key)
            .or_default()
            .push(r["ts"].as_i64().unwrap_or(0));
    }
    let mut out = Rest {
        requests: rows.len(),
        ..Rest::default()
    };
    for r in rows.iter().filter(|r| failed(r)) {
        out.failed_attempts += 1;
        let key = (
            r["method"].as_str().unwrap_or_default().to_string(),
            r["path"].as_str().unwrap_or_default().to_string(),
        );
        let ts = r["ts"].as_i64().unwrap_or(0);
        let recovered = last_ok
            .get(&key)
            .is_some_and(|v| v.iter().any(|t| *t > ts && *t <= ts + 10_000));
        if !recovered {
            out.unrecovered += 1;
        }
    }
    let ok = out.requests - out.failed_attempts;
    out.success_rate_after_retries = if ok + out.unrecovered == 0 {
        1.0
    } else {
        1.0 - out.unrecovered as f64 / (ok + out.unrecovered) as f64
    };
    out
}

/// The bot's order paths, whose refusals the soak judges.
const ORDER_PATHS: [&str; 6] = [
    "/api/v2/mix/order/place-order",
    "/api/v2/mix/order/batch-place-order",
    "/api/v2/mix/order/place-tpsl-order",
    "/api/v2/mix/order/place-pos-tpsl",
    "/api/v2/mix/order/close-positions",
    "/api/v2/mix/order/modify-order",
];

/// The exchange's own refusals of the bot's order requests, by `"code path"`, split in two:
/// those the bot could have prevented, and those that raced the market (a TP/SL trigger valid
/// against the prices as they stood when the request arrived, overtaken by the market while the
/// request was in flight: the refusal kept a position from opening unprotected, which is
/// right). Neither counts refusals injected by a fault, rate limits or exchange-side system
/// errors. A trigger already on the wrong side on arrival stays preventable.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rejections {
    /// The bot could have prevented these.
    pub preventable: BTreeMap<String, usize>,
    /// The market moved through a valid trigger in flight.
    pub raced: BTreeMap<String, usize>,
}

/// The bot's order refusals from the audit, classified ([`Rejections`]).
pub fn rejections(audit: &Value, uid: u64) -> Rejections {
    let mut out = Rejections::default();
    for r in arr(&audit["refusals"]) {
        let code = r["code"].as_str().unwrap_or_default();
        let path = r["path"].as_str().unwrap_or_default();
        if r["uid"].as_u64() != Some(uid)
            || r["injected"].as_bool() == Some(true)
            || !ORDER_PATHS.contains(&path)
            || matches!(code, "429" | "503" | "40015" | "40010")
        {
            continue;
        }
        let raced = r["raced"].as_bool() == Some(true);
        let by_code = if raced {
            &mut out.raced
        } else {
            &mut out.preventable
        };
        *by_code.entry(format!("{code} {path}")).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
#[path = "figures_tests.rs"]
mod tests;
