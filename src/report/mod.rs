//! `viper report`: one self-contained HTML file with the equity curve, the trades marked on
//! price, PnL per symbol, the order-latency histogram and the REST budget used, over a window,
//! from the data directory (history and journal). Readable while the bot runs.

pub mod data;
pub mod html;
pub mod plots;

use crate::config::BotConfig;
use anyhow::Context;
use data::{ReportData, ReportTrade};
use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// The data directory a config's runs write: paper runs keep theirs under `paper/`.
pub fn data_dir(cfg: &BotConfig) -> PathBuf {
    if cfg.mode == "paper" {
        cfg.data_dir.join("paper")
    } else {
        cfg.data_dir.clone()
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Writes the report of the last `since` to `out`.
pub fn write(cfg: &BotConfig, since: Duration, out: &Path) -> anyhow::Result<Written> {
    let dir = data_dir(cfg);
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

/// Closed trades from the journal (wired to the journal's trade log in the next change).
fn journal_trades(_dir: &Path, _since_ms: i64) -> anyhow::Result<Vec<ReportTrade>> {
    Ok(Vec::new())
}
