//! Every JSON example of spec §3 and §5, checked into tests/fixtures/, decodes into the
//! typed structs through the same envelope path the client uses.

use std::time::Duration;

use rust_decimal_macros::dec;
use serde::de::DeserializeOwned;
use viper_bitget::Error;
use viper_bitget::models::*;
use viper_bitget::rest::{RawResponse, decode_response};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn envelope<T: DeserializeOwned>(name: &str, status: u16) -> Result<T, Error> {
    let body = fixture(name);
    let raw = RawResponse {
        status,
        content_type: Some("application/json"),
        body: body.as_bytes(),
    };
    decode_response(name, raw, Duration::from_secs(1))
}

fn ok<T: DeserializeOwned>(name: &str) -> T {
    envelope(name, 200).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn bare<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn error_envelopes() {
    let e = envelope::<MaybeOrder>("error_43001", 400).unwrap_err();
    assert_eq!(e.code(), Some("43001"));
    assert!(e.is_not_found());
    assert_eq!(
        envelope::<()>("error_40009", 400).unwrap_err().class(),
        "auth"
    );
    assert_eq!(
        envelope::<()>("error_40099", 400).unwrap_err().class(),
        "auth"
    );
    assert_eq!(
        envelope::<()>("error_429", 429).unwrap_err().class(),
        "rate_limited"
    );
}

#[test]
fn market_fixtures() {
    let t: ServerTime = ok("public_time");
    assert_eq!(t.server_time, 1_688_008_631_614);
    let c: Contract = bare("contract_beatusdt");
    assert_eq!(c.symbol, "BEATUSDT");
    assert_eq!(c.price_place, 5);
    assert_eq!(c.min_trade_usdt, Some(dec!(5)));
    assert_eq!(c.symbol_status, SymbolStatus::Normal);
    assert_eq!(c.price_tick(), Some(dec!(0.00001)));
    assert_eq!(c.delivery_time, None);
    let t: Vec<Ticker> = ok("ticker");
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].last_pr, Price(dec!(29904.5)));
    assert_eq!(t[0].ts, 1_695_794_271_400);
    let c: Vec<Candle> = ok("candles");
    assert_eq!(c.len(), 2);
    assert_eq!(c[1].close, dec!(26171));
    let d: MergeDepth = ok("merge_depth");
    assert_eq!(d.asks[0].price, Price(dec!(26347.5)));
    assert_eq!(d.bids[1].size, Size(dec!(0.32)));
    assert_eq!(d.is_max_precision, Some(false));
}

#[test]
fn account_fixtures() {
    let a: Account = ok("account");
    assert_eq!(a.available, dec!(13168.86110692));
    assert_eq!(a.pos_mode, Some(PosMode::Hedge));
    assert_eq!(a.unrealized_pl, None);
    assert_eq!(a.crossed_unrealized_pl, Some(dec!(23)));
    let rows: Vec<AccountSummary> = bare("accounts_data");
    assert_eq!(rows[0].union_total_margin, Some(dec!(111.1)));
    assert_eq!(rows[0].asset_list[0].coin, "BTC");
    let l: LeverageInfo = ok("set_leverage");
    assert_eq!(l.long_leverage, Some(dec!(25)));
    let m: LeverageInfo = ok("set_margin_mode");
    assert_eq!(m.margin_mode, Some(MarginMode::Isolated));
    let p: PositionModeInfo = ok("set_position_mode");
    assert_eq!(p.pos_mode, PosMode::OneWay);
    let _: serde_json::Value = ok("set_margin");
    let p: Position = bare("position_one_way");
    assert_eq!(p.hold_side, HoldSide::Long);
    assert_eq!(p.total, Size(dec!(0.01)));
    assert_eq!(p.take_profit, None);
    assert_eq!(p.liquidation_price, Some(dec!(-9880613.7641839999)));
    assert!(p.is_open());
    let k: ApiKeyInfo = ok("spot_account_info");
    assert_eq!(k.parent_id.as_deref(), Some("1234567890"));
    assert!(k.can_trade_futures());
}

#[test]
fn order_fixtures() {
    let a: OrderAck = ok("place_order");
    assert_eq!(a.order_id.as_deref(), Some("121211212122"));
    let b: BatchResult = ok("batch_place_order");
    assert_eq!(b.failure_list[0].error_code.as_deref(), Some("40762"));
    assert_eq!(b.failure_list[0].order_id, None);
    let c: OrderAck = ok("cancel_order");
    assert_eq!(c.client_oid, None);
    let c: BatchResult = ok("cancel_all_orders");
    assert_eq!(c.failure_list[0].error_code, None);
    let c: BatchResult = ok("close_positions");
    assert_eq!(c.success_list[0].symbol.as_deref(), Some("BTCUSDT"));
    let MaybeOrder(o) = ok("order_detail");
    let o = o.expect("order");
    assert_eq!(o.state, OrderState::Filled);
    assert_eq!(o.reduce_only, Some(false));
    assert_eq!(o.pos_side, Some(PosSide::Long));
    assert_eq!(o.preset_stop_surplus_price, Some(Price(dec!(1910))));
    let l: OrderList = ok("orders_pending");
    let row = &l.entrusted_list[0];
    assert_eq!(row.state, OrderState::Live);
    assert_eq!(row.price_avg, None);
    assert_eq!(row.enter_point_source, Some(EnterPointSource::Web));
    assert_eq!(row.trade_side, Some(TradeSide::BuySingle));
    assert_eq!(l.end_id.as_deref(), Some("1190384645049036801"));
    let e: OrderList = ok("orders_pending_empty");
    assert!(e.entrusted_list.is_empty() && e.end_id.is_none());
    let f: FillList = ok("fills");
    assert_eq!(
        f.fill_list[0].fee_detail[0].total_fee,
        Some(dec!(-0.02161596))
    );
    assert_eq!(f.fill_list[0].trade_scope, Some(TradeScope::Taker));
}

#[test]
fn plan_fixtures() {
    let a: OrderAck = ok("place_tpsl_order");
    assert_eq!(a.order_id.as_deref(), Some("121212121212"));
    let p: Vec<PosTpslAck> = ok("place_pos_tpsl");
    assert_eq!(p.len(), 2);
    assert_eq!(p[1].stop_loss_client_oid.as_deref(), Some("sl-1"));
    let l: PlanOrderList = ok("orders_plan_pending");
    let row = &l.entrusted_list[0];
    assert_eq!(row.plan_type, PlanType::PosProfit);
    assert_eq!(row.margin_mode, None);
    assert_eq!(row.stop_loss_trigger_price, None);
    assert_eq!(row.size, Size(dec!(0)));
    assert!(l.end_id.is_none());
    let c: BatchResult = ok("cancel_plan_order");
    assert_eq!(c.failure_list[0].error_msg.as_deref(), Some("notExistend"));
}

#[test]
fn request_examples_match_our_serialisation() {
    let mut r = PlaceOrderRequest::new(
        "ETHUSDT",
        Side::Sell,
        OrderType::Limit,
        Size(dec!(0.1)),
        ClientOid::new("121211212122").unwrap(),
    );
    r.margin_mode = MarginMode::Isolated;
    r.price = Some(Price(dec!(2000)));
    r.trade_side = Some(TradeSide::Open);
    r.force = Some(Force::Gtc);
    let ours = serde_json::to_value(&r).unwrap();
    let spec: serde_json::Value = bare("place_order_request");
    assert_eq!(ours, spec);

    let t = PlaceTpslRequest {
        margin_coin: "USDT".into(),
        product_type: ProductType::UsdtFutures,
        symbol: "ETHUSDT".into(),
        plan_type: PlanType::PosLoss,
        trigger_price: Price(dec!(1800)),
        trigger_type: Some(TriggerType::MarkPrice),
        execute_price: Some(Price(dec!(0))),
        hold_side: HoldSide::Long,
        size: None,
        range_rate: None,
        client_oid: ClientOid::new("sl-1").unwrap(),
        stp_mode: None,
    };
    let mut ours = serde_json::to_value(&t).unwrap();
    ours.as_object_mut().unwrap().remove("clientOid");
    let spec: serde_json::Value = bare("place_tpsl_request");
    assert_eq!(ours, spec);
}

#[test]
fn every_fixture_file_is_used() {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let this = concat!(
        include_str!("fixtures.rs"),
        include_str!("fixtures_live.rs")
    );
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let stem = name.trim_end_matches(".json");
        assert!(
            this.contains(&format!("\"{stem}\"")),
            "fixture {name} is not decoded"
        );
    }
}
