//! The bot's history for reports: equity, prices, REST usage and order-placement latency,
//! sampled at a fixed period into `data_dir/history.db`. Kept apart from the journal on
//! purpose: it is informational (never read for a trading decision), so it is written without
//! the journal's full-sync commits, and losing it loses nothing that matters to safety.

pub mod recorder;

use anyhow::Context;
use rusqlite::{Connection, OpenFlags, params};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

/// File name under the data directory.
pub const FILE: &str = "history.db";

/// One sample: everything recorded at one instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// Wall-clock time, ms.
    pub ts_ms: i64,
    /// Account equity, when known.
    pub equity: Option<Decimal>,
    /// Last price per symbol.
    pub prices: Vec<(String, Decimal)>,
    /// Cumulative REST requests per endpoint since the process started.
    pub rest_requests: Vec<(String, u64)>,
    /// Cumulative place-order latency histogram: (upper bound in seconds, count ≤ it).
    pub place_latency: Vec<(f64, u64)>,
    /// Process start (ms): cumulative counters restart with it.
    pub run_start_ms: i64,
}

/// The history database.
pub struct HistoryStore {
    conn: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS equity (ts_ms INTEGER NOT NULL, run_ms INTEGER NOT NULL, equity TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS prices (ts_ms INTEGER NOT NULL, symbol TEXT NOT NULL, price TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rest (ts_ms INTEGER NOT NULL, run_ms INTEGER NOT NULL, endpoint TEXT NOT NULL, requests INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS latency (ts_ms INTEGER NOT NULL, run_ms INTEGER NOT NULL, le REAL NOT NULL, count INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS prices_ts ON prices (ts_ms);
";

impl HistoryStore {
    /// Opens (or creates) `data_dir/history.db` for writing.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(FILE);
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        let conn = Connection::open(&path)
            .with_context(|| format!("cannot open history {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        viper_actors::journal::bound_page_cache(&conn)?;
        conn.execute_batch(SCHEMA)
            .with_context(|| format!("{} is not a Viper history database", path.display()))?;
        Ok(Self { conn })
    }

    /// Opens an existing history read-only (while the bot may be writing it); `None` when
    /// there is none yet.
    pub fn open_read_only(data_dir: &Path) -> anyhow::Result<Option<Self>> {
        let path = data_dir.join(FILE);
        if !path.exists() {
            return Ok(None);
        }
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("cannot open history {}", path.display()))?;
        Ok(Some(Self { conn }))
    }

    /// Writes one sample in one transaction.
    pub fn write(&mut self, s: &Sample) -> anyhow::Result<()> {
        let tx = self.conn.transaction()?;
        if let Some(e) = s.equity {
            tx.execute(
                "INSERT INTO equity (ts_ms, run_ms, equity) VALUES (?1, ?2, ?3)",
                params![s.ts_ms, s.run_start_ms, e.to_string()],
            )?;
        }
        for (sym, p) in &s.prices {
            tx.execute(
                "INSERT INTO prices (ts_ms, symbol, price) VALUES (?1, ?2, ?3)",
                params![s.ts_ms, sym, p.to_string()],
            )?;
        }
        for (ep, n) in &s.rest_requests {
            tx.execute(
                "INSERT INTO rest (ts_ms, run_ms, endpoint, requests) VALUES (?1, ?2, ?3, ?4)",
                params![
                    s.ts_ms,
                    s.run_start_ms,
                    ep,
                    i64::try_from(*n).unwrap_or(i64::MAX)
                ],
            )?;
        }
        for (le, n) in &s.place_latency {
            tx.execute(
                "INSERT INTO latency (ts_ms, run_ms, le, count) VALUES (?1, ?2, ?3, ?4)",
                params![
                    s.ts_ms,
                    s.run_start_ms,
                    le,
                    i64::try_from(*n).unwrap_or(i64::MAX)
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Equity samples since `since_ms`, oldest first.
    pub fn equity_since(&self, since_ms: i64) -> anyhow::Result<Vec<(i64, Decimal)>> {
        let mut st = self
            .conn
            .prepare("SELECT ts_ms, equity FROM equity WHERE ts_ms >= ?1 ORDER BY ts_ms")?;
        let rows = st.query_map([since_ms], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        decimals(rows)
    }

    /// Price samples of `symbol` since `since_ms`, oldest first.
    pub fn prices_since(&self, symbol: &str, since_ms: i64) -> anyhow::Result<Vec<(i64, Decimal)>> {
        let mut st = self.conn.prepare(
            "SELECT ts_ms, price FROM prices WHERE symbol = ?1 AND ts_ms >= ?2 ORDER BY ts_ms",
        )?;
        let rows = st.query_map(params![symbol, since_ms], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        decimals(rows)
    }

    /// Symbols with price samples since `since_ms`.
    pub fn symbols_since(&self, since_ms: i64) -> anyhow::Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT DISTINCT symbol FROM prices WHERE ts_ms >= ?1 ORDER BY symbol")?;
        let rows = st.query_map([since_ms], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// REST requests per sample interval since `since_ms`: (ts, requests in the interval
    /// ending at ts, seconds of that interval), from cumulative counts within each run.
    pub fn rest_rate_since(&self, since_ms: i64) -> anyhow::Result<Vec<(i64, u64, f64)>> {
        let mut st = self.conn.prepare(
            "SELECT ts_ms, run_ms, SUM(requests) FROM rest WHERE ts_ms >= ?1
             GROUP BY ts_ms, run_ms ORDER BY ts_ms",
        )?;
        let rows: Vec<(i64, i64, i64)> = st
            .query_map([since_ms], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows
            .windows(2)
            .filter(|w| w[0].1 == w[1].1 && w[1].0 > w[0].0)
            .map(|w| {
                let n = u64::try_from(w[1].2.saturating_sub(w[0].2)).unwrap_or(0);
                (w[1].0, n, (w[1].0 - w[0].0) as f64 / 1000.0)
            })
            .collect())
    }

    /// Place-order latency histogram over the window: per bucket upper bound (seconds), the
    /// orders whose latency fell in that bucket, summed over every run in the window.
    pub fn latency_since(&self, since_ms: i64) -> anyhow::Result<Vec<(f64, u64)>> {
        let mut st = self.conn.prepare(
            "SELECT ts_ms, run_ms, le, count FROM latency WHERE run_ms IN
                 (SELECT DISTINCT run_ms FROM latency WHERE ts_ms >= ?1) ORDER BY ts_ms",
        )?;
        let rows: Vec<(i64, i64, f64, i64)> = st
            .query_map([since_ms], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        // Per (run, bucket): the cumulative count before the window and at its end.
        let mut per: BTreeMap<(i64, u64), (u64, u64)> = BTreeMap::new();
        for (ts, run, le, count) in rows {
            let count = u64::try_from(count).unwrap_or(0);
            let e = per.entry((run, le.to_bits())).or_default();
            if ts < since_ms {
                e.0 = count;
            } else {
                e.1 = count;
            }
        }
        let mut cumulative: BTreeMap<u64, u64> = BTreeMap::new();
        for ((_, le), (before, end)) in per {
            *cumulative.entry(le).or_default() += end.saturating_sub(before);
        }
        let mut buckets: Vec<(f64, u64)> = cumulative
            .into_iter()
            .map(|(le, c)| (f64::from_bits(le), c))
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Cumulative (≤ le) counts to per-bucket counts.
        let mut prev = 0;
        Ok(buckets
            .into_iter()
            .map(|(le, c)| {
                let n = c.saturating_sub(prev);
                prev = prev.max(c);
                (le, n)
            })
            .collect())
    }
}

fn decimals(
    rows: impl Iterator<Item = rusqlite::Result<(i64, String)>>,
) -> anyhow::Result<Vec<(i64, Decimal)>> {
    let mut out = Vec::new();
    for r in rows {
        let (ts, s) = r?;
        let d =
            Decimal::from_str(&s).with_context(|| format!("history holds a bad number {s:?}"))?;
        out.push((ts, d));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample(ts: i64, run: i64, requests: u64, fast: u64, all: u64) -> Sample {
        Sample {
            ts_ms: ts,
            equity: Some(Decimal::new(1000 + ts, 0)),
            prices: vec![("BTCUSDT".into(), Decimal::new(65000 + ts, 0))],
            rest_requests: vec![("/a".into(), requests), ("/b".into(), 1)],
            place_latency: vec![(0.005, fast), (f64::INFINITY, all)],
            run_start_ms: run,
        }
    }

    #[test]
    fn windows_read_back_per_run_deltas() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = HistoryStore::open(dir.path()).unwrap();
        // Run 1 started at 0: one sample before the window (at 10), two in it.
        h.write(&sample(10, 0, 5, 1, 2)).unwrap();
        h.write(&sample(20, 0, 9, 2, 4)).unwrap();
        h.write(&sample(30, 0, 15, 2, 7)).unwrap();
        // Run 2 (a restart at 35): counters start again.
        h.write(&sample(40, 35, 2, 1, 1)).unwrap();
        h.write(&sample(50, 35, 6, 1, 3)).unwrap();
        let r = HistoryStore::open_read_only(dir.path()).unwrap().unwrap();
        assert_eq!(r.equity_since(20).unwrap().len(), 4);
        assert_eq!(
            r.prices_since("BTCUSDT", 45).unwrap(),
            vec![(50, Decimal::new(65050, 0))]
        );
        assert_eq!(r.symbols_since(0).unwrap(), vec!["BTCUSDT".to_owned()]);
        // Intervals within one run only: 10→20 (+4), 20→30 (+6), 40→50 (+4).
        let rates: Vec<(i64, u64)> = r
            .rest_rate_since(0)
            .unwrap()
            .iter()
            .map(|x| (x.0, x.1))
            .collect();
        assert_eq!(rates, vec![(20, 4), (30, 6), (50, 4)]);
        // From 15: run 1 contributes 7-2=5 orders (≤5 ms: 2-1=1), run 2 all 3 (≤5 ms: 1).
        assert_eq!(
            r.latency_since(15).unwrap(),
            vec![(0.005, 2), (f64::INFINITY, 6)]
        );
    }

    #[test]
    fn no_history_is_none_and_garbage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(HistoryStore::open_read_only(dir.path()).unwrap().is_none());
        std::fs::write(dir.path().join(FILE), b"not sqlite at all, definitely").unwrap();
        assert!(HistoryStore::open(dir.path()).is_err());
    }
}
