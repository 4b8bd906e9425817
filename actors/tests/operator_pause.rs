//! The operator's pause and resume as CapitalWatch decides them, with a real gate, a real
//! journal (SQLite in a temporary directory) and a probe in the router's place: a pause
//! refuses openings and passes reduce-only orders, is persisted, and refuses to be repeated;
//! a resume clears it but an emergency latch only with the clearing form; each refusal
//! changes nothing. The stopped bot's `clear_pause` follows the same rules.
#![allow(missing_docs, clippy::unwrap_used)]

use actix::prelude::*;
use rust_decimal_macros::dec;
use std::collections::HashMap;
use std::time::Duration;
use viper_actors::capital::{
    CapitalConfig, CapitalWatch, ControlRefusal, EmergencyStop, GetControlState, LATCH_KEY, Pause,
    Resume, clear_pause, latched, paused, set_pause,
};
use viper_actors::events::TradingState;
use viper_actors::intent::{Direction, OrderIntent};
use viper_actors::journal::{Journal, OrderPhase};
use viper_actors::order_router::{Place, Placed, RouterError};
use viper_actors::refusal::Refusal;
use viper_actors::risk_manager::{
    Gate, GetTradingState, RiskLimits, RiskManager, Submit, SubmitError,
};

/// Acknowledges every order the gate forwards.
struct AckRouter;

impl Actor for AckRouter {
    type Context = Context<Self>;
}

impl Handler<Place> for AckRouter {
    type Result = Result<Placed, RouterError>;
    fn handle(&mut self, m: Place, _: &mut Self::Context) -> Self::Result {
        Ok(Placed {
            client_oid: m.0.into_inner().client_oid,
            phase: OrderPhase::Acknowledged,
            order_id: None,
        })
    }
}

fn submit(reduce_only: bool) -> Submit {
    Submit {
        intent: OrderIntent {
            symbol: "BTCUSDT".into(),
            direction: if reduce_only {
                Direction::Sell
            } else {
                Direction::Buy
            },
            size: dec!(0.0001),
            limit_price: None,
            reduce_only,
            take_profit: None,
            stop_loss: (!reduce_only).then_some(dec!(60000)),
            reason: "t".into(),
        },
        price: dec!(65000),
    }
}

fn start(dir: &std::path::Path) -> (Addr<CapitalWatch>, Addr<RiskManager>) {
    let gate = Gate::new(RiskLimits::default(), HashMap::new(), TradingState::Active);
    let risk = RiskManager::new(gate, 1, AckRouter.start().recipient()).start();
    // Never called: no flatten, no reads; the exchange-unreachable timer is an hour away.
    let rest =
        viper_bitget::RestClient::new(viper_bitget::RestConfig::custom("http://127.0.0.1:1", None));
    let cfg = CapitalConfig {
        emergency_equity: dec!(15),
        flatten: false,
        unreachable_after: Duration::from_secs(3600),
        max_position_margin: dec!(1),
        size_steps: HashMap::new(),
    };
    let capital = CapitalWatch::new(
        rest,
        Journal::open(dir).unwrap(),
        cfg,
        risk.clone().recipient(),
        vec![risk.clone().recipient()],
        TradingState::Active,
    )
    .start();
    (capital, risk)
}

fn refusal(r: Result<Placed, SubmitError>) -> Option<Refusal> {
    match r {
        Err(SubmitError::Refused(r)) => Some(r),
        _ => None,
    }
}

#[actix::test]
async fn a_pause_refuses_openings_passes_reductions_and_is_persisted() {
    let dir = tempfile::tempdir().unwrap();
    let (capital, risk) = start(dir.path());
    let journal = Journal::open(dir.path()).unwrap();
    let pause = || Pause {
        reason: "test pause".into(),
    };
    capital.send(pause()).await.unwrap().unwrap();
    assert_eq!(
        risk.send(GetTradingState).await.unwrap(),
        TradingState::Paused
    );
    assert_eq!(paused(&journal).as_deref(), Some("test pause"));
    assert_eq!(
        refusal(risk.send(submit(false)).await.unwrap()),
        Some(Refusal::Paused)
    );
    assert!(
        risk.send(submit(true)).await.unwrap().is_ok(),
        "reduce-only passes"
    );
    // Twice: one refusal, nothing changes.
    assert_eq!(
        capital.send(pause()).await.unwrap(),
        Err(ControlRefusal::AlreadyPaused {
            reason: "test pause".into()
        })
    );
    assert_eq!(
        risk.send(GetTradingState).await.unwrap(),
        TradingState::Paused
    );
    let resumed = capital
        .send(Resume {
            clear_emergency: false,
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (resumed.from, resumed.cleared_emergency),
        (TradingState::Paused, None)
    );
    assert_eq!(
        risk.send(GetTradingState).await.unwrap(),
        TradingState::Active
    );
    assert_eq!(paused(&journal), None, "resume cleared the persisted pause");
    assert_eq!(
        capital
            .send(Resume {
                clear_emergency: false
            })
            .await
            .unwrap(),
        Err(ControlRefusal::NotPaused)
    );
}

#[actix::test]
async fn an_emergency_latch_is_cleared_only_by_the_clearing_form() {
    let dir = tempfile::tempdir().unwrap();
    let (capital, risk) = start(dir.path());
    let journal = Journal::open(dir.path()).unwrap();
    capital
        .send(Pause {
            reason: "before".into(),
        })
        .await
        .unwrap()
        .unwrap();
    capital
        .send(EmergencyStop("operator: test".into()))
        .await
        .unwrap();
    assert_eq!(
        risk.send(GetTradingState).await.unwrap(),
        TradingState::Halted
    );
    let state = capital.send(GetControlState).await.unwrap();
    assert_eq!(state.label(), "emergency-latched");
    let plain = capital
        .send(Resume {
            clear_emergency: false,
        })
        .await
        .unwrap();
    assert!(
        matches!(plain, Err(ControlRefusal::EmergencyLatched { .. })),
        "{plain:?}"
    );
    assert!(
        plain.unwrap_err().to_string().contains("--clear-emergency"),
        "names the clearing form"
    );
    assert!(matches!(
        capital.send(Pause { reason: "x".into() }).await.unwrap(),
        Err(ControlRefusal::EmergencyLatched { .. })
    ));
    assert_eq!(
        risk.send(GetTradingState).await.unwrap(),
        TradingState::Halted
    );
    assert!(latched(&journal).is_some(), "still latched");
    let cleared = capital
        .send(Resume {
            clear_emergency: true,
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cleared.from, TradingState::Halted);
    assert!(cleared.cleared_emergency.is_some());
    assert_eq!(
        risk.send(GetTradingState).await.unwrap(),
        TradingState::Active
    );
    assert_eq!((latched(&journal), paused(&journal)), (None, None));
}

#[test]
fn a_stopped_bots_resume_keeps_a_latch_without_the_clearing_form() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path()).unwrap();
    assert_eq!(clear_pause(&journal, false), Err(ControlRefusal::NotPaused));
    set_pause(&journal, "offline").unwrap();
    journal
        .set_state(LATCH_KEY, "equity low", "test", 1)
        .unwrap();
    assert!(matches!(
        clear_pause(&journal, false),
        Err(ControlRefusal::EmergencyLatched { .. })
    ));
    assert_eq!(
        paused(&journal).as_deref(),
        Some("offline"),
        "nothing changed"
    );
    let r = clear_pause(&journal, true).unwrap();
    assert_eq!(r.cleared_emergency.as_deref(), Some("equity low"));
    assert_eq!((latched(&journal), paused(&journal)), (None, None));
}
