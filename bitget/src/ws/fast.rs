//! The hot-path decoder for the two high-rate public pushes, `ticker` and `books*`: one
//! pass over the bytes, strings borrowed from the frame, only the typed fields parsed and
//! every other value skipped (still validated as JSON).
//!
//! It accepts a strict subset of what the general decoder in [`super::decode`] accepts and
//! gives the same result on it. Anything outside the subset — another channel, an event,
//! escapes in strings, numbers in unusual shapes, duplicate keys, `data` before `arg`, any
//! error at all — returns `None` and the frame goes through the general decoder, which keeps
//! every tolerance and produces the error message.

use rust_decimal::Decimal;

use super::decode::{Action, Frame, Push, PushData};
use super::num;
use super::public::{RawBook, RawLevel, Ticker};
use super::subscriptions::SubArg;
use crate::models::de::Wire;
use crate::models::{Price, Size, SymbolType};

/// `None` = not on the fast path (fall back to the general decoder).
type R<T> = Option<T>;

/// Nesting allowed inside skipped values before falling back.
const MAX_DEPTH: u32 = 32;

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

/// Offset of the first `"`, `\` or control character in `b` (eight bytes at a time).
#[inline]
fn special(b: &[u8]) -> R<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let v = u64::from_le_bytes(chunk.try_into().ok()?);
        let q = v ^ (LO * u64::from(b'"'));
        let s = v ^ (LO * u64::from(b'\\'));
        // Per byte: zero after the xor (a quote or backslash), or below 0x20. The lowest
        // flagged byte is exact (borrows only propagate upwards from a real match).
        let hit = ((q.wrapping_sub(LO) & !q)
            | (s.wrapping_sub(LO) & !s)
            | (v.wrapping_sub(LO * 0x20) & !v))
            & HI;
        if hit != 0 {
            return Some(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let rest = b.get(i..)?;
    rest.iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| i + p)
}

/// A numeric-field token.
enum Num<'a> {
    Text(&'a str),
    Int(i64),
    Null,
}

/// A byte cursor over the frame.
struct Rd<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Rd<'a> {
    /// Next non-whitespace byte (not consumed).
    #[inline]
    fn peek(&mut self) -> R<u8> {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.i += 1;
            } else {
                return Some(c);
            }
        }
        None
    }

    #[inline]
    fn eat(&mut self, c: u8) -> R<()> {
        if self.peek()? == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// Marks key `bit` as seen; a duplicate key falls back.
    #[inline]
    fn once(&mut self, seen: &mut u32, bit: u32) -> R<()> {
        let m = 1 << bit;
        if *seen & m != 0 {
            return None;
        }
        *seen |= m;
        Some(())
    }

    /// A string without escapes or control characters, borrowed.
    #[inline]
    fn str(&mut self) -> R<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let len = special(self.b.get(start..)?)?;
        if self.b.get(start + len) != Some(&b'"') {
            return None;
        }
        self.i = start + len + 1;
        // A quote is ASCII, so both ends are character boundaries.
        self.s.get(start..start + len)
    }

    /// A JSON number (strict grammar), as text.
    fn number(&mut self) -> R<&'a str> {
        self.peek()?;
        let start = self.i;
        let b = self.b;
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while matches!(b.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let d = i;
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
            if i == d {
                return None;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let d = i;
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
            if i == d {
                return None;
            }
        }
        self.i = i;
        self.s.get(start..i)
    }

    fn literal(&mut self, word: &[u8]) -> R<()> {
        if self.b.get(self.i..self.i + word.len())? == word {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// Skips (and validates) any value.
    fn skip(&mut self, depth: u32) -> R<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.str().map(drop),
            b'{' => self.object(|r, _| r.skip(depth + 1)),
            b'[' => self.array(|r| r.skip(depth + 1)),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(drop),
        }
    }

    /// `{ "key": value, … }`, calling `f` on each key with the cursor on its value.
    #[inline]
    fn object(&mut self, mut f: impl FnMut(&mut Self, &'a str) -> R<()>) -> R<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let k = self.str()?;
            self.eat(b':')?;
            f(self, k)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `[ value, … ]`, calling `f` with the cursor on each element.
    #[inline]
    fn array(&mut self, mut f: impl FnMut(&mut Self) -> R<()>) -> R<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            f(self)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> R<T>) -> R<Vec<T>> {
        let mut out = Vec::with_capacity(1);
        self.array(|r| {
            out.push(item(r)?);
            Some(())
        })?;
        Some(out)
    }

    /// A string, number or null where a number is expected. Numbers are taken only as
    /// plain integers of at most 18 digits (floats keep the general decoder's handling).
    #[inline]
    fn num(&mut self) -> R<Num<'a>> {
        match self.peek()? {
            b'"' => self.str().map(Num::Text),
            b'n' => self.literal(b"null").map(|()| Num::Null),
            _ => {
                let t = self.number()?;
                let digits = t.strip_prefix('-').unwrap_or(t);
                if digits.len() > 18
                    || digits.starts_with('0')
                    || !digits.bytes().all(|c| c.is_ascii_digit())
                {
                    return None;
                }
                t.parse().ok().map(Num::Int)
            }
        }
    }

    /// Optional decimal: `""`/`null` are `None`.
    #[inline]
    fn opt_dec<T: From<Decimal>>(&mut self) -> R<Option<T>> {
        // The usual case, a quoted plain decimal, parsed in the same pass as the string.
        if self.peek()? == b'"' {
            let at = self.i + 1;
            if let Some((v, n)) = self.b.get(at..).and_then(num::plain_prefix)
                && self.b.get(at + n) == Some(&b'"')
            {
                self.i = at + n + 1;
                return Some(Some(T::from(v)));
            }
        }
        Some(match self.num()? {
            Num::Text("") | Num::Null => None,
            Num::Text(s) => Some(T::from(num::dec(s).ok()?)),
            Num::Int(v) => Some(T::from(Decimal::from(v))),
        })
    }

    /// Optional integer: `""`/`null` are `None`.
    #[inline]
    fn opt_int(&mut self) -> R<Option<i64>> {
        Some(match self.num()? {
            Num::Text("") | Num::Null => None,
            Num::Text(s) => Some(s.parse().ok()?),
            Num::Int(v) => Some(v),
        })
    }

    /// Optional string: `""`/`null` are `None` (numbers fall back).
    fn opt_str(&mut self) -> R<Option<&'a str>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(None);
        }
        let s = self.str()?;
        Some((!s.is_empty()).then_some(s))
    }

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
