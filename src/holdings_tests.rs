#![allow(clippy::unwrap_used)]
use super::*;

fn position(symbol: &str, side: &str, c_time: &str) -> Position {
    serde_json::from_value(serde_json::json!({
        "marginCoin": "USDT", "symbol": symbol, "holdSide": side, "marginSize": "0.95",
        "available": "0.001", "total": "0.001", "leverage": "10", "openPriceAvg": "65000.5",
        "marginMode": "crossed", "unrealizedPL": "-0.12", "markPrice": "64880.1",
        "cTime": c_time
    }))
    .unwrap()
}

fn plan(symbol: &str, plan_type: &str, pos_side: &str, trigger: &str) -> PlanOrder {
    serde_json::from_value(serde_json::json!({
        "planType": plan_type, "symbol": symbol, "size": "0", "orderId": "1",
        "clientOid": "c1", "triggerPrice": trigger, "triggerType": "mark_price",
        "planStatus": "live", "side": "sell", "posSide": pos_side, "tradeSide": "close",
        "cTime": "1", "uTime": "1"
    }))
    .unwrap()
}

#[test]
fn each_position_carries_its_own_plans_and_age() {
    let positions = [
        position("BTCUSDT", "long", "1000"),
        position("XRPUSDT", "short", "61000"),
    ];
    let plans = [
        plan("BTCUSDT", "pos_loss", "net", "61750"),
        plan("BTCUSDT", "pos_profit", "net", "71500"),
        plan("XRPUSDT", "loss_plan", "net", "0.75"),
    ];
    let rows = position_rows(&positions, &plans, 121_000);
    assert_eq!(rows.len(), 2);
    let btc = &rows[0];
    assert_eq!(
        (btc.side.as_str(), btc.stop_loss, btc.take_profit),
        (
            "long",
            Some("61750".parse().unwrap()),
            Some("71500".parse().unwrap())
        )
    );
    assert_eq!(btc.age_secs, Some(120));
    assert_eq!(btc.mark, Some("64880.1".parse().unwrap()));
    assert_eq!(btc.unrealised_pnl, Some("-0.12".parse().unwrap()));
    let xrp = &rows[1];
    assert_eq!(
        (xrp.side.as_str(), xrp.stop_loss, xrp.take_profit),
        ("short", Some("0.75".parse().unwrap()), None)
    );
    assert_eq!(xrp.age_secs, Some(60));
}

#[test]
fn hedge_plans_follow_their_side_and_whole_position_plans_win() {
    let positions = [
        position("BTCUSDT", "long", "0"),
        position("BTCUSDT", "short", "0"),
    ];
    let plans = [
        plan("BTCUSDT", "loss_plan", "long", "60000"),
        plan("BTCUSDT", "pos_loss", "long", "61000"),
        plan("BTCUSDT", "pos_loss", "short", "69000"),
    ];
    let rows = position_rows(&positions, &plans, 0);
    assert_eq!(rows[0].stop_loss, Some("61000".parse().unwrap()));
    assert_eq!(rows[1].stop_loss, Some("69000".parse().unwrap()));
    assert_eq!(rows[1].take_profit, None);
}

#[test]
fn an_unprotected_position_shows_no_stop() {
    let rows = position_rows(&[position("BTCUSDT", "long", "0")], &[], 0);
    assert_eq!((rows[0].stop_loss, rows[0].take_profit), (None, None));
}
