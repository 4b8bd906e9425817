//! A local order book built from `books*` pushes (§7.7): snapshot replaces, update merges
//! (size `0` deletes), then the CRC-32 checksum (signed, top 25 interleaved, exact strings)
//! and the `seq`/`pseq` continuity are verified.

use super::public::{RawBook, RawLevel};
use crate::models::{Price, Size};

/// Levels a side included in the checksum.
pub const CHECKSUM_DEPTH: usize = 25;

/// Why a book must be resynchronised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookError {
    /// The checksum after applying did not match the pushed one.
    #[error("checksum mismatch: local {local}, pushed {pushed}")]
    Checksum {
        /// Computed here.
        local: i32,
        /// Received.
        pushed: i64,
    },
    /// `pseq` did not continue from the last `seq`.
    #[error("sequence gap: last seq {last}, pseq {pseq}")]
    Gap {
        /// Last `seq` received.
        last: i64,
        /// `pseq` of this push.
        pseq: i64,
    },
    /// An update arrived before any snapshot.
    #[error("update before snapshot")]
    NoSnapshot,
}

/// One side's levels, best first.
#[derive(Debug, Clone, Default)]
struct Side {
    levels: Vec<RawLevel>,
    descending: bool,
}

impl Side {
    fn new(descending: bool) -> Self {
        Self {
            levels: Vec::new(),
            descending,
        }
    }

    fn replace(&mut self, mut levels: Vec<RawLevel>) {
        levels.retain(|l| !l.size.0.is_zero());
        let desc = self.descending;
        if !levels.is_sorted_by(|a, b| {
            if desc {
                a.price > b.price
            } else {
                a.price < b.price
            }
        }) {
            levels.sort_by(|a, b| {
                if desc {
                    b.price.cmp(&a.price)
                } else {
                    a.price.cmp(&b.price)
                }
            });
            levels.dedup_by(|a, b| a.price == b.price);
        }
        self.levels = levels;
    }

    fn merge(&mut self, delta: Vec<RawLevel>) {
        let desc = self.descending;
        for l in delta {
            let found = self.levels.binary_search_by(|x| {
                if desc {
                    l.price.cmp(&x.price)
                } else {
                    x.price.cmp(&l.price)
                }
            });
            match (found, l.size.0.is_zero()) {
                (Ok(i), true) => {
                    self.levels.remove(i);
                }
                (Ok(i), false) => self.levels[i] = l,
                (Err(_), true) => {}
                (Err(i), false) => self.levels.insert(i, l),
            }
        }
    }

    fn top(&self, n: usize) -> Vec<(Price, Size)> {
        self.levels
            .iter()
            .take(n)
            .map(|l| (l.price, l.size))
            .collect()
    }
}

/// A local order book for one (channel, symbol).
#[derive(Debug, Clone)]
pub struct LocalBook {
    bids: Side,
    asks: Side,
    seq: Option<i64>,
    ts: Option<i64>,
    ready: bool,
    scratch: Vec<u8>,
}

impl Default for LocalBook {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalBook {
    /// An empty book waiting for its snapshot.
    pub fn new() -> Self {
        Self {
            bids: Side::new(true),
            asks: Side::new(false),
            seq: None,
            ts: None,
            ready: false,
            scratch: Vec::with_capacity(2048),
        }
    }

    /// Applies one push element. On error the book is marked not ready (the caller
    /// resubscribes; updates are then refused until a snapshot arrives).
    pub fn apply(&mut self, msg: RawBook, snapshot: bool) -> Result<(), BookError> {
        let r = self.apply_inner(msg, snapshot);
        if r.is_err() {
            self.ready = false;
        }
        r
    }

    fn apply_inner(&mut self, msg: RawBook, snapshot: bool) -> Result<(), BookError> {
        if snapshot {
            self.bids.replace(msg.bids);
            self.asks.replace(msg.asks);
            self.ready = true;
        } else {
            if !self.ready {
                return Err(BookError::NoSnapshot);
            }
            match (msg.pseq, self.seq) {
                (Some(p), Some(last)) if p != 0 && p != last => {
                    return Err(BookError::Gap { last, pseq: p });
                }
                _ => {}
            }
            self.bids.merge(msg.bids);
            self.asks.merge(msg.asks);
        }
        self.seq = msg.seq.or(self.seq);
        self.ts = msg.ts.or(self.ts);
        match msg.checksum {
            Some(pushed) if pushed != 0 => {
                let local = self.checksum();
                if i64::from(local) != pushed {
                    return Err(BookError::Checksum { local, pushed });
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Signed CRC-32 of `bid1:size:ask1:size:bid2:…` over the top 25 levels.
    pub fn checksum(&mut self) -> i32 {
        let s = &mut self.scratch;
        s.clear();
        for i in 0..CHECKSUM_DEPTH {
            for side in [&self.bids, &self.asks] {
                if let Some(l) = side.levels.get(i) {
                    if !s.is_empty() {
                        s.push(b':');
                    }
                    s.extend_from_slice(l.text.as_bytes());
                }
            }
        }
        // The wrap to i32 is the documented signed interpretation.
        crc32fast::hash(s) as i32
    }

    /// True once a snapshot was applied and no error happened since.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// `seq` of the last push applied.
    pub fn seq(&self) -> Option<i64> {
        self.seq
    }

    /// Exchange time of the last push applied (ms).
    pub fn ts(&self) -> Option<i64> {
        self.ts
    }

    /// Best `n` bids, best first.
    pub fn bids(&self, n: usize) -> Vec<(Price, Size)> {
        self.bids.top(n)
    }

    /// Best `n` asks, best first.
    pub fn asks(&self, n: usize) -> Vec<(Price, Size)> {
        self.asks.top(n)
    }

    /// Number of levels (bids, asks).
    pub fn depth(&self) -> (usize, usize) {
        (self.bids.levels.len(), self.asks.levels.len())
    }
}

/// Signed CRC-32 of an already built checksum string (as in the spec's worked examples).
pub fn checksum_of(text: &str) -> i32 {
    crc32fast::hash(text.as_bytes()) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(bids: &[(&str, &str)], asks: &[(&str, &str)], checksum: i64) -> RawBook {
        let lv = |v: &[(&str, &str)]| {
            serde_json::to_string(&v.iter().map(|(p, s)| [p, s]).collect::<Vec<_>>()).unwrap()
        };
        let text = format!(
            r#"{{"bids":{},"asks":{},"checksum":{checksum}}}"#,
            lv(bids),
            lv(asks)
        );
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn spec_checksum_strings() {
        assert_eq!(
            checksum_of("43231.1:4:43232.8:9:43231:6:43232.9:8"),
            -1504501796
        );
        assert_eq!(
            checksum_of("27000.0:2.710:27000.5:8.760:26999.5:1.460:27001.0:0.400"),
            -1751492126
        );
    }

    #[test]
    fn spec_examples_through_the_book() {
        let mut b = LocalBook::new();
        let m = raw(
            &[("43231.1", "4"), ("43231", "6")],
            &[("43232.8", "9"), ("43232.9", "8")],
            -1504501796,
        );
        assert_eq!(b.apply(m, true), Ok(()));
        let m = raw(
            &[("27000.0", "2.710"), ("26999.5", "1.460")],
            &[("27000.5", "8.760"), ("27001.0", "0.400")],
            -1751492126,
        );
        assert_eq!(b.apply(m, true), Ok(()));
        assert_eq!(b.bids(1)[0].0.to_string(), "27000.0");
    }

    #[test]
    fn deltas_merge_and_a_wrong_checksum_is_caught() {
        let mut b = LocalBook::new();
        b.apply(raw(&[("10", "1"), ("9", "2")], &[("11", "1")], 0), true)
            .unwrap();
        let m = raw(&[("10", "0"), ("9.5", "3")], &[("12", "4")], 0);
        b.apply(m, false).unwrap();
        let bids: Vec<String> = b.bids(5).iter().map(|l| l.0.to_string()).collect();
        assert_eq!(bids, ["9.5", "9"]);
        assert_eq!(b.depth(), (2, 2));
        let expect = checksum_of("9.5:3:11:1:9:2:12:4");
        assert_eq!(b.checksum(), expect);
        let bad = raw(&[], &[("13", "1")], 12345);
        assert!(matches!(
            b.apply(bad, false),
            Err(BookError::Checksum { .. })
        ));
        assert!(!b.is_ready());
        assert_eq!(b.apply(raw(&[], &[], 0), false), Err(BookError::NoSnapshot));
    }

    #[test]
    fn pseq_gap_and_reset() {
        let mut b = LocalBook::new();
        let mut m = raw(&[("10", "1")], &[("11", "1")], 0);
        m.seq = Some(5);
        b.apply(m, true).unwrap();
        let mut u = raw(&[("10", "2")], &[], 0);
        (u.seq, u.pseq) = (Some(6), Some(5));
        b.apply(u, false).unwrap();
        let mut reset = raw(&[("10", "3")], &[], 0);
        (reset.seq, reset.pseq) = (Some(1), Some(0));
        b.apply(reset, false).unwrap();
        let mut gap = raw(&[("10", "4")], &[], 0);
        (gap.seq, gap.pseq) = (Some(9), Some(7));
        assert_eq!(
            b.apply(gap, false),
            Err(BookError::Gap { last: 1, pseq: 7 })
        );
    }
}
