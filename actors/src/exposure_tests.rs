use super::*;
use crate::events::{OpenOrderView, PositionView};
use rust_decimal_macros::dec;
use std::time::Duration;

fn ms(t0: Instant, n: u64) -> Instant {
    t0 + Duration::from_millis(n)
}

fn pos(symbol: &str, margin: Decimal) -> PositionView {
    PositionView {
        symbol: symbol.into(),
        long: true,
        size: dec!(1),
        entry: dec!(1),
        margin,
        leverage: dec!(10),
        stop_loss: Some(dec!(0.9)),
        take_profit: None,
    }
}

fn order(symbol: &str, remaining: Decimal, price: Decimal, reduce_only: bool) -> OpenOrderView {
    OpenOrderView {
        symbol: symbol.into(),
        client_oid: None,
        order_id: "1".into(),
        remaining,
        price: Some(price),
        reduce_only,
    }
}

fn snap(
    at: Instant,
    positions: Vec<PositionView>,
    open_orders: Vec<OpenOrderView>,
) -> AccountSnapshot {
    AccountSnapshot {
        equity: dec!(100),
        available: dec!(90),
        positions,
        open_orders,
        tpsl_plans: vec![],
        at,
    }
}

fn syms(e: &Exposure) -> Vec<&str> {
    e.symbols.iter().map(String::as_str).collect()
}

#[test]
fn the_snapshot_counts_positions_and_opening_orders_not_reduce_only_ones() {
    let t0 = Instant::now();
    let l = Ledger::new();
    let lim = ExposureLimits::default();
    let s = snap(
        t0,
        vec![pos("A", dec!(0.8))],
        vec![
            order("B", dec!(0.05), dec!(100), false),
            order("C", dec!(1), dec!(100), true),
        ],
    );
    let e = l.exposure(&s, &lim);
    assert_eq!(syms(&e), vec!["A", "B"]);
    assert_eq!(e.margin, dec!(1.3), "0.8 + 0.05 × 100 / 10");
    assert_eq!(e.positions(), 2);
}

#[test]
fn each_unconfirmed_phase_counts_whatever_the_snapshot_age() {
    let t0 = Instant::now();
    for phase in [OrderPhase::Intent, OrderPhase::Sent, OrderPhase::Unknown] {
        let mut l = Ledger::new();
        l.reserve("o1", "A", dec!(0.9), phase);
        let later = snap(ms(t0, 60_000), vec![], vec![]);
        l.observe(later.at);
        let e = l.exposure(&later, &ExposureLimits::default());
        assert_eq!(syms(&e), vec!["A"], "{phase:?} is exposure until proven");
        assert_eq!(e.margin, dec!(0.9));
    }
}

#[test]
fn a_confirmed_opening_counts_until_a_snapshot_read_after_its_confirmation() {
    let t0 = Instant::now();
    let lim = ExposureLimits::default();
    for phase in [
        OrderPhase::Acknowledged,
        OrderPhase::Live,
        OrderPhase::Filled,
    ] {
        let mut l = Ledger::new();
        l.reserve("o1", "A", dec!(0.9), OrderPhase::Sent);
        l.record("o1", "A", phase, ms(t0, 100), dec!(1));
        // Read started before the confirmation: it does not show the order.
        let before = snap(ms(t0, 99), vec![], vec![]);
        l.observe(before.at);
        assert_eq!(
            syms(&l.exposure(&before, &lim)),
            vec!["A"],
            "{phase:?} unseen"
        );
        // Read started after: the snapshot shows it, and only once.
        let after = snap(ms(t0, 101), vec![pos("A", dec!(0.95))], vec![]);
        let e = l.exposure(&after, &lim);
        assert_eq!((syms(&e), e.margin), (vec!["A"], dec!(0.95)));
        l.observe(after.at);
        assert_eq!(l.openings().count(), 0, "{phase:?} retired");
    }
}

#[test]
fn a_resting_order_seen_in_a_later_snapshot_is_counted_once() {
    let t0 = Instant::now();
    let mut l = Ledger::new();
    l.reserve("o1", "A", dec!(0.5), OrderPhase::Sent);
    l.record("o1", "A", OrderPhase::Live, ms(t0, 10), dec!(1));
    let s = snap(
        ms(t0, 20),
        vec![],
        vec![order("A", dec!(0.05), dec!(100), false)],
    );
    let e = l.exposure(&s, &ExposureLimits::default());
    assert_eq!((e.positions(), e.margin), (1, dec!(0.5)));
}

#[test]
fn an_opening_closed_or_refused_before_the_snapshot_is_not_exposure() {
    let t0 = Instant::now();
    for phase in [
        OrderPhase::Cancelled,
        OrderPhase::Rejected,
        OrderPhase::Filled,
    ] {
        let mut l = Ledger::new();
        l.reserve("o1", "A", dec!(0.9), OrderPhase::Sent);
        l.record("o1", "A", phase, ms(t0, 10), dec!(1));
        // Filled then stopped out before the read: nothing left, nothing counted.
        let s = snap(ms(t0, 11), vec![], vec![]);
        assert!(
            l.exposure(&s, &ExposureLimits::default())
                .symbols
                .is_empty()
        );
    }
}

#[test]
fn two_approvals_in_one_millisecond_and_a_snapshot_showing_one_is_the_issue_race() {
    // Both approved at t0; the limiter spaces the sends: A fills at t0+50, B at t0+150. A
    // snapshot whose read started at t0+100 — after both approvals — shows only A. B is
    // already `filled` in the journal. Three positions allowed: a third passes, a fourth not.
    let t0 = Instant::now();
    let lim = ExposureLimits::default();
    let mut l = Ledger::new();
    l.reserve("a", "A", dec!(0.9), OrderPhase::Intent);
    l.reserve("b", "B", dec!(0.9), OrderPhase::Intent);
    for (oid, sym, at) in [("a", "A", 50), ("b", "B", 150)] {
        l.record(oid, sym, OrderPhase::Sent, ms(t0, at - 10), dec!(1));
        l.record(oid, sym, OrderPhase::Acknowledged, ms(t0, at), dec!(1));
        l.record(oid, sym, OrderPhase::Filled, ms(t0, at + 1), dec!(1));
    }
    let s = snap(ms(t0, 100), vec![pos("A", dec!(0.9))], vec![]);
    l.observe(s.at);
    let e = l.exposure(&s, &lim);
    assert_eq!(
        syms(&e),
        vec!["A", "B"],
        "B counts: it was filled after the read began"
    );
    assert_eq!(e.margin, dec!(1.8));
    assert_eq!(l.admit(&s, "C", dec!(0.9), &lim), Ok(()));
    l.reserve("c", "C", dec!(0.9), OrderPhase::Intent);
    assert_eq!(
        l.admit(&s, "D", dec!(0.9), &lim),
        Err(Refusal::TooManyPositions {
            exposed: 3,
            limit: 3
        })
    );
    assert_eq!(
        l.admit(&s, "B", dec!(0.1), &lim),
        Err(Refusal::AlreadyExposed { symbol: "B".into() })
    );
}

#[test]
fn margin_limits_at_under_and_over() {
    let t0 = Instant::now();
    let lim = ExposureLimits {
        max_positions: 20,
        ..ExposureLimits::default()
    };
    let mut l = Ledger::new();
    l.reserve("x", "X", dec!(0.5), OrderPhase::Unknown);
    let s = snap(t0, vec![pos("A", dec!(8.5))], vec![]);
    assert_eq!(
        l.admit(&s, "B", dec!(1), &lim),
        Ok(()),
        "8.5 + 0.5 + 1 = 10 is at the limit"
    );
    assert_eq!(
        l.admit(&s, "B", dec!(1.01), &lim),
        Err(Refusal::PositionMargin {
            margin: dec!(1.01),
            limit: dec!(1)
        })
    );
    l.reserve("y", "Y", dec!(0.001), OrderPhase::Intent);
    assert_eq!(
        l.admit(&s, "B", dec!(1), &lim),
        Err(Refusal::TotalMargin {
            total: dec!(10.001),
            limit: dec!(10)
        })
    );
}

#[test]
fn phases_only_move_forward_and_unknown_rows_are_adopted_at_the_ceiling() {
    let t0 = Instant::now();
    let mut l = Ledger::new();
    l.record("r", "R", OrderPhase::Unknown, t0, dec!(1));
    l.record("r", "R", OrderPhase::Filled, ms(t0, 5), dec!(1));
    // A late create answer must not move it back (nor move its confirmation).
    l.record("r", "R", OrderPhase::Acknowledged, ms(t0, 500), dec!(1));
    let (_, o) = l.openings().next().unwrap();
    assert_eq!(
        (o.phase, o.confirmed_at, o.margin),
        (OrderPhase::Filled, Some(ms(t0, 5)), dec!(1))
    );
    l.forget("r");
    assert_eq!(l.openings().count(), 0);
}
