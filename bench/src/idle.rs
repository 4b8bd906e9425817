//! `viper-bench idle`: the bot's idle footprint. Starts `viper sim` with the soak's 10 symbols
//! (real-time market, a tick every 250 ms) and the release `viper run` on those 10 symbols
//! with a strategy that never fires, waits for `/ready`, then samples the bot's memory and
//! CPU from `/proc` once a second (`idle_stats.rs`). With `--faults FILE` a second run does
//! the same under that fault plan, installed once the bot is ready, as the soak does.
//! Loopback only; prints one markdown table with a column per run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

use crate::idle_stats::{self, Sample, Summary};
use crate::procstat::load_average;

/// `viper-bench idle --help`.
pub const USAGE: &str = "viper-bench idle --viper PATH [--seconds N] [--warmup S] \
[--faults FILE] [--csv DIR]\n  PATH: the viper binary (a release build); N: seconds sampled \
after /ready (default 600); S: seconds of it that are warm-up (default 60); FILE: a fault \
plan for a second run (config/faults/default.toml); DIR: write each run's samples as CSV.";

/// What to run.
pub struct Options {
    viper: PathBuf,
    seconds: u64,
    warmup: u64,
    faults: Option<PathBuf>,
    csv: Option<PathBuf>,
}

impl Options {
    /// Parses `--key value` pairs.
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut viper = None;
        let mut o = Self {
            viper: PathBuf::new(),
            seconds: 600,
            warmup: 60,
            faults: None,
            csv: None,
        };
        let mut it = args.iter();
        while let Some(k) = it.next() {
            let v = it
                .next()
                .with_context(|| format!("{k} needs a value\n{USAGE}"))?;
            match k.as_str() {
                "--viper" => viper = Some(PathBuf::from(v)),
                "--seconds" => o.seconds = v.parse().context("--seconds")?,
                "--warmup" => o.warmup = v.parse().context("--warmup")?,
                "--faults" => o.faults = Some(PathBuf::from(v)),
                "--csv" => o.csv = Some(PathBuf::from(v)),
                _ => bail!("unknown option {k}\n{USAGE}"),
            }
        }
        o.viper = viper.with_context(|| format!("--viper is required\n{USAGE}"))?;
        if o.warmup + 10 > o.seconds {
            bail!("--seconds must exceed --warmup by at least 10");
        }
        Ok(o)
    }
}

/// One run's figures and what the simulator saw.
struct Run {
    name: &'static str,
    summary: Summary,
    /// WebSocket connections the simulator accepted (public, private).
    ws_opened: (u64, u64),
    /// REST requests the simulator logged while sampling.
    requests: u64,
    /// Seconds sampled (warm-up included).
    sampled_s: f64,
}

/// Runs the calm measurement, then the faulted one if asked, and prints the table.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let o = Options::parse(args)?;
    let load_before = load_average();
    let mut runs = vec![measure(&o, "idle", None)?];
    if let Some(plan) = &o.faults {
        runs.push(measure(&o, "idle + faults", Some(plan))?);
    }
    println!(
        "\nload average (1 min) {load_before} → {}; {} s sampled after /ready, the first {} s \
         warm-up\n",
        load_average(),
        o.seconds,
        o.warmup
    );
    print_table(&runs);
    Ok(())
}

/// A child process whose stdout lines arrive on a channel, stderr into a log file; killed
/// when dropped.
struct Spawned {
    child: Child,
    lines: Receiver<String>,
}

impl Spawned {
    fn start(exe: &Path, args: &[&str], env: &[(&str, &str)], log: &Path) -> anyhow::Result<Self> {
        let file = std::fs::File::create(log).with_context(|| log.display().to_string())?;
        let mut child = Command::new(exe)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(file))
            .spawn()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        let out = child.stdout.take().context("stdout")?;
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                // Nobody listening any more is fine: the pipe is still drained.
                let _ = tx.send(line);
            }
        });
        Ok(Self { child, lines })
    }

    /// The text after `marker` on the first stdout line holding it.
    fn wait_line(&self, marker: &str, within: Duration) -> anyhow::Result<String> {
        let until = Instant::now() + within;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            let line = self.lines.recv_timeout(left).ok();
            if let Some(i) = line.as_deref().and_then(|l| l.find(marker)) {
                let line = line.unwrap_or_default();
                return Ok(line[i + marker.len()..].trim().to_owned());
            }
        }
        bail!("no line with {marker:?} within {within:?}")
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One run: configs written, simulator and bot started, bot ready, optional faults
/// installed, samples taken, both processes stopped.
fn measure(o: &Options, name: &'static str, faults: Option<&Path>) -> anyhow::Result<Run> {
    let work = std::env::temp_dir().join(format!(
        "viper-idle-{}-{}",
        std::process::id(),
        name.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    ));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    std::fs::write(work.join("sim.toml"), viper::soak::sim_toml(1, 1.0))?;
    std::fs::write(work.join("bot.toml"), bot_toml(&work.join("bot")))?;
    eprintln!("{name}: work dir {}", work.display());
    let sim_toml = work.join("sim.toml").display().to_string();
    let sim = Spawned::start(
        &o.viper,
        &["sim", "--listen", "127.0.0.1:0", "--config", &sim_toml],
        &[],
        &work.join("sim.log"),
    )?;
    let rest = sim.wait_line("REST:", Duration::from_secs(60))?;
    let bot_toml = work.join("bot.toml").display().to_string();
    let env = [
        ("BITGET_API_KEY", viper_sim::DEFAULT_API_KEY),
        ("BITGET_API_SECRET", viper_sim::DEFAULT_API_SECRET),
        ("BITGET_API_PASSPHRASE", viper_sim::DEFAULT_PASSPHRASE),
    ];
    let mut bot = Spawned::start(
        &o.viper,
        &["run", "--config", &bot_toml, "--exchange-url", &rest],
        &env,
        &work.join("bot.log"),
    )?;
    let admin = bot.wait_line("viper admin:", Duration::from_secs(60))?;
    wait_ready(&mut bot, &admin).context("see bot.log in the work dir")?;
    let control = format!("{rest}/sim/v1");
    if let Some(plan) = faults {
        let plan = viper_sim::faults::FaultPlan::load(plan)?;
        let (status, body) = http("POST", &format!("{control}/faults"), &plan_json(&plan)?)?;
        if status != 200 {
            bail!("installing the fault plan: HTTP {status} {body}");
        }
    }
    let before = request_count(&control)?;
    let samples = sample(&mut bot, o)?;
    let audit = get_json(&format!("{control}/audit"))?;
    let requests = request_count(&control)?.saturating_sub(before);
    if let Some(dir) = &o.csv {
        write_csv(dir, name, &samples)?;
    }
    let summary =
        idle_stats::summarise(&samples, o.warmup as f64).context("no sample after the warm-up")?;
    let opened = |k: &str| audit["ws_opened"][k].as_u64().unwrap_or(0);
    Ok(Run {
        name,
        summary,
        ws_opened: (opened("public"), opened("private")),
        requests,
        sampled_s: samples.last().map_or(1.0, |s| s.t.max(1.0)),
    })
}

/// The bot's config: the soak's 10 symbols, a strategy that needs more ticks than any run
/// lasts (so it never trades), production intervals, admin on a free loopback port.
fn bot_toml(data_dir: &Path) -> String {
    let symbols: Vec<String> = viper::soak::symbols()
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect();
    format!(
        "mode = \"paper\"\nsymbols = [{}]\ndata_dir = {:?}\n\n[strategy]\nfast = 5\n\
         slow = 4000000000\n\n[admin]\nlisten = \"127.0.0.1:0\"\n",
        symbols.join(", "),
        data_dir.display().to_string(),
    )
}

fn plan_json(plan: &viper_sim::faults::FaultPlan) -> anyhow::Result<String> {
    Ok(serde_json::to_string(plan)?)
}

/// Polls `/ready` until 200 (start-up recovery done, trading enabled), within 2 minutes.
fn wait_ready(bot: &mut Spawned, admin: &str) -> anyhow::Result<()> {
    let until = Instant::now() + Duration::from_secs(120);
    while Instant::now() < until {
        if !bot.alive() {
            bail!("the bot exited during start-up");
        }
        if matches!(http("GET", &format!("{admin}/ready"), ""), Ok((200, _))) {
            return Ok(());
        }
        pause(Duration::from_millis(200));
    }
    bail!("the bot was not ready within 120 s")
}

/// One sample a second for `o.seconds`, the first at `/ready`.
fn sample(bot: &mut Spawned, o: &Options) -> anyhow::Result<Vec<Sample>> {
    let pid = bot.child.id();
    let start = Instant::now();
    let mut out = Vec::with_capacity(o.seconds as usize + 1);
    for i in 0..=o.seconds {
        let due = start + Duration::from_secs(i);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            pause(wait);
        }
        if !bot.alive() {
            bail!("the bot exited while idle (see bot.log)");
        }
        let t = start.elapsed().as_secs_f64();
        out.extend(idle_stats::read(pid, t));
        if i > 0 && i % 60 == 0 {
            eprintln!("  {i} s / {} s", o.seconds);
        }
    }
    Ok(out)
}

/// Blocks this thread: the harness is plain threads, no actix runtime to hold up.
#[allow(clippy::disallowed_methods)]
fn pause(d: Duration) {
    std::thread::sleep(d);
}

fn write_csv(dir: &Path, name: &str, samples: &[Sample]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let file = dir.join(format!("{}.csv", name.replace([' ', '+'], "")));
    let mut f = std::fs::File::create(&file)?;
    writeln!(
        f,
        "t_s,rss_kib,hwm_kib,anon_kib,file_kib,cpu_ticks,threads,switches"
    )?;
    for s in samples {
        writeln!(
            f,
            "{:.1},{},{},{},{},{},{},{}",
            s.t, s.rss_kib, s.hwm_kib, s.anon_kib, s.file_kib, s.cpu_ticks, s.threads, s.switches
        )?;
    }
    eprintln!("samples written to {}", file.display());
    Ok(())
}

fn print_table(runs: &[Run]) {
    let head: Vec<&str> = runs.iter().map(|r| r.name).collect();
    println!("| bot (viper run, 10 symbols) | {} |", head.join(" | "));
    println!("|---|{}", "---:|".repeat(runs.len()));
    type Cell = fn(&Run) -> String;
    let rows: [(&str, Cell); 15] = [
        ("RSS at /ready, MiB", |r| {
            format!("{:.1}", r.summary.rss_ready)
        }),
        ("RSS after warm-up, MiB", |r| {
            format!("{:.1}", r.summary.rss_warm)
        }),
        ("RSS at the end, MiB", |r| {
            format!("{:.1}", r.summary.rss_end)
        }),
        ("peak RSS (VmHWM), MiB", |r| format!("{:.1}", r.summary.hwm)),
        ("RSS growth after warm-up, MiB/h", |r| {
            format!("{:+.2}", r.summary.growth_mib_h)
        }),
        ("  of it anonymous (heap, stacks) at the end, MiB", |r| {
            format!("{:.1}", r.summary.anon_end)
        }),
        ("  of it file-backed (code) at the end, MiB", |r| {
            format!("{:.1}", r.summary.file_end)
        }),
        ("anonymous growth after warm-up, MiB/h", |r| {
            format!("{:+.2}", r.summary.anon_growth_mib_h)
        }),
        ("CPU after warm-up, % of a core", |r| {
            format!("{:.2}", r.summary.cpu_pct)
        }),
        ("seconds sampled after warm-up", |r| {
            format!("{:.0}", r.summary.measured_s)
        }),
        ("CPU until /ready, s", |r| {
            format!("{:.2}", r.summary.startup_cpu_s)
        }),
        ("context switches/s after warm-up", |r| {
            format!("{:.1}", r.summary.switches_s)
        }),
        ("threads at the end", |r| r.summary.threads.to_string()),
        ("REST requests/s (simulator's log)", |r| {
            format!("{:.2}", r.requests as f64 / r.sampled_s)
        }),
        ("WebSockets opened (public/private)", |r| {
            format!("{}/{}", r.ws_opened.0, r.ws_opened.1)
        }),
    ];
    for (label, cell) in rows {
        let cells: Vec<String> = runs.iter().map(cell).collect();
        println!("| {label} | {} |", cells.join(" | "));
    }
}

/// `GET url`, the body as JSON.
fn get_json(url: &str) -> anyhow::Result<Value> {
    let (status, body) = http("GET", url, "")?;
    if status != 200 {
        bail!("GET {url}: HTTP {status}");
    }
    serde_json::from_str(&body).with_context(|| format!("GET {url}: not JSON"))
}

/// How many REST requests the simulator has logged so far.
fn request_count(control: &str) -> anyhow::Result<u64> {
    let v = get_json(&format!("{control}/requests"))?;
    Ok(v["requests"].as_array().map_or(0, |a| a.len() as u64))
}

/// One HTTP/1.1 exchange on a fresh loopback connection (`Connection: close`).
fn http(method: &str, url: &str, body: &str) -> anyhow::Result<(u16, String)> {
    let rest = url.strip_prefix("http://").context("an http:// URL")?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut s = TcpStream::connect(host).with_context(|| format!("connect {host}"))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut resp = String::new();
    s.read_to_string(&mut resp)?;
    let status = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .context("no HTTP status line")?;
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}
