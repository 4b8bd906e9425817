//! One symbol's simulated market: a seeded geometric random walk with jumps (or a scripted
//! path), the synthetic order book it drives, 1-minute candles and the public trade tape.

use crate::config::SymbolConfig;
use crate::num::{ceil_to, floor_to, round_to};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal, StandardNormal};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use std::collections::VecDeque;

/// Levels generated per side of the book.
pub const BOOK_DEPTH: usize = 50;
const MINUTE_MS: i64 = 60_000;
const MAX_CANDLES: usize = 3000;
const MAX_TRADES: usize = 200;
const HISTORY_CANDLES: usize = 300;
const YEAR_SECS: f64 = 365.0 * 24.0 * 3600.0;

/// A 1-minute candle.
#[derive(Debug, Clone, PartialEq)]
pub struct Candle {
    /// Start of the minute, ms.
    pub ts: i64,
    /// Open price.
    pub open: Decimal,
    /// High price.
    pub high: Decimal,
    /// Low price.
    pub low: Decimal,
    /// Close price.
    pub close: Decimal,
    /// Traded base volume.
    pub base_vol: Decimal,
    /// Traded quote volume.
    pub quote_vol: Decimal,
}

/// A public trade on the tape.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicTrade {
    /// Trade id.
    pub id: u64,
    /// Time, ms.
    pub ts: i64,
    /// Price.
    pub price: Decimal,
    /// Size (base coin).
    pub size: Decimal,
    /// Taker side, `buy` or `sell`.
    pub side: &'static str,
}

/// One side of the book: `(price, size)` levels, best first.
pub type Levels = Vec<(Decimal, Decimal)>;

/// A symbol's market state.
pub struct Market {
    /// The contract spec and process parameters.
    pub spec: SymbolConfig,
    /// Price tick.
    pub tick: Decimal,
    /// Last traded price.
    pub last: Decimal,
    /// Mark price.
    pub mark: Decimal,
    /// Bids, best (highest) first.
    pub bids: Levels,
    /// Asks, best (lowest) first.
    pub asks: Levels,
    /// 1-minute candles, oldest first.
    pub candles: VecDeque<Candle>,
    /// Recent public trades, newest last.
    pub trades: VecDeque<PublicTrade>,
    /// Number of steps taken.
    pub steps: u64,
    /// Book update sequence.
    pub seq: u64,
    rng: StdRng,
    scripted: VecDeque<Decimal>,
    next_trade_id: u64,
}

impl Market {
    /// Builds the market with `HISTORY_CANDLES` minutes of seeded history ending at `now_ms`.
    pub fn new(spec: SymbolConfig, seed: u64, now_ms: i64) -> Self {
        let tick = spec.price_end_step * Decimal::new(1, spec.price_place);
        let salt = spec
            .symbol
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(131).wrapping_add(b as u64));
        let mut m = Market {
            last: spec.start_price,
            mark: spec.start_price,
            tick,
            spec,
            bids: Vec::new(),
            asks: Vec::new(),
            candles: VecDeque::new(),
            trades: VecDeque::new(),
            steps: 0,
            seq: 0,
            rng: StdRng::seed_from_u64(seed ^ salt),
            scripted: VecDeque::new(),
            next_trade_id: 1_000_000_000_000_000_000 + salt % 1_000_000,
        };
        m.seed_history(now_ms);
        m.rebuild_book();
        m
    }

    /// Walks backwards from the start price so that the history ends at it.
    fn seed_history(&mut self, now_ms: i64) {
        let start = now_ms - now_ms % MINUTE_MS - (HISTORY_CANDLES as i64) * MINUTE_MS;
        let mut path = Vec::with_capacity(HISTORY_CANDLES * 4);
        let mut p = self.spec.start_price;
        for _ in 0..HISTORY_CANDLES * 4 {
            path.push(p);
            p = self.next_random_price(p, 15.0);
        }
        path.reverse();
        for (i, price) in path.into_iter().enumerate() {
            let ts = start + (i as i64) * 15_000;
            let size = self.random_size();
            self.record(ts, price, size);
        }
        self.last = self.spec.start_price;
        self.mark = self.spec.start_price;
    }

    /// Advances the market by one tick of `dt_secs` market seconds at wall time `now_ms`.
    pub fn step(&mut self, now_ms: i64, dt_secs: f64) {
        let next = match self.scripted.pop_front() {
            Some(p) => p,
            None => self.next_random_price(self.last, dt_secs),
        };
        self.steps += 1;
        let size = self.random_size();
        self.set_last(now_ms, next, size);
    }

    /// Jumps to `price` now (and the mark to `mark`, or to the price).
    pub fn jump(&mut self, now_ms: i64, price: Decimal, mark: Option<Decimal>) {
        let size = self.random_size();
        self.set_last(now_ms, price, size);
        if let Some(m) = mark {
            self.mark = m;
        }
    }

    /// Queues prices that the next ticks will take, one per tick.
    pub fn script(&mut self, path: impl IntoIterator<Item = Decimal>) {
        self.scripted.extend(path);
    }

    fn set_last(&mut self, now_ms: i64, price: Decimal, size: Decimal) {
        let price = round_to(price, self.tick).max(self.tick);
        self.record(now_ms, price, size);
        self.last = price;
        self.mark = price;
        self.rebuild_book();
    }

    fn record(&mut self, ts: i64, price: Decimal, size: Decimal) {
        let side = if price >= self.last { "buy" } else { "sell" };
        self.last = price;
        let bucket = ts - ts.rem_euclid(MINUTE_MS);
        match self.candles.back_mut() {
            Some(c) if c.ts == bucket => {
                c.high = c.high.max(price);
                c.low = c.low.min(price);
                c.close = price;
                c.base_vol += size;
                c.quote_vol += size * price;
            }
            _ => {
                self.candles.push_back(Candle {
                    ts: bucket,
                    open: price,
                    high: price,
                    low: price,
                    close: price,
                    base_vol: size,
                    quote_vol: size * price,
                });
                if self.candles.len() > MAX_CANDLES {
                    self.candles.pop_front();
                }
            }
        }
        self.push_trade(ts, price, size, side);
    }

    /// Adds a trade to the public tape (our own fills appear there too).
    pub fn push_trade(&mut self, ts: i64, price: Decimal, size: Decimal, side: &'static str) {
        self.next_trade_id += 1;
        self.trades.push_back(PublicTrade {
            id: self.next_trade_id,
            ts,
            price,
            size,
            side,
        });
        if self.trades.len() > MAX_TRADES {
            self.trades.pop_front();
        }
    }

    /// One step of the geometric random walk with Poisson jumps. The random draws are
    /// statistics (f64); the resulting price is a Decimal rounded to the tick.
    fn next_random_price(&mut self, price: Decimal, dt_secs: f64) -> Decimal {
        let dt = dt_secs / YEAR_SECS;
        let z: f64 = StandardNormal.sample(&mut self.rng);
        let mut ret = self.spec.volatility * dt.sqrt() * z;
        let jump_p = self.spec.jumps_per_hour * dt_secs / 3600.0;
        if self.rng.random_bool(jump_p.clamp(0.0, 1.0))
            && let Ok(n) = Normal::new(0.0, self.spec.jump_sigma.max(0.0))
        {
            ret += n.sample(&mut self.rng);
        }
        let factor = Decimal::from_f64(ret.exp()).unwrap_or(Decimal::ONE);
        round_to(price * factor, self.tick).max(self.tick)
    }

    fn random_size(&mut self) -> Decimal {
        let u: f64 = self.rng.random_range(0.2..1.8);
        let step = self.spec.size_multiplier;
        let raw = self.spec.book_level_size * Decimal::from_f64(u).unwrap_or(Decimal::ONE);
        floor_to(raw, step).max(step)
    }

    /// Regenerates the synthetic book around the last price.
    fn rebuild_book(&mut self) {
        self.seq += 1;
        let best_bid = floor_to(self.last - self.tick, self.tick).max(self.tick);
        let best_ask = ceil_to(self.last + self.tick, self.tick);
        let mut bids = Vec::with_capacity(BOOK_DEPTH);
        let mut asks = Vec::with_capacity(BOOK_DEPTH);
        for i in 0..BOOK_DEPTH {
            let off = self.tick * Decimal::from(i as u64);
            let b = self.random_size();
            let a = self.random_size();
            if best_bid - off > Decimal::ZERO {
                bids.push((best_bid - off, b));
            }
            asks.push((best_ask + off, a));
        }
        self.bids = bids;
        self.asks = asks;
    }

    /// Best bid `(price, size)`.
    pub fn best_bid(&self) -> (Decimal, Decimal) {
        self.bids
            .first()
            .copied()
            .unwrap_or((self.last, Decimal::ZERO))
    }

    /// Best ask `(price, size)`.
    pub fn best_ask(&self) -> (Decimal, Decimal) {
        self.asks
            .first()
            .copied()
            .unwrap_or((self.last, Decimal::ZERO))
    }

    /// 24-hour statistics: `(open, high, low, base volume, quote volume)`.
    pub fn stats_24h(&self, now_ms: i64) -> (Decimal, Decimal, Decimal, Decimal, Decimal) {
        let since = now_ms - 24 * 60 * MINUTE_MS;
        let mut it = self.candles.iter().filter(|c| c.ts >= since).peekable();
        let open = it.peek().map(|c| c.open).unwrap_or(self.last);
        let (mut hi, mut lo, mut bv, mut qv) = (self.last, self.last, Decimal::ZERO, Decimal::ZERO);
        for c in it {
            hi = hi.max(c.high);
            lo = lo.min(c.low);
            bv += c.base_vol;
            qv += c.quote_vol;
        }
        (open, hi, lo, bv, qv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_symbols;
    use rust_decimal_macros::dec;

    #[test]
    fn same_seed_same_path_and_prices_on_tick() {
        let spec = default_symbols().remove(0);
        let mut a = Market::new(spec.clone(), 7, 1_700_000_000_000);
        let mut b = Market::new(spec.clone(), 7, 1_700_000_000_000);
        let mut c = Market::new(spec, 8, 1_700_000_000_000);
        let mut diverged = false;
        for i in 0..500 {
            a.step(1_700_000_000_000 + i * 250, 60.0);
            b.step(1_700_000_000_000 + i * 250, 60.0);
            c.step(1_700_000_000_000 + i * 250, 60.0);
            assert_eq!(a.last, b.last);
            assert!(crate::num::is_multiple(a.last, a.tick));
            diverged |= a.last != c.last;
        }
        assert_eq!(a.bids, b.bids);
        assert!(diverged, "a different seed must give a different path");
    }

    #[test]
    fn book_is_sorted_around_last_and_script_wins() {
        let mut m = Market::new(default_symbols().remove(0), 1, 0);
        m.script([dec!(70000), dec!(70000.5)]);
        m.step(1000, 1.0);
        assert_eq!(m.last, dec!(70000));
        m.step(2000, 1.0);
        assert_eq!(m.last, dec!(70000.5));
        assert!(m.best_bid().0 < m.last && m.best_ask().0 > m.last);
        assert!(m.bids.windows(2).all(|w| w[0].0 > w[1].0));
        assert!(m.asks.windows(2).all(|w| w[0].0 < w[1].0));
        let last = m.candles.back().expect("candle");
        assert_eq!(last.close, dec!(70000.5));
        assert!(m.candles.len() >= 300);
    }
}
