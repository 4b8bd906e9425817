//! The `books` channel's per-connection view: snapshot, then deltas against what this
//! connection was last sent, with `seq`/`pseq` and the CRC-32 checksum of spec §7.7.
//!
//! The levels of one market move are formatted once ([`BookLevels`]) and shared by every
//! connection (`frame.rs`); a view remembers which levels it was sent, so a connection that
//! saw the previous move can send the delta computed once for everybody.

use crate::market::Levels;
use crate::num::fmt;
use rust_decimal::Decimal;
use std::fmt::Write;
use std::sync::Arc;

/// Price levels as sent, ascending by price: (price, price text, size text).
type Side = Vec<(Decimal, String, String)>;

/// Bids and asks as texts, with the checksum of their first 25 levels.
#[derive(Debug, Default, PartialEq)]
pub struct BookLevels {
    bids: Side,
    asks: Side,
    /// Checksum of the first 25 bids and asks.
    pub checksum: i32,
}

/// Changed levels, bids best (highest) first then asks best (lowest) first, each
/// `(price, size)` with size `"0"` for a level removed.
pub type Delta = (Vec<(String, String)>, Vec<(String, String)>);

/// Formats `levels`, ascending by price; a price given twice keeps its last size.
fn to_side(levels: &[(Decimal, Decimal)]) -> Side {
    let mut side: Side = levels
        .iter()
        .rev()
        .map(|(p, s)| (*p, fmt(*p), fmt(*s)))
        .collect();
    side.sort_by_key(|a| a.0);
    side.dedup_by(|later, kept| later.0 == kept.0);
    side
}

/// Levels removed (size `"0"`) or changed from `old` to `new`, in price order (ascending):
/// one merge of the two sorted sides.
fn delta(old: &Side, new: &Side) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    loop {
        match (old.get(i), new.get(j)) {
            (Some(o), Some(n)) if o.0 == n.0 => {
                if (&o.1, &o.2) != (&n.1, &n.2) {
                    out.push((n.1.clone(), n.2.clone()));
                }
                i += 1;
                j += 1;
            }
            (Some(o), Some(n)) if o.0 > n.0 => {
                out.push((n.1.clone(), n.2.clone()));
                j += 1;
            }
            (Some(o), _) => {
                out.push((o.1.clone(), "0".to_string()));
                i += 1;
            }
            (None, Some(n)) => {
                out.push((n.1.clone(), n.2.clone()));
                j += 1;
            }
            (None, None) => return out,
        }
    }
}

fn texts<'a>(it: impl Iterator<Item = &'a (Decimal, String, String)>) -> Vec<(String, String)> {
    it.map(|(_, p, s)| (p.clone(), s.clone())).collect()
}

/// Signed CRC-32 of the first 25 bids and asks interleaved, `bid:size:ask:size:…`.
pub fn checksum(bids: &[(String, String)], asks: &[(String, String)]) -> i32 {
    let mut parts: Vec<&str> = Vec::with_capacity(100);
    for i in 0..25 {
        if let Some((p, s)) = bids.get(i) {
            parts.push(p);
            parts.push(s);
        }
        if let Some((p, s)) = asks.get(i) {
            parts.push(p);
            parts.push(s);
        }
    }
    crc32fast::hash(parts.join(":").as_bytes()) as i32
}

impl BookLevels {
    /// Formats `bids` (best first) and `asks` (best first).
    pub fn of(bids: &[(Decimal, Decimal)], asks: &[(Decimal, Decimal)]) -> Self {
        Self::from_sides(to_side(bids), to_side(asks))
    }

    fn from_sides(bids: Side, asks: Side) -> Self {
        let top_b = texts(bids.iter().rev().take(25));
        let top_a = texts(asks.iter().take(25));
        let checksum = checksum(&top_b, &top_a);
        Self {
            bids,
            asks,
            checksum,
        }
    }

    /// The first `depth` levels of each side as their own book (`books1`/`5`/`15`).
    pub fn top(&self, depth: usize) -> Self {
        let skip = self.bids.len().saturating_sub(depth);
        let bids = self.bids[skip..].to_vec();
        let asks = self.asks.iter().take(depth).cloned().collect();
        Self::from_sides(bids, asks)
    }

    /// Every level, as a snapshot sends them.
    pub fn all(&self) -> Delta {
        (texts(self.bids.iter().rev()), texts(self.asks.iter()))
    }

    /// What changed from `old` (nothing sent yet = everything) to `self`.
    pub fn delta_from(&self, old: Option<&BookLevels>) -> Delta {
        let empty = Side::new();
        let (ob, oa) = old.map_or((&empty, &empty), |o| (&o.bids, &o.asks));
        let mut bids = delta(ob, &self.bids);
        bids.reverse();
        (bids, delta(oa, &self.asks))
    }
}

/// `"asks":[[p,s],…],"bids":[[p,s],…]`: the levels of a book push, serialized (prices and
/// sizes are decimal texts, nothing to escape).
pub fn levels_json((bids, asks): &Delta) -> String {
    let mut out = String::with_capacity(24 * (bids.len() + asks.len()) + 20);
    for (key, side) in [("asks", asks), ("bids", bids)] {
        if key == "bids" {
            out.push(',');
        }
        let _ = write!(out, "\"{key}\":[");
        for (i, (p, s)) in side.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(out, "{sep}[\"{p}\",\"{s}\"]");
        }
        out.push(']');
    }
    out
}

/// What one connection believes one symbol's book is.
#[derive(Default)]
pub struct BookView {
    /// The levels last sent.
    sent: Option<Arc<BookLevels>>,
    /// `seq` of the last push.
    pub seq: u64,
}

impl BookView {
    /// True when the levels last sent are exactly `levels` (the same shared value).
    pub fn was_sent(&self, levels: Option<&Arc<BookLevels>>) -> bool {
        match (&self.sent, levels) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Moves the view to `levels`; returns `(changed levels, seq, pseq)` where the levels are
    /// everything (snapshot), None when `shared` (the caller sends the delta computed once
    /// for every connection from the levels this view holds), or the delta computed here.
    pub fn advance_to(
        &mut self,
        levels: Arc<BookLevels>,
        snapshot: bool,
        shared: bool,
    ) -> (Option<Delta>, u64, u64) {
        let changed = match (snapshot, shared) {
            (true, _) => Some(levels.all()),
            (false, true) => None,
            (false, false) => Some(levels.delta_from(self.sent.as_deref())),
        };
        self.sent = Some(levels);
        let pseq = self.seq;
        self.seq += 1;
        (changed, self.seq, pseq)
    }

    /// Replaces the view with `bids`/`asks`; returns `(bids, asks, checksum, seq, pseq)` where
    /// the levels are everything (snapshot) or only what changed (update).
    #[allow(clippy::type_complexity)]
    pub fn advance(
        &mut self,
        bids: &Levels,
        asks: &Levels,
        snapshot: bool,
    ) -> (Vec<(String, String)>, Vec<(String, String)>, i32, u64, u64) {
        let levels = Arc::new(BookLevels::of(bids, asks));
        let checksum = levels.checksum;
        let (changed, seq, pseq) = self.advance_to(levels, snapshot, false);
        let (b, a) = changed.unwrap_or_default();
        (b, a, checksum, seq, pseq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn s(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn checksum_matches_the_spec_examples() {
        // Spec §7.7 worked examples (computed there with zlib CRC-32, signed).
        assert_eq!(
            checksum(
                &s(&[("43231.1", "4"), ("43231", "6")]),
                &s(&[("43232.8", "9"), ("43232.9", "8")])
            ),
            -1504501796
        );
        assert_eq!(
            checksum(
                &s(&[("27000.0", "2.710"), ("26999.5", "1.460")]),
                &s(&[("27000.5", "8.760"), ("27001.0", "0.400")])
            ),
            -1751492126
        );
    }

    #[test]
    fn deltas_remove_change_and_add() {
        let mut v = BookView::default();
        let (b, _, _, seq, _) = v.advance(
            &vec![(dec!(10), dec!(1)), (dec!(9), dec!(2))],
            &vec![(dec!(11), dec!(1))],
            true,
        );
        assert_eq!((b.len(), seq), (2, 1));
        let (b, a, _, seq, pseq) = v.advance(
            &vec![(dec!(10), dec!(3)), (dec!(8), dec!(1))],
            &vec![(dec!(11), dec!(1))],
            false,
        );
        assert_eq!(b, s(&[("10", "3"), ("9", "0"), ("8", "1")]));
        assert!(a.is_empty());
        assert_eq!((seq, pseq), (2, 1));
    }
}
