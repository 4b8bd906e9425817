//! The operator's pause and resume, decided by CapitalWatch (the one owner of the trading
//! state): a pause stops new entries and is persisted; a resume clears it, but an emergency
//! latch only with the explicit latch-clearing form. Each bad request gets one typed refusal
//! and changes nothing.

use super::{CapitalWatch, FLATTEN_KEY, LATCH_KEY, PAUSE_KEY, flatten_pending, latched, wall_ms};
use crate::events::TradingState;
use crate::journal::{Journal, JournalError};
use actix::prelude::*;

/// Pause new entries (positions, their exchange-side TP/SL and reduce-only orders stay).
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<(), ControlRefusal>")]
pub struct Pause {
    /// Why (journaled and shown by `viper status`).
    pub reason: String,
}

/// Trade again: clears a pause or a non-latched halt; an emergency latch only when
/// `clear_emergency` is set.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Resumed, ControlRefusal>")]
pub struct Resume {
    /// The explicit latch-clearing form (`viper resume --clear-emergency`).
    pub clear_emergency: bool,
}

/// What a resume changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumed {
    /// The state before.
    pub from: TradingState,
    /// The emergency latch cleared, if there was one.
    pub cleared_emergency: Option<String>,
}

/// Ask the trading state with the operator's view of it.
#[derive(Debug, Message)]
#[rtype(result = "ControlState")]
pub struct GetControlState;

/// The trading state, the latch and the pause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlState {
    /// The state the gate enforces.
    pub state: TradingState,
    /// The reason of the latched emergency stop, if one is latched.
    pub latched: Option<String>,
    /// The reason of the operator pause, if paused.
    pub paused: Option<String>,
}

impl ControlState {
    /// `active`, `paused`, `emergency-latched`, `halted` or `reducing`.
    pub fn label(&self) -> &'static str {
        if self.latched.is_some() {
            "emergency-latched"
        } else {
            self.state.as_str()
        }
    }
}

/// Why an operator command was refused (nothing changed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlRefusal {
    /// Pause while already paused.
    #[error("trading is already paused ({reason}); nothing changed")]
    AlreadyPaused {
        /// The pause's reason.
        reason: String,
    },
    /// Resume while trading is active.
    #[error("trading is already active; nothing to resume")]
    NotPaused,
    /// Resume (or pause) while an emergency stop is latched, without the clearing form.
    #[error(
        "an emergency stop is latched ({reason}); nothing changed. Clear it explicitly: `viper resume --clear-emergency` (POST /resume with {{\"clear_emergency\": true}})"
    )]
    EmergencyLatched {
        /// The latch's reason.
        reason: String,
    },
    /// Pause while trading is halted for another reason (starting, stopping, failing closed).
    #[error("trading is halted ({reason}); a pause changes nothing")]
    Halted {
        /// Why it is halted.
        reason: String,
    },
    /// The journal did not take the change; nothing changed.
    #[error("cannot persist the change: {0}")]
    Journal(String),
}

impl ControlRefusal {
    /// Stable label (logs, JSON answers).
    pub fn code(&self) -> &'static str {
        match self {
            ControlRefusal::AlreadyPaused { .. } => "already_paused",
            ControlRefusal::NotPaused => "not_paused",
            ControlRefusal::EmergencyLatched { .. } => "emergency_latched",
            ControlRefusal::Halted { .. } => "halted",
            ControlRefusal::Journal(_) => "journal",
        }
    }
}

impl CapitalWatch {
    /// The latch as this process knows it: the journal's, a flatten still pending, or an
    /// emergency stop triggered here.
    fn latch_reason(&self) -> Option<String> {
        latched(&self.journal)
            .or_else(|| flatten_pending(&self.journal))
            .or_else(|| self.triggered.and(self.report.reason.clone()))
    }

    fn control_state(&self) -> ControlState {
        ControlState {
            state: self.state,
            latched: self.latch_reason(),
            paused: paused(&self.journal),
        }
    }
}

impl Handler<Pause> for CapitalWatch {
    type Result = Result<(), ControlRefusal>;
    fn handle(&mut self, m: Pause, _: &mut Self::Context) -> Self::Result {
        if let Some(reason) = self.latch_reason() {
            return Err(ControlRefusal::EmergencyLatched { reason });
        }
        match self.state {
            TradingState::Paused => {
                let reason = paused(&self.journal).unwrap_or_default();
                return Err(ControlRefusal::AlreadyPaused { reason });
            }
            TradingState::Halted => {
                return Err(ControlRefusal::Halted {
                    reason: "not trading now".into(),
                });
            }
            TradingState::Active | TradingState::Reducing => {}
        }
        set_pause(&self.journal, &m.reason).map_err(|e| ControlRefusal::Journal(e.to_string()))?;
        self.transition(
            TradingState::Paused,
            &format!("operator pause: {}", m.reason),
            false,
        );
        Ok(())
    }
}

impl Handler<Resume> for CapitalWatch {
    type Result = Result<Resumed, ControlRefusal>;
    fn handle(&mut self, m: Resume, _: &mut Self::Context) -> Self::Result {
        let latch = self.latch_reason();
        if let Some(reason) = &latch
            && !m.clear_emergency
        {
            return Err(ControlRefusal::EmergencyLatched {
                reason: reason.clone(),
            });
        }
        if latch.is_none() && self.state == TradingState::Active {
            return Err(ControlRefusal::NotPaused);
        }
        let from = self.state;
        self.triggered = None;
        let why = if latch.is_some() {
            "operator resume: emergency latch cleared"
        } else {
            "operator resume"
        };
        // Active clears the pause, the latch and a pending flatten in the journal.
        self.transition(TradingState::Active, why, false);
        Ok(Resumed {
            from,
            cleared_emergency: latch,
        })
    }
}

impl Handler<GetControlState> for CapitalWatch {
    type Result = MessageResult<GetControlState>;
    fn handle(&mut self, _: GetControlState, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.control_state())
    }
}

/// The operator pause's reason, if paused (read at start-up and by a stopped bot's CLI).
pub fn paused(journal: &Journal) -> Option<String> {
    journal
        .state(PAUSE_KEY)
        .ok()
        .flatten()
        .filter(|r| !r.is_empty())
}

/// Persists the pause (`viper pause` of a stopped bot writes only this; the next start
/// stays paused).
pub fn set_pause(journal: &Journal, reason: &str) -> Result<(), JournalError> {
    let reason = if reason.is_empty() { "paused" } else { reason };
    journal.set_state(PAUSE_KEY, reason, "operator pause", wall_ms())
}

/// Clears the pause, and the emergency latch with it when `clear_emergency` (a stopped bot's
/// `viper resume`); the latch without it is refused and nothing changes.
pub fn clear_pause(journal: &Journal, clear_emergency: bool) -> Result<Resumed, ControlRefusal> {
    let latch = latched(journal).or_else(|| flatten_pending(journal));
    let pause = paused(journal);
    if let Some(reason) = &latch
        && !clear_emergency
    {
        return Err(ControlRefusal::EmergencyLatched {
            reason: reason.clone(),
        });
    }
    if latch.is_none() && pause.is_none() {
        return Err(ControlRefusal::NotPaused);
    }
    let j = |e: JournalError| ControlRefusal::Journal(e.to_string());
    let now = wall_ms();
    for key in [PAUSE_KEY, LATCH_KEY, FLATTEN_KEY] {
        journal
            .set_state(key, "", "cleared by operator", now)
            .map_err(j)?;
    }
    let active = TradingState::Active.as_str();
    journal
        .set_state(super::STATE_KEY, active, "cleared by operator", now)
        .map_err(j)?;
    Ok(Resumed {
        from: if latch.is_some() {
            TradingState::Halted
        } else {
            TradingState::Paused
        },
        cleared_emergency: latch,
    })
}
