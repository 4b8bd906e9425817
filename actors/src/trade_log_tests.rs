use super::*;
use crate::journal::{Journal, OrderPhase, SCHEMA_VERSION};
use rust_decimal_macros::dec;

/// The version-1 schema exactly as that release wrote it.
const V1_SCHEMA: &str = "
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE orders (
        client_oid TEXT PRIMARY KEY, symbol TEXT NOT NULL, direction TEXT NOT NULL,
        size TEXT NOT NULL, price TEXT, reduce_only INTEGER NOT NULL, take_profit TEXT,
        stop_loss TEXT, phase TEXT NOT NULL, order_id TEXT, not_found INTEGER NOT NULL DEFAULT 0,
        reason TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
    CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_ms INTEGER NOT NULL);
    CREATE TABLE transitions (id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL,
        kind TEXT NOT NULL, detail TEXT NOT NULL);
    INSERT INTO meta VALUES ('schema_version', '1');
    INSERT INTO orders VALUES ('vp1x1', 'BTCUSDT', 'buy', '0.001', NULL, 0, '70000', '60000',
        'filled', '111', 0, 'trend: fast EMA 1 slow EMA 2', 1000, 1100);
    INSERT INTO orders VALUES ('vp1x2', 'XRPUSDT', 'sell', '5', NULL, 0, NULL, '0.7',
        'unknown', NULL, 2, 'trend', 2000, 2100);
    INSERT INTO state VALUES ('emergency_latch', 'equity 12 under 15', 3000);
    INSERT INTO transitions (ts_ms, kind, detail) VALUES (3000, 'emergency_latch=equity 12 under 15', 'x');";

fn fill(
    id: &str,
    buy: bool,
    trade_side: &str,
    price: Decimal,
    size: Decimal,
    profit: Decimal,
    ts: i64,
) -> FillRow {
    FillRow {
        trade_id: id.into(),
        order_id: format!("o{id}"),
        client_oid: None,
        symbol: "BTCUSDT".into(),
        buy,
        trade_side: trade_side.into(),
        price,
        size,
        fee: dec!(-0.01),
        profit,
        ts_ms: ts,
    }
}

#[test]
fn a_version_1_journal_is_migrated_and_nothing_in_it_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open(dir.path().join("journal.db")).unwrap();
        conn.execute_batch(V1_SCHEMA).unwrap();
    }
    let err = TradeLog::open_read_only(dir.path())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("schema version 1") && err.contains("migrate"),
        "{err}"
    );
    let j = Journal::open(dir.path()).unwrap();
    let a = j.get("vp1x1").unwrap().unwrap();
    assert_eq!(
        (
            a.phase,
            a.order_id.as_deref(),
            a.take_profit.as_deref(),
            a.created_ms
        ),
        (OrderPhase::Filled, Some("111"), Some("70000"), 1000)
    );
    let open = j.open_orders().unwrap();
    assert_eq!(
        (open.len(), open[0].client_oid.as_str(), open[0].not_found),
        (1, "vp1x2", 2)
    );
    assert_eq!(
        j.state("emergency_latch").unwrap().as_deref(),
        Some("equity 12 under 15")
    );
    drop(j);
    // Reopening a migrated journal migrates nothing again.
    let j = Journal::open(dir.path()).unwrap();
    assert_eq!(j.counts().unwrap().iter().map(|c| c.1).sum::<i64>(), 2);
    let log = TradeLog::open(dir.path()).unwrap();
    let version: String = log
        .conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION.to_string());
    assert!(log.trades_since(0).unwrap().is_empty());
    assert_eq!(log.first_order_ms().unwrap(), Some(1000));
    assert_eq!(log.our_order("111").unwrap().unwrap().0, "vp1x1");
}

#[test]
fn fills_are_recorded_once_and_a_trade_spans_passes_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    drop(Journal::open(dir.path()).unwrap());
    let open = fill("1", true, "buy_single", dec!(100), dec!(2), dec!(0), 10_000);
    let half = fill(
        "2",
        false,
        "sell_single",
        dec!(110),
        dec!(1),
        dec!(10),
        20_000,
    );
    let rest = fill(
        "3",
        false,
        "sell_single",
        dec!(120),
        dec!(1),
        dec!(20),
        25_000,
    );
    let why = |_: &ClosedLot| ExitReason::TakeProfit;
    {
        let mut log = TradeLog::open(dir.path()).unwrap();
        assert_eq!(
            log.record(&[open.clone(), half.clone()], &why)
                .unwrap()
                .len(),
            2
        );
        assert!(log.trades_since(0).unwrap().is_empty(), "still half open");
    }
    let mut log = TradeLog::open(dir.path()).unwrap();
    // The same history read again (overlap, restart) adds nothing; the new fill ends it.
    let done = log.record(&[open, half, rest.clone()], &why).unwrap();
    assert_eq!(done.len(), 1);
    let t = done[0].2.clone().unwrap();
    assert!(log.record(&[rest], &why).unwrap().is_empty());
    let stored = log.trades_since(0).unwrap();
    assert_eq!(stored, vec![t.clone()]);
    assert_eq!(
        (
            t.side.as_str(),
            t.size,
            t.entry_price,
            t.exit_price,
            t.realised_pnl,
            t.fees
        ),
        (
            "long",
            dec!(2),
            Some(dec!(100)),
            Some(dec!(115)),
            dec!(30),
            dec!(0.03)
        )
    );
    assert_eq!(
        (t.holding_ms, t.exit_reason, t.net_pnl),
        (Some(15_000), ExitReason::TakeProfit, dec!(29.97))
    );
    assert_eq!(log.realised_pnl_since(0).unwrap(), dec!(29.97));
    assert_eq!(log.realised_pnl_since(25_001).unwrap(), dec!(0));
    assert!(log.trades_since(25_001).unwrap().is_empty());
    assert_eq!(log.fills_since(0).unwrap().len(), 3);
    assert_eq!(log.last_fill_ms().unwrap(), Some(25_000));
    // Every writer gone (WAL checkpointed, -wal and -shm removed): still readable read-only.
    drop(log);
    let ro = TradeLog::open_read_only(dir.path()).unwrap();
    assert_eq!(ro.trades_since(0).unwrap(), stored);
    assert!(
        ro.mark_close("BTCUSDT", ExitReason::GuardClose, 1).is_err(),
        "read-only"
    );
}

#[test]
fn the_bots_own_flash_closes_are_named_by_marks_and_the_emergency_state() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::open(dir.path()).unwrap();
    let log = TradeLog::open(dir.path()).unwrap();
    assert_eq!(log.marked_cause("BTCUSDT", 50_000).unwrap(), None);
    log.mark_close("BTCUSDT", ExitReason::GuardClose, 40_000)
        .unwrap();
    assert_eq!(
        log.marked_cause("BTCUSDT", 41_000).unwrap(),
        Some(ExitReason::GuardClose)
    );
    assert_eq!(
        log.marked_cause("XRPUSDT", 41_000).unwrap(),
        None,
        "another symbol"
    );
    assert_eq!(
        log.marked_cause("BTCUSDT", 400_000).unwrap(),
        None,
        "too long after"
    );
    let key = crate::capital::FLATTEN_KEY;
    j.set_state(key, "equity 12 under 15", "emergency flatten", 100_000)
        .unwrap();
    j.set_state(key, "", "confirmed flat", 101_000).unwrap();
    for (ts, want) in [
        (100_500, Some(ExitReason::EmergencyFlatten)),
        (102_000, Some(ExitReason::EmergencyFlatten)),
        (99_000, Some(ExitReason::EmergencyFlatten)),
        (200_000, None),
    ] {
        assert_eq!(log.marked_cause("XRPUSDT", ts).unwrap(), want, "{ts}");
    }
}

#[test]
fn a_missing_or_foreign_file_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = TradeLog::open_read_only(dir.path())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("no journal here"), "{err}");
    assert!(
        !dir.path().join("journal.db").exists(),
        "read-only never creates it"
    );
    {
        let conn = Connection::open(dir.path().join("journal.db")).unwrap();
        conn.execute_batch("CREATE TABLE x (y INTEGER);").unwrap();
    }
    let err = TradeLog::open_read_only(dir.path())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not a Viper journal"), "{err}");
}
