//! `viper config check` on the real binary: every problem of the file and the `VIPER_*`
//! overrides reported at once, each naming its key or variable; overrides applied;
//! credentials in the file refused; secrets masked in the printed effective config.
#![allow(missing_docs, clippy::unwrap_used)]

mod ops_support;

use ops_support::viper;

fn config_check(file: &std::path::Path, env: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = viper();
    cmd.args(["config", "check"]).arg(file);
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

#[test]
fn every_problem_is_named_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.toml");
    std::fs::write(
        &f,
        "mode = \"yolo\"\n[risk]\nleverage = 0\n[strategy]\nfast = 50\n",
    )
    .unwrap();
    let (ok, _, err) = config_check(
        &f,
        &[
            ("VIPER_RISK_LEVERAGE", "5"),
            ("VIPER_RISK__MAX_POSITIONS", "many"),
            ("VIPER_ADMIN__LISTEN", "nowhere"),
        ],
    );
    assert!(!ok);
    for key in [
        "mode",
        "risk.leverage",
        "strategy.fast",
        "VIPER_RISK_LEVERAGE",
        "VIPER_RISK__MAX_POSITIONS",
        "admin.listen",
    ] {
        assert!(err.contains(key), "{key} not named:\n{err}");
    }
    std::fs::write(&f, "[risk]\nmax_lever = 3\n").unwrap();
    let (ok, _, err) = config_check(&f, &[]);
    assert!(!ok && err.contains("max_lever"), "{err}");
    let (ok, _, err) = config_check(&dir.path().join("missing.toml"), &[]);
    assert!(!ok && err.contains("cannot read config"), "{err}");
}

#[test]
fn overrides_apply_and_secrets_are_masked() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/paper.toml");
    let (ok, out, err) = config_check(
        &file,
        &[
            ("VIPER_RISK__LEVERAGE", "5"),
            ("VIPER_SYMBOLS", "BTCUSDT,XRPUSDT,ETHUSDT"),
            ("VIPER_ADMIN__LISTEN", "127.0.0.1:9999"),
            ("BITGET_API_KEY", "bg_key_abcdef"),
            ("BITGET_API_SECRET", "very-secret-value-1"),
            ("BITGET_API_PASSPHRASE", "pass-phrase-value-2"),
            ("VIPER_ADMIN_TOKEN", "admin-token-value-3"),
        ],
    );
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("leverage = 5"), "{out}");
    assert!(out.contains("\"ETHUSDT\""), "{out}");
    assert!(out.contains("listen = \"127.0.0.1:9999\""), "{out}");
    assert!(out.contains("BITGET_API_SECRET = *** (set"), "{out}");
    for s in [
        "bg_key_abcdef",
        "very-secret-value-1",
        "pass-phrase-value-2",
        "admin-token-value-3",
    ] {
        assert!(!out.contains(s) && !err.contains(s), "{s} printed");
    }
}

#[test]
fn credentials_in_the_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("creds.toml");
    std::fs::write(
        &f,
        "mode = \"live\"\n[exchange]\napi_secret = \"leaked-secret-4\"\n",
    )
    .unwrap();
    let (ok, out, err) = config_check(&f, &[]);
    assert!(!ok);
    assert!(
        err.contains("exchange.api_secret") && err.contains("environment"),
        "{err}"
    );
    assert!(!err.contains("leaked-secret-4") && !out.contains("leaked-secret-4"));
}

#[test]
fn the_example_configs_are_valid() {
    for name in ["paper.toml", "demo.example.toml", "live.example.toml"] {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("config")
            .join(name);
        let (ok, out, err) = config_check(&file, &[]);
        assert!(ok, "{name}:\n{out}\n{err}");
    }
}
