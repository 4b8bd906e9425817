//! Time: an injectable wall clock, and the server-time offset used to sign requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// A wall clock in Unix milliseconds (injected so tests can skew or freeze it).
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The operating system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that returns what it is told (tests).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock frozen at `ms`.
    pub fn new(ms: i64) -> Self {
        Self(AtomicI64::new(ms))
    }

    /// Moves the clock to `ms`.
    pub fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }

    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Local clock plus the measured offset to Bitget's clock.
pub struct ServerClock {
    local: Arc<dyn Clock>,
    offset_ms: AtomicI64,
    synced: AtomicBool,
}

impl std::fmt::Debug for ServerClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerClock")
            .field("offset_ms", &self.offset_ms())
            .field("synced", &self.is_synced())
            .finish()
    }
}

impl ServerClock {
    /// Offset 0 until the first sample.
    pub fn new(local: Arc<dyn Clock>) -> Self {
        Self {
            local,
            offset_ms: AtomicI64::new(0),
            synced: AtomicBool::new(false),
        }
    }

    /// The local clock.
    pub fn local_ms(&self) -> i64 {
        self.local.now_ms()
    }

    /// Estimated server time: local time plus offset. This is what requests are signed with.
    pub fn now_ms(&self) -> i64 {
        self.local.now_ms() + self.offset_ms()
    }

    /// The current offset (server − local), ms.
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst)
    }

    /// True once a sample was taken.
    pub fn is_synced(&self) -> bool {
        self.synced.load(Ordering::SeqCst)
    }

    /// Records one round trip: sent at local `t0`, server said `server`, answer at local
    /// `t1`. The server stamped its time roughly at the midpoint of the round trip.
    pub fn apply_sample(&self, t0: i64, server: i64, t1: i64) -> i64 {
        let mid = t0 + (t1 - t0) / 2;
        let offset = server - mid;
        self.offset_ms.store(offset, Ordering::SeqCst);
        self.synced.store(true, Ordering::SeqCst);
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_uses_the_midpoint_of_the_round_trip() {
        let local = Arc::new(ManualClock::new(1_000_000));
        let c = ServerClock::new(local.clone());
        assert_eq!(c.now_ms(), 1_000_000);
        assert!(!c.is_synced());
        // sent at 1_000_000, answered at 1_000_200, server said 1_045_100
        let off = c.apply_sample(1_000_000, 1_045_100, 1_000_200);
        assert_eq!(off, 45_000);
        assert!(c.is_synced());
        local.advance(500);
        assert_eq!(c.now_ms(), 1_045_500);
        // a server behind us gives a negative offset
        assert_eq!(c.apply_sample(2_000, 1_000, 2_000), -1_000);
    }

    #[test]
    fn system_clock_is_plausible() {
        // 2020-01-01 .. 2100-01-01
        let now = SystemClock.now_ms();
        assert!(now > 1_577_836_800_000 && now < 4_102_444_800_000, "{now}");
    }
}
