//! The decoded shapes of a WebSocket text frame: pushes, server events, `pong`, and the
//! error for a frame that is none of them. Shared by the general and the fast decoder.

use super::private::{AccountPush, AlgoOrderPush, FillPush, OrderPush, PositionPush};
use super::public::{Candle, RawBook, Ticker, Trade};
use super::subscriptions::SubArg;

/// A frame that could not be decoded (the text is kept, shortened, for the log).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("undecodable WebSocket frame ({reason}): {excerpt}")]
pub struct DecodeError {
    /// What went wrong.
    pub reason: String,
    /// The start of the frame.
    pub excerpt: String,
}

impl DecodeError {
    pub(crate) fn new(reason: impl Into<String>, text: &str) -> Self {
        let end = text
            .char_indices()
            .map(|(i, _)| i)
            .find(|&i| i > 200)
            .unwrap_or(text.len());
        Self {
            reason: reason.into(),
            excerpt: text[..end].to_owned(),
        }
    }
}

/// `snapshot` or `update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Full state (or, for private channels, the changed objects).
    Snapshot,
    /// A delta (`books`), or new rows (trade, candles).
    Update,
}

/// The typed `data` of a push.
#[derive(Debug, Clone, PartialEq)]
pub enum PushData {
    /// `ticker`.
    Ticker(Vec<Ticker>),
    /// `books*`, as received (the client applies it to its local book).
    Book(Vec<RawBook>),
    /// `trade`.
    Trade(Vec<Trade>),
    /// `candle*`.
    Candle(Vec<Candle>),
    /// `account`.
    Account(Vec<AccountPush>),
    /// `positions` (the full current set).
    Positions(Vec<PositionPush>),
    /// `orders`.
    Orders(Vec<OrderPush>),
    /// `orders-algo`.
    AlgoOrders(Vec<AlgoOrderPush>),
    /// `fill`.
    Fills(Vec<FillPush>),
}

/// A decoded push.
#[derive(Debug, Clone, PartialEq)]
pub struct Push {
    /// The subscription it belongs to.
    pub arg: SubArg,
    /// Snapshot or update.
    pub action: Action,
    /// Server send time (ms).
    pub ts: Option<i64>,
    /// Typed payload.
    pub data: PushData,
}

/// A server answer to a request.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerEvent {
    /// Login answer (`code` 0 = success; number or string on the wire).
    Login {
        /// Code.
        code: i64,
        /// Message.
        msg: String,
    },
    /// Subscribe ack.
    Subscribed(SubArg),
    /// Unsubscribe ack.
    Unsubscribed(SubArg),
    /// Error event (code number or string on the wire).
    Error {
        /// Bitget code (30001…30016), -1 if absent or not a number.
        code: i64,
        /// Message.
        msg: String,
        /// The request arg it refers to, when included.
        arg: Option<SubArg>,
    },
}

/// One decoded frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// Text `pong`.
    Pong,
    /// Login/subscribe/unsubscribe/error.
    Event(ServerEvent),
    /// Data.
    Push(Push),
}
