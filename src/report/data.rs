//! What a report shows, loaded from the data directory: the history (equity, prices, REST
//! usage, order latency) and the journal's closed trades, over one window.

use crate::history::HistoryStore;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;

/// One closed trade.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportTrade {
    /// Symbol.
    pub symbol: String,
    /// `long` or `short`.
    pub side: String,
    /// Size (base coin).
    pub size: Decimal,
    /// Average entry price (unknown when the opening predates the journal's fills).
    pub entry_price: Option<Decimal>,
    /// Average exit price.
    pub exit_price: Option<Decimal>,
    /// Realised PnL after fees, USDT.
    pub pnl: Decimal,
    /// Fees paid, USDT.
    pub fees: Decimal,
    /// Opened, ms (unknown when the opening predates the journal's fills).
    pub opened_ms: Option<i64>,
    /// Closed, ms.
    pub closed_ms: i64,
    /// How it ended.
    pub reason: String,
}

/// Everything a report shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportData {
    /// Window start, ms.
    pub since_ms: i64,
    /// Window end (generation time), ms.
    pub until_ms: i64,
    /// Equity samples.
    pub equity: Vec<(i64, Decimal)>,
    /// Price samples per symbol.
    pub prices: BTreeMap<String, Vec<(i64, Decimal)>>,
    /// Closed trades, oldest first.
    pub trades: Vec<ReportTrade>,
    /// Place-order latency: (bucket upper bound, seconds; orders in the bucket).
    pub place_latency: Vec<(f64, u64)>,
    /// REST requests per sample interval: (end ms, requests, interval seconds).
    pub rest_rate: Vec<(i64, u64, f64)>,
}

impl ReportData {
    /// Loads the window `[since_ms, until_ms]` from `data_dir` with `trades` from the journal.
    pub fn load(
        data_dir: &Path,
        since_ms: i64,
        until_ms: i64,
        trades: Vec<ReportTrade>,
    ) -> anyhow::Result<Self> {
        let mut d = ReportData {
            since_ms,
            until_ms,
            trades,
            ..ReportData::default()
        };
        if let Some(h) = HistoryStore::open_read_only(data_dir)? {
            d.equity = h.equity_since(since_ms)?;
            for s in h.symbols_since(since_ms)? {
                let p = h.prices_since(&s, since_ms)?;
                d.prices.insert(s, p);
            }
            d.place_latency = h.latency_since(since_ms)?;
            d.rest_rate = h.rest_rate_since(since_ms)?;
        }
        for t in &d.trades {
            d.prices.entry(t.symbol.clone()).or_default();
        }
        Ok(d)
    }

    /// The earliest timestamp of any data in the window.
    pub fn first_data_ms(&self) -> Option<i64> {
        let equity = self.equity.first().map(|(t, _)| *t);
        let prices = self
            .prices
            .values()
            .filter_map(|p| p.first().map(|(t, _)| *t));
        let trades = self
            .trades
            .iter()
            .map(|t| t.opened_ms.unwrap_or(t.closed_ms));
        let rest = self.rest_rate.first().map(|(t, _, _)| *t);
        equity
            .into_iter()
            .chain(prices)
            .chain(trades)
            .chain(rest)
            .min()
    }

    /// Sum of realised PnL.
    pub fn total_pnl(&self) -> Decimal {
        self.trades.iter().map(|t| t.pnl).sum()
    }

    /// Sum of fees.
    pub fn total_fees(&self) -> Decimal {
        self.trades.iter().map(|t| t.fees).sum()
    }

    /// Largest peak-to-trough fall of the equity samples, USDT.
    pub fn max_drawdown(&self) -> Decimal {
        let mut peak: Option<Decimal> = None;
        let mut worst = Decimal::ZERO;
        for (_, e) in &self.equity {
            let p = peak.map_or(*e, |p| p.max(*e));
            peak = Some(p);
            worst = worst.max(p - *e);
        }
        worst
    }
}
