//! What the client reports to its caller: typed pushes, book updates, and the connection's
//! life (connected, reconnected, disconnected, resyncs, server errors).

use super::decode::Push;
use super::subscriptions::SubArg;
use crate::models::{Price, Size};

/// Identifies one connection of the client (index in [`super::WsHandle::connections`]).
pub type ConnId = usize;

/// The local book after a `books*` push was applied and verified.
#[derive(Debug, Clone, PartialEq)]
pub struct BookUpdate {
    /// Subscription (channel and symbol).
    pub arg: SubArg,
    /// Best bids, best first (up to 25).
    pub bids: Vec<(Price, Size)>,
    /// Best asks, best first (up to 25).
    pub asks: Vec<(Price, Size)>,
    /// `seq` of the push.
    pub seq: Option<i64>,
    /// Exchange time (ms).
    pub ts: Option<i64>,
    /// True when the push was a snapshot.
    pub snapshot: bool,
}

/// An event from the WebSocket client.
#[derive(Debug, Clone, PartialEq)]
pub enum WsEvent {
    /// A decoded push (every channel except the books).
    Push(Push),
    /// A book push applied to the local book.
    Book(BookUpdate),
    /// A connection is live for the first time (logged in if private, subscriptions sent).
    Connected {
        /// Connection.
        conn: ConnId,
    },
    /// A connection is live again after a loss; `attempt` counts the tries it took.
    Reconnected {
        /// Connection.
        conn: ConnId,
        /// Connection attempts since the last stable session (1 = first retry).
        attempt: u32,
    },
    /// A connection was lost or declared dead; a reconnect follows after `retry_in`.
    Disconnected {
        /// Connection.
        conn: ConnId,
        /// Why.
        reason: String,
        /// Delay before the next attempt.
        retry_in: std::time::Duration,
    },
    /// A live connection has received nothing for [`super::WsConfig::quiet_after_for`]: it
    /// may be mute while its socket stays open. Reported once; [`WsEvent::Heard`] (or a
    /// reconnect) ends it.
    Quiet {
        /// Connection.
        conn: ConnId,
        /// How long nothing has arrived.
        silent_for: std::time::Duration,
    },
    /// The first frame after [`WsEvent::Quiet`].
    Heard {
        /// Connection.
        conn: ConnId,
    },
    /// Login accepted (private connections).
    LoggedIn {
        /// Connection.
        conn: ConnId,
    },
    /// Subscribe ack.
    Subscribed {
        /// Connection.
        conn: ConnId,
        /// Subscription.
        arg: SubArg,
    },
    /// Unsubscribe ack.
    Unsubscribed {
        /// Connection.
        conn: ConnId,
        /// Subscription.
        arg: SubArg,
    },
    /// A local book failed its checksum or sequence check and was resubscribed.
    BookResync {
        /// Connection.
        conn: ConnId,
        /// The book's subscription.
        arg: SubArg,
        /// What failed.
        reason: String,
    },
    /// The server answered with an error event (login failures included).
    Error {
        /// Connection.
        conn: ConnId,
        /// Bitget code (e.g. 30012), -1 when absent.
        code: i64,
        /// Message.
        msg: String,
    },
}
