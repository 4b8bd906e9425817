//! The RiskManager: turns an `OrderIntent` into `RiskApproved<OrderIntent>` or a refusal with
//! a reason, against the freshest account snapshot, the trading state and the capital limits.
//!
//! "Position size" means margin: margin = notional / leverage, notional = size × price. The
//! limits: margin per position; total margin in use — open positions plus resting orders that
//! could open; the number of symbols exposed — positions, opening orders and approved intents
//! not yet visible in a snapshot; and the contract minimums (an order the limits would force
//! below `minTradeNum`/`minTradeUSDT` is refused, never rounded up past a limit).

use crate::events::{AccountSnapshot, TradingState, TradingStateChanged};
use crate::intent::{OrderIntent, RiskApproved};
use crate::strategy::ContractRules;
use actix::prelude::*;
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

/// Capital limits (margin = notional / leverage).
#[derive(Debug, Clone)]
pub struct RiskLimits {
    /// Margin of one position, USDT.
    pub max_position_margin: Decimal,
    /// Margin of all positions plus resting opening orders, USDT.
    pub max_total_margin: Decimal,
    /// Open positions, counting pending opening orders.
    pub max_positions: usize,
    /// Leverage used for every order.
    pub leverage: u32,
    /// An account snapshot older than this is not trusted for opening orders.
    pub max_snapshot_age: Duration,
    /// Intents evaluated per second at most; more are refused (a flood is not queued).
    pub max_intents_per_sec: usize,
    /// A market order's margin is estimated at the reference price moved this fraction
    /// against us (it fills at the book, not at the last price).
    pub market_slippage: Decimal,
}

impl Default for RiskLimits {
    fn default() -> Self {
        Self {
            max_position_margin: Decimal::ONE,
            max_total_margin: Decimal::TEN,
            max_positions: 3,
            leverage: 10,
            max_snapshot_age: Duration::from_secs(10),
            max_intents_per_sec: 5,
            market_slippage: Decimal::new(2, 3),
        }
    }
}

/// Why an intent was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused: {0}")]
pub struct Refusal(pub String);

/// Evaluate an intent; `price` is the reference price the strategy saw.
#[derive(Debug, Message)]
#[rtype(result = "Result<RiskApproved<OrderIntent>, Refusal>")]
pub struct Evaluate {
    /// The intent.
    pub intent: OrderIntent,
    /// Reference price (for market orders): the ask for a buy, the bid for a sell.
    pub price: Decimal,
}

/// Ask the current trading state.
#[derive(Debug, Message)]
#[rtype(result = "TradingState")]
pub struct GetTradingState;

/// The risk manager actor.
pub struct RiskManager {
    limits: RiskLimits,
    rules: HashMap<String, ContractRules>,
    state: TradingState,
    snapshot: Option<AccountSnapshot>,
    pending_opens: Vec<(String, Decimal, Instant)>,
    recent: VecDeque<Instant>,
}

impl RiskManager {
    /// Starts in `state` (Halted until the system says reconciliation completed).
    pub fn new(
        limits: RiskLimits,
        rules: HashMap<String, ContractRules>,
        state: TradingState,
    ) -> Self {
        Self {
            limits,
            rules,
            state,
            snapshot: None,
            pending_opens: Vec::new(),
            recent: VecDeque::new(),
        }
    }

    fn throttled(&mut self) -> bool {
        let now = Instant::now();
        while self
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1))
        {
            self.recent.pop_front();
        }
        if self.recent.len() >= self.limits.max_intents_per_sec {
            return true;
        }
        self.recent.push_back(now);
        false
    }

    /// The whole rule set; on approval the intent counts as pending until a snapshot shows it.
    pub fn check(&mut self, i: &OrderIntent, price: Decimal) -> Result<(), Refusal> {
        let refuse = |m: String| Err(Refusal(m));
        if self.throttled() {
            return refuse(format!(
                "throttled: more than {} intents per second",
                self.limits.max_intents_per_sec
            ));
        }
        match self.state {
            TradingState::Halted => return refuse("trading is halted".into()),
            TradingState::Reducing if !i.reduce_only => {
                return refuse("trading is reducing: only reduce-only orders".into());
            }
            _ => {}
        }
        if i.size <= Decimal::ZERO {
            return refuse("size must be positive".into());
        }
        if i.reduce_only {
            return Ok(());
        }
        // A limit order fills at its price or better; a market order at the book, so its
        // margin is estimated with a slippage buffer.
        let px = i
            .limit_price
            .unwrap_or(price * (Decimal::ONE + self.limits.market_slippage));
        if let Some(r) = self.rules.get(&i.symbol) {
            if i.size < r.min_size {
                return refuse(format!(
                    "size {} below the contract minimum minTradeNum {}",
                    i.size, r.min_size
                ));
            }
            if i.size * px < r.min_notional {
                return refuse(format!(
                    "notional {} below the contract minimum minTradeUSDT {}",
                    i.size * px,
                    r.min_notional
                ));
            }
        }
        if i.stop_loss.is_none() {
            return refuse("an opening order needs an exchange-side stop-loss".into());
        }
        let Some(snap) = &self.snapshot else {
            return refuse("no account snapshot yet".into());
        };
        if snap.at.elapsed() > self.limits.max_snapshot_age {
            return refuse(format!("account snapshot is {:?} old", snap.at.elapsed()));
        }
        // Approved intents count until a snapshot newer than their approval shows them.
        self.pending_opens.retain(|(_, _, at)| *at > snap.at);
        let lev = Decimal::from(self.limits.leverage.max(1));
        let opening: Vec<_> = snap.open_orders.iter().filter(|o| !o.reduce_only).collect();
        let mut exposed: BTreeSet<&str> =
            snap.positions.iter().map(|p| p.symbol.as_str()).collect();
        exposed.extend(opening.iter().map(|o| o.symbol.as_str()));
        exposed.extend(self.pending_opens.iter().map(|p| p.0.as_str()));
        if exposed.contains(i.symbol.as_str()) {
            return refuse(format!("already exposed in {}", i.symbol));
        }
        if exposed.len() >= self.limits.max_positions {
            return refuse(format!(
                "{} symbols exposed (positions and opening orders); limit {}",
                exposed.len(),
                self.limits.max_positions
            ));
        }
        let margin = i.size * px / lev;
        if margin > self.limits.max_position_margin {
            return refuse(format!(
                "margin {margin} exceeds the per-position limit {}",
                self.limits.max_position_margin
            ));
        }
        let in_use = snap.positions.iter().map(|p| p.margin).sum::<Decimal>()
            + opening
                .iter()
                .map(|o| o.remaining * o.price.unwrap_or(px) / lev)
                .sum::<Decimal>()
            + self.pending_opens.iter().map(|p| p.1).sum::<Decimal>();
        if in_use + margin > self.limits.max_total_margin {
            return refuse(format!(
                "total margin {} would exceed {}",
                in_use + margin,
                self.limits.max_total_margin
            ));
        }
        self.pending_opens
            .push((i.symbol.clone(), margin, Instant::now()));
        Ok(())
    }
}

impl Actor for RiskManager {
    type Context = Context<Self>;
}

impl Handler<Evaluate> for RiskManager {
    type Result = Result<RiskApproved<OrderIntent>, Refusal>;
    fn handle(&mut self, m: Evaluate, _: &mut Self::Context) -> Self::Result {
        match self.check(&m.intent, m.price) {
            Ok(()) => Ok(RiskApproved::approve(m.intent)),
            Err(r) => {
                metrics::counter!("viper_risk_refusals_total").increment(1);
                tracing::info!(actor = "risk_manager", symbol = %m.intent.symbol, reason = %r.0, "intent refused");
                Err(r)
            }
        }
    }
}

impl Handler<AccountSnapshot> for RiskManager {
    type Result = ();
    fn handle(&mut self, m: AccountSnapshot, _: &mut Self::Context) {
        self.snapshot = Some(m);
    }
}

impl Handler<TradingStateChanged> for RiskManager {
    type Result = ();
    fn handle(&mut self, m: TradingStateChanged, _: &mut Self::Context) {
        if m.state != self.state {
            tracing::warn!(actor = "risk_manager", from = self.state.as_str(), to = m.state.as_str(), reason = %m.reason, "trading state");
            metrics::counter!("viper_trading_state_transitions_total", "to" => m.state.as_str())
                .increment(1);
            self.state = m.state;
        }
    }
}

impl Handler<GetTradingState> for RiskManager {
    type Result = MessageResult<GetTradingState>;
    fn handle(&mut self, _: GetTradingState, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{OpenOrderView, PositionView};
    use crate::intent::Direction;
    use rust_decimal_macros::dec;

    fn rm(state: TradingState) -> RiskManager {
        let rules = HashMap::from([(
            "BTCUSDT".to_string(),
            ContractRules {
                tick: dec!(0.1),
                size_step: dec!(0.0001),
                min_size: dec!(0.0001),
                min_notional: dec!(5),
            },
        )]);
        let limits = RiskLimits {
            max_intents_per_sec: 1000,
            ..RiskLimits::default()
        };
        RiskManager::new(limits, rules, state)
    }

    fn snap(
        positions: Vec<(&str, Decimal)>,
        orders: Vec<(&str, Decimal, Decimal)>,
    ) -> AccountSnapshot {
        AccountSnapshot {
            equity: dec!(100),
            available: dec!(90),
            positions: positions
                .into_iter()
                .map(|(s, m)| PositionView {
                    symbol: s.into(),
                    long: true,
                    size: dec!(1),
                    entry: dec!(1),
                    margin: m,
                    leverage: dec!(10),
                    stop_loss: Some(dec!(0.9)),
                    take_profit: None,
                })
                .collect(),
            open_orders: orders
                .into_iter()
                .map(|(s, rem, px)| OpenOrderView {
                    symbol: s.into(),
                    client_oid: None,
                    order_id: "1".into(),
                    remaining: rem,
                    price: Some(px),
                    reduce_only: false,
                })
                .collect(),
            tpsl_plans: vec![],
            at: Instant::now(),
        }
    }

    fn intent(symbol: &str, size: Decimal) -> OrderIntent {
        OrderIntent {
            symbol: symbol.into(),
            direction: Direction::Buy,
            size,
            limit_price: None,
            reduce_only: false,
            take_profit: None,
            stop_loss: Some(dec!(1)),
            reason: "t".into(),
        }
    }

    fn limit(symbol: &str, size: Decimal, price: Decimal) -> OrderIntent {
        OrderIntent {
            limit_price: Some(price),
            ..intent(symbol, size)
        }
    }

    #[test]
    fn per_position_margin_at_under_and_over_the_limit() {
        // 1 USDT at 10x = 10 USDT of notional: a limit at 100 → 0.1 is exactly at the limit.
        for (size, ok) in [(dec!(0.1), true), (dec!(0.099), true), (dec!(0.101), false)] {
            let mut r = rm(TradingState::Active);
            r.snapshot = Some(snap(vec![], vec![]));
            let res = r.check(&limit("ETHUSDT", size, dec!(100)), dec!(100));
            assert_eq!(res.is_ok(), ok, "size {size}: {res:?}");
        }
        // A market order at the limit is refused: it fills at the book, not at the reference.
        let mut r = rm(TradingState::Active);
        r.snapshot = Some(snap(vec![], vec![]));
        assert!(r.check(&intent("ETHUSDT", dec!(0.1)), dec!(100)).is_err());
        assert!(r.check(&intent("XRPUSDT", dec!(0.099)), dec!(100)).is_ok());
    }

    #[test]
    fn total_margin_counts_positions_and_resting_opening_orders() {
        let mut r = rm(TradingState::Active);
        r.limits.max_positions = 10;
        // 8.5 in positions + a resting order of 0.5 → 9; one more at 1.0 → exactly 10: allowed.
        r.snapshot = Some(snap(
            vec![("A", dec!(8.5))],
            vec![("B", dec!(0.05), dec!(100))],
        ));
        assert!(
            r.check(&limit("ETHUSDT", dec!(0.1), dec!(100)), dec!(100))
                .is_ok()
        );
        // The approved intent now counts: anything more is over 10.
        let refused = r
            .check(&limit("SOLUSDT", dec!(0.001), dec!(100)), dec!(100))
            .unwrap_err();
        assert!(refused.0.contains("total margin"), "{refused}");
    }

    #[test]
    fn positions_count_opening_orders_and_pending_intents() {
        let mut r = rm(TradingState::Active);
        r.snapshot = Some(snap(
            vec![("A", dec!(0.1))],
            vec![("B", dec!(0.001), dec!(100))],
        ));
        assert!(
            r.check(&intent("C", dec!(0.01)), dec!(100)).is_ok(),
            "third"
        );
        let refused = r.check(&intent("D", dec!(0.01)), dec!(100)).unwrap_err();
        assert!(refused.0.contains("limit 3"), "{refused}");
        assert!(
            r.check(&intent("A", dec!(0.01)), dec!(100))
                .unwrap_err()
                .0
                .contains("already exposed")
        );
    }

    #[test]
    fn minimums_states_stops_and_floods() {
        let mut r = rm(TradingState::Active);
        r.snapshot = Some(snap(vec![], vec![]));
        assert!(
            r.check(&intent("BTCUSDT", dec!(0.00005)), dec!(65000))
                .unwrap_err()
                .0
                .contains("minTradeNum")
        );
        assert!(
            r.check(&intent("BTCUSDT", dec!(0.0001)), dec!(40000))
                .unwrap_err()
                .0
                .contains("minTradeUSDT")
        );
        let mut no_stop = intent("BTCUSDT", dec!(0.0001));
        no_stop.stop_loss = None;
        assert!(
            r.check(&no_stop, dec!(65000))
                .unwrap_err()
                .0
                .contains("stop-loss")
        );
        let mut h = rm(TradingState::Halted);
        h.snapshot = Some(snap(vec![], vec![]));
        assert!(
            h.check(&intent("BTCUSDT", dec!(0.0001)), dec!(65000))
                .is_err()
        );
        let mut red = rm(TradingState::Reducing);
        red.snapshot = Some(snap(vec![], vec![]));
        let mut reduce = intent("BTCUSDT", dec!(0.0001));
        reduce.reduce_only = true;
        assert!(red.check(&reduce, dec!(65000)).is_ok());
        assert!(
            red.check(&intent("BTCUSDT", dec!(0.0001)), dec!(65000))
                .is_err()
        );
        let mut f = rm(TradingState::Active);
        f.limits.max_intents_per_sec = 3;
        f.snapshot = Some(snap(vec![], vec![]));
        let results: Vec<bool> = (0..5)
            .map(|_| f.check(&reduce, dec!(65000)).is_ok())
            .collect();
        assert_eq!(
            results,
            vec![true, true, true, false, false],
            "a flood is refused, not queued"
        );
    }
}
