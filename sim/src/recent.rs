//! A market's prices after each of its latest moves, numbered by the engine's move counter:
//! the audit judges a refused TP/SL trigger against the market as it stood when the request
//! arrived, not only as it stood when the request was handled (an injected delay or a busy
//! lock lets the market tick in between).

use rust_decimal::Decimal;
use std::collections::VecDeque;

/// Moves kept per market: at four ticks a second about a minute, far beyond any injected
/// request delay.
pub const KEEP: usize = 256;

/// A market's prices after one move.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PricePoint {
    /// The engine's move counter after this move (0 for the opening prices).
    pub seq: u64,
    /// Last traded price.
    pub last: Decimal,
    /// Mark price.
    pub mark: Decimal,
    /// Best bid.
    pub bid: Decimal,
    /// Best ask.
    pub ask: Decimal,
}

/// The latest moves of one market, oldest first, at most [`KEEP`]; allocated once.
#[derive(Debug, Clone)]
pub struct PriceRing {
    points: VecDeque<PricePoint>,
}

impl PriceRing {
    /// A ring that starts with the market's opening prices.
    pub fn new(first: PricePoint) -> Self {
        let mut points = VecDeque::with_capacity(KEEP);
        points.push_back(first);
        Self { points }
    }

    /// Records a move, forgetting the oldest when full.
    pub fn push(&mut self, p: PricePoint) {
        if self.points.len() >= KEEP {
            self.points.pop_front();
        }
        self.points.push_back(p);
    }

    /// The prices in force once the engine had made `seq` moves: the newest point numbered at
    /// most `seq`. None when that moment is older than every point kept.
    pub fn at(&self, seq: u64) -> Option<PricePoint> {
        self.points.iter().rev().find(|p| p.seq <= seq).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(seq: u64, price: i64) -> PricePoint {
        let p = Decimal::from(price);
        PricePoint {
            seq,
            last: p,
            mark: p,
            bid: p - Decimal::ONE,
            ask: p + Decimal::ONE,
        }
    }

    #[test]
    fn answers_the_prices_in_force_after_a_move_number() {
        let mut r = PriceRing::new(point(0, 100));
        r.push(point(3, 101));
        r.push(point(7, 99));
        assert_eq!(r.at(0).map(|p| p.last), Some(Decimal::from(100)));
        assert_eq!(r.at(2).map(|p| p.last), Some(Decimal::from(100)));
        assert_eq!(r.at(3).map(|p| p.last), Some(Decimal::from(101)));
        assert_eq!(r.at(6).map(|p| p.last), Some(Decimal::from(101)));
        assert_eq!(r.at(1_000).map(|p| p.last), Some(Decimal::from(99)));
    }

    #[test]
    fn forgets_the_oldest_and_says_so() {
        let mut r = PriceRing::new(point(0, 100));
        for i in 1..=KEEP as u64 {
            r.push(point(i, 100 + i as i64));
        }
        assert_eq!(r.points.len(), KEEP);
        assert_eq!(r.at(0), None, "the opening prices were forgotten");
        assert_eq!(r.at(1).map(|p| p.seq), Some(1));
    }
}
