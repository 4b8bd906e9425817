use super::*;
use crate::soak::spans::covered;
use serde_json::json;

const UID: u64 = 7;

fn row(oid: &str, phase: &str) -> JournalRow {
    JournalRow {
        client_oid: oid.into(),
        phase: phase.into(),
        created_ms: 0,
    }
}

#[test]
fn lost_covers_rejected_but_filled_unresolved_and_unjournaled() {
    let audit = json!({"orders": [
        {"uid": UID, "clientOid": "vp1"}, {"uid": UID, "clientOid": "vp2"},
        {"uid": UID, "clientOid": "vp3"}, {"uid": UID, "clientOid": "vp3"},
        {"uid": UID, "clientOid": ""}, {"uid": 9, "clientOid": "vp9"},
        {"uid": UID, "clientOid": "guard-1"}
    ]});
    let journal = [
        row("vp1", "filled"),
        row("vp2", "rejected"),
        row("vp3", "filled"),
        row("vp4", "unknown"),
        row("vp5", "rejected"),
        row("vp6", "sent"),
    ];
    let end = PENDING_GRACE_MS + 1;
    let (lost, dups) = lost_and_duplicates(&audit, UID, &journal, "vp", end);
    assert_eq!(dups, 1, "vp3 twice");
    assert_eq!(lost.rejected_but_on_exchange, 1, "vp2");
    assert_eq!(lost.unresolved, 2, "vp4 and vp6");
    assert_eq!(
        lost.unjournaled, 0,
        "vp9 is another account's, guard-1 not ours"
    );
    assert_eq!(lost.total, 3);
    let (lost, _) = lost_and_duplicates(&audit, UID, &journal[..1], "vp", end);
    assert_eq!(lost.unjournaled, 2, "vp2 and vp3 were never journaled");
    let (lost, _) = lost_and_duplicates(&audit, UID, &journal, "vp", 1_000);
    assert_eq!(
        (lost.unresolved, lost.pending_at_end),
        (0, 2),
        "young unknowns are pending"
    );
}

#[test]
fn a_position_opened_by_two_of_our_orders_is_an_intent_placed_twice() {
    let audit = json!({"positions": [
        {"uid": UID, "opened_by": ["vp1"]},
        {"uid": UID, "opened_by": ["vp2", "vp3"]},
        {"uid": UID, "opened_by": ["vp4", "manual"]},
        {"uid": 9, "opened_by": ["vp5", "vp6"]}
    ]});
    assert_eq!(same_intent_twice(&audit, UID, "vp"), 1);
}

#[test]
fn breaches_have_durations_and_tolerate_slippage_only() {
    let p = |ts: i64, n: u64, m: &str, t: &str| json!({"ts": ts, "uid": UID, "positions": n, "max_position_margin": m, "total_margin": t});
    let audit = json!({"exposure_timeline": [
        p(0, 1, "1.005", "1.005"),
        p(100, 4, "1", "4"),
        p(339, 3, "1", "3"),
        p(400, 3, "1.9", "3.9"),
        p(1000, 2, "1", "2"),
        p(2000, 2, "1", "10.5"),
    ]});
    let limits = Limits {
        max_positions: 3,
        max_position_margin: Decimal::ONE,
        max_total_margin: Decimal::from(10),
        slippage: Decimal::new(1, 2),
    };
    let b = breaches(&audit, UID, limits, 5000);
    assert_eq!(b.len(), 3, "{b:?}");
    assert_eq!(
        (b[0].limit, b[0].from, b[0].duration_ms),
        ("max_positions", 100, 239)
    );
    assert_eq!(
        (b[1].limit, b[1].duration_ms, b[1].worst.as_str()),
        ("max_position_margin", 600, "1.9")
    );
    assert_eq!(
        (b[2].limit, b[2].to, b[2].duration_ms),
        ("max_total_margin", 5000, 3000)
    );
}

#[test]
fn unprotected_time_counts_only_our_positions_and_open_ends_run_to_the_end() {
    let audit = json!({"positions": [
        {"uid": UID, "opened_by": ["vp1"], "unprotected": [{"from": 0, "to": 300}, {"from": 500, "to": 600}]},
        {"uid": UID, "opened_by": ["vp2"], "unprotected": [{"from": 900, "to": null}]},
        {"uid": UID, "opened_by": ["manual"], "unprotected": [{"from": 0, "to": 5000}]}
    ]});
    let u = unprotected(&audit, UID, "vp", 1000);
    assert_eq!((u.positions, u.max_ms, u.total_ms), (2, 300, 500));
}

#[test]
fn uptime_is_fresh_time_over_measured_time() {
    assert_eq!(covered(&[(0, 10), (5, 20), (30, 40)]), 30);
    assert_eq!(
        minus((0, 100), &[(10, 20), (15, 30), (90, 200)]),
        vec![(0, 10), (30, 90)]
    );
    let fresh = json!([{"from": 0, "to": 50}, {"from": 60, "to": null}]);
    let measured = minus((0, 100), &[(40, 55)]);
    // Measured: [0,40) and [55,100) = 85 ms; fresh inside: 40 + 0 + 40 = 80.
    let u = uptime(&fresh, &measured);
    assert!((u - 80.0 / 85.0).abs() < 1e-9, "{u}");
    assert_eq!(uptime(&fresh, &[]), 1.0);
}

#[test]
fn rest_failures_count_as_recovered_when_a_retry_succeeds() {
    let r = |ts: i64, path: &str, http: u16, code: &str, fault: &str, delay: u64| json!({"ts": ts, "method": "GET", "path": path, "http": http, "code": code, "fault": fault, "delay_ms": delay});
    let log = json!({"requests": [
        r(0, "/a", 500, "40015", "error", 0),
        r(100, "/a", 200, "00000", "", 0),
        r(200, "/b", 200, "00000", "drop_after_apply", 0),
        r(300, "/c", 200, "00000", "latency", 2500),
        r(400, "/c", 200, "00000", "latency", 100),
        r(20_000, "/b", 200, "00000", "", 0),
        r(20_100, "/d", 400, "40109", "", 0),
        r(20_200, "/d", 429, "429", "rate_limit", 0),
    ]});
    let x = rest(&log, 2000);
    assert_eq!(
        (x.requests, x.failed_attempts, x.unrecovered),
        (8, 4, 2),
        "a not-found answer is an answer"
    );
    assert!((x.success_rate_after_retries - 4.0 / 6.0).abs() < 1e-9);
}

#[test]
fn only_uninjected_order_refusals_are_preventable() {
    let place = "/api/v2/mix/order/place-order";
    let audit = json!({"refusals": [
        {"uid": UID, "path": place, "code": "40762", "injected": false},
        {"uid": UID, "path": place, "code": "40762", "injected": false},
        {"uid": UID, "path": place, "code": "40015", "injected": true},
        {"uid": UID, "path": place, "code": "429", "injected": false},
        {"uid": UID, "path": "/api/v2/mix/order/cancel-order", "code": "43001", "injected": false},
        {"uid": 9, "path": place, "code": "40762", "injected": false}
    ]});
    let r = rejections(&audit, UID);
    assert_eq!(r.preventable.len(), 1);
    assert_eq!(r.preventable[&format!("40762 {place}")], 2);
    assert!(r.raced.is_empty());
}

#[test]
fn a_trigger_valid_on_arrival_raced_the_market_and_one_wrong_on_arrival_is_preventable() {
    let place = "/api/v2/mix/order/place-order";
    let tpsl = "/api/v2/mix/order/place-pos-tpsl";
    let refusal = |path: &str, code: &str, valid: Value, raced: bool| {
        json!({"uid": UID, "path": path, "code": code,
        "injected": false, "delay_ms": 220, "valid_at_arrival": valid, "raced": raced})
    };
    let audit = json!({"refusals": [
        refusal(place, "40917", json!(true), true),
        refusal(place, "40917", json!(true), true),
        refusal(tpsl, "45122", json!(true), true),
        refusal(place, "40917", json!(false), false),
        // The prices on arrival were no longer kept: not proven raced, so preventable.
        refusal(place, "40915", Value::Null, false),
        // An older simulator without the field: preventable, as before.
        {"uid": UID, "path": place, "code": "40833", "injected": false},
        // Raced but for another account: not the bot's.
        {"uid": 9, "path": place, "code": "40917", "injected": false, "raced": true},
    ]});
    let r = rejections(&audit, UID);
    let key = |code: &str, path: &str| format!("{code} {path}");
    assert_eq!(
        r.raced,
        [(key("40917", place), 2), (key("45122", tpsl), 1)]
            .into_iter()
            .collect()
    );
    assert_eq!(
        r.preventable,
        [
            (key("40917", place), 1),
            (key("40915", place), 1),
            (key("40833", place), 1)
        ]
        .into_iter()
        .collect()
    );
}
