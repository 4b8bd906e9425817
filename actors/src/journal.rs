//! The durable journal: every order is written, with its clientOid, as `sent` in one commit
//! before it is sent; each state change after. SQLite in WAL mode in the data directory. A journal from a newer
//! version or a corrupt file is refused with a clear error; nothing is overwritten.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

/// Schema version this build writes and reads (2 added fills and closed trades,
/// `crate::trade_log`; a version-1 journal is migrated in place, nothing in it lost).
pub const SCHEMA_VERSION: i64 = 2;

mod phase;
pub use phase::OrderPhase;

/// One journaled order.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalOrder {
    /// Our id.
    pub client_oid: String,
    /// Symbol.
    pub symbol: String,
    /// `buy` / `sell`.
    pub direction: String,
    /// Size (decimal text).
    pub size: String,
    /// Limit price or None (market).
    pub price: Option<String>,
    /// Reduce-only.
    pub reduce_only: bool,
    /// TP trigger.
    pub take_profit: Option<String>,
    /// SL trigger.
    pub stop_loss: Option<String>,
    /// Phase.
    pub phase: OrderPhase,
    /// Exchange id once known.
    pub order_id: Option<String>,
    /// Times the exchange said "not found" while settling.
    pub not_found: i64,
    /// Why it was placed.
    pub reason: String,
    /// Created, ms.
    pub created_ms: i64,
    /// Updated, ms.
    pub updated_ms: i64,
}

/// Journal failures.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The directory or file cannot be used.
    #[error("journal {path}: {message}")]
    Open {
        /// File.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Written by a newer Viper.
    #[error(
        "journal {path} has schema version {found}, newer than this build's {SCHEMA_VERSION}: upgrade Viper or point data_dir elsewhere"
    )]
    NewerVersion {
        /// File.
        path: PathBuf,
        /// Version found.
        found: i64,
    },
    /// A query failed.
    #[error("journal: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// The journal file.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

impl Journal {
    /// Opens (or creates) `data_dir/journal.db`, checking integrity and version.
    pub fn open(data_dir: &Path) -> Result<Self, JournalError> {
        let path = data_dir.join("journal.db");
        let fail = |m: String| JournalError::Open {
            path: path.clone(),
            message: m,
        };
        std::fs::create_dir_all(data_dir)
            .map_err(|e| fail(format!("cannot create data directory: {e}")))?;
        let probe = data_dir.join(".viper-write-probe");
        std::fs::write(&probe, b"ok")
            .map_err(|e| fail(format!("data directory is not writable: {e}")))?;
        let _ = std::fs::remove_file(&probe);
        let conn = Connection::open(&path).map_err(|e| fail(e.to_string()))?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| fail(format!("not a readable SQLite journal ({e})")))?;
        if check != "ok" {
            return Err(fail(format!("corrupt journal: {check}")));
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| fail(e.to_string()))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| fail(e.to_string()))?;
        bound_page_cache(&conn).map_err(|e| fail(e.to_string()))?;
        let j = Journal { conn, path };
        j.migrate()?;
        Ok(j)
    }

    fn migrate(&self) -> Result<(), JournalError> {
        self.conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS orders (
                client_oid TEXT PRIMARY KEY, symbol TEXT NOT NULL, direction TEXT NOT NULL,
                size TEXT NOT NULL, price TEXT, reduce_only INTEGER NOT NULL, take_profit TEXT,
                stop_loss TEXT, phase TEXT NOT NULL, order_id TEXT, not_found INTEGER NOT NULL DEFAULT 0,
                reason TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_ms INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS transitions (id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL,
                kind TEXT NOT NULL, detail TEXT NOT NULL);",
        )?;
        let found: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match found.map(|v| v.parse::<i64>()) {
            None => {
                let tx = self.conn.unchecked_transaction()?;
                tx.execute_batch(crate::trade_log::V2_TABLES)?;
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                    [SCHEMA_VERSION.to_string()],
                )?;
                tx.commit()?;
            }
            Some(Ok(v)) if v > SCHEMA_VERSION => {
                return Err(JournalError::NewerVersion {
                    path: self.path.clone(),
                    found: v,
                });
            }
            Some(Ok(v)) if v < SCHEMA_VERSION => self.upgrade(v)?,
            Some(Ok(_)) => {}
            Some(Err(_)) => {
                return Err(JournalError::Open {
                    path: self.path.clone(),
                    message: "unreadable schema_version".into(),
                });
            }
        }
        Ok(())
    }

    /// Migrates a journal written by an older version, in one transaction: new tables are
    /// added, no row is changed or dropped.
    fn upgrade(&self, from: i64) -> Result<(), JournalError> {
        let tx = self.conn.unchecked_transaction()?;
        if from < 2 {
            tx.execute_batch(crate::trade_log::V2_TABLES)?;
        }
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
            [SCHEMA_VERSION.to_string()],
        )?;
        tx.commit()?;
        tracing::info!(path = %self.path.display(), from, to = SCHEMA_VERSION, "journal migrated");
        Ok(())
    }

    /// Writes a new order intent (before it is sent). A clientOid can be written once.
    pub fn insert(&self, o: &JournalOrder) -> Result<(), JournalError> {
        self.conn.prepare_cached(
            "INSERT INTO orders (client_oid, symbol, direction, size, price, reduce_only, take_profit, stop_loss,
                phase, order_id, not_found, reason, created_ms, updated_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?
        .execute(params![
                o.client_oid,
                o.symbol,
                o.direction,
                o.size,
                o.price,
                o.reduce_only,
                o.take_profit,
                o.stop_loss,
                o.phase.as_str(),
                o.order_id,
                o.not_found,
                o.reason,
                o.created_ms,
                o.updated_ms
            ])?;
        Ok(())
    }

    /// Durability off (`PRAGMA synchronous = OFF`): only for the tick-to-order bench, which
    /// reports the fsync cost by comparing both settings. Never built into the bot.
    #[cfg(feature = "bench-hooks")]
    pub fn bench_synchronous_off(&self) -> Result<(), JournalError> {
        self.conn.pragma_update(None, "synchronous", "OFF")?;
        Ok(())
    }

    /// Moves an order forward to `phase` (and records its exchange id when known). Returns
    /// false, writing nothing, when that is not a move forward (see
    /// [`OrderPhase::can_move_to`]) or the order is not in the journal: a final phase never
    /// changes, whoever asks and however late.
    pub fn set_phase(
        &self,
        client_oid: &str,
        phase: OrderPhase,
        order_id: Option<&str>,
        now_ms: i64,
    ) -> Result<bool, JournalError> {
        let tx = self.conn.unchecked_transaction()?;
        let current: Option<String> = tx
            .prepare_cached("SELECT phase FROM orders WHERE client_oid = ?1")?
            .query_row([client_oid], |r| r.get(0))
            .optional()?;
        let Some(current) = current.as_deref().and_then(OrderPhase::parse) else {
            return Ok(false);
        };
        if !current.can_move_to(phase) {
            return Ok(false);
        }
        tx.prepare_cached(
            "UPDATE orders SET phase = ?2, order_id = COALESCE(?3, order_id), updated_ms = ?4 WHERE client_oid = ?1",
        )?
        .execute(params![client_oid, phase.as_str(), order_id, now_ms])?;
        tx.commit()?;
        Ok(true)
    }

    /// Counts one more "not found" while settling; returns the new count.
    pub fn bump_not_found(&self, client_oid: &str, now_ms: i64) -> Result<i64, JournalError> {
        self.conn.execute(
            "UPDATE orders SET not_found = not_found + 1, updated_ms = ?2 WHERE client_oid = ?1",
            params![client_oid, now_ms],
        )?;
        Ok(self.conn.query_row(
            "SELECT not_found FROM orders WHERE client_oid = ?1",
            [client_oid],
            |r| r.get(0),
        )?)
    }

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JournalOrder> {
        let phase: String = r.get(8)?;
        Ok(JournalOrder {
            client_oid: r.get(0)?,
            symbol: r.get(1)?,
            direction: r.get(2)?,
            size: r.get(3)?,
            price: r.get(4)?,
            reduce_only: r.get(5)?,
            take_profit: r.get(6)?,
            stop_loss: r.get(7)?,
            phase: OrderPhase::parse(&phase).unwrap_or(OrderPhase::Unknown),
            order_id: r.get(9)?,
            not_found: r.get(10)?,
            reason: r.get(11)?,
            created_ms: r.get(12)?,
            updated_ms: r.get(13)?,
        })
    }

    /// Every order not yet final, oldest first (what a restart must settle).
    pub fn open_orders(&self) -> Result<Vec<JournalOrder>, JournalError> {
        let mut st = self.conn.prepare_cached(
            "SELECT client_oid, symbol, direction, size, price, reduce_only, take_profit, stop_loss, phase, order_id,
                not_found, reason, created_ms, updated_ms FROM orders
             WHERE phase NOT IN ('filled', 'cancelled', 'rejected') ORDER BY created_ms, client_oid",
        )?;
        let rows = st
            .query_map([], Self::row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Orders settlement declared rejected (after "not found" answers, not an exchange
    /// refusal) at or after `since_ms`: the ones a very late create could still show.
    pub fn settled_rejections(&self, since_ms: i64) -> Result<Vec<JournalOrder>, JournalError> {
        let mut st = self.conn.prepare_cached(
            "SELECT client_oid, symbol, direction, size, price, reduce_only, take_profit, stop_loss, phase, order_id,
                not_found, reason, created_ms, updated_ms FROM orders
             WHERE phase = 'rejected' AND not_found > 0 AND updated_ms >= ?1 ORDER BY updated_ms",
        )?;
        let rows = st
            .query_map([since_ms], Self::row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// One order by clientOid.
    pub fn get(&self, client_oid: &str) -> Result<Option<JournalOrder>, JournalError> {
        let mut st = self.conn.prepare_cached(
            "SELECT client_oid, symbol, direction, size, price, reduce_only, take_profit, stop_loss, phase, order_id,
                not_found, reason, created_ms, updated_ms FROM orders WHERE client_oid = ?1",
        )?;
        Ok(st.query_row([client_oid], Self::row).optional()?)
    }

    /// Counts orders per phase.
    pub fn counts(&self) -> Result<Vec<(String, i64)>, JournalError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT phase, COUNT(*) FROM orders GROUP BY phase ORDER BY phase")?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Stores a state value (trading state, latch) and logs the transition.
    pub fn set_state(
        &self,
        key: &str,
        value: &str,
        detail: &str,
        now_ms: i64,
    ) -> Result<(), JournalError> {
        self.conn.execute(
            "INSERT INTO state (key, value, updated_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms",
            params![key, value, now_ms],
        )?;
        self.conn.execute(
            "INSERT INTO transitions (ts_ms, kind, detail) VALUES (?1, ?2, ?3)",
            params![now_ms, format!("{key}={value}"), detail],
        )?;
        Ok(())
    }

    /// Reads a state value.
    pub fn state(&self, key: &str) -> Result<Option<String>, JournalError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM state WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }
}

/// Page cache per SQLite connection of the bot, KiB. SQLite's default (2,000 KiB) lets each
/// connection's cache grow with its file for as long as the bot runs (the history and trade
/// tables only grow); the bot's reads touch a few recent pages, so a small bound costs nothing
/// and keeps memory flat over weeks.
pub const PAGE_CACHE_KIB: i64 = 256;

/// Caps `conn`'s page cache at [`PAGE_CACHE_KIB`].
pub fn bound_page_cache(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(oid: &str, t: i64) -> JournalOrder {
        JournalOrder {
            client_oid: oid.into(),
            symbol: "BTCUSDT".into(),
            direction: "buy".into(),
            size: "0.001".into(),
            price: None,
            reduce_only: false,
            take_profit: Some("70000".into()),
            stop_loss: Some("60000".into()),
            phase: OrderPhase::Intent,
            order_id: None,
            not_found: 0,
            reason: "test".into(),
            created_ms: t,
            updated_ms: t,
        }
    }

    #[test]
    fn survives_reopen_and_tracks_phases() {
        let dir = tempfile::tempdir().unwrap();
        {
            let j = Journal::open(dir.path()).unwrap();
            j.insert(&order("a", 1)).unwrap();
            j.insert(&order("b", 2)).unwrap();
            assert!(
                j.insert(&order("a", 3)).is_err(),
                "a clientOid is written once"
            );
            j.set_phase("a", OrderPhase::Unknown, None, 5).unwrap();
            j.set_phase("b", OrderPhase::Filled, Some("123"), 6)
                .unwrap();
            assert_eq!(j.bump_not_found("a", 7).unwrap(), 1);
            j.set_state("trading", "halted", "test", 8).unwrap();
        }
        let j = Journal::open(dir.path()).unwrap();
        let open = j.open_orders().unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(
            (
                open[0].client_oid.as_str(),
                open[0].phase,
                open[0].not_found
            ),
            ("a", OrderPhase::Unknown, 1)
        );
        assert_eq!(
            j.get("b").unwrap().unwrap().order_id.as_deref(),
            Some("123")
        );
        assert_eq!(j.state("trading").unwrap().as_deref(), Some("halted"));
    }

    #[test]
    fn phases_only_move_forward_and_a_final_phase_never_changes() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path()).unwrap();
        j.insert(&order("a", 1)).unwrap();
        let step = |p, t| j.set_phase("a", p, None, t).unwrap();
        assert!(step(OrderPhase::Sent, 2));
        assert!(
            !step(OrderPhase::Sent, 3),
            "the same phase twice is not a transition"
        );
        assert!(step(OrderPhase::Unknown, 4));
        assert!(step(OrderPhase::Filled, 5));
        // A late create answer, a stale settle pass: nothing moves a final row.
        for late in [
            OrderPhase::Acknowledged,
            OrderPhase::Live,
            OrderPhase::Rejected,
            OrderPhase::Cancelled,
        ] {
            assert!(!step(late, 6), "{late:?}");
        }
        let row = j.get("a").unwrap().unwrap();
        assert_eq!((row.phase, row.updated_ms), (OrderPhase::Filled, 5));
        assert!(!j.set_phase("missing", OrderPhase::Filled, None, 7).unwrap());
    }

    #[test]
    fn refuses_newer_versions_and_garbage() {
        let dir = tempfile::tempdir().unwrap();
        {
            let j = Journal::open(dir.path()).unwrap();
            j.conn
                .execute(
                    "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
                    [],
                )
                .unwrap();
        }
        let err = Journal::open(dir.path()).err().unwrap().to_string();
        assert!(err.contains("newer"), "{err}");
        let junk = tempfile::tempdir().unwrap();
        std::fs::write(
            junk.path().join("journal.db"),
            b"this is not sqlite at all, not even close........",
        )
        .unwrap();
        let err = Journal::open(junk.path()).err().unwrap().to_string();
        assert!(err.contains("journal"), "{err}");
    }

    #[test]
    fn the_page_cache_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path()).unwrap();
        let kib: i64 = j
            .conn
            .query_row("PRAGMA cache_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kib, -PAGE_CACHE_KIB);
    }
}
