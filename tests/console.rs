//! What the operator sees on the console, from the real binary with its output piped: the
//! start banner and `viper_info`, the heartbeat line, a symbol that cannot trade under the
//! limits named with the margin it needs, no colour codes, nothing after the summary but the
//! summary, one line per fatal error, `config check --config`, and `run --help`.
#![allow(missing_docs, clippy::unwrap_used)]

mod ops_support;

use ops_support::{Running, eventually, http, sample, viper};

#[test]
fn a_paper_run_shows_banner_heartbeat_and_unfit_symbols_without_colour_or_trailing_noise() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("paper.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {:?}\nsymbols = [\"BTCUSDT\", \"ETHUSDT\"]\n[strategy]\nfast = 2\nslow = 5\ncooldown_secs = 2\n[intervals]\nmarket_poll_ms = 100\naccount_poll_ms = 300\n[log]\nheartbeat_secs = 1\n",
            dir.path().join("data")
        ),
    )
    .unwrap();
    let mut cmd = viper();
    cmd.args([
        "paper",
        "--speed",
        "60",
        "--seed",
        "3",
        "--duration",
        "30s",
        "--config",
    ])
    .arg(&cfg)
    .env("VIPER_ADMIN__LISTEN", "127.0.0.1:0");
    let mut bot = Running::spawn(cmd);
    let admin = bot.line_after("viper admin:", 60);
    let info = eventually(60, "viper_info in /metrics", || {
        let (code, text) = http("GET", &format!("{admin}/metrics"), &[], "");
        (code == 200).then(|| {
            let series = format!(
                "viper_info{{mode=\"paper\",version=\"{}\"}}",
                env!("CARGO_PKG_VERSION")
            );
            sample(&text, &series)
        })?
    });
    assert_eq!(info, 1.0);
    eventually(60, "two heartbeat lines", || {
        let n = bot
            .stderr
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("heartbeat: equity"))
            .count();
        (n >= 2).then_some(())
    });
    let (ok, out, err) = bot.finish(90);
    assert!(ok, "{out}\n{err}");
    for want in [
        "viper PAPER ",
        "account:  API key ",
        "market:   synthetic seeded prices",
        "symbols:  BTCUSDT, ETHUSDT",
        "1 USDT margin per position, 10 USDT in total, 3 positions, 10x; emergency stop below 15 USDT equity",
    ] {
        assert!(out.contains(want), "banner lacks {want:?}:\n{out}");
    }
    assert!(
        !out.contains(viper_sim::DEFAULT_API_KEY),
        "the whole key was shown"
    );
    let beat = err
        .lines()
        .find(|l| l.contains("heartbeat: equity"))
        .unwrap();
    for want in [
        "USDT (PnL ",
        "open order",
        "trading active",
        "ws_public up",
        "ws_private up",
    ] {
        assert!(beat.contains(want), "heartbeat lacks {want:?}: {beat}");
    }
    // ETHUSDT's minimum order (0.01 ≈ 32 USDT) needs about 3.2 USDT of margin at 10x.
    let unfit = err
        .lines()
        .find(|l| l.contains("ETHUSDT cannot trade under the limits"))
        .unwrap_or_else(|| panic!("no unfit-symbol warning:\n{err}"));
    assert!(
        unfit.contains("needs 3.") && unfit.contains("risk.max_position_margin 1 USDT"),
        "{unfit}"
    );
    assert!(!err.contains("BTCUSDT cannot trade"), "{err}");
    assert!(!err.contains('\u{1b}'), "colour codes in piped stderr");
    // The bot is stopped before the embedded exchange: no reconnects or retries at the end.
    let tail: Vec<&str> = err
        .lines()
        .skip_while(|l| !l.contains("duration reached"))
        .collect();
    assert!(!tail.is_empty(), "{err}");
    for noise in ["websocket lost", "WebSocket lost", "retrying", "reconnect"] {
        assert!(
            !tail.iter().any(|l| l.contains(noise)),
            "{noise:?} after the stop:\n{}",
            tail.join("\n")
        );
    }
    let summary = &out[out.find("viper summary").unwrap()..];
    assert!(!summary.contains("Some("), "{summary}");
    assert!(!summary.contains("0 positions open, each"), "{summary}");
}

#[test]
fn a_fatal_error_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let out = viper()
        .args(["run", "--config"])
        .arg(&missing)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("cannot read config").count(), 1, "{err}");
    assert!(!err.contains('\u{1b}'), "{err}");
    // JSON logs: the error is one JSON object, nothing else on stderr.
    let out = viper()
        .args(["--log-format", "json", "run", "--config"])
        .arg(&missing)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("cannot read config"))
        .collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        serde_json::from_str::<serde_json::Value>(lines[0]).is_ok(),
        "{err}"
    );
}

#[test]
fn config_check_takes_config_like_every_command_and_run_help_names_the_variables() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ok.toml");
    std::fs::write(&f, "symbols = [\"BTCUSDT\"]\n").unwrap();
    for args in [vec!["config", "check", "--config"], vec!["config", "check"]] {
        let out = viper().args(&args).arg(&f).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains(": OK"),
            "{args:?}: {stdout}"
        );
    }
    let out = viper().args(["config", "check"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--config FILE"));
    let help = viper().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for var in [
        "BITGET_API_KEY",
        "BITGET_API_SECRET",
        "BITGET_API_PASSPHRASE",
    ] {
        assert!(help.contains(var), "run --help lacks {var}:\n{help}");
    }
}
