//! The order gate as an actor, with tokio's paused clock and a probe in the router's place:
//! concurrent intents cannot both pass, an approved order goes forward to the router, an
//! order in flight stays reserved across newer snapshots until the exchange confirms it, and
//! a refusal before sending releases it.
#![allow(missing_docs, clippy::unwrap_used)]

use actix::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;
use viper_actors::events::{AccountSnapshot, PositionView, TradingState};
use viper_actors::intent::{Direction, OrderIntent, OrderTicket};
use viper_actors::journal::OrderPhase;
use viper_actors::order_router::{OrderEvent, Place, Placed, RouterError};
use viper_actors::refusal::Refusal;
use viper_actors::risk_manager::{Gate, RiskLimits, RiskManager, Submit, SubmitError};

/// Stands in for the router: records every order, answers after `delay` with `phase`, or
/// refuses symbols in `refuse` as the last check would.
struct ProbeRouter {
    seen: Vec<OrderTicket>,
    delay: Duration,
    phase: OrderPhase,
    refuse: Vec<String>,
}

impl Actor for ProbeRouter {
    type Context = Context<Self>;
}

impl Handler<Place> for ProbeRouter {
    type Result = ResponseFuture<Result<Placed, RouterError>>;
    fn handle(&mut self, m: Place, _: &mut Self::Context) -> Self::Result {
        let t = m.0.into_inner();
        self.seen.push(t.clone());
        let (delay, phase) = (self.delay, self.phase);
        let refused = self.refuse.contains(&t.intent.symbol);
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            if refused {
                return Err(RouterError::LastCheck(Refusal::AlreadyExposed {
                    symbol: t.intent.symbol,
                }));
            }
            Ok(Placed {
                client_oid: t.client_oid,
                phase,
                order_id: None,
            })
        })
    }
}

#[derive(Message)]
#[rtype(result = "Vec<OrderTicket>")]
struct Seen;

impl Handler<Seen> for ProbeRouter {
    type Result = MessageResult<Seen>;
    fn handle(&mut self, _: Seen, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.seen.clone())
    }
}

fn position(symbol: &str) -> PositionView {
    PositionView {
        symbol: symbol.into(),
        long: true,
        size: dec!(1),
        entry: dec!(1),
        margin: dec!(0.9),
        leverage: dec!(10),
        stop_loss: Some(dec!(0.9)),
        take_profit: None,
    }
}

fn snapshot(symbols: &[&str]) -> AccountSnapshot {
    AccountSnapshot {
        equity: dec!(100),
        available: dec!(90),
        positions: symbols.iter().map(|s| position(s)).collect(),
        open_orders: vec![],
        tpsl_plans: vec![],
        at: Instant::now(),
    }
}

fn submit(symbol: &str) -> Submit {
    Submit {
        intent: OrderIntent {
            symbol: symbol.into(),
            direction: Direction::Buy,
            size: dec!(1),
            limit_price: None,
            reduce_only: false,
            take_profit: None,
            stop_loss: Some(dec!(0.5)),
            reason: "t".into(),
        },
        price: dec!(8),
    }
}

fn start(
    delay: Duration,
    phase: OrderPhase,
    refuse: &[&str],
) -> (Addr<RiskManager>, Addr<ProbeRouter>) {
    let router = ProbeRouter {
        seen: vec![],
        delay,
        phase,
        refuse: refuse.iter().map(|s| s.to_string()).collect(),
    }
    .start();
    let limits = RiskLimits {
        max_intents_per_sec: 1000,
        ..RiskLimits::default()
    };
    let gate = Gate::new(limits, HashMap::new(), TradingState::Active);
    let risk = RiskManager::new(gate, 1, router.clone().recipient()).start();
    (risk, router)
}

fn reason(r: &Result<Placed, SubmitError>) -> Option<&'static str> {
    match r {
        Err(SubmitError::Refused(r)) => Some(r.reason()),
        _ => None,
    }
}

#[actix_rt::test]
async fn two_concurrent_intents_for_the_last_slot_cannot_both_pass() {
    tokio::time::pause();
    let (risk, router) = start(Duration::from_secs(5), OrderPhase::Acknowledged, &[]);
    risk.send(snapshot(&["A", "B"])).await.unwrap();
    // Both asked before either answer comes back (the router takes 5 s).
    let (c, d) = tokio::join!(risk.send(submit("C")), risk.send(submit("D")));
    let (c, d) = (c.unwrap(), d.unwrap());
    let passed = [&c, &d].iter().filter(|r| r.is_ok()).count();
    assert_eq!(passed, 1, "{c:?} {d:?}");
    assert!([reason(&c), reason(&d)].contains(&Some("max_positions")));
    let seen = router.send(Seen).await.unwrap();
    assert_eq!(seen.len(), 1, "only the approved order goes forward");
    assert_eq!(seen[0].margin, dec!(0.8016), "1 × 8 × 1.002 / 10 reserved");
    // Same symbol twice at once: one is already exposed.
    let (e1, e2) = tokio::join!(risk.send(submit("E")), risk.send(submit("E")));
    let (e1, e2) = (e1.unwrap(), e2.unwrap());
    assert!(e1.is_err() && e2.is_err(), "no slot left: {e1:?} {e2:?}");
}

#[actix_rt::test]
async fn an_unknown_order_stays_reserved_until_a_snapshot_after_its_confirmation() {
    tokio::time::pause();
    let (risk, _router) = start(Duration::from_millis(2100), OrderPhase::Unknown, &[]);
    risk.send(snapshot(&[])).await.unwrap();
    let placed = risk.send(submit("A")).await.unwrap().unwrap();
    assert_eq!(placed.phase, OrderPhase::Unknown);
    // Newer snapshots that do not show it prove nothing: it may still be applied.
    tokio::time::advance(Duration::from_secs(30)).await;
    risk.send(snapshot(&[])).await.unwrap();
    assert_eq!(
        reason(&risk.send(submit("A")).await.unwrap()),
        Some("already_exposed")
    );
    // Settlement finds it filled; a snapshot read before that instant still counts it.
    let read_before = snapshot(&[]);
    tokio::time::advance(Duration::from_millis(10)).await;
    risk.send(OrderEvent {
        client_oid: placed.client_oid.clone(),
        symbol: "A".into(),
        phase: OrderPhase::Filled,
        reduce_only: false,
        at: Instant::now(),
    })
    .await
    .unwrap();
    risk.send(read_before).await.unwrap();
    assert_eq!(
        reason(&risk.send(submit("A")).await.unwrap()),
        Some("already_exposed")
    );
    // Read after: it shows the position — still exposed, now by the snapshot.
    tokio::time::advance(Duration::from_millis(10)).await;
    risk.send(snapshot(&["A"])).await.unwrap();
    assert_eq!(
        reason(&risk.send(submit("A")).await.unwrap()),
        Some("already_exposed")
    );
    // The position closed (stop-loss): the symbol is free again.
    tokio::time::advance(Duration::from_millis(10)).await;
    risk.send(snapshot(&[])).await.unwrap();
    assert!(risk.send(submit("A")).await.unwrap().is_ok());
}

#[actix_rt::test]
async fn a_refusal_before_sending_releases_the_reservation() {
    tokio::time::pause();
    let (risk, router) = start(Duration::from_millis(100), OrderPhase::Acknowledged, &["A"]);
    risk.send(snapshot(&["X", "Y"])).await.unwrap();
    let a = risk.send(submit("A")).await.unwrap();
    assert!(
        matches!(a, Err(SubmitError::Router(RouterError::LastCheck(_)))),
        "{a:?}"
    );
    // Nothing was sent: the third slot is free for another symbol.
    assert!(risk.send(submit("B")).await.unwrap().is_ok());
    assert_eq!(router.send(Seen).await.unwrap().len(), 2);
    let total: Decimal = router
        .send(Seen)
        .await
        .unwrap()
        .iter()
        .map(|t| t.margin)
        .sum();
    assert!(total > Decimal::ZERO);
}
