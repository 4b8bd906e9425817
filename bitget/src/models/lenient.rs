//! Informational fields: a malformed value becomes absent, is counted in
//! `viper_decode_lenient_total{endpoint,field}` and logged at debug, and the answer is used.
//!
//! Essential fields (ids, prices, sizes, sides, states, the equity the emergency stop reads)
//! stay strict in [`super::de`]; one bad informational field (Bitget's own examples carry
//! `"unionTotalMagin":"111,1"`) must not cost the whole answer.
//!
//! A field is named by a marker type (`f::UnionTotalMargin`) so the deserialiser knows what
//! to count; the endpoint comes from the decode scope the caller opened ([`scope`]).

use std::cell::RefCell;
use std::fmt;

use metrics::counter;
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::de::{Wire, parse_decimal};

/// Lenient fields that were malformed (treated as absent), by endpoint and wire field.
pub const LENIENT: &str = "viper_decode_lenient_total";

/// A wire field name, carried by a marker type.
pub trait Field {
    /// The field's JSON name.
    const NAME: &'static str;
}

macro_rules! fields {
    ($($t:ident = $n:literal),* $(,)?) => {
        $(
            #[doc = concat!("The `", $n, "` field.")]
            pub struct $t;
            impl super::Field for $t {
                const NAME: &'static str = $n;
            }
        )*
    };
}

/// Marker types of the informational fields.
pub mod f {
    fields! {
        AccountEquityBtc = "btcEquity", AchievedProfits = "achievedProfits",
        AssetMode = "assetMode", AutoMargin = "autoMargin", Coupon = "coupon",
        CrossedMargin = "crossedMargin", CrossedMaxAvailable = "crossedMaxAvailable",
        CrossedRiskRate = "crossedRiskRate", CrossedUnrealizedPl = "crossedUnrealizedPL",
        CTime = "cTime", DeductedFee = "deductedFee", EnterPointSource = "enterPointSource",
        Fee = "fee", FillTime = "fillTime", Grant = "grant", IsolatedMargin = "isolatedMargin",
        IsolatedMaxAvailable = "isolatedMaxAvailable",
        IsolatedUnrealizedPl = "isolatedUnrealizedPL", KeepMarginRate = "keepMarginRate",
        Leverage = "leverage", MarginRate = "marginRate", MarginRatio = "marginRatio",
        MaxOpenPosAvailable = "maxOpenPosAvailable", MaxTransferOut = "maxTransferOut",
        NextFundingTime = "nextFundingTime", OrderSource = "orderSource", Pnl = "pnl",
        Profit = "profit", QuoteVolume = "quoteVolume", SymbolType = "symbolType",
        TotalDeductionFee = "totalDeductionFee", TotalFee = "totalFee",
        TotalProfits = "totalProfits", TriggerTime = "triggerTime", Ts = "ts",
        UnionAvailable = "unionAvailable", UnionMm = "unionMm",
        UnionTotalMargin = "unionTotalMargin", UnrealizedPl = "unrealizedPL",
        UnrealizedPlr = "unrealizedPLR", UsdtEquity = "usdtEquity", UTime = "uTime",
        FundingRate = "fundingRate", Change24h = "change24h", TradeScope = "tradeScope",
        Deduction = "deduction", CancelReason = "cancelReason",
        HoldingAmount = "holdingAmount", MakerFeeRate = "makerFeeRate",
        TakerFeeRate = "takerFeeRate", UsdtVolume = "usdtVolume", FillFee = "fillFee",
        LiquidationPrice = "liquidationPrice", BaseVolume = "baseVolume",
        BreakEvenPrice = "breakEvenPrice", IsolatedMarginRate = "isolatedMarginRate",
        NewTradeSide = "newTradeSide", LiqPrice = "liqPrice", PosAvg = "posAvg",
        PresetStopSurplusType = "presetStopSurplusType",
        PresetStopLossType = "presetStopLossType", NotionalUsd = "notionalUsd",
    }
}

thread_local! {
    static ENDPOINT: RefCell<String> = const { RefCell::new(String::new()) };
    /// While a [`scope_if_some`] runs: the malformed fields met, reported only if it succeeds.
    static DEFERRED: RefCell<Option<Vec<(&'static str, String)>>> = const { RefCell::new(None) };
}

/// Runs `f` with `endpoint` as the label of the lenient fields it meets (nests; restores).
pub fn scope<R>(endpoint: &str, f: impl FnOnce() -> R) -> R {
    let prev = ENDPOINT.with(|e| std::mem::replace(&mut *e.borrow_mut(), endpoint.to_owned()));
    let out = f();
    ENDPOINT.with(|e| *e.borrow_mut() = prev);
    out
}

/// Like [`scope`], for a decode that may give up (`None`) and be run again: the malformed
/// fields it met are counted only when it returns `Some`, so a retried decode counts once.
pub(crate) fn scope_if_some<R>(endpoint: &str, f: impl FnOnce() -> Option<R>) -> Option<R> {
    let outer = DEFERRED.with(|d| d.borrow_mut().replace(Vec::new()));
    scope(endpoint, || {
        let out = f();
        // Restore the outer state first: a nested scope reports into its parent.
        let met = DEFERRED.with(|d| std::mem::replace(&mut *d.borrow_mut(), outer));
        if out.is_some() {
            for (field, why) in met.unwrap_or_default() {
                malformed(field, &why);
            }
        }
        out
    })
}

/// Counts and logs one malformed informational field (or keeps it for [`scope_if_some`]).
fn malformed(field: &'static str, why: &str) {
    let kept = DEFERRED.with(|d| match d.borrow_mut().as_mut() {
        Some(met) => {
            met.push((field, why.to_owned()));
            true
        }
        None => false,
    });
    if kept {
        return;
    }
    let endpoint = ENDPOINT.with(|e| {
        let e = e.borrow();
        if e.is_empty() {
            "unknown".to_owned()
        } else {
            e.clone()
        }
    });
    tracing::debug!(%endpoint, field, why, "malformed informational field treated as absent");
    counter!(LENIENT, "endpoint" => endpoint, "field" => field).increment(1);
}

/// Any JSON value, reduced to what a scalar field can use; never fails on valid JSON.
enum Loose {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    Other(&'static str),
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Loose, E> {
        Ok(Loose::Text(s.to_owned()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Loose, E> {
        Ok(Loose::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Loose, E> {
        Ok(i64::try_from(v).map_or(Loose::Float(v as f64), Loose::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Loose, E> {
        Ok(Loose::Float(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Loose, E> {
        Ok(Loose::Bool(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Loose, A::Error> {
        while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Other("an object"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Loose, A::Error> {
        while s.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Loose::Other("an array"))
    }
}

/// Reads the value and converts it with `conv`; a failed conversion is counted as absent.
fn lenient<'de, F: Field, T, D: Deserializer<'de>>(
    d: D,
    conv: impl FnOnce(Loose) -> Result<Option<T>, String>,
) -> Result<Option<T>, D::Error> {
    let loose = d.deserialize_any(LooseVisitor)?;
    Ok(conv(loose).unwrap_or_else(|why| {
        malformed(F::NAME, &why);
        None
    }))
}

fn loose_dec(v: Loose) -> Result<Option<Decimal>, String> {
    match v {
        Loose::Null => Ok(None),
        Loose::Text(s) if s.is_empty() => Ok(None),
        Loose::Text(s) => parse_decimal(&s).map(Some),
        Loose::Int(i) => Ok(Some(Decimal::from(i))),
        Loose::Float(x) if x.is_finite() => parse_decimal(&format!("{x}")).map(Some),
        Loose::Float(x) => Err(format!("non-finite number {x}")),
        Loose::Bool(b) => Err(format!("boolean {b} where a number belongs")),
        Loose::Other(what) => Err(format!("{what} where a number belongs")),
    }
}

/// Informational decimal (string or number); malformed → absent, counted.
pub fn info_dec<'de, F: Field, T: From<Decimal>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    lenient::<F, _, _>(d, |v| loose_dec(v).map(|o| o.map(T::from)))
}

/// Informational integer (string or number, e.g. a millisecond time); malformed → absent.
pub fn info_int<'de, F: Field, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    lenient::<F, _, _>(d, |v| match v {
        Loose::Null => Ok(None),
        Loose::Text(s) if s.is_empty() => Ok(None),
        Loose::Text(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|e| format!("invalid integer {s:?}: {e}")),
        Loose::Int(i) => Ok(Some(i)),
        Loose::Float(x) => Err(format!("expected an integer, got {x}")),
        Loose::Bool(b) => Err(format!("boolean {b} where an integer belongs")),
        Loose::Other(what) => Err(format!("{what} where an integer belongs")),
    })
}

/// Informational wire enum: text or number (`symbolType: 1`); unknown → absent, counted.
pub fn info_enum<'de, F: Field, T: Wire, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    lenient::<F, _, _>(d, |v| {
        let text = match v {
            Loose::Null => return Ok(None),
            Loose::Text(s) if s.is_empty() => return Ok(None),
            Loose::Text(s) => s,
            Loose::Int(i) => i.to_string(),
            Loose::Float(x) => return Err(format!("number {x} where an enum belongs")),
            Loose::Bool(b) => b.to_string(),
            Loose::Other(what) => return Err(format!("{what} where an enum belongs")),
        };
        T::from_wire(&text)
            .map(Some)
            .ok_or_else(|| format!("unknown value {text:?}"))
    })
}

/// Informational text (a number is kept as its text); other shapes → absent, counted.
pub fn info_str<'de, F: Field, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    lenient::<F, _, _>(d, |v| match v {
        Loose::Null => Ok(None),
        Loose::Text(s) if s.is_empty() => Ok(None),
        Loose::Text(s) => Ok(Some(s)),
        Loose::Int(i) => Ok(Some(i.to_string())),
        Loose::Float(x) => Ok(Some(format!("{x}"))),
        Loose::Bool(b) => Ok(Some(b.to_string())),
        Loose::Other(what) => Err(format!("{what} where text belongs")),
    })
}

/// Informational `YES`/`NO` (any casing, or a JSON boolean); anything else → absent, counted.
pub fn info_yes_no<'de, F: Field, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    lenient::<F, _, _>(d, |v| match v {
        Loose::Null => Ok(None),
        Loose::Bool(b) => Ok(Some(b)),
        Loose::Text(s) => match s.to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "yes" | "true" => Ok(Some(true)),
            "no" | "false" => Ok(Some(false)),
            _ => Err(format!("expected YES/NO, got {s:?}")),
        },
        _ => Err("expected YES/NO".to_owned()),
    })
}
