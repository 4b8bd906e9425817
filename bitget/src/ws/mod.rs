//! Bitget V2 WebSocket client (spec §7): self-healing connections (ping/pong, idle limit,
//! reconnect with backoff and jitter, re-login, resubscribe), the §7.1 limits kept by the
//! client itself, typed push decoding, and verified local order books.
//!
//! ```no_run
//! # async fn demo() -> Result<(), viper_bitget::ws::WsError> {
//! use viper_bitget::ws::{Channel, SubArg, WsClient, WsConfig, WsEvent};
//! let subs = vec![SubArg::ticker("BTCUSDT"), SubArg::new(Channel::Books, "BTCUSDT")];
//! let (handle, mut events) = WsClient::start(WsConfig::live(), subs, None)?;
//! while let Some(ev) = events.recv().await {
//!     if let WsEvent::Push(p) = ev { println!("{:?}", p.data); }
//! }
//! # drop(handle); Ok(()) }
//! ```

pub mod book;
mod client;
pub mod config;
mod conn;
mod ctx;
pub mod decode;
mod dispatch;
pub mod events;
mod fast;
mod frame;
pub mod metrics;
mod num;
mod order_push;
pub mod private;
pub mod public;
mod session;
pub mod state;
pub mod subscriptions;
pub mod throttle;

pub use book::{BookError, LocalBook};
pub use client::{WsClient, WsError, WsHandle};
pub use config::{LoginClock, WsConfig};
pub use decode::{Action, DecodeError, Frame, Push, PushData, ServerEvent, decode};
pub use events::{BookUpdate, ConnId, WsEvent};
pub use state::{ConnInfo, ConnState};
pub use subscriptions::{Channel, SubArg};
