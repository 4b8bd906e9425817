//! Feed freshness as the exchange saw it: every time market data (public) or account data
//! (private) reached a client — a successful REST read or a WebSocket push — the feed counts
//! as fresh for the next `FRESH_MS`. The audit reports the merged fresh periods, from which
//! a soak computes feed uptime.

use crate::audit::Period;
use serde::Serialize;

/// How long one delivery keeps a feed fresh, ms (the bot's default `max_tick_age_ms`).
pub const FRESH_MS: i64 = 3_000;
const MAX_PERIODS: usize = 100_000;

/// Fresh periods of the public and private feeds.
#[derive(Debug, Default, Serialize)]
pub struct Feeds {
    /// Market data.
    pub public: Vec<Period>,
    /// Account, position and order data.
    pub private: Vec<Period>,
}

impl Feeds {
    /// Data of one kind reached a client at `now`.
    pub fn delivered(&mut self, private: bool, now: i64) {
        let periods = if private {
            &mut self.private
        } else {
            &mut self.public
        };
        let until = now + FRESH_MS;
        match periods.last_mut() {
            Some(p) if p.to.is_some_and(|t| t >= now) => {
                p.to = Some(until.max(p.to.unwrap_or(until)))
            }
            _ => {
                if periods.len() >= MAX_PERIODS {
                    periods.remove(0);
                }
                periods.push(Period {
                    from: now,
                    to: Some(until),
                })
            }
        }
    }

    /// Whether a successful REST answer on `path` delivers feed data, and which feed.
    pub fn feed_of(path: &str) -> Option<bool> {
        if path.starts_with("/api/v2/mix/market/ticker")
            || path == "/api/v2/mix/market/symbol-price"
        {
            Some(false)
        } else if path.starts_with("/api/v2/mix/account/account")
            || path.starts_with("/api/v2/mix/position/")
        {
            Some(true)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliveries_merge_into_fresh_periods() {
        let mut f = Feeds::default();
        f.delivered(false, 0);
        f.delivered(false, 1_000);
        f.delivered(false, 10_000);
        f.delivered(true, 5);
        assert_eq!(f.public.len(), 2);
        assert_eq!(f.public[0].to, Some(4_000));
        assert_eq!(f.public[1].from, 10_000);
        assert_eq!(f.private.len(), 1);
        assert_eq!(Feeds::feed_of("/api/v2/mix/market/tickers"), Some(false));
        assert_eq!(Feeds::feed_of("/api/v2/mix/account/accounts"), Some(true));
        assert_eq!(Feeds::feed_of("/api/v2/mix/order/place-order"), None);
    }
}
