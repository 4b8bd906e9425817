//! The `books` channel's per-connection view: snapshot, then deltas against what this
//! connection was last sent, with `seq`/`pseq` and the CRC-32 checksum of spec §7.7.

use crate::market::Levels;
use crate::num::fmt;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Price levels as sent: price → (price text, size text).
type Side = BTreeMap<Decimal, (String, String)>;

/// What one connection believes one symbol's book is.
#[derive(Default)]
pub struct BookView {
    bids: Side,
    asks: Side,
    /// `seq` of the last push.
    pub seq: u64,
}

fn to_side(levels: &Levels) -> Side {
    levels
        .iter()
        .map(|(p, s)| (*p, (fmt(*p), fmt(*s))))
        .collect()
}

fn delta(old: &Side, new: &Side) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (p, (pt, _)) in old {
        if !new.contains_key(p) {
            out.push((pt.clone(), "0".to_string()));
        }
    }
    for (p, level) in new {
        if old.get(p) != Some(level) {
            out.push(level.clone());
        }
    }
    out
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

impl BookView {
    /// Replaces the view with `bids`/`asks`; returns `(bids, asks, checksum, seq, pseq)` where
    /// the levels are everything (snapshot) or only what changed (update).
    #[allow(clippy::type_complexity)]
    pub fn advance(
        &mut self,
        bids: &Levels,
        asks: &Levels,
        snapshot: bool,
    ) -> (Vec<(String, String)>, Vec<(String, String)>, i32, u64, u64) {
        let (nb, na) = (to_side(bids), to_side(asks));
        let (db, da) = if snapshot {
            (
                nb.values().rev().cloned().collect(),
                na.values().cloned().collect(),
            )
        } else {
            let mut db = delta(&self.bids, &nb);
            db.sort_by(|a, b| {
                b.0.parse::<Decimal>()
                    .ok()
                    .cmp(&a.0.parse::<Decimal>().ok())
            });
            let mut da = delta(&self.asks, &na);
            da.sort_by(|a, b| {
                a.0.parse::<Decimal>()
                    .ok()
                    .cmp(&b.0.parse::<Decimal>().ok())
            });
            (db, da)
        };
        self.bids = nb;
        self.asks = na;
        let top_b: Vec<(String, String)> = self.bids.values().rev().take(25).cloned().collect();
        let top_a: Vec<(String, String)> = self.asks.values().take(25).cloned().collect();
        let pseq = self.seq;
        self.seq += 1;
        (db, da, checksum(&top_b, &top_a), self.seq, pseq)
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
