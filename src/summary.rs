//! The `/api/v1/summary` document (mode, trading state, equity and PnL, positions with their
//! exchange-side TP/SL, open orders, connection health) and its human tables for
//! `viper status`.

use crate::holdings::{OrderRow, PositionRow};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The trading state as the operator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TradingView {
    /// `active`, `paused`, `emergency-latched`, `halted` or `reducing`.
    pub state: String,
    /// The latch's or the pause's reason.
    pub reason: Option<String>,
}

/// Everything `viper status` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `live`, `demo` or `paper`.
    pub mode: String,
    /// The exchange's REST base URL.
    pub exchange: String,
    /// Trading state.
    pub trading: TradingView,
    /// Equity, USDT.
    pub equity: Decimal,
    /// Available to open, USDT.
    pub available: Decimal,
    /// Unrealised PnL of open positions, USDT.
    pub unrealised_pnl: Decimal,
    /// Realised PnL since this process started (wallet balance change), USDT.
    pub realised_pnl: Decimal,
    /// Open positions.
    pub positions: Vec<PositionRow>,
    /// Open normal orders.
    pub orders: Vec<OrderRow>,
    /// The `/ready` document (verdict, reasons, connections).
    pub health: serde_json::Value,
    /// When it was read, exchange ms.
    pub at_ms: i64,
}

fn opt(v: Option<Decimal>) -> String {
    v.map_or_else(|| "-".into(), |d| d.normalize().to_string())
}

fn age(secs: Option<i64>) -> String {
    match secs {
        None => "-".into(),
        Some(s) if s < 120 => format!("{s}s"),
        Some(s) if s < 7200 => format!("{}m", s / 60),
        Some(s) => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// Pads each column to its widest cell.
fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = head.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("    {}\n", padded.join("  ").trim_end())
    };
    let mut o = line(head.iter().map(|h| (*h).to_owned()).collect());
    for r in rows {
        o.push_str(&line(r.clone()));
    }
    o
}

/// Mode, state, money, then the positions and orders tables.
pub fn render(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "  mode:             {} ({})", s.mode, s.exchange);
    let reason = s
        .trading
        .reason
        .as_deref()
        .map_or(String::new(), |r| format!(" ({r})"));
    let _ = writeln!(o, "  trading state:    {}{reason}", s.trading.state);
    let _ = writeln!(
        o,
        "  money:            equity {} USDT, available {}, unrealised PnL {}, realised PnL {} since start",
        s.equity.normalize(),
        s.available.normalize(),
        s.unrealised_pnl.normalize(),
        s.realised_pnl.normalize()
    );
    let _ = writeln!(o, "  positions:        {}", s.positions.len());
    if !s.positions.is_empty() {
        o.push_str(&positions_table(&s.positions));
    }
    let _ = writeln!(o, "  open orders:      {}", s.orders.len());
    if !s.orders.is_empty() {
        o.push_str(&orders_table(&s.orders));
    }
    if let Some(conns) = s.health.get("connections").and_then(|c| c.as_object()) {
        let list: Vec<String> = conns
            .iter()
            .map(|(k, c)| {
                let up = if c["connected"].as_bool() == Some(true) {
                    "up"
                } else {
                    "DOWN"
                };
                format!("{k} {up} ({} reconnects)", c["reconnects"])
            })
            .collect();
        let _ = writeln!(o, "  connections:      {}", list.join(", "));
    }
    o
}

fn positions_table(positions: &[PositionRow]) -> String {
    let rows: Vec<Vec<String>> = positions
        .iter()
        .map(|p| {
            vec![
                p.symbol.clone(),
                p.side.clone(),
                p.size.normalize().to_string(),
                p.entry.normalize().to_string(),
                opt(p.mark),
                opt(p.unrealised_pnl),
                opt(p.take_profit),
                opt(p.stop_loss),
                age(p.age_secs),
            ]
        })
        .collect();
    let head = [
        "SYMBOL", "SIDE", "SIZE", "ENTRY", "MARK", "UPNL", "TP", "SL", "AGE",
    ];
    table(&head, &rows)
}

fn orders_table(orders: &[OrderRow]) -> String {
    let rows: Vec<Vec<String>> = orders
        .iter()
        .map(|x| {
            vec![
                x.symbol.clone(),
                x.side.clone(),
                x.order_type.clone(),
                x.size.normalize().to_string(),
                x.filled.normalize().to_string(),
                opt(x.price),
                if x.reduce_only { "yes" } else { "no" }.into(),
                x.client_oid.clone().unwrap_or_else(|| "-".into()),
                age(Some(x.age_secs)),
            ]
        })
        .collect();
    let head = [
        "SYMBOL",
        "SIDE",
        "TYPE",
        "SIZE",
        "FILLED",
        "PRICE",
        "REDUCE",
        "CLIENT OID",
        "AGE",
    ];
    table(&head, &rows)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tables_show_the_state_each_position_with_tp_sl_and_each_order() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let s = Summary {
            mode: "live".into(),
            exchange: "https://api.bitget.com".into(),
            trading: TradingView {
                state: "paused".into(),
                reason: Some("operator pause: maintenance".into()),
            },
            equity: d("101.50"),
            available: d("99"),
            unrealised_pnl: d("-0.2"),
            realised_pnl: d("1.7"),
            positions: vec![PositionRow {
                symbol: "BTCUSDT".into(),
                side: "long".into(),
                size: d("0.0001"),
                entry: d("65000.5"),
                mark: Some(d("64900")),
                unrealised_pnl: Some(d("-0.01")),
                take_profit: Some(d("68900")),
                stop_loss: None,
                margin: None,
                leverage: d("10"),
                opened_ms: Some(0),
                age_secs: Some(3725),
            }],
            orders: vec![OrderRow {
                symbol: "XRPUSDT".into(),
                side: "buy".into(),
                trade_side: None,
                order_type: "limit".into(),
                size: d("16"),
                filled: d("0"),
                price: Some(d("0.5")),
                reduce_only: false,
                client_oid: Some("vp1x2".into()),
                order_id: "9".into(),
                age_secs: 30,
            }],
            health: serde_json::json!({"connections": {"ws_public": {"connected": true, "reconnects": 2}}}),
            at_ms: 0,
        };
        let out = render(&s);
        for want in [
            "live (https://api.bitget.com)",
            "trading state:    paused (operator pause: maintenance)",
            "equity 101.5 USDT",
            "realised PnL 1.7",
            "BTCUSDT  long  0.0001  65000.5  64900  -0.01  68900  -   62m",
            "XRPUSDT  buy   limit  16",
            "ws_public up (2 reconnects)",
        ] {
            assert!(out.contains(want), "{want:?} missing:\n{out}");
        }
    }
}
