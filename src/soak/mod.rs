//! `viper soak`: the simulator and the bot as separate processes over loopback, a fault plan,
//! SIGKILLs of the bot at chosen and random moments with restarts as a service manager would,
//! one forced emergency stop, and a JSON report whose figures come from the simulator's audit.
//! The exit status says whether every threshold held.

mod collect;
mod figures;
mod http;
mod kills;
mod proc;
mod report;
mod run;
mod setup;
mod spans;
mod trip;

pub use report::{MAX_UNPROTECTED_MS, MIN_FEED_UPTIME};
pub use setup::{sim_toml, symbols};

use std::path::PathBuf;
use std::time::Duration;

/// `viper soak` options.
#[derive(clap::Args, Debug, Clone)]
pub struct SoakArgs {
    /// How long the bot trades (wall time), e.g. 2m, 10m.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "2m")]
    pub duration: Duration,
    /// Market-time speed factor (144: a day in 10 minutes).
    #[arg(long, default_value_t = 144.0)]
    pub speed: f64,
    /// Fault plan (TOML); none = no faults besides the kills.
    #[arg(long)]
    pub faults: Option<PathBuf>,
    /// Mean time between SIGKILLs of the bot (each drawn in 0.5–1.5× this).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "2m")]
    pub kill_every: Duration,
    /// Seed of the simulator and of the soak's draws (a run replays with the same seed).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write the JSON report.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Work directory (configs, journal, logs); default: a fresh one under the temp dir.
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// Extra time allowed beyond --duration for start, the emergency and shutdown.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "3m")]
    pub grace: Duration,
    /// Skip the forced emergency stop.
    #[arg(long)]
    pub no_trip: bool,
    /// Instead of running: rebuild the report of a finished soak from its work directory
    /// (`audit.json`, `requests.json`, the journal, and the `run` part of `report.json`).
    #[arg(long, value_name = "WORK_DIR")]
    pub rebuild: Option<PathBuf>,
}

impl SoakArgs {
    /// Every problem with the options, each naming its flag.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.duration < Duration::from_secs(20)
            || self.duration > Duration::from_secs(7 * 86_400)
        {
            p.push("--duration: between 20s and 7 days".to_string());
        }
        if !(self.speed.is_finite() && self.speed > 0.0 && self.speed <= 10_000.0) {
            p.push(format!("--speed: within (0, 10000], got {}", self.speed));
        }
        if self.kill_every < Duration::from_secs(10) {
            p.push("--kill-every: at least 10s (the bot needs time to come back)".to_string());
        }
        if self.grace < Duration::from_secs(30) {
            p.push("--grace: at least 30s".to_string());
        }
        p
    }
}

/// Runs a soak; Ok(true) when every threshold held.
pub fn run(args: SoakArgs) -> anyhow::Result<bool> {
    if let Some(dir) = &args.rebuild {
        return collect::rebuild(dir, args.report.as_deref());
    }
    let problems = args.problems();
    anyhow::ensure!(problems.is_empty(), "{}", problems.join("; "));
    let plan = match &args.faults {
        Some(p) => viper_sim::faults::FaultPlan::load(p)?,
        None => viper_sim::faults::FaultPlan::default(),
    };
    let exe = std::env::current_exe()?;
    actix_rt::System::new().block_on(run::soak(args, plan, exe))
}
