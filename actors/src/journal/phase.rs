//! The phases of an order's life as the journal stores them, and the one rule for moving
//! between them: forward only, and a final phase never changes.

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderPhase {
    /// Written, not yet sent.
    Intent,
    /// Being sent.
    Sent,
    /// The exchange acknowledged it.
    Acknowledged,
    /// The create's outcome is unknown (timeout, reset): settle by clientOid, never resend.
    Unknown,
    /// Resting on the book.
    Live,
    /// Fully filled.
    Filled,
    /// Cancelled (possibly after partial fills).
    Cancelled,
    /// Refused, or never found after settling.
    Rejected,
}

impl OrderPhase {
    /// Text form stored in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderPhase::Intent => "intent",
            OrderPhase::Sent => "sent",
            OrderPhase::Acknowledged => "acknowledged",
            OrderPhase::Unknown => "unknown",
            OrderPhase::Live => "live",
            OrderPhase::Filled => "filled",
            OrderPhase::Cancelled => "cancelled",
            OrderPhase::Rejected => "rejected",
        }
    }
    /// Reads the stored text form back (None for text this build does not know).
    pub(super) fn parse(s: &str) -> Option<Self> {
        [
            OrderPhase::Intent,
            OrderPhase::Sent,
            OrderPhase::Acknowledged,
            OrderPhase::Unknown,
            OrderPhase::Live,
            OrderPhase::Filled,
            OrderPhase::Cancelled,
            OrderPhase::Rejected,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
    /// True once nothing more can happen to the order.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderPhase::Filled | OrderPhase::Cancelled | OrderPhase::Rejected
        )
    }

    /// Position in the life of an order; phases only move to a higher rank.
    fn rank(self) -> u8 {
        match self {
            OrderPhase::Intent => 0,
            OrderPhase::Sent => 1,
            OrderPhase::Unknown | OrderPhase::Acknowledged => 2,
            OrderPhase::Live => 3,
            OrderPhase::Filled | OrderPhase::Cancelled | OrderPhase::Rejected => 4,
        }
    }

    /// True when `self → to` moves forward: a final phase never changes, and nothing moves
    /// back (a late create answer cannot turn a `filled` row into `acknowledged`).
    pub fn can_move_to(self, to: OrderPhase) -> bool {
        !self.is_final() && to.rank() > self.rank()
    }

    /// True when the exchange has told us where the order is (acknowledged, found, or
    /// refused): a snapshot read after that moment reflects it.
    pub fn exchange_confirmed(self) -> bool {
        matches!(
            self,
            OrderPhase::Acknowledged
                | OrderPhase::Live
                | OrderPhase::Filled
                | OrderPhase::Cancelled
                | OrderPhase::Rejected
        )
    }
}
