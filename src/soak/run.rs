//! The soak's run: start the simulator and the bot, install the fault plan, kill and restart
//! the bot on schedule, force one emergency, print progress, then collect the audit and write
//! the report. Every wait is bounded by the run's hard deadline (duration + grace).

use super::http::Http;
use super::proc::{Proc, Usage, loadavg};
use super::report::{self, Observed, Restart};
use super::{SoakArgs, setup, trip};
use anyhow::Context as _;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use viper_sim::faults::FaultPlan;

/// Delay before a restart, as a service manager's `RestartSec`.
const RESTART_DELAY: Duration = Duration::from_secs(1);
/// How long a start may take to reach trading.
const START_LIMIT: Duration = Duration::from_secs(90);
/// place-order path (kills in flight watch it).
pub const PLACE: &str = "/api/v2/mix/order/place-order";

/// Milliseconds on the simulator's clock (the wall clock: the soak's simulator has no skew).
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The soak's state.
pub struct Soak {
    exe: PathBuf,
    work: PathBuf,
    bot_cfg: PathBuf,
    /// Control plane base URL.
    pub control: String,
    rest_url: String,
    /// The bot, while it runs.
    pub bot: Option<Proc>,
    admin: String,
    life_usage: Usage,
    /// What the soak records.
    pub obs: Observed,
    /// Loopback HTTP.
    pub http: Http,
    /// The hard deadline.
    pub deadline: Instant,
    arm_next: bool,
    armed: bool,
    rng: StdRng,
}

/// Runs the whole soak; Ok(true) when every threshold held.
pub async fn soak(args: SoakArgs, plan: FaultPlan, exe: PathBuf) -> anyhow::Result<bool> {
    let started = Instant::now();
    let deadline = started + args.duration + args.grace;
    let work = match &args.work_dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("viper-soak-{}-{}", args.seed, std::process::id())),
    };
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let _ = std::fs::remove_dir_all(work.join("bot"));
    std::fs::write(work.join("sim.toml"), setup::sim_toml(args.seed, args.speed))?;
    let bot_cfg = work.join("bot.toml");
    std::fs::write(&bot_cfg, setup::bot_toml(&work.join("bot")))?;
    println!("viper soak: seed {} speed {} for {:?}, work dir {}", args.seed, args.speed, args.duration, work.display());
    let mut sim = Proc::spawn(
        &exe,
        &["sim", "--listen", "127.0.0.1:0", "--config"].map(String::from).into_iter().chain([work.join("sim.toml").display().to_string()]).collect::<Vec<_>>(),
        &[],
        &work.join("sim.log"),
    )?;
    let rest_url = sim
        .wait_line("REST:", Instant::now() + Duration::from_secs(60))
        .context("the simulator did not start (see sim.log)")?;
    let mut s = Soak {
        exe,
        work: work.clone(),
        bot_cfg,
        control: format!("{rest_url}/sim/v1"),
        rest_url,
        bot: None,
        admin: String::new(),
        life_usage: Usage::default(),
        obs: Observed {
            seed: args.seed,
            speed: args.speed,
            duration_secs: args.duration.as_secs_f64(),
            fault_plan: args.faults.as_ref().map(|p| p.display().to_string()),
            load: [loadavg(), String::new()],
            ..Observed::default()
        },
        http: Http::new(Duration::from_secs(20)),
        deadline,
        arm_next: false,
        armed: false,
        rng: StdRng::seed_from_u64(args.seed ^ 0x50a6),
    };
    if let Err(e) = s.start_bot(true).await {
        s.obs.failed_to_start = Some(format!("{e:#}"));
    } else {
        s.obs.first_ready = Some(now_ms());
        s.http
            .post(&format!("{}/faults", s.control), &serde_json::to_value(&plan)?)
            .await
            .context("installing the fault plan")?;
        s.main_loop(&args, started).await;
    }
    let passed = s.finish(&args, started, &mut sim).await?;
    Ok(passed)
}

impl Soak {
    /// Starts the bot and waits until it trades (`ready`) or, with `ready` false, answers.
    /// A bot that exits during start-up is started again after the restart delay, as its
    /// service manager would, until the start limit.
    pub async fn start_bot(&mut self, ready: bool) -> anyhow::Result<()> {
        let mut env = vec![
            ("BITGET_API_KEY".to_string(), viper_sim::DEFAULT_API_KEY.to_string()),
            ("BITGET_API_SECRET".to_string(), viper_sim::DEFAULT_API_SECRET.to_string()),
            ("BITGET_API_PASSPHRASE".to_string(), viper_sim::DEFAULT_PASSPHRASE.to_string()),
        ];
        self.armed = std::mem::take(&mut self.arm_next);
        if self.armed {
            env.push((viper_actors::failpoint::ENV.to_string(), "order.sent".to_string()));
        }
        let until = (Instant::now() + START_LIMIT).min(self.deadline);
        let mut last = anyhow::anyhow!("no time left to start the bot");
        while Instant::now() < until {
            match self.start_once(&env, ready, until).await {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
            self.end_life();
            self.bot = None;
            self.obs.start_failures += 1;
            actix_rt::time::sleep(RESTART_DELAY).await;
        }
        Err(last.context(format!("the bot was not trading within {START_LIMIT:?} (see bot.log)")))
    }

    async fn start_once(&mut self, env: &[(String, String)], ready: bool, until: Instant) -> anyhow::Result<()> {
        let args: Vec<String> = ["run", "--config", &self.bot_cfg.display().to_string(), "--exchange-url", &self.rest_url]
            .map(String::from)
            .to_vec();
        let mut bot = Proc::spawn(&self.exe, &args, env, &self.work.join("bot.log"))?;
        let admin = bot.wait_line("viper admin:", until);
        self.bot = Some(bot);
        self.life_usage = Usage::default();
        self.admin = admin.context("the bot exited or printed no admin address")?;
        let url = format!("{}/ready", self.admin);
        while Instant::now() < until {
            self.sample();
            match self.http.status(&url).await {
                Some(200) => return Ok(()),
                Some(_) if !ready => return Ok(()),
                _ => {}
            }
            if !self.bot.as_mut().is_some_and(Proc::alive) {
                anyhow::bail!("the bot exited during start-up");
            }
            actix_rt::time::sleep(Duration::from_millis(200)).await;
        }
        anyhow::bail!("the bot was not ready in time")
    }

    /// `viper resume --config <bot config>`, output into the bot's log.
    pub fn resume_command(&self) -> std::process::Command {
        let mut c = std::process::Command::new(&self.exe);
        c.args(["resume", "--config"]).arg(&self.bot_cfg).stdin(std::process::Stdio::null());
        if let Ok(f) = std::fs::OpenOptions::new().create(true).append(true).open(self.work.join("bot.log")) {
            if let Ok(g) = f.try_clone() {
                c.stdout(g);
            }
            c.stderr(f);
        }
        c
    }

    /// Records the running bot's RSS and CPU.
    pub fn sample(&mut self) {
        if let Some(b) = &self.bot {
            let u = b.usage();
            if u.cpu_secs > 0.0 || u.peak_rss_kib > 0 {
                self.life_usage = u;
            }
            self.obs.peak_rss_kib = self.obs.peak_rss_kib.max(u.peak_rss_kib);
        }
    }

    fn end_life(&mut self) {
        self.sample();
        if let Some(b) = &self.bot {
            self.obs.bot_up_secs += b.started.elapsed().as_secs_f64();
        }
        self.obs.cpu_secs += self.life_usage.cpu_secs;
        self.life_usage = Usage::default();
    }

    /// SIGKILLs the bot now (`cause` names the kill).
    pub fn kill_bot(&mut self, cause: &str) -> i64 {
        self.end_life();
        if let Some(mut b) = self.bot.take() {
            b.kill();
        }
        *self.obs.kills.entry(cause.to_string()).or_insert(0) += 1;
        now_ms()
    }

    /// SIGTERMs the bot (20 s to stop cleanly).
    pub fn stop_bot(&mut self) {
        self.end_life();
        if let Some(mut b) = self.bot.take() {
            b.terminate(Duration::from_secs(20));
        }
    }

    /// Restarts the bot after the service manager's delay and records the restart.
    pub async fn restart(&mut self, cause: &str, down_at: i64, ready: bool) {
        actix_rt::time::sleep(RESTART_DELAY).await;
        let back_at = match self.start_bot(ready).await {
            Ok(()) => Some(now_ms()),
            Err(e) => {
                println!("soak: restart after {cause} failed: {e:#}");
                None
            }
        };
        self.obs.restarts.push(Restart {
            cause: cause.to_string(),
            down_at,
            back_at,
            to_trading_ms: back_at.map(|b| b - down_at),
        });
    }

    async fn main_loop(&mut self, args: &SoakArgs, started: Instant) {
        let run_until = started + args.duration;
        let mut next_kill = started + self.draw(args.kill_every);
        let mut trip_at = (!args.no_trip).then(|| started + args.duration.mul_f64(0.55));
        let mut next_progress = Instant::now();
        let mut kills = 0usize;
        while Instant::now() < run_until && Instant::now() < self.deadline {
            actix_rt::time::sleep(Duration::from_millis(250)).await;
            self.sample();
            if !self.bot.as_mut().is_some_and(Proc::alive) {
                let cause = if self.armed { "kill_after_journal" } else { "exited" };
                let down = self.kill_bot(cause);
                self.restart(cause, down, true).await;
            }
            if Instant::now() >= next_progress {
                self.progress(started, args.duration).await;
                next_progress = Instant::now() + Duration::from_secs(15);
            }
            if trip_at.is_some_and(|t| Instant::now() >= t) {
                trip_at = None;
                let t = trip::run(self).await;
                self.obs.trip = Some(t);
                continue;
            }
            if Instant::now() >= next_kill && Instant::now() + Duration::from_secs(15) < run_until {
                self.scheduled_kill(kills).await;
                kills += 1;
                next_kill = Instant::now() + self.draw(args.kill_every);
            }
        }
    }

    fn draw(&mut self, mean: Duration) -> Duration {
        mean.mul_f64(self.rng.random_range(0.5..1.5))
    }

    /// Kills in rotation: in flight (between send and answer; the next life is armed to die
    /// between the journal write and the send), then at a random moment.
    async fn scheduled_kill(&mut self, n: usize) {
        if self.obs.ws_per_start == 0 {
            self.obs.ws_per_start = self.ws_opened().await;
        }
        let (cause, down) = if n % 2 == 0 {
            let hit = self.kill_in_flight().await;
            self.arm_next = true;
            hit
        } else {
            ("kill_random", self.kill_bot("kill_random"))
        };
        println!("soak: {cause}");
        self.restart(cause, down, true).await;
    }

    /// Holds the next place-order's answer after applying it, and SIGKILLs the bot while it
    /// waits for that answer.
    async fn kill_in_flight(&mut self) -> (&'static str, i64) {
        let rule = json!({"faults": [{"path": PLACE, "kind": "drop_after_apply", "latency_ms": 8000, "count": 1}]});
        let since = now_ms();
        if self.http.post(&format!("{}/faults", self.control), &rule).await.is_ok() {
            let until = (Instant::now() + Duration::from_secs(60)).min(self.deadline);
            while Instant::now() < until {
                if self.held_since(since).await {
                    return ("kill_in_flight", self.kill_bot("kill_in_flight"));
                }
                actix_rt::time::sleep(Duration::from_millis(50)).await;
            }
        }
        ("kill_random", self.kill_bot("kill_random"))
    }

    async fn held_since(&self, since: i64) -> bool {
        let url = format!("{}/requests?path={PLACE}&limit=20", self.control);
        let Ok(log) = self.http.get(&url).await else {
            return false;
        };
        log["requests"].as_array().is_some_and(|rows| {
            rows.iter().any(|r| {
                r["ts"].as_i64().unwrap_or(0) >= since && r["fault"].as_str().unwrap_or_default().contains("drop_after_apply")
            })
        })
    }

    async fn ws_opened(&self) -> u64 {
        let audit = self.http.get(&format!("{}/audit", self.control)).await.unwrap_or(Value::Null);
        audit["ws_opened"]["public"].as_u64().unwrap_or(0) + audit["ws_opened"]["private"].as_u64().unwrap_or(0)
    }

    async fn progress(&self, started: Instant, duration: Duration) {
        let state = self.http.get(&format!("{}/state", self.control)).await.unwrap_or(Value::Null);
        let a = &state["accounts"][0];
        println!(
            "soak {:>5.0}s/{:.0}s: restarts {} kills {} | positions {} open orders {} equity {} | load {}",
            started.elapsed().as_secs_f64(),
            duration.as_secs_f64(),
            self.obs.restarts.len(),
            self.obs.kills.values().sum::<u64>(),
            a["positions"],
            a["openOrders"],
            a["equity"].as_str().unwrap_or("?"),
            loadavg(),
        );
    }

    async fn finish(&mut self, args: &SoakArgs, started: Instant, sim: &mut Proc) -> anyhow::Result<bool> {
        self.obs.ended_at = now_ms();
        self.stop_bot();
        let audit = self.http.get(&format!("{}/audit", self.control)).await.unwrap_or(Value::Null);
        let requests = self.http.get(&format!("{}/requests", self.control)).await.unwrap_or(Value::Null);
        sim.terminate(Duration::from_secs(10));
        // Kept beside the report for diagnosis.
        let _ = std::fs::write(self.work.join("audit.json"), audit.to_string());
        let _ = std::fs::write(self.work.join("requests.json"), requests.to_string());
        let journal = report::read_journal(&self.work.join("bot")).unwrap_or_default();
        self.obs.wall_secs = started.elapsed().as_secs_f64();
        self.obs.load[1] = loadavg();
        let cfg = crate::config::BotConfig::load(&self.bot_cfg)?;
        let limits = super::figures::Limits {
            max_positions: cfg.risk.max_positions as u64,
            max_position_margin: cfg.risk.max_position_margin,
            max_total_margin: cfg.risk.max_total_margin,
            slippage: rust_decimal::Decimal::new(1, 2),
        };
        let r = report::build(&audit, &requests, &journal, std::mem::take(&mut self.obs), limits);
        let text = serde_json::to_string_pretty(&r)?;
        let path = args.report.clone().unwrap_or_else(|| self.work.join("report.json"));
        std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
        println!("{}", summary(&r));
        println!("report: {}", path.display());
        Ok(r.passed)
    }
}

fn summary(r: &report::Report) -> String {
    let verdict = if r.passed { "PASSED".to_string() } else { format!("FAILED: {}", r.failures.join("; ")) };
    format!(
        "soak {verdict}\n  journaled {} | on exchange {} | duplicates {} | same intent twice {} | lost {} | preventable rejections {}\n  \
         breaches {} | unprotected max {} ms | feeds {:.3} % / {:.3} % | REST after retries {:.3} %\n  \
         restarts {} (max to trading {:?} ms) | reconnects {} | emergencies {} | bot RSS {:.0} MiB CPU {:.1} %",
        r.intents_journaled,
        r.orders_on_exchange,
        r.duplicate_client_oids,
        r.same_intent_twice,
        r.lost.total,
        r.rejected_preventable.values().sum::<usize>(),
        r.breaches.len(),
        r.unprotected.max_ms,
        r.feeds.public_uptime * 100.0,
        r.feeds.private_uptime * 100.0,
        r.rest.success_rate_after_retries * 100.0,
        r.restarts,
        r.restart_to_trading_max_ms,
        r.reconnects,
        r.emergency_stops.len(),
        r.bot_peak_rss_mib,
        r.bot_cpu_percent,
    )
}
