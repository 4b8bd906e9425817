//! Fault injection set through the control plane: latency, error answers, 429 bursts,
//! responses withheld after the request was applied, and malformed bodies. Probabilities are
//! drawn from a seeded generator so a run is repeatable.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Delay the answer by `latency_ms` (the request is applied).
    Latency,
    /// Answer with `code` and `http_status` without applying the request.
    Error,
    /// Answer 429 without applying the request.
    RateLimit,
    /// Apply the request, then withhold the answer for `latency_ms` (default 10 s).
    DropAfterApply,
    /// Handle the request, then answer a success with HTTP 200 and a truncated JSON body.
    Malformed,
}

/// One fault rule.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Request path it applies to; absent = every REST path.
    #[serde(default)]
    pub path: Option<String>,
    /// What it does.
    pub kind: FaultKind,
    /// Delay for `latency` and `drop_after_apply`.
    #[serde(default)]
    pub latency_ms: u64,
    /// Bitget code for `error` (default `40015`).
    #[serde(default)]
    pub code: Option<String>,
    /// HTTP status for `error` (default 400).
    #[serde(default)]
    pub http_status: Option<u16>,
    /// Chance per matching request, 0..=1 (default 1).
    #[serde(default = "one")]
    pub probability: f64,
    /// How many times it may fire; absent = unlimited.
    #[serde(default)]
    pub count: Option<u64>,
}

fn one() -> f64 {
    1.0
}

/// The active fault rules.
pub struct Faults {
    rules: Vec<Fault>,
    rng: StdRng,
}

impl Faults {
    /// No faults, with a seeded generator.
    pub fn new(seed: u64) -> Self {
        Self {
            rules: Vec::new(),
            rng: StdRng::seed_from_u64(seed.wrapping_add(0xfa17)),
        }
    }

    /// Adds rules; a probability outside 0..=1 is refused.
    pub fn add(&mut self, rules: Vec<Fault>) -> Result<(), String> {
        if let Some(bad) = rules.iter().find(|r| !(0.0..=1.0).contains(&r.probability)) {
            return Err(format!(
                "probability must be within 0..=1, got {}",
                bad.probability
            ));
        }
        self.rules.extend(rules);
        Ok(())
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The active rules.
    pub fn list(&self) -> &[Fault] {
        &self.rules
    }

    /// The rules that fire for one request to `path` (counts are consumed).
    pub fn fire(&mut self, path: &str) -> Vec<Fault> {
        let mut fired = Vec::new();
        for rule in self.rules.iter_mut() {
            if rule.path.as_deref().is_some_and(|p| p != path) || rule.count == Some(0) {
                continue;
            }
            if rule.probability < 1.0 && !self.rng.random_bool(rule.probability) {
                continue;
            }
            if let Some(c) = rule.count.as_mut() {
                *c -= 1;
            }
            fired.push(rule.clone());
        }
        self.rules.retain(|r| r.count != Some(0));
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_paths_and_probability() {
        let mut f = Faults::new(1);
        let rule = |path: Option<&str>, count, probability| Fault {
            path: path.map(String::from),
            kind: FaultKind::Error,
            latency_ms: 0,
            code: None,
            http_status: None,
            probability,
            count,
        };
        f.add(vec![rule(Some("/a"), Some(2), 1.0), rule(None, None, 0.0)])
            .unwrap();
        assert_eq!(f.fire("/b").len(), 0);
        assert_eq!(f.fire("/a").len(), 1);
        assert_eq!(f.fire("/a").len(), 1);
        assert_eq!(f.fire("/a").len(), 0, "count exhausted");
        assert_eq!(f.list().len(), 1);
        assert!(f.add(vec![rule(None, None, 1.5)]).is_err());
    }
}
