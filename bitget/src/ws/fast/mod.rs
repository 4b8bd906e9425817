//! The hot-path decoder for the two high-rate public pushes, `ticker` and `books*`: one
//! pass over the bytes, strings borrowed from the frame, only the typed fields parsed and
//! every other value skipped (still validated as JSON). The cursor is in [`reader`].
//!
//! It accepts a strict subset of what the general decoder in [`super::decode`] accepts and
//! gives the same result on it. Anything outside the subset — another channel, an event,
//! escapes in strings, numbers in unusual shapes, duplicate keys, `data` before `arg`, any
//! error at all — returns `None` and the frame goes through the general decoder, which keeps
//! every tolerance and produces the error message.

use rust_decimal::Decimal;

use reader::{Num, R, Rd};

use super::frame::{Action, Frame, Push, PushData};
use super::public::{RawBook, RawLevel, Ticker};
use super::subscriptions::SubArg;
use crate::models::de::Wire;
use crate::models::{Price, Size, SymbolType};

mod reader;

/// Decodes a `ticker` or `books*` push, or returns `None`.
pub(crate) fn decode(text: &str) -> R<Frame> {
    let mut r = Rd {
        s: text,
        b: text.as_bytes(),
        i: 0,
    };
    let mut channel: Option<&str> = None;
    let mut inst: Option<&str> = None;
    let mut coin: Option<&str> = None;
    let mut action: Option<&str> = None;
    let mut ts: Option<i64> = None;
    let mut data: Option<PushData> = None;
    let mut seen = 0u32;
    r.object(|r, key| {
        match key {
            "arg" => {
                r.once(&mut seen, 0)?;
                let mut seen_arg = 0u32;
                r.object(|r, k| {
                    match k {
                        "channel" => {
                            r.once(&mut seen_arg, 0)?;
                            channel = r.opt_str()?;
                        }
                        "instId" => {
                            r.once(&mut seen_arg, 1)?;
                            inst = r.opt_str()?;
                        }
                        "coin" => {
                            r.once(&mut seen_arg, 2)?;
                            coin = r.opt_str()?;
                        }
                        _ => r.skip(0)?,
                    }
                    Some(())
                })?;
                if !matches!(
                    channel?,
                    "ticker" | "books" | "books1" | "books5" | "books15"
                ) {
                    return None;
                }
            }
            "action" => {
                r.once(&mut seen, 1)?;
                action = Some(r.str()?);
            }
            "ts" => {
                r.once(&mut seen, 2)?;
                ts = r.opt_int()?;
            }
            "data" => {
                r.once(&mut seen, 3)?;
                data = Some(match channel? {
                    "ticker" => PushData::Ticker(r.list(Rd::ticker)?),
                    "books" | "books1" | "books5" | "books15" => PushData::Book(r.list(Rd::book)?),
                    _ => return None,
                });
            }
            // Server events, and anything the general decoder would look at.
            "event" | "code" | "msg" => return None,
            _ => r.skip(0)?,
        }
        Some(())
    })?;
    if r.peek().is_some() {
        return None;
    }
    let action = if action?.eq_ignore_ascii_case("update") {
        Action::Update
    } else {
        Action::Snapshot
    };
    Some(Frame::Push(Push {
        arg: SubArg::from_wire(channel?, inst.or(coin)?),
        action,
        ts,
        data: data?,
    }))
}

impl Rd<'_> {
    fn ticker(&mut self) -> R<Ticker> {
        let mut t = Ticker {
            inst_id: String::new(),
            last_pr: Price(Decimal::ZERO),
            bid_pr: None,
            ask_pr: None,
            bid_sz: None,
            ask_sz: None,
            open_24h: None,
            high_24h: None,
            low_24h: None,
            change_24h: None,
            funding_rate: None,
            next_funding_time: None,
            mark_price: None,
            index_price: None,
            holding_amount: None,
            base_volume: None,
            quote_volume: None,
            symbol_type: None,
            ts: None,
        };
        let mut seen = 0u32;
        self.object(|r, key| {
            let (bit, field): (u32, &mut Option<Decimal>) = match key {
                "instId" => {
                    r.once(&mut seen, 0)?;
                    t.inst_id = r.str()?.to_owned();
                    return Some(());
                }
                "lastPr" => {
                    r.once(&mut seen, 1)?;
                    // Required: `""`/`null` fall back (the general decoder errs).
                    t.last_pr = r.opt_dec()??;
                    return Some(());
                }
                "bidPr" => return r.opt_price(&mut seen, 2, &mut t.bid_pr),
                "askPr" => return r.opt_price(&mut seen, 3, &mut t.ask_pr),
                "bidSz" => return r.opt_size(&mut seen, 4, &mut t.bid_sz),
                "askSz" => return r.opt_size(&mut seen, 5, &mut t.ask_sz),
                "open24h" => return r.opt_price(&mut seen, 6, &mut t.open_24h),
                "high24h" => return r.opt_price(&mut seen, 7, &mut t.high_24h),
                "low24h" => return r.opt_price(&mut seen, 8, &mut t.low_24h),
                "change24h" => (9, &mut t.change_24h),
                "fundingRate" => (10, &mut t.funding_rate),
                "nextFundingTime" => {
                    r.once(&mut seen, 11)?;
                    t.next_funding_time = r.opt_int()?;
                    return Some(());
                }
                "markPrice" => return r.opt_price(&mut seen, 12, &mut t.mark_price),
                "indexPrice" => return r.opt_price(&mut seen, 13, &mut t.index_price),
                "holdingAmount" => return r.opt_size(&mut seen, 14, &mut t.holding_amount),
                "baseVolume" => return r.opt_size(&mut seen, 15, &mut t.base_volume),
                "quoteVolume" => (16, &mut t.quote_volume),
                "symbolType" => {
                    r.once(&mut seen, 17)?;
                    t.symbol_type = match r.num()? {
                        Num::Text("") | Num::Null => None,
                        Num::Text(s) => Some(SymbolType::from_wire(s)?),
                        // Bitget's documentation writes it as a number (`1`).
                        Num::Int(1) => Some(SymbolType::Perpetual),
                        Num::Int(2) => Some(SymbolType::Delivery),
                        Num::Int(v) => Some(SymbolType::from_wire(&v.to_string())?),
                    };
                    return Some(());
                }
                "ts" => {
                    r.once(&mut seen, 18)?;
                    t.ts = r.opt_int()?;
                    return Some(());
                }
                _ => return r.skip(0),
            };
            r.once(&mut seen, bit)?;
            *field = r.opt_dec()?;
            Some(())
        })?;
        // `instId` and `lastPr` are required.
        (seen & 0b11 == 0b11).then_some(t)
    }

    #[inline]
    fn opt_price(&mut self, seen: &mut u32, bit: u32, f: &mut Option<Price>) -> R<()> {
        self.once(seen, bit)?;
        *f = self.opt_dec()?;
        Some(())
    }

    #[inline]
    fn opt_size(&mut self, seen: &mut u32, bit: u32, f: &mut Option<Size>) -> R<()> {
        self.once(seen, bit)?;
        *f = self.opt_dec()?;
        Some(())
    }

    fn book(&mut self) -> R<RawBook> {
        let mut b = RawBook {
            asks: Vec::new(),
            bids: Vec::new(),
            checksum: None,
            seq: None,
            pseq: None,
            ts: None,
        };
        let mut seen = 0u32;
        self.object(|r, key| {
            match key {
                "asks" => {
                    r.once(&mut seen, 0)?;
                    b.asks = r.levels()?;
                }
                "bids" => {
                    r.once(&mut seen, 1)?;
                    b.bids = r.levels()?;
                }
                "checksum" => {
                    r.once(&mut seen, 2)?;
                    b.checksum = r.opt_int()?;
                }
                "seq" => {
                    r.once(&mut seen, 3)?;
                    b.seq = r.opt_int()?;
                }
                "pseq" => {
                    r.once(&mut seen, 4)?;
                    b.pseq = r.opt_int()?;
                }
                "ts" => {
                    r.once(&mut seen, 5)?;
                    b.ts = r.opt_int()?;
                }
                _ => r.skip(0)?,
            }
            Some(())
        })?;
        Some(b)
    }

    /// `[[price, size], …]` of strings, or `null` (empty).
    fn levels(&mut self) -> R<Vec<RawLevel>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(Vec::new());
        }
        let mut out = Vec::with_capacity(16);
        self.array(|r| {
            r.eat(b'[')?;
            let p = r.str()?;
            r.eat(b',')?;
            let z = r.str()?;
            loop {
                match r.peek()? {
                    b',' => {
                        r.i += 1;
                        r.skip(0)?;
                    }
                    b']' => {
                        r.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
            out.push(RawLevel::parse(p, z).ok()?);
            Some(())
        })?;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::reader::special;
    use super::*;
    use proptest::prelude::*;

    const TICKER: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"ticker","instId":"BTCUSDT"},"data":[{"instId":"BTCUSDT","lastPr":"43480.4","bidPr":"43476.3","askPr":"43476.8","bidSz":"0.1","askSz":"3.055","open24h":"42252.3","high24h":"44518.2","low24h":"41387.0","change24h":"0.03875","fundingRate":"0.000096","nextFundingTime":"1701849600000","markPrice":"43476.4","indexPrice":"43478.4","holdingAmount":"50670.787","baseVolume":"120187.104","quoteVolume":"5167385048.693","openUtc":"44071.4","symbolType":"1","symbol":"BTCUSDT","deliveryPrice":"0","ts":"1701843962811"}],"ts":1701843962812}"#;
    const TICKER_ODD: &str = r#" { "ts" : "" , "action":"UPDATE","arg":{"instType":"USDT-FUTURES","channel":"ticker","instId":"btcusdt","x":[1,-2.5e3,{"a":[true,false,null]}]},"data":[{"instId":"BTCUSDT","lastPr":43480,"bidPr":"","askPr":null,"bidSz":"1e-3","symbolType":"PERPETUAL","ts":1701843962811,"nextFundingTime":""}]} "#;
    const BOOKS: &str = r#"{"action":"update","arg":{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[["27000.5","8.760"],["27001.0","0.400","x"]],"bids":null,"checksum":-12345,"seq":"124","pseq":123,"ts":"1695716059516"}],"ts":1695716059516}"#;
    const ACCOUNT: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"account","coin":"default"},"data":[{"marginCoin":"USDT","available":"26.14309528"}],"ts":1701932570822}"#;

    fn general(text: &str) -> Result<Frame, super::super::DecodeError> {
        super::super::decode::decode_general(text)
    }

    /// Whenever the fast path answers, the general decoder answers the same (exactly:
    /// `Debug` shows each decimal's scale).
    fn agrees(text: &str) -> bool {
        match decode(text) {
            None => false,
            Some(f) => {
                let g = general(text).unwrap_or_else(|e| panic!("fast accepted {text}: {e}"));
                assert_eq!(format!("{f:?}"), format!("{g:?}"), "{text}");
                true
            }
        }
    }

    #[test]
    fn the_hot_frames_take_the_fast_path_and_agree() {
        assert!(agrees(TICKER));
        assert!(agrees(TICKER_ODD));
        assert!(agrees(BOOKS));
        assert!(!agrees(ACCOUNT), "other channels use the general decoder");
        assert!(!agrees(r#"{"event":"login","code":0}"#));
        assert!(!agrees("pong"));
        // Duplicate keys, escapes, data before arg, floats in numeric fields: general path.
        assert!(!agrees(
            &TICKER.replace(r#""bidSz":"0.1""#, r#""bidSz":"0.1","bidSz":"0.2""#)
        ));
        assert!(!agrees(
            &TICKER.replace("\"symbol\":\"BTCUSDT", "\"symbol\":\"BTC\\u0055SDT")
        ));
        assert!(!agrees(
            &TICKER.replace(r#""lastPr":"43480.4""#, r#""lastPr":43480.4"#)
        ));
        assert!(!agrees(
            r#"{"data":[],"action":"snapshot","arg":{"channel":"ticker","instId":"X"}}"#
        ));
    }

    proptest! {
        #[test]
        fn special_finds_the_first_special_byte(b in proptest::collection::vec(any::<u8>(), 0..40)) {
            let naive = b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            prop_assert_eq!(special(&b), naive);
        }

        #[test]
        fn mutated_hot_frames_agree_with_the_general_decoder(
            which in 0usize..3,
            pos in 0usize..2000,
            len in 0usize..12,
            junk in "[\\[\\]{}\",:0-9a-zA-Z.eE+ \\\\\t-]{0,10}",
        ) {
            let f = [TICKER, TICKER_ODD, BOOKS][which];
            let mut bytes = f.as_bytes().to_vec();
            let at = pos % bytes.len();
            let end = (at + len).min(bytes.len());
            bytes.splice(at..end, junk.bytes());
            if let Ok(s) = std::str::from_utf8(&bytes) {
                let _ = agrees(s);
            }
        }
    }
}
