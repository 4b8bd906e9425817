//! Loading the bot's config: the raw text is scanned for credential-looking keys before it
//! is parsed (a secret pasted into the file is refused by key name, never echoed), parse
//! errors name the line and column but never quote the file, the `VIPER_…` overrides are
//! applied (`config_env`), then the validation — the values, and the ceilings of
//! `config_limits` — reports every problem at once. Also the masked "effective config".

use crate::config::{BotConfig, ConfigError};
use crate::config_env::{self, ADMIN_TOKEN_VAR, CREDENTIAL_VARS};
use crate::config_limits;
use rust_decimal::Decimal;
use std::path::Path;

impl BotConfig {
    /// Reads a TOML file, applies `VIPER_…` overrides from the process environment and
    /// `VIPER_ADMIN_TOKEN`, and validates.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_from(Some(path), std::env::vars())
    }

    /// Like [`BotConfig::load`] with the defaults in place of a file.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::load_from(None, std::env::vars())
    }

    /// File (or defaults), then overrides from `env`, then validation; every problem of the
    /// overrides and the validation is reported at once.
    pub fn load_from(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let (shown, mut table) = match path {
            Some(p) => {
                let shown = p.display().to_string();
                (shown.clone(), read_table(p, &shown)?)
            }
            None => ("(defaults)".to_string(), toml::Table::new()),
        };
        let mut errors = Vec::new();
        let env: Vec<(String, String)> = env.into_iter().collect();
        let defaults = match toml::Value::try_from(BotConfig::default()) {
            Ok(toml::Value::Table(t)) => t,
            _ => toml::Table::new(),
        };
        // Variables the webhooks name hold their secrets; they are not key overrides.
        let hook_vars = crate::notify::config::referenced_vars(&table);
        let overrides: Vec<(String, String)> = env
            .iter()
            .filter(|(k, _)| !hook_vars.contains(k))
            .cloned()
            .collect();
        let token = config_env::apply(&mut table, &defaults, &overrides, &mut errors);
        let mut cfg: BotConfig = match toml::Value::Table(table).try_into() {
            Ok(c) => c,
            Err(e) => {
                errors.push(format!(
                    "{shown} with the VIPER_* overrides: {}",
                    quiet(&e, None)
                ));
                return Err(ConfigError::Invalid(errors));
            }
        };
        cfg.admin.token = token.map(crate::config::AdminToken);
        cfg.notify.resolve(&env, &mut errors);
        if let Err(ConfigError::Invalid(more)) = cfg.validate() {
            errors.extend(more);
        }
        if errors.is_empty() {
            Ok(cfg)
        } else {
            Err(ConfigError::Invalid(errors))
        }
    }
}

impl BotConfig {
    /// Every problem, each naming its key: the values, then the ceilings (`config_limits`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut e = Vec::new();
        self.check_basics(&mut e);
        self.check_risk(&mut e);
        self.check_strategy(&mut e);
        self.check_admin(&mut e);
        self.notify.check(&mut e);
        config_limits::check(self, &mut e);
        if e.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(e))
        }
    }

    fn check_basics(&self, e: &mut Vec<String>) {
        if !["paper", "demo", "live"].contains(&self.mode.as_str()) {
            e.push(format!(
                "mode: must be paper, demo or live, not {:?}",
                self.mode
            ));
        }
        if self.symbols.is_empty() {
            e.push("symbols: at least one symbol".into());
        }
        if !["one_way_mode", "hedge_mode"].contains(&self.exchange.position_mode.as_str()) {
            e.push("exchange.position_mode: one_way_mode or hedge_mode".into());
        }
        if !["crossed", "isolated"].contains(&self.exchange.margin_mode.as_str()) {
            e.push("exchange.margin_mode: crossed or isolated".into());
        }
        let floor = viper_actors::order_router::MIN_UNKNOWN_HORIZON.as_secs();
        if self.exchange.unknown_order_horizon_secs < floor {
            e.push(format!(
                "exchange.unknown_order_horizon_secs: at least {floor} (an exchange may apply a create that long after it was sent)"
            ));
        }
        for (k, v) in [
            ("intervals.market_poll_ms", self.intervals.market_poll_ms),
            ("intervals.account_poll_ms", self.intervals.account_poll_ms),
        ] {
            if v < 50 {
                e.push(format!("{k}: at least 50 ms (rate limits)"));
            }
        }
        if self.intervals.history_sample_secs == 0 {
            e.push("intervals.history_sample_secs: at least 1".into());
        }
        if self.intervals.trades_poll_secs < 5 {
            e.push("intervals.trades_poll_secs: at least 5 (the fill history is read on position changes anyway)".into());
        }
        self.check_account_cadence(e);
    }

    /// Fast ≤ held ≤ quiet, and the quiet period well inside the time after which the
    /// exchange counts as unreachable (a healthy socket must not look like an outage).
    fn check_account_cadence(&self, e: &mut Vec<String>) {
        let i = &self.intervals;
        if i.account_held_poll_ms < i.account_poll_ms {
            e.push("intervals.account_held_poll_ms: at least intervals.account_poll_ms".into());
        }
        if i.account_quiet_poll_ms < i.account_held_poll_ms {
            e.push(
                "intervals.account_quiet_poll_ms: at least intervals.account_held_poll_ms".into(),
            );
        }
        let unreachable_ms = self.risk.unreachable_after_secs.saturating_mul(1000);
        if i.account_quiet_poll_ms.saturating_mul(2) > unreachable_ms {
            e.push(format!(
                "intervals.account_quiet_poll_ms: at most half of risk.unreachable_after_secs ({unreachable_ms} ms)"
            ));
        }
        if !(100..=25_000).contains(&i.private_ping_ms) {
            // Bitget drops a connection after 2 min without a ping, and counts pings against
            // its 10 messages/s per connection.
            e.push("intervals.private_ping_ms: between 100 and 25000".into());
        }
        if i.account_push_debounce_ms > 5_000 {
            e.push("intervals.account_push_debounce_ms: at most 5000".into());
        }
    }

    fn check_risk(&self, e: &mut Vec<String>) {
        let r = &self.risk;
        if r.max_position_margin <= Decimal::ZERO {
            e.push("risk.max_position_margin: must be positive".into());
        }
        if r.max_total_margin < r.max_position_margin {
            e.push("risk.max_total_margin: must be at least risk.max_position_margin".into());
        }
        if r.unreachable_after_secs < 5 {
            e.push("risk.unreachable_after_secs: at least 5".into());
        }
        if r.emergency_equity < Decimal::ZERO {
            e.push("risk.emergency_equity: must not be negative".into());
        }
        if r.max_positions == 0 {
            e.push("risk.max_positions: must be at least 1".into());
        }
        if r.leverage == 0 || r.leverage > 125 {
            e.push("risk.leverage: must be within 1..=125".into());
        }
    }

    fn check_strategy(&self, e: &mut Vec<String>) {
        let s = &self.strategy;
        if s.fast == 0 || s.fast >= s.slow {
            e.push("strategy.fast: must be at least 1 and below strategy.slow".into());
        }
        for (k, v) in [
            ("strategy.take_profit_pct", s.take_profit_pct),
            ("strategy.stop_loss_pct", s.stop_loss_pct),
        ] {
            if v <= Decimal::ZERO || v >= Decimal::ONE_HUNDRED {
                e.push(format!("{k}: must be within (0, 100)"));
            }
        }
        if s.stop_loss_pct * Decimal::from(self.risk.leverage) >= Decimal::ONE_HUNDRED {
            e.push(
                "strategy.stop_loss_pct: at this leverage the stop would lie beyond liquidation"
                    .into(),
            );
        }
    }

    fn check_admin(&self, e: &mut Vec<String>) {
        if !self.admin.enabled {
            return;
        }
        match self.admin.listen.parse::<std::net::SocketAddr>() {
            Err(_) => e.push(format!(
                "admin.listen: not a host:port address: {:?}",
                self.admin.listen
            )),
            Ok(a) if !a.ip().is_loopback() && self.admin.token.is_none() => e.push(
                "admin.listen: beyond loopback the admin server needs VIPER_ADMIN_TOKEN".into(),
            ),
            Ok(_) => {}
        }
    }
}

/// The file as a table: secrets refused on the raw text, then TOML, then the schema (unknown
/// keys with the file's own line numbers, before any override).
fn read_table(p: &Path, shown: &str) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(p).map_err(|e| ConfigError::Read(shown.to_owned(), e))?;
    let secrets = credentials_in_text(&text);
    if !secrets.is_empty() {
        return Err(ConfigError::Invalid(secrets));
    }
    let table: toml::Table = toml::from_str(&text)
        .map_err(|e| ConfigError::Parse(shown.to_owned(), quiet(&e, Some(&text))))?;
    toml::from_str::<BotConfig>(&text)
        .map_err(|e| ConfigError::Parse(shown.to_owned(), quiet(&e, Some(&text))))?;
    Ok(table)
}

/// A TOML error as "line L, column C: message", without the quoted source line that
/// `Display` adds and with quoted values masked: either may be a pasted secret.
fn quiet(e: &toml::de::Error, text: Option<&str>) -> String {
    let at = match (e.span(), text) {
        (Some(span), Some(text)) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {col}: ")
        }
        _ => String::new(),
    };
    format!("{at}{}", mask_quoted(e.message().trim_end()))
}

/// Replaces every `"…"` in a parser message (a value; key names come in backticks) by `"***"`.
fn mask_quoted(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    for (i, part) in msg.split('"').enumerate() {
        if i > 0 {
            out.push('"');
        }
        out.push_str(if i % 2 == 1 { "***" } else { part });
    }
    out
}

/// Credential-looking keys (and table names) in the raw text, found line by line before any
/// parsing, each as an error naming the line and the key, never the value.
pub fn credentials_in_text(text: &str) -> Vec<String> {
    let clean = |k: &str| -> String {
        k.chars()
            .filter(|c| !matches!(c, '"' | '\'' | ' ' | '\t' | '[' | ']'))
            .collect()
    };
    let mut table = String::new();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let path = if t.starts_with('[') {
            table = clean(t.split(']').next().unwrap_or(""));
            table.clone()
        } else if let Some((k, _)) = t.split_once('=').filter(|_| !t.starts_with('#')) {
            match table.as_str() {
                "" => clean(k),
                _ => format!("{table}.{}", clean(k)),
            }
        } else {
            continue;
        };
        // `*_env` keys name a variable; a URL key under [notify] would hold a webhook secret.
        let last = path.rsplit('.').next().unwrap_or_default();
        if path.starts_with("notify") && ["url", "webhook", "webhook_url"].contains(&last) {
            out.push(format!(
                "{path} (line {}): a webhook URL is a secret and never goes in the config file; put it in an environment variable and name it with url_env",
                n + 1
            ));
        } else if !last.ends_with("_env") && path.split('.').any(config_env::looks_like_secret) {
            out.push(format!(
                "{path} (line {}): credentials never go in the config file; set {} (and {ADMIN_TOKEN_VAR}) in the environment",
                n + 1,
                CREDENTIAL_VARS.join(", ")
            ));
        }
    }
    out
}

/// The effective config as TOML, then the secrets' presence, masked.
pub fn render_effective(cfg: &BotConfig, env: &[(String, String)]) -> String {
    let body = toml::to_string_pretty(cfg).unwrap_or_else(|e| format!("# unprintable: {e}\n"));
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut out = String::from("# effective config (file, then VIPER_* overrides)\n");
    out.push_str(&body);
    out.push_str("\n# secrets, from the environment only\n");
    for var in CREDENTIAL_VARS {
        out.push_str(&format!("# {var} = {}\n", config_env::mask(get(var))));
    }
    out.push_str(&format!(
        "# {ADMIN_TOKEN_VAR} = {}\n",
        config_env::mask(cfg.admin.token.as_ref().map(|t| t.0.as_str()))
    ));
    for h in &cfg.notify.webhooks {
        for var in [&h.url_env, &h.token_env].into_iter().flatten() {
            out.push_str(&format!(
                "# {var} = {} (notify.webhooks {})\n",
                config_env::mask(get(var)),
                h.name
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_found_in_the_raw_text_and_never_quoted() {
        let text = "mode = \"live\"\n# api_secret = commented out is fine\n[exchange]\napi_secret = sk-UNQUOTED/9f+x\n\"passphrase\" = 'p'\n[credentials.token]\n";
        let found = credentials_in_text(text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found[0].starts_with("exchange.api_secret (line 4)"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("exchange.passphrase (line 5)"),
            "{found:?}"
        );
        assert!(
            found[2].starts_with("credentials.token (line 6)"),
            "{found:?}"
        );
        assert!(found.iter().all(|f| !f.contains("sk-UNQUOTED")));
        assert!(credentials_in_text("[risk]\nleverage = 5\nsymbols = [\"BTCUSDT\"]\n").is_empty());
    }

    #[test]
    fn webhook_secrets_in_the_file_are_refused_and_variable_names_accepted() {
        let text = "[[notify.webhooks]]\nname = \"a\"\nformat = \"slack\"\nurl = \"https://hooks.slack.com/services/T/B/SeCrEt\"\n[[notify.webhooks]]\nname = \"b\"\nformat = \"telegram\"\ntoken = \"123:SeCrEt\"\ntoken_env = \"TG_TOKEN\"\nurl_env = \"TG_API\"\n";
        let found = credentials_in_text(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("notify.webhooks.url (line 4)") && found[0].contains("url_env")
        );
        assert!(found[1].starts_with("notify.webhooks.token (line 8)"));
        assert!(found.iter().all(|f| !f.contains("SeCrEt")));
        // Variables the webhooks name are theirs, not `VIPER_…` overrides.
        let ok =
            "[[notify.webhooks]]\nname = \"a\"\nformat = \"json\"\nurl_env = \"VIPER_HOOK_URL\"\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hook.toml");
        std::fs::write(&path, ok).unwrap();
        let env =
            [("VIPER_HOOK_URL", "http://127.0.0.1:9/x")].map(|(k, v)| (k.to_owned(), v.to_owned()));
        let cfg = BotConfig::load_from(Some(&path), env).unwrap();
        assert!(cfg.notify.webhooks[0].target.is_some());
        let shown = render_effective(
            &cfg,
            &[("VIPER_HOOK_URL".into(), "http://127.0.0.1:9/x".into())],
        );
        assert!(
            shown.contains("# VIPER_HOOK_URL = ***") && !shown.contains("127.0.0.1:9/x"),
            "{shown}"
        );
    }

    #[test]
    fn parse_errors_name_the_line_without_quoting_it() {
        let text = "mode = \"paper\"\nsk-lonely-secret-value\n";
        let e = toml::from_str::<toml::Table>(text).unwrap_err();
        assert!(e.to_string().contains("sk-lonely-secret-value"));
        let q = quiet(&e, Some(text));
        assert!(q.starts_with("line 2, column"), "{q}");
        assert!(!q.contains("sk-lonely-secret-value"), "{q}");
    }

    #[test]
    fn masked_output() {
        let e = vec![("BITGET_API_SECRET".to_owned(), "hunter2".to_owned())];
        let shown = render_effective(&BotConfig::default(), &e);
        assert!(!shown.contains("hunter2") && shown.contains("BITGET_API_SECRET = ***"));
    }

    #[test]
    fn defaults_are_valid_and_errors_come_together() {
        assert!(BotConfig::default().validate().is_ok());
        let bad = "mode = \"yolo\"\n[risk]\nmax_position_margin = \"0\"\nleverage = 0\n[strategy]\nfast = 30\n";
        let cfg: BotConfig = toml::from_str(bad).unwrap();
        let ConfigError::Invalid(errs) = cfg.validate().unwrap_err() else {
            panic!("expected Invalid")
        };
        for key in [
            "mode",
            "risk.max_position_margin",
            "risk.leverage",
            "strategy.fast",
        ] {
            assert!(
                errs.iter().any(|e| e.starts_with(key)),
                "{key} missing from {errs:?}"
            );
        }
        let err = toml::from_str::<BotConfig>("[risk]\nmax_lever = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("max_lever"), "{err}");
    }

    #[test]
    fn the_account_cadence_must_be_ordered_and_within_the_unreachable_limit() {
        let bad = "[risk]\nunreachable_after_secs = 20\n[intervals]\naccount_poll_ms = 2000\naccount_held_poll_ms = 1000\naccount_quiet_poll_ms = 900\naccount_push_debounce_ms = 9000\n";
        let cfg: BotConfig = toml::from_str(bad).unwrap();
        let ConfigError::Invalid(errs) = cfg.validate().unwrap_err() else {
            panic!("expected Invalid")
        };
        for key in [
            "intervals.account_held_poll_ms",
            "intervals.account_quiet_poll_ms: at least",
            "intervals.account_push_debounce_ms",
        ] {
            assert!(errs.iter().any(|e| e.starts_with(key)), "{key}: {errs:?}");
        }
        let far =
            "[risk]\nunreachable_after_secs = 20\n[intervals]\naccount_quiet_poll_ms = 30000\n";
        let cfg: BotConfig = toml::from_str(far).unwrap();
        let ConfigError::Invalid(errs) = cfg.validate().unwrap_err() else {
            panic!("expected Invalid")
        };
        assert!(
            errs.iter()
                .any(|e| e.contains("half of risk.unreachable_after_secs"))
        );
    }
}
