//! What the operator is told about (entries and exits, the emergency stop, trading-state
//! changes, actor restarts, lost and regained connections): one message type that any actor
//! may send to the notifier, and its one-line human text. Delivery is the binary's business.

use crate::events::TradingState;
use actix::Message;
use rust_decimal::Decimal;

/// A fill-backed change of one position: an entry or an exit.
#[derive(Debug, Clone, PartialEq)]
pub struct TradeNotice {
    /// Symbol.
    pub symbol: String,
    /// The position's side: true for long (an exit names the side that was closed).
    pub long: bool,
    /// Size (base coin).
    pub size: Decimal,
    /// Average fill price, when known.
    pub price: Option<Decimal>,
    /// Realised PnL (exits), when known.
    pub pnl: Option<Decimal>,
    /// Fees paid (negative = paid), when known.
    pub fee: Option<Decimal>,
    /// Why (take-profit, stop-loss, manual close…), when known.
    pub reason: Option<String>,
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Message)]
#[rtype(result = "()")]
pub enum Notice {
    /// A position opened.
    Entry(TradeNotice),
    /// A position closed.
    Exit(TradeNotice),
    /// The emergency stop fired.
    EmergencyStop {
        /// Why.
        reason: String,
    },
    /// Trading state changed (pause, resume, halt) other than by the emergency stop.
    TradingState {
        /// New state.
        state: TradingState,
        /// Why.
        reason: String,
    },
    /// A supervised actor was restarted.
    Restart {
        /// Which actor.
        actor: &'static str,
        /// Restarts so far.
        count: u32,
        /// The restart budget is exhausted and trading halts.
        escalated: bool,
    },
    /// A connection was lost (`up = false`) or regained.
    Connection {
        /// Which connection (`ws_public`, `ws_private`).
        connection: &'static str,
        /// Regained.
        up: bool,
    },
}

impl Notice {
    /// Stable event name (webhook `event` field, config filter, logs).
    pub fn kind(&self) -> &'static str {
        match self {
            Notice::Entry(_) => "entry",
            Notice::Exit(_) => "exit",
            Notice::EmergencyStop { .. } => "emergency_stop",
            Notice::TradingState { .. } => "trading_state",
            Notice::Restart { .. } => "restart",
            Notice::Connection { .. } => "connection",
        }
    }

    /// One human line, e.g. `entry BTCUSDT long 0.001 @ 65000`.
    pub fn text(&self) -> String {
        match self {
            Notice::Entry(t) => format!("entry {}", trade_text(t)),
            Notice::Exit(t) => format!("exit {}", trade_text(t)),
            Notice::EmergencyStop { reason } => format!("EMERGENCY STOP: {reason}"),
            Notice::TradingState { state, reason } => {
                format!("trading {}: {reason}", state.as_str())
            }
            Notice::Restart {
                actor,
                count,
                escalated,
            } => {
                let tail = if *escalated {
                    "; restart budget exhausted, trading halts"
                } else {
                    ""
                };
                format!("actor {actor} restarted ({count} so far){tail}")
            }
            Notice::Connection { connection, up } => {
                let what = if *up { "regained" } else { "lost" };
                format!("connection {connection} {what}")
            }
        }
    }
}

fn trade_text(t: &TradeNotice) -> String {
    let side = if t.long { "long" } else { "short" };
    let mut s = format!("{} {side} {}", t.symbol, t.size);
    if let Some(p) = t.price {
        s.push_str(&format!(" @ {p}"));
    }
    if let Some(pnl) = t.pnl {
        s.push_str(&format!(", PnL {pnl} USDT"));
    }
    if let Some(fee) = t.fee {
        s.push_str(&format!(", fee {fee}"));
    }
    if let Some(r) = &t.reason {
        s.push_str(&format!(" ({r})"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn texts_name_what_happened() {
        let t = TradeNotice {
            symbol: "BTCUSDT".into(),
            long: false,
            size: dec!(0.001),
            price: Some(dec!(65000.5)),
            pnl: Some(dec!(-0.12)),
            fee: None,
            reason: None,
        };
        assert_eq!(
            Notice::Exit(t).text(),
            "exit BTCUSDT short 0.001 @ 65000.5, PnL -0.12 USDT"
        );
        let c = Notice::Connection {
            connection: "ws_public",
            up: false,
        };
        assert_eq!(
            (c.kind(), c.text().as_str()),
            ("connection", "connection ws_public lost")
        );
        let r = Notice::Restart {
            actor: "market_feed",
            count: 2,
            escalated: true,
        };
        assert!(r.text().contains("budget exhausted"), "{}", r.text());
    }
}
