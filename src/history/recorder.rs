//! The actor that samples the bot into the history: the latest equity (account snapshots),
//! the latest price of every symbol (market ticks), and, from the bot's own metrics, REST
//! requests per endpoint and the place-order latency histogram. One sample per period, one
//! at start and one when it stops; a failed write is logged and never affects trading.

use super::{HistoryStore, Sample};
use crate::trades::now_ms;
use actix::prelude::*;
use metrics_exporter_prometheus::PrometheusHandle;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::time::Duration;
use viper_actors::events::{AccountSnapshot, MarketTick};

const PLACE_ORDER: &str = "/api/v2/mix/order/place-order";

/// Requests per endpoint.
pub type RestRequests = Vec<(String, u64)>;
/// Cumulative latency buckets: (upper bound, seconds; count).
pub type LatencyBuckets = Vec<(f64, u64)>;
/// One exposition line: name, labels, value.
type ParsedSample<'a> = (&'a str, Vec<(&'a str, &'a str)>, f64);

/// The history recorder.
pub struct HistoryRecorder {
    store: HistoryStore,
    every: Duration,
    metrics: Option<PrometheusHandle>,
    equity: Option<Decimal>,
    prices: BTreeMap<String, Decimal>,
    run_start_ms: i64,
}

impl HistoryRecorder {
    /// Samples into `store` every `every`; REST figures come from `metrics` when given.
    pub fn new(store: HistoryStore, every: Duration, metrics: Option<PrometheusHandle>) -> Self {
        Self {
            store,
            every,
            metrics,
            equity: None,
            prices: BTreeMap::new(),
            run_start_ms: now_ms(),
        }
    }

    fn sample(&mut self) {
        let text = self.metrics.as_ref().map(PrometheusHandle::render);
        let (rest_requests, place_latency) = text.as_deref().map(rest_figures).unwrap_or_default();
        let s = Sample {
            ts_ms: now_ms(),
            equity: self.equity,
            prices: self.prices.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            rest_requests,
            place_latency,
            run_start_ms: self.run_start_ms,
        };
        if let Err(e) = self.store.write(&s) {
            tracing::warn!(actor = "history", error = %e, "history sample not written");
        }
    }
}

/// REST requests per endpoint and the place-order latency buckets, from the exposition text.
pub fn rest_figures(text: &str) -> (RestRequests, LatencyBuckets) {
    let (mut requests, mut latency) = (Vec::new(), Vec::new());
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((name, labels, value)) = parse_sample(line) else {
            continue;
        };
        let label = |k: &str| labels.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        let count = if value.is_finite() && value >= 0.0 {
            value as u64
        } else {
            continue;
        };
        match name {
            "viper_rest_requests_total" => {
                if let Some(ep) = label("endpoint") {
                    requests.push((ep.to_owned(), count));
                }
            }
            "viper_rest_request_duration_seconds_bucket"
                if label("endpoint") == Some(PLACE_ORDER) =>
            {
                let le = label("le").and_then(|s| {
                    if s == "+Inf" {
                        Some(f64::INFINITY)
                    } else {
                        s.parse().ok()
                    }
                });
                if let Some(le) = le {
                    latency.push((le, count));
                }
            }
            _ => {}
        }
    }
    (requests, latency)
}

/// `name{k="v",...} value` → parts (label values without escapes, as ours are).
fn parse_sample(line: &str) -> Option<ParsedSample<'_>> {
    let (head, value) = line.rsplit_once(' ')?;
    let value: f64 = value.parse().ok()?;
    let (name, labels) = match head.split_once('{') {
        Some((n, rest)) => (n, rest.strip_suffix('}')?),
        None => (head, ""),
    };
    let labels = labels
        .split("\",")
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (k, v) = p.split_once("=\"")?;
            Some((k, v.trim_end_matches('"')))
        })
        .collect();
    Some((name, labels, value))
}

impl Actor for HistoryRecorder {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        self.sample();
        ctx.run_interval(self.every, |act, _| act.sample());
    }
    fn stopped(&mut self, _: &mut Self::Context) {
        self.sample();
    }
}

impl Handler<AccountSnapshot> for HistoryRecorder {
    type Result = ();
    fn handle(&mut self, m: AccountSnapshot, _: &mut Self::Context) {
        self.equity = Some(m.equity);
    }
}

impl Handler<MarketTick> for HistoryRecorder {
    type Result = ();
    fn handle(&mut self, m: MarketTick, _: &mut Self::Context) {
        self.prices.insert(m.symbol, m.last);
    }
}

/// The history recorder for `viper report`: informational, so a data directory it cannot
/// write only costs the report (logged), never trading.
pub fn start(cfg: &crate::config::BotConfig) -> Option<Addr<HistoryRecorder>> {
    match super::HistoryStore::open(&cfg.data_dir) {
        Ok(store) => {
            let every = Duration::from_secs(cfg.intervals.history_sample_secs.max(1));
            Some(HistoryRecorder::new(store, every, crate::admin_metrics::installed()).start())
        }
        Err(e) => {
            tracing::warn!(error = %e, "no history for reports");
            None
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_rest_requests_and_place_order_buckets() {
        let text = "# TYPE viper_rest_requests_total counter\n\
            viper_rest_requests_total{endpoint=\"/api/v2/mix/account/accounts\"} 12\n\
            viper_rest_requests_total{endpoint=\"/api/v2/mix/order/place-order\"} 3\n\
            viper_rest_request_duration_seconds_bucket{endpoint=\"/api/v2/mix/order/place-order\",le=\"0.005\"} 1\n\
            viper_rest_request_duration_seconds_bucket{endpoint=\"/api/v2/mix/order/place-order\",le=\"+Inf\"} 3\n\
            viper_rest_request_duration_seconds_bucket{endpoint=\"/api/v2/mix/order/detail\",le=\"0.005\"} 9\n\
            garbage line\n";
        let (req, lat) = rest_figures(text);
        assert_eq!(
            req,
            vec![
                ("/api/v2/mix/account/accounts".to_owned(), 12),
                ("/api/v2/mix/order/place-order".to_owned(), 3)
            ]
        );
        assert_eq!(lat, vec![(0.005, 1), (f64::INFINITY, 3)]);
    }
}
