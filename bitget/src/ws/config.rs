//! WebSocket client settings: URLs, keep-alive and liveness limits, backoff, and the §7.1
//! per-connection limits the client keeps itself within.

use std::time::Duration;

/// Live public URL.
pub const LIVE_PUBLIC: &str = "wss://ws.bitget.com/v2/ws/public";
/// Live private URL.
pub const LIVE_PRIVATE: &str = "wss://ws.bitget.com/v2/ws/private";
/// Demo (paper trading) public URL.
pub const DEMO_PUBLIC: &str = "wss://wspap.bitget.com/v2/ws/public";
/// Demo (paper trading) private URL.
pub const DEMO_PRIVATE: &str = "wss://wspap.bitget.com/v2/ws/private";

/// The server clock a private login is signed with: the REST client's, measured from
/// `public/time`, so a skewed local clock fails neither REST nor WebSocket logins.
#[derive(Debug, Clone)]
pub struct LoginClock(pub std::sync::Arc<crate::clock::ServerClock>);

impl PartialEq for LoginClock {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

/// How the WebSocket client connects, keeps alive and recovers.
#[derive(Debug, Clone, PartialEq)]
pub struct WsConfig {
    /// Public channels URL.
    pub public_url: String,
    /// Private channels URL.
    pub private_url: String,
    /// Interval between text `ping`s (spec: ~30 s; server drops after 2 min without one).
    pub ping_interval: Duration,
    /// Interval between `ping`s on private connections. Their pushes are rare, so a short
    /// interval is what lets a caller tell a quiet socket from a silent (open but mute) one:
    /// a healthy private socket answers within about this long.
    pub private_ping_interval: Duration,
    /// A `pong` not received this long after a `ping` means the connection is dead.
    pub pong_timeout: Duration,
    /// Silence (no frame at all) longer than this means the connection is dead.
    pub idle_timeout: Duration,
    /// Limit for the TCP/TLS/upgrade handshake.
    pub connect_timeout: Duration,
    /// Limit for the login answer (a server that never answers login is a dead connection).
    pub login_timeout: Duration,
    /// First reconnect delay.
    pub backoff_min: Duration,
    /// Cap of the un-jittered reconnect delay.
    pub backoff_max: Duration,
    /// Minimum delay after a rejected login: bad credentials do not heal in milliseconds, and
    /// a reconnect storm can get the IP blocked.
    pub login_failure_delay: Duration,
    /// Outgoing messages per second per connection, pings included (server limit: 10).
    pub max_messages_per_sec: usize,
    /// Subscription args per subscribe message (SDKs use ~15).
    pub max_args_per_message: usize,
    /// Serialized `args` bytes per message (server limit: 4096).
    pub max_args_bytes: usize,
    /// Channels per connection before another connection is opened (recommended < 50).
    pub max_channels_per_connection: usize,
    /// Largest accepted frame (awc's default 64 KiB is too small for full-depth books).
    pub max_frame_size: usize,
    /// Capacity of the event channel to the caller.
    pub event_capacity: usize,
    /// Server clock for the login timestamp; None = the local clock.
    pub login_clock: Option<LoginClock>,
}

impl WsConfig {
    /// The ping interval of a connection (`private` or public).
    pub fn ping_interval_for(&self, private: bool) -> Duration {
        if private {
            self.private_ping_interval
        } else {
            self.ping_interval
        }
    }

    /// No frame at all for this long means a live connection has gone quiet (a ping's pong is
    /// overdue): twice the ping interval, or the interval plus the pong timeout if sooner.
    /// The session reports it as [`super::WsEvent::Quiet`] and keeps the socket until the
    /// pong timeout declares it dead.
    pub fn quiet_after_for(&self, private: bool) -> Duration {
        let ping = self.ping_interval_for(private);
        (ping * 2).min(ping + self.pong_timeout)
    }

    /// Production URLs.
    pub fn live() -> Self {
        Self::custom(LIVE_PUBLIC, LIVE_PRIVATE)
    }

    /// Demo trading URLs.
    pub fn demo() -> Self {
        Self::custom(DEMO_PUBLIC, DEMO_PRIVATE)
    }

    /// Any pair of URLs (e.g. the simulator's `ws://127.0.0.1:PORT/v2/ws/public`).
    pub fn custom(public_url: &str, private_url: &str) -> Self {
        Self {
            public_url: public_url.to_owned(),
            private_url: private_url.to_owned(),
            ping_interval: Duration::from_secs(25),
            private_ping_interval: Duration::from_secs(25),
            pong_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            login_timeout: Duration::from_secs(10),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            login_failure_delay: Duration::from_secs(10),
            max_messages_per_sec: 8,
            max_args_per_message: 15,
            max_args_bytes: 4096,
            max_channels_per_connection: 50,
            max_frame_size: 16 << 20,
            event_capacity: 4096,
            login_clock: None,
        }
    }
}
