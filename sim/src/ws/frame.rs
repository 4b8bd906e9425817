//! Market pushes rendered once per market move for every public subscriber, instead of once
//! per subscriber: the `ticker` push serialized once, the book's levels formatted once with
//! their checksum, and the delta from the previous move serialized once. A connection whose
//! view is that previous move sends the shared delta; any other (it subscribed in between, or
//! lagged) computes its own from the levels it was last sent, as before.

use super::book::{BookLevels, levels_json};
use super::render;
use crate::market::Market;
use serde_json::json;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

/// One symbol's market after one move.
pub struct MarketFrame {
    /// Symbol.
    pub symbol: String,
    /// Server time of the move, ms (the pushes' `ts`).
    pub ts: i64,
    /// The whole `ticker` push.
    pub ticker: String,
    /// The book's levels.
    pub book: Arc<BookLevels>,
    /// The levels of the previous move, if any was rendered.
    pub prev: Option<Arc<BookLevels>>,
    /// `book` as changes from `prev` (everything when there is none), serialized
    /// ([`levels_json`]).
    pub delta_json: String,
}

impl MarketFrame {
    /// Renders `m` at `now`; `last` holds each symbol's previously rendered levels.
    pub fn render(m: &Market, now: i64, last: &mut HashMap<String, Arc<BookLevels>>) -> Self {
        let symbol = m.spec.symbol.clone();
        let arg = json!({ "instType": "USDT-FUTURES", "channel": "ticker", "instId": symbol });
        let ticker = json!({ "action": "snapshot", "arg": arg, "data": [render::ticker(m, now)], "ts": now })
            .to_string();
        let book = Arc::new(BookLevels::of(&m.bids, &m.asks));
        let prev = last.insert(symbol.clone(), book.clone());
        let delta_json = levels_json(&book.delta_from(prev.as_deref()));
        Self {
            symbol,
            ts: now,
            ticker,
            book,
            prev,
            delta_json,
        }
    }
}

/// Which optional book fields a push carries.
pub struct BookFields {
    /// `checksum`, when the simulator sends it.
    pub checksum: Option<i32>,
    /// `pseq`, when sent (`books` only).
    pub pseq: Option<u64>,
    /// `seq`.
    pub seq: u64,
}

/// A book push as text, byte for byte what `json!(…).to_string()` wrote: serde_json orders
/// object keys alphabetically (`action, arg, data, ts`; `asks, bids, checksum, pseq, seq, ts`).
pub fn book_text(arg: &str, action: &str, levels_json: &str, f: &BookFields, ts: i64) -> String {
    let mut s = String::with_capacity(levels_json.len() + arg.len() + 120);
    let _ = write!(
        s,
        "{{\"action\":\"{action}\",\"arg\":{arg},\"data\":[{{{levels_json}"
    );
    if let Some(c) = f.checksum {
        let _ = write!(s, ",\"checksum\":{c}");
    }
    if let Some(p) = f.pseq {
        let _ = write!(s, ",\"pseq\":{p}");
    }
    let _ = write!(s, ",\"seq\":{},\"ts\":\"{ts}\"}}],\"ts\":{ts}}}", f.seq);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_symbols;
    use crate::ws::book::Delta;
    use serde_json::Value;

    #[test]
    fn book_text_is_what_json_wrote() {
        let d: Delta = (
            vec![("10".into(), "1".into()), ("9".into(), "0".into())],
            vec![("11".into(), "2.5".into())],
        );
        let arg = json!({ "instType": "USDT-FUTURES", "channel": "books", "instId": "BTCUSDT" });
        let level =
            |v: &Vec<(String, String)>| v.iter().map(|(p, s)| json!([p, s])).collect::<Vec<_>>();
        let fields = BookFields {
            checksum: Some(-42),
            pseq: Some(6),
            seq: 7,
        };
        let text = book_text(&arg.to_string(), "update", &levels_json(&d), &fields, 1_700);
        let data = json!({ "asks": level(&d.1), "bids": level(&d.0), "seq": 7, "ts": "1700",
            "checksum": -42, "pseq": 6 });
        let old = json!({ "action": "update", "arg": arg, "data": [data], "ts": 1_700 });
        assert_eq!(text, old.to_string());
        let bare = BookFields {
            checksum: None,
            pseq: None,
            seq: 1,
        };
        let text = book_text(&arg.to_string(), "snapshot", &levels_json(&d), &bare, 5);
        let v: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(v["data"][0]["seq"], 1);
        assert!(v["data"][0].get("checksum").is_none());
    }

    #[test]
    fn a_frame_carries_the_delta_from_the_previous_move() {
        let mut m = Market::new(default_symbols().remove(0), 1, 1_700_000_000_000);
        let mut last = HashMap::new();
        let first = MarketFrame::render(&m, 1, &mut last);
        assert!(first.prev.is_none());
        assert_eq!(first.delta_json, levels_json(&first.book.all()));
        m.step(1_700_000_000_250, 1.0);
        let second = MarketFrame::render(&m, 2, &mut last);
        assert!(Arc::ptr_eq(
            second.prev.as_ref().expect("prev"),
            &first.book
        ));
        let delta = second.book.delta_from(Some(&first.book));
        assert!(
            !delta.0.is_empty() && !delta.1.is_empty(),
            "a move changes the book"
        );
        assert_eq!(second.delta_json, levels_json(&delta));
        let v: Value = serde_json::from_str(&second.ticker).expect("ticker JSON");
        assert_eq!(v["data"][0]["instId"], "BTCUSDT");
        assert_eq!(v["ts"], 2);
    }
}
