//! `viper report` end to end: a speeded paper run of the real binary writes its history, the
//! report is generated from the data directory, and a real headless Chromium (Debian's
//! package) renders it: every plot must have drawn with a size, the page must raise no error,
//! and the equity and price plots must carry real lines. Without Chromium the test is skipped
//! with a note, except under CI (`CI` set), where `.ci/run` installs it and its absence fails.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn viper() -> Command {
    Command::new(env!("CARGO_BIN_EXE_viper"))
}

fn chromium() -> Option<PathBuf> {
    let candidates = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(["/usr/bin/chromium", "/usr/bin/chromium-browser"].map(PathBuf::from));
    candidates.into_iter().find(|p| p.exists())
}

fn config(dir: &Path) -> PathBuf {
    let cfg = dir.join("paper.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {:?}\nsymbols = [\"BTCUSDT\", \"XRPUSDT\"]\n[admin]\nenabled = false\n\
             [strategy]\nfast = 2\nslow = 5\ncooldown_secs = 2\n\
             [intervals]\nmarket_poll_ms = 100\naccount_poll_ms = 300\nhistory_sample_secs = 1\n",
            dir.join("data")
        ),
    )
    .unwrap();
    cfg
}

/// The value of `attr` on `<body …>` in the rendered DOM.
fn body_attr(dom: &str, attr: &str) -> Option<String> {
    let body = &dom[dom.find("<body")?..];
    let tag = &body[..body.find('>')?];
    let start = tag.find(&format!("{attr}=\""))? + attr.len() + 2;
    Some(tag[start..].split('"').next()?.to_owned())
}

#[test]
fn a_paper_run_reports_and_the_report_renders_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install Debian's chromium (.ci/run does)"
        );
        println!("NOTE: chromium is not installed; the browser check is skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let run = viper()
        .args([
            "paper",
            "--duration",
            "30s",
            "--speed",
            "60",
            "--seed",
            "5",
            "--config",
        ])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = dir.path().join("report.html");
    let rep = viper()
        .args(["report", "--since", "1h", "--out"])
        .arg(&out)
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&rep.stdout);
    assert!(
        rep.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&rep.stderr)
    );
    assert!(stdout.contains("wrote"), "{stdout}");
    // The report lists exactly the trades `viper trades` lists from the same journal.
    let csv = viper()
        .args(["trades", "--since", "1h", "--format", "csv", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        csv.status.success(),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
    let listed = String::from_utf8_lossy(&csv.stdout)
        .lines()
        .count()
        .saturating_sub(1);
    assert!(
        stdout.contains(&format!(", {listed} trades)")),
        "report and `viper trades` disagree: {stdout} vs {listed}"
    );
    let html = std::fs::read_to_string(&out).unwrap();
    let rows = html
        .split("<table id=\"trades\">")
        .nth(1)
        .unwrap_or_default();
    assert_eq!(rows.matches("<tr><td").count(), listed, "one row per trade");
    println!("{listed} trades in the report");
    assert!(
        !html.contains("src=\"http") && !html.contains("<link"),
        "self-contained"
    );
    for id in [
        "equity",
        "trades-btcusdt",
        "trades-xrpusdt",
        "pnl",
        "latency",
        "rest",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "plot {id} missing");
    }

    let page = format!("file://{}", out.display());
    let shown = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--virtual-time-budget=5000",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("chromium").display()
        ))
        .arg(&page)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&shown.stdout);
    let log = String::from_utf8_lossy(&shown.stderr);
    assert!(shown.status.success(), "chromium failed: {log}");
    let plots = body_attr(&dom, "data-plots").expect("the page was rendered");
    let rendered = body_attr(&dom, "data-plots-rendered");
    assert_eq!(
        rendered.as_deref(),
        Some(plots.as_str()),
        "every plot drew with a size\n{log}"
    );
    assert_eq!(body_attr(&dom, "data-errors"), None, "page errors\n{log}");
    assert!(!log.contains("Uncaught"), "{log}");
    // Real lines, not just "no data" placeholders: the equity and price plots drew polylines.
    for id in ["equity", "trades-btcusdt"] {
        let fig = &dom[dom.find(&format!("id=\"{id}\"")).unwrap()..];
        let fig = &fig[..fig.find("</figure>").unwrap()];
        assert!(fig.contains("<polyline"), "{id} has no line");
    }
    if listed > 0 {
        // Exits are drawn as circles on a price plot.
        assert!(dom.contains("<circle"), "trades are marked on price");
    }
}
