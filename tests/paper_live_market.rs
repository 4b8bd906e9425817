//! `viper paper --market live`: the embedded simulator's prices follow a live market's public
//! `ticker` channel. A second simulator on loopback stands in for Bitget's public WebSocket;
//! the test moves its prices and watches the paper exchange follow them exactly (the
//! synthetic random walk is held), and a market that never answers is one clear error.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use rust_decimal::Decimal;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn config(dir: &std::path::Path) -> std::path::PathBuf {
    let cfg = dir.join("paper.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {:?}\nsymbols = [\"BTCUSDT\", \"XRPUSDT\"]\n[admin]\nenabled = false\n",
            dir.join("data")
        ),
    )
    .unwrap();
    cfg
}

struct Paper {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Paper {
    fn start(cfg: &std::path::Path, market_url: &str, wait: &str) -> Paper {
        let mut child = Command::new(env!("CARGO_BIN_EXE_viper"))
            .args(["paper", "--market", "live", "--market-url", market_url])
            .args(["--market-wait", wait, "--duration", "300s", "--config"])
            .arg(cfg)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        for out in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for l in BufReader::new(out).lines().map_while(Result::ok) {
                    let _ = tx.send(l);
                }
            });
        }
        Paper {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The value after `label` on the first output line holding it (polls, so the test's
    /// own runtime, which serves the stand-in market, keeps running).
    async fn wait_line(&mut self, label: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(l) = self.seen.iter().find(|l| l.contains(label)) {
                return l.split_once(label).unwrap().1.trim().to_owned();
            }
            match self.lines.try_recv() {
                Ok(l) => self.seen.push(l),
                Err(mpsc::TryRecvError::Empty) => {
                    assert!(
                        Instant::now() < deadline,
                        "no {label:?} line; output so far:\n{}",
                        self.seen.join("\n")
                    );
                    actix_rt::time::sleep(Duration::from_millis(20)).await;
                }
                Err(mpsc::TryRecvError::Disconnected) => {
                    panic!("viper exited; output:\n{}", self.seen.join("\n"))
                }
            }
        }
    }
}

impl Drop for Paper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn last_price(rest: &str, symbol: &str) -> Option<Decimal> {
    let url = format!("{rest}/api/v2/mix/market/ticker?productType=USDT-FUTURES&symbol={symbol}");
    let mut res = awc::Client::default().get(url).send().await.ok()?;
    let v: Value = res.json().await.ok()?;
    Decimal::from_str(v["data"][0]["lastPr"].as_str()?).ok()
}

async fn set_market(market: &viper_sim::SimHandle, symbol: &str, price: Decimal) {
    market.set_price(symbol, price, None).unwrap();
}

async fn follows(rest: &str, symbol: &str, want: Decimal) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = last_price(rest, symbol).await;
        if got == Some(want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{symbol}: paper price {got:?}, live market {want}"
        );
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_rt::test]
async fn paper_prices_follow_the_live_market() {
    let market_cfg = viper_sim::SimConfig {
        auto_tick: false,
        seed: 99,
        ..viper_sim::SimConfig::default()
    };
    let market = viper_sim::start(market_cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut paper = Paper::start(&config(dir.path()), &market.ws_public_url, "60s");
    assert!(
        paper
            .wait_line("market:")
            .await
            .contains(&format!("live prices from {}", market.ws_public_url))
    );
    let rest = paper.wait_line("REST:").await;
    // The bot starts only once both symbols had a live price.
    paper.wait_line("paper prices follow the live market").await;
    let moves = [
        ("BTCUSDT", Decimal::new(712345, 1)),
        ("XRPUSDT", Decimal::new(23456, 4)),
        ("BTCUSDT", Decimal::new(698765, 1)),
    ];
    for (symbol, price) in moves {
        set_market(&market, symbol, price).await;
        follows(&rest, symbol, price).await;
    }
    // Held: the synthetic walk does not move it away again.
    actix_rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        last_price(&rest, "BTCUSDT").await,
        Some(Decimal::new(698765, 1))
    );
    drop(paper);
    market.stop().await;
}

#[test]
fn a_live_market_that_never_answers_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/v2/ws/public", silent.local_addr().unwrap());
    drop(silent);
    let out = Command::new(env!("CARGO_BIN_EXE_viper"))
        .args(["paper", "--market", "live", "--market-url", &url])
        .args(["--market-wait", "3s", "--duration", "60s", "--config"])
        .arg(config(dir.path()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no price from") && err.contains("BTCUSDT"),
        "{err}"
    );
    assert_eq!(err.matches("no price from").count(), 1, "one error: {err}");
}
