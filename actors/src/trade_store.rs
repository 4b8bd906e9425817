//! The trade log's tables (schema version 2) and its writes inside one recording
//! transaction: fills keyed by trade id, trades keyed by their closing fill, open lots.

use crate::journal::JournalError;
use crate::trade_book::{ClosedLot, FillRow, Lots};
use crate::trade_log::{ExitReason, Trade};
use rusqlite::{Transaction, params};

/// Tables added by schema version 2 (idempotent: `IF NOT EXISTS`).
pub(crate) const V2_TABLES: &str = "
    CREATE TABLE IF NOT EXISTS fills (
        trade_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, client_oid TEXT, symbol TEXT NOT NULL,
        side TEXT NOT NULL, trade_side TEXT NOT NULL, price TEXT NOT NULL, size TEXT NOT NULL,
        fee TEXT NOT NULL, profit TEXT NOT NULL, ts_ms INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS fills_ts ON fills (ts_ms);
    CREATE TABLE IF NOT EXISTS trades (
        id INTEGER PRIMARY KEY AUTOINCREMENT, closing_trade_id TEXT NOT NULL UNIQUE,
        symbol TEXT NOT NULL, side TEXT NOT NULL, size TEXT NOT NULL, entry_price TEXT,
        exit_price TEXT, realised_pnl TEXT NOT NULL, fees TEXT NOT NULL, opened_ms INTEGER,
        closed_ms INTEGER NOT NULL, exit_reason TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS trades_closed ON trades (closed_ms);
    CREATE TABLE IF NOT EXISTS open_lots (
        symbol TEXT NOT NULL, long INTEGER NOT NULL, size TEXT NOT NULL, opened_size TEXT NOT NULL,
        entry_value TEXT NOT NULL, closed_size TEXT NOT NULL, exit_value TEXT NOT NULL,
        pnl TEXT NOT NULL, fees TEXT NOT NULL, opened_ms INTEGER, PRIMARY KEY (symbol, long));
    CREATE TABLE IF NOT EXISTS close_marks (
        id INTEGER PRIMARY KEY AUTOINCREMENT, symbol TEXT NOT NULL, reason TEXT NOT NULL,
        ts_ms INTEGER NOT NULL);";

/// Stores a fill unless its trade id is stored already; true when it was new.
pub(crate) fn insert_fill(tx: &Transaction<'_>, f: &FillRow) -> Result<bool, JournalError> {
    let n = tx.execute(
        "INSERT OR IGNORE INTO fills (trade_id, order_id, client_oid, symbol, side, trade_side, price, size,
            fee, profit, ts_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            f.trade_id,
            f.order_id,
            f.client_oid,
            f.symbol,
            if f.buy { "buy" } else { "sell" },
            f.trade_side,
            f.price.to_string(),
            f.size.to_string(),
            f.fee.to_string(),
            f.profit.to_string(),
            f.ts_ms
        ],
    )?;
    Ok(n == 1)
}

/// Stores the trade a fill ended (once per closing fill).
pub(crate) fn insert_trade(
    tx: &Transaction<'_>,
    c: &ClosedLot,
    reason: ExitReason,
) -> Result<Trade, JournalError> {
    let l = &c.lot;
    let side = if l.long { "long" } else { "short" };
    let (entry, exit) = (c.entry_price(), c.exit_price());
    tx.execute(
        "INSERT OR IGNORE INTO trades (closing_trade_id, symbol, side, size, entry_price, exit_price,
            realised_pnl, fees, opened_ms, closed_ms, exit_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            c.closing_fill,
            l.symbol,
            side,
            l.opened_size.to_string(),
            entry.map(|p| p.normalize().to_string()),
            exit.map(|p| p.normalize().to_string()),
            l.pnl.to_string(),
            l.fees.to_string(),
            l.opened_ms,
            c.closed_ms,
            reason.as_str()
        ],
    )?;
    Ok(Trade {
        symbol: l.symbol.clone(),
        side: side.into(),
        size: l.opened_size,
        entry_price: entry.map(|p| p.normalize()),
        exit_price: exit.map(|p| p.normalize()),
        realised_pnl: l.pnl,
        fees: l.fees,
        net_pnl: l.pnl - l.fees,
        opened_ms: l.opened_ms,
        closed_ms: c.closed_ms,
        holding_ms: l.opened_ms.map(|o| c.closed_ms - o),
        exit_reason: reason,
        closing_trade_id: c.closing_fill.clone(),
    })
}

/// Replaces the stored open lots.
pub(crate) fn save_lots(tx: &Transaction<'_>, lots: &Lots) -> Result<(), JournalError> {
    tx.execute("DELETE FROM open_lots", [])?;
    for l in lots.values() {
        tx.execute(
            "INSERT INTO open_lots (symbol, long, size, opened_size, entry_value, closed_size, exit_value, pnl,
                fees, opened_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                l.symbol,
                l.long,
                l.size.to_string(),
                l.opened_size.to_string(),
                l.entry_value.to_string(),
                l.closed_size.to_string(),
                l.exit_value.to_string(),
                l.pnl.to_string(),
                l.fees.to_string(),
                l.opened_ms
            ],
        )?;
    }
    Ok(())
}
