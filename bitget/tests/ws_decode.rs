//! The push decoder on every JSON example of spec §7 (tolerant variants included), and the
//! no-panic property: arbitrary text and mutated frames give a value or an error.
#![allow(missing_docs, clippy::unwrap_used)]

use proptest::prelude::*;
use viper_bitget::models::{OrderState, PlanStatus, TradeScope};
use viper_bitget::ws::{Action, Frame, PushData, ServerEvent, decode};

const TICKER: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"ticker","instId":"BTCUSDT"},"data":[{"instId":"BTCUSDT","lastPr":"43480.4","bidPr":"43476.3","askPr":"43476.8","bidSz":"0.1","askSz":"3.055","open24h":"42252.3","high24h":"44518.2","low24h":"41387.0","change24h":"0.03875","fundingRate":"0.000096","nextFundingTime":"1701849600000","markPrice":"43476.4","indexPrice":"43478.4","holdingAmount":"50670.787","baseVolume":"120187.104","quoteVolume":"5167385048.693","openUtc":"44071.4","symbolType":"1","symbol":"BTCUSDT","deliveryPrice":"0","ts":"1701843962811"}],"ts":1701843962812}"#;
const BOOKS5: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"books5","instId":"BTCUSDT"},"data":[{"asks":[["27000.5","8.760"],["27001.0","0.400"]],"bids":[["27000.0","2.710"],["26999.5","1.460"]],"checksum":0,"seq":123,"ts":"1695716059516"}],"ts":1695716059516}"#;
const TRADE: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"trade","instId":"BTCUSDT"},"data":[{"ts":"1695716760565","price":"27000.5","size":"0.001","side":"buy","tradeId":"1111111111"},{"ts":"1695716759514","price":"27000.0","size":"0.001","side":"sell","tradeId":"1111111112"}],"ts":1695716761589}"#;
const CANDLE: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"candle1m","instId":"BTCUSDT"},"data":[["1695685500000","27000","27000.5","27000","27000.5","0.057","1539.0155","1539.0155"]],"ts":1695715462250}"#;
const ACCOUNT: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"account","coin":"default"},"data":[{"marginCoin":"USDT","frozen":"5.36581500","available":"26.14309528","maxOpenPosAvailable":"20.77728028","maxTransferOut":"20.77728028","equity":"26.14309528","usdtEquity":"26.143095285166"}],"ts":1701932570822}"#;
const POSITIONS: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"positions","instId":"default"},"data":[{"posId":"926036334386778112","instId":"BTCUSDT","marginCoin":"USDT","marginSize":"2.19245","marginMode":"crossed","holdSide":"long","posMode":"hedge_mode","total":"0.001","available":"0.001","frozen":"0","openPriceAvg":"43849","leverage":20,"achievedProfits":"0","unrealizedPL":"-0.0032","unrealizedPLR":"-0.00145955438","liquidationPrice":"17629.684814834","keepMarginRate":"0.004","marginRate":"0.007634649185","cTime":"1652331666985","uTime":"1701913016923","autoMargin":"off"}],"ts":1701913043767}"#;
const ORDERS: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"orders","instId":"default"},"data":[{"accBaseVolume":"0.01","cTime":"1695718781129","clientOid":"1","feeDetail":[{"feeCoin":"USDT","fee":"-0.162003"}],"fillFee":"-0.162003","fillFeeCoin":"USDT","fillNotionalUsd":"270.005","fillPrice":"27000.5","baseVolume":"0.01","fillTime":"1695718781146","force":"gtc","instId":"BTCUSDT","leverage":"20","marginCoin":"USDT","marginMode":"crossed","notionalUsd":"270","orderId":"1","orderType":"market","pnl":"0","posMode":"hedge_mode","posSide":"long","price":"0","priceAvg":"27000.5","reduceOnly":"no","side":"buy","size":"0.01","enterPointSource":"WEB","status":"filled","tradeScope":"T","tradeId":"1111111111","tradeSide":"open","uTime":"1695718781146"}],"ts":1695718781206}"#;
const ALGO: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"orders-algo","instId":"default"},"data":[{"instId":"BTCUSDT","orderId":"1116508960750899201","clientOid":"1116508960750899200","triggerPrice":"35000.000000000","triggerType":"mark_price","triggerTime":"1701922464373","planType":"pl","price":"35000.000000000","size":"0.001000000","actualSize":"0.000000000","orderType":"limit","side":"buy","tradeSide":"open","posSide":"long","marginCoin":"USDT","status":"cancelled","posMode":"hedge_mode","enterPointSource":"api","stopSurplusTriggerType":"fill_price","stopLossTriggerType":"fill_price","cTime":"1701922400653","uTime":"1701922464373"}],"ts":1701922464417}"#;
const FILL: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"fill","instId":"default"},"data":[{"orderId":"111","clientOid":"111","tradeId":"222","symbol":"BTCUSDT","side":"buy","orderType":"market","posMode":"one_way_mode","price":"51000.5","baseVolume":"0.01","quoteVolume":"510.005","profit":"0","tradeSide":"open","tradeScope":"taker","feeDetail":[{"feeCoin":"USDT","deduction":"no","totalDeductionFee":"0","totalFee":"-0.183717"}],"cTime":"1703577336606","uTime":"1703577336606"}],"ts":1703577336700}"#;

fn push(text: &str) -> viper_bitget::ws::Push {
    match decode(text).unwrap() {
        Frame::Push(p) => p,
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_spec_push_decodes() {
    assert!(
        matches!(push(TICKER).data, PushData::Ticker(t) if t[0].last_pr.0.to_string() == "43480.4")
    );
    let PushData::Book(b) = push(BOOKS5).data else {
        panic!()
    };
    assert_eq!(
        (b[0].asks.len(), b[0].seq, b[0].checksum),
        (2, Some(123), Some(0))
    );
    assert_eq!(b[0].asks[0].text, "27000.5:8.760", "exact strings kept");
    assert!(matches!(push(TRADE).data, PushData::Trade(t) if t.len() == 2));
    assert!(matches!(push(CANDLE).data, PushData::Candle(c) if c[0].start == 1695685500000));
    let p = push(ACCOUNT);
    assert_eq!(p.arg.inst_id, "default");
    assert!(
        matches!(p.data, PushData::Account(a) if a[0].available.unwrap().to_string() == "26.14309528")
    );
    assert!(
        matches!(push(POSITIONS).data, PushData::Positions(p) if p[0].leverage == Some(20.into()))
    );
    let PushData::Orders(o) = push(ORDERS).data else {
        panic!()
    };
    assert_eq!(o[0].status, OrderState::Filled);
    assert_eq!(o[0].latest_fill().unwrap().scope, Some(TradeScope::Taker));
    let PushData::AlgoOrders(a) = push(ALGO).data else {
        panic!()
    };
    assert_eq!(a[0].status, PlanStatus::Cancelled);
    let PushData::Fills(f) = push(FILL).data else {
        panic!()
    };
    assert_eq!(f[0].trade_scope, Some(TradeScope::Taker));
    assert_eq!(push(TICKER).action, Action::Snapshot);
}

#[test]
fn tolerant_variants() {
    for login in [
        r#"{"event":"login","code":"0","msg":""}"#,
        r#"{"event":"login","code":0}"#,
    ] {
        assert_eq!(
            decode(login).unwrap(),
            Frame::Event(ServerEvent::Login {
                code: 0,
                msg: String::new()
            })
        );
    }
    for err in [
        r#"{"event":"error","code":30015,"msg":"Invalid sign"}"#,
        r#"{"event":"error","code":"30015","msg":"Invalid sign"}"#,
    ] {
        assert!(matches!(
            decode(err).unwrap(),
            Frame::Event(ServerEvent::Error { code: 30015, .. })
        ));
    }
    // Numbers as numbers, "" as none, upper-case enums, `canceled` in algo, data before arg.
    let t = r#"{"data":[{"instId":"BTCUSDT","lastPr":43480.4,"bidPr":"","askPr":null}],"ts":1,"action":"update","arg":{"instType":"USDT-FUTURES","channel":"ticker","instId":"btcusdt"}}"#;
    let p = push(t);
    assert_eq!(
        (p.arg.inst_id.as_str(), p.action),
        ("BTCUSDT", Action::Update)
    );
    assert!(matches!(p.data, PushData::Ticker(t) if t[0].bid_pr.is_none()));
    let a = ALGO.replace("\"cancelled\"", "\"CANCELED\"");
    assert!(
        matches!(push(&a).data, PushData::AlgoOrders(a) if a[0].status == PlanStatus::Cancelled)
    );
    let o = ORDERS
        .replace("\"filled\"", "\"cancelled\"")
        .replace("\"no\"", "\"NO\"");
    assert!(matches!(push(&o).data, PushData::Orders(o) if o[0].status == OrderState::Canceled));
    assert_eq!(decode("pong").unwrap(), Frame::Pong);
}

#[test]
fn unknown_channels_and_malformed_frames_are_errors() {
    let unknown = TICKER.replace("\"ticker\"", "\"mystery\"");
    assert!(decode(&unknown).unwrap_err().reason.contains("mystery"));
    for bad in [
        "",
        "ping",
        "{",
        "[]",
        "null",
        r#"{"action":"snapshot"}"#,
        &TICKER[..TICKER.len() - 1],
    ] {
        assert!(decode(bad).is_err(), "{bad}");
    }
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,400}") {
        let _ = decode(&s);
    }

    #[test]
    fn mutated_frames_never_panic(which in 0usize..9, pos in 0usize..2000, len in 0usize..20, junk in "[\\[\\]{}\",:0-9a-z.-]{0,12}") {
        let frames = [TICKER, BOOKS5, TRADE, CANDLE, ACCOUNT, POSITIONS, ORDERS, ALGO, FILL];
        let f = frames[which];
        let mut bytes = f.as_bytes().to_vec();
        let at = pos % bytes.len();
        let end = (at + len).min(bytes.len());
        bytes.splice(at..end, junk.bytes());
        if let Ok(s) = std::str::from_utf8(&bytes) {
            let _ = decode(s);
        }
    }
}
