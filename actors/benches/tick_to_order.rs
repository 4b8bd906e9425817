//! Tick-to-order latency, in-process: a ticker frame in → decoded → `MarketTick` → a strategy
//! that fires on every tick → the gate's check and reservation (`risk_manager::Gate`) → the
//! router's last check (`exposure::Ledger`) → the journal's write-ahead commit → the
//! place-order request built, serialised and signed (the bytes and headers the client sends).
//! Prints p50/p99/p99.9 per scenario: the journal's fsync cost shows as synchronous FULL
//! against OFF, and the one-commit write against the two commits it replaced (insert as
//! `intent`, then `sent`). The scenarios run interleaved, block by block, so a shared disk's
//! mood swings reach all of them alike. Figures in docs/benchmarks.md.
//!
//! `cargo bench -p viper-actors --features bench-hooks --bench tick_to_order [-- --ticks N]`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use rust_decimal::Decimal;
use std::collections::HashMap;
use std::time::{Duration, Instant as StdInstant};
use tokio::time::Instant;
use viper_actors::events::{AccountSnapshot, FeedSource, MarketTick, TradingState};
use viper_actors::exposure::{ExposureLimits, Ledger};
use viper_actors::intent::{Direction, OidMint, OrderIntent, OrderTicket};
use viper_actors::journal::{Journal, OrderPhase};
use viper_actors::order_request::request;
use viper_actors::order_router::sent_row;
use viper_actors::risk_manager::{Gate, RiskLimits};
use viper_actors::strategy::{Strategy, StrategyView};
use viper_bitget::models::{ClientOid, PosMode};
use viper_bitget::sign::sign_request;
use viper_bitget::ws::{Frame, PushData, decode};

const TICKER: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"ticker","instId":"BTCUSDT"},"data":[{"instId":"BTCUSDT","lastPr":"43480.4","bidPr":"43476.3","askPr":"43476.8","bidSz":"0.1","askSz":"3.055","open24h":"42252.3","high24h":"44518.2","low24h":"41387.0","change24h":"0.03875","fundingRate":"0.000096","nextFundingTime":"1701849600000","markPrice":"43476.4","indexPrice":"43478.4","holdingAmount":"50670.787","baseVolume":"120187.104","quoteVolume":"5167385048.693","openUtc":"44071.4","symbolType":"1","symbol":"BTCUSDT","deliveryPrice":"0","ts":"1701843962811"}],"ts":1701843962812}"#;
const PATH: &str = "/api/v2/mix/order/place-order";

/// Fires on every tick: a market buy of the minimum size with a stop 1 % away.
struct EveryTick;

impl Strategy for EveryTick {
    fn name(&self) -> &str {
        "every_tick"
    }
    fn on_tick(&mut self, tick: &MarketTick, _: &StrategyView<'_>) -> Option<OrderIntent> {
        Some(OrderIntent {
            symbol: tick.symbol.clone(),
            direction: Direction::Buy,
            size: Decimal::new(1, 4),
            limit_price: None,
            reduce_only: false,
            take_profit: Some(tick.last * Decimal::new(101, 2)),
            stop_loss: Some(tick.last * Decimal::new(99, 2)),
            reason: "bench".into(),
        })
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Commits {
    None,
    One,
    Two,
}

struct Scenario {
    name: &'static str,
    commits: Commits,
    full_sync: bool,
}

fn tick_of(text: &str) -> MarketTick {
    let Ok(Frame::Push(p)) = decode(text) else {
        panic!("the bench frame decodes");
    };
    let PushData::Ticker(mut t) = p.data else {
        panic!("a ticker push");
    };
    let t = t.pop().expect("one row");
    MarketTick {
        symbol: t.inst_id,
        last: t.last_pr.0,
        bid: t.bid_pr.map(|x| x.0),
        ask: t.ask_pr.map(|x| x.0),
        mark: t.mark_price.map(|x| x.0),
        exchange_ts_ms: t.ts.or(p.ts).unwrap_or_default(),
        received: Instant::now(),
        source: FeedSource::WebSocket,
    }
}

fn flat(at: Instant) -> AccountSnapshot {
    AccountSnapshot {
        equity: Decimal::from(1000),
        available: Decimal::from(1000),
        positions: vec![],
        open_orders: vec![],
        tpsl_plans: vec![],
        at,
    }
}

/// The signed request as the client builds it: body serialised once, timestamp, signature,
/// headers. Returns the bytes' length so nothing is optimised away.
fn signed(req: &viper_bitget::models::PlaceOrderRequest) -> usize {
    let body = serde_json::to_string(req).unwrap();
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let sign = sign_request("bench-secret", &ts, "POST", PATH, "", &body);
    let headers: Vec<(&str, String)> = vec![
        ("Content-Type", "application/json".into()),
        ("ACCESS-KEY", "bench-key".into()),
        ("ACCESS-SIGN", sign),
        ("ACCESS-TIMESTAMP", ts),
        ("ACCESS-PASSPHRASE", "bench-pass".into()),
    ];
    body.len()
        + headers
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
}

struct Run {
    total: Vec<u64>,
    journal: Vec<u64>,
}

/// One scenario's pipeline: its own journal, gate, ledger and strategy.
struct Pipeline {
    commits: Commits,
    journal: Journal,
    gate: Gate,
    exposure_limits: ExposureLimits,
    router_ledger: Ledger,
    router_snap: AccountSnapshot,
    strategy: EveryTick,
    mint: OidMint,
    out: Run,
    sink: usize,
}

impl Pipeline {
    fn new(s: &Scenario, ticks: usize, dir: &std::path::Path) -> Self {
        let journal = Journal::open(dir).unwrap();
        if !s.full_sync {
            journal.bench_synchronous_off().unwrap();
        }
        let limits = RiskLimits {
            max_intents_per_sec: usize::MAX,
            max_snapshot_age: Duration::from_secs(3600),
            ..RiskLimits::default()
        };
        let exposure_limits = ExposureLimits::from(&limits);
        let mut gate = Gate::new(limits, HashMap::new(), TradingState::Active);
        gate.observe(flat(Instant::now()));
        Self {
            commits: s.commits,
            journal,
            gate,
            exposure_limits,
            router_ledger: Ledger::new(),
            router_snap: flat(Instant::now()),
            strategy: EveryTick,
            mint: OidMint::new(1_700_000_000_000),
            out: Run {
                total: Vec::with_capacity(ticks),
                journal: Vec::with_capacity(ticks),
            },
            sink: 0,
        }
    }

    /// Tick `n`, timed from the frame to the signed bytes.
    fn tick(&mut self, n: usize) {
        let t0 = StdInstant::now();
        let tick = tick_of(TICKER);
        let view = StrategyView {
            exposed: false,
            rules: None,
        };
        let intent = self
            .strategy
            .on_tick(&tick, &view)
            .expect("fires on every tick");
        let price = tick.ask.unwrap_or(tick.last);
        let margin = self.gate.check(&intent, price).expect("the gate admits it");
        let oid = self.mint.next_oid();
        self.gate.reserve(&oid, &intent.symbol, margin);
        let ticket = OrderTicket {
            intent,
            client_oid: oid,
            margin,
        };
        self.router_ledger
            .admit(
                &self.router_snap,
                &ticket.intent.symbol,
                margin,
                &self.exposure_limits,
            )
            .expect("the last check admits it");
        let cid = ClientOid::new(ticket.client_oid.clone()).unwrap();
        let j0 = StdInstant::now();
        let now_ms = 1_700_000_000_000 + n as i64;
        match self.commits {
            Commits::None => {}
            Commits::One => self.journal.insert(&sent_row(&ticket, now_ms)).unwrap(),
            Commits::Two => {
                let mut row = sent_row(&ticket, now_ms);
                row.phase = OrderPhase::Intent;
                self.journal.insert(&row).unwrap();
                self.journal
                    .set_phase(&ticket.client_oid, OrderPhase::Sent, None, now_ms)
                    .unwrap();
            }
        }
        let j1 = StdInstant::now();
        self.router_ledger.reserve(
            &ticket.client_oid,
            &ticket.intent.symbol,
            margin,
            OrderPhase::Sent,
        );
        self.sink += signed(&request(PosMode::OneWay, &ticket.intent, &cid));
        let t1 = StdInstant::now();
        self.out.total.push((t1 - t0).as_nanos() as u64);
        self.out.journal.push((j1 - j0).as_nanos() as u64);
        self.settle(&ticket.client_oid, &ticket.intent.symbol, margin);
    }

    /// Outside the measurement: the order is settled and a newer snapshot retires it, so
    /// the next tick meets the same flat account.
    fn settle(&mut self, oid: &str, symbol: &str, margin: Decimal) {
        let done = Instant::now();
        self.gate.record(oid, symbol, OrderPhase::Rejected, done);
        self.router_ledger
            .record(oid, symbol, OrderPhase::Rejected, done, margin);
        let later = Instant::now() + Duration::from_nanos(1);
        self.gate.observe(flat(later));
        self.router_snap.at = later;
        self.router_ledger.observe(later);
    }
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn row(name: &str, v: &mut [u64]) -> String {
    v.sort_unstable();
    format!(
        "{name} | {:.1} | {:.1} | {:.1} | {:.1}",
        pct(v, 0.5),
        pct(v, 0.99),
        pct(v, 0.999),
        pct(v, 1.0)
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let ticks = args
        .iter()
        .position(|a| a == "--ticks")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    // On the target disk (not a tmpfs /tmp): fsync must cost what it costs.
    let base = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let scenarios = [
        Scenario {
            name: "no journal",
            commits: Commits::None,
            full_sync: true,
        },
        Scenario {
            name: "one commit, synchronous=OFF",
            commits: Commits::One,
            full_sync: false,
        },
        Scenario {
            name: "one commit, synchronous=FULL (now)",
            commits: Commits::One,
            full_sync: true,
        },
        Scenario {
            name: "two commits, synchronous=OFF",
            commits: Commits::Two,
            full_sync: false,
        },
        Scenario {
            name: "two commits, synchronous=FULL (before)",
            commits: Commits::Two,
            full_sync: true,
        },
    ];
    println!(
        "tick-to-order over {ticks} ticks per scenario, interleaved in blocks of 200, journal in {}",
        base.display()
    );
    println!();
    println!(
        "| scenario | p50 µs | p99 µs | p99.9 µs | max µs | journal p50 µs | journal p99 µs |"
    );
    println!("|---|---|---|---|---|---|---|");
    // Interleaved: blocks of BLOCK ticks, each block running every scenario in turn (the
    // first one rotating), so all of them meet the same disk within a few seconds.
    const BLOCK: usize = 200;
    let dirs: Vec<tempfile::TempDir> = scenarios
        .iter()
        .map(|_| tempfile::tempdir_in(&base).unwrap())
        .collect();
    let mut pipes: Vec<Pipeline> = scenarios
        .iter()
        .zip(&dirs)
        .map(|(s, d)| Pipeline::new(s, ticks, d.path()))
        .collect();
    let mut n = 0;
    let mut block = 0;
    while n < ticks {
        let len = BLOCK.min(ticks - n);
        for i in 0..pipes.len() {
            let p = &mut pipes[(i + block) % scenarios.len()];
            for k in n..n + len {
                p.tick(k);
            }
        }
        n += len;
        block += 1;
    }
    for (s, p) in scenarios.iter().zip(&mut pipes) {
        assert!(p.sink > 0);
        let total = row(s.name, &mut p.out.total);
        p.out.journal.sort_unstable();
        println!(
            "| {total} | {:.1} | {:.1} |",
            pct(&p.out.journal, 0.5),
            pct(&p.out.journal, 0.99)
        );
    }
}
