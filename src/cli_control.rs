//! The operator's commands on the command line: `viper pause`, `viper resume
//! [--clear-emergency]`, `viper close SYMBOL` and `viper emergency-stop` talk to a running
//! bot's admin server (bearer token from `VIPER_ADMIN_TOKEN`). When no bot answers there,
//! `pause` and `resume` change the persisted state in the journal of `--config`'s data
//! directory instead (effective at the next start) — but only a journal that exists: they
//! never create one. `close` and `emergency-stop` need the running bot.

use anyhow::Context as _;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;
use viper_actors::capital::{clear_pause, paused, set_pause};
use viper_actors::journal::Journal;

/// Where the admin server is.
#[derive(clap::Args, Debug, Clone)]
pub struct AdminArgs {
    /// The admin server's base URL [default: admin.listen of --config, else
    /// http://127.0.0.1:9184].
    #[arg(long)]
    pub admin: Option<String>,
}

/// `viper pause`.
#[derive(clap::Args, Debug, Clone)]
pub struct PauseArgs {
    #[command(flatten)]
    admin: AdminArgs,
    /// Bot config (TOML): its admin.listen, and its data_dir when the bot is not running.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Why (journaled, shown by `viper status`).
    #[arg(long)]
    reason: Option<String>,
}

/// `viper resume`.
#[derive(clap::Args, Debug, Clone)]
pub struct ResumeArgs {
    #[command(flatten)]
    admin: AdminArgs,
    /// Bot config (TOML): its admin.listen, and its data_dir when the bot is not running.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Also clear a latched emergency stop (without it a latch is refused and kept).
    #[arg(long)]
    clear_emergency: bool,
}

/// `viper close`.
#[derive(clap::Args, Debug, Clone)]
pub struct CloseArgs {
    /// The symbol whose position to close at market, e.g. BTCUSDT.
    symbol: String,
    #[command(flatten)]
    admin: AdminArgs,
}

/// `viper emergency-stop`.
#[derive(clap::Args, Debug, Clone)]
pub struct EmergencyArgs {
    #[command(flatten)]
    admin: AdminArgs,
    /// Why (journaled with the latch).
    #[arg(long)]
    reason: Option<String>,
}

const DEFAULT_ADMIN: &str = "http://127.0.0.1:9184";

/// The admin URL: `--admin`, else the config's `admin.listen`, else the default.
fn admin_url(a: &AdminArgs, config: Option<&PathBuf>) -> anyhow::Result<String> {
    if let Some(u) = &a.admin {
        return Ok(u.trim_end_matches('/').to_owned());
    }
    match config {
        Some(p) => Ok(format!(
            "http://{}",
            crate::config::BotConfig::load(p)?.admin.listen
        )),
        None => Ok(DEFAULT_ADMIN.into()),
    }
}

/// What the admin server said, or that nothing answered.
pub enum Answer {
    /// HTTP status and JSON body.
    Http(u16, Value),
    /// Nothing listens there.
    Unreachable(String),
}

/// One request to the admin server (bearer token from `VIPER_ADMIN_TOKEN`).
pub async fn call(method: &str, url: &str, body: Option<Value>) -> anyhow::Result<Answer> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();
    let mut req = match method {
        "GET" => client.get(url),
        _ => client.post(url),
    };
    if let Ok(t) = std::env::var("VIPER_ADMIN_TOKEN") {
        req = req.bearer_auth(t);
    }
    let sent = match body {
        Some(b) => req.send_json(&b).await,
        None => req.send().await,
    };
    let mut res = match sent {
        Ok(r) => r,
        Err(awc::error::SendRequestError::Connect(e)) => {
            return Ok(Answer::Unreachable(format!("{url}: {e}")));
        }
        Err(e) => anyhow::bail!("{method} {url}: {e}"),
    };
    let raw = res
        .body()
        .limit(16 << 20)
        .await
        .with_context(|| format!("reading {url}"))?;
    let v = serde_json::from_slice(&raw)
        .unwrap_or_else(|_| json!({ "error": String::from_utf8_lossy(&raw) }));
    Ok(Answer::Http(res.status().as_u16(), v))
}

/// Prints an answer: the error line on a failure; `Ok(true)` on 2xx.
fn report(status: u16, body: &Value, ok: impl FnOnce(&Value) -> String) -> bool {
    if (200..300).contains(&status) {
        println!("{}", ok(body));
        true
    } else {
        let msg = body["error"]
            .as_str()
            .map_or(body.to_string(), str::to_owned);
        eprintln!("error (HTTP {status}): {msg}");
        false
    }
}

fn block_on<F: std::future::Future<Output = anyhow::Result<Answer>>>(
    f: F,
) -> anyhow::Result<Answer> {
    actix_rt::System::new().block_on(f)
}

/// The journal of a stopped bot, never created here.
fn existing_journal(config: Option<&PathBuf>) -> anyhow::Result<Journal> {
    let cfg = match config {
        Some(p) => crate::config::BotConfig::load(p)?,
        None => crate::config::BotConfig::from_env()?,
    };
    let file = cfg.data_dir.join("journal.db");
    if !file.exists() {
        anyhow::bail!(
            "there is no journal at {}: nothing changed. Give the bot's --config FILE (or --admin URL)",
            file.display()
        );
    }
    Ok(Journal::open(&cfg.data_dir)?)
}

/// `viper pause`: `Ok(false)` when refused.
pub fn pause(a: PauseArgs) -> anyhow::Result<bool> {
    let url = admin_url(&a.admin, a.config.as_ref())?;
    let reason = a.reason.unwrap_or_else(|| "viper pause".into());
    let body = json!({ "reason": reason });
    match block_on(call("POST", &format!("{url}/pause"), Some(body)))? {
        Answer::Http(s, b) => Ok(report(s, &b, |_| {
            "paused: no new entries; positions, their exchange-side TP/SL and reduce-only orders stay, until `viper resume`".into()
        })),
        Answer::Unreachable(why) => {
            let journal = existing_journal(a.config.as_ref())
                .with_context(|| format!("no bot answers ({why})"))?;
            if let Some(held) = paused(&journal) {
                eprintln!("error: already paused ({held}); nothing changed");
                return Ok(false);
            }
            set_pause(&journal, &reason)?;
            println!(
                "no bot answers at {url}: wrote the pause to the journal; the next start stays paused until `viper resume`"
            );
            Ok(true)
        }
    }
}

/// `viper resume [--clear-emergency]`: `Ok(false)` when refused.
pub fn resume(a: ResumeArgs) -> anyhow::Result<bool> {
    let url = admin_url(&a.admin, a.config.as_ref())?;
    let body = json!({ "clear_emergency": a.clear_emergency });
    match block_on(call("POST", &format!("{url}/resume"), Some(body)))? {
        Answer::Http(s, b) => Ok(report(s, &b, |b| match b["cleared_emergency"].as_str() {
            Some(r) => format!("resumed: emergency latch ({r}) cleared; trading active"),
            None => "resumed: trading active".into(),
        })),
        Answer::Unreachable(why) => {
            let journal = existing_journal(a.config.as_ref())
                .with_context(|| format!("no bot answers ({why})"))?;
            match clear_pause(&journal, a.clear_emergency) {
                Ok(r) => {
                    match r.cleared_emergency {
                        Some(reason) => println!(
                            "no bot answers at {url}: cleared the emergency latch ({reason}) and any pause in the journal; the next start trades"
                        ),
                        None => println!(
                            "no bot answers at {url}: cleared the pause in the journal; the next start trades"
                        ),
                    }
                    Ok(true)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(false)
                }
            }
        }
    }
}

fn need_bot(url: &str, why: &str) -> anyhow::Result<bool> {
    anyhow::bail!("no bot answers at {url} ({why}); nothing done. Is it running? (--admin URL)")
}

/// `viper close SYMBOL`: waits until the exchange shows it flat.
pub fn close(a: CloseArgs) -> anyhow::Result<bool> {
    let Some(symbol) = crate::operator_close::parse_symbol(&a.symbol) else {
        anyhow::bail!(
            "{:?} is not a symbol (letters and digits, e.g. BTCUSDT); nothing done",
            a.symbol
        );
    };
    let url = admin_url(&a.admin, None)?;
    let target = format!("{url}/close/{symbol}");
    match block_on(call("POST", &target, None))? {
        Answer::Http(s, b) => Ok(report(s, &b, |b| {
            format!(
                "closed {}: flat on the exchange after {} ms (orders {})",
                b["symbol"].as_str().unwrap_or("?"),
                b["took_ms"],
                b["closed"]
            )
        })),
        Answer::Unreachable(why) => need_bot(&url, &why),
    }
}

/// `viper emergency-stop`.
pub fn emergency_stop(a: EmergencyArgs) -> anyhow::Result<bool> {
    let url = admin_url(&a.admin, None)?;
    let reason = a.reason.unwrap_or_else(|| "viper emergency-stop".into());
    let body = json!({ "reason": reason });
    match block_on(call("POST", &format!("{url}/emergency-stop"), Some(body)))? {
        Answer::Http(s, b) => Ok(report(s, &b, |_| {
            "emergency stop: cancelling orders and closing every position at market; latched until `viper resume --clear-emergency`".into()
        })),
        Answer::Unreachable(why) => need_bot(&url, &why),
    }
}
