//! Typed public push elements (§7.7): ticker, trade, candle and the raw book message.
//! Numbers are `Decimal`, read from string or number; `""`/`null` are `None`.

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::fmt;

use super::num;
use crate::models::de as d;
use crate::models::lenient::{self as l, f};
use crate::models::{Price, Side, Size, SymbolType};

/// One `ticker` element.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticker {
    /// Symbol.
    pub inst_id: String,
    /// Last traded price.
    #[serde(deserialize_with = "d::dec")]
    pub last_pr: Price,
    /// Best bid.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub bid_pr: Option<Price>,
    /// Best ask.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub ask_pr: Option<Price>,
    /// Size at the best bid.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub bid_sz: Option<Size>,
    /// Size at the best ask.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub ask_sz: Option<Size>,
    /// 24 h open.
    #[serde(default, rename = "open24h", deserialize_with = "d::opt_dec")]
    pub open_24h: Option<Price>,
    /// 24 h high.
    #[serde(default, rename = "high24h", deserialize_with = "d::opt_dec")]
    pub high_24h: Option<Price>,
    /// 24 h low.
    #[serde(default, rename = "low24h", deserialize_with = "d::opt_dec")]
    pub low_24h: Option<Price>,
    /// 24 h change as a fraction.
    #[serde(
        default,
        rename = "change24h",
        deserialize_with = "l::info_dec::<f::Change24h, _, _>"
    )]
    pub change_24h: Option<rust_decimal::Decimal>,
    /// Current funding rate.
    #[serde(default, deserialize_with = "l::info_dec::<f::FundingRate, _, _>")]
    pub funding_rate: Option<rust_decimal::Decimal>,
    /// Next funding time (ms).
    #[serde(default, deserialize_with = "l::info_int::<f::NextFundingTime, _>")]
    pub next_funding_time: Option<i64>,
    /// Mark price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub mark_price: Option<Price>,
    /// Index price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub index_price: Option<Price>,
    /// Open interest in base coin.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub holding_amount: Option<Size>,
    /// 24 h base volume.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub base_volume: Option<Size>,
    /// 24 h quote volume.
    #[serde(default, deserialize_with = "l::info_dec::<f::QuoteVolume, _, _>")]
    pub quote_volume: Option<rust_decimal::Decimal>,
    /// `1` perpetual, `2` delivery.
    #[serde(default, deserialize_with = "l::info_enum::<f::SymbolType, _, _>")]
    pub symbol_type: Option<SymbolType>,
    /// Exchange time of the values (ms).
    #[serde(default, deserialize_with = "l::info_int::<f::Ts, _>")]
    pub ts: Option<i64>,
}

/// One public `trade` element.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trade {
    /// Trade time (ms).
    #[serde(deserialize_with = "d::int")]
    pub ts: i64,
    /// Price.
    #[serde(deserialize_with = "d::dec")]
    pub price: Price,
    /// Size.
    #[serde(deserialize_with = "d::dec")]
    pub size: Size,
    /// Taker side.
    #[serde(deserialize_with = "d::enum_req")]
    pub side: Side,
    /// Trade id.
    #[serde(deserialize_with = "d::id")]
    pub trade_id: String,
}

/// One candle: `[startTs, open, high, low, close, baseVolume, quoteVolume, usdtVolume]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Candle {
    /// Start of the interval (ms).
    pub start: i64,
    /// Open.
    pub open: Price,
    /// High.
    pub high: Price,
    /// Low.
    pub low: Price,
    /// Close.
    pub close: Price,
    /// Base volume.
    pub base_volume: Size,
    /// Quote volume.
    pub quote_volume: rust_decimal::Decimal,
}

#[derive(Deserialize)]
struct Cell(#[serde(deserialize_with = "d::dec")] rust_decimal::Decimal);

#[derive(Deserialize)]
struct IntCell(#[serde(deserialize_with = "d::int")] i64);

impl<'de> Deserialize<'de> for Candle {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Candle;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a candle array of at least 7 cells")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Candle, A::Error> {
                let missing = || de::Error::custom("candle array too short");
                let start = s.next_element::<IntCell>()?.ok_or_else(missing)?.0;
                let mut cells = [rust_decimal::Decimal::ZERO; 6];
                for c in &mut cells {
                    *c = s.next_element::<Cell>()?.ok_or_else(missing)?.0;
                }
                while s.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Candle {
                    start,
                    open: Price(cells[0]),
                    high: Price(cells[1]),
                    low: Price(cells[2]),
                    close: Price(cells[3]),
                    base_volume: Size(cells[4]),
                    quote_volume: cells[5],
                })
            }
        }
        de.deserialize_seq(V)
    }
}

/// Bytes of `price:size` text kept inline (longer text goes to the heap).
const INLINE: usize = 46;

/// The exact `price:size` text of a book level. Short text (every real level) is stored
/// inline, so decoding a level allocates nothing.
#[derive(Clone)]
pub struct LevelText(TextRepr);

#[derive(Clone)]
enum TextRepr {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Box<str>),
}

impl LevelText {
    /// `price` + `:` + `size`.
    pub fn join(price: &str, size: &str) -> Self {
        let len = price.len() + 1 + size.len();
        if len > INLINE {
            return Self(TextRepr::Heap(format!("{price}:{size}").into_boxed_str()));
        }
        let mut buf = [0u8; INLINE];
        buf[..price.len()].copy_from_slice(price.as_bytes());
        buf[price.len()] = b':';
        buf[price.len() + 1..len].copy_from_slice(size.as_bytes());
        // `len <= INLINE < 256`.
        Self(TextRepr::Inline {
            len: len as u8,
            buf,
        })
    }

    /// The text as bytes (what the checksum hashes).
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            TextRepr::Inline { len, buf } => &buf[..usize::from(*len)],
            TextRepr::Heap(s) => s.as_bytes(),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Built from two `&str` and `:`, so always UTF-8.
            TextRepr::Inline { .. } => std::str::from_utf8(self.as_bytes()).unwrap_or_default(),
            TextRepr::Heap(s) => s,
        }
    }
}

impl std::ops::Deref for LevelText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for LevelText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for LevelText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for LevelText {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for LevelText {}

impl PartialEq<str> for LevelText {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for LevelText {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<String> for LevelText {
    fn eq(&self, other: &String) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

/// One book level as received: the exact text (`"price:size"`, as the checksum needs it)
/// and its parsed values.
#[derive(Debug, Clone, PartialEq)]
pub struct RawLevel {
    /// `price:size` exactly as received.
    pub text: LevelText,
    /// Length of the price part of `text`.
    pub split: usize,
    /// Parsed price.
    pub price: Price,
    /// Parsed size (`0` deletes the level in a delta).
    pub size: Size,
}

impl RawLevel {
    /// A level from its price and size text (parsed here).
    pub(crate) fn parse(price: &str, size: &str) -> Result<Self, String> {
        Ok(RawLevel {
            price: Price(num::dec(price)?),
            size: Size(num::dec(size)?),
            text: LevelText::join(price, size),
            split: price.len(),
        })
    }
}

impl<'de> Deserialize<'de> for RawLevel {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawLevel;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [price, size] pair of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<RawLevel, A::Error> {
                let p: std::borrow::Cow<'de, str> = s
                    .next_element::<NumText>()?
                    .ok_or_else(|| de::Error::custom("level without price"))?
                    .0;
                let z: std::borrow::Cow<'de, str> = s
                    .next_element::<NumText>()?
                    .ok_or_else(|| de::Error::custom("level without size"))?
                    .0;
                while s.next_element::<de::IgnoredAny>()?.is_some() {}
                RawLevel::parse(&p, &z).map_err(de::Error::custom)
            }
        }
        de.deserialize_seq(V)
    }
}

/// A string or number cell kept as text (borrowed when possible).
struct NumText<'a>(std::borrow::Cow<'a, str>);

impl<'de> Deserialize<'de> for NumText<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NumText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a numeric string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(NumText(s.into()))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(NumText(s.to_owned().into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(NumText(v.to_string().into()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(NumText(v.to_string().into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(NumText(format!("{v}").into()))
            }
        }
        de.deserialize_any(V)
    }
}

/// One book message element as received (`books*` channels).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RawBook {
    /// Ask levels (ascending).
    #[serde(default, deserialize_with = "d::null_vec")]
    pub asks: Vec<RawLevel>,
    /// Bid levels (descending).
    #[serde(default, deserialize_with = "d::null_vec")]
    pub bids: Vec<RawLevel>,
    /// Signed CRC-32 of the top 25 levels after applying (0 or absent: not checked).
    #[serde(default, deserialize_with = "d::opt_int")]
    pub checksum: Option<i64>,
    /// Sequence number of this push.
    #[serde(default, deserialize_with = "d::opt_int")]
    pub seq: Option<i64>,
    /// Sequence number of the previous push (0: numbering reset).
    #[serde(default, deserialize_with = "d::opt_int")]
    pub pseq: Option<i64>,
    /// Exchange time (ms).
    #[serde(default, deserialize_with = "l::info_int::<f::Ts, _>")]
    pub ts: Option<i64>,
}
