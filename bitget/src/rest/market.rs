//! Public market endpoints (spec §5.1).

use super::client::RestClient;
use crate::endpoints as ep;
use crate::error::Error;
use crate::models::{
    Candle, Contract, DepthPrecision, Granularity, MergeDepth, ServerTime, Ticker,
};
use crate::sign::Query;

/// Candle request parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct CandlesQuery {
    /// Symbol.
    pub symbol: String,
    /// Interval.
    pub granularity: Granularity,
    /// From, ms.
    pub start_time: Option<i64>,
    /// To, ms.
    pub end_time: Option<i64>,
    /// Count (≤ 1000).
    pub limit: Option<u32>,
}

impl RestClient {
    fn product(&self) -> Query {
        Query::new().push("productType", self.config().product_type.as_str())
    }

    /// `GET /api/v2/public/time`.
    pub async fn server_time(&self) -> Result<ServerTime, Error> {
        self.get(&ep::SERVER_TIME, Query::new()).await
    }

    /// `GET /api/v2/mix/market/contracts` (all, or one symbol).
    pub async fn contracts(&self, symbol: Option<&str>) -> Result<Vec<Contract>, Error> {
        self.get(&ep::CONTRACTS, self.product().push_opt("symbol", symbol))
            .await
    }

    /// `GET /api/v2/mix/market/ticker` — the one-element array unwrapped.
    pub async fn ticker(&self, symbol: &str) -> Result<Ticker, Error> {
        let rows: Vec<Ticker> = self
            .get(&ep::TICKER, self.product().push("symbol", symbol))
            .await?;
        rows.into_iter()
            .find(|t| t.symbol.eq_ignore_ascii_case(symbol))
            .ok_or_else(|| Error::decode(ep::TICKER.path, "no row for the symbol", b""))
    }

    /// `GET /api/v2/mix/market/tickers` — every symbol in one call.
    pub async fn tickers(&self) -> Result<Vec<Ticker>, Error> {
        self.get(&ep::TICKERS, self.product()).await
    }

    /// Tickers of several symbols with one request (filters the `tickers` answer).
    pub async fn tickers_for(&self, symbols: &[&str]) -> Result<Vec<Ticker>, Error> {
        let all = self.tickers().await?;
        Ok(all
            .into_iter()
            .filter(|t| symbols.iter().any(|s| s.eq_ignore_ascii_case(&t.symbol)))
            .collect())
    }

    /// `GET /api/v2/mix/market/candles`, ascending.
    pub async fn candles(&self, q: &CandlesQuery) -> Result<Vec<Candle>, Error> {
        let query = self
            .product()
            .push("symbol", q.symbol.as_str())
            .push("granularity", q.granularity.as_str())
            .push_opt("startTime", q.start_time.map(|t| t.to_string()))
            .push_opt("endTime", q.end_time.map(|t| t.to_string()))
            .push_opt("limit", q.limit.map(|l| l.to_string()));
        self.get(&ep::CANDLES, query).await
    }

    /// `GET /api/v2/mix/market/merge-depth`; `limit` is `1`, `5`, `15`, `50` or `max`.
    pub async fn merge_depth(
        &self,
        symbol: &str,
        precision: Option<DepthPrecision>,
        limit: Option<&str>,
    ) -> Result<MergeDepth, Error> {
        let query = self
            .product()
            .push("symbol", symbol)
            .push_opt("precision", precision.map(|p| p.as_str()))
            .push_opt("limit", limit);
        self.get(&ep::MERGE_DEPTH, query).await
    }
}
