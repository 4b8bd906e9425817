//! `RestClient`: signs, rate-limits, sends, decodes, retries reads, resyncs the clock on a
//! timestamp error, and turns ambiguous create outcomes into `Unknown`.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::time::Instant;
use tracing::Instrument as _;
use tracing::field::Empty;

use super::config::RestConfig;
use super::envelope::{RawResponse, decode_response};
use super::transport::{self, Failure};
use crate::clock::{Clock, ServerClock, SystemClock};
use crate::codes::{self, CodeClass};
use crate::endpoints::{self, Endpoint, Kind};
use crate::error::Error;
use crate::models::ServerTime;
use crate::rate_limit::RateLimiter;
use crate::retry::{RetryPolicy, retry};
use crate::sign::{Query, Signer};

/// The Bitget REST client. Cheap to clone; `!Send` (awc): use it on one actix arbiter.
#[derive(Clone)]
pub struct RestClient {
    inner: Rc<Inner>,
}

struct Inner {
    cfg: RestConfig,
    /// The secret keyed into HMAC once (None without credentials).
    signer: Option<Signer>,
    http: awc::Client,
    clock: Arc<ServerClock>,
    limiter: Arc<RateLimiter>,
    /// Per endpoint: the latest request at or over [`SLOW_REQUEST`], and when.
    slow: std::cell::RefCell<std::collections::HashMap<&'static str, (Duration, Instant)>>,
    /// Network time of the latest attempt (send to answer), whatever the endpoint.
    last: std::cell::Cell<Option<Duration>>,
}

/// The seed's criterion: every endpoint answers within 2 s; slower requests are flagged.
pub const SLOW_REQUEST: Duration = Duration::from_secs(2);

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("base_url", &self.inner.cfg.base_url)
            .field("demo", &self.inner.cfg.demo)
            .field("credentials", &self.inner.cfg.credentials)
            .field("clock", &self.inner.clock)
            .finish()
    }
}

/// One attempt's failure and whether it leaves a create's outcome unknown.
struct AttemptError {
    error: Error,
    ambiguous: bool,
}

impl RestClient {
    /// A client on the system clock with its own rate limiter. Needs an actix System.
    pub fn new(cfg: RestConfig) -> Self {
        let limiter = Arc::new(RateLimiter::new(cfg.rate_share));
        Self::with_parts(cfg, Arc::new(SystemClock), limiter)
    }

    /// A client with an injected clock and a (possibly shared) rate limiter.
    pub fn with_parts(cfg: RestConfig, clock: Arc<dyn Clock>, limiter: Arc<RateLimiter>) -> Self {
        // Several calls are fine: only the first installs the provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let connector = awc::Connector::new().timeout(cfg.connect_timeout);
        // No awc timeout: `transport::send` bounds the whole exchange (headers and body) with
        // `request_timeout` itself, and a second timer per request is pure overhead.
        let http = awc::Client::builder()
            .connector(connector)
            .disable_timeout()
            .disable_redirects()
            .finish();
        Self {
            inner: Rc::new(Inner {
                signer: cfg.credentials.as_ref().map(|c| Signer::new(c.secret())),
                cfg,
                http,
                clock: Arc::new(ServerClock::new(clock)),
                limiter,
                slow: Default::default(),
                last: Default::default(),
            }),
        }
    }

    /// Endpoints whose latest request took [`SLOW_REQUEST`] or longer within `within`, with
    /// that latency (a timeout counts: it lasted the whole request timeout).
    pub fn slow_requests(&self, within: Duration) -> Vec<(&'static str, Duration)> {
        let mut v: Vec<_> = self
            .inner
            .slow
            .borrow()
            .iter()
            .filter(|(_, (_, at))| at.elapsed() <= within)
            .map(|(k, (d, _))| (*k, *d))
            .collect();
        v.sort();
        v
    }

    /// Network time of the latest attempt this client made (from sending the request to its
    /// answer or failure), without the time the rate limiter queued it: what `viper check`
    /// reports as latency.
    pub fn last_attempt_latency(&self) -> Option<Duration> {
        self.inner.last.get()
    }

    /// The configuration.
    pub fn config(&self) -> &RestConfig {
        &self.inner.cfg
    }

    /// The server clock (offset and signing time).
    pub fn clock(&self) -> &ServerClock {
        &self.inner.clock
    }

    /// A shared handle on the server clock (e.g. for the WebSocket login).
    pub fn server_clock(&self) -> Arc<ServerClock> {
        self.inner.clock.clone()
    }

    /// The rate limiter.
    pub fn rate_limiter(&self) -> &Arc<RateLimiter> {
        &self.inner.limiter
    }

    /// Measures the server-time offset once (`GET /api/v2/public/time`, midpoint of the
    /// round trip) and returns it in ms.
    pub async fn sync_clock(&self) -> Result<i64, Error> {
        let ep = &endpoints::SERVER_TIME;
        self.inner.limiter.acquire(ep).await;
        let t0 = self.inner.clock.local_ms();
        let st: ServerTime = self
            .attempt(ep, &Query::new(), None)
            .await
            .map_err(|a| a.error)?;
        let t1 = self.inner.clock.local_ms();
        let offset = self.inner.clock.apply_sample(t0, st.server_time, t1);
        crate::metrics::clock_offset(offset);
        tracing::info!(
            offset_ms = offset,
            rtt_ms = t1 - t0,
            "clock synced to Bitget"
        );
        Ok(offset)
    }

    /// Resyncs the clock every `period` forever; spawn it with `actix_rt::spawn`.
    pub async fn run_clock_sync(self, period: Duration) {
        loop {
            if let Err(e) = self.sync_clock().await {
                tracing::warn!(error = %e, "clock sync failed");
            }
            tokio::time::sleep(period).await;
        }
    }

    /// GET with query parameters.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        ep: &'static Endpoint,
        query: Query,
    ) -> Result<T, Error> {
        self.call(ep, query, None, Vec::new()).await
    }

    /// A signed read of `ep` whose `data` is returned as received, untyped (for
    /// `viper record`: what Bitget sent, to be decoded later). Reads only: a create, cancel
    /// or setting is refused.
    pub async fn read_json(&self, ep: &'static Endpoint, query: Query) -> Result<Value, Error> {
        if !matches!(ep.kind, Kind::Public | Kind::Read) {
            return Err(Error::InvalidRequest(format!("{} is not a read", ep.path)));
        }
        self.get(ep, query).await
    }

    /// POST with a JSON body; `client_oids` name the orders a create carries.
    pub(crate) async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        ep: &'static Endpoint,
        body: &B,
        client_oids: Vec<String>,
    ) -> Result<T, Error> {
        // Serialise once: these exact bytes are signed and sent (spec §2.2).
        let text = serde_json::to_string(body)
            .map_err(|e| Error::InvalidRequest(format!("cannot serialise body: {e}")))?;
        self.call(ep, Query::new(), Some(text), client_oids).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        ep: &'static Endpoint,
        query: Query,
        body: Option<String>,
        client_oids: Vec<String>,
    ) -> Result<T, Error> {
        let span = tracing::info_span!(
            "bitget_rest",
            endpoint = ep.path,
            client_oid = client_oids.first().map(String::as_str).unwrap_or(""),
            attempt = Empty,
            latency_ms = Empty,
            code = Empty,
        );
        self.run(ep, &query, body.as_deref(), client_oids)
            .instrument(span)
            .await
    }

    async fn run<T: DeserializeOwned>(
        &self,
        ep: &'static Endpoint,
        query: &Query,
        body: Option<&str>,
        client_oids: Vec<String>,
    ) -> Result<T, Error> {
        // Creates are never re-sent by the client; everything else follows the policy.
        let never = RetryPolicy::never();
        let policy = if ep.kind.retryable() {
            &self.inner.cfg.retry
        } else {
            &never
        };
        let resynced = Cell::new(false);
        let oids = &client_oids;
        let op = |attempt: u32| {
            let resynced = &resynced;
            async move {
                tracing::Span::current().record("attempt", attempt);
                self.attempt_once(ep, query, body, resynced, oids).await
            }
        };
        retry(policy, op, |e, d| {
            tracing::info!(error = %e, delay_ms = d.as_millis() as u64, "retrying");
            crate::metrics::retry(ep.path);
        })
        .await
    }

    /// Waits for the rate limiter, sends once (twice after a timestamp error and a
    /// successful resync) and applies the create rule.
    async fn attempt_once<T: DeserializeOwned>(
        &self,
        ep: &'static Endpoint,
        query: &Query,
        body: Option<&str>,
        resynced: &Cell<bool>,
        client_oids: &[String],
    ) -> Result<T, Error> {
        loop {
            self.inner.limiter.acquire(ep).await;
            let AttemptError { error, ambiguous } = match self.attempt(ep, query, body).await {
                Ok(v) => return Ok(v),
                Err(a) => a,
            };
            if is_timestamp_error(&error) && !resynced.replace(true) {
                // Refused by the server, nothing applied: resync and send once more,
                // creates included.
                if self.sync_clock().await.is_ok() {
                    crate::metrics::retry(ep.path);
                    continue;
                }
            }
            if let Error::RateLimited { retry_after, .. } = &error {
                self.inner.limiter.pause(ep, *retry_after);
            }
            if ep.kind == Kind::Create && ambiguous {
                tracing::warn!(error = %error, "create outcome unknown: settle by clientOid");
                crate::metrics::error(ep.path, "unknown", None);
                return Err(Error::Unknown {
                    endpoint: ep.path.to_owned(),
                    client_oids: client_oids.to_vec(),
                });
            }
            return Err(error);
        }
    }

    /// One signed exchange, decoded; records metrics and span fields.
    async fn attempt<T: DeserializeOwned>(
        &self,
        ep: &'static Endpoint,
        query: &Query,
        body: Option<&str>,
    ) -> Result<T, AttemptError> {
        let qs = query.encode();
        let headers = self.headers(ep, &qs, body.unwrap_or(""))?;
        let url = if qs.is_empty() {
            format!("{}{}", self.inner.cfg.base_url, ep.path)
        } else {
            format!("{}{}?{}", self.inner.cfg.base_url, ep.path, qs)
        };
        let t = Instant::now();
        let sent = transport::send(
            &self.inner.http,
            ep.path,
            ep.method.as_str(),
            &url,
            &headers,
            body,
            self.inner.cfg.request_timeout,
        )
        .await;
        let latency = t.elapsed();
        self.inner.last.set(Some(latency));
        crate::metrics::request(ep.path, latency);
        // Only the latest request of an endpoint counts: a fast one clears a slow one.
        if latency >= SLOW_REQUEST {
            self.inner
                .slow
                .borrow_mut()
                .insert(ep.path, (latency, Instant::now()));
        } else {
            self.inner.slow.borrow_mut().remove(ep.path);
        }
        let span = tracing::Span::current();
        span.record("latency_ms", latency.as_millis() as u64);
        let result = match sent {
            Ok(reply) => {
                tracing::debug!(reply = %transport::describe(&reply), "reply");
                let raw = RawResponse {
                    status: reply.status,
                    content_type: reply.content_type.as_deref(),
                    body: &reply.body,
                };
                decode_response::<T>(ep.path, raw, self.inner.cfg.rate_limit_pause).map_err(|e| {
                    // A 5xx or an unreadable 2xx may hide an applied create.
                    let ambiguous = reply.status >= 500
                        || (matches!(e, Error::Decode { .. }) && reply.status < 300);
                    AttemptError {
                        error: e,
                        ambiguous,
                    }
                })
            }
            Err(Failure { error, maybe_sent }) => Err(AttemptError {
                error,
                ambiguous: maybe_sent,
            }),
        };
        match &result {
            Ok(_) => span.record("code", codes::SUCCESS),
            Err(a) => {
                crate::metrics::error(ep.path, a.error.class(), a.error.code());
                span.record("code", a.error.code().unwrap_or(a.error.class()))
            }
        };
        tracing::debug!(ok = result.is_ok(), "attempt finished");
        result
    }

    fn headers(
        &self,
        ep: &Endpoint,
        qs: &str,
        body: &str,
    ) -> Result<Vec<(&'static str, String)>, AttemptError> {
        let cfg = &self.inner.cfg;
        let mut h: Vec<(&'static str, String)> = vec![("Content-Type", "application/json".into())];
        if let Some(l) = &cfg.locale {
            h.push(("locale", l.clone()));
        }
        if cfg.demo {
            h.push(("paptrading", "1".into()));
        }
        if ep.kind.signed() {
            let (Some(c), Some(signer)) = (&cfg.credentials, &self.inner.signer) else {
                return Err(AttemptError {
                    error: Error::InvalidRequest(format!("{} needs credentials", ep.path)),
                    ambiguous: false,
                });
            };
            let ts = self.inner.clock.now_ms().to_string();
            let sign = signer.sign(&ts, ep.method.as_str(), ep.path, qs, body);
            h.push(("ACCESS-KEY", c.api_key().to_owned()));
            h.push(("ACCESS-SIGN", sign));
            h.push(("ACCESS-TIMESTAMP", ts));
            h.push(("ACCESS-PASSPHRASE", c.passphrase().to_owned()));
        }
        Ok(h)
    }
}

fn is_timestamp_error(e: &Error) -> bool {
    e.code()
        .is_some_and(|c| codes::classify(c) == CodeClass::Timestamp)
}
