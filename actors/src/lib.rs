//! viper-actors: the bot's supervised actors — MarketFeed, AccountSync, RiskManager,
//! OrderRouter (with its durable journal), HealthMonitor — the strategy host, and the
//! watchdog that restarts a feed or REST actor that stops or panics.

pub mod account_sync;
pub mod capital;
mod emergency;
pub mod events;
pub mod exposure;
#[doc(hidden)]
pub mod failpoint;
pub mod gate;
pub mod guard;
pub mod health_monitor;
pub mod intent;
pub mod journal;
pub mod market_feed;
pub mod metrics;
pub mod notice;
pub mod order_request;
pub mod order_router;
pub mod protection;
pub mod refusal;
pub mod risk_manager;
mod router_msgs;
pub mod settle;
pub mod strategy;
pub mod supervisor;
pub mod sync_cadence;
pub mod timer_grid;
pub mod trade_book;
mod trade_exit;
mod trade_lines;
pub mod trade_log;
pub mod trade_recorder;
mod trade_store;
pub mod trader;
