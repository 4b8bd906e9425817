//! The REST client: envelope decoding, transport on awc, typed endpoint methods.

pub mod account;
pub mod client;
pub mod config;
pub mod envelope;
pub mod market;
pub mod orders;
pub mod plan;
pub mod transport;

pub use client::RestClient;
pub use config::{LIVE_BASE_URL, RestConfig};
pub use envelope::{RawResponse, decode_response};
pub use market::CandlesQuery;
pub use orders::MAX_BATCH;
pub use transport::redact_headers;
