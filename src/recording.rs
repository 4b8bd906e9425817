//! `viper record DIR` and `viper decode DIR`: a user who meets an incompatibility records
//! what their exchange really sends (every read endpoint the bot uses, every channel for a
//! while), redacted, and attaches the folder to a bug report; `decode` replays a folder
//! through the client's decoders and prints a pass/fail table.
//!
//! Layout (the same as the shared Bitget samples): `DIR/<endpoint or ws-channel>/<n>.json`,
//! one answer or push a file. Redaction is in [`crate::redact`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};
use viper_bitget::endpoints::{self as ep, Endpoint};
use viper_bitget::replay::{ReplayError, replay};
use viper_bitget::sign::Query;
use viper_bitget::{Credentials, RestClient, RestConfig};

use crate::redact::Redactor;

/// Where and how long to record.
#[derive(Debug, Clone)]
pub struct RecordTarget {
    /// REST base URL.
    pub rest_url: String,
    /// WebSocket public and private URLs.
    pub ws_urls: (String, String),
    /// Demo environment (`paptrading: 1`).
    pub demo: bool,
    /// Credentials (never written).
    pub credentials: Credentials,
    /// Symbols whose market data and single position are read.
    pub symbols: Vec<String>,
    /// How long to listen to the WebSocket channels.
    pub listen: Duration,
}

/// One file of a replayed folder.
#[derive(Debug, Clone, PartialEq)]
pub struct FileResult {
    /// Path relative to the folder.
    pub file: String,
    /// Endpoint or channel name (the folder it is in).
    pub name: String,
    /// `Ok(rows)` or why it failed.
    pub outcome: Result<usize, String>,
}

/// Replays every `*.json` under `dir` (one level of folders named after the endpoint).
pub fn decode_dir(dir: &Path) -> anyhow::Result<Vec<FileResult>> {
    let mut out = Vec::new();
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    for folder in folders {
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for f in files {
            let rel = f.strip_prefix(dir).unwrap_or(&f).display().to_string();
            let outcome = match std::fs::read(&f) {
                Err(e) => Err(format!("unreadable: {e}")),
                Ok(bytes) => match String::from_utf8(bytes) {
                    Err(_) => Err(ReplayError::NotJson("not UTF-8 text".into()).to_string()),
                    Ok(text) => replay(&name, &text)
                        .map(|d| d.rows.len())
                        .map_err(|e| e.to_string()),
                },
            };
            out.push(FileResult {
                file: rel,
                name: name.clone(),
                outcome,
            });
        }
    }
    Ok(out)
}

/// The pass/fail table of [`decode_dir`].
pub fn table(results: &[FileResult]) -> String {
    let width = results
        .iter()
        .map(|r| r.file.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut s = format!("{:<width$}  {:<6}  detail\n", "file", "result");
    for r in results {
        let (res, detail) = match &r.outcome {
            Ok(n) => ("pass", format!("{n} row(s)")),
            Err(e) => ("FAIL", e.clone()),
        };
        s.push_str(&format!("{:<width$}  {res:<6}  {detail}\n", r.file));
    }
    let failed = results.iter().filter(|r| r.outcome.is_err()).count();
    s.push_str(&format!("{} file(s), {failed} failed\n", results.len()));
    s
}

/// The read endpoints the bot uses, with their queries.
fn reads(t: &RecordTarget, client: &RestClient) -> Vec<(&'static Endpoint, Query)> {
    let c = client.config();
    let pt = || Query::new().push("productType", c.product_type.as_str());
    let pc = || pt().push("marginCoin", c.margin_coin.as_str());
    let mut v = vec![
        (&ep::SERVER_TIME, Query::new()),
        (&ep::CONTRACTS, pt()),
        (&ep::TICKERS, pt()),
        (&ep::ACCOUNTS, pt()),
        (&ep::ALL_POSITION, pc()),
        (&ep::ORDERS_PENDING, pt()),
        (&ep::ORDERS_HISTORY, pt()),
        (&ep::FILLS, pt()),
        (
            &ep::ORDERS_PLAN_PENDING,
            pt().push("planType", "profit_loss"),
        ),
        (
            &ep::ORDERS_PLAN_HISTORY,
            pt().push("planType", "profit_loss"),
        ),
        (&ep::SPOT_ACCOUNT_INFO, Query::new()),
    ];
    for s in &t.symbols {
        v.push((&ep::TICKER, pt().push("symbol", s)));
        v.push((&ep::ACCOUNT, pc().push("symbol", s)));
        v.push((&ep::SINGLE_POSITION, pc().push("symbol", s)));
        let depth = pt().push("symbol", s).push("limit", "15");
        v.push((&ep::MERGE_DEPTH, depth));
        let candles = pt().push("symbol", s).push("granularity", "1m");
        v.push((&ep::CANDLES, candles.push("limit", "5")));
    }
    v
}

fn name_of(e: &Endpoint) -> &'static str {
    e.path.rsplit('/').next().unwrap_or("unknown")
}

/// Writes one redacted document as `dir/<name>/<n>.json`.
fn save(dir: &Path, name: &str, doc: &Value) -> anyhow::Result<()> {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder)?;
    let n = std::fs::read_dir(&folder)?.count() + 1;
    let path = folder.join(format!("{n:03}.json"));
    std::fs::write(&path, serde_json::to_vec_pretty(doc)?)
        .with_context(|| format!("writing {}", path.display()))
}

/// Records every read endpoint, then every channel for `listen`; returns (files, failures).
pub async fn record(t: &RecordTarget, dir: &Path) -> anyhow::Result<(usize, Vec<String>)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut rc = RestConfig::custom(&t.rest_url, Some(t.credentials.clone()));
    rc.demo = t.demo;
    let client = RestClient::new(rc);
    let _ = client.sync_clock().await;
    let mut red = Redactor::new(&t.credentials);
    let (mut files, mut failures) = (0, Vec::new());
    for (e, q) in reads(t, &client) {
        match client.read_json(e, q).await {
            Ok(data) => {
                let doc = json!({"code": "00000", "msg": "success", "data": data});
                save(dir, name_of(e), &red.redact(doc))?;
                files += 1;
            }
            Err(err) => failures.push(format!("{}: {}", e.path, red.scrub_text(&err.to_string()))),
        }
    }
    let frames = crate::record_ws::listen(t, client.clock().now_ms() / 1000).await;
    for (name, frame) in frames? {
        save(dir, &name, &red.redact(frame))?;
        files += 1;
    }
    Ok((files, failures))
}

/// `viper record` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct RecordArgs {
    /// Folder to write (created; files are added).
    pub dir: PathBuf,
    /// Bot config (TOML): exchange URLs, mode and symbols; defaults when absent.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// REST base URL (overrides the config), e.g. a `viper sim`.
    #[arg(long)]
    pub exchange_url: Option<String>,
    /// How long to listen to the WebSocket channels.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub duration: Duration,
}

/// Runs `viper record`: prints what was written; false when a read failed.
pub fn run_record(a: RecordArgs) -> anyhow::Result<bool> {
    let cfg = match &a.config {
        Some(p) => crate::config::BotConfig::load(p)?,
        None => crate::config::BotConfig::from_env()?,
    };
    let ep = crate::endpoint::Endpoint::from_config(&cfg, a.exchange_url.clone())?;
    let target = RecordTarget {
        ws_urls: crate::endpoint::ws_urls(&cfg, &ep.rest_url),
        demo: ep.demo,
        rest_url: ep.rest_url,
        credentials: ep.credentials,
        symbols: cfg.symbols.clone(),
        listen: a.duration,
    };
    let (files, failures) =
        actix_rt::System::new().block_on(async { record(&target, &a.dir).await })?;
    println!("{files} file(s) written to {}", a.dir.display());
    for f in &failures {
        println!("FAILED {f}");
    }
    Ok(failures.is_empty())
}

/// Runs `viper decode`: prints the table; false when a file failed.
pub fn run_decode(dir: &Path) -> anyhow::Result<bool> {
    let results = decode_dir(dir)?;
    print!("{}", table(&results));
    Ok(!results.is_empty() && results.iter().all(|r| r.outcome.is_ok()))
}
