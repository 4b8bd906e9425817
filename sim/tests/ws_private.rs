//! Private WebSocket channels: login codes, pushes driven by the same state as REST.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::ws::{Ws, arg, is_push};
use common::*;
use serde_json::json;

#[actix_rt::test]
async fn login_failures_close_the_connection() {
    let api = Api::default().await;
    let (k, s, p) = (
        viper_sim::DEFAULT_API_KEY,
        viper_sim::DEFAULT_API_SECRET,
        viper_sim::DEFAULT_PASSPHRASE,
    );
    let now = now_ms() / 1000;
    let cases = [
        (Ws::login_msg("nobody", s, p, now), 30011),
        (Ws::login_msg(k, s, "wrong", now), 30012),
        (Ws::login_msg(k, s, p, now - 60), 30014),
        (Ws::login_msg(k, "wrong-secret", p, now), 30015),
        (
            json!({"op": "login", "args": [{"apiKey": k, "passphrase": p, "timestamp": "soon", "sign": "x"}]}),
            30013,
        ),
    ];
    for (msg, code) in cases {
        let mut ws = Ws::connect(&api.sim.ws_private_url).await;
        ws.send_json(msg).await;
        let e = ws.wait(2000, |v| v["event"] == "error").await;
        assert_eq!(e["code"], code, "{e}");
        assert!(ws.wait_closed(2000).await);
    }
    let mut ws = Ws::connect(&api.sim.ws_private_url).await;
    ws.subscribe(json!([arg("orders", "default")])).await;
    assert_eq!(
        ws.wait(2000, |v| v["event"] == "error").await["code"],
        30004
    );
    let ok = ws.login_default().await;
    assert_eq!(
        (ok["event"].as_str(), &ok["code"]),
        (Some("login"), &json!(0)),
        "a numeric code by default, as live sends it"
    );
}

#[actix_rt::test]
async fn login_accepts_a_numeric_timestamp_and_refuses_other_shapes() {
    let api = Api::default().await;
    let (k, s, p) = (
        viper_sim::DEFAULT_API_KEY,
        viper_sim::DEFAULT_API_SECRET,
        viper_sim::DEFAULT_PASSPHRASE,
    );
    let now = now_ms() / 1000;
    let mut msg = Ws::login_msg(k, s, p, now);
    msg["args"][0]["timestamp"] = json!(now);
    let mut ws = Ws::connect(&api.sim.ws_private_url).await;
    ws.send_json(msg.clone()).await;
    let ok = ws.wait(2000, |v| v["event"].is_string()).await;
    assert_eq!(
        (&ok["event"], &ok["code"]),
        (&json!("login"), &json!(0)),
        "{ok}"
    );
    ws.subscribe(json!([arg("orders", "default")])).await;
    let ack = ws.wait(2000, |v| v["event"].is_string()).await;
    assert_eq!(ack["event"], "subscribe", "{ack}");
    for bad in [json!(now as f64 + 0.5), json!(true), json!(null), json!(-5)] {
        let mut m = msg.clone();
        m["args"][0]["timestamp"] = bad;
        let mut ws = Ws::connect(&api.sim.ws_private_url).await;
        ws.send_json(m).await;
        let e = ws.wait(2000, |v| v["event"] == "error").await;
        assert_eq!(e["code"], 30013, "{e}");
    }
}

#[actix_rt::test]
async fn pushes_agree_with_rest_after_a_sequence_of_orders() {
    let api = Api::default().await;
    api.set_price("BTCUSDT", "65000").await;
    let mut ws = Ws::connect(&api.sim.ws_private_url).await;
    ws.login_default().await;
    ws.subscribe(json!([{"instType": "USDT-FUTURES", "channel": "account", "coin": "default"},
        arg("positions", "default"), arg("orders", "default"), arg("orders-algo", "default"), arg("fill", "default")])).await;
    let acct = ws.wait(2000, |v| is_push(v, "account")).await;
    assert_eq!(acct["data"][0]["equity"], "1000");
    let pos = ws.wait(2000, |v| is_push(v, "positions")).await;
    assert_eq!(pos["data"], json!([]), "flat: an empty snapshot");

    let o = api
        .ok_place(
            json!({"side": "buy", "orderType": "market", "size": "0.002", "clientOid": "ws-1",
        "presetStopLossPrice": "60000"}),
        )
        .await;
    let filled = ws
        .wait(2000, |v| {
            is_push(v, "orders") && v["data"][0]["status"] == "filled"
        })
        .await;
    let d = &filled["data"][0];
    let rest = api.detail("BTCUSDT", o["orderId"].as_str().unwrap()).await;
    assert_eq!(d["clientOid"], "ws-1");
    assert_eq!(d["accBaseVolume"], rest["baseVolume"]);
    assert_eq!(d["priceAvg"], rest["priceAvg"]);
    assert_eq!(d["reduceOnly"], "no");
    assert_eq!(d["tradeScope"], "T");
    let fill = ws.wait(2000, |v| is_push(v, "fill")).await;
    let rest_fills = api
        .ok_get("/api/v2/mix/order/fills", "productType=USDT-FUTURES")
        .await;
    assert_eq!(
        fill["data"][0]["tradeId"],
        rest_fills["fillList"][0]["tradeId"]
    );
    assert_eq!(fill["data"][0]["tradeScope"], "taker");
    let pos = ws
        .wait(2000, |v| {
            is_push(v, "positions") && !v["data"].as_array().unwrap().is_empty()
        })
        .await;
    let rest_pos = api.positions().await;
    assert_eq!(pos["data"][0]["total"], rest_pos[0]["total"]);
    assert_eq!(pos["data"][0]["openPriceAvg"], rest_pos[0]["openPriceAvg"]);
    assert!(
        pos["data"][0]["leverage"].is_u64(),
        "leverage is a number in WS positions"
    );
    let algo = ws.wait(2000, |v| is_push(v, "orders-algo")).await;
    assert_eq!(
        (
            algo["data"][0]["planType"].as_str(),
            algo["data"][0]["status"].as_str()
        ),
        (Some("psl"), Some("live"))
    );

    // The stop fires: the plan is executed, the position disappears from the snapshot.
    api.set_price("BTCUSDT", "59000").await;
    let done = ws
        .wait(2000, |v| {
            is_push(v, "orders-algo") && v["data"][0]["status"] == "executed"
        })
        .await;
    assert_eq!(done["data"][0]["planType"], "psl");
    ws.wait(2000, |v| is_push(v, "positions") && v["data"] == json!([]))
        .await;
    assert!(api.positions().await.is_empty());
    let acct = ws.wait(2000, |v| is_push(v, "account")).await;
    let rest_acct = api.account().await;
    assert_eq!(acct["data"][0]["equity"], rest_acct["accountEquity"]);
}
