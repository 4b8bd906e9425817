//! Client-side rate limiting per endpoint (spec §4) with governor: requests queue instead of
//! being sent into a 429; a 429 pauses the endpoint. Shareable across clients (`Arc`).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter as Governor};
use tokio::time::Instant;

use crate::endpoints::{ALL, Endpoint};

/// Per-endpoint limiters sized from the documented limits times a budget share.
pub struct RateLimiter {
    limiters: HashMap<&'static str, DefaultDirectRateLimiter>,
    paused_until: Mutex<HashMap<&'static str, Instant>>,
    share: f64,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("share", &self.share)
            .finish()
    }
}

/// Requests per second allowed client-side for a documented `limit` and budget `share`.
pub fn effective_rate(limit: u32, share: f64) -> u32 {
    let share = if share.is_finite() {
        share.clamp(0.0, 1.0)
    } else {
        1.0
    };
    // Rates are tiny integers; the f64 round trip is exact here.
    let r = (f64::from(limit) * share).floor() as u32;
    r.max(1)
}

/// A quota that never exceeds `rate` requests in any closed one-second window, however the
/// server counts (fixed buckets or sliding): one request per `1.05 / rate` s, burst 1.
pub fn quota_for(rate: u32) -> Quota {
    let rate = rate.max(1);
    let period = Duration::from_micros(1_050_000 / u64::from(rate));
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::MIN)
}

impl RateLimiter {
    /// Limiters for every known endpoint; `share` in (0, 1] is this client's part of the
    /// budget (e.g. 0.5 when two bots share one key).
    pub fn new(share: f64) -> Self {
        let limiters = ALL
            .iter()
            .map(|e| {
                let q = quota_for(effective_rate(e.per_second, share));
                (e.path, Governor::direct(q))
            })
            .collect();
        Self {
            limiters,
            paused_until: Mutex::new(HashMap::new()),
            share,
        }
    }

    /// No client-side spacing at all (a 429 still pauses the endpoint): only for a simulator
    /// whose rate limits are switched off, e.g. a benchmark measuring the client itself.
    /// Against Bitget use [`RateLimiter::new`].
    pub fn unlimited() -> Self {
        Self {
            limiters: HashMap::new(),
            paused_until: Mutex::new(HashMap::new()),
            share: f64::INFINITY,
        }
    }

    /// Waits until `endpoint` may be called; returns how long it waited.
    pub async fn acquire(&self, endpoint: &Endpoint) -> Duration {
        let start = Instant::now();
        if let Some(until) = self.paused(endpoint.path) {
            tokio::time::sleep_until(until).await;
        }
        if let Some(l) = self.limiters.get(endpoint.path) {
            l.until_ready().await;
        }
        let waited = start.elapsed();
        crate::metrics::rate_limit_wait(endpoint.path, waited);
        waited
    }

    /// Pauses `endpoint` for `d` (after a 429 or a rate-limit code).
    pub fn pause(&self, endpoint: &Endpoint, d: Duration) {
        let until = Instant::now() + d;
        if let Ok(mut m) = self.paused_until.lock() {
            let e = m.entry(endpoint.path).or_insert(until);
            if *e < until {
                *e = until;
            }
        }
        tracing::warn!(
            endpoint = endpoint.path,
            pause_ms = d.as_millis() as u64,
            "rate limited: endpoint paused"
        );
    }

    fn paused(&self, path: &'static str) -> Option<Instant> {
        let m = self.paused_until.lock().ok()?;
        m.get(path).copied().filter(|t| *t > Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints::{CLOSE_POSITIONS, PLACE_ORDER, TICKER};
    use proptest::prelude::*;

    #[test]
    fn share_scales_the_budget() {
        assert_eq!(effective_rate(10, 1.0), 10);
        assert_eq!(effective_rate(10, 0.5), 5);
        assert_eq!(effective_rate(1, 0.5), 1);
        assert_eq!(effective_rate(20, 0.0), 1);
        assert_eq!(effective_rate(20, f64::NAN), 20);
        assert_eq!(effective_rate(20, 7.0), 20);
    }

    proptest! {
        // Emissions every `period` starting at 0: a closed 1 s window holds
        // floor(1 s / period) + 1 of them; that must not exceed the rate.
        #[test]
        fn quota_never_exceeds_the_rate_in_any_second(rate in 1u32..=50) {
            let q = quota_for(rate);
            let per_window = 1_000_000 / q.replenish_interval().as_micros() + 1;
            prop_assert!(per_window <= u128::from(rate), "{per_window} > {rate}");
            prop_assert_eq!(q.burst_size().get(), 1);
        }
    }

    #[actix_rt::test]
    async fn unlimited_never_spaces_but_still_honours_a_pause() {
        let rl = RateLimiter::unlimited();
        let start = Instant::now();
        for _ in 0..100 {
            rl.acquire(&PLACE_ORDER).await;
        }
        // Spaced at place-order's 10/s this would take about 10 s.
        let e = start.elapsed();
        assert!(e < Duration::from_secs(2), "{e:?}");
        rl.pause(&PLACE_ORDER, Duration::from_millis(300));
        let paused = Instant::now();
        rl.acquire(&PLACE_ORDER).await;
        assert!(
            paused.elapsed() >= Duration::from_millis(300),
            "a 429 pause still applies"
        );
    }

    #[actix_rt::test]
    async fn a_burst_is_spaced_out_not_refused() {
        let rl = RateLimiter::new(1.0);
        let start = Instant::now();
        for _ in 0..6 {
            rl.acquire(&TICKER).await;
        }
        // 20/s → one per 52.5 ms: five gaps ≈ 262 ms
        let e = start.elapsed();
        assert!(e >= Duration::from_millis(250), "{e:?}");
        assert!(e < Duration::from_millis(1000), "{e:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn pause_delays_only_that_endpoint() {
        let rl = RateLimiter::new(1.0);
        rl.pause(&CLOSE_POSITIONS, Duration::from_secs(5));
        let start = Instant::now();
        rl.acquire(&PLACE_ORDER).await;
        assert!(start.elapsed() < Duration::from_secs(1));
        rl.acquire(&CLOSE_POSITIONS).await;
        assert!(start.elapsed() >= Duration::from_secs(5));
    }
}
