//! The trade recorder's output for people: a log line and a notice for every opening fill
//! and every ended position (the notice goes to the notification relay).

use crate::notice::TradeNotice;
use crate::trade_book::FillRow;
use crate::trade_log::{Trade, TradeLog};
use rust_decimal::Decimal;

/// One entry line per opening fill (symbol, side, size, price, TP, SL, reason), and its
/// notice.
pub(crate) fn entry(log: &TradeLog, f: &FillRow, long: bool, size: Decimal) -> TradeNotice {
    let plan = log.entry_plan(&f.order_id).ok().flatten();
    let (tp, sl, why) = plan.map_or((None, None, "not placed by this bot".into()), |p| {
        (p.take_profit, p.stop_loss, p.reason)
    });
    metrics::counter!("viper_trade_entries_total").increment(1);
    tracing::info!(
        actor = "trade_recorder", symbol = %f.symbol, side = if long { "long" } else { "short" },
        %size, price = %f.price, take_profit = tp.as_deref().unwrap_or("none"),
        stop_loss = sl.as_deref().unwrap_or("none"), reason = %why, order_id = %f.order_id,
        "entry filled"
    );
    TradeNotice {
        symbol: f.symbol.clone(),
        long,
        size,
        price: Some(f.price),
        pnl: None,
        fee: None,
        reason: Some(why),
    }
}

/// One exit line per ended position, whatever ended it, and its notice.
pub(crate) fn exit(t: &Trade) -> TradeNotice {
    metrics::counter!("viper_trade_exits_total", "reason" => t.exit_reason.as_str()).increment(1);
    let opt = |p: Option<Decimal>| p.map_or("unknown".to_string(), |p| p.to_string());
    let held = t.holding_ms.map_or("unknown".to_string(), |ms| {
        format!("{:.1}s", ms as f64 / 1000.0)
    });
    tracing::info!(
        actor = "trade_recorder", symbol = %t.symbol, side = %t.side, size = %t.size.normalize(),
        entry = %opt(t.entry_price), exit = %opt(t.exit_price), pnl = %t.realised_pnl.normalize(),
        fees = %t.fees.normalize(), net = %t.net_pnl.normalize(), holding = %held, reason = %t.exit_reason,
        "position closed"
    );
    TradeNotice {
        symbol: t.symbol.clone(),
        long: t.side == "long",
        size: t.size.normalize(),
        price: t.exit_price.map(|p| p.normalize()),
        pnl: Some(t.realised_pnl.normalize()),
        // The notice's convention: negative = paid.
        fee: Some(-t.fees.normalize()),
        reason: Some(t.exit_reason.as_str().to_string()),
    }
}
