//! What an `orders` push says about a position's protection. A fill of an opening order that
//! carries an attached stop-loss tells the bot, the moment it fills, that the exchange took the
//! position's stop with the order: the stop-loss guard counts the position as protected from
//! that push instead of waiting for a REST read of the plan orders. A snapshot whose read
//! started after the push is still authoritative (a stop removed or rejected later is caught).

use crate::events::{AccountSnapshot, PositionView, ProtectionSeen};
use rust_decimal::Decimal;
use std::collections::HashMap;
use tokio::time::Instant;
use viper_bitget::models::{OrderState, PosSide, Side, TradeSide};
use viper_bitget::ws::private::OrderPush;

/// The protection an order push proves, if any: an opening order that has filled (partly or
/// wholly) with a positive attached stop-loss. Closing and reduce-only orders prove nothing.
pub fn protection_from_push(p: &OrderPush, seen: Instant) -> Option<ProtectionSeen> {
    let filled = matches!(p.status, OrderState::Filled | OrderState::PartiallyFilled)
        || p.latest_fill().is_some()
        || p.acc_base_volume.is_some_and(|v| v.0 > Decimal::ZERO);
    if !filled {
        return None;
    }
    if p.reduce_only == Some(true) || matches!(p.trade_side, Some(TradeSide::Close)) {
        return None;
    }
    let stop_loss = p.attached_tpsl()?.stop_loss?.0;
    let long = match p.pos_side {
        Some(PosSide::Long) => true,
        Some(PosSide::Short) => false,
        Some(PosSide::Net) | None => p.side == Side::Buy,
    };
    Some(ProtectionSeen {
        symbol: p.inst_id.clone(),
        long,
        stop_loss,
        seen,
    })
}

/// Stops confirmed by fill pushes, by (symbol, long), with when each push arrived: the one
/// rule the stop-loss guard and the account sync's cadence use for "protected".
#[derive(Debug, Clone, Default)]
pub struct PushConfirmations(HashMap<(String, bool), Instant>);

impl PushConfirmations {
    /// Remembers a confirmation.
    pub fn record(&mut self, seen: &ProtectionSeen) {
        self.0.insert((seen.symbol.clone(), seen.long), seen.seen);
    }

    /// Forgets the confirmations a snapshot whose read started at `snap_at` supersedes.
    pub fn superseded_by(&mut self, snap_at: Instant) {
        self.0.retain(|_, seen| *seen > snap_at);
    }

    /// Protected by the snapshot itself, or by a push newer than the snapshot's read.
    pub fn protected(&self, snap: &AccountSnapshot, p: &PositionView) -> bool {
        snap.protected(p)
            || self
                .0
                .get(&(p.symbol.clone(), p.long))
                .is_some_and(|seen| *seen > snap.at)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn push(extra: Value) -> OrderPush {
        let mut v = json!({
            "orderId": "1", "clientOid": "vp1x1", "instId": "BTCUSDT", "size": "0.001",
            "side": "buy", "posSide": "net", "tradeSide": "buy_single", "status": "filled",
            "accBaseVolume": "0.001", "presetStopLossPrice": "64000.5",
            "presetStopSurplusPrice": "66000"
        });
        if let (Some(m), Value::Object(e)) = (v.as_object_mut(), extra) {
            m.extend(e);
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_filled_opening_order_with_a_stop_proves_protection() {
        let at = Instant::now();
        let p = protection_from_push(&push(json!({})), at).unwrap();
        assert_eq!(p.symbol, "BTCUSDT");
        assert!(p.long);
        assert_eq!(p.stop_loss, Decimal::new(640005, 1));
        assert_eq!(p.seen, at);
        let short = json!({"side": "sell", "posSide": "short", "tradeSide": "open"});
        assert!(!protection_from_push(&push(short), at).unwrap().long);
        let partial = json!({"status": "partially_filled", "accBaseVolume": "0.0005"});
        assert!(protection_from_push(&push(partial), at).is_some());
    }

    #[test]
    fn a_push_protects_only_against_snapshots_read_before_it() {
        use crate::events::{AccountSnapshot, PositionView};
        let read = Instant::now();
        let pos = PositionView {
            symbol: "BTCUSDT".into(),
            long: true,
            size: Decimal::ONE,
            entry: Decimal::ONE,
            margin: Decimal::ONE,
            leverage: Decimal::TEN,
            stop_loss: None,
            take_profit: None,
        };
        let snap = |at| AccountSnapshot {
            equity: Decimal::ONE,
            available: Decimal::ONE,
            positions: vec![pos.clone()],
            open_orders: Vec::new(),
            tpsl_plans: Vec::new(),
            at,
        };
        let mut c = PushConfirmations::default();
        assert!(!c.protected(&snap(read), &pos), "no stop, no push");
        let seen =
            protection_from_push(&push(json!({})), read + std::time::Duration::from_millis(5));
        c.record(&seen.unwrap());
        assert!(
            c.protected(&snap(read), &pos),
            "the push is newer than the read"
        );
        let later = read + std::time::Duration::from_millis(10);
        assert!(
            !c.protected(&snap(later), &pos),
            "a later read is authoritative"
        );
        c.superseded_by(later);
        assert!(
            !c.protected(&snap(read), &pos),
            "and the confirmation is forgotten"
        );
    }

    #[test]
    fn nothing_is_proven_by_resting_closing_or_stopless_orders() {
        let at = Instant::now();
        let cases = [
            json!({"status": "live", "accBaseVolume": "0"}),
            json!({"reduceOnly": "yes"}),
            json!({"tradeSide": "close", "posSide": "long", "side": "sell"}),
            json!({"presetStopLossPrice": ""}),
            json!({"presetStopLossPrice": "0"}),
        ];
        for c in cases {
            let label = c.to_string();
            assert!(protection_from_push(&push(c), at).is_none(), "{label}");
        }
    }
}
