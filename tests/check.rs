//! `viper check` against a `viper sim` child process: a trade key passes (table, JSON,
//! `--trade-test`); a key with withdraw permission or a read-only key fails naming the
//! reason; an explicit override turns the failure into a warning; live `viper run` refuses
//! such a key before anything starts.
#![allow(missing_docs, clippy::unwrap_used)]

mod ops_support;

use ops_support::{Running, start_sim, viper};
use serde_json::Value;

const SIM: &str = r#"
seed = 5
[[accounts]]
uid = 1001
balance = "1000"
[[accounts.keys]]
api_key = "trade-key"
secret = "trade-secret-9d1c"
passphrase = "trade-pass-51"
permissions = ["coor", "coow"]
ips = ["127.0.0.1"]

[[accounts]]
uid = 1002
balance = "1000"
[[accounts.keys]]
api_key = "withdraw-key"
secret = "withdraw-secret-4e7b"
passphrase = "withdraw-pass-22"
permissions = ["coor", "coow", "wwow"]
ips = ["127.0.0.1"]

[[accounts]]
uid = 1003
balance = "1000"
[[accounts.keys]]
api_key = "readonly-key"
secret = "readonly-secret-77aa"
passphrase = "readonly-pass-90"
permissions = ["coor", "cpor"]
ips = ["127.0.0.1"]
"#;

struct Fixture {
    _sim: Running,
    url: String,
    dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let sim_cfg = dir.path().join("sim.toml");
    std::fs::write(&sim_cfg, SIM).unwrap();
    let (sim, url) = start_sim(Some(&sim_cfg));
    std::fs::write(
        dir.path().join("live.toml"),
        format!(
            "mode = \"live\"\nsymbols = [\"BTCUSDT\"]\ndata_dir = {:?}\n[admin]\nlisten = \"127.0.0.1:0\"\n",
            dir.path().join("data")
        ),
    )
    .unwrap();
    Fixture {
        _sim: sim,
        url,
        dir,
    }
}

fn check(f: &Fixture, who: &str, extra: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = viper();
    cmd.arg("check")
        .arg("--config")
        .arg(f.dir.path().join("live.toml"))
        .args(["--exchange-url", &f.url])
        .args(extra)
        .env("BITGET_API_KEY", format!("{who}-key"))
        .env("BITGET_API_SECRET", secret(who))
        .env("BITGET_API_PASSPHRASE", pass(who));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn secret(who: &str) -> &'static str {
    match who {
        "trade" => "trade-secret-9d1c",
        "withdraw" => "withdraw-secret-4e7b",
        _ => "readonly-secret-77aa",
    }
}

fn pass(who: &str) -> &'static str {
    match who {
        "trade" => "trade-pass-51",
        "withdraw" => "withdraw-pass-22",
        _ => "readonly-pass-90",
    }
}

fn row<'a>(report: &'a Value, check: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"].as_str().unwrap().starts_with(check))
        .unwrap_or_else(|| panic!("no row {check}: {report}"))
}

#[test]
fn a_trade_key_passes_every_check_and_the_trade_test() {
    let f = fixture();
    let (ok, out, err) = check(&f, "trade", &["--trade-test"], &[]);
    assert!(ok, "{out}\n{err}");
    for want in [
        "GET public/time",
        "GET market/ticker BTCUSDT",
        "GET account/account",
        "GET position/all-position",
        "GET order/detail (unknown clientOid)",
        "GET market/contracts",
        "GET order/orders-pending",
        "GET order/orders-plan-pending",
        "server time offset",
        "key: IP whitelist",
        "position mode",
        "margin mode, leverage BTCUSDT",
        "WS public (ticker)",
        "WS private (login, account)",
        "trade test BTCUSDT",
        "OK: ",
    ] {
        assert!(out.contains(want), "{want} missing:\n{out}");
    }
    assert!(!out.contains("FAIL"), "{out}");
    let (ok, out, err) = check(&f, "trade", &["--json"], &[]);
    assert!(ok, "{out}\n{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(
        row(&report, "GET order/detail")["detail"],
        "not found, as expected"
    );
    assert!(
        row(&report, "GET market/ticker")["max_ms"]
            .as_u64()
            .unwrap()
            < 2000
    );
    assert_eq!(row(&report, "trade test")["status"], "SKIP");
}

#[test]
fn a_withdraw_key_fails_unless_explicitly_allowed() {
    let f = fixture();
    let (ok, out, _) = check(&f, "withdraw", &[], &[]);
    assert!(!ok, "a withdraw key must fail:\n{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("key: no withdraw permission"))
        .unwrap();
    assert!(line.contains("FAIL") && line.contains("wwow"), "{line}");
    assert!(line.contains("live.allow_withdraw_permission"), "{line}");
    let (ok, out, _) = check(
        &f,
        "withdraw",
        &[],
        &[("VIPER_LIVE__ALLOW_WITHDRAW_PERMISSION", "true")],
    );
    assert!(ok, "the explicit override turns it into a warning:\n{out}");
    assert!(out.contains("WARN") && out.contains("accepted by live.allow_withdraw_permission"));
}

#[test]
fn a_read_only_key_fails_naming_the_missing_permission() {
    let f = fixture();
    let (ok, out, _) = check(&f, "readonly", &["--json"], &[]);
    assert!(!ok, "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let r = row(&report, "key: futures trade permission");
    assert_eq!(r["status"], "FAIL");
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .contains("lacks futures trade permission (coow"),
        "{r}"
    );
}

#[test]
fn live_run_refuses_a_withdraw_key_before_starting() {
    let f = fixture();
    let out = viper()
        .arg("run")
        .arg("--config")
        .arg(f.dir.path().join("live.toml"))
        .args(["--exchange-url", &f.url, "--duration", "5s"])
        .env("BITGET_API_KEY", "withdraw-key")
        .env("BITGET_API_SECRET", secret("withdraw"))
        .env("BITGET_API_PASSPHRASE", pass("withdraw"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("live mode refuses this API key") && stderr.contains("withdraw"),
        "{stderr}"
    );
    assert!(
        !stdout.contains("viper summary"),
        "the bot must not have run"
    );
    // The journal may exist: start-up opens local resources before touching the exchange.
    for s in [secret("withdraw"), pass("withdraw")] {
        assert!(
            !stderr.contains(s) && !stdout.contains(s),
            "secret in output"
        );
    }
}

#[test]
fn check_without_credentials_says_which_are_missing() {
    let f = fixture();
    let out = viper()
        .arg("check")
        .arg("--config")
        .arg(f.dir.path().join("live.toml"))
        .args(["--exchange-url", &f.url])
        .env_remove("BITGET_API_KEY")
        .env_remove("BITGET_API_SECRET")
        .env("BITGET_API_PASSPHRASE", "")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("BITGET_API_KEY") && stderr.contains("BITGET_API_PASSPHRASE"),
        "{stderr}"
    );
}
