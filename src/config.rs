//! The bot's configuration: TOML with unknown keys refused, explicit defaults, and a
//! validation that reports every problem at once, each naming its key. Secrets never come
//! from this file: credentials are read from the environment.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The whole bot configuration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BotConfig {
    /// `paper` (embedded simulator), `demo` (Bitget demo trading) or `live`.
    pub mode: String,
    /// Symbols to trade.
    pub symbols: Vec<String>,
    /// Where the journal lives.
    pub data_dir: PathBuf,
    /// Exchange endpoints.
    pub exchange: ExchangeConfig,
    /// Capital limits.
    pub risk: RiskConfig,
    /// The default strategy.
    pub strategy: StrategyConfig,
    /// Polling intervals.
    pub intervals: IntervalConfig,
    /// The admin HTTP server (`/metrics`, `/health`, `/ready`, `/halt`, `/resume`).
    pub admin: AdminConfig,
    /// Live-mode key checks and their explicit overrides.
    pub live: LiveConfig,
}

/// The admin HTTP server. Its bearer token comes from `VIPER_ADMIN_TOKEN`, never the file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// `host:port` to listen on; loopback by default, port 0 picks a free port.
    pub listen: String,
    /// Serve the admin endpoints at all.
    pub enabled: bool,
    /// Bearer token for `POST /halt` and `/resume` (from `VIPER_ADMIN_TOKEN` only).
    #[serde(skip)]
    pub token: Option<AdminToken>,
}

/// The admin bearer token; `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(pub String);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(***)")
    }
}

/// Live mode refuses a risky API key unless one of these is set (each is logged at WARN).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiveConfig {
    /// Accept a key with withdraw permission (`wwow`). Do not.
    pub allow_withdraw_permission: bool,
    /// Accept a key without futures trade permission (`coow`): every order would be refused.
    pub allow_missing_trade_permission: bool,
    /// Accept a key without an IP whitelist.
    pub allow_no_ip_whitelist: bool,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:9184".into(),
            enabled: true,
            token: None,
        }
    }
}

/// Exchange endpoints and account modes.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExchangeConfig {
    /// REST base URL; empty = Bitget's (`https://api.bitget.com`).
    pub rest_url: String,
    /// Position mode the bot expects: `one_way_mode` or `hedge_mode`.
    pub position_mode: String,
    /// Margin mode for every symbol: `crossed` or `isolated`.
    pub margin_mode: String,
    /// Request timeout, ms (the 2 s criterion).
    pub request_timeout_ms: u64,
    /// A create the exchange does not know is declared rejected only after this long (and
    /// absence from its order history), seconds; at least 60.
    pub unknown_order_horizon_secs: u64,
    /// Public WebSocket URL; empty = Bitget's for the mode (or derived from `rest_url`).
    pub ws_public_url: String,
    /// Private WebSocket URL; empty = Bitget's for the mode (or derived from `rest_url`).
    pub ws_private_url: String,
}

/// Capital limits (margin = notional / leverage).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskConfig {
    /// Margin of one position, USDT.
    pub max_position_margin: Decimal,
    /// Margin in use in total, USDT.
    pub max_total_margin: Decimal,
    /// Concurrent positions (pending opening orders count).
    pub max_positions: usize,
    /// Leverage set on every symbol.
    pub leverage: u32,
    /// Emergency stop below this equity, USDT.
    pub emergency_equity: Decimal,
    /// On emergency: flatten (cancel all but stops, close all positions) or only halt.
    pub emergency_flatten: bool,
    /// Emergency stop when no account read succeeded for this long, seconds.
    pub unreachable_after_secs: u64,
}

/// Trend strategy parameters.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StrategyConfig {
    /// Fast EMA length (ticks).
    pub fast: u32,
    /// Slow EMA length (ticks).
    pub slow: u32,
    /// Seconds between entries in one symbol.
    pub cooldown_secs: u64,
    /// Take-profit distance, percent of entry.
    pub take_profit_pct: Decimal,
    /// Stop-loss distance, percent of entry.
    pub stop_loss_pct: Decimal,
}

/// Polling intervals.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntervalConfig {
    /// Market ticker poll, ms.
    pub market_poll_ms: u64,
    /// Account reconciliation, ms.
    pub account_poll_ms: u64,
    /// Market data older than this is not traded on, ms.
    pub max_tick_age_ms: u64,
}

impl Default for BotConfig {
    fn default() -> Self {
        Self {
            mode: "paper".into(),
            symbols: vec!["BTCUSDT".into(), "XRPUSDT".into()],
            data_dir: PathBuf::from("data"),
            exchange: ExchangeConfig::default(),
            risk: RiskConfig::default(),
            strategy: StrategyConfig::default(),
            intervals: IntervalConfig::default(),
            admin: AdminConfig::default(),
            live: LiveConfig::default(),
        }
    }
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        Self {
            rest_url: String::new(),
            position_mode: "one_way_mode".into(),
            margin_mode: "crossed".into(),
            request_timeout_ms: 2000,
            unknown_order_horizon_secs: 120,
            ws_public_url: String::new(),
            ws_private_url: String::new(),
        }
    }
}

impl Default for RiskConfig {
    fn default() -> Self {
        Self {
            max_position_margin: Decimal::ONE,
            max_total_margin: Decimal::TEN,
            max_positions: 3,
            leverage: 10,
            emergency_equity: Decimal::from(15),
            emergency_flatten: true,
            unreachable_after_secs: 60,
        }
    }
}

impl Default for StrategyConfig {
    fn default() -> Self {
        Self {
            fast: 5,
            slow: 20,
            cooldown_secs: 30,
            take_profit_pct: Decimal::new(6, 1),
            stop_loss_pct: Decimal::new(4, 1),
        }
    }
}

impl Default for IntervalConfig {
    fn default() -> Self {
        Self {
            market_poll_ms: 500,
            account_poll_ms: 1000,
            max_tick_age_ms: 3000,
        }
    }
}

/// Config problems, all at once.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Unreadable file.
    #[error("cannot read config {0}: {1}")]
    Read(String, std::io::Error),
    /// Not valid TOML for this schema (names the key).
    #[error("invalid config {0}: {1}")]
    Parse(String, String),
    /// Values that do not fit together.
    #[error("invalid config:\n  - {}", .0.join("\n  - "))]
    Invalid(Vec<String>),
}

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
                let text =
                    std::fs::read_to_string(p).map_err(|e| ConfigError::Read(shown.clone(), e))?;
                let table: toml::Table = toml::from_str(&text)
                    .map_err(|e| ConfigError::Parse(shown.clone(), e.to_string()))?;
                let secrets = crate::config_env::credentials_in_file(&table);
                if !secrets.is_empty() {
                    return Err(ConfigError::Invalid(secrets));
                }
                // Schema errors with the file's own line numbers before any override.
                toml::from_str::<BotConfig>(&text)
                    .map_err(|e| ConfigError::Parse(shown.clone(), e.to_string()))?;
                (shown, table)
            }
            None => ("(defaults)".to_string(), toml::Table::new()),
        };
        let mut errors = Vec::new();
        let env: Vec<(String, String)> = env.into_iter().collect();
        let token = crate::config_env::apply(&mut table, &env, &mut errors);
        let mut cfg: BotConfig = match toml::Value::Table(table).try_into() {
            Ok(c) => c,
            Err(e) => {
                let e: toml::de::Error = e;
                errors.push(format!("{shown} with the VIPER_* overrides: {e}"));
                return Err(ConfigError::Invalid(errors));
            }
        };
        cfg.admin.token = token.map(AdminToken);
        if let Err(ConfigError::Invalid(more)) = cfg.validate() {
            errors.extend(more);
        }
        if errors.is_empty() {
            Ok(cfg)
        } else {
            Err(ConfigError::Invalid(errors))
        }
    }

    /// Every problem, each naming its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut e = Vec::new();
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
        if s.stop_loss_pct * Decimal::from(r.leverage) >= Decimal::ONE_HUNDRED {
            e.push(
                "strategy.stop_loss_pct: at this leverage the stop would lie beyond liquidation"
                    .into(),
            );
        }
        for (k, v) in [
            ("intervals.market_poll_ms", self.intervals.market_poll_ms),
            ("intervals.account_poll_ms", self.intervals.account_poll_ms),
        ] {
            if v < 50 {
                e.push(format!("{k}: at least 50 ms (rate limits)"));
            }
        }
        if self.admin.enabled {
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
        if e.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
