//! The soak's run: start the simulator and the bot, install the fault plan, kill and restart
//! the bot on schedule, force one emergency, print progress, then collect the audit and write
//! the report. Every wait is bounded by the run's hard deadline (duration + grace).

use super::http::Http;
use super::proc::{Proc, Usage, loadavg};
use super::report::{Observed, Restart};
use super::{SoakArgs, setup, trip};
use anyhow::Context as _;
use rand::SeedableRng;
use rand::rngs::StdRng;

use std::cell::Cell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};
use viper_sim::faults::FaultPlan;

/// Delay before a restart, as a service manager's `RestartSec`.
const RESTART_DELAY: Duration = Duration::from_secs(1);
/// How long a start may take to reach trading.
const START_LIMIT: Duration = Duration::from_secs(90);
/// place-order path (kills in flight watch it).
pub const PLACE: &str = "/api/v2/mix/order/place-order";

/// Milliseconds on the simulator's clock (the wall clock: the soak's simulator has no skew).
pub use crate::trades::now_ms;

/// The soak's state.
pub struct Soak {
    pub(super) exe: PathBuf,
    pub(super) work: PathBuf,
    pub(super) bot_cfg: PathBuf,
    /// Control plane base URL.
    pub control: String,
    pub(super) rest_url: String,
    /// The bot, while it runs.
    pub bot: Option<Proc>,
    pub(super) admin: String,
    pub(super) life_usage: Usage,
    /// What the soak records.
    pub obs: Observed,
    /// Loopback HTTP.
    pub http: Http,
    /// The hard deadline (brought to now by SIGINT or SIGTERM).
    deadline: Rc<Cell<Instant>>,
    interrupted: Rc<Cell<bool>>,
    pub(super) arm_next: bool,
    pub(super) armed: bool,
    pub(super) rng: StdRng,
}

/// Runs the whole soak; Ok(true) when every threshold held.
pub async fn soak(args: SoakArgs, plan: FaultPlan, exe: PathBuf) -> anyhow::Result<bool> {
    let started = Instant::now();
    let (work, bot_cfg) = prepare(&args)?;
    let mut sim = Proc::spawn(
        &exe,
        &["sim", "--listen", "127.0.0.1:0", "--config"]
            .map(String::from)
            .into_iter()
            .chain([work.join("sim.toml").display().to_string()])
            .collect::<Vec<_>>(),
        &[],
        &work.join("sim.log"),
    )?;
    let rest_url = sim
        .wait_line("REST:", Instant::now() + Duration::from_secs(60))
        .context("the simulator did not start (see sim.log)")?;
    let mut s = Soak {
        exe,
        work,
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
        deadline: Rc::new(Cell::new(started + args.duration + args.grace)),
        interrupted: Rc::new(Cell::new(false)),
        arm_next: false,
        armed: false,
        rng: StdRng::seed_from_u64(args.seed ^ 0x50a6),
    };
    s.stop_on_signal();
    let plan = serde_json::to_value(&plan)?;
    let begun = match s.start_bot(true).await {
        Ok(()) => {
            s.obs.ws_per_start = s.ws_opened().await;
            s.http
                .post(&format!("{}/faults", s.control), &plan)
                .await
                .context("installing the fault plan")
        }
        Err(e) => Err(e),
    };
    match begun {
        Ok(_) => {
            s.obs.first_ready = Some(now_ms());
            s.main_loop(&args, started).await;
        }
        Err(e) => s.obs.failed_to_start = Some(format!("{e:#}")),
    }
    s.finish(&args, started, &mut sim).await
}

/// The work directory with a fresh journal and both configs written; prints the header.
fn prepare(args: &SoakArgs) -> anyhow::Result<(PathBuf, PathBuf)> {
    let work = match &args.work_dir {
        Some(d) => d.clone(),
        None => {
            std::env::temp_dir().join(format!("viper-soak-{}-{}", args.seed, std::process::id()))
        }
    };
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let _ = std::fs::remove_dir_all(work.join("bot"));
    std::fs::write(
        work.join("sim.toml"),
        setup::sim_toml(args.seed, args.speed),
    )?;
    let bot_cfg = work.join("bot.toml");
    std::fs::write(&bot_cfg, setup::bot_toml(&work.join("bot")))?;
    println!(
        "viper soak: seed {} speed {} for {:?}, work dir {}",
        args.seed,
        args.speed,
        args.duration,
        work.display()
    );
    Ok((work, bot_cfg))
}

impl Soak {
    /// Whether a signal stopped the run early.
    pub fn was_interrupted(&self) -> bool {
        self.interrupted.get()
    }

    /// The hard deadline: every wait ends by it.
    pub fn deadline(&self) -> Instant {
        self.deadline.get()
    }

    /// On SIGINT or SIGTERM the deadline becomes now: every wait ends, the soak stops its
    /// children, and the report says it was interrupted.
    fn stop_on_signal(&self) {
        let (deadline, interrupted) = (self.deadline.clone(), self.interrupted.clone());
        actix_rt::spawn(async move {
            crate::service::shutdown_signal().await;
            println!("soak: interrupted; stopping the bot and the simulator");
            interrupted.set(true);
            deadline.set(Instant::now());
        });
    }

    /// Starts the bot and waits until it trades (`ready`) or, with `ready` false, answers.
    /// A bot that exits during start-up is started again after the restart delay, as its
    /// service manager would, until the start limit.
    pub async fn start_bot(&mut self, ready: bool) -> anyhow::Result<()> {
        let mut env = vec![
            (
                "BITGET_API_KEY".to_string(),
                viper_sim::DEFAULT_API_KEY.to_string(),
            ),
            (
                "BITGET_API_SECRET".to_string(),
                viper_sim::DEFAULT_API_SECRET.to_string(),
            ),
            (
                "BITGET_API_PASSPHRASE".to_string(),
                viper_sim::DEFAULT_PASSPHRASE.to_string(),
            ),
        ];
        self.armed = std::mem::take(&mut self.arm_next);
        if self.armed {
            env.push((
                viper_actors::failpoint::ENV.to_string(),
                "order.sent".to_string(),
            ));
        }
        let until = (Instant::now() + START_LIMIT).min(self.deadline());
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
        Err(last.context(format!(
            "the bot was not trading within {START_LIMIT:?} (see bot.log)"
        )))
    }

    async fn start_once(
        &mut self,
        env: &[(String, String)],
        ready: bool,
        until: Instant,
    ) -> anyhow::Result<()> {
        let args: Vec<String> = [
            "run",
            "--config",
            &self.bot_cfg.display().to_string(),
            "--exchange-url",
            &self.rest_url,
        ]
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

    /// `viper resume --clear-emergency --config <bot config>` (the forced emergency stop
    /// latched), output into the bot's log.
    pub fn resume_command(&self) -> std::process::Command {
        let mut c = std::process::Command::new(&self.exe);
        c.args(["resume", "--clear-emergency", "--config"])
            .arg(&self.bot_cfg)
            .stdin(std::process::Stdio::null());
        if let Ok(f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.work.join("bot.log"))
        {
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
    pub async fn stop_bot(&mut self) {
        self.end_life();
        if let Some(mut b) = self.bot.take() {
            b.terminate(Duration::from_secs(20)).await;
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
        while Instant::now() < run_until && Instant::now() < self.deadline() {
            actix_rt::time::sleep(Duration::from_millis(250)).await;
            self.sample();
            if !self.bot.as_mut().is_some_and(Proc::alive) {
                let cause = if self.armed {
                    "kill_after_journal"
                } else {
                    "exited"
                };
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
}
