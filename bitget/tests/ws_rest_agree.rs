//! After a sequence of orders over REST, the state built from private pushes (orders,
//! positions, account) agrees with what REST answers.
#![allow(missing_docs, clippy::unwrap_used)]
mod ws_common;

use std::collections::HashMap;
use viper_bitget::models::{ClientOid, OrderRef, OrderType, PlaceOrderRequest, Price, Side, Size};
use viper_bitget::ws::{Channel, PushData, SubArg, WsClient, WsEvent};
use ws_common::*;

fn order(oid: &str, side: Side, size: &str, price: Option<&str>) -> PlaceOrderRequest {
    let t = if price.is_some() {
        OrderType::Limit
    } else {
        OrderType::Market
    };
    let mut r = PlaceOrderRequest::new(
        "BTCUSDT",
        side,
        t,
        Size(size.parse().unwrap()),
        ClientOid::new(oid).unwrap(),
    );
    r.price = price.map(|p| Price(p.parse().unwrap()));
    r
}

#[actix_rt::test]
async fn pushes_and_rest_agree_after_a_sequence_of_orders() {
    let sim = sim(sim_config()).await;
    let subs = [Channel::Orders, Channel::Positions, Channel::Account]
        .into_iter()
        .map(SubArg::private)
        .collect();
    let (h, mut rx) = WsClient::start(ws_config(&sim), subs, Some(creds())).unwrap();
    for _ in 0..3 {
        wait_for(&mut rx, 3000, |e| matches!(e, WsEvent::Subscribed { .. })).await;
    }
    let api = rest(&sim);
    api.place_order(&order("agree-1", Side::Buy, "0.02", None))
        .await
        .unwrap();
    api.place_order(&order("agree-2", Side::Buy, "0.01", Some("63000")))
        .await
        .unwrap();
    api.place_order(&order("agree-3", Side::Sell, "0.005", None))
        .await
        .unwrap();
    api.place_order(&order("agree-4", Side::Buy, "0.01", Some("64000")))
        .await
        .unwrap();
    // Last step a cancel: the simulator pushes `account` on fills and cancels but not when a
    // resting order is placed (see the report), so the final account push must follow one.
    api.cancel_order(
        "BTCUSDT",
        OrderRef::ClientOid(ClientOid::new("agree-2").unwrap()),
    )
    .await
    .unwrap();

    let mut orders = HashMap::new();
    let (mut positions, mut account) = (None, None);
    // Pushes of every step arrive within moments; stop after a quiet half second.
    loop {
        let batch = collect_for(&mut rx, 500).await;
        if batch.is_empty() {
            break;
        }
        for e in batch {
            let WsEvent::Push(p) = e else { continue };
            match p.data {
                PushData::Orders(list) => {
                    for o in list {
                        orders.insert(o.client_oid.clone().unwrap(), o);
                    }
                }
                PushData::Positions(ps) => positions = Some(ps),
                PushData::Account(a) => account = a.into_iter().next(),
                _ => {}
            }
        }
    }
    assert_eq!(orders.len(), 4, "{:?}", orders.keys());
    for (oid, pushed) in &orders {
        let r = ClientOid::new(oid.clone()).unwrap();
        let rest = api
            .order_detail("BTCUSDT", &OrderRef::ClientOid(r))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(pushed.status, rest.state, "{oid}");
        assert_eq!(pushed.order_id, rest.order_id, "{oid}");
        let filled = pushed.acc_base_volume.map(|s| s.0).unwrap_or_default();
        assert_eq!(
            filled,
            rest.base_volume.map(|s| s.0).unwrap_or_default(),
            "{oid}"
        );
    }
    let positions = positions.unwrap();
    let rest_pos = api.all_positions().await.unwrap();
    assert_eq!(positions.len(), rest_pos.len());
    assert_eq!(positions[0].total.0, rest_pos[0].total.0);
    assert_eq!(positions[0].total.0, "0.015".parse().unwrap());
    assert_eq!(
        positions[0].open_price_avg.unwrap().0,
        rest_pos[0].open_price_avg.0
    );
    let account = account.unwrap();
    let rest_acct = api.account("BTCUSDT").await.unwrap();
    assert_eq!(account.available.unwrap(), rest_acct.available.round_dp(8));
    assert_eq!(
        account.equity.unwrap(),
        rest_acct.account_equity.round_dp(8)
    );
    h.shutdown();
}
