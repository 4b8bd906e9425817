//! One symbol's simulated market: a seeded geometric random walk with jumps (or a scripted
//! path), the synthetic order book it drives, 1-minute candles and the public trade tape.

use crate::config::SymbolConfig;
use crate::num::{ceil_to, floor_to, round_to};
use crate::recent::{PricePoint, PriceRing};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal, StandardNormal};
use rust_decimal::prelude::FromPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use std::cell::Cell;
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
    /// A candle was ever appended out of time order (the wall clock stepped back): the
    /// 24-hour statistics then scan every candle instead of using `closed_stats`.
    unsorted: bool,
    /// The 24-hour sums over the closed candles (all but the newest), which only change when
    /// a candle is added or leaves the window: a ticker render is then O(1), not O(candles).
    closed_stats: Cell<Option<ClosedStats>>,
    /// Prices after the latest moves (the engine records them: it numbers the moves).
    pub recent: PriceRing,
}

/// Sums over closed candles `from..len - 1` while the deque holds `len` candles starting at
/// `front_ts` (closed candles never change, so that identifies the range's content).
#[derive(Debug, Clone, Copy)]
struct ClosedStats {
    len: usize,
    front_ts: i64,
    from: usize,
    high: Option<Decimal>,
    low: Option<Decimal>,
    base_vol: Decimal,
    quote_vol: Decimal,
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
            unsorted: false,
            closed_stats: Cell::new(None),
            recent: PriceRing::new(PricePoint::default()),
        };
        m.seed_history(now_ms);
        m.rebuild_book();
        m.recent = PriceRing::new(m.point(0));
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
            back => {
                self.unsorted |= back.is_some_and(|c| c.ts > bucket);
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

    /// A book level's size: the configured size times a uniform draw in [0.2, 1.8), floored
    /// to the size step. The draw becomes a Decimal at 1e-12 resolution by integer scaling
    /// (`Decimal::from_f64`, 100 times per market move, was the largest cost of a tick), and
    /// a power-of-ten step floors by truncating places instead of dividing.
    fn random_size(&mut self) -> Decimal {
        let u: f64 = self.rng.random_range(0.2..1.8);
        let step = self.spec.size_multiplier;
        let raw = self.spec.book_level_size * Decimal::new((u * 1e12) as i64, 12);
        let floored = match places_of_power_of_ten(step) {
            Some(dp) => raw.round_dp_with_strategy(dp, RoundingStrategy::ToNegativeInfinity),
            None => floor_to(raw, step),
        };
        floored.max(step)
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

    /// The prices now, numbered `seq`.
    pub fn point(&self, seq: u64) -> PricePoint {
        PricePoint {
            seq,
            last: self.last,
            mark: self.mark,
            bid: self.best_bid().0,
            ask: self.best_ask().0,
        }
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
        let (Some(live), false) = (self.candles.back(), self.unsorted) else {
            return self.stats_24h_scan(since);
        };
        let len = self.candles.len();
        let from = self.candles.partition_point(|c| c.ts < since);
        if from == len {
            return (
                self.last,
                self.last,
                self.last,
                Decimal::ZERO,
                Decimal::ZERO,
            );
        }
        let closed = self.closed_stats(len, from);
        let open = self.candles.get(from).map_or(live.open, |c| c.open);
        let (mut hi, mut lo) = (self.last.max(live.high), self.last.min(live.low));
        if let (Some(h), Some(l)) = (closed.high, closed.low) {
            hi = hi.max(h);
            lo = lo.min(l);
        }
        (
            open,
            hi,
            lo,
            closed.base_vol + live.base_vol,
            closed.quote_vol + live.quote_vol,
        )
    }

    /// The closed candles' sums from `from`, cached until the candles or the window move.
    fn closed_stats(&self, len: usize, from: usize) -> ClosedStats {
        let front_ts = self.candles.front().map_or(0, |c| c.ts);
        if let Some(s) = self.closed_stats.get()
            && (s.len, s.front_ts, s.from) == (len, front_ts, from)
        {
            return s;
        }
        let mut s = ClosedStats {
            len,
            front_ts,
            from,
            high: None,
            low: None,
            base_vol: Decimal::ZERO,
            quote_vol: Decimal::ZERO,
        };
        for c in self.candles.range(from..len.saturating_sub(1)) {
            s.high = Some(s.high.map_or(c.high, |h| h.max(c.high)));
            s.low = Some(s.low.map_or(c.low, |l| l.min(c.low)));
            s.base_vol += c.base_vol;
            s.quote_vol += c.quote_vol;
        }
        self.closed_stats.set(Some(s));
        s
    }

    /// The same statistics by scanning every candle (candles out of time order).
    fn stats_24h_scan(&self, since: i64) -> (Decimal, Decimal, Decimal, Decimal, Decimal) {
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

/// `Some(k)` when `step` is exactly 10^-k (0.0001, 0.1, 1): flooring to it is truncating to k
/// places.
fn places_of_power_of_ten(step: Decimal) -> Option<u32> {
    let n = step.normalize();
    (n.mantissa() == 1).then(|| n.scale())
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

    #[test]
    fn power_of_ten_steps_floor_like_division() {
        assert_eq!(places_of_power_of_ten(dec!(0.0001)), Some(4));
        assert_eq!(places_of_power_of_ten(dec!(1)), Some(0));
        assert_eq!(places_of_power_of_ten(dec!(0.10)), Some(1));
        assert_eq!(places_of_power_of_ten(dec!(0.5)), None);
        assert_eq!(places_of_power_of_ten(dec!(10)), None);
        for (v, step) in [
            (dec!(1.23456), dec!(0.01)),
            (dec!(0.00019), dec!(0.0001)),
            (dec!(7.9), dec!(1)),
        ] {
            let dp = places_of_power_of_ten(step).expect("power of ten");
            assert_eq!(
                v.round_dp_with_strategy(dp, RoundingStrategy::ToNegativeInfinity),
                floor_to(v, step)
            );
        }
    }

    #[test]
    fn cached_24h_stats_equal_a_full_scan() {
        let mut m = Market::new(default_symbols().remove(0), 3, 1_700_000_000_000);
        let day = 24 * 60 * MINUTE_MS;
        // Steps every 37 s over 30 h: candles are added and leave the window as now moves.
        for i in 0..(30 * 3600 / 37) {
            let now = 1_700_000_000_000 + i * 37_000;
            m.step(now, 37.0);
            for probe in [now + 59_999, now + day / 2] {
                assert_eq!(
                    m.stats_24h(probe),
                    m.stats_24h_scan(probe - day),
                    "at {probe}"
                );
            }
        }
        // A clock stepping back falls back to the scan and stays right.
        m.step(1_700_000_000_000, 1.0);
        let now = 1_700_000_000_000 + 31 * 3600 * 1000;
        assert_eq!(m.stats_24h(now), m.stats_24h_scan(now - day));
    }
}
