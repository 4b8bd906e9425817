//! One fault rule as written in a fault plan (JSON on `/sim/v1/faults`, or TOML), and its
//! validation: every problem names the key it is about.

use serde::{Deserialize, Serialize};

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Delay the request by `latency_ms` (up to `latency_max_ms`) before applying it: past the
    /// client's timeout this is a request the exchange applies after the client gave up.
    Latency,
    /// Answer with `code` and `http_status` without applying the request.
    Error,
    /// Answer 429 without applying the request.
    RateLimit,
    /// Apply the request, then withhold the answer for `latency_ms` (default 10 s).
    DropAfterApply,
    /// Handle the request, then answer a success with HTTP 200 and a truncated JSON body.
    Malformed,
    /// The exchange is down: every REST request answers 503 unapplied, every WebSocket is cut
    /// when the episode starts and new ones are refused while it lasts.
    Outage,
    /// Cut WebSocket connections (no close frame) when the episode starts.
    WsDrop,
    /// Close WebSocket connections with a close frame when the episode starts.
    WsCloseAll,
    /// Keep connections open but silent (no pushes, no pongs) while the episode lasts.
    WsFreeze,
    /// Delay every push by `latency_ms` while the episode lasts.
    WsDelay,
    /// Hold pushes (each with `probability`) for `latency_ms` while later ones overtake them.
    WsReorder,
    /// Refuse private WebSocket logins while the episode lasts.
    WsLoginFail,
}

impl FaultKind {
    /// The name used in plans and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Latency => "latency",
            FaultKind::Error => "error",
            FaultKind::RateLimit => "rate_limit",
            FaultKind::DropAfterApply => "drop_after_apply",
            FaultKind::Malformed => "malformed",
            FaultKind::Outage => "outage",
            FaultKind::WsDrop => "ws_drop",
            FaultKind::WsCloseAll => "ws_close_all",
            FaultKind::WsFreeze => "ws_freeze",
            FaultKind::WsDelay => "ws_delay",
            FaultKind::WsReorder => "ws_reorder",
            FaultKind::WsLoginFail => "ws_login_fail",
        }
    }

    /// True for the kinds that act on individual REST requests.
    pub fn per_request(self) -> bool {
        matches!(
            self,
            FaultKind::Latency
                | FaultKind::Error
                | FaultKind::RateLimit
                | FaultKind::DropAfterApply
                | FaultKind::Malformed
        )
    }

    /// True for the kinds that answer in place of the exchange (the request is not applied).
    pub fn answers_instead(self) -> bool {
        matches!(
            self,
            FaultKind::Error | FaultKind::RateLimit | FaultKind::Outage
        )
    }

    /// True for the kinds after which the client gets no usable answer although the
    /// exchange handled the request.
    pub fn breaks_answer(self) -> bool {
        matches!(self, FaultKind::DropAfterApply | FaultKind::Malformed)
    }

    /// True for the WebSocket kinds.
    pub fn is_ws(self) -> bool {
        !self.per_request() && self != FaultKind::Outage
    }
}

/// One fault rule. Without `every_s` it is active from the moment it is added; with it, an
/// episode window of `for_s` seconds opens every `every_s` seconds (the first `start_s` after
/// it was added) and each window is an episode with probability `chance`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// REST path it applies to; absent = every REST path. Only for per-request kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What it does.
    pub kind: FaultKind,
    /// Delay, ms: `latency`, `drop_after_apply`, `ws_delay`, `ws_reorder`.
    #[serde(default)]
    pub latency_ms: u64,
    /// Upper bound of a uniformly drawn delay (`latency`, `ws_delay`, `ws_reorder`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_max_ms: Option<u64>,
    /// Bitget code for `error` (default `40015`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// HTTP status for `error` (default 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Chance per matching request (or push, for `ws_reorder`), 0..=1 (default 1).
    #[serde(default = "one")]
    pub probability: f64,
    /// How many times it may fire; absent = unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// WebSocket kinds: `public`, `private` or `all` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Schedule: a window opens every this many seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_s: Option<f64>,
    /// Schedule: each window lasts this many seconds (≤ `every_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_s: Option<f64>,
    /// Schedule: chance that a window is an episode, 0..=1 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chance: Option<f64>,
    /// Schedule: seconds from adding the rule to the first window (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_s: Option<f64>,
}

fn one() -> f64 {
    1.0
}

/// Longest delay a rule may ask for, ms (every request loop stays bounded).
pub const MAX_LATENCY_MS: u64 = 600_000;
/// Longest schedule period, seconds.
pub const MAX_EVERY_S: f64 = 86_400.0;

impl Fault {
    /// A rule of `kind` with every other key at its default.
    pub fn new(kind: FaultKind) -> Self {
        Fault {
            path: None,
            kind,
            latency_ms: 0,
            latency_max_ms: None,
            code: None,
            http_status: None,
            probability: 1.0,
            count: None,
            scope: None,
            every_s: None,
            for_s: None,
            chance: None,
            start_s: None,
        }
    }

    /// Every problem of this rule, each naming `at.key` (e.g. `faults[2].for_s`).
    pub fn problems(&self, at: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut bad = |key: &str, msg: String| out.push(format!("{at}.{key}: {msg}"));
        self.value_problems(&mut bad);
        self.placement_problems(&mut bad);
        self.schedule_problems(&mut bad);
        out
    }

    /// Numbers out of range.
    fn value_problems(&self, bad: &mut impl FnMut(&str, String)) {
        let unit = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
        if !unit(self.probability) {
            bad(
                "probability",
                format!("must be within 0..=1, got {}", self.probability),
            );
        }
        if let Some(c) = self.chance
            && !unit(c)
        {
            bad("chance", format!("must be within 0..=1, got {c}"));
        }
        if self.latency_ms > MAX_LATENCY_MS {
            bad(
                "latency_ms",
                format!("at most {MAX_LATENCY_MS}, got {}", self.latency_ms),
            );
        }
        if let Some(max) = self.latency_max_ms
            && (max < self.latency_ms || max > MAX_LATENCY_MS)
        {
            let min = self.latency_ms;
            bad(
                "latency_max_ms",
                format!("must be within latency_ms ({min})..={MAX_LATENCY_MS}, got {max}"),
            );
        }
        if matches!(self.kind, FaultKind::WsDelay | FaultKind::WsReorder) && self.latency_ms == 0 {
            bad(
                "latency_ms",
                format!("{} needs a delay above 0", self.kind.as_str()),
            );
        }
        if let Some(s) = self.http_status
            && !(100..=599).contains(&s)
        {
            bad(
                "http_status",
                format!("must be an HTTP status 100..=599, got {s}"),
            );
        }
        if let Some(c) = &self.code
            && (c.is_empty() || !c.chars().all(|ch| ch.is_ascii_digit()))
        {
            bad("code", format!("must be a numeric Bitget code, got {c:?}"));
        }
    }

    /// Keys that do not apply to this kind.
    fn placement_problems(&self, bad: &mut impl FnMut(&str, String)) {
        let kind = self.kind.as_str();
        if self.kind != FaultKind::Error && (self.code.is_some() || self.http_status.is_some()) {
            let key = if self.code.is_some() {
                "code"
            } else {
                "http_status"
            };
            bad(key, format!("only applies to kind error, not {kind}"));
        }
        if self.path.is_some() && !self.kind.per_request() {
            bad("path", format!("{kind} applies to no single REST path"));
        }
        if let Some(p) = &self.path
            && !p.starts_with('/')
        {
            bad("path", format!("must start with '/', got {p:?}"));
        }
        match (&self.scope, self.kind.is_ws()) {
            (Some(s), true) if !matches!(s.as_str(), "public" | "private" | "all") => bad(
                "scope",
                format!("must be public, private or all, got {s:?}"),
            ),
            (Some(_), false) => bad("scope", format!("only applies to ws_* kinds, not {kind}")),
            _ => {}
        }
    }

    fn schedule_problems(&self, bad: &mut impl FnMut(&str, String)) {
        let secs = |v: f64| v.is_finite() && v >= 0.0;
        match (self.every_s, self.for_s) {
            (Some(every), Some(dur)) => {
                if !(secs(every) && every > 0.0 && every <= MAX_EVERY_S) {
                    bad(
                        "every_s",
                        format!("must be within (0, {MAX_EVERY_S}], got {every}"),
                    );
                }
                if !(secs(dur) && dur > 0.0 && dur <= every) {
                    bad(
                        "for_s",
                        format!("must be above 0 and at most every_s ({every}), got {dur}"),
                    );
                }
            }
            (Some(_), None) => bad("for_s", "is required with every_s".into()),
            (None, Some(_)) => bad("every_s", "is required with for_s".into()),
            (None, None) => {
                for (key, set) in [
                    ("chance", self.chance.is_some()),
                    ("start_s", self.start_s.is_some()),
                ] {
                    if set {
                        bad(key, "needs a schedule (every_s and for_s)".into());
                    }
                }
            }
        }
        if let Some(s) = self.start_s
            && !(secs(s) && s <= MAX_EVERY_S)
        {
            bad(
                "start_s",
                format!("must be within 0..={MAX_EVERY_S}, got {s}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(json: &str) -> Vec<String> {
        let f: Fault = serde_json::from_str(json).expect("parses");
        f.problems("faults[0]")
    }

    #[test]
    fn impossible_values_are_named() {
        let cases = [
            (
                r#"{"kind":"latency","probability":1.5}"#,
                "faults[0].probability",
            ),
            (
                r#"{"kind":"latency","every_s":10,"for_s":20}"#,
                "faults[0].for_s",
            ),
            (
                r#"{"kind":"latency","every_s":0,"for_s":0}"#,
                "faults[0].every_s",
            ),
            (r#"{"kind":"latency","every_s":10}"#, "faults[0].for_s"),
            (r#"{"kind":"latency","for_s":1}"#, "faults[0].every_s"),
            (r#"{"kind":"latency","chance":0.5}"#, "faults[0].chance"),
            (
                r#"{"kind":"latency","latency_ms":500,"latency_max_ms":100}"#,
                "faults[0].latency_max_ms",
            ),
            (
                r#"{"kind":"latency","latency_ms":900000}"#,
                "faults[0].latency_ms",
            ),
            (
                r#"{"kind":"error","http_status":700}"#,
                "faults[0].http_status",
            ),
            (r#"{"kind":"error","code":"abc"}"#, "faults[0].code"),
            (r#"{"kind":"latency","code":"40015"}"#, "faults[0].code"),
            (r#"{"kind":"ws_drop","path":"/api/v2/x"}"#, "faults[0].path"),
            (r#"{"kind":"ws_drop","scope":"both"}"#, "faults[0].scope"),
            (r#"{"kind":"error","scope":"all"}"#, "faults[0].scope"),
            (r#"{"kind":"ws_delay"}"#, "faults[0].latency_ms"),
            (r#"{"kind":"outage","path":"/api/v2/x"}"#, "faults[0].path"),
        ];
        for (json, key) in cases {
            let p = problems_of(json);
            assert!(p.iter().any(|m| m.starts_with(key)), "{json}: {p:?}");
        }
    }

    #[test]
    fn good_rules_pass_and_unknown_keys_are_refused() {
        assert!(
            problems_of(
                r#"{"kind":"ws_freeze","scope":"public","every_s":60,"for_s":5,"chance":0.5}"#
            )
            .is_empty()
        );
        assert!(
            problems_of(
                r#"{"kind":"latency","latency_ms":100,"latency_max_ms":3000,"probability":0.2}"#
            )
            .is_empty()
        );
        let err = serde_json::from_str::<Fault>(r#"{"kind":"latency","every":3}"#)
            .expect_err("unknown key");
        assert!(err.to_string().contains("`every`"), "{err}");
        let err =
            serde_json::from_str::<Fault>(r#"{"kind":"sometimes"}"#).expect_err("unknown kind");
        assert!(err.to_string().contains("sometimes"), "{err}");
    }
}
