//! `viper trades [--config FILE] [--since 24h] [--format table|csv|json]`: the closed trades
//! of the journal, read-only (safe while the bot runs: SQLite WAL), as a table, CSV or JSON.
//! The same query serves `GET /api/v1/trades` (`crate::admin_trades`).

use crate::config::BotConfig;
use clap::{Args, ValueEnum};
use rust_decimal::Decimal;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use viper_actors::trade_log::{Trade, TradeLog};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns and a total line.
    Table,
    /// One header row, one row per trade.
    Csv,
    /// A JSON array of trades.
    Json,
}

/// Arguments of `viper trades`.
#[derive(Debug, Args)]
pub struct TradesArgs {
    /// Bot config (TOML): its data_dir holds the journal. Defaults and VIPER_* overrides
    /// apply when absent.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Trades closed within this long before now: 90m, 24h, 7d; `all` for everything.
    #[arg(long, default_value = "24h", value_parser = parse_since)]
    pub since: Since,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// How far back to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// Everything in the journal.
    All,
    /// This long before now.
    Ago(Duration),
}

impl Since {
    /// The earliest close time included, ms since the epoch.
    pub fn start_ms(self, now_ms: i64) -> i64 {
        match self {
            Since::All => 0,
            Since::Ago(d) => {
                now_ms.saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            }
        }
    }
}

/// Parses `--since`: a duration such as `90m`, `24h`, `7d`, or `all`.
pub fn parse_since(s: &str) -> Result<Since, String> {
    if s.eq_ignore_ascii_case("all") {
        return Ok(Since::All);
    }
    humantime::parse_duration(s.trim())
        .map(Since::Ago)
        .map_err(|_| format!("{s:?} is not a duration: use e.g. 90m, 24h, 7d, or all"))
}

/// Now, ms since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The journal directory of a config: `data_dir`, or `data_dir/paper` where only `viper
/// paper` has written (it keeps its own journal there).
pub fn journal_dir(cfg: &BotConfig) -> PathBuf {
    let main = cfg.data_dir.clone();
    let paper = main.join("paper");
    if !main.join("journal.db").is_file() && paper.join("journal.db").is_file() {
        paper
    } else {
        main
    }
}

/// Reads the trades closed since `since` from the journal in `dir`.
pub fn load(dir: &Path, since: Since) -> anyhow::Result<Vec<Trade>> {
    let log = TradeLog::open_read_only(dir)?;
    Ok(log.trades_since(since.start_ms(now_ms()))?)
}

/// Runs `viper trades`.
pub fn run(args: TradesArgs) -> anyhow::Result<bool> {
    let cfg = match &args.config {
        Some(p) => BotConfig::load(p)?,
        None => BotConfig::from_env()?,
    };
    let trades = load(&journal_dir(&cfg), args.since)?;
    let out = match args.format {
        Format::Table => table(&trades),
        Format::Csv => csv(&trades),
        Format::Json => serde_json::to_string_pretty(&trades)? + "\n",
    };
    print!("{out}");
    Ok(true)
}

fn time(ms: Option<i64>) -> String {
    match ms.and_then(|m| u64::try_from(m).ok()) {
        Some(m) => {
            humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(m)).to_string()
        }
        None => String::new(),
    }
}

fn opt(p: Option<Decimal>) -> String {
    p.map(|p| p.normalize().to_string()).unwrap_or_default()
}

fn secs(ms: Option<i64>) -> String {
    ms.map(|m| format!("{:.3}", m as f64 / 1000.0))
        .unwrap_or_default()
}

/// The CSV header.
pub const CSV_HEADER: &str = "closed_at,symbol,side,size,entry_price,exit_price,realised_pnl,fees,net_pnl,holding_secs,exit_reason,opened_at,closing_trade_id";

/// Trades as CSV (every field is a number, a fixed word or an exchange id: nothing to quote).
pub fn csv(trades: &[Trade]) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    for t in trades {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            time(Some(t.closed_ms)),
            t.symbol,
            t.side,
            t.size.normalize(),
            opt(t.entry_price),
            opt(t.exit_price),
            t.realised_pnl.normalize(),
            t.fees.normalize(),
            t.net_pnl.normalize(),
            secs(t.holding_ms),
            t.exit_reason,
            time(t.opened_ms),
            t.closing_trade_id
        );
    }
    out
}

/// Trades as an aligned table with a total line.
pub fn table(trades: &[Trade]) -> String {
    if trades.is_empty() {
        return "no closed trades in this period\n".into();
    }
    let round = |d: Decimal| d.round_dp(4).normalize().to_string();
    let mut rows = vec![
        [
            "closed (UTC)",
            "symbol",
            "side",
            "size",
            "entry",
            "exit",
            "pnl",
            "fees",
            "net",
            "held",
            "reason",
        ]
        .map(String::from),
    ];
    for t in trades {
        let mut closed = time(Some(t.closed_ms));
        closed.truncate(19);
        rows.push([
            closed.replace('T', " "),
            t.symbol.clone(),
            t.side.clone(),
            t.size.normalize().to_string(),
            opt(t.entry_price),
            opt(t.exit_price),
            round(t.realised_pnl),
            round(t.fees),
            round(t.net_pnl),
            t.holding_ms.map_or("?".into(), humanize),
            t.exit_reason.to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..11)
        .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    let (pnl, fees): (Decimal, Decimal) = trades
        .iter()
        .fold((Decimal::ZERO, Decimal::ZERO), |(p, f), t| {
            (p + t.realised_pnl, f + t.fees)
        });
    let wins = trades.iter().filter(|t| t.net_pnl > Decimal::ZERO).count();
    let _ = writeln!(
        out,
        "{} trades, {wins} won; realised {} - fees {} = net {} USDT",
        trades.len(),
        round(pnl),
        round(fees),
        round(pnl - fees)
    );
    out
}

fn humanize(ms: i64) -> String {
    let s = ms / 1000;
    match s {
        _ if s < 60 => format!("{s}s"),
        _ if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use viper_actors::trade_log::ExitReason;

    #[test]
    fn since_parses_durations_and_all_and_names_bad_input() {
        assert_eq!(
            parse_since("24h"),
            Ok(Since::Ago(Duration::from_secs(86_400)))
        );
        assert_eq!(
            parse_since("7d"),
            Ok(Since::Ago(Duration::from_secs(7 * 86_400)))
        );
        assert_eq!(parse_since("ALL"), Ok(Since::All));
        let err = parse_since("yesterday-ish").unwrap_err();
        assert!(
            err.contains("not a duration") && err.contains("24h"),
            "{err}"
        );
        assert_eq!(Since::Ago(Duration::from_secs(1)).start_ms(5_000), 4_000);
        assert_eq!(Since::All.start_ms(5_000), 0);
    }

    #[test]
    fn csv_and_table_show_every_field() {
        let t = Trade {
            symbol: "BTCUSDT".into(),
            side: "long".into(),
            size: "0.0010".parse().unwrap(),
            entry_price: Some("65000".parse().unwrap()),
            exit_price: Some("65390".parse().unwrap()),
            realised_pnl: "0.39".parse().unwrap(),
            fees: "0.078".parse().unwrap(),
            net_pnl: "0.312".parse().unwrap(),
            opened_ms: Some(1_700_000_000_000),
            closed_ms: 1_700_000_090_500,
            holding_ms: Some(90_500),
            exit_reason: ExitReason::TakeProfit,
            closing_trade_id: "42".into(),
        };
        let c = csv(std::slice::from_ref(&t));
        let row = c.lines().nth(1).unwrap();
        assert_eq!(
            row,
            "2023-11-14T22:14:50.500Z,BTCUSDT,long,0.001,65000,65390,0.39,0.078,0.312,90.500,take_profit,2023-11-14T22:13:20.000Z,42"
        );
        let tab = table(&[t]);
        assert!(
            tab.contains("1m30s") && tab.contains("take_profit"),
            "{tab}"
        );
        assert!(
            tab.contains("1 trades, 1 won; realised 0.39 - fees 0.078 = net 0.312 USDT"),
            "{tab}"
        );
        assert_eq!(table(&[]), "no closed trades in this period\n");
    }
}
