//! Retry policy: exponential backoff with jitter (backon), bounded in attempts and total time.
//! Applied by the client to reads, settings and cancels only — never to order creates.

use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

use crate::error::Error;

/// How a retryable request is retried.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts, the first one included (1 = no retry).
    pub max_attempts: usize,
    /// First delay.
    pub min_delay: Duration,
    /// Cap of the un-jittered delay (a jittered delay is at most twice this).
    pub max_delay: Duration,
    /// Upper bound of the time spent from the first attempt to the start of the last.
    pub max_total: Duration,
    /// Randomise each delay within `[d, 2d)` so many bots do not retry in lockstep.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            max_total: Duration::from_secs(8),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The delays between attempts (at most `max_attempts - 1` of them, summing to at
    /// most `max_total`).
    pub fn delays(&self) -> impl Iterator<Item = Duration> + use<> {
        let mut b = ExponentialBuilder::new()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1))
            .with_total_delay(Some(self.max_total));
        if self.jitter {
            b = b.with_jitter();
        }
        b.build()
    }
}

/// Runs `op` until it succeeds, returns a non-retryable error, or the policy is exhausted.
/// `on_retry` sees each error that is about to be retried and the delay chosen.
pub async fn retry<T, F, Fut>(
    policy: &RetryPolicy,
    mut op: F,
    mut on_retry: impl FnMut(&Error, Duration),
) -> Result<T, Error>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let started = tokio::time::Instant::now();
    let mut delays = policy.delays();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let err = match op(attempt).await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        if !err.is_retryable() {
            return Err(err);
        }
        let Some(mut delay) = delays.next() else {
            return Err(err);
        };
        if let Error::RateLimited { retry_after, .. } = &err {
            delay = delay.max(*retry_after);
        }
        if started.elapsed() + delay > policy.max_total {
            return Err(err);
        }
        on_retry(&err, delay);
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cell::Cell;

    fn transport() -> Error {
        Error::Transport {
            endpoint: "/p".into(),
            reason: "reset".into(),
        }
    }

    proptest! {
        #[test]
        fn backoff_stays_within_bounds(
            attempts in 1usize..12,
            min_ms in 1u64..500,
            max_factor in 1u64..20,
            total_ms in 1u64..30_000,
            jitter: bool,
        ) {
            let p = RetryPolicy {
                max_attempts: attempts,
                min_delay: Duration::from_millis(min_ms),
                max_delay: Duration::from_millis(min_ms * max_factor),
                max_total: Duration::from_millis(total_ms),
                jitter,
            };
            let delays: Vec<Duration> = p.delays().collect();
            prop_assert!(delays.len() < attempts);
            let sum: Duration = delays.iter().sum();
            prop_assert!(sum <= p.max_total);
            let mut prev = Duration::ZERO;
            for d in &delays {
                prop_assert!(*d >= p.min_delay);
                let cap = if jitter { p.max_delay * 2 } else { p.max_delay };
                prop_assert!(*d <= cap, "{d:?} > {cap:?}");
                if !jitter {
                    prop_assert!(*d >= prev, "not monotonic");
                }
                prev = *d;
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_transient_errors_with_growing_delays() {
        let p = RetryPolicy {
            max_attempts: 4,
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            max_total: Duration::from_secs(10),
            jitter: false,
        };
        let start = tokio::time::Instant::now();
        let mut seen = Vec::new();
        let calls = Cell::new(0);
        let r: Result<(), Error> = retry(
            &p,
            |_| {
                calls.set(calls.get() + 1);
                async { Err(transport()) }
            },
            |_, d| seen.push(d),
        )
        .await;
        assert!(r.is_err());
        assert_eq!(calls.get(), 4);
        let ms: Vec<u128> = seen.iter().map(|d| d.as_millis()).collect();
        assert_eq!(ms, vec![100, 200, 400]);
        // tokio timers round each sleep up to the next millisecond tick
        let e = start.elapsed();
        assert!(
            e >= Duration::from_millis(700) && e <= Duration::from_millis(705),
            "{e:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn stops_at_the_total_time_bound_and_on_fatal_errors() {
        let p = RetryPolicy {
            max_attempts: 100,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
            max_total: Duration::from_secs(3),
            jitter: true,
        };
        let start = tokio::time::Instant::now();
        let r: Result<(), Error> = retry(&p, |_| async { Err(transport()) }, |_, _| {}).await;
        assert!(r.is_err());
        assert!(
            start.elapsed() <= Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );

        let calls = Cell::new(0);
        let r: Result<(), Error> = retry(
            &p,
            |_| {
                calls.set(calls.get() + 1);
                async {
                    Err(Error::Exchange {
                        endpoint: "/p".into(),
                        code: "40762".into(),
                        msg: "m".into(),
                    })
                }
            },
            |_, _| {},
        )
        .await;
        assert_eq!(r.unwrap_err().class(), "exchange");
        assert_eq!(calls.get(), 1, "a rejection is never retried");
    }

    #[tokio::test(start_paused = true)]
    async fn succeeds_after_transient_failures() {
        let r = retry(
            &RetryPolicy::default(),
            |n| async move { if n < 3 { Err(transport()) } else { Ok(n) } },
            |_, _| {},
        )
        .await;
        assert_eq!(r.unwrap(), 3);
    }
}
