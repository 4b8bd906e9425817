use super::*;
use crate::events::{OpenOrderView, PositionView};
use crate::intent::Direction;
use crate::strategy::ContractRules;
use rust_decimal_macros::dec;
use std::collections::HashMap;

fn gate(state: TradingState) -> Gate {
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
    Gate::new(limits, rules, state)
}

fn snap(positions: Vec<(&str, Decimal)>, orders: Vec<(&str, Decimal, Decimal)>) -> AccountSnapshot {
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

/// Check, and reserve on approval, as the actor does.
fn pass(g: &mut Gate, i: &OrderIntent, price: Decimal, oid: &str) -> Result<Decimal, Refusal> {
    let m = g.check(i, price)?;
    g.reserve(oid, &i.symbol, m);
    Ok(m)
}

#[test]
fn per_position_margin_at_under_and_over_the_limit() {
    // 1 USDT at 10x = 10 USDT of notional: a limit at 100 → 0.1 is exactly at the limit.
    for (size, ok) in [(dec!(0.1), true), (dec!(0.099), true), (dec!(0.101), false)] {
        let mut g = gate(TradingState::Active);
        g.observe(snap(vec![], vec![]));
        let res = g.check(&limit("ETHUSDT", size, dec!(100)), dec!(100));
        assert_eq!(res.is_ok(), ok, "size {size}: {res:?}");
    }
    // A market order at the limit is refused: it fills at the book, not at the reference.
    let mut g = gate(TradingState::Active);
    g.observe(snap(vec![], vec![]));
    assert!(matches!(
        g.check(&intent("ETHUSDT", dec!(0.1)), dec!(100)),
        Err(Refusal::PositionMargin { .. })
    ));
    assert!(g.check(&intent("XRPUSDT", dec!(0.099)), dec!(100)).is_ok());
}

#[test]
fn total_margin_counts_positions_resting_orders_and_reservations() {
    let mut g = gate(TradingState::Active);
    g.limits.max_positions = 10;
    g.exposure_limits.max_positions = 10;
    // 8.5 in positions + a resting order of 0.5 → 9; one more at 1.0 → exactly 10: allowed.
    g.observe(snap(
        vec![("A", dec!(8.5))],
        vec![("B", dec!(0.05), dec!(100))],
    ));
    assert_eq!(
        pass(
            &mut g,
            &limit("ETHUSDT", dec!(0.1), dec!(100)),
            dec!(100),
            "o1"
        ),
        Ok(dec!(1))
    );
    // The reservation now counts: anything more is over 10.
    assert!(matches!(
        g.check(&limit("SOLUSDT", dec!(0.001), dec!(100)), dec!(100)),
        Err(Refusal::TotalMargin { .. })
    ));
}

#[test]
fn positions_count_opening_orders_and_reservations() {
    let mut g = gate(TradingState::Active);
    g.observe(snap(
        vec![("A", dec!(0.1))],
        vec![("B", dec!(0.001), dec!(100))],
    ));
    assert!(
        pass(&mut g, &intent("C", dec!(0.01)), dec!(100), "o1").is_ok(),
        "third"
    );
    assert_eq!(
        g.check(&intent("D", dec!(0.01)), dec!(100)),
        Err(Refusal::TooManyPositions {
            exposed: 3,
            limit: 3
        })
    );
    assert_eq!(
        g.check(&intent("A", dec!(0.01)), dec!(100)),
        Err(Refusal::AlreadyExposed { symbol: "A".into() })
    );
    // A newer snapshot does not drop a reservation the exchange has not confirmed.
    g.observe(snap(
        vec![("A", dec!(0.1))],
        vec![("B", dec!(0.001), dec!(100))],
    ));
    assert!(g.exposed().0.contains("C"));
}

#[test]
fn minimums_states_stops_and_floods() {
    let mut g = gate(TradingState::Active);
    g.observe(snap(vec![], vec![]));
    assert_eq!(
        g.check(&intent("BTCUSDT", dec!(0.00005)), dec!(65000))
            .unwrap_err()
            .reason(),
        "below_min_size"
    );
    assert_eq!(
        g.check(&intent("BTCUSDT", dec!(0.0001)), dec!(40000))
            .unwrap_err()
            .reason(),
        "below_min_notional"
    );
    let mut no_stop = intent("BTCUSDT", dec!(0.0001));
    no_stop.stop_loss = None;
    assert_eq!(g.check(&no_stop, dec!(65000)), Err(Refusal::NoStopLoss));
    let mut h = gate(TradingState::Halted);
    h.observe(snap(vec![], vec![]));
    assert_eq!(
        h.check(&intent("BTCUSDT", dec!(0.0001)), dec!(65000)),
        Err(Refusal::Halted)
    );
    let mut red = gate(TradingState::Reducing);
    red.observe(snap(vec![], vec![]));
    let mut reduce = intent("BTCUSDT", dec!(0.0001));
    reduce.reduce_only = true;
    assert_eq!(red.check(&reduce, dec!(65000)), Ok(Decimal::ZERO));
    assert_eq!(
        red.check(&intent("BTCUSDT", dec!(0.0001)), dec!(65000)),
        Err(Refusal::Reducing)
    );
    let mut paused = gate(TradingState::Paused);
    paused.observe(snap(vec![], vec![]));
    assert_eq!(paused.check(&reduce, dec!(65000)), Ok(Decimal::ZERO));
    assert_eq!(
        paused.check(&intent("BTCUSDT", dec!(0.0001)), dec!(65000)),
        Err(Refusal::Paused)
    );
    let mut f = gate(TradingState::Active);
    f.limits.max_intents_per_sec = 3;
    f.observe(snap(vec![], vec![]));
    let results: Vec<bool> = (0..5)
        .map(|_| f.check(&reduce, dec!(65000)).is_ok())
        .collect();
    assert_eq!(
        results,
        vec![true, true, true, false, false],
        "a flood is refused, not queued"
    );
    let mut none = gate(TradingState::Active);
    assert_eq!(
        none.check(&intent("BTCUSDT", dec!(0.0001)), dec!(65000)),
        Err(Refusal::NoSnapshot)
    );
}

#[test]
fn a_preset_on_the_wrong_side_of_the_price_is_refused_locally_and_reserves_nothing() {
    let mut g = gate(TradingState::Active);
    g.observe(snap(vec![], vec![]));
    let with =
        |dir: Direction, limit: Option<Decimal>, tp: Option<Decimal>, sl: Decimal| OrderIntent {
            direction: dir,
            limit_price: limit,
            take_profit: tp,
            stop_loss: Some(sl),
            ..intent("BTCUSDT", dec!(0.0001))
        };
    let wrong = |which: &'static str, trigger: Decimal, price: Decimal| {
        Err(Refusal::PresetWrongSide {
            which,
            trigger,
            price,
        })
    };
    let px = dec!(65000);
    // Long: the stop below and the take-profit above the ask it buys at.
    let long_sl = with(Direction::Buy, None, None, dec!(65000));
    assert_eq!(g.check(&long_sl, px), wrong("stop-loss", px, px));
    let long_tp = with(Direction::Buy, None, Some(dec!(64999.9)), dec!(64800));
    assert_eq!(
        g.check(&long_tp, px),
        wrong("take-profit", dec!(64999.9), px)
    );
    // Short: the reverse, against the bid it sells at.
    let short_sl = with(Direction::Sell, None, Some(dec!(64000)), dec!(64999.9));
    assert_eq!(
        g.check(&short_sl, px),
        wrong("stop-loss", dec!(64999.9), px)
    );
    let short_tp = with(Direction::Sell, None, Some(dec!(65000.1)), dec!(65200));
    assert_eq!(
        g.check(&short_tp, px),
        wrong("take-profit", dec!(65000.1), px)
    );
    // A limit buy below the market: its stop must also be below its own price.
    let limit_sl = with(Direction::Buy, Some(dec!(64500)), None, dec!(64600));
    assert_eq!(
        g.check(&limit_sl, px),
        wrong("stop-loss", dec!(64600), dec!(64500))
    );
    assert_eq!(
        g.check(&long_sl, px).unwrap_err().reason(),
        "preset_wrong_side"
    );
    assert!(g.exposed().0.is_empty(), "nothing reserved");
    // The right sides pass.
    let ok_long = with(Direction::Buy, None, Some(dec!(65200)), dec!(64800));
    let ok_short = with(Direction::Sell, None, Some(dec!(64800)), dec!(65200));
    let ok_limit = with(
        Direction::Buy,
        Some(dec!(64500)),
        Some(dec!(65200)),
        dec!(64400),
    );
    for i in [ok_long, ok_short, ok_limit] {
        assert!(g.check(&i, px).is_ok(), "{i:?}");
    }
}
