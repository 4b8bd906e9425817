//! Outgoing message throttle: at most N messages in any sliding one-second window per
//! connection (pings included), so the server's 10/s limit (§7.1) is never reached.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(1);
/// Slack added to the window: the server measures arrival times, not our send times.
const MARGIN: Duration = Duration::from_millis(20);

/// A sliding-window limiter.
#[derive(Debug, Clone)]
pub struct Throttle {
    max: usize,
    sent: VecDeque<Instant>,
}

impl Throttle {
    /// At most `max` (at least 1) messages per second.
    pub fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            sent: VecDeque::new(),
        }
    }

    /// The earliest instant the next message may be sent.
    pub fn ready_at(&mut self, now: Instant) -> Instant {
        while self
            .sent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW + MARGIN)
        {
            self.sent.pop_front();
        }
        match self.sent.front() {
            Some(first) if self.sent.len() >= self.max => *first + WINDOW + MARGIN,
            _ => now,
        }
    }

    /// Records a message sent at `now`.
    pub fn record(&mut self, now: Instant) {
        self.sent.push_back(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the demand pattern, no one-second window holds more than `max` sends.
        #[test]
        fn never_more_than_max_per_window(max in 1usize..12, gaps in proptest::collection::vec(0u64..300, 1..200)) {
            let mut t = Throttle::new(max);
            let start = Instant::now();
            let mut now = start;
            let mut sends = Vec::new();
            for g in gaps {
                now += Duration::from_millis(g);
                let at = t.ready_at(now).max(now);
                t.record(at);
                sends.push(at);
                now = at;
            }
            for (i, a) in sends.iter().enumerate() {
                let within = sends[i..].iter().take_while(|b| b.duration_since(*a) < WINDOW).count();
                prop_assert!(within <= max, "{within} sends within 1 s (max {max})");
            }
        }
    }
}
