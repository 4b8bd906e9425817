//! The gate with a slow account cadence: an opening intent that finds the snapshot too old
//! asks AccountSync for a read and is checked against the snapshot that read brings — never
//! against the stale one; without an answer it is refused as stale.
#![allow(missing_docs, clippy::unwrap_used)]

use actix::prelude::*;
use rust_decimal_macros::dec;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;
use viper_actors::account_sync::RefreshAccount;
use viper_actors::events::{AccountSnapshot, PositionView, TradingState};
use viper_actors::intent::{Direction, OrderIntent};
use viper_actors::journal::OrderPhase;
use viper_actors::order_router::{Place, Placed, RouterError};
use viper_actors::risk_manager::{
    Gate, RiskLimits, RiskManager, Submit, SubmitError, UseRefresher,
};

struct Router;

impl Actor for Router {
    type Context = Context<Self>;
}

impl Handler<Place> for Router {
    type Result = Result<Placed, RouterError>;
    fn handle(&mut self, m: Place, _: &mut Self::Context) -> Self::Result {
        Ok(Placed {
            client_oid: m.0.into_inner().client_oid,
            phase: OrderPhase::Acknowledged,
            order_id: None,
        })
    }
}

/// Stands in for AccountSync: on each refresh, after `delay`, sends the gate a snapshot
/// read now holding `holds` (or nothing at all when `silent`).
struct Sync {
    gate: Option<Addr<RiskManager>>,
    holds: Vec<&'static str>,
    silent: bool,
    asked: usize,
}

impl Actor for Sync {
    type Context = Context<Self>;
}

impl Handler<RefreshAccount> for Sync {
    type Result = ();
    fn handle(&mut self, _: RefreshAccount, ctx: &mut Self::Context) {
        self.asked += 1;
        if self.silent {
            return;
        }
        let (gate, holds) = (self.gate.clone(), self.holds.clone());
        ctx.spawn(
            async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                if let Some(g) = gate {
                    g.do_send(snapshot(&holds, Instant::now()));
                }
            }
            .into_actor(self),
        );
    }
}

#[derive(Message)]
#[rtype(result = "usize")]
struct Asked(Option<Addr<RiskManager>>);

impl Handler<Asked> for Sync {
    type Result = usize;
    fn handle(&mut self, m: Asked, _: &mut Self::Context) -> usize {
        if m.0.is_some() {
            self.gate = m.0;
        }
        self.asked
    }
}

fn snapshot(symbols: &[&str], at: Instant) -> AccountSnapshot {
    AccountSnapshot {
        equity: dec!(100),
        available: dec!(90),
        positions: symbols
            .iter()
            .map(|s| PositionView {
                symbol: (*s).into(),
                long: true,
                size: dec!(1),
                entry: dec!(1),
                margin: dec!(0.9),
                leverage: dec!(10),
                stop_loss: Some(dec!(0.9)),
                take_profit: None,
            })
            .collect(),
        open_orders: vec![],
        tpsl_plans: vec![],
        at,
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

/// A gate whose only snapshot is a minute old, wired to a stand-in AccountSync.
async fn start(holds: &[&'static str], silent: bool) -> (Addr<RiskManager>, Addr<Sync>) {
    let limits = RiskLimits {
        max_intents_per_sec: 1000,
        max_snapshot_age: Duration::from_secs(5),
        ..RiskLimits::default()
    };
    let gate = Gate::new(limits, HashMap::new(), TradingState::Active);
    let risk = RiskManager::new(gate, 1, Router.start().recipient()).start();
    let sync = Sync {
        gate: None,
        holds: holds.to_vec(),
        silent,
        asked: 0,
    }
    .start();
    sync.send(Asked(Some(risk.clone()))).await.unwrap();
    risk.send(UseRefresher(sync.clone().recipient()))
        .await
        .unwrap();
    let old = Instant::now();
    tokio::time::advance(Duration::from_secs(60)).await;
    risk.send(snapshot(&[], old)).await.unwrap();
    (risk, sync)
}

fn refusal(r: &Result<Placed, SubmitError>) -> Option<&'static str> {
    match r {
        Err(SubmitError::Refused(r)) => Some(r.reason()),
        _ => None,
    }
}

#[actix_rt::test]
async fn a_stale_snapshot_is_refreshed_and_the_intent_checked_against_the_fresh_one() {
    tokio::time::pause();
    let (risk, sync) = start(&[], false).await;
    let r = risk.send(submit("A")).await.unwrap();
    assert!(r.is_ok(), "{:?}", refusal(&r));
    assert_eq!(sync.send(Asked(None)).await.unwrap(), 1);
    // The refreshed snapshot is young: the next intent needs no read of its own.
    let r = risk.send(submit("B")).await.unwrap();
    assert!(r.is_ok(), "{:?}", refusal(&r));
    assert_eq!(sync.send(Asked(None)).await.unwrap(), 1);
}

#[actix_rt::test]
async fn the_fresh_snapshot_decides_not_the_stale_one() {
    tokio::time::pause();
    // The stale snapshot is flat; the exchange now shows A held.
    let (risk, _sync) = start(&["A"], false).await;
    let r = risk.send(submit("A")).await.unwrap();
    assert_eq!(refusal(&r), Some("already_exposed"));
}

#[actix_rt::test]
async fn without_a_fresh_read_the_intent_is_refused_as_stale() {
    tokio::time::pause();
    let (risk, sync) = start(&[], true).await;
    let r = risk.send(submit("A")).await.unwrap();
    assert_eq!(refusal(&r), Some("stale_snapshot"));
    assert_eq!(sync.send(Asked(None)).await.unwrap(), 1);
}
