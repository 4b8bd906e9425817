//! One phase for the process's periodic timers. Timers started at their own moments wake
//! an idle process once each; timers on this grid share their instants (every period a
//! multiple of 100 ms lands on the same ticks), so the runtime wakes once for all of them.
//! The bot's actors (`viper_actors::timer_grid`), the WebSocket sessions' once-a-second
//! check and the admin loop use it.

use std::sync::OnceLock;
use std::time::Duration;
use tokio::time::Instant;

/// The grid's origin: the first time any timer asked (process-wide).
static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();

/// The first instant after `now` on the grid of `period` (in `(now, now + period]`).
pub fn next_tick(now: Instant, period: Duration) -> Instant {
    let origin = Instant::from_std(*ORIGIN.get_or_init(|| now.into_std()));
    let p = period.as_nanos().max(1);
    // How far `now` is past the last grid instant, whichever side of the origin it is.
    let phase = if now >= origin {
        (now - origin).as_nanos() % p
    } else {
        (p - (origin - now).as_nanos() % p) % p
    };
    let wait = u64::try_from(p - phase).unwrap_or(u64::MAX);
    now + Duration::from_nanos(wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_of_timers_started_apart_coincide() {
        let now = Instant::now();
        let p = Duration::from_millis(100);
        let a = next_tick(now, p);
        let b = next_tick(now + Duration::from_millis(37), p);
        let c = next_tick(now + Duration::from_millis(5), Duration::from_secs(1));
        assert!(a > now && a <= now + p);
        // Started 37 ms apart, both tick on the same instants from then on.
        let d = if b > a { b - a } else { a - b };
        assert_eq!(d.as_nanos() % p.as_nanos(), 0);
        // A 1 s timer lands on one of the 100 ms ticks.
        let d = if c > a { c - a } else { a - c };
        assert_eq!(d.as_nanos() % p.as_nanos(), 0);
        assert!(c <= now + Duration::from_millis(5) + Duration::from_secs(1));
    }

    #[test]
    fn the_first_tick_is_within_one_period_even_before_the_origin() {
        let now = Instant::now();
        let p = Duration::from_millis(250);
        let _ = next_tick(now, p);
        for back in [0u64, 1, 249, 250, 251, 10_000] {
            let t = now.checked_sub(Duration::from_millis(back)).unwrap_or(now);
            let n = next_tick(t, p);
            assert!(n > t && n <= t + p, "{back} ms back");
        }
    }
}
