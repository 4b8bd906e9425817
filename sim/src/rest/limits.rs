//! Server-side rate limits as Bitget applies them: a per-endpoint budget per UID or per IP in
//! fixed one-second windows (the window type is unverified; fixed is the stricter reading),
//! and the global per-IP ceiling per minute with a lockout once exceeded.
//!
//! A hand-written counter rather than a crate: this is the exchange's behaviour being
//! simulated, and it must be observable exactly (fixed windows, lockout), not smoothed.

use std::collections::HashMap;
use std::net::IpAddr;

/// Who a budget is counted for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Per account.
    Uid(u64),
    /// Per client IP.
    Ip(IpAddr),
}

/// Fixed-window counters.
#[derive(Debug, Default)]
pub struct Limiter {
    windows: HashMap<(&'static str, Scope), (i64, u32)>,
    minute: HashMap<IpAddr, (i64, u32)>,
    locked_until: HashMap<IpAddr, i64>,
}

impl Limiter {
    /// Counts one request; false when it exceeds `per_second` for this endpoint and scope.
    pub fn admit(
        &mut self,
        endpoint: &'static str,
        scope: Scope,
        per_second: u32,
        now_ms: i64,
    ) -> bool {
        let sec = now_ms.div_euclid(1000);
        let w = self.windows.entry((endpoint, scope)).or_insert((sec, 0));
        if w.0 != sec {
            *w = (sec, 0);
        }
        w.1 += 1;
        w.1 <= per_second
    }

    /// Counts one request against the IP's per-minute ceiling (0 = off); false while locked out.
    pub fn admit_ip(&mut self, ip: IpAddr, per_minute: u32, lockout_ms: i64, now_ms: i64) -> bool {
        if per_minute == 0 {
            return true;
        }
        if self.locked_until.get(&ip).is_some_and(|t| now_ms < *t) {
            return false;
        }
        let minute = now_ms.div_euclid(60_000);
        let w = self.minute.entry(ip).or_insert((minute, 0));
        if w.0 != minute {
            *w = (minute, 0);
        }
        w.1 += 1;
        if w.1 > per_minute {
            self.locked_until.insert(ip, now_ms + lockout_ms);
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn fixed_windows_per_endpoint_and_scope() {
        let mut l = Limiter::default();
        let a = Scope::Uid(1);
        for _ in 0..10 {
            assert!(l.admit("place", a.clone(), 10, 5_000));
        }
        assert!(!l.admit("place", a.clone(), 10, 5_999));
        assert!(
            l.admit("place", Scope::Uid(2), 10, 5_999),
            "other account has its own budget"
        );
        assert!(
            l.admit("cancel", a.clone(), 10, 5_999),
            "other endpoint has its own budget"
        );
        assert!(l.admit("place", a, 10, 6_000), "new window");
    }

    #[test]
    fn global_ceiling_locks_out() {
        let mut l = Limiter::default();
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        assert!(l.admit_ip(ip, 3, 300_000, 0));
        assert!(l.admit_ip(ip, 3, 300_000, 1));
        assert!(l.admit_ip(ip, 3, 300_000, 2));
        assert!(!l.admit_ip(ip, 3, 300_000, 3));
        assert!(
            !l.admit_ip(ip, 3, 300_000, 120_000),
            "still locked in the next minute"
        );
        assert!(l.admit_ip(ip, 3, 300_000, 300_004));
    }
}
