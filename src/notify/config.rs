//! The `[notify]` section: webhooks, each a message format whose URL and token come from
//! environment variables the config names (never from the file), and the delivery policy.
//! Resolution reads the variables once at load; a missing or malformed one is an error that
//! names the variable, never its value.

use serde::{Deserialize, Serialize};

/// Telegram's Bot API, used when a telegram webhook names no `url_env`.
pub const TELEGRAM_API: &str = "https://api.telegram.org";
/// Event names a webhook may subscribe to (`events`; empty = all).
pub const EVENTS: [&str; 6] = [
    "entry",
    "exit",
    "emergency_stop",
    "trading_state",
    "restart",
    "connection",
];

/// Notifications: where to send them and how hard to try.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// Notifications waiting per webhook; beyond it new ones are dropped (and counted).
    pub queue: usize,
    /// One delivery attempt's timeout, ms.
    pub timeout_ms: u64,
    /// Retries after a failed attempt (timeouts, connection errors, 429 and 5xx answers).
    pub retries: u32,
    /// First retry delay, ms; doubled per retry, with jitter.
    pub retry_base_ms: u64,
    /// The webhooks (`[[notify.webhooks]]`).
    pub webhooks: Vec<WebhookConfig>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            queue: 64,
            timeout_ms: 5000,
            retries: 3,
            retry_base_ms: 1000,
            webhooks: Vec::new(),
        }
    }
}

/// A message format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// `{"event", "text", "mode", ...fields}` posted to the URL.
    Json,
    /// Telegram Bot API `sendMessage`: `{"chat_id", "text"}`.
    Telegram,
    /// Discord webhook: `{"content"}`.
    Discord,
    /// Slack incoming webhook: `{"text"}`.
    Slack,
}

impl WebhookFormat {
    /// Text form (logs).
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Json => "json",
            WebhookFormat::Telegram => "telegram",
            WebhookFormat::Discord => "discord",
            WebhookFormat::Slack => "slack",
        }
    }
}

/// One webhook.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// A label for logs and metrics (not secret).
    pub name: String,
    /// Message format.
    pub format: WebhookFormat,
    /// Variable holding the URL (json, discord, slack: required; telegram: the API base,
    /// default Telegram's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_env: Option<String>,
    /// Variable holding the token (telegram: the bot token, required; json: sent as
    /// `Authorization: Bearer`, optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
    /// Telegram chat id (not secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    /// Events sent to this webhook; empty = all.
    #[serde(default)]
    pub events: Vec<String>,
    /// The URL and token, read from the environment at load.
    #[serde(skip)]
    pub target: Option<WebhookTarget>,
}

/// Where a webhook posts: secret, so `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    /// The full URL to POST to.
    pub url: String,
    /// Bearer token (json format only).
    pub bearer: Option<String>,
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookTarget(***)")
    }
}

impl WebhookConfig {
    fn label(&self, i: usize) -> String {
        format!("notify.webhooks[{i}] ({})", self.name)
    }
}

/// True for a plausible environment variable name (`A-Z`, `0-9`, `_`, not starting with a
/// digit): a value pasted in its place is refused without being echoed.
fn is_var_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The variables the `[notify]` tables of a raw config name: they are webhook secrets, not
/// `VIPER_…` overrides of config keys.
pub fn referenced_vars(table: &toml::Table) -> Vec<String> {
    let hooks = table
        .get("notify")
        .and_then(|n| n.get("webhooks"))
        .and_then(|w| w.as_array());
    hooks
        .into_iter()
        .flatten()
        .flat_map(|h| ["url_env", "token_env"].map(|k| h.get(k).and_then(|v| v.as_str())))
        .flatten()
        .map(str::to_owned)
        .collect()
}

impl NotifyConfig {
    /// Structural problems, each naming its key.
    pub fn check(&self, e: &mut Vec<String>) {
        if self.queue == 0 || self.queue > 10_000 {
            e.push("notify.queue: within 1..=10000".into());
        }
        if self.timeout_ms < 100 {
            e.push("notify.timeout_ms: at least 100".into());
        }
        if self.retries > 10 {
            e.push("notify.retries: at most 10".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, h) in self.webhooks.iter().enumerate() {
            let at = h.label(i);
            if h.name.trim().is_empty() || !names.insert(h.name.as_str()) {
                e.push(format!("{at}: name must be set and unique"));
            }
            for (key, var) in [("url_env", &h.url_env), ("token_env", &h.token_env)] {
                if var.as_deref().is_some_and(|v| !is_var_name(v)) {
                    e.push(format!("{at}: {key} must name an environment variable (A-Z, 0-9, _), not hold the value"));
                }
            }
            let needs_url = h.format != WebhookFormat::Telegram;
            if needs_url && h.url_env.is_none() {
                e.push(format!(
                    "{at}: url_env is required for format {}",
                    h.format.as_str()
                ));
            }
            if h.format == WebhookFormat::Telegram && (h.token_env.is_none() || h.chat_id.is_none())
            {
                e.push(format!("{at}: telegram needs token_env and chat_id"));
            }
            if matches!(h.format, WebhookFormat::Discord | WebhookFormat::Slack)
                && h.token_env.is_some()
            {
                e.push(format!(
                    "{at}: token_env is not used by format {} (its URL is the secret)",
                    h.format.as_str()
                ));
            }
            for ev in h.events.iter().filter(|ev| !EVENTS.contains(&ev.as_str())) {
                e.push(format!(
                    "{at}: unknown event {ev:?} (one of {})",
                    EVENTS.join(", ")
                ));
            }
        }
    }

    /// Reads every webhook's URL and token from `env`; problems name the variable, never the
    /// value.
    pub fn resolve(&mut self, env: &[(String, String)], e: &mut Vec<String>) {
        let get = |k: &str| {
            env.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        for (i, h) in self.webhooks.iter_mut().enumerate() {
            let at = h.label(i);
            let read = |var: &Option<String>| match var {
                None => Ok(None),
                Some(v) => get(v)
                    .map(Some)
                    .ok_or_else(|| format!("{at}: environment variable {v} is not set")),
            };
            let (url, token) = match (read(&h.url_env), read(&h.token_env)) {
                (Ok(u), Ok(t)) => (u, t),
                (u, t) => {
                    e.extend(u.err().into_iter().chain(t.err()));
                    continue;
                }
            };
            let base = url.unwrap_or_else(|| TELEGRAM_API.to_owned());
            if !(base.starts_with("http://") || base.starts_with("https://")) {
                let var = h.url_env.as_deref().unwrap_or("url_env");
                e.push(format!("{at}: {var} is not an http:// or https:// URL"));
                continue;
            }
            h.target = Some(match (h.format, token) {
                (WebhookFormat::Telegram, Some(t)) => WebhookTarget {
                    url: format!("{}/bot{t}/sendMessage", base.trim_end_matches('/')),
                    bearer: None,
                },
                (_, bearer) => WebhookTarget { url: base, bearer },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(format: WebhookFormat) -> WebhookConfig {
        WebhookConfig {
            name: "a".into(),
            format,
            url_env: Some("HOOK_URL".into()),
            token_env: None,
            chat_id: None,
            events: vec![],
            target: None,
        }
    }

    #[test]
    fn values_in_place_of_names_are_refused_unechoed() {
        let mut h = hook(WebhookFormat::Slack);
        h.url_env = Some("https://hooks.slack.com/services/T0/B0/sEcReT".into());
        let cfg = NotifyConfig {
            webhooks: vec![h],
            ..NotifyConfig::default()
        };
        let mut e = vec![];
        cfg.check(&mut e);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].contains("url_env must name an environment variable"));
        assert!(!e[0].contains("sEcReT"));
    }

    #[test]
    fn resolution_names_the_variable_never_the_value() {
        let mut tg = hook(WebhookFormat::Telegram);
        tg.url_env = None;
        tg.token_env = Some("TG_TOKEN".into());
        tg.chat_id = Some("42".into());
        let mut bad = hook(WebhookFormat::Json);
        bad.name = "b".into();
        bad.url_env = Some("BAD_URL".into());
        let mut missing = hook(WebhookFormat::Discord);
        missing.name = "c".into();
        missing.url_env = Some("UNSET_URL".into());
        let mut cfg = NotifyConfig {
            webhooks: vec![tg, bad, missing],
            ..NotifyConfig::default()
        };
        let env = [("TG_TOKEN", "123:abc"), ("BAD_URL", "ftp://x/secretpath")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let mut e = vec![];
        cfg.resolve(&env, &mut e);
        assert_eq!(
            cfg.webhooks[0].target.as_ref().map(|t| t.url.as_str()),
            Some("https://api.telegram.org/bot123:abc/sendMessage")
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("BAD_URL is not an http") && !e[0].contains("secretpath"));
        assert!(e[1].contains("UNSET_URL is not set"));
        assert_eq!(
            format!("{:?}", cfg.webhooks[0].target),
            "Some(WebhookTarget(***))"
        );
    }

    #[test]
    fn structure_is_checked() {
        let mut tg = hook(WebhookFormat::Telegram);
        tg.events = vec!["entry".into(), "lunch".into()];
        let mut dup = hook(WebhookFormat::Discord);
        dup.token_env = Some("X".into());
        let cfg = NotifyConfig {
            webhooks: vec![tg, dup],
            ..NotifyConfig::default()
        };
        let mut e = vec![];
        cfg.check(&mut e);
        let all = e.join("\n");
        for want in [
            "telegram needs",
            "unknown event \"lunch\"",
            "unique",
            "token_env is not used",
        ] {
            assert!(all.contains(want), "{want} missing: {all}");
        }
    }
}
