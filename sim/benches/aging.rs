//! Does the simulator slow down as it ages? Places and ticks on an engine that already holds
//! N finished orders and plans, for several N in one run, and prints a table.
//!
//! `cargo bench -p viper-sim --bench aging` (release profile; no network).
#![allow(missing_docs, clippy::unwrap_used, clippy::print_stdout)]

use std::time::Instant;

use rust_decimal::Decimal;
use viper_sim::engine::types::{Force, OrderType, Side};
use viper_sim::engine::{Engine, NewOrder, OrderRef};
use viper_sim::{DEFAULT_UID, SimConfig};

const NOW: i64 = 1_750_000_000_000;

fn order(side: Side, open: bool, kind: OrderType, price: Option<Decimal>, oid: String) -> NewOrder {
    let sl = if side == Side::Buy { "60000" } else { "70000" };
    NewOrder {
        symbol: "BTCUSDT".into(),
        side,
        trade_side_open: None,
        order_type: kind,
        force: Force::Gtc,
        price,
        size: "0.0001".parse().unwrap(),
        client_oid: Some(oid),
        reduce_only: !open,
        margin_mode: None,
        preset_tp: None,
        preset_sl: open.then(|| sl.parse().unwrap()),
        preset_tp_exec: None,
        preset_sl_exec: None,
        stp_mode: "none".into(),
    }
}

/// One round of history: a position opened (with a stop-loss plan) and closed, and a resting
/// limit order placed and cancelled.
fn round(e: &mut Engine, n: u64, now: i64) {
    let uid = DEFAULT_UID;
    e.place_order(
        uid,
        order(Side::Buy, true, OrderType::Market, None, format!("o{n}")),
        now,
    )
    .unwrap();
    e.place_order(
        uid,
        order(Side::Sell, false, OrderType::Market, None, format!("c{n}")),
        now,
    )
    .unwrap();
    let far = Some("63000".parse().unwrap());
    let (id, _) = e
        .place_order(
            uid,
            order(Side::Buy, true, OrderType::Limit, far, format!("l{n}")),
            now,
        )
        .unwrap();
    let r = OrderRef::Id(id);
    e.cancel_order(uid, "BTCUSDT", &r, now).unwrap();
}

fn main() {
    let rounds = 300u64;
    println!("| history (orders) | place+close+limit+cancel, µs/round | tick (4 symbols), µs |");
    println!("|---:|---:|---:|");
    for aged in [0u64, 2_000, 8_000] {
        let mut e = Engine::new(&SimConfig::default(), NOW);
        for n in 0..aged {
            round(&mut e, n, NOW);
        }
        let history = e.orders.len();
        let t = Instant::now();
        for n in aged..aged + rounds {
            round(&mut e, n, NOW);
        }
        let per_round = t.elapsed().as_secs_f64() * 1e6 / rounds as f64;
        let t = Instant::now();
        let ticks = 300;
        for i in 0..ticks {
            e.tick(NOW + i * 100, 0.1);
        }
        let per_tick = t.elapsed().as_secs_f64() * 1e6 / ticks as f64;
        println!("| {history} | {per_round:.1} | {per_tick:.1} |");
    }
}
