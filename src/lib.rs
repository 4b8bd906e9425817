//! The `viper` package as a library: configuration and system wiring, used by the binary and
//! by the whole-system tests in `tests/`.

pub mod admin;
pub mod admin_api;
pub mod admin_control;
pub mod admin_metrics;
pub mod admin_trades;
pub mod banner;
pub mod check;
pub mod check_probes;
pub mod check_trade;
pub mod cli_control;
pub mod config;
pub mod config_env;
pub mod config_limits;
pub mod config_load;
pub mod endpoint;
pub mod heartbeat;
pub mod history;
pub mod holdings;
pub mod live_market;
pub mod logging;
pub mod notify;
pub mod operator;
pub mod operator_close;
pub mod record_ws;
pub mod recording;
pub mod redact;
pub mod report;
pub mod service;
pub mod soak;
pub mod startup;
pub mod startup_retry;
pub mod status;
pub mod summary;
pub mod system;
mod system_trades;
pub mod trades;
