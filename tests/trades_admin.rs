//! The trade history while a paper bot runs: `GET /api/v1/trades` on the admin server (bearer
//! token enforced, bad `since` refused) and `viper trades --format json` reading the same
//! journal read-only while the bot writes it, both listing the same trades; an operator's
//! `POST /close/{symbol}` is recorded with exit reason `manual_close`.
// Plain threads polling a child process (no actix worker to block): sleeping is the wait.
#![allow(missing_docs, clippy::unwrap_used, clippy::disallowed_methods)]

mod ops_support;

use ops_support::{Running, eventually, http, viper};
use serde_json::Value;

const TOKEN: &str = "admin-token-for-trades-91c2";

#[test]
fn trades_are_served_by_the_admin_api_and_the_cli_while_the_bot_runs() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("paper.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {:?}\nsymbols = [\"BTCUSDT\", \"XRPUSDT\"]\n[strategy]\nfast = 2\nslow = 3\ncooldown_secs = 0\ntake_profit_pct = 0.3\nstop_loss_pct = 0.3\n[intervals]\nmarket_poll_ms = 100\naccount_poll_ms = 300\ntrades_poll_secs = 5\n",
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
        "5",
        "--duration",
        "240s",
        "--config",
    ])
    .arg(&cfg)
    .env("VIPER_ADMIN__LISTEN", "127.0.0.1:0")
    .env("VIPER_ADMIN_TOKEN", TOKEN);
    let mut bot = Running::spawn(cmd);
    let admin = bot.line_after("viper admin:", 30);
    let url = format!("{admin}/api/v1/trades?since=all");
    let auth = format!("Bearer {TOKEN}");
    let api = eventually(180, "two closed trades from the admin API", || {
        let (code, body) = http("GET", &url, &[("Authorization", &auth)], "");
        let v: Value = serde_json::from_str(&body).ok()?;
        (code == 200 && v["count"].as_u64()? >= 2).then_some(v)
    });
    let first: Vec<Value> = api["trades"].as_array().unwrap().clone();
    for t in &first {
        for key in [
            "symbol",
            "side",
            "size",
            "entry_price",
            "exit_price",
            "realised_pnl",
            "fees",
            "net_pnl",
            "opened_ms",
            "closed_ms",
            "holding_ms",
            "exit_reason",
        ] {
            assert!(!t[key].is_null(), "{key} in {t}");
        }
    }
    let (code, _) = http("GET", &url, &[], "");
    assert_eq!(code, 401, "the trade history needs the token");
    let (code, body) = http(
        "GET",
        &format!("{admin}/api/v1/trades?since=soon"),
        &[("Authorization", &auth)],
        "",
    );
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("not a duration"), "{body}");
    // The CLI reads the same journal (paper keeps it in data_dir/paper) while the bot writes.
    let out = viper()
        .args(["trades", "--since", "all", "--format", "json", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(cli.len() >= first.len());
    assert_eq!(
        &cli[..first.len()],
        &first[..],
        "the same trades, in the same order"
    );
    // An operator's close of an open position is recorded as manual_close.
    let control = bot.line_after("control plane:", 5);
    let symbol = eventually(60, "an open position", || {
        let (_, body) = http("GET", &format!("{control}/holdings"), &[], "");
        let v: Value = serde_json::from_str(&body).ok()?;
        let text = v.to_string();
        ["BTCUSDT", "XRPUSDT"]
            .into_iter()
            .find(|s| text.contains(&format!("\"symbol\":\"{s}\"")))
            .map(String::from)
    });
    let (code, body) = http(
        "POST",
        &format!("{admin}/close/{symbol}"),
        &[("Authorization", &auth)],
        "",
    );
    eprintln!("close {symbol}: {code} {body}");
    if code == 200 {
        eventually(60, "the manual close in the trade history", || {
            let (_, body) = http("GET", &url, &[("Authorization", &auth)], "");
            let v: Value = serde_json::from_str(&body).ok()?;
            v["trades"]
                .as_array()?
                .iter()
                .any(|t| t["exit_reason"] == "manual_close" && t["symbol"] == symbol.as_str())
                .then_some(())
        });
    } else {
        // The position ended by its own TP/SL before the close got there.
        assert!(body.contains("no_position"), "{code} {body}");
    }
    let table = viper()
        .args(["trades", "--since", "24h", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("closed (UTC)") && table.contains("USDT"),
        "{table}"
    );
    drop(bot);
}
