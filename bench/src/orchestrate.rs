//! The harness: starts the simulator and one process per client, runs the clients in turn
//! (rotating who goes first every round, so drift and load hit all alike), measures each
//! process's CPU time from `/proc` around each command, and prints the tables.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::procstat::{cpu_ns, load_average, quantile, rss_kib};

/// `--help` text.
pub const USAGE: &str = "viper-bench [--iterations N] [--rounds R] [--ws-seconds S] \
[--tick-ms T] [--python PY]\n  PY: a Python with ccxt installed (bench/run.sh sets one up); \
without it only the Rust clients run.";

/// What to run.
pub struct Options {
    iterations: u64,
    rounds: u32,
    ws_seconds: u64,
    tick_ms: u64,
    python: Option<String>,
}

impl Options {
    /// Parses `--key value` pairs.
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut o = Self {
            iterations: 200,
            rounds: 5,
            ws_seconds: 10,
            tick_ms: 2,
            python: None,
        };
        let mut it = args.iter();
        while let Some(k) = it.next() {
            let v = it.next().with_context(|| format!("{k} needs a value"))?;
            match k.as_str() {
                "--iterations" => o.iterations = v.parse()?,
                "--rounds" => o.rounds = v.parse()?,
                "--ws-seconds" => o.ws_seconds = v.parse()?,
                "--tick-ms" => o.tick_ms = v.parse()?,
                "--python" => o.python = Some(v.clone()),
                _ => bail!("unknown option {k}\n{USAGE}"),
            }
        }
        Ok(o)
    }
}

/// A child process speaking the line protocol.
pub(crate) struct Proc {
    pub(crate) name: &'static str,
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    pub(crate) pid: u32,
}

impl Proc {
    pub(crate) fn spawn(name: &'static str, mut cmd: Command) -> anyhow::Result<Self> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {name}"))?;
        let stdin = child.stdin.take().context("stdin")?;
        let stdout = child.stdout.take().context("stdout")?;
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let pid = child.id();
        Ok(Self {
            name,
            child,
            stdin,
            lines,
            pid,
        })
    }

    pub(crate) fn send(&mut self, line: &str) -> anyhow::Result<()> {
        writeln!(self.stdin, "{line}").with_context(|| format!("{} is gone", self.name))
    }

    pub(crate) fn line(&self, within: Duration) -> anyhow::Result<String> {
        self.lines
            .recv_timeout(within)
            .with_context(|| format!("{} did not answer within {within:?}", self.name))
    }

    pub(crate) fn answer(&self, within: Duration) -> anyhow::Result<Value> {
        let line = self.line(within)?;
        let v: Value = serde_json::from_str(&line)
            .with_context(|| format!("{} answered {line:?}", self.name))?;
        if let Some(e) = v.get("error") {
            bail!("{}: {e}", self.name);
        }
        Ok(v)
    }

    pub(crate) fn stop(mut self) {
        use std::sync::mpsc::RecvTimeoutError;
        let _ = self.send("quit");
        drop(self.stdin);
        // The reader thread ends when the child's stdout closes, i.e. when it has exited.
        loop {
            match self.lines.recv_timeout(Duration::from_secs(5)) {
                Ok(_) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    break;
                }
            }
        }
        let _ = self.child.wait();
    }
}

/// Latencies and CPU of one client for one operation, over every round.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) lat_us: Vec<f64>,
    cpu_ns: u64,
    pub(crate) sim_cpu_ns: u64,
}

pub(crate) const ANSWER_WITHIN: Duration = Duration::from_secs(300);

/// The call types measured one at a time (Rust clients only: the first [`RUST_CLIENTS`]),
/// with their table titles.
const CALLS: [(&str, &str); 3] = [
    ("place", "Place order (alone)"),
    ("detail", "Order detail by clientOid (alone)"),
    ("cancel", "Cancel order by clientOid (alone)"),
];
/// Viper, awc and raw: the workers that take the per-call commands.
const RUST_CLIENTS: usize = 3;
/// Orders left resting at once by the per-call commands (under the simulator's cap).
const CALL_CHUNK: u64 = 100;

/// Runs the whole comparison and prints the tables.
pub fn run(o: &Options) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let mut sim_cmd = Command::new(&exe);
    sim_cmd.args(["sim", &o.tick_ms.to_string()]);
    let sim = Proc::spawn("simulator", sim_cmd)?;
    let rest = sim.line(Duration::from_secs(60))?;
    let ws = sim.line(Duration::from_secs(5))?;
    let rest = rest.strip_prefix("REST ").context("REST URL")?.to_owned();
    let ws = ws.strip_prefix("WS ").context("WS URL")?.to_owned();
    let mut clients = Vec::new();
    for kind in ["viper", "awc", "raw"] {
        let mut c = Command::new(&exe);
        c.args(["worker", kind, &rest]);
        clients.push(Proc::spawn(name_of(kind), c)?);
    }
    if let Some(py) = &o.python {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/ccxt_worker.py");
        for kind in ["sync", "async"] {
            let mut c = Command::new(py);
            c.args([script, kind, &rest]);
            clients.push(Proc::spawn(name_of(kind), c)?);
        }
    }
    let load_before = load_average();
    let mut orders: Vec<Tally> = clients.iter().map(|_| Tally::default()).collect();
    let mut tickers: Vec<Tally> = clients.iter().map(|_| Tally::default()).collect();
    let mut calls: Vec<Vec<Tally>> = CALLS
        .iter()
        .map(|_| (0..RUST_CLIENTS).map(|_| Tally::default()).collect())
        .collect();
    for round in 0..o.rounds as usize {
        eprintln!("round {}/{}", round + 1, o.rounds);
        for k in 0..clients.len() {
            let i = (k + round) % clients.len();
            measure(
                &mut clients[i],
                &sim,
                "orders",
                o.iterations,
                &mut orders[i],
            )?;
            if i < RUST_CLIENTS {
                measure_calls(&mut clients[i], &sim, o.iterations, &mut calls, i)?;
            }
            measure(
                &mut clients[i],
                &sim,
                "ticker",
                o.iterations,
                &mut tickers[i],
            )?;
        }
    }
    let ws_rows = websocket(o, &exe, &ws, &rest, &sim)?;
    let load_after = load_average();
    println!(
        "Iterations {} × {} rounds, simulator tick {} ms; load average {load_before} → {load_after}.\n",
        o.iterations, o.rounds, o.tick_ms
    );
    print_rest(
        "Order round trip (place + detail + cancel, by clientOid)",
        &clients,
        &orders,
    );
    print_rest("Ticker round trip", &clients, &tickers);
    for ((_, title), tallies) in CALLS.iter().zip(&calls) {
        print_rest(title, &clients, tallies);
    }
    println!("{ws_rows}");
    for c in clients {
        c.stop();
    }
    sim.stop();
    Ok(())
}

fn name_of(kind: &str) -> &'static str {
    match kind {
        "viper" => "Viper (viper-bitget RestClient)",
        "awc" => "bare awc, pre-signed",
        "raw" => "raw HTTP/1.1, pre-signed",
        "sync" => "ccxt 4.5.90 sync",
        "async" => "ccxt 4.5.90 async",
        "ws" => "Viper (viper-bitget WsClient)",
        _ => "ccxt.pro 4.5.90",
    }
}

pub(crate) fn measure(
    c: &mut Proc,
    sim: &Proc,
    cmd: &str,
    n: u64,
    t: &mut Tally,
) -> anyhow::Result<()> {
    let (c0, s0) = (cpu_ns(c.pid), cpu_ns(sim.pid));
    c.send(&format!("{cmd} {n}"))?;
    let v = c.answer(ANSWER_WITHIN)?;
    t.cpu_ns += cpu_ns(c.pid).saturating_sub(c0);
    t.sim_cpu_ns += cpu_ns(sim.pid).saturating_sub(s0);
    let lat = v["lat_us"].as_array().context("lat_us")?;
    t.lat_us.extend(lat.iter().filter_map(Value::as_f64));
    Ok(())
}

/// `n` calls of each type alone for client `i`, in chunks: the simulator caps the resting
/// orders of a symbol, as Bitget does.
fn measure_calls(
    c: &mut Proc,
    sim: &Proc,
    n: u64,
    calls: &mut [Vec<Tally>],
    i: usize,
) -> anyhow::Result<()> {
    let mut left = n;
    while left > 0 {
        let k = left.min(CALL_CHUNK);
        for ((call, _), tally) in CALLS.iter().zip(calls.iter_mut()) {
            measure(c, sim, call, k, &mut tally[i])?;
        }
        left -= k;
    }
    Ok(())
}

fn print_rest(title: &str, clients: &[Proc], tallies: &[Tally]) {
    let median = |t: &Tally| {
        let mut v = t.lat_us.clone();
        v.sort_by(f64::total_cmp);
        (quantile(&v, 0.5), quantile(&v, 0.99))
    };
    let floor = tallies.get(1).map(|t| median(t).0).unwrap_or(f64::NAN);
    let floor_cpu = tallies
        .get(1)
        .map(|t| t.cpu_ns as f64 / t.lat_us.len().max(1) as f64)
        .unwrap_or(f64::NAN);
    println!("### {title}\n");
    println!(
        "| client | median µs | p99 µs | × awc median | client CPU µs/op | × awc CPU | simulator CPU µs/op | peak RSS MiB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (c, t) in clients.iter().zip(tallies) {
        let (p50, p99) = median(t);
        let n = t.lat_us.len().max(1) as f64;
        let cpu = t.cpu_ns as f64 / n / 1000.0;
        let sim = t.sim_cpu_ns as f64 / n / 1000.0;
        let (_, peak) = rss_kib(c.pid);
        println!(
            "| {} | {p50:.0} | {p99:.0} | {:.2} | {cpu:.0} | {:.2} | {sim:.0} | {:.1} |",
            c.name,
            p50 / floor,
            cpu * 1000.0 / floor_cpu,
            peak as f64 / 1024.0
        );
    }
    println!();
}

/// Viper's WebSocket client and ccxt.pro on the same stream at the same time.
fn websocket(
    o: &Options,
    exe: &std::path::Path,
    ws: &str,
    rest: &str,
    sim: &Proc,
) -> anyhow::Result<String> {
    let mut procs = Vec::new();
    let mut c = Command::new(exe);
    c.args(["worker", "ws", ws]);
    procs.push(Proc::spawn(name_of("ws"), c)?);
    if let Some(py) = &o.python {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/ccxt_worker.py");
        let mut c = Command::new(py);
        c.args([script, "pro", rest]);
        procs.push(Proc::spawn(name_of("pro"), c)?);
    }
    let s0 = cpu_ns(sim.pid);
    let c0: Vec<u64> = procs.iter().map(|p| cpu_ns(p.pid)).collect();
    for p in procs.iter_mut() {
        p.send(&format!("ws {}", o.ws_seconds))?;
    }
    let mut rows = Vec::new();
    for (p, c0) in procs.iter().zip(c0) {
        let frames = p.answer(ANSWER_WITHIN)?["frames"].as_u64().unwrap_or(0);
        let cpu = cpu_ns(p.pid).saturating_sub(c0) as f64;
        rows.push((p.name, frames, cpu, rss_kib(p.pid).1));
    }
    // Viper's client hands every frame to its caller, so its count is the stream's; a
    // ccxt.pro watch returns the latest state and skips what arrived while the caller was
    // busy, so its CPU is divided by the same stream count.
    let stream = rows.first().map(|r| r.1).unwrap_or(0).max(1) as f64;
    let mut out = format!(
        "### WebSocket: ticker + books of 4 symbols, both clients on the same stream for {} s\n\n\
| client | updates handed to the caller | stream frames/s | CPU ms per 1000 stream frames | share of a core | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|\n",
        o.ws_seconds
    );
    for (name, frames, cpu, peak) in rows {
        out.push_str(&format!(
            "| {name} | {frames} | {:.0} | {:.1} | {:.1} % | {:.1} |\n",
            stream / o.ws_seconds as f64,
            cpu / 1e6 / (stream / 1000.0),
            cpu / 1e9 / o.ws_seconds as f64 * 100.0,
            peak as f64 / 1024.0
        ));
    }
    out.push_str(&format!(
        "\nSimulator CPU over the WebSocket run: {:.1} % of a core.\n",
        cpu_ns(sim.pid).saturating_sub(s0) as f64 / 1e9 / o.ws_seconds as f64 * 100.0
    ));
    for p in procs {
        p.stop();
    }
    Ok(out)
}
