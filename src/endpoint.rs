//! Where the bot connects, resolved once for `run`, `paper` and `check`: the REST base URL
//! (flag, then config, then Bitget), the demo header, the credentials (environment, or the
//! simulator's defaults in paper mode), the WebSocket URLs and the REST client config.

use crate::config::BotConfig;
use std::time::Duration;
use viper_bitget::ws::WsConfig;
use viper_bitget::{Credentials, RestConfig};

/// Where the bot (or `viper check`) connects.
#[derive(Clone)]
pub struct Endpoint {
    /// REST base URL.
    pub rest_url: String,
    /// Demo trading header.
    pub demo: bool,
    /// API credentials.
    pub credentials: Credentials,
}

impl Endpoint {
    /// A simulator at `rest_url` with its default account's credentials.
    pub fn simulator(rest_url: &str) -> Self {
        Self {
            rest_url: rest_url.to_owned(),
            demo: false,
            credentials: Credentials::new(
                viper_sim::DEFAULT_API_KEY,
                viper_sim::DEFAULT_API_SECRET,
                viper_sim::DEFAULT_PASSPHRASE,
            ),
        }
    }

    /// Bitget (live or demo) or a standalone simulator: the URL from the flag, the config or
    /// Bitget's; the credentials from the environment.
    pub fn from_config(cfg: &BotConfig, exchange_url: Option<String>) -> anyhow::Result<Self> {
        Ok(Self {
            rest_url: rest_url_of(cfg, exchange_url),
            demo: cfg.mode == "demo",
            credentials: credentials_from_env()?,
        })
    }

    /// The REST client config: this endpoint with the config's request timeout.
    pub fn rest_config(&self, cfg: &BotConfig) -> RestConfig {
        let mut rc = RestConfig::custom(&self.rest_url, Some(self.credentials.clone()));
        rc.demo = self.demo;
        rc.request_timeout = Duration::from_millis(cfg.exchange.request_timeout_ms);
        rc
    }

    /// The WebSocket client config for this endpoint.
    pub fn ws_config(&self, cfg: &BotConfig) -> WsConfig {
        let (public, private) = ws_urls(cfg, &self.rest_url);
        let mut wc = WsConfig::custom(&public, &private);
        wc.private_ping_interval = Duration::from_millis(cfg.intervals.private_ping_ms);
        wc
    }
}

/// The REST base URL: the flag, else the config's, else Bitget's.
pub fn rest_url_of(cfg: &BotConfig, exchange_url: Option<String>) -> String {
    exchange_url
        .or_else(|| Some(cfg.exchange.rest_url.clone()).filter(|u| !u.is_empty()))
        .unwrap_or_else(|| viper_bitget::rest::LIVE_BASE_URL.to_string())
}

/// The three `BITGET_API_*` variables; one error naming every missing one.
pub fn credentials_from_env() -> anyhow::Result<Credentials> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let (key, secret, pass) = (
        get("BITGET_API_KEY"),
        get("BITGET_API_SECRET"),
        get("BITGET_API_PASSPHRASE"),
    );
    let missing: Vec<&str> = [
        ("BITGET_API_KEY", &key),
        ("BITGET_API_SECRET", &secret),
        ("BITGET_API_PASSPHRASE", &pass),
    ]
    .iter()
    .filter(|(_, v)| v.is_none())
    .map(|(k, _)| *k)
    .collect();
    match (key, secret, pass) {
        (Some(k), Some(s), Some(p)) => Ok(Credentials::new(k, s, p)),
        _ => anyhow::bail!(
            "credentials come from the environment only; missing or empty: {}",
            missing.join(", ")
        ),
    }
}

/// The WebSocket URLs for a REST base URL: the config's when set, Bitget's for Bitget's
/// host, else derived from the REST URL (`http://h:p` → `ws://h:p/v2/ws/public`).
pub fn ws_urls(cfg: &BotConfig, rest_url: &str) -> (String, String) {
    use viper_bitget::ws::config as ws;
    if !cfg.exchange.ws_public_url.is_empty() && !cfg.exchange.ws_private_url.is_empty() {
        return (
            cfg.exchange.ws_public_url.clone(),
            cfg.exchange.ws_private_url.clone(),
        );
    }
    let base = rest_url.trim_end_matches('/');
    if base == viper_bitget::rest::LIVE_BASE_URL {
        return if cfg.mode == "demo" {
            (ws::DEMO_PUBLIC.into(), ws::DEMO_PRIVATE.into())
        } else {
            (ws::LIVE_PUBLIC.into(), ws::LIVE_PRIVATE.into())
        };
    }
    let ws_base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    };
    (
        format!("{ws_base}/v2/ws/public"),
        format!("{ws_base}/v2/ws/private"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_urls_follow_the_rest_url() {
        let cfg = BotConfig::default();
        assert_eq!(
            ws_urls(&cfg, "http://127.0.0.1:5/").0,
            "ws://127.0.0.1:5/v2/ws/public"
        );
        assert!(
            ws_urls(&cfg, viper_bitget::rest::LIVE_BASE_URL)
                .1
                .starts_with("wss://ws.bitget.com")
        );
        let demo = BotConfig {
            mode: "demo".into(),
            ..BotConfig::default()
        };
        assert!(
            ws_urls(&demo, viper_bitget::rest::LIVE_BASE_URL)
                .0
                .contains("wspap")
        );
        assert_eq!(
            rest_url_of(&cfg, Some("http://x".into())),
            "http://x".to_string()
        );
        assert_eq!(rest_url_of(&cfg, None), viper_bitget::rest::LIVE_BASE_URL);
    }
}
