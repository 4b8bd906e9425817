//! `viper record DIR` against a `viper sim` child process (the real binary both sides): every
//! read endpoint and channel is saved, none of the simulator's key, secret, passphrase, UID
//! or order ids survives in the recording, and `viper decode DIR` passes on it. A folder
//! with a file that is not JSON, or of an unknown endpoint, is reported per file.
#![allow(missing_docs, clippy::unwrap_used)]

mod ops_support;

use ops_support::{start_sim, viper};
use rust_decimal::Decimal;
use viper_bitget::models::{ClientOid, OrderType, PlaceOrderRequest, Price, Side, Size};
use viper_bitget::{Credentials, RestClient, RestConfig};

const KEY: &str = viper_sim::DEFAULT_API_KEY;
const SECRET: &str = viper_sim::DEFAULT_API_SECRET;
const PASS: &str = viper_sim::DEFAULT_PASSPHRASE;

/// Opens a protected position and rests a limit order; returns every id the exchange gave.
fn trade(url: &str) -> Vec<String> {
    actix_rt::System::new().block_on(async {
        let c = RestClient::new(RestConfig::custom(
            url,
            Some(Credentials::new(KEY, SECRET, PASS)),
        ));
        c.sync_clock().await.unwrap();
        let last = c.ticker("BTCUSDT").await.unwrap().last_pr.0;
        let mut ids = Vec::new();
        let mut m = PlaceOrderRequest::new(
            "BTCUSDT",
            Side::Buy,
            OrderType::Market,
            Size("0.001".parse().unwrap()),
            ClientOid::new("rec-secret-oid-1").unwrap(),
        );
        m.preset_stop_loss_price = Some(Price((last * Decimal::new(9, 1)).round_dp(1)));
        ids.extend(c.place_order(&m).await.unwrap().order_id);
        let mut l = PlaceOrderRequest::new(
            "BTCUSDT",
            Side::Buy,
            OrderType::Limit,
            Size("0.001".parse().unwrap()),
            ClientOid::new("rec-secret-oid-2").unwrap(),
        );
        l.price = Some(Price((last * Decimal::new(96, 2)).round_dp(1)));
        ids.extend(c.place_order(&l).await.unwrap().order_id);
        ids.push("rec-secret-oid-1".into());
        ids.push("rec-secret-oid-2".into());
        ids
    })
}

fn all_text(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for folder in std::fs::read_dir(dir).unwrap().flatten() {
        for f in std::fs::read_dir(folder.path()).unwrap().flatten() {
            let text = std::fs::read_to_string(f.path()).unwrap();
            out.push((f.path().display().to_string(), text));
        }
    }
    out
}

#[test]
fn record_against_the_simulator_then_decode() {
    let (_sim, url) = start_sim(None);
    let ids = trade(&url);
    assert!(ids.len() >= 4, "{ids:?}");
    let tmp = tempfile::tempdir().unwrap();
    let rec = tmp.path().join("rec");
    let out = viper()
        .args(["record", rec.to_str().unwrap(), "--exchange-url", &url])
        .args(["--duration", "4s"])
        .env("VIPER_SYMBOLS", "BTCUSDT")
        .env("BITGET_API_KEY", KEY)
        .env("BITGET_API_SECRET", SECRET)
        .env("BITGET_API_PASSPHRASE", PASS)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let files = all_text(&rec);
    let names: Vec<String> = std::fs::read_dir(&rec)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for want in [
        "accounts",
        "all-position",
        "orders-pending",
        "orders-plan-pending",
        "contracts",
        "ticker",
        "info",
        "ws-event",
        "ws-ticker",
        "ws-books",
        "ws-account",
        "ws-positions",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing in {names:?}"
        );
    }
    for (path, text) in &files {
        for secret in [KEY, SECRET, PASS, "6900000001"]
            .iter()
            .map(|s| s.to_string())
            .chain(ids.clone())
        {
            assert!(!text.contains(&secret), "{path} contains {secret}");
        }
    }
    // The order ids were there, replaced: the pending order is still listed.
    let pending = files
        .iter()
        .find(|(p, _)| p.contains("orders-pending"))
        .unwrap();
    assert!(pending.1.contains("9000000000000"), "{}", pending.1);

    let out = viper().arg("decode").arg(&rec).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{table}");
    assert!(
        table.contains(&format!("{} file(s), 0 failed", files.len())),
        "{table}"
    );

    // Bad input: reported per file, the others still pass, the exit is non-zero.
    std::fs::write(rec.join("accounts").join("broken.json"), "<html>502</html>").unwrap();
    std::fs::create_dir_all(rec.join("no-such-endpoint")).unwrap();
    std::fs::write(rec.join("no-such-endpoint").join("1.json"), "{}").unwrap();
    let out = viper().arg("decode").arg(&rec).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{table}");
    let line = |needle: &str| {
        table
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} not in {table}"))
            .to_owned()
    };
    assert!(line("broken.json").contains("FAIL") && line("broken.json").contains("not JSON"));
    assert!(line("no-such-endpoint").contains("unknown endpoint"));
    assert!(line("accounts/001.json").contains("pass"));
    assert!(table.contains("2 failed"), "{table}");
}
