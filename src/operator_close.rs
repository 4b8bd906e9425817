//! `POST /close/{symbol}` / `viper close SYMBOL`: closes one symbol's position at market with
//! a reduce-only order that goes through the gate and the router like every order (journal
//! reason [`MANUAL_CLOSE`]), then answers once the exchange shows the symbol flat, or with a
//! timeout answer. No other symbol is touched.

use crate::operator::{Handles, Reply};
use rust_decimal::Decimal;
use serde_json::json;
use std::time::Duration;
use tokio::time::Instant;
use viper_actors::intent::{Direction, OrderIntent};
use viper_actors::refusal::Refusal;
use viper_actors::risk_manager::{Submit, SubmitError};
use viper_bitget::models::{HoldSide, Position};

/// The journal reason of an operator's close: the one the trade log reads as the exit
/// reason `manual_close`.
pub const MANUAL_CLOSE: &str = viper_actors::trade_log::MANUAL_CLOSE_REASON;

/// How long a close waits for the exchange to show the symbol flat.
pub const CONFIRM_WITHIN: Duration = Duration::from_secs(20);

/// A symbol as the operator may write it: letters and digits, 2 to 40 of them (any case).
pub fn parse_symbol(raw: &str) -> Option<String> {
    let ok = (2..=40).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_alphanumeric());
    ok.then(|| raw.to_ascii_uppercase())
}

/// Closes `raw`'s position (both sides in hedge mode) and waits until it is flat.
pub async fn close(h: &Handles, raw: &str) -> Reply {
    let Some(symbol) = parse_symbol(raw) else {
        return Reply::error(
            400,
            "bad_symbol",
            format!("{raw:?} is not a symbol (letters and digits, e.g. BTCUSDT)"),
        );
    };
    if !h.contracts.contains(&symbol) {
        return Reply::error(
            404,
            "unknown_symbol",
            format!("unknown symbol {symbol}: not a USDT-M perpetual contract on this exchange"),
        );
    }
    if !h.closing.borrow_mut().insert(symbol.clone()) {
        return Reply::error(
            409,
            "close_in_progress",
            format!("a close of {symbol} is already in progress"),
        );
    }
    let reply = close_symbol(h, &symbol).await;
    h.closing.borrow_mut().remove(&symbol);
    reply
}

async fn open_positions(h: &Handles, symbol: &str) -> Result<Vec<Position>, Reply> {
    match h.rest.single_position(symbol).await {
        Ok(p) => Ok(p.into_iter().filter(Position::is_open).collect()),
        Err(e) => Err(Reply::error(
            502,
            "exchange",
            format!("reading the {symbol} position: {e}"),
        )),
    }
}

async fn close_symbol(h: &Handles, symbol: &str) -> Reply {
    let started = Instant::now();
    let positions = match open_positions(h, symbol).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if positions.is_empty() {
        return Reply::error(
            409,
            "no_position",
            format!("no open position in {symbol}; nothing to close"),
        );
    }
    let mut sent = Vec::new();
    for p in &positions {
        match submit_close(h, p).await {
            Ok(oid) => sent.push(json!({ "side": side(p), "size": p.total.0, "client_oid": oid })),
            Err(r) => return r,
        }
    }
    tracing::warn!(%symbol, orders = sent.len(), "manual close sent; waiting for the exchange to show it flat");
    let deadline = started + CONFIRM_WITHIN;
    loop {
        if let Ok(left) = open_positions(h, symbol).await
            && left.is_empty()
        {
            let took = started.elapsed().as_millis() as u64;
            tracing::warn!(%symbol, took_ms = took, "manual close confirmed: flat");
            return Reply::ok(
                json!({ "symbol": symbol, "flat": true, "closed": sent, "took_ms": took }),
            );
        }
        if Instant::now() >= deadline {
            return Reply {
                status: 504,
                body: json!({
                    "error": format!("close of {symbol} sent, but the exchange does not show it flat after {} s; check `viper status`", CONFIRM_WITHIN.as_secs()),
                    "code": "not_confirmed", "symbol": symbol, "flat": false, "closed": sent,
                }),
            };
        }
        actix_rt::time::sleep(Duration::from_millis(300)).await;
    }
}

fn side(p: &Position) -> &'static str {
    match p.hold_side {
        HoldSide::Long | HoldSide::Buy => "long",
        HoldSide::Short | HoldSide::Sell => "short",
    }
}

/// One reduce-only market order for the whole position, through the gate (retried briefly
/// while the gate throttles); answers its clientOid.
async fn submit_close(h: &Handles, p: &Position) -> Result<String, Reply> {
    let intent = OrderIntent {
        symbol: p.symbol.clone(),
        direction: if side(p) == "long" {
            Direction::Sell
        } else {
            Direction::Buy
        },
        size: p.total.0,
        limit_price: None,
        reduce_only: true,
        take_profit: None,
        stop_loss: None,
        reason: MANUAL_CLOSE.into(),
    };
    let price = p.mark_price.map_or(p.open_price_avg.0, |m| m.0);
    for attempt in 0..10u32 {
        let submit = Submit {
            intent: intent.clone(),
            price: price.max(Decimal::ZERO),
        };
        match h.risk.send(submit).await {
            Ok(Ok(placed)) => return Ok(placed.client_oid),
            Ok(Err(SubmitError::Refused(Refusal::Throttled { .. }))) if attempt < 9 => {
                actix_rt::time::sleep(Duration::from_millis(250)).await;
            }
            Ok(Err(SubmitError::Refused(r))) => {
                return Err(Reply::error(
                    409,
                    r.reason(),
                    format!("the gate refused the close: {r}"),
                ));
            }
            Ok(Err(e)) => {
                return Err(Reply::error(
                    502,
                    "order",
                    format!("close of {}: {e}", p.symbol),
                ));
            }
            Err(e) => return Err(Reply::error(503, "stopping", format!("risk manager: {e}"))),
        }
    }
    Err(Reply::error(409, "throttled", "the gate stayed throttled"))
}
