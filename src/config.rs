//! The bot's configuration types: TOML with unknown keys refused and explicit defaults (the
//! capital defaults are also the ceilings of `config_limits`). Loading and the validation
//! that reports every problem at once are in `config_load`. Secrets never come from the
//! file: credentials are read from the environment.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

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
    /// The admin HTTP server (`/metrics`, `/health`, `/ready`, `/api/v1/*`, the operator's
    /// `POST /pause`, `/resume`, `/close/{symbol}`, `/emergency-stop`).
    pub admin: AdminConfig,
    /// Live-mode key checks and their explicit overrides.
    pub live: LiveConfig,
    /// Explicit acceptance of a capital limit beyond its default ceiling (`config_limits`).
    pub overrides: OverrideConfig,
    /// Notifications (webhooks; URLs and tokens from the environment).
    pub notify: crate::notify::NotifyConfig,
    /// Console log settings.
    pub log: LogConfig,
}

/// Console log settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A heartbeat line (equity, PnL, positions, orders, connections) every this many
    /// seconds; 0 = none.
    pub heartbeat_secs: u64,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            heartbeat_secs: 300,
        }
    }
}

/// The admin HTTP server. Its bearer token comes from `VIPER_ADMIN_TOKEN`, never the file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// `host:port` to listen on; loopback by default, port 0 picks a free port.
    pub listen: String,
    /// Serve the admin endpoints at all.
    pub enabled: bool,
    /// Bearer token for the `POST` commands and `/api/v1` (from `VIPER_ADMIN_TOKEN` only).
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

/// Explicit acceptance of a capital limit beyond its default ceiling, one key per limit;
/// each is logged at WARN on every start (`config_limits`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OverrideConfig {
    /// Accept `risk.max_position_margin` above 1 USDT.
    pub max_position_margin: bool,
    /// Accept `risk.max_total_margin` above 10 USDT.
    pub max_total_margin: bool,
    /// Accept `risk.emergency_equity` below 15 USDT.
    pub emergency_equity: bool,
    /// Accept `risk.max_positions` above 3.
    pub max_positions: bool,
    /// Accept `risk.leverage` above 10x.
    pub leverage: bool,
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
    /// Account reconciliation while the private WebSocket is down or silent, a read failed
    /// or a position lacks its stop-loss (fast polling), ms.
    pub account_poll_ms: u64,
    /// Account reconciliation while the private WebSocket is healthy and positions or
    /// orders are held, ms (pushes trigger reads in between).
    pub account_held_poll_ms: u64,
    /// Account reconciliation while the private WebSocket is healthy and nothing is held,
    /// ms. Equal to `account_poll_ms` polls as if there were no socket.
    pub account_quiet_poll_ms: u64,
    /// A private push is reconciled this long after it arrived (its burst coalesces), ms.
    pub account_push_debounce_ms: u64,
    /// Ping period of the private WebSocket, ms. An open but mute private socket is noticed
    /// within twice this, and the account falls back to `account_poll_ms` at once.
    pub private_ping_ms: u64,
    /// Market data older than this is not traded on, ms.
    pub max_tick_age_ms: u64,
    /// History sample period for `viper report` (equity, prices, REST use, latency), s.
    pub history_sample_secs: u64,
    /// Period of the fill-history read that records trades, s (also read soon after a
    /// position changes).
    pub trades_poll_secs: u64,
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
            overrides: OverrideConfig::default(),
            notify: crate::notify::NotifyConfig::default(),
            log: LogConfig::default(),
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
            account_held_poll_ms: 10_000,
            account_quiet_poll_ms: 30_000,
            account_push_debounce_ms: 200,
            private_ping_ms: 300,
            max_tick_age_ms: 3000,
            history_sample_secs: 60,
            trades_poll_secs: 30,
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

impl IntervalConfig {
    /// The account cadence these intervals give (`viper_actors::sync_cadence`).
    pub fn account_periods(&self) -> viper_actors::sync_cadence::SyncPeriods {
        let ms = std::time::Duration::from_millis;
        viper_actors::sync_cadence::SyncPeriods {
            fast: ms(self.account_poll_ms),
            held: ms(self.account_held_poll_ms),
            quiet: ms(self.account_quiet_poll_ms),
            debounce: ms(self.account_push_debounce_ms),
        }
    }
}
