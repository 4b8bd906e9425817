//! The shapes live Bitget has been seen to send (as recorded by third-party clients and in
//! Bitget's own examples), written as this project's fixtures in tests/fixtures/, each decoded
//! through the replay path with its values checked: numeric `symbolType`, Bitget's
//! `unionTotalMagin` typo with a malformed value, the positions push's margin rates, the
//! orders push's attached TP/SL and `feeDetail`, a triggered plan push, `newTradeSide`,
//! `liqPrice`, `grant`, a string login code, a `coin` subscribe ack.
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Duration;

use rust_decimal_macros::dec;
use serde::de::DeserializeOwned;
use viper_bitget::models::*;
use viper_bitget::replay::replay;
use viper_bitget::rest::{RawResponse, decode_response};
use viper_bitget::ws::{Channel, Frame, Push, PushData, ServerEvent, SubArg, decode};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn rest<T: DeserializeOwned>(name: &str) -> T {
    let body = fixture(name);
    let raw = RawResponse {
        status: 200,
        content_type: Some("application/json"),
        body: body.as_bytes(),
    };
    decode_response(name, raw, Duration::from_secs(1)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn push(name: &str) -> Push {
    match decode(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}")) {
        Frame::Push(p) => p,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn every_fixture_replays_under_its_endpoint_name() {
    for (endpoint, name) in [
        ("ws-ticker", "ws_ticker_numeric_symbol_type"),
        ("accounts", "accounts_union_malformed"),
        ("ws-positions", "ws_positions_full"),
        ("ws-orders", "ws_orders_fill_with_tpsl"),
        ("ws-orders-algo", "ws_orders_algo_triggered"),
        ("ws-account", "ws_account_union"),
        ("ws-candle", "ws_candle_12h"),
        ("ws-event", "ws_event_login_string_code"),
        ("ws-event", "ws_event_subscribe_coin"),
        ("detail", "order_detail_presets"),
        ("orders-history", "orders_history_liq"),
        ("fills", "fills_deduction"),
        ("all-position", "all_position_grant"),
        ("cancel-plan-order", "cancel_plan_order_lists"),
    ] {
        replay(endpoint, &fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn ticker_with_a_numeric_symbol_type() {
    let PushData::Ticker(t) = push("ws_ticker_numeric_symbol_type").data else {
        panic!()
    };
    assert_eq!(t[0].symbol_type, Some(SymbolType::Perpetual));
    assert_eq!(t[0].last_pr, Price(dec!(2411.37)));
    assert_eq!(t[0].mark_price, Some(Price(dec!(2411.40))));
    assert_eq!(t[0].next_funding_time, Some(1_733_040_000_000));
}

#[test]
fn accounts_with_the_typo_and_a_malformed_value() {
    let a: Vec<AccountSummary> = rest("accounts_union_malformed");
    let a = &a[0];
    assert_eq!(a.account_equity, dec!(830.75));
    assert_eq!(a.available, dec!(812.25));
    assert_eq!(a.union_total_margin, None, "\"42,7\" is malformed");
    assert_eq!(
        (a.union_available, a.union_mm),
        (Some(dec!(700.1)), Some(dec!(3.2)))
    );
    assert_eq!(a.asset_list[0].balance, dec!(0.25));
    assert_eq!(a.asset_mode, Some(AssetMode::Union));
    assert_eq!(a.grant, None);
    assert_eq!(a.unrealized_pl, None);
}

#[test]
fn positions_push_with_rates_and_break_even() {
    let PushData::Positions(p) = push("ws_positions_full").data else {
        panic!()
    };
    let p = &p[0];
    assert_eq!(
        (p.total, p.frozen),
        (Size(dec!(0.1)), Some(Size(dec!(0.04))))
    );
    assert_eq!(p.available, Some(Size(dec!(0.06))));
    assert_eq!(p.break_even_price, Some(Price(dec!(2412.9))));
    assert_eq!(p.margin_rate, Some(dec!(0.0123)));
    assert_eq!(p.keep_margin_rate, Some(dec!(0.005)));
    assert_eq!(p.leverage, Some(dec!(10)), "a JSON number");
    assert_eq!(p.total_fee, None, "\"\" until the first funding");
    assert_eq!(p.margin_coin.as_deref(), Some("USDT"));
    // (2411.4 − 2180.5) / 2411.4
    assert_eq!(p.liquidation_distance(), Some(dec!(0.095754)));
}

#[test]
fn orders_push_carries_the_attached_tpsl_and_fees() {
    let PushData::Orders(o) = push("ws_orders_fill_with_tpsl").data else {
        panic!()
    };
    let o = &o[0];
    assert_eq!(o.status, OrderState::Filled);
    assert_eq!(o.client_oid.as_deref(), Some("vp1733019990000x7"));
    let t = o.attached_tpsl().unwrap();
    assert_eq!(t.take_profit, Some(Price(dec!(2650))));
    assert_eq!(t.stop_loss, Some(Price(dec!(2290))));
    assert_eq!(t.take_profit_type, Some(TriggerType::MarkPrice));
    assert_eq!(t.stop_loss_type, Some(TriggerType::FillPrice));
    assert_eq!(o.preset_stop_surplus_execute_price, None, "\"\" is market");
    assert_eq!(o.fee_detail.len(), 1);
    assert_eq!(o.fee_detail[0].fee, Some(dec!(-0.1446)));
    assert_eq!(o.fee_detail[0].fee_coin.as_deref(), Some("USDT"));
    let f = o.latest_fill().unwrap();
    assert_eq!((f.trade_id.as_str(), f.size), ("998877", Size(dec!(0.1))));
    assert_eq!(f.scope, Some(TradeScope::Maker));
    // An order without presets has none.
    let bare = fixture("ws_orders_fill_with_tpsl")
        .replace(
            r#""presetStopSurplusPrice":"2650""#,
            r#""presetStopSurplusPrice":"""#,
        )
        .replace(
            r#""presetStopLossPrice":"2290""#,
            r#""presetStopLossPrice":"0""#,
        );
    let Frame::Push(p) = decode(&bare).unwrap() else {
        panic!()
    };
    let PushData::Orders(o) = p.data else {
        panic!()
    };
    assert_eq!(o[0].attached_tpsl(), None);
}

#[test]
fn triggered_plan_push() {
    let PushData::AlgoOrders(a) = push("ws_orders_algo_triggered").data else {
        panic!()
    };
    let a = &a[0];
    assert_eq!(a.status, PlanStatus::Executed);
    assert_eq!(a.trade_side, Some(TradeSide::SellSingle));
    assert_eq!(a.actual_size, Some(Size(dec!(0.1))));
    assert_eq!(a.trigger_time, Some(1_733_020_100_000));
    assert_eq!(a.trigger_price, Some(Price(dec!(2290))));
    assert_eq!(a.plan_type.as_deref(), Some("pos_loss"));
}

#[test]
fn account_push_union_fields() {
    let PushData::Account(a) = push("ws_account_union").data else {
        panic!()
    };
    let a = &a[0];
    assert_eq!(a.equity, Some(dec!(830.75)));
    assert_eq!(a.frozen, Some(dec!(1.5)));
    assert_eq!(a.union_total_margin, Some(dec!(42.7)));
    assert_eq!(a.crossed_risk_rate, Some(dec!(0.01)));
    assert_eq!(a.asset_mode, Some(AssetMode::Union));
}

#[test]
fn candle_of_an_unusual_interval_and_server_events() {
    let p = push("ws_candle_12h");
    assert_eq!(p.arg.channel.name(), "candle12H");
    let PushData::Candle(c) = p.data else {
        panic!()
    };
    assert_eq!(
        (c[0].start, c[0].close),
        (1_732_968_000_000, Price(dec!(2411.37)))
    );
    assert_eq!(
        decode(&fixture("ws_event_login_string_code")).unwrap(),
        Frame::Event(ServerEvent::Login {
            code: 0,
            msg: String::new()
        })
    );
    let Frame::Event(ServerEvent::Subscribed(arg)) =
        decode(&fixture("ws_event_subscribe_coin")).unwrap()
    else {
        panic!()
    };
    assert_eq!(arg, SubArg::private(Channel::Account));
}

#[test]
fn order_detail_with_presets_and_new_trade_side() {
    let o: MaybeOrder = rest("order_detail_presets");
    let o = o.0.unwrap();
    assert_eq!(o.state, OrderState::Filled);
    assert_eq!(o.new_trade_side, Some(TradeSide::BuySingle));
    assert_eq!(o.preset_stop_surplus_price, Some(Price(dec!(2650))));
    assert_eq!(o.preset_stop_loss_price, Some(Price(dec!(2290))));
    assert_eq!(o.margin_mode, Some(MarginMode::Crossed), "\"cross\"");
    assert_eq!(o.reduce_only, Some(true));
}

#[test]
fn history_with_liquidation_price_fills_and_positions() {
    let h: OrderList = rest("orders_history_liq");
    let o = &h.entrusted_list[0];
    assert_eq!(o.liq_price, Some(Price(dec!(2180.5))));
    assert_eq!(o.pos_avg, Some(Price(dec!(2410))));
    assert_eq!(o.order_source, Some(OrderSource::PosLossMarket));
    assert_eq!(o.total_profits, Some(dec!(-11.85)));
    let f: FillList = rest("fills_deduction");
    let f = &f.fill_list[0];
    assert_eq!(f.fee_detail[0].deduction, Some(true));
    assert_eq!(f.fee_detail[0].total_fee, Some(dec!(-0.1446)));
    assert_eq!(f.trade_scope, Some(TradeScope::Maker));
    let p: Vec<Position> = rest("all_position_grant");
    let p = &p[0];
    assert_eq!(p.grant, None);
    assert_eq!(p.take_profit, None, "null");
    assert_eq!(p.stop_loss, Some(Price(dec!(2290))));
    assert_eq!(p.stop_loss_id.as_deref(), Some("1200300555"));
    assert_eq!(p.break_even_price, Some(Price(dec!(2412.9))));
    assert_eq!(p.liquidation_distance(), Some(dec!(0.095754)));
    let b: BatchResult = rest("cancel_plan_order_lists");
    assert_eq!((b.success_list.len(), b.failure_list.len()), (2, 1));
    assert_eq!(b.success_list[1].client_oid, None, "\"\"");
    assert_eq!(
        b.failure_list[0].error_msg.as_deref(),
        Some("order not exist")
    );
}
