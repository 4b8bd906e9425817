//! Fault injection: rules set through the control plane (`/sim/v1/faults`) or loaded from a
//! TOML fault plan, each active always or in scheduled, seeded episodes. Per-request kinds
//! (latency, errors, 429, answers withheld after applying, malformed bodies) are drawn per
//! REST request; the outage and WebSocket kinds act on episode edges and while an episode
//! lasts. Every draw comes from the simulator's seed, so a run replays.

mod plan;
mod rule;
pub mod ws;

pub use plan::{FaultPlan, PlanError};
pub use rule::{Fault, FaultKind, MAX_EVERY_S, MAX_LATENCY_MS};

use crate::ws::{Scope, WsCommand};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

/// A rule as installed: when it was added, and whether its episode is on.
#[derive(Debug, Clone, Serialize)]
pub struct Installed {
    /// The rule (its `count` counts down).
    #[serde(flatten)]
    pub rule: Fault,
    /// Server ms when it was added.
    pub added_ms: i64,
    /// Whether an episode is running now.
    pub active: bool,
    /// Episodes started so far.
    pub episodes: u64,
    #[serde(skip)]
    id: u64,
}

/// What the WebSocket side must do now (recomputed on every scheduler tick).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WsFaults {
    /// Extra delay before each push, ms (range upper bound in `delay_max_ms`).
    pub delay_ms: u64,
    /// Upper bound of the drawn push delay, ms.
    pub delay_max_ms: u64,
    /// Which connections the delay applies to.
    pub delay_scope: Option<Scope>,
    /// Held pushes are released after this long, ms (0 = no reordering).
    pub reorder_ms: u64,
    /// Chance a push is held.
    pub reorder_p: f64,
    /// Which connections reordering applies to.
    pub reorder_scope: Option<Scope>,
    /// Private logins are refused.
    pub login_fail: bool,
    /// The exchange is down: new connections are refused.
    pub outage: bool,
}

/// One episode of a rule, as the audit reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Episode {
    /// The rule's kind.
    pub kind: &'static str,
    /// The rule's REST path (None = every path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The rule's per-request probability.
    pub probability: f64,
    /// Start, server ms.
    pub from: i64,
    /// End, server ms (None while it lasts).
    pub to: Option<i64>,
}

const MAX_EPISODES: usize = 10_000;

/// The active fault rules.
pub struct Faults {
    rules: Vec<Installed>,
    episodes: Vec<(u64, Episode)>,
    rng: StdRng,
    seed: u64,
    next_id: u64,
    ws: WsFaults,
}

impl Faults {
    /// No faults, with a seeded generator.
    pub fn new(seed: u64) -> Self {
        Self {
            rules: Vec::new(),
            episodes: Vec::new(),
            rng: StdRng::seed_from_u64(seed.wrapping_add(0xfa17)),
            seed,
            next_id: 0,
            ws: WsFaults::default(),
        }
    }

    /// Adds rules at server time `now`; if any is invalid none is added and every problem
    /// is returned, each naming its key (`faults[i].key`).
    pub fn add(&mut self, rules: Vec<Fault>, now: i64) -> Result<(), String> {
        let problems: Vec<String> = rules
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.problems(&format!("faults[{i}]")))
            .collect();
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        for rule in rules {
            self.next_id += 1;
            self.rules.push(Installed {
                rule,
                added_ms: now,
                active: false,
                episodes: 0,
                id: self.next_id,
            });
        }
        Ok(())
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
        self.ws = WsFaults::default();
    }

    /// The installed rules.
    pub fn list(&self) -> &[Installed] {
        &self.rules
    }

    /// Whether the rule's schedule has an episode at `now`.
    fn in_episode(&self, r: &Installed, now: i64) -> bool {
        let (Some(every), Some(dur)) = (r.rule.every_s, r.rule.for_s) else {
            return true;
        };
        let ms = |s: f64| (s * 1000.0) as i64;
        let t = now - r.added_ms - ms(r.rule.start_s.unwrap_or(0.0));
        let every = ms(every).max(1);
        if t < 0 || t % every >= ms(dur) {
            return false;
        }
        let window = (t / every) as u64;
        episode_draw(self.seed, r.id, window) < r.rule.chance.unwrap_or(1.0)
    }

    /// The per-request rules that fire for one REST request to `path` at `now` (counts are
    /// consumed; a latency range is drawn into `latency_ms`). An outage fires for every path.
    pub fn fire(&mut self, path: &str, now: i64) -> Vec<Fault> {
        let mut fired = Vec::new();
        for i in 0..self.rules.len() {
            let r = &self.rules[i];
            let kind = r.rule.kind;
            let applies = kind.per_request() || kind == FaultKind::Outage;
            if !applies
                || r.rule.path.as_deref().is_some_and(|p| p != path)
                || r.rule.count == Some(0)
                || !self.in_episode(r, now)
            {
                continue;
            }
            let p = r.rule.probability;
            if p < 1.0 && !self.rng.random_bool(p) {
                continue;
            }
            let mut rule = self.rules[i].rule.clone();
            rule.latency_ms = self.draw_latency(&rule);
            if let Some(c) = self.rules[i].rule.count.as_mut() {
                *c -= 1;
            }
            fired.push(rule);
        }
        self.rules.retain(|r| r.rule.count != Some(0));
        fired
    }

    fn draw_latency(&mut self, rule: &Fault) -> u64 {
        match rule.latency_max_ms {
            Some(max) if max > rule.latency_ms => self.rng.random_range(rule.latency_ms..=max),
            _ => rule.latency_ms,
        }
    }

    /// Moves every schedule to `now`: returns the commands that episode edges send to
    /// WebSocket connections, and recomputes what pushes and logins must do.
    pub fn tick(&mut self, now: i64) -> Vec<WsCommand> {
        let mut commands = Vec::new();
        let mut ws = WsFaults::default();
        for i in 0..self.rules.len() {
            let on = self.in_episode(&self.rules[i], now);
            let r = &mut self.rules[i];
            let was = r.active;
            r.active = on;
            let scope = scope_of(&r.rule);
            let (id, kind, path, probability) = (
                r.id,
                r.rule.kind.as_str(),
                r.rule.path.clone(),
                r.rule.probability,
            );
            if was != on {
                if on {
                    if self.episodes.len() >= MAX_EPISODES {
                        self.episodes.remove(0);
                    }
                    self.episodes.push((
                        id,
                        Episode {
                            kind,
                            path,
                            probability,
                            from: now,
                            to: None,
                        },
                    ));
                } else if let Some((_, e)) = self.episodes.iter_mut().rev().find(|(i, _)| *i == id)
                {
                    e.to = Some(now);
                }
            }
            let r = &mut self.rules[i];
            if on && !was {
                r.episodes += 1;
                match r.rule.kind {
                    FaultKind::WsDrop | FaultKind::Outage => commands.push(WsCommand::Drop(scope)),
                    FaultKind::WsCloseAll => commands.push(WsCommand::CloseAll(scope)),
                    FaultKind::WsFreeze => commands.push(WsCommand::Freeze(scope)),
                    _ => {}
                }
            }
            if was && !on && r.rule.kind == FaultKind::WsFreeze {
                commands.push(WsCommand::Unfreeze(scope));
            }
            if on {
                fold_ws(&mut ws, &r.rule, scope);
            }
        }
        self.ws = ws;
        commands
    }

    /// Every episode so far, oldest first (bounded).
    pub fn episodes(&self) -> Vec<Episode> {
        self.episodes.iter().map(|(_, e)| e.clone()).collect()
    }

    /// What the WebSocket side must do now.
    pub fn ws(&self) -> WsFaults {
        self.ws
    }

    /// One seeded draw with chance `p` (for per-push decisions).
    pub fn chance(&mut self, p: f64) -> bool {
        p >= 1.0 || (p > 0.0 && self.rng.random_bool(p))
    }

    /// One seeded draw in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi > lo {
            self.rng.random_range(lo..=hi)
        } else {
            lo
        }
    }
}

fn fold_ws(ws: &mut WsFaults, rule: &Fault, scope: Scope) {
    let max = rule.latency_max_ms.unwrap_or(rule.latency_ms);
    match rule.kind {
        FaultKind::WsDelay => {
            ws.delay_ms = ws.delay_ms.max(rule.latency_ms);
            ws.delay_max_ms = ws.delay_max_ms.max(max);
            ws.delay_scope = Some(scope);
        }
        FaultKind::WsReorder => {
            ws.reorder_ms = ws.reorder_ms.max(max);
            ws.reorder_p = ws.reorder_p.max(rule.probability);
            ws.reorder_scope = Some(scope);
        }
        FaultKind::WsLoginFail => ws.login_fail = true,
        FaultKind::Outage => ws.outage = true,
        _ => {}
    }
}

fn scope_of(rule: &Fault) -> Scope {
    match rule.scope.as_deref() {
        Some("public") => Scope::Public,
        Some("private") => Scope::Private,
        _ => Scope::All,
    }
}

/// A uniform draw in [0, 1) fixed by the seed, the rule and the window: the same plan and
/// seed give the same episodes whatever the traffic.
fn episode_draw(seed: u64, rule: u64, window: u64) -> f64 {
    let mixed = seed ^ rule.rotate_left(32) ^ window.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    StdRng::seed_from_u64(mixed).random::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(path: Option<&str>, count: Option<u64>, probability: f64) -> Fault {
        Fault {
            path: path.map(String::from),
            count,
            probability,
            ..Fault::new(FaultKind::Error)
        }
    }

    #[test]
    fn counts_paths_and_probability() {
        let mut f = Faults::new(1);
        f.add(
            vec![rule(Some("/a"), Some(2), 1.0), rule(None, None, 0.0)],
            0,
        )
        .expect("valid");
        assert_eq!(f.fire("/b", 0).len(), 0);
        assert_eq!(f.fire("/a", 0).len(), 1);
        assert_eq!(f.fire("/a", 0).len(), 1);
        assert_eq!(f.fire("/a", 0).len(), 0, "count exhausted");
        assert_eq!(f.list().len(), 1);
        let err = f.add(vec![rule(None, None, 1.5)], 0).expect_err("refused");
        assert!(err.contains("faults[0].probability"), "{err}");
    }

    #[test]
    fn schedules_open_windows_and_replay_with_the_seed() {
        let episodes = |seed| {
            let mut f = Faults::new(seed);
            let r = Fault {
                every_s: Some(10.0),
                for_s: Some(2.0),
                chance: Some(0.5),
                start_s: Some(1.0),
                ..Fault::new(FaultKind::Outage)
            };
            f.add(vec![r], 1_000).expect("valid");
            (0..200_000i64)
                .step_by(500)
                .map(|t| !f.fire("/x", 1_000 + t).is_empty())
                .collect::<Vec<bool>>()
        };
        let a = episodes(7);
        assert_eq!(a, episodes(7), "same seed, same episodes");
        assert!(!a[0] && !a[1], "nothing before start_s");
        let in_window = |i: usize| (i as i64 * 500 - 1_000).rem_euclid(10_000) < 2_000;
        assert!(
            a.iter().enumerate().all(|(i, on)| !on || in_window(i)),
            "only inside windows"
        );
        let on = a.iter().filter(|x| **x).count();
        // 20 windows of 2 s at chance 0.5: about 10 episodes of 4 samples each.
        assert!((12..=68).contains(&on), "{on} samples on");
        assert_ne!(a, episodes(8), "another seed, other episodes");
    }

    #[test]
    fn ws_edges_send_commands_once_and_undo_freezes() {
        let mut f = Faults::new(1);
        let freeze = Fault {
            every_s: Some(10.0),
            for_s: Some(3.0),
            scope: Some("public".into()),
            ..Fault::new(FaultKind::WsFreeze)
        };
        let login = Fault::new(FaultKind::WsLoginFail);
        f.add(vec![freeze, login], 0).expect("valid");
        assert_eq!(f.tick(0), vec![WsCommand::Freeze(Scope::Public)]);
        assert!(f.tick(1_000).is_empty(), "no second freeze in one episode");
        assert!(f.ws().login_fail);
        assert_eq!(f.tick(3_000), vec![WsCommand::Unfreeze(Scope::Public)]);
        assert_eq!(f.tick(10_000), vec![WsCommand::Freeze(Scope::Public)]);
        assert!(
            f.fire("/api/x", 0).is_empty(),
            "ws kinds never fire on REST"
        );
    }

    #[test]
    fn latency_ranges_are_drawn_within_bounds() {
        let mut f = Faults::new(3);
        let r = Fault {
            latency_ms: 100,
            latency_max_ms: Some(200),
            ..Fault::new(FaultKind::Latency)
        };
        f.add(vec![r], 0).expect("valid");
        let drawn: Vec<u64> = (0..50).map(|_| f.fire("/p", 0)[0].latency_ms).collect();
        assert!(drawn.iter().all(|d| (100..=200).contains(d)));
        assert!(
            drawn.iter().any(|d| *d != drawn[0]),
            "a range, not a constant"
        );
    }
}
