//! Subscribe every public and private channel against the simulator and receive a typed
//! push of each; private pushes are driven by orders placed over REST.
#![allow(missing_docs, clippy::unwrap_used)]
mod ws_common;

use std::collections::BTreeSet;
use viper_bitget::models::{ClientOid, OrderState, OrderType, PlanStatus, Price, Side, Size};
use viper_bitget::models::{PlaceOrderRequest, TradeScope};
use viper_bitget::ws::{Channel, PushData, SubArg, WsClient, WsEvent};
use ws_common::*;

fn public_subs() -> Vec<SubArg> {
    [
        Channel::Ticker,
        Channel::Books,
        Channel::Books1,
        Channel::Books5,
        Channel::Books15,
        Channel::Trade,
        Channel::Candle("1m".into()),
    ]
    .into_iter()
    .map(|c| SubArg::new(c, "BTCUSDT"))
    .collect()
}

#[actix_rt::test]
async fn every_public_channel_pushes_typed_data() {
    let sim = sim(sim_config()).await;
    let (h, mut rx) = WsClient::start(ws_config(&sim), public_subs(), None).unwrap();
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Connected { .. })).await;
    let mut want: BTreeSet<String> = public_subs().iter().map(|a| a.channel.name()).collect();
    // A trade at a new price, so trade/candle updates follow the initial snapshots.
    set_price(&sim, "BTCUSDT", "65500").await;
    while !want.is_empty() {
        let ev = wait_for(&mut rx, 5000, |e| {
            matches!(e, WsEvent::Push(_) | WsEvent::Book(_))
        })
        .await;
        match ev {
            WsEvent::Push(p) => {
                match &p.data {
                    PushData::Ticker(t) => {
                        assert_eq!(t[0].inst_id, "BTCUSDT");
                        assert!(t[0].last_pr.0 > 0.into());
                        assert!(t[0].bid_pr.unwrap() < t[0].ask_pr.unwrap());
                    }
                    PushData::Trade(t) => assert!(t.iter().all(|t| t.size.0 > 0.into())),
                    PushData::Candle(c) => assert!(c.iter().all(|c| c.high >= c.low)),
                    other => panic!("unexpected {other:?}"),
                }
                want.remove(&p.arg.channel.name());
            }
            WsEvent::Book(b) => {
                assert!(!b.bids.is_empty() && !b.asks.is_empty());
                assert!(b.bids[0].0 < b.asks[0].0, "crossed book {b:?}");
                let depth = match b.arg.channel {
                    Channel::Books1 => 1,
                    Channel::Books5 => 5,
                    Channel::Books15 => 15,
                    _ => 25,
                };
                assert!(b.bids.len() <= depth && b.asks.len() <= depth);
                want.remove(&b.arg.channel.name());
            }
            _ => unreachable!(),
        }
    }
    let book = h
        .book(&SubArg::new(Channel::Books, "BTCUSDT"), 100)
        .unwrap();
    assert!(book.bids.len() >= 25, "full-depth book kept locally");
    assert!(h.subscription_age(&SubArg::ticker("BTCUSDT")).is_some());
    h.shutdown();
}

#[actix_rt::test]
async fn every_private_channel_pushes_typed_data() {
    let sim = sim(sim_config()).await;
    let subs = [
        Channel::Account,
        Channel::Positions,
        Channel::Orders,
        Channel::OrdersAlgo,
        Channel::Fill,
    ]
    .into_iter()
    .map(SubArg::private)
    .collect::<Vec<_>>();
    let (h, mut rx) = WsClient::start(ws_config(&sim), subs, Some(creds())).unwrap();
    wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::LoggedIn { .. })).await;
    for _ in 0..5 {
        wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Subscribed { .. })).await;
    }
    let api = rest(&sim);
    let mut req = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Market,
        Size("0.01".parse().unwrap()),
        ClientOid::new("ws-ch-1").unwrap(),
    );
    req.preset_stop_loss_price = Some(Price("60000".parse().unwrap()));
    api.place_order(&req).await.unwrap();
    let (mut order, mut fill, mut pos, mut acct, mut algo) = (false, false, false, false, false);
    while !(order && fill && pos && acct && algo) {
        let WsEvent::Push(p) = wait_for(&mut rx, 5000, |e| matches!(e, WsEvent::Push(_))).await
        else {
            unreachable!()
        };
        match p.data {
            PushData::Orders(o) if o[0].status == OrderState::Filled => {
                let f = o[0].latest_fill().expect("fill fields on a fill push");
                assert_eq!(f.size.0, "0.01".parse().unwrap());
                assert_eq!(f.scope, Some(TradeScope::Taker));
                assert_eq!(o[0].client_oid.as_deref(), Some("ws-ch-1"));
                // The push itself confirms the protection the fill attached.
                let t = o[0].attached_tpsl().expect("attached TP/SL on the push");
                assert_eq!(t.stop_loss, Some(Price("60000".parse().unwrap())));
                assert_eq!(t.take_profit, None);
                assert_eq!(o[0].fee_detail.len(), 1);
                assert!(o[0].fee_detail[0].fee.is_some_and(|f| !f.is_zero()));
                order = true;
            }
            PushData::Fills(f) => {
                assert_eq!(f[0].base_volume.0, "0.01".parse().unwrap());
                fill = true;
            }
            PushData::Positions(ps) if !ps.is_empty() => {
                assert_eq!(ps[0].total.0, "0.01".parse().unwrap());
                assert!(ps[0].keep_margin_rate.is_some_and(|r| r > 0.into()));
                assert!(ps[0].margin_rate.is_some_and(|r| r > 0.into()));
                assert!(ps[0].break_even_price.is_some());
                assert_eq!(ps[0].frozen.map(|f| f.0), Some(0.into()));
                pos = true;
            }
            PushData::Account(a) => {
                assert_eq!(a[0].margin_coin, "USDT");
                acct = true;
            }
            PushData::AlgoOrders(a) => {
                assert_eq!(a[0].status, PlanStatus::Live);
                assert!(a[0].trade_side.is_some() && a[0].trigger_time.is_some());
                assert_eq!(a[0].actual_size.map(|s| s.0), Some(0.into()));
                assert_eq!(a[0].trigger_price.unwrap().0, "60000".parse().unwrap());
                algo = true;
            }
            _ => {}
        }
    }
    h.shutdown();
}
