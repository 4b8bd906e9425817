//! Viper's Bitget V2 USDT-M futures protocol client: signing, typed models, a REST client
//! with rate limits, retries, clock sync and metrics. Knows nothing of actors.

pub mod codes;
pub mod credentials;
pub mod error;
pub mod models;
pub mod rest;
pub mod sign;

pub use credentials::Credentials;
pub use error::{Error, Result};
