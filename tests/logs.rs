//! No secret in any log: the real binary's full output at `debug`, in both log formats, for
//! a paper run (admin token set) and a `viper run` against a `viper sim` with its own keys.
#![allow(missing_docs, clippy::unwrap_used)]

mod ops_support;

use ops_support::{Running, start_sim, viper};

const SECRET: &str = "log-test-secret-5b2e91";
const PASSPHRASE: &str = "log-test-pass-c04d";
const TOKEN: &str = "log-test-admin-token-77e1";

fn assert_clean(what: &str, text: &str) {
    for s in [SECRET, PASSPHRASE, TOKEN] {
        assert!(!text.contains(s), "{what}: a secret reached the logs");
    }
}

#[test]
fn json_logs_of_a_paper_run_hold_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = viper();
    cmd.args([
        "--log-format",
        "json",
        "paper",
        "--duration",
        "6s",
        "--speed",
        "60",
    ])
    .env("RUST_LOG", "debug")
    .env("VIPER_DATA_DIR", dir.path())
    .env("VIPER_ADMIN__LISTEN", "127.0.0.1:0")
    .env("VIPER_ADMIN_TOKEN", TOKEN);
    let (ok, out, err) = Running::spawn(cmd).finish(60);
    assert!(ok, "{out}\n{err}");
    assert_clean("paper stdout", &out);
    assert_clean("paper stderr", &err);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() > 10, "too few log lines:\n{err}");
    for l in &lines {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        assert!(
            v.get("level").is_some() && v.get("timestamp").is_some(),
            "{l}"
        );
    }
}

#[test]
fn text_logs_of_a_run_against_the_simulator_hold_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let sim_cfg = dir.path().join("sim.toml");
    std::fs::write(
        &sim_cfg,
        format!(
            "[[accounts]]\nuid = 42\nbalance = \"1000\"\n[[accounts.keys]]\napi_key = \"log-key\"\nsecret = \"{SECRET}\"\npassphrase = \"{PASSPHRASE}\"\npermissions = [\"coor\", \"coow\"]\nips = [\"127.0.0.1\"]\n"
        ),
    )
    .unwrap();
    let (sim, url) = start_sim(Some(&sim_cfg));
    let cfg = dir.path().join("bot.toml");
    std::fs::write(
        &cfg,
        format!(
            "mode = \"live\"\nsymbols = [\"BTCUSDT\"]\ndata_dir = {:?}\n[admin]\nlisten = \"127.0.0.1:0\"\n",
            dir.path().join("data")
        ),
    )
    .unwrap();
    let mut cmd = viper();
    cmd.args([
        "run",
        "--duration",
        "5s",
        "--exchange-url",
        &url,
        "--config",
    ])
    .arg(&cfg)
    .env("RUST_LOG", "debug")
    .env("BITGET_API_KEY", "log-key")
    .env("BITGET_API_SECRET", SECRET)
    .env("BITGET_API_PASSPHRASE", PASSPHRASE)
    .env("VIPER_ADMIN_TOKEN", TOKEN);
    let (ok, out, err) = Running::spawn(cmd).finish(60);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("viper summary"), "{out}");
    assert_clean("run stdout", &out);
    assert_clean("run stderr", &err);
    let mut check = viper();
    check
        .args(["check", "--trade-test", "--exchange-url", &url, "--config"])
        .arg(&cfg)
        .env("RUST_LOG", "debug")
        .env("BITGET_API_KEY", "log-key")
        .env("BITGET_API_SECRET", SECRET)
        .env("BITGET_API_PASSPHRASE", PASSPHRASE);
    let (ok, out, err) = Running::spawn(check).finish(60);
    assert!(ok, "{out}\n{err}");
    assert_clean("check stdout", &out);
    assert_clean("check stderr", &err);
    drop(sim);
}
