//! Viper's Bitget V2 USDT-M futures protocol client: signing, typed models, a REST client
//! with rate limits, retries, clock sync and metrics. Knows nothing of actors.

pub mod clock;
pub mod codes;
pub mod contracts;
pub mod credentials;
pub mod endpoints;
pub mod error;
pub mod metrics;
pub mod models;
pub mod rate_limit;
pub mod replay;
pub mod rest;
pub mod retry;
pub mod sign;
pub mod timer_grid;
pub mod ws;

pub use credentials::Credentials;
pub use error::{Error, Result};
pub use metrics::describe_metrics;
pub use rest::{RestClient, RestConfig};
pub use retry::RetryPolicy;
