//! Every authentication and authorisation outcome of spec §2.4, over loopback.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::json;
use viper_sim::config::{AccountConfig, KeyConfig};

const ACCT: &str = "/api/v2/mix/account/accounts";
const Q: &str = "productType=USDT-FUTURES";

fn key(api_key: &str, perms: &[&str], ips: &[&str], demo: bool) -> KeyConfig {
    KeyConfig {
        api_key: api_key.into(),
        secret: format!("{api_key}-secret"),
        passphrase: format!("{api_key}-pass"),
        permissions: perms.iter().map(|s| s.to_string()).collect(),
        ips: ips.iter().map(|s| s.to_string()).collect(),
        demo,
    }
}

async fn with_keys() -> Api {
    let mut cfg = config();
    cfg.accounts.push(AccountConfig {
        uid: 77,
        balance: 500.into(),
        pos_mode: "one_way_mode".into(),
        leverage: 10,
        keys: vec![
            key("readonly", &["coor", "cpor"], &[], false),
            key("elsewhere", &["coow", "cpow"], &["192.0.2.10"], false),
            key("demokey", &["coow", "cpow"], &[], true),
        ],
    });
    Api::start(cfg).await
}

fn as_key(api: &mut Api, k: &str) {
    api.key = k.into();
    api.secret = format!("{k}-secret");
    api.pass = format!("{k}-pass");
}

#[actix_rt::test]
async fn valid_signature_passes_and_unsorted_query_is_signed_as_sent() {
    let api = Api::default().await;
    api.ok_get(ACCT, Q).await;
    // The server verifies the query exactly as received, in any order.
    api.ok_get(
        "/api/v2/mix/account/account",
        "symbol=BTCUSDT&productType=USDT-FUTURES&marginCoin=USDT",
    )
    .await;
}

#[actix_rt::test]
async fn missing_headers() {
    let api = Api::default().await;
    let full = api.auth_headers("GET", ACCT, Q, "");
    let without = |name: &str| {
        full.iter()
            .filter(|(k, _)| *k != name)
            .cloned()
            .collect::<Vec<_>>()
    };
    let path = format!("{ACCT}?{Q}");
    Api::expect_err(
        api.raw("GET", &path, "", &without("ACCESS-KEY")).await,
        400,
        "40001",
    );
    Api::expect_err(
        api.raw("GET", &path, "", &without("ACCESS-SIGN")).await,
        400,
        "40002",
    );
    Api::expect_err(
        api.raw("GET", &path, "", &without("ACCESS-PASSPHRASE"))
            .await,
        400,
        "40011",
    );
    Api::expect_err(
        api.raw("GET", &path, "", &without("ACCESS-TIMESTAMP"))
            .await,
        400,
        "40005",
    );
}

#[actix_rt::test]
async fn bad_values() {
    let mut api = Api::default().await;
    let path = format!("{ACCT}?{Q}");
    let mut h = api.auth_headers("GET", ACCT, Q, "");
    h[2].1 = "yesterday".into();
    Api::expect_err(api.raw("GET", &path, "", &h).await, 400, "40005");
    let mut h = api.auth_headers("GET", ACCT, Q, "");
    h[0].1 = "no-such-key".into();
    Api::expect_err(api.raw("GET", &path, "", &h).await, 400, "40006");
    let mut h = api.auth_headers("GET", ACCT, Q, "");
    h[3].1 = "wrong".into();
    Api::expect_err(api.raw("GET", &path, "", &h).await, 400, "40012");
    let mut h = api.auth_headers("GET", ACCT, Q, "");
    h[1].1 = sign("wrong-secret", "anything");
    Api::expect_err(api.raw("GET", &path, "", &h).await, 400, "40009");
    // A body changed after signing fails the signature.
    let body = json!({"productType": "USDT-FUTURES", "posMode": "one_way_mode"}).to_string();
    let h = api.auth_headers("POST", "/api/v2/mix/account/set-position-mode", "", &body);
    let tampered = body.replace("one_way_mode", "hedge_mode");
    Api::expect_err(
        api.raw(
            "POST",
            "/api/v2/mix/account/set-position-mode",
            &tampered,
            &h,
        )
        .await,
        400,
        "40009",
    );
    api.ts_offset_ms = -31_000;
    Api::expect_err(api.get(ACCT, Q).await, 400, "40008");
    api.ts_offset_ms = 29_000;
    api.ok_get(ACCT, Q).await;
}

#[actix_rt::test]
async fn whitelist_permissions_environment_and_content_type() {
    let mut api = with_keys().await;
    as_key(&mut api, "elsewhere");
    Api::expect_err(api.get(ACCT, Q).await, 400, "40018");
    as_key(&mut api, "readonly");
    api.ok_get(ACCT, Q).await;
    let info = api.ok_get("/api/v2/spot/account/info", "").await;
    assert_eq!(info["authorities"], json!(["coor", "cpor"]));
    assert_eq!(info["ips"], "");
    assert_eq!(info["userId"], "77");
    Api::expect_err(
        api.place(json!({"side": "buy", "orderType": "market", "size": "0.001"}))
            .await,
        400,
        "40014",
    );
    as_key(&mut api, "demokey");
    Api::expect_err(api.get(ACCT, Q).await, 400, "40099");
    api.demo = true;
    api.ok_get(ACCT, Q).await;
    // The default key's IP whitelist is loopback, shown by the key-info endpoint.
    let mut api = Api::default().await;
    let info = api.ok_get("/api/v2/spot/account/info", "").await;
    assert_eq!(info["ips"], "127.0.0.1,::1");
    api.demo = true;
    Api::expect_err(api.get(ACCT, Q).await, 400, "40099");
    api.demo = false;
    let body = json!({"productType": "USDT-FUTURES", "posMode": "one_way_mode"}).to_string();
    let mut h = api.auth_headers("POST", "/api/v2/mix/account/set-position-mode", "", &body);
    h[4].1 = "text/plain".into();
    Api::expect_err(
        api.raw("POST", "/api/v2/mix/account/set-position-mode", &body, &h)
            .await,
        400,
        "40007",
    );
}
