//! Patience at start-up: each step of recovery is retried with backoff while its failure is
//! transient (timeout, transport, 5xx, 429, a busy exchange, a malformed body), each attempt
//! logged at WARN and counted; a permanent failure (bad key, missing permission, a refused
//! live key, a config the account contradicts) ends start-up with one message. The current
//! step is shared with the admin server and the service manager through [`Progress`].

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use viper_actors::order_router::RouterError;

/// First wait after a transient failure; doubled per attempt up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// Longest wait between two attempts of a start-up step.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What start-up is doing now (`None` once it completed), shared with `/health`, `/ready`
/// and the service manager's status line.
#[derive(Clone, Debug)]
pub struct Progress(Arc<Mutex<Option<String>>>);

impl Default for Progress {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(Some("starting".into()))))
    }
}

impl Progress {
    /// Records the current step (or attempt).
    pub fn set(&self, what: String) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(what);
        }
    }

    /// Start-up completed: trading may begin.
    pub fn done(&self) {
        if let Ok(mut g) = self.0.lock() {
            *g = None;
        }
    }

    /// The step in progress, or `None` once start-up completed.
    pub fn current(&self) -> Option<String> {
        self.0.lock().ok().and_then(|g| g.clone())
    }
}

/// True when running the same step again later may succeed: a transport failure, timeout,
/// 5xx, 429, busy exchange, malformed body, or a write whose answer was lost (every start-up
/// write is idempotent and read back).
pub fn is_transient(e: &anyhow::Error) -> bool {
    fn bitget(e: &viper_bitget::Error) -> bool {
        e.is_retryable()
            || matches!(
                e,
                viper_bitget::Error::Decode { .. } | viper_bitget::Error::Unknown { .. }
            )
    }
    for cause in e.chain() {
        if let Some(b) = cause.downcast_ref::<viper_bitget::Error>() {
            return bitget(b);
        }
        if let Some(r) = cause.downcast_ref::<RouterError>() {
            return matches!(r, RouterError::Rejected(b) if bitget(b));
        }
    }
    false
}

/// The wait before attempt `attempt + 1` (attempt counts from 1).
pub fn backoff(attempt: u32) -> Duration {
    let factor = 1u32 << attempt.saturating_sub(1).min(10);
    FIRST_BACKOFF.saturating_mul(factor).min(MAX_BACKOFF)
}

/// The endpoint a transient failure came from, if the exchange client named one.
fn failed_at(e: &anyhow::Error) -> Option<String> {
    e.chain().find_map(|c| {
        let b = c.downcast_ref::<viper_bitget::Error>().or_else(|| {
            match c.downcast_ref::<RouterError>() {
                Some(RouterError::Rejected(b)) => Some(b),
                _ => None,
            }
        })?;
        let text = b.to_string();
        text.split(':').next().map(str::to_owned)
    })
}

/// Runs `f` until it succeeds or fails permanently; transient failures are logged, counted
/// (`viper_startup_retries_total{step}`) and retried after [`backoff`]. The backoff starts
/// over when a step fails at a different endpoint than before (it got further). Never gives
/// up on a transient failure: an exchange that is down at start-up is waited for.
pub async fn patiently<T, F, Fut>(
    progress: &Progress,
    step: &'static str,
    mut f: F,
) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let (mut attempt, mut in_a_row, mut last_at) = (1u32, 1u32, None);
    loop {
        progress.set(if attempt == 1 {
            step.to_owned()
        } else {
            format!("{step} (attempt {attempt})")
        });
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) if is_transient(&e) => {
                let at = failed_at(&e);
                in_a_row = if at == last_at { in_a_row + 1 } else { 1 };
                last_at = at;
                let wait = backoff(in_a_row);
                tracing::warn!(
                    step,
                    attempt,
                    retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    error = %format!("{e:#}"),
                    "start-up step failed transiently; retrying"
                );
                metrics::counter!("viper_startup_retries_total", "step" => step).increment(1);
                actix_rt::time::sleep(wait).await;
                attempt = attempt.saturating_add(1);
            }
            Err(e) => return Err(e.context(format!("start-up: {step}"))),
        }
    }
}

/// The steps `patiently` is called with, for the metric's label values (present from the
/// start at 0).
pub const STEPS: [&str; 6] = [
    "live key policy",
    "server clock",
    "contracts",
    "account modes and leverage",
    "journal settlement",
    "account",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn decode() -> viper_bitget::Error {
        viper_bitget::Error::Decode {
            endpoint: "/x".into(),
            reason: "eof".into(),
            body: "{".into(),
        }
    }

    #[test]
    fn transient_and_permanent_failures_are_told_apart() {
        let t = |e: viper_bitget::Error| is_transient(&anyhow::Error::new(e).context("step"));
        assert!(t(decode()));
        assert!(t(viper_bitget::Error::Timeout {
            endpoint: "/x".into(),
            after: Duration::from_secs(2)
        }));
        assert!(t(viper_bitget::Error::RateLimited {
            endpoint: "/x".into(),
            retry_after: Duration::from_secs(1)
        }));
        assert!(!t(viper_bitget::Error::Auth {
            endpoint: "/x".into(),
            code: "40006".into(),
            msg: "bad key".into()
        }));
        assert!(!t(viper_bitget::Error::Exchange {
            endpoint: "/x".into(),
            code: "40762".into(),
            msg: "no".into()
        }));
        assert!(is_transient(&anyhow::Error::new(RouterError::Rejected(
            decode()
        ))));
        assert!(!is_transient(&anyhow::anyhow!(
            "the account is in hedge mode"
        )));
    }

    #[test]
    fn backoff_doubles_to_its_ceiling() {
        assert_eq!(backoff(1), FIRST_BACKOFF);
        assert_eq!(backoff(2), FIRST_BACKOFF * 2);
        assert_eq!(backoff(7), MAX_BACKOFF);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }

    #[actix_rt::test]
    async fn a_permanent_failure_ends_at_once_and_transient_ones_are_retried() {
        let progress = Progress::default();
        let mut calls = 0;
        let r: anyhow::Result<()> = patiently(&progress, "server clock", || {
            calls += 1;
            async { anyhow::bail!("refused") }
        })
        .await;
        assert_eq!(calls, 1);
        assert!(format!("{:#}", r.unwrap_err()).starts_with("start-up: server clock"));
        let mut left = 2;
        let v = patiently(&progress, "contracts", || {
            left -= 1;
            let fail = left >= 0;
            async move {
                if fail {
                    Err(anyhow::Error::new(decode()))
                } else {
                    Ok(7)
                }
            }
        })
        .await
        .unwrap();
        assert_eq!((v, left), (7, -1));
        assert_eq!(progress.current().as_deref(), Some("contracts (attempt 3)"));
    }
}
