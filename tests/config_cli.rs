//! `viper config check` on the real binary: every problem of the file and the `VIPER_*`
//! overrides reported at once, each naming its key or variable; overrides applied;
//! credentials in the file refused, never echoed (not even by a parse error, in either log
//! format); secrets masked in the printed effective config; the default limits are ceilings
//! that only an explicit override key passes, announced at WARN and in /metrics.
#![allow(missing_docs, clippy::unwrap_used)]

mod ops_support;

use ops_support::{Running, eventually, http, sample, viper};

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

#[test]
fn limits_beyond_their_ceilings_need_the_override_key() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("limits.toml");
    std::fs::write(&f, "[risk]\nleverage = 50\n").unwrap();
    let (ok, _, err) = config_check(&f, &[]);
    assert!(!ok, "leverage 50 accepted");
    assert!(
        err.contains("risk.leverage") && err.contains("overrides.leverage = true"),
        "{err}"
    );
    std::fs::write(
        &f,
        "[risk]\nmax_position_margin = \"500\"\nmax_total_margin = \"500\"\n",
    )
    .unwrap();
    let (ok, _, err) = config_check(&f, &[]);
    assert!(!ok);
    for key in ["risk.max_position_margin", "risk.max_total_margin"] {
        assert!(err.contains(key), "{key}:\n{err}");
    }
    // The environment cannot slip past the ceiling either.
    std::fs::write(&f, "").unwrap();
    let (ok, _, err) = config_check(&f, &[("VIPER_RISK__MAX_POSITIONS", "8")]);
    assert!(!ok && err.contains("risk.max_positions"), "{err}");
    // An override without its limit beyond the ceiling is refused, naming the key.
    let (ok, _, err) = config_check(&f, &[("VIPER_OVERRIDES__EMERGENCY_EQUITY", "true")]);
    assert!(!ok && err.contains("overrides.emergency_equity"), "{err}");
    // Limit and override together pass.
    std::fs::write(
        &f,
        "[risk]\nleverage = 20\nemergency_equity = \"5\"\n[overrides]\nleverage = true\nemergency_equity = true\n",
    )
    .unwrap();
    let (ok, out, err) = config_check(&f, &[]);
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("[overrides]") && out.contains("leverage = 20"),
        "{out}"
    );
}

const PASTED: &str = "sk-PASTED-7f3a9c/unquoted+value";

#[test]
fn a_pasted_secret_never_reaches_stderr_or_json_logs() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("pasted.toml");
    let files = [
        // Unquoted: not TOML at all, the key names a credential.
        format!("mode = \"live\"\n[exchange]\napi_secret = {PASTED}\n"),
        format!("[exchange]\nBITGET_API_KEY={PASTED}\n"),
        // The secret alone on a line: a parse error that must not quote the line.
        format!("mode = \"live\"\n{PASTED}\n"),
        // Quoted under an innocent key: a type error that must not quote the value.
        format!("[risk]\nleverage = \"{PASTED}\"\n"),
    ];
    for text in files {
        std::fs::write(&f, &text).unwrap();
        for format in ["text", "json"] {
            let out = viper()
                .args(["--log-format", format, "config", "check"])
                .arg(&f)
                .output()
                .unwrap();
            let (o, e) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            assert!(!out.status.success(), "{text} accepted");
            assert!(
                !o.contains("7f3a9c") && !e.contains("7f3a9c"),
                "the secret was printed ({format}) for {text:?}:\n{e}"
            );
            assert!(e.contains("line "), "no line named ({format}):\n{e}");
        }
    }
}

#[test]
fn a_limit_override_is_announced_at_every_start_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = viper();
    cmd.args(["paper", "--duration", "60s"])
        .env("VIPER_DATA_DIR", dir.path())
        .env("VIPER_ADMIN__LISTEN", "127.0.0.1:0")
        .env("VIPER_RISK__LEVERAGE", "20")
        .env("VIPER_OVERRIDES__LEVERAGE", "true");
    let mut bot = Running::spawn(cmd);
    let admin = bot.line_after("viper admin:", 60);
    let text = eventually(60, "the override gauge", || {
        let (code, body) = http("GET", &format!("{admin}/metrics"), &[], "");
        (code == 200 && body.contains("viper_limit_override")).then_some(body)
    });
    assert_eq!(
        sample(&text, "viper_limit_override{limit=\"leverage\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "viper_limit_override{limit=\"max_positions\"}"),
        Some(0.0)
    );
    let (_, _, err) = bot.finish(0);
    assert!(
        err.contains("WARN")
            && err.contains("LIMIT OVERRIDE")
            && err.contains("overrides.leverage"),
        "{err}"
    );
}
