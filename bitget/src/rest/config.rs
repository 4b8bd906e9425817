//! Client configuration: live / demo / custom base URL are one setting, plus timeouts,
//! retry policy and rate-limit share.

use std::time::Duration;

use crate::credentials::Credentials;
use crate::models::ProductType;
use crate::retry::RetryPolicy;

/// Bitget's REST host (live and demo).
pub const LIVE_BASE_URL: &str = "https://api.bitget.com";

/// How to reach Bitget (or the simulator).
#[derive(Debug, Clone)]
pub struct RestConfig {
    /// Base URL without trailing slash: [`LIVE_BASE_URL`] or e.g. `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// Demo trading: adds header `paptrading: 1` to every request.
    pub demo: bool,
    /// Key, secret, passphrase; `None` allows public endpoints only.
    pub credentials: Option<Credentials>,
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (send, headers and body), default 2 s.
    pub request_timeout: Duration,
    /// Retry policy of reads, settings and cancels.
    pub retry: RetryPolicy,
    /// This client's share of each endpoint's rate budget, in (0, 1].
    pub rate_share: f64,
    /// How long an endpoint is paused after a 429.
    pub rate_limit_pause: Duration,
    /// Product type sent with every request.
    pub product_type: ProductType,
    /// Margin coin sent where required.
    pub margin_coin: String,
    /// `locale` header (language of `msg`).
    pub locale: Option<String>,
}

impl RestConfig {
    /// Live trading on [`LIVE_BASE_URL`].
    pub fn live(credentials: Credentials) -> Self {
        Self::custom(LIVE_BASE_URL, Some(credentials))
    }

    /// Demo trading: same host, `paptrading: 1` header.
    pub fn demo(credentials: Credentials) -> Self {
        Self {
            demo: true,
            ..Self::live(credentials)
        }
    }

    /// Any base URL (the simulator), with defaults for everything else.
    pub fn custom(base_url: &str, credentials: Option<Credentials>) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            demo: false,
            credentials,
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(2),
            retry: RetryPolicy::default(),
            rate_share: 1.0,
            rate_limit_pause: Duration::from_secs(1),
            product_type: ProductType::UsdtFutures,
            margin_coin: "USDT".into(),
            locale: Some("en-US".into()),
        }
    }
}
