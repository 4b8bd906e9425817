//! `viper-bench day`: a simulated day with 10 symbols, compressed. The simulator runs with
//! 10 symbols at `--speed` (market seconds per wall second) and a `--tick-ms` tick; one client
//! process subscribes to ticker + books of all 10 on the public WebSocket and trades over REST
//! (a resting limit order placed, read and cancelled, and every tenth time a market buy closed
//! by a reduce-only market sell) until the simulator's markets have covered a day. Prints the
//! wall time, the market time covered (from the simulator's own step counts), and the CPU of
//! the simulator and of the client.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use viper_bitget::clock::SystemClock;
use viper_bitget::models::{
    ClientOid, Force, OrderRef, OrderType, PlaceOrderRequest, Price, Side, Size,
};
use viper_bitget::rate_limit::RateLimiter;
use viper_bitget::ws::{Channel, SubArg, WsClient, WsConfig, WsEvent};
use viper_bitget::{Credentials, RestClient, RestConfig};

use crate::orchestrate::Proc;
use crate::procstat::{cpu_ns, load_average, rss_kib};

const DAY_SECS: f64 = 86_400.0;

/// The 10 symbols: the simulator's default 4 and 6 more with specs cloned from SOLUSDT.
pub fn ten_symbols() -> Vec<viper_sim::config::SymbolConfig> {
    let mut v = viper_sim::config::default_symbols();
    let Some(template) = v.iter().find(|s| s.symbol == "SOLUSDT").cloned() else {
        return v;
    };
    for (sym, price) in [
        ("DOGEUSDT", 150),
        ("ADAUSDT", 120),
        ("LINKUSDT", 140),
        ("LTCUSDT", 80),
        ("DOTUSDT", 45),
        ("AVAXUSDT", 25),
    ] {
        let mut s = template.clone();
        s.symbol = sym.to_owned();
        s.base_coin = sym.trim_end_matches("USDT").to_owned();
        s.start_price = Decimal::from(price);
        v.push(s);
    }
    v
}

/// What `day` runs.
pub struct DayOptions {
    speed: f64,
    tick_ms: u64,
    orders_per_s: u64,
}

impl DayOptions {
    /// Parses `--speed S --tick-ms T --orders-per-s N`.
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut o = Self {
            speed: 288.0,
            tick_ms: 5,
            orders_per_s: 20,
        };
        let mut it = args.iter();
        while let Some(k) = it.next() {
            let v = it.next().with_context(|| format!("{k} needs a value"))?;
            match k.as_str() {
                "--speed" => o.speed = v.parse()?,
                "--tick-ms" => o.tick_ms = v.parse()?,
                "--orders-per-s" => o.orders_per_s = v.parse()?,
                _ => bail!("unknown option {k}\n{USAGE}"),
            }
        }
        if !(o.speed.is_finite() && o.speed >= 1.0) || o.tick_ms == 0 || o.orders_per_s == 0 {
            bail!("--speed >= 1, --tick-ms > 0 and --orders-per-s > 0\n{USAGE}");
        }
        Ok(o)
    }
}

/// `--help` text of this mode.
pub const USAGE: &str = "viper-bench day [--speed 288] [--tick-ms 5] [--orders-per-s 20]\n  \
a day of market time on 10 symbols: wall time = 86400 / speed s, market step = tick × speed.";

/// Runs the day and prints its figures.
pub fn run(o: &DayOptions) -> anyhow::Result<()> {
    let me = std::env::current_exe()?;
    let mut cmd = Command::new(&me);
    cmd.args(["sim", &o.tick_ms.to_string(), &o.speed.to_string(), "10"]);
    let sim = Proc::spawn("simulator", cmd)?;
    let rest = sim.line(Duration::from_secs(60))?;
    let rest = rest.strip_prefix("REST ").context("REST URL")?.to_owned();
    let _ws = sim.line(Duration::from_secs(5))?;
    let mut c = Command::new(&me);
    c.args(["day-worker", &rest]);
    let mut client = Proc::spawn("day client", c)?;
    let load_before = load_average();
    let (s0, c0) = (cpu_ns(sim.pid), cpu_ns(client.pid));
    let wall = Instant::now();
    client.send(&format!("day {} {} {}", o.speed, o.tick_ms, o.orders_per_s))?;
    let budget = Duration::from_secs_f64(DAY_SECS / o.speed * 3.0 + 120.0);
    let v = client.answer(budget)?;
    let wall = wall.elapsed().as_secs_f64();
    let (sim_cpu, client_cpu) = (
        cpu_ns(sim.pid).saturating_sub(s0) as f64 / 1e9,
        cpu_ns(client.pid).saturating_sub(c0) as f64 / 1e9,
    );
    let (sim_rss, client_rss) = (rss_kib(sim.pid).1, rss_kib(client.pid).1);
    println!(
        "A simulated day, 10 symbols: speed {} (market step {} s every {} ms), client at {} order round trips/s; load average {load_before} → {}.\n",
        o.speed,
        o.speed * o.tick_ms as f64 / 1000.0,
        o.tick_ms,
        o.orders_per_s,
        load_average()
    );
    println!("| figure | value |\n|---|---:|");
    println!("| wall time | {:.1} s ({:.2} min) |", wall, wall / 60.0);
    println!(
        "| market time covered (simulator steps × step) | {:.2} h |",
        v["market_secs"].as_f64().unwrap_or(0.0) / 3600.0
    );
    println!("| simulator ticks per symbol | {} |", v["steps"]);
    println!(
        "| order round trips (place + detail + cancel) | {} |",
        v["round_trips"]
    );
    println!("| market open + close pairs (filled) | {} |", v["fills"]);
    println!(
        "| WebSocket frames received (ticker + books × 10) | {} |",
        v["frames"]
    );
    println!(
        "| simulator CPU | {sim_cpu:.1} s ({:.0} % of a core), peak RSS {:.1} MiB |",
        sim_cpu / wall * 100.0,
        sim_rss as f64 / 1024.0
    );
    println!(
        "| client CPU | {client_cpu:.1} s ({:.0} % of a core), peak RSS {:.1} MiB |",
        client_cpu / wall * 100.0,
        client_rss as f64 / 1024.0
    );
    client.stop();
    sim.stop();
    Ok(())
}

/// The client side (`viper-bench day-worker URL`): waits for `day SPEED TICK_MS RATE` on stdin.
pub fn worker(url: &str) -> anyhow::Result<()> {
    let url = url.to_owned();
    actix_rt::System::new().block_on(async move {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        while let Some(line) = rx.recv().await {
            let p: Vec<&str> = line.split_whitespace().collect();
            match p.as_slice() {
                ["day", speed, tick, rate] => {
                    let v = day(&url, speed.parse()?, tick.parse()?, rate.parse()?).await?;
                    println!("{v}");
                }
                ["quit"] => break,
                _ => bail!("unknown command {line}"),
            }
        }
        Ok(())
    })
}

async fn steps(url: &str) -> anyhow::Result<u64> {
    let mut resp = awc::Client::default()
        .get(format!("{url}/sim/v1/state"))
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("state: {e}"))?;
    let v: Value = resp.json().await?;
    let m = v["markets"].as_array().context("markets")?;
    // Every market steps together; the slowest one is what the day covered.
    m.iter()
        .filter_map(|m| m["steps"].as_u64())
        .min()
        .context("no market")
}

async fn day(url: &str, speed: f64, tick_ms: u64, rate: u64) -> anyhow::Result<Value> {
    let ws_url = format!("{}/v2/ws/public", url.replacen("http", "ws", 1));
    let subs = ten_symbols()
        .iter()
        .flat_map(|s| {
            [
                SubArg::ticker(&s.symbol),
                SubArg::new(Channel::Books, &s.symbol),
            ]
        })
        .collect();
    let (handle, mut events) = WsClient::start(WsConfig::custom(&ws_url, &ws_url), subs, None)?;
    let frames = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = frames.clone();
    actix_rt::spawn(async move {
        while let Some(ev) = events.recv().await {
            if matches!(ev, WsEvent::Push(_) | WsEvent::Book(_)) {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
    let creds = Credentials::new(
        viper_sim::DEFAULT_API_KEY,
        viper_sim::DEFAULT_API_SECRET,
        viper_sim::DEFAULT_PASSPHRASE,
    );
    let rest = RestClient::with_parts(
        RestConfig::custom(url, Some(creds)),
        Arc::new(SystemClock),
        Arc::new(RateLimiter::unlimited()),
    );
    let step_secs = speed * tick_ms as f64 / 1000.0;
    let target = (DAY_SECS / step_secs).ceil() as u64;
    let first = steps(url).await?;
    let mut iv = actix_rt::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut round_trips, mut fills, mut n) = (0u64, 0u64, 0u64);
    let mut covered = 0;
    while covered < target {
        iv.tick().await;
        n += 1;
        if n % 10 == 0 {
            open_close(&rest, n).await?;
            fills += 1;
        } else {
            resting_round(&rest, n).await?;
            round_trips += 1;
        }
        if n % rate == 0 {
            covered = steps(url).await?.saturating_sub(first);
        }
    }
    handle.shutdown();
    Ok(json!({
        "steps": covered,
        "market_secs": covered as f64 * step_secs,
        "round_trips": round_trips,
        "fills": fills,
        "frames": frames.load(std::sync::atomic::Ordering::Relaxed),
    }))
}

fn order(
    symbol: &str,
    side: Side,
    kind: OrderType,
    size: Decimal,
    oid: String,
) -> anyhow::Result<PlaceOrderRequest> {
    Ok(PlaceOrderRequest::new(
        symbol,
        side,
        kind,
        Size(size),
        ClientOid::new(&oid)?,
    ))
}

async fn resting_round(rest: &RestClient, n: u64) -> anyhow::Result<()> {
    let t = rest.ticker("BTCUSDT").await?;
    let price = (t.last_pr.0 * Decimal::new(97, 2)).round_dp(1);
    let oid = format!("day{}r{n}", std::process::id());
    let mut req = order(
        "BTCUSDT",
        Side::Buy,
        OrderType::Limit,
        Decimal::new(1, 4),
        oid,
    )?;
    req.price = Some(Price(price));
    req.force = Some(Force::Gtc);
    rest.place_order(&req).await?;
    let r = OrderRef::ClientOid(req.client_oid.clone());
    rest.order_detail("BTCUSDT", &r)
        .await?
        .context("placed order not found")?;
    rest.cancel_order("BTCUSDT", r).await?;
    Ok(())
}

async fn open_close(rest: &RestClient, n: u64) -> anyhow::Result<()> {
    let size = Decimal::new(1, 4);
    let tag = format!("day{}", std::process::id());
    let open = order(
        "BTCUSDT",
        Side::Buy,
        OrderType::Market,
        size,
        format!("{tag}o{n}"),
    )?;
    rest.place_order(&open).await?;
    let mut close = order(
        "BTCUSDT",
        Side::Sell,
        OrderType::Market,
        size,
        format!("{tag}c{n}"),
    )?;
    close.reduce_only = Some(true);
    rest.place_order(&close).await?;
    Ok(())
}
