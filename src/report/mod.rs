//! `viper report`: one self-contained HTML file with the equity curve, the trades marked on
//! price, PnL per symbol, the order-latency histogram and the REST budget used, over a window,
//! from the data directory (history and journal). Readable while the bot runs.

pub mod data;
pub mod html;
pub mod plots;

use crate::config::BotConfig;
use crate::trades::now_ms;
use anyhow::Context;
use data::{ReportData, ReportTrade};
use std::path::{Path, PathBuf};
use std::time::Duration;
use viper_actors::trade_log::TradeLog;

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The file.
    pub out: PathBuf,
    /// Plots in it.
    pub plots: usize,
    /// Trades in it.
    pub trades: usize,
}

/// Writes the report of the last `since` to `out`.
pub fn write(cfg: &BotConfig, since: Duration, out: &Path) -> anyhow::Result<Written> {
    // The same directory rule as `viper trades`: where the journal (and history) was written.
    let dir = crate::trades::journal_dir(cfg);
    if !dir.exists() {
        anyhow::bail!(
            "no data in {} (has the bot run with this config?)",
            dir.display()
        );
    }
    let until = now_ms();
    let since_ms = until - i64::try_from(since.as_millis()).unwrap_or(i64::MAX);
    let trades = journal_trades(&dir, since_ms)?;
    let d = ReportData::load(&dir, since_ms, until, trades)?;
    let title = format!("Viper report ({} mode)", cfg.mode);
    let page = html::page(&d, &title);
    std::fs::write(out, page).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(Written {
        out: out.to_path_buf(),
        plots: html::figures(&d).len(),
        trades: d.trades.len(),
    })
}

/// Closed trades from the journal's trade log (none when the bot has not written a journal).
fn journal_trades(dir: &Path, since_ms: i64) -> anyhow::Result<Vec<ReportTrade>> {
    if !viper_actors::trade_log::journal_path(dir).is_file() {
        return Ok(Vec::new());
    }
    let log = TradeLog::open_read_only(dir)
        .with_context(|| format!("cannot read the journal in {}", dir.display()))?;
    Ok(log
        .trades_since(since_ms)?
        .into_iter()
        .map(|t| ReportTrade {
            symbol: t.symbol,
            side: t.side,
            size: t.size,
            entry_price: t.entry_price,
            exit_price: t.exit_price,
            pnl: t.net_pnl,
            fees: t.fees,
            opened_ms: t.opened_ms,
            closed_ms: t.closed_ms,
            reason: t.exit_reason.as_str().to_owned(),
        })
        .collect())
}
