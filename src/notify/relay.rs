//! NotifyRelay: turns what the bot's actors already publish into notices. Account snapshots
//! give entries and exits (a position that appears or disappears; an exit's price, PnL and
//! fees come from the exchange's fills, read once off the trading path), trading-state
//! changes give the emergency stop and pause/resume, the watchdogs' restarts and the
//! WebSockets' losses and recoveries give the rest. It only ever hands notices to the
//! non-blocking [`NotifyHandle`].

use super::deliver::NotifyHandle;
use actix::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::time::Duration;
use viper_actors::events::{
    AccountSnapshot, ConnectionEvent, ConnectionKind, PositionView, TradingStateChanged,
};
use viper_actors::notice::{Notice, TradeNotice};
use viper_actors::supervisor::Restarted;
use viper_bitget::RestClient;
use viper_bitget::models::{Fill, OrderListQuery, Side, TradeSide};

/// Open positions by (symbol, long).
type Book = BTreeMap<(String, bool), PositionView>;

/// The relay actor.
pub struct NotifyRelay {
    rest: RestClient,
    out: NotifyHandle,
    book: Option<Book>,
}

impl NotifyRelay {
    /// Reads fills through `rest`, hands notices to `out`.
    pub fn new(rest: RestClient, out: NotifyHandle) -> Self {
        Self {
            rest,
            out,
            book: None,
        }
    }
}

impl Actor for NotifyRelay {
    type Context = Context<Self>;
}

/// Positions in `now` absent from `before` (entries) and the reverse (exits).
fn diff(before: &Book, now: &Book) -> (Vec<PositionView>, Vec<PositionView>) {
    let new = |a: &Book, b: &Book| -> Vec<PositionView> {
        a.iter()
            .filter(|(k, _)| !b.contains_key(*k))
            .map(|(_, p)| p.clone())
            .collect()
    };
    (new(now, before), new(before, now))
}

/// True when `f` reduces the `long` (or short) position: hedge mode says `close` with the
/// position's side, one-way mode trades against the position.
fn closes(f: &Fill, long: bool) -> bool {
    let buy = f.side == Side::Buy;
    match f.trade_side {
        Some(TradeSide::Close) => buy == long,
        Some(TradeSide::Open) => false,
        _ => buy != long,
    }
}

/// The exit of `p` from the newest fills (newest first): the closing fills back to the
/// opening one, as an average price, a PnL and fees; None when they do not cover the size.
fn exit_from_fills(p: &PositionView, fills: &[Fill]) -> Option<TradeNotice> {
    let (mut size, mut notional, mut pnl, mut fee) =
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let mut newest: Vec<&Fill> = fills.iter().filter(|f| f.symbol == p.symbol).collect();
    newest.sort_by_key(|f| std::cmp::Reverse(f.c_time));
    for f in newest {
        if !closes(f, p.long) {
            break;
        }
        size += f.base_volume.0;
        notional += f.base_volume.0 * f.price.0;
        pnl += f.profit.unwrap_or_default();
        fee += f
            .fee_detail
            .iter()
            .filter_map(|d| d.total_fee)
            .sum::<Decimal>();
        if size >= p.size {
            break;
        }
    }
    (size >= p.size && !size.is_zero()).then(|| TradeNotice {
        symbol: p.symbol.clone(),
        long: p.long,
        size,
        price: Some((notional / size).normalize()),
        pnl: Some(pnl.normalize()),
        fee: Some(fee.normalize()),
        reason: None,
    })
}

fn entry_notice(p: &PositionView) -> TradeNotice {
    TradeNotice {
        symbol: p.symbol.clone(),
        long: p.long,
        size: p.size,
        price: Some(p.entry),
        pnl: None,
        fee: None,
        reason: None,
    }
}

/// Reads the fills of the closed position (a second read if the exchange has not listed them
/// yet) and sends its exit; without them the exit is still sent, price unknown.
async fn exit_notice(rest: RestClient, p: PositionView) -> TradeNotice {
    let query = OrderListQuery {
        symbol: Some(p.symbol.clone()),
        limit: Some(50),
        ..OrderListQuery::default()
    };
    for attempt in 0..2 {
        if attempt > 0 {
            actix_rt::time::sleep(Duration::from_secs(2)).await;
        }
        match rest.fills(&query).await {
            Ok(f) => {
                if let Some(n) = exit_from_fills(&p, &f.fill_list) {
                    return n;
                }
            }
            Err(e) => tracing::debug!(error = %e, symbol = %p.symbol, "fills for an exit notice"),
        }
    }
    TradeNotice {
        price: None,
        ..entry_notice(&p)
    }
}

impl Handler<AccountSnapshot> for NotifyRelay {
    type Result = ();
    fn handle(&mut self, s: AccountSnapshot, ctx: &mut Self::Context) {
        let now: Book = s
            .positions
            .into_iter()
            .map(|p| ((p.symbol.clone(), p.long), p))
            .collect();
        // The first snapshot is what the bot found at start: not news.
        let Some(before) = self.book.replace(now.clone()) else {
            return;
        };
        let (entries, exits) = diff(&before, &now);
        for p in exits {
            let (rest, out) = (self.rest.clone(), self.out.clone());
            ctx.spawn(
                async move { out.send(&Notice::Exit(exit_notice(rest, p).await)) }.into_actor(self),
            );
        }
        for p in entries {
            self.out.send(&Notice::Entry(entry_notice(&p)));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pos(symbol: &str, long: bool, size: &str) -> PositionView {
        PositionView {
            symbol: symbol.into(),
            long,
            size: size.parse().unwrap_or_default(),
            entry: Decimal::ONE_HUNDRED,
            margin: Decimal::ONE,
            leverage: Decimal::TEN,
            stop_loss: None,
            take_profit: None,
        }
    }

    fn fill(side: &str, trade_side: &str, size: &str, price: &str, profit: &str, t: i64) -> Fill {
        serde_json::from_value(json!({
            "tradeId": t.to_string(), "symbol": "BTCUSDT", "orderId": "1", "price": price,
            "baseVolume": size, "side": side, "tradeSide": trade_side, "profit": profit,
            "feeDetail": [{"feeCoin": "USDT", "totalFee": "-0.01"}], "cTime": t.to_string()
        }))
        .unwrap_or_else(|e| panic!("fill fixture: {e}"))
    }

    #[test]
    fn diff_finds_entries_exits_and_flips() {
        let book = |ps: Vec<PositionView>| -> Book {
            ps.into_iter()
                .map(|p| ((p.symbol.clone(), p.long), p))
                .collect()
        };
        let before = book(vec![pos("BTCUSDT", true, "1"), pos("XRPUSDT", true, "5")]);
        let now = book(vec![pos("XRPUSDT", false, "5"), pos("ETHUSDT", true, "1")]);
        let (e, x) = diff(&before, &now);
        let names = |v: &[PositionView]| {
            v.iter()
                .map(|p| (p.symbol.clone(), p.long))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&e),
            [("ETHUSDT".into(), true), ("XRPUSDT".into(), false)]
        );
        assert_eq!(
            names(&x),
            [("BTCUSDT".into(), true), ("XRPUSDT".into(), true)]
        );
    }

    #[test]
    fn exit_averages_the_closing_fills_back_to_the_opening_one() {
        let fills = vec![
            fill("buy", "buy_single", "2", "90", "0", 1),
            fill("sell", "sell_single", "1", "110", "0.5", 2),
            fill("sell", "sell_single", "1", "100", "0.25", 3),
        ];
        let n = exit_from_fills(&pos("BTCUSDT", true, "2"), &fills)
            .unwrap_or_else(|| panic!("no exit"));
        assert_eq!(
            (n.size, n.price),
            ("2".parse().unwrap_or_default(), Some(Decimal::from(105)))
        );
        assert_eq!(
            (n.pnl, n.fee),
            (
                Some("0.75".parse().unwrap_or_default()),
                Some("-0.02".parse().unwrap_or_default())
            )
        );
        // Not yet listed: the closes do not cover the position.
        assert!(exit_from_fills(&pos("BTCUSDT", true, "3"), &fills).is_none());
        // Hedge mode: a close names the position's side.
        let hedge = vec![
            fill("buy", "open", "1", "90", "0", 1),
            fill("buy", "close", "1", "95", "5", 2),
        ];
        assert!(exit_from_fills(&pos("BTCUSDT", true, "1"), &hedge).is_some());
        assert!(exit_from_fills(&pos("BTCUSDT", false, "1"), &hedge).is_none());
    }
}
