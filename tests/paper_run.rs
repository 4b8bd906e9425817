//! The real binary: `viper paper --duration` places orders on the embedded simulator and
//! exits 0 with a summary; a bad config is refused with every problem named.
#![allow(missing_docs, clippy::unwrap_used)]
use std::process::Command;

fn viper() -> Command {
    Command::new(env!("CARGO_BIN_EXE_viper"))
}

#[test]
fn paper_run_trades_and_prints_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("paper.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {:?}\nsymbols = [\"BTCUSDT\", \"XRPUSDT\"]\n[strategy]\nfast = 2\nslow = 5\ncooldown_secs = 2\n[intervals]\nmarket_poll_ms = 100\naccount_poll_ms = 300\n",
            dir.path().join("data")
        ),
    )
    .unwrap();
    let out = viper()
        .args([
            "paper",
            "--duration",
            "25s",
            "--speed",
            "60",
            "--seed",
            "3",
            "--config",
        ])
        .arg(&cfg)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("viper summary"), "{stdout}");
    let sent: u64 = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("intents:"))
        .and_then(|l| l.split(',').nth(1))
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(sent >= 1, "paper mode actually trades:\n{stdout}");
    for secret in [viper_sim::DEFAULT_API_SECRET, viper_sim::DEFAULT_PASSPHRASE] {
        assert!(
            !stderr.contains(secret) && !stdout.contains(secret),
            "a secret reached the output"
        );
    }
}

#[test]
fn bad_config_is_refused_with_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(
        &cfg,
        "mode = \"yolo\"\n[risk]\nleverage = 0\n[strategy]\nfast = 50\n",
    )
    .unwrap();
    let out = viper()
        .args(["paper", "--duration", "1s", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for key in ["mode", "risk.leverage", "strategy.fast"] {
        assert!(err.contains(key), "{key} not named: {err}");
    }
    let out = viper()
        .args(["run", "--config"])
        .arg(dir.path().join("missing.toml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
}
