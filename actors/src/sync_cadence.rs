//! When AccountSync reads the account over REST: the one rule, pure (times passed in).
//!
//! WebSocket-first: while the private socket is healthy the exchange pushes every change, so
//! REST runs on pushes (coalesced by a short debounce) and on a slow period that catches a
//! lost push. Anything that needs a closer watch — the socket down or silent, a failed read,
//! a position without its stop-loss — switches to the fast period at once. The gate asks for
//! a read on demand when its snapshot is too old to trust.

use std::time::Duration;
use tokio::time::Instant;

/// The REST periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncPeriods {
    /// Private socket down or silent, a read failed, or a position lacks its stop-loss.
    pub fast: Duration,
    /// Socket healthy, positions or open orders held.
    pub held: Duration,
    /// Socket healthy, nothing held.
    pub quiet: Duration,
    /// A push is read this long after it arrived (a fill's pushes come in a burst).
    pub debounce: Duration,
}

impl SyncPeriods {
    /// One period for everything: polling as if there were no private socket.
    pub fn polling(every: Duration) -> Self {
        Self {
            fast: every,
            held: every,
            quiet: every,
            debounce: Duration::ZERO,
        }
    }
}

/// How closely the account must be watched now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    /// Fast period.
    Close,
    /// Positions or orders held, the socket healthy.
    Held,
    /// Nothing held, the socket healthy.
    Quiet,
}

/// What the cadence remembers.
#[derive(Debug, Clone, Default)]
pub struct Cadence {
    last_start: Option<Instant>,
    push: Option<Instant>,
    demand: Option<Instant>,
}

impl Cadence {
    /// A read started at `now`: pushes and demands made before it are answered by it.
    pub fn started(&mut self, now: Instant) {
        self.last_start = Some(now);
        self.push = None;
        self.demand = None;
    }

    /// A private push arrived at `now` (the first of a burst sets the clock).
    pub fn pushed(&mut self, now: Instant) {
        self.push.get_or_insert(now);
    }

    /// Someone needs a snapshot read after `now`.
    pub fn demanded(&mut self, now: Instant) {
        self.demand.get_or_insert(now);
    }

    /// When the next read is due, watching as `watch` says; `None` when it is due now (no
    /// read yet, or one was demanded). [`Cadence::due`] is this compared with the clock.
    pub fn next_due(&self, watch: Watch, p: &SyncPeriods) -> Option<Instant> {
        let last = self.last_start?;
        if self.demand.is_some() {
            return None;
        }
        let mut at = last
            + match watch {
                Watch::Close => p.fast,
                Watch::Held => p.held,
                Watch::Quiet => p.quiet,
            };
        // Pushes are never read more often than the fast period allows.
        if let Some(push) = self.push {
            at = at.min((push + p.debounce).max(last + p.fast));
        }
        Some(at)
    }

    /// Is a read due at `now`, watching as `watch` says?
    pub fn due(&self, now: Instant, watch: Watch, p: &SyncPeriods) -> bool {
        self.next_due(watch, p).is_none_or(|at| now >= at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn periods() -> SyncPeriods {
        SyncPeriods {
            fast: Duration::from_secs(1),
            held: Duration::from_secs(10),
            quiet: Duration::from_secs(30),
            debounce: Duration::from_millis(200),
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// The cadence's rule as a predicate (how `due` read before `next_due` existed).
    fn due_by_rule(c: &Cadence, now: Instant, watch: Watch, p: &SyncPeriods) -> bool {
        let Some(last) = c.last_start else {
            return true;
        };
        let since = now.saturating_duration_since(last);
        if c.demand.is_some() {
            return true;
        }
        if let Some(push) = c.push
            && now.saturating_duration_since(push) >= p.debounce
            && since >= p.fast
        {
            return true;
        }
        since
            >= match watch {
                Watch::Close => p.fast,
                Watch::Held => p.held,
                Watch::Quiet => p.quiet,
            }
    }

    #[test]
    fn the_deadline_agrees_with_the_rule_at_every_millisecond() {
        let (p, t0) = (periods(), Instant::now());
        for push in [None, Some(0u64), Some(300), Some(950), Some(5_000)] {
            for demand in [None, Some(10u64)] {
                for watch in [Watch::Close, Watch::Held, Watch::Quiet] {
                    let mut c = Cadence::default();
                    c.started(t0);
                    if let Some(at) = push {
                        c.pushed(t0 + ms(at));
                    }
                    if let Some(at) = demand {
                        c.demanded(t0 + ms(at));
                    }
                    for now in (0..32_000).step_by(7).map(|n| t0 + ms(n)) {
                        assert_eq!(
                            c.due(now, watch, &p),
                            due_by_rule(&c, now, watch, &p),
                            "push {push:?} demand {demand:?} {watch:?} at {:?}",
                            now - t0
                        );
                    }
                }
            }
        }
        assert!(Cadence::default().next_due(Watch::Quiet, &p).is_none());
    }

    #[test]
    fn the_period_follows_what_must_be_watched() {
        let (p, t0) = (periods(), Instant::now());
        let mut c = Cadence::default();
        assert!(c.due(t0, Watch::Quiet, &p), "the first read is due at once");
        c.started(t0);
        for (after, watch, due) in [
            (999, Watch::Close, false),
            (1_000, Watch::Close, true),
            (9_999, Watch::Held, false),
            (10_000, Watch::Held, true),
            (29_999, Watch::Quiet, false),
            (30_000, Watch::Quiet, true),
        ] {
            assert_eq!(
                c.due(t0 + ms(after), watch, &p),
                due,
                "{after} ms, {watch:?}"
            );
        }
    }

    #[test]
    fn a_push_is_read_after_the_debounce_but_never_faster_than_the_fast_period() {
        let (p, t0) = (periods(), Instant::now());
        let mut c = Cadence::default();
        c.started(t0);
        c.pushed(t0 + ms(100));
        c.pushed(t0 + ms(150));
        assert!(
            !c.due(t0 + ms(900), Watch::Quiet, &p),
            "inside the fast period"
        );
        assert!(c.due(t0 + ms(1_000), Watch::Quiet, &p));
        c.started(t0 + ms(5_000));
        c.pushed(t0 + ms(7_000));
        assert!(!c.due(t0 + ms(7_150), Watch::Quiet, &p), "debounce");
        assert!(c.due(t0 + ms(7_200), Watch::Quiet, &p));
        c.started(t0 + ms(7_200));
        assert!(
            !c.due(t0 + ms(8_500), Watch::Quiet, &p),
            "answered by that read"
        );
    }

    #[test]
    fn a_demand_is_read_at_once_and_answered_only_by_a_later_read() {
        let (p, t0) = (periods(), Instant::now());
        let mut c = Cadence::default();
        c.started(t0);
        c.demanded(t0 + ms(10));
        assert!(c.due(t0 + ms(10), Watch::Quiet, &p));
        c.started(t0 + ms(20));
        assert!(!c.due(t0 + ms(30), Watch::Quiet, &p));
    }

    #[test]
    fn polling_reads_every_period_whatever_the_watch() {
        let (p, t0) = (SyncPeriods::polling(ms(300)), Instant::now());
        let mut c = Cadence::default();
        c.started(t0);
        assert!(c.due(t0 + ms(300), Watch::Quiet, &p));
        assert!(!c.due(t0 + ms(299), Watch::Close, &p));
    }
}
