//! Fills and closed trades in the journal's SQLite file (schema version 2): the tables, their
//! migration from a version-1 journal, recording fills idempotently by trade id, and the
//! queries `viper trades`, the admin API and status read (`trades_since`,
//! `realised_pnl_since`). Its own connection to the same file: WAL lets the bot write while
//! `viper trades` reads.

use crate::journal::JournalError;
use crate::trade_book::{self, Applied, ClosedLot, FillRow, Lot, Lots};
pub(crate) use crate::trade_store::V2_TABLES;
use crate::trade_store::{insert_fill, insert_trade, save_lots};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::trade_exit::{ExitReason, MANUAL_CLOSE_REASON, REDUCE_TO_LIMIT_REASON};

/// One closed trade (a position life from first opening fill to the fill that flattened it).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Trade {
    /// Symbol.
    pub symbol: String,
    /// `long` / `short`.
    pub side: String,
    /// Size opened (base coin).
    pub size: Decimal,
    /// Average entry price (None if it cannot be known).
    pub entry_price: Option<Decimal>,
    /// Average exit price.
    pub exit_price: Option<Decimal>,
    /// Realised PnL as the exchange booked it, before fees.
    pub realised_pnl: Decimal,
    /// Fees of every fill of the trade (positive = paid).
    pub fees: Decimal,
    /// Realised PnL minus fees.
    pub net_pnl: Decimal,
    /// First opening fill, ms (None when it predates the journal's fills).
    pub opened_ms: Option<i64>,
    /// Flattening fill, ms.
    pub closed_ms: i64,
    /// Holding time, ms.
    pub holding_ms: Option<i64>,
    /// Why it ended.
    pub exit_reason: ExitReason,
    /// Trade id of the fill that ended it.
    pub closing_trade_id: String,
}

/// What our journal says of an opening order (for the entry line).
#[derive(Debug, Clone, PartialEq)]
pub struct EntryPlan {
    /// Take-profit trigger sent with it.
    pub take_profit: Option<String>,
    /// Stop-loss trigger sent with it.
    pub stop_loss: Option<String>,
    /// Why it was placed.
    pub reason: String,
}

/// The fills and trades tables of one journal file.
pub struct TradeLog {
    conn: Connection,
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn open_err(path: &Path, message: impl Into<String>) -> JournalError {
    JournalError::Open {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Where the journal of `data_dir` lives.
pub fn journal_path(data_dir: &Path) -> PathBuf {
    data_dir.join("journal.db")
}

impl TradeLog {
    /// A writing connection to `data_dir/journal.db`; open the [`crate::journal::Journal`]
    /// first (it creates and migrates the file).
    pub fn open(data_dir: &Path) -> Result<Self, JournalError> {
        let path = journal_path(data_dir);
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .map_err(|e| open_err(&path, e.to_string()))?;
        Self::ready(conn, &path)
    }

    /// A read-only connection (for `viper trades` while the bot runs): never creates or
    /// changes the file.
    pub fn open_read_only(data_dir: &Path) -> Result<Self, JournalError> {
        let path = journal_path(data_dir);
        if !path.is_file() {
            return Err(open_err(
                &path,
                "no journal here (check data_dir in the config; the bot creates it on its first start)",
            ));
        }
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| open_err(&path, e.to_string()))?;
        Self::ready(conn, &path)
    }

    fn ready(conn: Connection, path: &Path) -> Result<Self, JournalError> {
        conn.busy_timeout(Duration::from_secs(5))?;
        crate::journal::bound_page_cache(&conn)?;
        let version: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| open_err(path, format!("not a Viper journal ({e})")))?;
        match version.as_deref().map(str::parse::<i64>) {
            Some(Ok(v)) if v >= 2 => Ok(TradeLog { conn }),
            Some(Ok(v)) => Err(open_err(
                path,
                format!(
                    "schema version {v} has no trade history yet: start the bot once to migrate it"
                ),
            )),
            _ => Err(open_err(path, "not a Viper journal (no schema version)")),
        }
    }

    /// Newest fill time stored, ms.
    pub fn last_fill_ms(&self) -> Result<Option<i64>, JournalError> {
        Ok(self
            .conn
            .query_row("SELECT MAX(ts_ms) FROM fills", [], |r| r.get(0))?)
    }

    /// Oldest order the journal holds, ms (where the fill history starts on a first run).
    pub fn first_order_ms(&self) -> Result<Option<i64>, JournalError> {
        Ok(self
            .conn
            .query_row("SELECT MIN(created_ms) FROM orders", [], |r| r.get(0))?)
    }

    /// True when this fill is already stored.
    pub fn has_fill(&self, trade_id: &str) -> Result<bool, JournalError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM fills WHERE trade_id = ?1",
                [trade_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// The open lots as stored.
    pub fn lots(&self) -> Result<Lots, JournalError> {
        let mut st = self.conn.prepare_cached(
            "SELECT symbol, long, size, opened_size, entry_value, closed_size, exit_value, pnl, fees, opened_ms
             FROM open_lots",
        )?;
        let rows = st.query_map([], |r| {
            Ok(Lot {
                symbol: r.get(0)?,
                long: r.get(1)?,
                size: dec(&r.get::<_, String>(2)?),
                opened_size: dec(&r.get::<_, String>(3)?),
                entry_value: dec(&r.get::<_, String>(4)?),
                closed_size: dec(&r.get::<_, String>(5)?),
                exit_value: dec(&r.get::<_, String>(6)?),
                pnl: dec(&r.get::<_, String>(7)?),
                fees: dec(&r.get::<_, String>(8)?),
                opened_ms: r.get(9)?,
            })
        })?;
        let mut lots = Lots::new();
        for l in rows {
            let l = l?;
            lots.insert((l.symbol.clone(), l.long), l);
        }
        Ok(lots)
    }

    /// Our journal's view of an exchange order: (clientOid, reason) when it is ours.
    pub fn our_order(&self, order_id: &str) -> Result<Option<(String, String)>, JournalError> {
        Ok(self
            .conn
            .query_row(
                "SELECT client_oid, reason FROM orders WHERE order_id = ?1",
                [order_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Our opening order for an exchange order id: its take-profit, stop-loss and reason.
    pub fn entry_plan(&self, order_id: &str) -> Result<Option<EntryPlan>, JournalError> {
        Ok(self
            .conn
            .query_row(
                "SELECT take_profit, stop_loss, reason FROM orders WHERE order_id = ?1",
                [order_id],
                |r| {
                    Ok(EntryPlan {
                        take_profit: r.get(0)?,
                        stop_loss: r.get(1)?,
                        reason: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Records that the bot itself is about to close `symbol` for `reason` (the exchange's
    /// close order carries no clientOid of ours; this mark names its cause).
    pub fn mark_close(
        &self,
        symbol: &str,
        reason: ExitReason,
        ts_ms: i64,
    ) -> Result<(), JournalError> {
        self.conn.execute(
            "INSERT INTO close_marks (symbol, reason, ts_ms) VALUES (?1, ?2, ?3)",
            params![symbol, reason.as_str(), ts_ms],
        )?;
        Ok(())
    }

    /// The cause of an exchange-placed close at `ts_ms` the bot asked for itself: a close
    /// mark on the symbol in the two minutes before, or an emergency flatten pending then.
    pub fn marked_cause(
        &self,
        symbol: &str,
        ts_ms: i64,
    ) -> Result<Option<ExitReason>, JournalError> {
        const SLACK: i64 = 5_000;
        if self.flatten_pending_at(ts_ms, SLACK)? {
            return Ok(Some(ExitReason::EmergencyFlatten));
        }
        let mark: Option<String> = self
            .conn
            .query_row(
                "SELECT reason FROM close_marks WHERE symbol = ?1 AND ts_ms BETWEEN ?2 AND ?3
                 ORDER BY ts_ms DESC LIMIT 1",
                params![symbol, ts_ms - 120_000, ts_ms + SLACK],
                |r| r.get(0),
            )
            .optional()?;
        Ok(mark.as_deref().and_then(ExitReason::parse))
    }

    /// True when an emergency flatten was pending at `ts_ms` (set before it, not cleared
    /// more than `slack` before it), from the journal's state transitions.
    fn flatten_pending_at(&self, ts_ms: i64, slack: i64) -> Result<bool, JournalError> {
        let key = crate::capital::FLATTEN_KEY;
        let cleared = format!("{key}=");
        let set: Option<i64> = self.conn.query_row(
            "SELECT MAX(ts_ms) FROM transitions WHERE kind LIKE ?1 || '%' AND kind != ?2 AND ts_ms <= ?3",
            params![cleared, cleared, ts_ms + slack],
            |r| r.get(0),
        )?;
        let Some(set) = set else {
            return Ok(false);
        };
        let cleared_before: Option<i64> = self
            .conn
            .query_row(
                "SELECT ts_ms FROM transitions WHERE kind = ?1 AND ts_ms >= ?2 AND ts_ms < ?3 LIMIT 1",
                params![cleared, set, ts_ms - slack],
                |r| r.get(0),
            )
            .optional()?;
        Ok(cleared_before.is_none())
    }

    /// Stores new fills (time order) and the trades they end, in one transaction; a fill
    /// already stored is skipped, so a replayed history changes nothing. `reason` names the
    /// exit of a trade from its closing fill. Returns what each stored fill did.
    pub fn record(
        &mut self,
        fills: &[FillRow],
        reason: &dyn Fn(&ClosedLot) -> ExitReason,
    ) -> Result<Vec<(FillRow, Applied, Option<Trade>)>, JournalError> {
        let mut lots = self.lots()?;
        let tx = self.conn.transaction()?;
        let mut out = Vec::new();
        for f in fills {
            if !insert_fill(&tx, f)? {
                continue;
            }
            let applied = trade_book::apply(&mut lots, f);
            let trade = match &applied.closed {
                Some(c) => Some(insert_trade(&tx, c, reason(c))?),
                None => None,
            };
            out.push((f.clone(), applied, trade));
        }
        save_lots(&tx, &lots)?;
        tx.commit()?;
        Ok(out)
    }

    /// Trades closed at or after `since_ms`, oldest first.
    pub fn trades_since(&self, since_ms: i64) -> Result<Vec<Trade>, JournalError> {
        let mut st = self.conn.prepare_cached(
            "SELECT symbol, side, size, entry_price, exit_price, realised_pnl, fees, opened_ms, closed_ms,
                exit_reason, closing_trade_id FROM trades WHERE closed_ms >= ?1 ORDER BY closed_ms, id",
        )?;
        let rows = st.query_map([since_ms], |r| {
            let (pnl, fees) = (dec(&r.get::<_, String>(5)?), dec(&r.get::<_, String>(6)?));
            let (opened, closed): (Option<i64>, i64) = (r.get(7)?, r.get(8)?);
            let reason: String = r.get(9)?;
            Ok(Trade {
                symbol: r.get(0)?,
                side: r.get(1)?,
                size: dec(&r.get::<_, String>(2)?),
                entry_price: r.get::<_, Option<String>>(3)?.map(|s| dec(&s)),
                exit_price: r.get::<_, Option<String>>(4)?.map(|s| dec(&s)),
                realised_pnl: pnl,
                fees,
                net_pnl: pnl - fees,
                opened_ms: opened,
                closed_ms: closed,
                holding_ms: opened.map(|o| closed - o),
                exit_reason: ExitReason::parse(&reason).unwrap_or(ExitReason::Unknown),
                closing_trade_id: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Net realised PnL (after fees) of the trades closed at or after `since_ms`.
    pub fn realised_pnl_since(&self, since_ms: i64) -> Result<Decimal, JournalError> {
        Ok(self.trades_since(since_ms)?.iter().map(|t| t.net_pnl).sum())
    }

    /// Every stored fill at or after `since_ms`, oldest first.
    pub fn fills_since(&self, since_ms: i64) -> Result<Vec<FillRow>, JournalError> {
        let mut st = self.conn.prepare_cached(
            "SELECT trade_id, order_id, client_oid, symbol, side, trade_side, price, size, fee, profit, ts_ms
             FROM fills WHERE ts_ms >= ?1 ORDER BY ts_ms, trade_id",
        )?;
        let rows = st.query_map([since_ms], |r| {
            Ok(FillRow {
                trade_id: r.get(0)?,
                order_id: r.get(1)?,
                client_oid: r.get(2)?,
                symbol: r.get(3)?,
                buy: r.get::<_, String>(4)? == "buy",
                trade_side: r.get(5)?,
                price: dec(&r.get::<_, String>(6)?),
                size: dec(&r.get::<_, String>(7)?),
                fee: dec(&r.get::<_, String>(8)?),
                profit: dec(&r.get::<_, String>(9)?),
                ts_ms: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

#[cfg(test)]
#[path = "trade_log_tests.rs"]
mod tests;
