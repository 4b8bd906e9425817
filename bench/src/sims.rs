//! `--sim-exe PATH`: two simulators side by side, this build's and another executable
//! speaking the same `sim TICK_MS` protocol (e.g. an older commit's, built by
//! `bench/baseline/build.sh`). The same client (Viper's RestClient, then N WebSocket
//! clients) runs against each in turn, rounds interleaved, and the simulators' own CPU is
//! measured: per order round trip (place + detail + cancel), per WebSocket frame delivered,
//! and idle (ticking, no client).

use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::orchestrate::{ANSWER_WITHIN, Proc, Tally, measure};
use crate::procstat::{cpu_ns, load_average, quantile};

/// What `--sim-exe` runs.
pub struct SimOptions {
    /// The other simulator's executable.
    pub exe: String,
    /// Order round trips per client per round.
    pub iterations: u64,
    /// Rounds (who goes first alternates).
    pub rounds: u32,
    /// WebSocket subscribers per simulator.
    pub subscribers: u32,
    /// Seconds of each WebSocket run and of each idle measurement.
    pub ws_seconds: u64,
    /// Simulator tick, ms.
    pub tick_ms: u64,
}

impl SimOptions {
    /// Parses `--sim-exe PATH` and the optional `--key value` pairs of this mode.
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut o = Self {
            exe: String::new(),
            iterations: 200,
            rounds: 5,
            subscribers: 4,
            ws_seconds: 5,
            tick_ms: 2,
        };
        let mut it = args.iter();
        while let Some(k) = it.next() {
            let v = it.next().with_context(|| format!("{k} needs a value"))?;
            match k.as_str() {
                "--sim-exe" => o.exe = v.clone(),
                "--iterations" => o.iterations = v.parse()?,
                "--rounds" => o.rounds = v.parse()?,
                "--subscribers" => o.subscribers = v.parse()?,
                "--ws-seconds" => o.ws_seconds = v.parse()?,
                "--tick-ms" => o.tick_ms = v.parse()?,
                _ => bail!("unknown option {k} with --sim-exe\n{USAGE}"),
            }
        }
        Ok(o)
    }
}

/// `--help` text of this mode.
pub const USAGE: &str = "viper-bench --sim-exe PATH [--iterations N] [--rounds R] \
[--subscribers K] [--ws-seconds S] [--tick-ms T]\n  PATH: another simulator run as `PATH sim \
TICK_MS` (bench/baseline/build.sh COMMIT DIR builds one from an older commit).";

/// One simulator and the client that measures it.
struct Side {
    label: String,
    sim: Proc,
    ws: String,
    client: Proc,
    orders: Tally,
    ws_frames: u64,
    ws_cpu_ns: u64,
    idle_cpu_ns: u64,
}

fn start(
    label: String,
    exe: &std::path::Path,
    me: &std::path::Path,
    tick_ms: u64,
) -> anyhow::Result<Side> {
    let mut cmd = Command::new(exe);
    cmd.args(["sim", &tick_ms.to_string()]);
    let sim = Proc::spawn("simulator", cmd)?;
    let rest = sim.line(Duration::from_secs(60))?;
    let ws = sim.line(Duration::from_secs(5))?;
    let rest = rest.strip_prefix("REST ").context("REST URL")?.to_owned();
    let ws = ws.strip_prefix("WS ").context("WS URL")?.to_owned();
    let mut c = Command::new(me);
    c.args(["worker", "viper", &rest]);
    let client = Proc::spawn("Viper (viper-bitget RestClient)", c)?;
    Ok(Side {
        label,
        sim,
        ws,
        client,
        orders: Tally::default(),
        ws_frames: 0,
        ws_cpu_ns: 0,
        idle_cpu_ns: 0,
    })
}

/// Runs the comparison and prints the tables.
pub fn run(o: &SimOptions) -> anyhow::Result<()> {
    let me = std::env::current_exe()?;
    let mut sides = vec![
        start("this build".into(), &me, &me, o.tick_ms)?,
        start(
            format!("--sim-exe {}", o.exe),
            o.exe.as_ref(),
            &me,
            o.tick_ms,
        )?,
    ];
    let load_before = load_average();
    for round in 0..o.rounds as usize {
        eprintln!("round {}/{}", round + 1, o.rounds);
        for k in 0..sides.len() {
            let s = &mut sides[(k + round) % 2];
            let s0 = cpu_ns(s.sim.pid);
            // The orchestrator is a plain thread (no actix runtime here); measuring idle CPU
            // is waiting.
            #[allow(clippy::disallowed_methods)]
            std::thread::sleep(Duration::from_secs(o.ws_seconds));
            s.idle_cpu_ns += cpu_ns(s.sim.pid).saturating_sub(s0);
            measure(&mut s.client, &s.sim, "orders", o.iterations, &mut s.orders)?;
            fan_out(s, &me, o)?;
        }
    }
    let load_after = load_average();
    print(o, &sides, &load_before, &load_after);
    for s in sides {
        s.client.stop();
        s.sim.stop();
    }
    Ok(())
}

/// N WebSocket clients (ticker + books of 4 symbols each) on one simulator for S seconds.
fn fan_out(s: &mut Side, me: &std::path::Path, o: &SimOptions) -> anyhow::Result<()> {
    let mut subs = Vec::new();
    for _ in 0..o.subscribers {
        let mut c = Command::new(me);
        c.args(["worker", "ws", &s.ws]);
        subs.push(Proc::spawn("ws subscriber", c)?);
    }
    let s0 = cpu_ns(s.sim.pid);
    for p in subs.iter_mut() {
        p.send(&format!("ws {}", o.ws_seconds))?;
    }
    for p in &subs {
        s.ws_frames += p.answer(ANSWER_WITHIN)?["frames"].as_u64().unwrap_or(0);
    }
    s.ws_cpu_ns += cpu_ns(s.sim.pid).saturating_sub(s0);
    for p in subs {
        p.stop();
    }
    Ok(())
}

fn print(o: &SimOptions, sides: &[Side], load_before: &str, load_after: &str) {
    println!(
        "Simulators side by side: {} × {} order round trips each, {} WebSocket subscribers × {} s \
and {} s idle per round, tick {} ms; load average {load_before} → {load_after}.\n",
        o.rounds, o.iterations, o.subscribers, o.ws_seconds, o.ws_seconds, o.tick_ms
    );
    println!("### Simulator CPU per order round trip (place + detail + cancel, Viper's client)\n");
    println!(
        "| simulator | median µs | p99 µs | simulator CPU µs per round trip | round trips per simulator CPU-second | × other |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let per_cpu_s: Vec<f64> = sides
        .iter()
        .map(|s| s.orders.lat_us.len() as f64 / (s.orders.sim_cpu_ns.max(1) as f64 / 1e9))
        .collect();
    for (i, s) in sides.iter().enumerate() {
        let mut v = s.orders.lat_us.clone();
        v.sort_by(f64::total_cmp);
        let n = v.len().max(1) as f64;
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2} |",
            s.label,
            quantile(&v, 0.5),
            quantile(&v, 0.99),
            s.orders.sim_cpu_ns as f64 / n / 1000.0,
            per_cpu_s[i],
            per_cpu_s[i] / per_cpu_s[1 - i],
        );
    }
    println!("\n### Simulator CPU: WebSocket fan-out and idle\n");
    println!(
        "| simulator | frames delivered/s (all subscribers) | simulator CPU µs per frame | share of a core, fan-out | share of a core, idle (ticking) |"
    );
    println!("|---|---:|---:|---:|---:|");
    let secs = (o.ws_seconds * u64::from(o.rounds)) as f64;
    for s in sides {
        println!(
            "| {} | {:.0} | {:.1} | {:.1} % | {:.1} % |",
            s.label,
            s.ws_frames as f64 / secs,
            s.ws_cpu_ns as f64 / 1000.0 / s.ws_frames.max(1) as f64,
            s.ws_cpu_ns as f64 / 1e9 / secs * 100.0,
            s.idle_cpu_ns as f64 / 1e9 / secs * 100.0,
        );
    }
    println!();
}
