//! A fault plan: the rules of `/sim/v1/faults` read from a TOML file (`[[faults]]` tables),
//! checked as a whole so that a bad plan is refused before anything runs.

use super::rule::Fault;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A list of fault rules, the same shape as the body of `POST /sim/v1/faults`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    /// The rules.
    #[serde(default)]
    pub faults: Vec<Fault>,
}

/// A fault plan that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The file could not be read.
    #[error("cannot read fault plan {path}: {source}")]
    Read {
        /// File path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Not TOML of this schema (the parser's message names the key).
    #[error("invalid fault plan {path}: {message}")]
    Parse {
        /// File path.
        path: String,
        /// Parser message.
        message: String,
    },
    /// Values that cannot work; every problem is listed, each naming its key.
    #[error("invalid fault plan {path}: {}", .problems.join("; "))]
    Invalid {
        /// File path.
        path: String,
        /// One message per problem.
        problems: Vec<String>,
    },
}

impl FaultPlan {
    /// Reads and checks a TOML fault plan.
    pub fn load(path: &Path) -> Result<Self, PlanError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PlanError::Read {
            path: shown.clone(),
            source,
        })?;
        Self::parse(&text, &shown)
    }

    /// Parses and checks TOML text; `shown` names it in errors.
    pub fn parse(text: &str, shown: &str) -> Result<Self, PlanError> {
        let plan: FaultPlan = toml::from_str(text).map_err(|e| PlanError::Parse {
            path: shown.to_string(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        let problems = plan.problems();
        if problems.is_empty() {
            Ok(plan)
        } else {
            Err(PlanError::Invalid {
                path: shown.to_string(),
                problems,
            })
        }
    }

    /// Every problem of every rule, each naming `faults[i].key`.
    pub fn problems(&self) -> Vec<String> {
        self.faults
            .iter()
            .enumerate()
            .flat_map(|(i, f)| f.problems(&format!("faults[{i}]")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_parses_and_bad_plans_name_the_key() {
        let ok = "[[faults]]\nkind = \"outage\"\nevery_s = 60\nfor_s = 5\nchance = 0.5\n";
        assert_eq!(FaultPlan::parse(ok, "p").expect("valid").faults.len(), 1);
        let unknown = "[[faults]]\nkind = \"outage\"\nevry_s = 60\n";
        let e = FaultPlan::parse(unknown, "p")
            .expect_err("unknown key")
            .to_string();
        assert!(e.contains("evry_s"), "{e}");
        let top = "seed = 3\n";
        let e = FaultPlan::parse(top, "p")
            .expect_err("unknown top key")
            .to_string();
        assert!(e.contains("seed"), "{e}");
        let bad = "[[faults]]\nkind = \"latency\"\n[[faults]]\nkind = \"ws_drop\"\nevery_s = 5\nfor_s = 9\n";
        let e = FaultPlan::parse(bad, "p")
            .expect_err("for_s > every_s")
            .to_string();
        assert!(e.contains("faults[1].for_s"), "{e}");
    }
}
