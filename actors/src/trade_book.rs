//! Pairing own fills into closed trades, as a pure function: each fill opens or grows a
//! position lot (per symbol and side) or closes part of it; the fill that brings a lot to
//! zero ends one trade (one position life: entry, exit, realised PnL, fees, times). No I/O:
//! the trade log (`trade_log.rs`) feeds it stored lots and new fills in time order.

use rust_decimal::Decimal;
use std::collections::HashMap;

/// One own fill as the exchange reports it (`GET /api/v2/mix/order/fills`).
#[derive(Debug, Clone, PartialEq)]
pub struct FillRow {
    /// Exchange trade id (unique per fill: the idempotency key).
    pub trade_id: String,
    /// Exchange order id.
    pub order_id: String,
    /// Our clientOid, when the order is ours and known.
    pub client_oid: Option<String>,
    /// Symbol.
    pub symbol: String,
    /// Economic direction: true = buy (opens a long or closes a short).
    pub buy: bool,
    /// `tradeSide` as reported (`open`, `close`, `buy_single`, `burst_close_long`, …).
    pub trade_side: String,
    /// Fill price.
    pub price: Decimal,
    /// Fill size (base coin).
    pub size: Decimal,
    /// Fee as reported (negative = paid).
    pub fee: Decimal,
    /// Realised PnL the exchange booked for this fill (before fees).
    pub profit: Decimal,
    /// Fill time, ms.
    pub ts_ms: i64,
}

/// What a fill does to positions, from its `tradeSide`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Hedge `open`: opens or grows the side it buys into.
    Open,
    /// Hedge `close`, liquidation (`burst_…`), reduce: closes the side it trades against.
    Close,
    /// One-way (`buy_single`, …) or anything new: closes the opposite lot first, any
    /// remainder opens.
    Net,
}

fn effect(trade_side: &str) -> Effect {
    let t = trade_side.to_ascii_lowercase();
    if t == "open" {
        Effect::Open
    } else if t.contains("close") || t.starts_with("burst") || t.starts_with("reduce") {
        Effect::Close
    } else {
        Effect::Net
    }
}

/// True when the fill is a forced close by the exchange (liquidation: `burst_…`).
pub fn is_liquidation(trade_side: &str) -> bool {
    trade_side.to_ascii_lowercase().starts_with("burst")
}

/// An open position lot: what has been opened and closed of one position life so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Lot {
    /// Symbol.
    pub symbol: String,
    /// True for a long.
    pub long: bool,
    /// Size still open.
    pub size: Decimal,
    /// Total size opened in this life.
    pub opened_size: Decimal,
    /// Sum of price × size of the opening fills.
    pub entry_value: Decimal,
    /// Total size closed so far.
    pub closed_size: Decimal,
    /// Sum of price × size of the closing fills.
    pub exit_value: Decimal,
    /// Realised PnL so far (exchange figures, before fees).
    pub pnl: Decimal,
    /// Fees paid so far (positive = cost).
    pub fees: Decimal,
    /// First opening fill, ms; None when the opening fills predate the journal.
    pub opened_ms: Option<i64>,
}

impl Lot {
    fn new(symbol: &str, long: bool, opened_ms: Option<i64>) -> Self {
        Lot {
            symbol: symbol.to_string(),
            long,
            size: Decimal::ZERO,
            opened_size: Decimal::ZERO,
            entry_value: Decimal::ZERO,
            closed_size: Decimal::ZERO,
            exit_value: Decimal::ZERO,
            pnl: Decimal::ZERO,
            fees: Decimal::ZERO,
            opened_ms,
        }
    }
}

/// A position life that ended: the fill `closing_fill` brought its lot to zero.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedLot {
    /// The lot as it ended (size zero).
    pub lot: Lot,
    /// Trade id of the fill that ended it.
    pub closing_fill: String,
    /// Order id of that fill (its order decides the exit reason).
    pub closing_order: String,
    /// Its `tradeSide`.
    pub closing_trade_side: String,
    /// When it ended, ms.
    pub closed_ms: i64,
}

impl ClosedLot {
    /// Average entry price (None if nothing was opened in view).
    pub fn entry_price(&self) -> Option<Decimal> {
        (!self.lot.opened_size.is_zero()).then(|| self.lot.entry_value / self.lot.opened_size)
    }
    /// Average exit price.
    pub fn exit_price(&self) -> Option<Decimal> {
        (!self.lot.closed_size.is_zero()).then(|| self.lot.exit_value / self.lot.closed_size)
    }
}

/// What one fill did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Applied {
    /// Size that opened or grew a lot, with its side (true = long).
    pub opened: Option<(bool, Decimal)>,
    /// The position life this fill ended, if any.
    pub closed: Option<ClosedLot>,
}

/// Lots by (symbol, long).
pub type Lots = HashMap<(String, bool), Lot>;

/// Applies one fill to `lots` (fills must come in time order).
pub fn apply(lots: &mut Lots, f: &FillRow) -> Applied {
    let against = (f.symbol.clone(), !f.buy);
    let mut out = Applied::default();
    let mut rest = f.size;
    let fee_cost = -f.fee;
    let closes = match effect(&f.trade_side) {
        Effect::Open => false,
        Effect::Close => true,
        Effect::Net => lots.get(&against).is_some_and(|l| l.size > Decimal::ZERO),
    };
    if closes {
        let q = close_part(lots, &against, f, fee_cost);
        rest -= q;
        if let Some(lot) = lots.get(&against)
            && lot.size <= Decimal::ZERO
            && let Some(ended) = lots.remove(&against)
        {
            out.closed = Some(ClosedLot {
                lot: ended,
                closing_fill: f.trade_id.clone(),
                closing_order: f.order_id.clone(),
                closing_trade_side: f.trade_side.clone(),
                closed_ms: f.ts_ms,
            });
        }
    }
    let opens = !closes || (effect(&f.trade_side) == Effect::Net && rest > Decimal::ZERO);
    if opens && rest > Decimal::ZERO {
        let share = if closes { Decimal::ZERO } else { fee_cost };
        let lot = lots
            .entry((f.symbol.clone(), f.buy))
            .or_insert_with(|| Lot::new(&f.symbol, f.buy, Some(f.ts_ms)));
        lot.size += rest;
        lot.opened_size += rest;
        lot.entry_value += rest * f.price;
        lot.fees += share;
        out.opened = Some((f.buy, rest));
    }
    out
}

/// Closes up to the fill's size of the lot `key`; returns the size it closed. A close with
/// no lot in view (opened before the journal kept fills) takes its entry from the
/// exchange's PnL: for a long, profit = (exit − entry) × size.
fn close_part(lots: &mut Lots, key: &(String, bool), f: &FillRow, fee_cost: Decimal) -> Decimal {
    let long = key.1;
    let lot = lots.entry(key.clone()).or_insert_with(|| {
        let mut l = Lot::new(&f.symbol, long, None);
        let per_unit = if f.size.is_zero() {
            Decimal::ZERO
        } else {
            f.profit / f.size
        };
        let entry = if long {
            f.price - per_unit
        } else {
            f.price + per_unit
        };
        l.size = f.size;
        l.opened_size = f.size;
        l.entry_value = entry * f.size;
        l
    });
    // A close beyond what we saw opened still closes the whole fill: the exchange is the
    // judge of the position, the lot only of its history.
    let q = if effect(&f.trade_side) == Effect::Net {
        f.size.min(lot.size)
    } else {
        f.size
    };
    lot.size = (lot.size - q).max(Decimal::ZERO);
    lot.closed_size += q;
    lot.exit_value += q * f.price;
    lot.pnl += f.profit;
    lot.fees += fee_cost;
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn fill(id: &str, buy: bool, ts: &str, price: Decimal, size: Decimal) -> FillRow {
        FillRow {
            trade_id: id.into(),
            order_id: format!("o{id}"),
            client_oid: None,
            symbol: "BTCUSDT".into(),
            buy,
            trade_side: ts.into(),
            price,
            size,
            fee: -(price * size * dec!(0.0006)),
            profit: Decimal::ZERO,
            ts_ms: id.parse().unwrap_or(0),
        }
    }

    #[test]
    fn one_way_long_opened_in_two_fills_and_closed_in_one() {
        let mut lots = Lots::new();
        let a = apply(
            &mut lots,
            &fill("1", true, "buy_single", dec!(100), dec!(1)),
        );
        assert_eq!(a.opened, Some((true, dec!(1))));
        apply(
            &mut lots,
            &fill("2", true, "buy_single", dec!(110), dec!(1)),
        );
        let mut close = fill("3", false, "sell_single", dec!(120), dec!(2));
        close.profit = dec!(30);
        let done = apply(&mut lots, &close).closed.unwrap();
        assert!(lots.is_empty());
        assert_eq!(done.entry_price(), Some(dec!(105)));
        assert_eq!(done.exit_price(), Some(dec!(120)));
        assert_eq!(done.lot.pnl, dec!(30));
        assert_eq!(done.lot.opened_ms, Some(1));
        assert_eq!(done.closed_ms, 3);
        // Fees of all three fills, as a cost.
        assert_eq!(done.lot.fees, dec!(0.06) + dec!(0.066) + dec!(0.144));
    }

    #[test]
    fn hedge_short_partial_closes_end_the_trade_on_the_last_fill() {
        let mut lots = Lots::new();
        apply(&mut lots, &fill("1", false, "open", dec!(100), dec!(2)));
        let first = apply(&mut lots, &fill("2", true, "close", dec!(90), dec!(1)));
        assert!(first.closed.is_none(), "half closed");
        let last = apply(&mut lots, &fill("3", true, "close", dec!(80), dec!(1)));
        let done = last.closed.unwrap();
        assert!(!done.lot.long);
        assert_eq!(done.exit_price(), Some(dec!(85)));
        assert_eq!(done.closing_fill, "3");
    }

    #[test]
    fn liquidation_and_a_close_with_no_lot_in_view() {
        assert!(is_liquidation("burst_close_long"));
        assert!(is_liquidation("burst_sell_single"));
        assert!(!is_liquidation("sell_single"));
        let mut lots = Lots::new();
        // Opened before the journal kept fills: entry from the PnL, 10 × 0.5 = 5 lost.
        let mut burst = fill("9", false, "burst_close_long", dec!(90), dec!(0.5));
        burst.profit = dec!(-5);
        let done = apply(&mut lots, &burst).closed.unwrap();
        assert_eq!(done.entry_price(), Some(dec!(100)));
        assert_eq!(done.lot.opened_ms, None);
        assert!(lots.is_empty());
    }

    #[test]
    fn a_one_way_fill_through_zero_closes_then_opens_the_rest() {
        let mut lots = Lots::new();
        apply(
            &mut lots,
            &fill("1", true, "buy_single", dec!(100), dec!(1)),
        );
        let flip = apply(
            &mut lots,
            &fill("2", false, "sell_single", dec!(101), dec!(3)),
        );
        assert!(flip.closed.is_some());
        assert_eq!(flip.opened, Some((false, dec!(2))));
        assert_eq!(lots[&("BTCUSDT".to_string(), false)].size, dec!(2));
    }
}
