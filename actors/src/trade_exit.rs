//! Why a trade ended: a typed reason with a stable string (stored in the journal, printed by
//! `viper trades`, used as a metric label), and the one rule that derives it from the closing
//! order — our journal's reason for orders we placed, the exchange's order source for the
//! closes it placed (TP/SL plans, liquidation), a close mark for the bot's own flash closes.

/// The journal `reason` that marks a close the operator asked for (`POST /close/{symbol}`):
/// an order journaled with a reason starting with this ends its trade as `manual_close`.
pub const MANUAL_CLOSE_REASON: &str = "manual_close";

/// The journal `reason` prefix of CapitalWatch's reduce-to-limit orders.
pub const REDUCE_TO_LIMIT_REASON: &str = "post-trade check";

/// How a position ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(into = "&'static str")]
pub enum ExitReason {
    /// The position's take-profit plan fired.
    TakeProfit,
    /// The position's stop-loss plan fired.
    StopLoss,
    /// The stop-loss guard closed a position it could not protect.
    GuardClose,
    /// The emergency stop flattened everything.
    EmergencyFlatten,
    /// The operator closed it (`/close/{symbol}`).
    ManualClose,
    /// CapitalWatch reduced a position over its margin limit to nothing.
    ReduceToLimit,
    /// The exchange liquidated it.
    Liquidation,
    /// None of the above could be proven.
    Unknown,
}

impl From<ExitReason> for &'static str {
    fn from(r: ExitReason) -> Self {
        r.as_str()
    }
}

impl ExitReason {
    /// Every reason, in a stable order.
    pub const ALL: [ExitReason; 8] = [
        ExitReason::TakeProfit,
        ExitReason::StopLoss,
        ExitReason::GuardClose,
        ExitReason::EmergencyFlatten,
        ExitReason::ManualClose,
        ExitReason::ReduceToLimit,
        ExitReason::Liquidation,
        ExitReason::Unknown,
    ];

    /// The stable text form (journal, CSV, JSON, metric label).
    pub fn as_str(self) -> &'static str {
        match self {
            ExitReason::TakeProfit => "take_profit",
            ExitReason::StopLoss => "stop_loss",
            ExitReason::GuardClose => "guard_close",
            ExitReason::EmergencyFlatten => "emergency_flatten",
            ExitReason::ManualClose => "manual_close",
            ExitReason::ReduceToLimit => "reduce_to_limit",
            ExitReason::Liquidation => "liquidation",
            ExitReason::Unknown => "unknown",
        }
    }

    /// Parses the text form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// From the journal reason of an order we placed ourselves.
    pub fn from_journal_reason(reason: &str) -> Self {
        if reason.starts_with(MANUAL_CLOSE_REASON) {
            ExitReason::ManualClose
        } else if reason.starts_with(REDUCE_TO_LIMIT_REASON) {
            ExitReason::ReduceToLimit
        } else {
            ExitReason::Unknown
        }
    }

    /// From the exchange's `orderSource` of a close it placed: position TP/SL plans
    /// (`pos_profit_market`, `pos_loss_limit`, partial `profit_…`/`loss_…`), liquidation.
    /// A plain `market` close (flash close) is not decided here: see the close marks.
    pub fn from_order_source(source: &str) -> Option<Self> {
        let s = source.to_ascii_lowercase();
        if s.starts_with("pos_profit") || s.starts_with("profit") {
            Some(ExitReason::TakeProfit)
        } else if s.starts_with("pos_loss") || s.starts_with("loss") {
            Some(ExitReason::StopLoss)
        } else if s.contains("liquidat") || s.starts_with("burst") {
            Some(ExitReason::Liquidation)
        } else {
            None
        }
    }
}

impl std::fmt::Display for ExitReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_are_stable_and_round_trip() {
        for r in ExitReason::ALL {
            assert_eq!(ExitReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(
            serde_json::to_string(&ExitReason::StopLoss).unwrap_or_default(),
            "\"stop_loss\""
        );
        assert_eq!(ExitReason::parse("stop loss"), None);
    }

    #[test]
    fn reasons_from_sources_and_journal() {
        let table = [
            ("pos_profit_market", Some(ExitReason::TakeProfit)),
            ("pos_profit_limit", Some(ExitReason::TakeProfit)),
            ("pos_loss_market", Some(ExitReason::StopLoss)),
            ("loss_market", Some(ExitReason::StopLoss)),
            ("liquidation", Some(ExitReason::Liquidation)),
            ("market", None),
            ("normal", None),
        ];
        for (src, want) in table {
            assert_eq!(ExitReason::from_order_source(src), want, "{src}");
        }
        assert_eq!(
            ExitReason::from_journal_reason("manual_close: operator"),
            ExitReason::ManualClose
        );
        assert_eq!(
            ExitReason::from_journal_reason("post-trade check: margin 2 over limit 1"),
            ExitReason::ReduceToLimit
        );
        assert_eq!(
            ExitReason::from_journal_reason("trend: fast EMA"),
            ExitReason::Unknown
        );
    }
}
