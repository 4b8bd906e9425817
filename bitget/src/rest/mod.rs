//! The REST client: envelope decoding, transport on awc, typed endpoint methods.

pub mod envelope;

pub use envelope::{RawResponse, decode_response};
