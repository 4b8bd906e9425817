//! The simulator's configuration: symbols with their contract specs and price processes,
//! accounts with their API keys, and the switches for behaviour the spec marks "unverified".

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde::Deserialize;
use std::path::Path;

/// API key of the default account (documented in docs/simulator.md; printed by `viper sim`).
pub const DEFAULT_API_KEY: &str = "bg_viper_sim_key";
/// API secret of the default account.
pub const DEFAULT_API_SECRET: &str = "viper-sim-secret";
/// API passphrase of the default account.
pub const DEFAULT_PASSPHRASE: &str = "viper-sim-pass";
/// UID of the default account.
pub const DEFAULT_UID: u64 = 6_900_000_001;

/// Everything the simulator can be told at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    /// Seed of every random process (prices, books, fault probabilities).
    pub seed: u64,
    /// Market-time speed factor: each tick advances the price process by `tick_ms * speed`.
    pub speed: f64,
    /// Wall-clock interval between market ticks, in milliseconds.
    pub tick_ms: u64,
    /// When false, prices move only when scripted or stepped through the control plane.
    pub auto_tick: bool,
    /// Skew of the server clock against the wall clock, in milliseconds.
    pub clock_offset_ms: i64,
    /// Whether per-endpoint rate limits are enforced.
    pub rate_limits: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Equity below which the audit opens an emergency timeline (USDT).
    pub audit_equity_floor: Decimal,
    /// WebSocket: close a connection that sent no `ping` for this long (spec: 2 minutes).
    pub ws_idle_timeout_ms: u64,
    /// WebSocket: close every connection after this long (spec: 24 hours).
    pub ws_max_connection_ms: u64,
    /// WebSocket: include the CRC-32 `checksum` in book pushes (documented until May 2026).
    pub ws_book_checksum: bool,
    /// WebSocket: include `pseq` (the previous push's `seq`) in `books` pushes.
    pub ws_book_pseq: bool,
    /// WebSocket: login success `code` as the number 0 (as live sends it; the default)
    /// instead of the string "0" (as the documentation writes it).
    pub ws_login_code_numeric: bool,
    /// Tradable symbols.
    pub symbols: Vec<SymbolConfig>,
    /// Accounts and their keys.
    pub accounts: Vec<AccountConfig>,
    /// Behaviour switches for points the spec leaves unverified.
    pub behaviour: Behaviour,
}

/// One USDT-M perpetual: contract spec plus its simulated market.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymbolConfig {
    /// Symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    /// Base coin, e.g. `BTC`.
    pub base_coin: String,
    /// Price at start.
    pub start_price: Decimal,
    /// Decimals allowed in a price.
    pub price_place: u32,
    /// Tick numerator: tick = `price_end_step × 10^-price_place`.
    pub price_end_step: Decimal,
    /// Decimals allowed in a size.
    pub volume_place: u32,
    /// Size step.
    pub size_multiplier: Decimal,
    /// Minimum order size (base coin).
    pub min_trade_num: Decimal,
    /// Minimum order notional (USDT).
    pub min_trade_usdt: Decimal,
    /// Maximum limit-order size.
    pub max_order_qty: Decimal,
    /// Maximum market-order size.
    pub max_market_order_qty: Decimal,
    /// Minimum leverage.
    pub min_lever: u32,
    /// Maximum leverage.
    pub max_lever: u32,
    /// Maker fee rate.
    pub maker_fee_rate: Decimal,
    /// Taker fee rate.
    pub taker_fee_rate: Decimal,
    /// Price band for buy limit orders, as a fraction above the last price.
    pub buy_limit_price_ratio: Decimal,
    /// Price band for sell limit orders, as a fraction below the last price.
    pub sell_limit_price_ratio: Decimal,
    /// Maximum open orders for this symbol.
    pub max_symbol_order_num: u32,
    /// Maintenance margin rate.
    pub keep_margin_rate: Decimal,
    /// `normal`, `maintain`, `limit_open`, `restrictedAPI`, `off`.
    pub status: String,
    /// Annualised volatility of the price process (a statistic, not money).
    pub volatility: f64,
    /// Expected number of price jumps per hour of market time.
    pub jumps_per_hour: f64,
    /// Standard deviation of a jump, as a fraction of the price.
    pub jump_sigma: f64,
    /// Typical size of one level of the simulated book (base coin).
    pub book_level_size: Decimal,
}

/// An account: balance, position mode and the keys that act on it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// Account UID.
    pub uid: u64,
    /// Starting USDT balance.
    pub balance: Decimal,
    /// `one_way_mode` or `hedge_mode`.
    #[serde(default = "default_pos_mode")]
    pub pos_mode: String,
    /// Default leverage of every symbol.
    #[serde(default = "default_leverage")]
    pub leverage: u32,
    /// API keys of this account.
    pub keys: Vec<KeyConfig>,
}

/// An API key with its permissions and IP whitelist.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// The `ACCESS-KEY` value.
    pub api_key: String,
    /// The HMAC secret.
    pub secret: String,
    /// The passphrase.
    pub passphrase: String,
    /// Authority codes as reported by `/api/v2/spot/account/info` (`coow`, `wwow`, …).
    pub permissions: Vec<String>,
    /// IP whitelist; empty means no whitelist (any IP).
    #[serde(default)]
    pub ips: Vec<String>,
    /// A demo-trading key (requests must carry `paptrading: 1`).
    #[serde(default)]
    pub demo: bool,
}

impl std::fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyConfig")
            .field("api_key", &self.api_key)
            .field("secret", &"***")
            .field("passphrase", &"***")
            .field("permissions", &self.permissions)
            .field("ips", &self.ips)
            .field("demo", &self.demo)
            .finish()
    }
}

/// Switches for behaviour the spec marks "unverified"; defaults follow the spec's choice.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Behaviour {
    /// One-way account receiving `tradeSide`: `reject` (40774, default) or `ignore`.
    pub one_way_trade_side: String,
    /// Code for a duplicate `clientOid` (`40786` or `43118`).
    pub duplicate_client_oid_code: String,
    /// Code for a wrong passphrase (`40012` or `40036`).
    pub passphrase_error_code: String,
    /// Code for a cancel of an unknown or finished order (`43001` or `40768`).
    pub cancel_unknown_code: String,
    /// Code for insufficient margin (`40762` or `43012`).
    pub insufficient_margin_code: String,
    /// Trigger type reported for preset TP/SL (`fill_price` default).
    pub preset_trigger_type: String,
    /// Global per-IP ceiling per minute (spec: 6000); 0 disables it.
    pub global_ip_limit_per_min: u32,
    /// Lockout after the global ceiling is hit, in seconds (spec: 300).
    pub ip_lockout_secs: u64,
}

fn default_pos_mode() -> String {
    "one_way_mode".into()
}

fn default_leverage() -> u32 {
    10
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            one_way_trade_side: "reject".into(),
            duplicate_client_oid_code: "40786".into(),
            passphrase_error_code: "40012".into(),
            cancel_unknown_code: "43001".into(),
            insufficient_margin_code: "40762".into(),
            preset_trigger_type: "fill_price".into(),
            global_ip_limit_per_min: 6000,
            ip_lockout_secs: 300,
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            speed: 1.0,
            tick_ms: 250,
            auto_tick: true,
            clock_offset_ms: 0,
            rate_limits: true,
            max_body_bytes: 64 * 1024,
            audit_equity_floor: Decimal::from(15),
            ws_idle_timeout_ms: 120_000,
            ws_max_connection_ms: 24 * 3_600_000,
            ws_book_checksum: true,
            ws_book_pseq: true,
            ws_login_code_numeric: true,
            symbols: default_symbols(),
            accounts: vec![default_account()],
            behaviour: Behaviour::default(),
        }
    }
}

/// The default account: 1000 USDT, one-way mode, a full-permission key whitelisted for loopback.
pub fn default_account() -> AccountConfig {
    AccountConfig {
        uid: DEFAULT_UID,
        balance: Decimal::from(1000),
        pos_mode: default_pos_mode(),
        leverage: default_leverage(),
        keys: vec![KeyConfig {
            api_key: DEFAULT_API_KEY.into(),
            secret: DEFAULT_API_SECRET.into(),
            passphrase: DEFAULT_PASSPHRASE.into(),
            permissions: ["coor", "cpor", "coow", "cpow", "stor"]
                .map(String::from)
                .to_vec(),
            ips: vec!["127.0.0.1".into(), "::1".into()],
            demo: false,
        }],
    }
}

#[allow(clippy::too_many_arguments)]
fn sym(
    symbol: &str,
    price: &str,
    price_place: u32,
    volume_place: u32,
    step: &str,
    max_lever: u32,
    vol: f64,
    level: &str,
) -> SymbolConfig {
    let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
    let step = d(step);
    SymbolConfig {
        symbol: symbol.into(),
        base_coin: symbol.trim_end_matches("USDT").into(),
        start_price: d(price),
        price_place,
        price_end_step: Decimal::ONE,
        volume_place,
        size_multiplier: step,
        min_trade_num: step,
        min_trade_usdt: Decimal::from(5),
        max_order_qty: step * Decimal::from(10_000_000),
        max_market_order_qty: step * Decimal::from(2_000_000),
        min_lever: 1,
        max_lever,
        maker_fee_rate: d("0.0002"),
        taker_fee_rate: d("0.0006"),
        buy_limit_price_ratio: d("0.05"),
        sell_limit_price_ratio: d("0.05"),
        max_symbol_order_num: 200,
        keep_margin_rate: d("0.004"),
        status: "normal".into(),
        volatility: vol,
        jumps_per_hour: 0.5,
        jump_sigma: 0.01,
        book_level_size: d(level),
    }
}

/// BTC, ETH, SOL and XRP with specs close to the live ones.
pub fn default_symbols() -> Vec<SymbolConfig> {
    vec![
        sym("BTCUSDT", "65000", 1, 4, "0.0001", 125, 0.6, "1.5"),
        sym("ETHUSDT", "3200", 2, 2, "0.01", 100, 0.75, "20"),
        sym("SOLUSDT", "150", 3, 1, "0.1", 75, 1.0, "200"),
        sym("XRPUSDT", "0.6", 4, 0, "1", 75, 0.9, "20000"),
    ]
}

/// A configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema.
    #[error("invalid simulator config {path}: {message}")]
    Parse {
        /// File path.
        path: String,
        /// Parser message naming the key.
        message: String,
    },
    /// The values contradict each other; every problem is listed.
    #[error("invalid simulator config: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

impl SimConfig {
    /// Reads a TOML file; keys absent from the file keep their defaults.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        let cfg: SimConfig = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: shown,
            message: e.to_string(),
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks the values, reporting every problem at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut errs = Vec::new();
        if !(self.speed > 0.0 && self.speed.is_finite()) {
            errs.push("speed: must be a positive number".to_string());
        }
        if self.tick_ms == 0 {
            errs.push("tick_ms: must be at least 1".to_string());
        }
        if self.symbols.is_empty() {
            errs.push("symbols: at least one symbol is needed".to_string());
        }
        for (i, s) in self.symbols.iter().enumerate() {
            if s.start_price <= Decimal::ZERO {
                errs.push(format!("symbols[{i}].start_price: must be positive"));
            }
            if s.min_lever == 0 || s.min_lever > s.max_lever {
                errs.push(format!("symbols[{i}]: need 1 <= min_lever <= max_lever"));
            }
            if Decimal::from_f64(s.volatility).is_none() || s.volatility < 0.0 {
                errs.push(format!("symbols[{i}].volatility: must be >= 0"));
            }
        }
        let mut keys = std::collections::HashSet::new();
        for (i, a) in self.accounts.iter().enumerate() {
            if a.pos_mode != "one_way_mode" && a.pos_mode != "hedge_mode" {
                errs.push(format!(
                    "accounts[{i}].pos_mode: one_way_mode or hedge_mode"
                ));
            }
            for k in &a.keys {
                if !keys.insert(k.api_key.clone()) {
                    errs.push(format!(
                        "accounts[{i}].keys: duplicate api_key {}",
                        k.api_key
                    ));
                }
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(errs))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_key_debug_hides_secret() {
        let cfg = SimConfig::default();
        assert!(cfg.validate().is_ok());
        let shown = format!("{:?}", cfg.accounts[0].keys[0]);
        assert!(!shown.contains(DEFAULT_API_SECRET));
        assert!(!shown.contains(DEFAULT_PASSPHRASE));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_reported() {
        let err = toml::from_str::<SimConfig>("seeed = 3")
            .unwrap_err()
            .to_string();
        assert!(err.contains("seeed"), "{err}");
        let cfg = SimConfig {
            speed: 0.0,
            tick_ms: 0,
            ..SimConfig::default()
        };
        let ConfigError::Invalid(errs) = cfg.validate().unwrap_err() else {
            panic!("expected Invalid")
        };
        assert_eq!(errs.len(), 2, "{errs:?}");
    }
}
