//! The end of a soak: progress lines while it runs, then stop the bot and the simulator,
//! collect the audit, the request log and the journal, write the report and a summary.

use super::SoakArgs;
use super::proc::{Proc, loadavg};
use super::report;
use super::run::{Soak, now_ms};
use anyhow::Context as _;
use serde_json::Value;
use std::time::{Duration, Instant};

impl Soak {
    pub(super) async fn progress(&self, started: Instant, duration: Duration) {
        let state = self
            .http
            .get(&format!("{}/state", self.control))
            .await
            .unwrap_or(Value::Null);
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

    pub(super) async fn finish(
        &mut self,
        args: &SoakArgs,
        started: Instant,
        sim: &mut Proc,
    ) -> anyhow::Result<bool> {
        self.obs.ended_at = now_ms();
        self.obs.interrupted = self.was_interrupted();
        self.stop_bot().await;
        let audit = self
            .http
            .get(&format!("{}/audit", self.control))
            .await
            .unwrap_or(Value::Null);
        let requests = self
            .http
            .get(&format!("{}/requests", self.control))
            .await
            .unwrap_or(Value::Null);
        sim.terminate(Duration::from_secs(10)).await;
        // Kept beside the report for diagnosis.
        let _ = std::fs::write(self.work.join("audit.json"), audit.to_string());
        let _ = std::fs::write(self.work.join("requests.json"), requests.to_string());
        let journal = report::read_journal(&self.work.join("bot")).unwrap_or_default();
        self.obs.wall_secs = started.elapsed().as_secs_f64();
        self.obs.load[1] = loadavg();
        let limits = default_limits();
        let r = report::build(
            &audit,
            &requests,
            &journal,
            std::mem::take(&mut self.obs),
            limits,
        );
        let text = serde_json::to_string_pretty(&r)?;
        let path = args
            .report
            .clone()
            .unwrap_or_else(|| self.work.join("report.json"));
        std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
        println!("{}", summary(&r));
        println!("report: {}", path.display());
        Ok(r.passed)
    }
}

/// Rebuilds a finished soak's report from its work directory with the current figures.
pub(super) fn rebuild(
    dir: &std::path::Path,
    out: Option<&std::path::Path>,
) -> anyhow::Result<bool> {
    let read = |name: &str| -> anyhow::Result<Value> {
        let p = dir.join(name);
        let text = std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?;
        serde_json::from_slice(&text).with_context(|| format!("{} is not JSON", p.display()))
    };
    let audit = read("audit.json")?;
    let requests = read("requests.json")?;
    let old = read("report.json").or_else(|_| {
        anyhow::bail!(
            "{} has no report.json (give the old report's directory)",
            dir.display()
        )
    })?;
    let obs: report::Observed =
        serde_json::from_value(old["run"].clone()).context("report.json: run")?;
    let journal = report::read_journal(&dir.join("bot"))?;
    let r = report::build(&audit, &requests, &journal, obs, default_limits());
    let path = out
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| dir.join("report.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&r)?)?;
    println!("{}", summary(&r));
    Ok(r.passed)
}

/// The limits the soak's bot runs with (setup.rs keeps the defaults), read from the type, not
/// a file, so `VIPER_*` overrides in the soak's environment cannot hide a breach.
fn default_limits() -> super::figures::Limits {
    let cfg = crate::config::BotConfig::default();
    super::figures::Limits {
        max_positions: cfg.risk.max_positions as u64,
        max_position_margin: cfg.risk.max_position_margin,
        max_total_margin: cfg.risk.max_total_margin,
        slippage: rust_decimal::Decimal::new(1, 2),
    }
}

fn summary(r: &report::Report) -> String {
    let verdict = if r.passed {
        "PASSED".to_string()
    } else {
        format!("FAILED: {}", r.failures.join("; "))
    };
    format!(
        "soak {verdict}\n  journaled {} | on exchange {} | duplicates {} | same intent twice {} | lost {} | preventable rejections {} (raced {})\n  \
         breaches {} | unprotected max {} ms | feeds {:.3} % / {:.3} % | REST after retries {:.3} %\n  \
         restarts {} (max to trading {}) | reconnects {} | emergencies {} | bot RSS {:.0} MiB CPU {:.1} %",
        r.intents_journaled,
        r.orders_on_exchange,
        r.duplicate_client_oids,
        r.same_intent_twice,
        r.lost.total,
        r.rejected_preventable.values().sum::<usize>(),
        r.rejected_raced.values().sum::<usize>(),
        r.breaches.len(),
        r.unprotected.max_ms,
        r.feeds.public_uptime * 100.0,
        r.feeds.private_uptime * 100.0,
        r.rest.success_rate_after_retries * 100.0,
        r.restarts,
        r.restart_to_trading_max_ms
            .map_or_else(|| "n/a".to_string(), |ms| format!("{ms} ms")),
        r.reconnects,
        r.emergency_stops.len(),
        r.bot_peak_rss_mib,
        r.bot_cpu_percent,
    )
}
