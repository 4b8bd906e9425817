//! Strategies: market ticks in, order intents out. The default is an honest trend follower:
//! a fast/slow EMA crossover with a cooldown, fixed TP/SL percentages, and a size derived from
//! the per-position margin limit — refused (not rounded up) below the contract minimums.

use crate::events::MarketTick;
use crate::intent::{Direction, OrderIntent};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// A contract's trading constraints (from `contracts`).
#[derive(Debug, Clone, PartialEq)]
pub struct ContractRules {
    /// Price tick.
    pub tick: Decimal,
    /// Size step.
    pub size_step: Decimal,
    /// Minimum size.
    pub min_size: Decimal,
    /// Minimum notional, USDT.
    pub min_notional: Decimal,
}

/// What a strategy may know besides the tick.
pub struct StrategyView<'a> {
    /// Whether a position (or pending order) exists in the symbol.
    pub exposed: bool,
    /// The symbol's rules.
    pub rules: Option<&'a ContractRules>,
}

/// A trading strategy.
pub trait Strategy {
    /// Name (logs).
    fn name(&self) -> &str;
    /// One tick in, at most one intent out.
    fn on_tick(&mut self, tick: &MarketTick, view: &StrategyView<'_>) -> Option<OrderIntent>;
}

/// Parameters of the trend strategy.
#[derive(Debug, Clone)]
pub struct TrendConfig {
    /// Fast EMA length in ticks.
    pub fast: u32,
    /// Slow EMA length in ticks.
    pub slow: u32,
    /// Minimum time between entries in one symbol.
    pub cooldown: Duration,
    /// Take-profit distance, fraction of entry (0.01 = 1 %).
    pub take_profit: Decimal,
    /// Stop-loss distance, fraction of entry.
    pub stop_loss: Decimal,
    /// Margin committed per position, USDT.
    pub margin: Decimal,
    /// Leverage.
    pub leverage: u32,
}

#[derive(Default)]
struct Track {
    fast: Decimal,
    slow: Decimal,
    n: u32,
    last_entry: Option<Instant>,
    above: Option<bool>,
}

/// EMA crossover trend follower.
pub struct TrendStrategy {
    cfg: TrendConfig,
    tracks: HashMap<String, Track>,
}

impl TrendStrategy {
    /// New strategy.
    pub fn new(cfg: TrendConfig) -> Self {
        Self {
            cfg,
            tracks: HashMap::new(),
        }
    }
}

fn ema(prev: Decimal, x: Decimal, len: u32) -> Decimal {
    let k = Decimal::TWO / Decimal::from(len + 1);
    prev + k * (x - prev)
}

/// Size for `margin × leverage` of notional at `price`, floored to the step; None when it
/// falls below the contract's minimum size or notional.
pub fn size_for(
    margin: Decimal,
    leverage: u32,
    price: Decimal,
    rules: &ContractRules,
) -> Option<Decimal> {
    if price <= Decimal::ZERO || rules.size_step <= Decimal::ZERO {
        return None;
    }
    let raw = margin * Decimal::from(leverage) / price;
    let size = (raw / rules.size_step).floor() * rules.size_step;
    (size >= rules.min_size && size * price >= rules.min_notional).then_some(size)
}

fn to_tick(p: Decimal, tick: Decimal) -> Decimal {
    if tick.is_zero() {
        p
    } else {
        (p / tick).round() * tick
    }
}

impl Strategy for TrendStrategy {
    fn name(&self) -> &str {
        "trend"
    }

    fn on_tick(&mut self, t: &MarketTick, view: &StrategyView<'_>) -> Option<OrderIntent> {
        let cfg = &self.cfg;
        let tr = self.tracks.entry(t.symbol.clone()).or_default();
        if tr.n == 0 {
            tr.fast = t.last;
            tr.slow = t.last;
        }
        tr.n += 1;
        tr.fast = ema(tr.fast, t.last, cfg.fast);
        tr.slow = ema(tr.slow, t.last, cfg.slow);
        let above = tr.fast > tr.slow;
        let crossed = tr.above.is_some_and(|a| a != above);
        tr.above = Some(above);
        if !crossed
            || tr.n < cfg.slow
            || view.exposed
            || tr.last_entry.is_some_and(|e| e.elapsed() < cfg.cooldown)
        {
            return None;
        }
        let rules = view.rules?;
        // Size against the price moved by the risk manager's slippage buffer, so a full-margin
        // entry is not refused for the spread.
        let size = size_for(
            cfg.margin,
            cfg.leverage,
            t.last * Decimal::new(1005, 3),
            rules,
        )?;
        tr.last_entry = Some(Instant::now());
        let (direction, tp, sl) = if above {
            (
                Direction::Buy,
                Decimal::ONE + cfg.take_profit,
                Decimal::ONE - cfg.stop_loss,
            )
        } else {
            (
                Direction::Sell,
                Decimal::ONE - cfg.take_profit,
                Decimal::ONE + cfg.stop_loss,
            )
        };
        Some(OrderIntent {
            symbol: t.symbol.clone(),
            direction,
            size,
            limit_price: None,
            reduce_only: false,
            take_profit: Some(to_tick(t.last * tp, rules.tick)),
            stop_loss: Some(to_tick(t.last * sl, rules.tick)),
            reason: format!(
                "trend: fast EMA {} slow EMA {}",
                tr.fast.round_dp(4),
                tr.slow.round_dp(4)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn btc() -> ContractRules {
        ContractRules {
            tick: dec!(0.1),
            size_step: dec!(0.0001),
            min_size: dec!(0.0001),
            min_notional: dec!(5),
        }
    }

    #[test]
    fn sizing_respects_minimums_without_rounding_up() {
        assert_eq!(
            size_for(dec!(1), 10, dec!(65000), &btc()),
            Some(dec!(0.0001))
        );
        assert_eq!(
            size_for(dec!(0.5), 10, dec!(65000), &btc()),
            None,
            "6.5 USDT would need rounding up"
        );
        let eth = ContractRules {
            tick: dec!(0.01),
            size_step: dec!(0.01),
            min_size: dec!(0.01),
            min_notional: dec!(5),
        };
        assert_eq!(
            size_for(dec!(1), 10, dec!(3200), &eth),
            None,
            "0.01 ETH is 32 USDT > 10 USDT of notional"
        );
    }

    #[test]
    fn crossover_emits_one_protected_intent_then_cools_down() {
        let mut s = TrendStrategy::new(TrendConfig {
            fast: 2,
            slow: 4,
            cooldown: Duration::from_secs(3600),
            take_profit: dec!(0.01),
            stop_loss: dec!(0.005),
            margin: dec!(1),
            leverage: 10,
        });
        let rules = btc();
        let view = StrategyView {
            exposed: false,
            rules: Some(&rules),
        };
        let tick = |p: Decimal| MarketTick {
            symbol: "BTCUSDT".into(),
            last: p,
            bid: None,
            ask: None,
            mark: None,
            exchange_ts_ms: 0,
            received: Instant::now(),
            source: crate::events::FeedSource::RestPoll,
        };
        let mut intents = Vec::new();
        for p in [
            65000, 64900, 64800, 64700, 64600, 64700, 65000, 65400, 65900, 66000, 65500, 65000,
            64000,
        ] {
            intents.extend(s.on_tick(&tick(Decimal::from(p)), &view));
        }
        assert_eq!(intents.len(), 1, "{intents:?}");
        let i = &intents[0];
        assert_eq!(i.direction, Direction::Buy);
        assert!(i.stop_loss.unwrap() < dec!(65400) && i.take_profit.unwrap() > dec!(65400));
    }
}
