//! NotifyRelay: turns what the bot's actors already publish into notices. Entries and exits
//! come from the trade recorder, which reconciles them from the exchange's fills (so a
//! position opened and closed between two account reads is told too, and an exit names its
//! reason); trading-state changes give the emergency stop and pause/resume, the watchdogs'
//! restarts and the WebSockets' losses and recoveries give the rest. It only ever hands
//! notices to the non-blocking [`NotifyHandle`].

use super::deliver::NotifyHandle;
use actix::prelude::*;
use viper_actors::events::{ConnectionEvent, ConnectionKind, TradingStateChanged};
use viper_actors::notice::Notice;
use viper_actors::supervisor::Restarted;

/// The relay actor.
pub struct NotifyRelay {
    out: NotifyHandle,
}

impl NotifyRelay {
    /// Hands notices to `out`.
    pub fn new(out: NotifyHandle) -> Self {
        Self { out }
    }
}

impl Actor for NotifyRelay {
    type Context = Context<Self>;
}

/// Entries and exits from the trade recorder.
impl Handler<Notice> for NotifyRelay {
    type Result = ();
    fn handle(&mut self, n: Notice, _: &mut Self::Context) {
        self.out.send(&n);
    }
}

impl Handler<TradingStateChanged> for NotifyRelay {
    type Result = ();
    fn handle(&mut self, m: TradingStateChanged, _: &mut Self::Context) {
        let notice = match m.reason.strip_prefix("emergency stop: ") {
            Some(reason) => Notice::EmergencyStop {
                reason: reason.to_owned(),
            },
            None => Notice::TradingState {
                state: m.state,
                reason: m.reason,
            },
        };
        self.out.send(&notice);
    }
}

impl Handler<ConnectionEvent> for NotifyRelay {
    type Result = ();
    fn handle(&mut self, m: ConnectionEvent, _: &mut Self::Context) {
        let up = match m.kind {
            ConnectionKind::Connected => return,
            ConnectionKind::Reconnected => true,
            ConnectionKind::Disconnected => false,
        };
        self.out.send(&Notice::Connection {
            connection: m.connection,
            up,
        });
    }
}

impl Handler<Restarted> for NotifyRelay {
    type Result = ();
    fn handle(&mut self, m: Restarted, _: &mut Self::Context) {
        self.out.send(&Notice::Restart {
            actor: m.actor,
            count: m.count,
            escalated: m.escalated,
        });
    }
}
