//! The bot's scheduled kills: in flight (between the send and the answer; the next life is
//! armed to die between the journal write and the send) and at random moments.

use super::run::{PLACE, Soak, now_ms};
use rand::RngExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

impl Soak {
    pub(super) fn draw(&mut self, mean: Duration) -> Duration {
        mean.mul_f64(self.rng.random_range(0.5..1.5))
    }

    /// Kills in rotation: in flight (between send and answer; the next life is armed to die
    /// between the journal write and the send), then at a random moment.
    pub(super) async fn scheduled_kill(&mut self, n: usize) {
        let (cause, down) = if n.is_multiple_of(2) {
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
        if self
            .http
            .post(&format!("{}/faults", self.control), &rule)
            .await
            .is_ok()
        {
            let until = (Instant::now() + Duration::from_secs(60)).min(self.deadline());
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
                r["ts"].as_i64().unwrap_or(0) >= since
                    && r["fault"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("drop_after_apply")
            })
        })
    }

    /// WebSocket connections the simulator has accepted so far.
    pub(super) async fn ws_opened(&self) -> u64 {
        let audit = self
            .http
            .get(&format!("{}/audit", self.control))
            .await
            .unwrap_or(Value::Null);
        audit["ws_opened"]["public"].as_u64().unwrap_or(0)
            + audit["ws_opened"]["private"].as_u64().unwrap_or(0)
    }
}
