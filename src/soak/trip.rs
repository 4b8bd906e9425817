//! The forced emergency: with positions open, pause the market, drive their prices against them and the
//! account's equity below the bot's floor, SIGKILL the bot in the middle of its flatten (its
//! first close is made to fail so the kill lands before anything is closed), put equity back
//! above the floor, restart, and check that every position ends closed; then clear the latch
//! with `viper resume --clear-emergency` and restart trading.

use super::report::Trip;
use super::run::{Soak, now_ms};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CLOSE: &str = "/api/v2/mix/order/close-positions";

/// Equity the soak sets while tripping, USDT (below the default floor of 15).
const TRIP_EQUITY: Decimal = Decimal::from_parts(14, 0, 0, false, 0);

fn open_positions(audit: &Value) -> Vec<(String, String)> {
    audit["positions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|l| {
                    l["closed"].is_null() && l["uid"].as_u64() == Some(viper_sim::DEFAULT_UID)
                })
                .map(|l| {
                    (
                        l["symbol"].as_str().unwrap_or_default().to_string(),
                        l["hold_side"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn dec(v: &Value) -> Decimal {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or_default()
}

async fn audit(s: &Soak) -> Value {
    s.http
        .get(&format!("{}/audit", s.control))
        .await
        .unwrap_or(Value::Null)
}

/// Polls until `f` holds or `secs` pass (bounded by the soak's deadline).
async fn until<F, Fut>(s: &Soak, secs: u64, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let end = (Instant::now() + Duration::from_secs(secs)).min(s.deadline());
    while Instant::now() < end {
        if f().await {
            return true;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Runs the forced emergency; never fails, records what happened.
pub async fn run(s: &mut Soak) -> Trip {
    println!("soak: forcing an emergency stop");
    let mut positions = Vec::new();
    let end = (Instant::now() + Duration::from_secs(45)).min(s.deadline());
    while Instant::now() < end {
        positions = open_positions(&audit(s).await);
        if !positions.is_empty() {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(500)).await;
    }
    let state = s
        .http
        .get(&format!("{}/state", s.control))
        .await
        .unwrap_or(Value::Null);
    let balance = dec(&state["accounts"][0]["balance"]);
    let mut trip = Trip {
        positions_at_trip: positions.len(),
        ..Trip::default()
    };
    // Prices hold still from here on: a position can close only by the bot's flatten.
    let _ = s
        .http
        .post(&format!("{}/market", s.control), &json!({"paused": true}))
        .await;
    let paused_at = now_ms();
    let fail_close = json!({"faults": [{"path": CLOSE, "kind": "error", "http_status": 500, "code": "40015", "count": 2}]});
    let _ = s
        .http
        .post(&format!("{}/faults", s.control), &fail_close)
        .await;
    drive(s, &state, &positions).await;
    trip.tripped_at = now_ms();
    let control = s.control.clone();
    let since = trip.tripped_at;
    let started_flatten = until(s, 30, || async {
        let url = format!("{control}/requests?path={CLOSE}&limit=20");
        let log = s.http.get(&url).await.unwrap_or(Value::Null);
        log["requests"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x["ts"].as_i64().unwrap_or(0) >= since))
    })
    .await;
    let down = s.kill_bot(if started_flatten {
        "kill_in_flatten"
    } else {
        "kill_random"
    });
    trip.killed_in_flatten = started_flatten;
    // Prices (and equity) back above the floor before the restart.
    let _ = s
        .http
        .post(
            &format!("{}/balance", s.control),
            &json!({"balance": balance.to_string()}),
        )
        .await;
    s.restart("kill_in_flatten", down, false).await;
    trip.flat = until(s, 40, || async {
        open_positions(&audit(s).await).is_empty()
    })
    .await;
    let _ = s
        .http
        .post(&format!("{}/market", s.control), &json!({"paused": false}))
        .await;
    s.obs.paused.push((paused_at, now_ms()));
    println!(
        "soak: emergency with {} positions, flat afterwards: {}",
        trip.positions_at_trip, trip.flat
    );
    let down = now_ms();
    s.stop_bot().await;
    trip.resumed = resume(s).await;
    s.restart("resume", down, true).await;
    trip
}

/// Moves each open position's price 0.1 % against it (inside the stop-loss distance), then
/// sets the balance so equity is just under the floor.
async fn drive(s: &Soak, state: &Value, positions: &[(String, String)]) {
    let markets = state["markets"].as_array().cloned().unwrap_or_default();
    for (symbol, side) in positions {
        let Some(last) = markets
            .iter()
            .find(|m| m["symbol"] == symbol.as_str())
            .map(|m| dec(&m["last"]))
        else {
            continue;
        };
        let factor = if side == "long" {
            Decimal::new(999, 3)
        } else {
            Decimal::new(1001, 3)
        };
        let body = json!({"symbol": symbol, "price": (last * factor).to_string()});
        let _ = s.http.post(&format!("{}/price", s.control), &body).await;
    }
    let now = s
        .http
        .get(&format!("{}/state", s.control))
        .await
        .unwrap_or(Value::Null);
    let (balance, equity) = (
        dec(&now["accounts"][0]["balance"]),
        dec(&now["accounts"][0]["equity"]),
    );
    let target = (balance - (equity - TRIP_EQUITY)).max(Decimal::ZERO);
    let _ = s
        .http
        .post(
            &format!("{}/balance", s.control),
            &json!({"balance": target.to_string()}),
        )
        .await;
}

/// `viper resume --clear-emergency --config` on the stopped bot's journal; true when it exited 0 within 30 s.
async fn resume(s: &mut Soak) -> bool {
    let Ok(mut child) = s.resume_command().spawn() else {
        return false;
    };
    let end = Instant::now() + Duration::from_secs(30);
    while Instant::now() < end {
        if let Ok(Some(status)) = child.try_wait() {
            return status.success();
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}
