//! One journal commit per order, and what happens when that commit is lost: an order that
//! reached the exchange with the bot's clientOid prefix but is missing from the journal (a
//! journal restored from a backup, a disk that dropped its last write) is adopted — counted
//! in `viper_orders_adopted_total` and held as exposure — never forgotten, never sent again.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use rusqlite::Connection;
use serde_json::json;
use viper_actors::intent::{Direction, OrderIntent};
use viper_actors::journal::{Journal, OrderPhase};
use viper_actors::risk_manager::{Submit, SubmitError};

fn adopted(text: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with("viper_orders_adopted_total"))
        .and_then(|l| l.rsplit_once(' '))
        .and_then(|(_, v)| v.parse::<f64>().ok())
        .map_or(0, |v| v as u64)
}

/// A buy resting far under the market: live on the book until cancelled.
fn resting_buy() -> OrderIntent {
    OrderIntent {
        limit_price: Some(dec("60000")),
        ..intent("BTCUSDT", Direction::Buy, "0.0001", None, "59000")
    }
}

#[actix_rt::test]
async fn an_order_on_the_exchange_missing_from_the_journal_is_adopted_as_exposure() {
    // One process per test under nextest: this recorder is this test's alone.
    let metrics = viper::admin_metrics::install_recorder().unwrap();
    let sim = sim().await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = bot_config(dir.path());
    let bot = start_bot(&sim, &cfg).await;
    trading_active(&bot).await;
    let placed = bot
        .risk
        .send(Submit {
            intent: resting_buy(),
            price: dec("65000"),
        })
        .await
        .unwrap()
        .unwrap();
    let oid = placed.client_oid.clone();
    // One commit before the send: the row exists, already `sent` or later, never `intent`.
    let row = Journal::open(dir.path())
        .unwrap()
        .get(&oid)
        .unwrap()
        .unwrap();
    assert_ne!(row.phase, OrderPhase::Intent);
    eventually(30, "the order live on the book", || async {
        exchange_orders(&sim)
            .await
            .iter()
            .any(|o| o["clientOid"] == oid.as_str() && o["state"] == "live")
            .then_some(())
    })
    .await;
    assert_eq!(adopted(&metrics.render()), 0, "nothing to adopt yet");
    // The journal loses the row behind the bot's back.
    let db = Connection::open(dir.path().join("journal.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    let gone = db
        .execute("DELETE FROM orders WHERE client_oid = ?1", [&oid])
        .unwrap();
    assert_eq!(gone, 1);
    drop(db);
    // A private push makes the bot read the account now rather than in 30 s.
    set_price(&sim, "BTCUSDT", "65010").await;
    control(&sim, "POST", "/balance", json!({"balance": "1000"})).await;
    eventually(60, "the order to be adopted", || async {
        (adopted(&metrics.render()) >= 1).then_some(())
    })
    .await;
    // Exposure includes it: the symbol is taken, a second opening order is refused.
    let again = bot
        .risk
        .send(Submit {
            intent: intent("BTCUSDT", Direction::Buy, "0.0001", None, "64000"),
            price: dec("65010"),
        })
        .await
        .unwrap();
    match again {
        Err(SubmitError::Refused(r)) => assert_eq!(r.reason(), "already_exposed", "{r}"),
        other => panic!("the adopted order must hold its symbol: {other:?}"),
    }
    // Adopted, not re-sent: one create for that clientOid, and still one on the book.
    assert_eq!(place_requests(&sim, &oid).await, 1);
    let live = exchange_orders(&sim)
        .await
        .iter()
        .filter(|o| o["clientOid"] == oid.as_str() && o["state"] == "live")
        .count();
    assert_eq!(live, 1);
    // Counted once however many snapshots show it: two more reads (they run one after the
    // other, so the first one's snapshot was published before the second began).
    let reads = || async {
        control(
            &sim,
            "GET",
            "/requests?path=/api/v2/mix/account/accounts",
            json!({}),
        )
        .await["requests"]
            .as_array()
            .map_or(0, Vec::len)
    };
    let before = reads().await;
    control(&sim, "POST", "/balance", json!({"balance": "999"})).await;
    eventually(60, "two more account reads", || async {
        (reads().await >= before + 2).then_some(())
    })
    .await;
    assert_eq!(adopted(&metrics.render()), 1);
}
