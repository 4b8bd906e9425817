//! Delivery: one `Notifier` actor per webhook, its mailbox the bounded queue. Senders only
//! `try_send` (a full queue drops the notice and counts it), so trading never waits on a
//! webhook. Each notice is posted with a timeout and retried with exponential backoff and
//! jitter; when the retries are spent it is given up with one log line. The URL and token
//! appear in no log, error or metric: failures are logged by class only.

use super::config::{NotifyConfig, WebhookFormat, WebhookTarget};
use super::format;
use actix::prelude::*;
use backon::BackoffBuilder;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use viper_actors::notice::Notice;

/// Retry timing.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryPolicy {
    /// One attempt's timeout.
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
    /// First retry delay (doubled per retry, with jitter).
    pub base: Duration,
}

impl From<&NotifyConfig> for DeliveryPolicy {
    fn from(c: &NotifyConfig) -> Self {
        Self {
            timeout: Duration::from_millis(c.timeout_ms),
            retries: c.retries,
            base: Duration::from_millis(c.retry_base_ms),
        }
    }
}

/// One webhook's delivery actor.
pub struct Notifier {
    name: String,
    format: WebhookFormat,
    target: WebhookTarget,
    chat_id: Option<String>,
    mode: String,
    policy: DeliveryPolicy,
    capacity: usize,
    pending: Arc<AtomicUsize>,
}

impl Actor for Notifier {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(self.capacity);
    }
}

/// Why one attempt failed: a class for logs (never the URL or the client's own message).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    Timeout,
    Connect,
    Status(u16),
    Other,
}

impl Failure {
    fn retryable(&self) -> bool {
        match self {
            Failure::Status(s) => *s == 429 || *s >= 500,
            _ => true,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Timeout => f.write_str("timeout"),
            Failure::Connect => f.write_str("connection failed"),
            Failure::Status(s) => write!(f, "HTTP {s}"),
            Failure::Other => f.write_str("request failed"),
        }
    }
}

async fn attempt(
    client: &awc::Client,
    target: &WebhookTarget,
    body: &serde_json::Value,
) -> Result<(), Failure> {
    let mut req = client.post(&target.url);
    if let Some(t) = &target.bearer {
        req = req.bearer_auth(t);
    }
    match req.send_json(body).await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(Failure::Status(r.status().as_u16())),
        Err(awc::error::SendRequestError::Timeout) => Err(Failure::Timeout),
        Err(awc::error::SendRequestError::Connect(_)) => Err(Failure::Connect),
        Err(_) => Err(Failure::Other),
    }
}

/// Posts `body` until it is accepted, a permanent failure, or the retries are spent.
async fn deliver(
    target: WebhookTarget,
    body: serde_json::Value,
    policy: DeliveryPolicy,
) -> (u32, Result<(), Failure>) {
    let client = awc::Client::builder()
        .timeout(policy.timeout)
        .disable_redirects()
        .finish();
    let mut delays = backon::ExponentialBuilder::default()
        .with_min_delay(policy.base)
        .with_max_delay(policy.base * 16)
        .with_max_times(policy.retries as usize)
        .with_jitter()
        .build();
    let mut attempts = 0;
    loop {
        attempts += 1;
        match attempt(&client, &target, &body).await {
            Ok(()) => return (attempts, Ok(())),
            Err(f) if f.retryable() => match delays.next() {
                Some(d) => {
                    metrics::counter!("viper_notify_retries_total").increment(1);
                    actix_rt::time::sleep(d).await;
                }
                None => return (attempts, Err(f)),
            },
            Err(f) => return (attempts, Err(f)),
        }
    }
}

impl Handler<Notice> for Notifier {
    // Atomic: one notice at a time, the rest wait in the bounded mailbox.
    type Result = AtomicResponse<Self, ()>;
    fn handle(&mut self, n: Notice, _: &mut Self::Context) -> Self::Result {
        let body = format::body(self.format, &self.mode, self.chat_id.as_deref(), &n);
        let (target, policy, name) = (self.target.clone(), self.policy, self.name.clone());
        let kind = n.kind();
        let pending = self.pending.clone();
        AtomicResponse::new(Box::pin(
            async move {
                let (attempts, res) = deliver(target, body, policy).await;
                pending.fetch_sub(1, Ordering::SeqCst);
                let outcome = if res.is_ok() { "delivered" } else { "failed" };
                metrics::counter!("viper_notify_sent_total", "webhook" => name.clone(), "outcome" => outcome)
                    .increment(1);
                if let Err(f) = res {
                    tracing::warn!(webhook = %name, event = kind, attempts, error = %f, "notification not delivered; giving up");
                }
            }
            .into_actor(self),
        ))
    }
}

/// One started webhook.
#[derive(Clone)]
struct Hook {
    name: String,
    events: Vec<String>,
    addr: Recipient<Notice>,
}

/// Where notices are handed in: a non-blocking fan-out to every webhook that wants them.
#[derive(Clone, Default)]
pub struct NotifyHandle {
    hooks: Vec<Hook>,
    /// Notices queued or being delivered, all webhooks together.
    pending: Arc<AtomicUsize>,
}

impl NotifyHandle {
    /// Starts one notifier per webhook with a resolved target (call inside an actix System).
    pub fn start(cfg: &NotifyConfig, mode: &str) -> Self {
        let policy = DeliveryPolicy::from(cfg);
        let pending = Arc::new(AtomicUsize::new(0));
        let hooks = cfg
            .webhooks
            .iter()
            .filter_map(|h| {
                let target = h.target.clone()?;
                for outcome in ["delivered", "failed"] {
                    metrics::counter!("viper_notify_sent_total", "webhook" => h.name.clone(), "outcome" => outcome)
                        .increment(0);
                }
                metrics::counter!("viper_notify_dropped_total", "webhook" => h.name.clone())
                    .increment(0);
                let addr = Notifier {
                    name: h.name.clone(),
                    format: h.format,
                    target,
                    chat_id: h.chat_id.clone(),
                    mode: mode.to_owned(),
                    policy,
                    capacity: cfg.queue,
                    pending: pending.clone(),
                }
                .start();
                Some(Hook {
                    name: h.name.clone(),
                    events: h.events.clone(),
                    addr: addr.recipient(),
                })
            })
            .collect();
        metrics::counter!("viper_notify_retries_total").increment(0);
        Self { hooks, pending }
    }

    /// Waits until every queued notice was delivered or given up, at most `within` (at stop,
    /// so the last notices are not lost with the process); true when all were.
    pub async fn drain(&self, within: Duration) -> bool {
        let until = tokio::time::Instant::now() + within;
        while self.pending.load(Ordering::SeqCst) > 0 {
            if tokio::time::Instant::now() >= until {
                return false;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        true
    }

    /// True when no webhook is configured.
    pub fn is_empty(&self) -> bool {
        self.hooks.is_empty()
    }

    /// Queues `notice` for every webhook that wants it; never waits. A full queue drops it.
    pub fn send(&self, notice: &Notice) {
        let kind = notice.kind();
        let wanted = |h: &&Hook| h.events.is_empty() || h.events.iter().any(|e| e == kind);
        for h in self.hooks.iter().filter(wanted) {
            self.pending.fetch_add(1, Ordering::SeqCst);
            if h.addr.try_send(notice.clone()).is_err() {
                self.pending.fetch_sub(1, Ordering::SeqCst);
                metrics::counter!("viper_notify_dropped_total", "webhook" => h.name.clone())
                    .increment(1);
                tracing::debug!(webhook = %h.name, event = notice.kind(), "notification queue full; dropped");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_failures_are_retried() {
        for (f, retry) in [
            (Failure::Timeout, true),
            (Failure::Connect, true),
            (Failure::Status(500), true),
            (Failure::Status(429), true),
            (Failure::Status(404), false),
            (Failure::Status(400), false),
        ] {
            assert_eq!(f.retryable(), retry, "{f}");
        }
    }
}
