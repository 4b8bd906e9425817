//! Tolerant-where-documented deserialisers: string-or-number numbers, `""`/`null` as none,
//! case-insensitive enums. Everything else stays strict.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize as _;
use serde::de::{self, Deserializer, Visitor};

/// Implemented by every wire enum: case-insensitive parse of the spelling Bitget sends.
pub trait Wire: Sized {
    /// `None` when the value is not one this enum knows.
    fn from_wire(s: &str) -> Option<Self>;
}

thread_local! {
    /// Set while [`without_paths`] runs.
    static NO_PATHS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Decodes `T`, naming the failing field's path in the error (`orderId: invalid type…`),
/// except inside [`without_paths`].
pub fn with_path<'de, T: serde::Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<T, D::Error> {
    if NO_PATHS.with(std::cell::Cell::get) {
        return T::deserialize(d);
    }
    serde_path_to_error::deserialize(d).map_err(de::Error::custom)
}

/// Runs a decode whose errors are never shown (a fast path that, on any error, gives way to
/// a decode with paths): [`with_path`] skips its path tracking meanwhile.
pub(crate) fn without_paths<R>(f: impl FnOnce() -> R) -> R {
    let outer = NO_PATHS.with(|c| c.replace(true));
    let out = f();
    NO_PATHS.with(|c| c.set(outer));
    out
}

/// Parses a decimal from Bitget text: plain (`"0.01"`) or scientific (`"1e-5"`).
pub fn parse_decimal(s: &str) -> Result<Decimal, String> {
    if s.is_empty() {
        return Err("empty string where a number is required".into());
    }
    Decimal::from_str(s)
        .or_else(|_| Decimal::from_scientific(s))
        .map_err(|e| format!("invalid decimal {s:?}: {e}"))
}

/// A JSON float turned into a decimal through its shortest round-trip text, so
/// `26347.5` becomes exactly `26347.5` (not `26347.499999…`).
fn decimal_from_f64(v: f64) -> Result<Decimal, String> {
    if !v.is_finite() {
        return Err(format!("non-finite number {v}"));
    }
    parse_decimal(&format!("{v}"))
}

/// What a numeric field may hold on the wire.
enum Num {
    Dec(Decimal),
    Int(i64),
    None,
}

struct NumVisitor {
    allow_none: bool,
    integer: bool,
}

impl NumVisitor {
    fn text<E: de::Error>(&self, s: &str) -> Result<Num, E> {
        if s.is_empty() && self.allow_none {
            return Ok(Num::None);
        }
        if self.integer {
            return s
                .parse::<i64>()
                .map(Num::Int)
                .map_err(|e| E::custom(format!("invalid integer {s:?}: {e}")));
        }
        parse_decimal(s).map(Num::Dec).map_err(E::custom)
    }
}

impl<'de> Visitor<'de> for NumVisitor {
    type Value = Num;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a numeric string")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Num, E> {
        self.text(s)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
        Ok(if self.integer {
            Num::Int(v)
        } else {
            Num::Dec(Decimal::from(v))
        })
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
        if self.integer {
            return i64::try_from(v)
                .map(Num::Int)
                .map_err(|_| E::custom(format!("integer {v} out of range")));
        }
        Ok(Num::Dec(Decimal::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
        if self.integer {
            return Err(E::custom(format!("expected an integer, got {v}")));
        }
        decimal_from_f64(v).map(Num::Dec).map_err(E::custom)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Num, E> {
        if self.allow_none {
            Ok(Num::None)
        } else {
            Err(E::custom("null where a number is required"))
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<Num, E> {
        self.visit_unit()
    }
}

fn num<'de, D: Deserializer<'de>>(d: D, allow_none: bool, integer: bool) -> Result<Num, D::Error> {
    d.deserialize_any(NumVisitor {
        allow_none,
        integer,
    })
}

/// Required decimal (string or number); `""`/`null` are errors.
pub fn dec<'de, D: Deserializer<'de>, T: From<Decimal>>(d: D) -> Result<T, D::Error> {
    match num(d, false, false)? {
        Num::Dec(v) => Ok(T::from(v)),
        _ => Err(de::Error::custom("number required")),
    }
}

/// Optional decimal: `""`, `null` and (with `#[serde(default)]`) missing are `None`.
pub fn opt_dec<'de, D: Deserializer<'de>, T: From<Decimal>>(d: D) -> Result<Option<T>, D::Error> {
    match num(d, true, false)? {
        Num::Dec(v) => Ok(Some(T::from(v))),
        _ => Ok(None),
    }
}

/// Required integer (string or number), e.g. millisecond timestamps.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match num(d, false, true)? {
        Num::Int(v) => Ok(v),
        _ => Err(de::Error::custom("integer required")),
    }
}

/// Optional integer: `""`/`null`/missing are `None`.
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match num(d, true, true)? {
        Num::Int(v) => Ok(Some(v)),
        _ => Ok(None),
    }
}

struct StrVisitor {
    allow_none: bool,
}

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string (or an integer id)")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        if s.is_empty() && self.allow_none {
            Ok(None)
        } else {
            Ok(Some(s.to_owned()))
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        if self.allow_none {
            Ok(None)
        } else {
            Err(E::custom("null where a value is required"))
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }
}

/// Optional string: `""`/`null`/missing are `None`.
pub fn opt_str<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(StrVisitor { allow_none: true })
}

/// Required id: a string, or an integer written as a JSON number (e.g. `parentId`).
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(StrVisitor { allow_none: false })?
        .ok_or_else(|| de::Error::custom("id required"))
}

struct EnumVisitor<T>(PhantomData<T>, bool);

impl<'de, T: Wire> Visitor<'de> for EnumVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an enum string (or its number)")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        if s.is_empty() && self.1 {
            return Ok(None);
        }
        T::from_wire(s)
            .map(Some)
            .ok_or_else(|| E::custom(format!("unknown enum value {s:?}")))
    }

    /// Bitget writes some enums as numbers (`symbolType: 1`): matched by their text.
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        if self.1 {
            Ok(None)
        } else {
            Err(E::custom("null where an enum value is required"))
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }
}

/// Required wire enum (case-insensitive).
pub fn enum_req<'de, D: Deserializer<'de>, T: Wire>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(EnumVisitor::<T>(PhantomData, false))?
        .ok_or_else(|| de::Error::custom("enum value required"))
}

/// Optional wire enum: `""`/`null`/missing are `None`; an unknown value is still an error.
pub fn opt_enum<'de, D: Deserializer<'de>, T: Wire>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_any(EnumVisitor::<T>(PhantomData, true))
}

/// `YES`/`NO` in any casing (also JSON booleans) as a bool; `""`/`null`/missing are `None`.
pub fn opt_yes_no<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("YES/NO")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            match s.to_ascii_lowercase().as_str() {
                "yes" | "true" => Ok(Some(true)),
                "no" | "false" => Ok(Some(false)),
                "" => Ok(None),
                _ => Err(E::custom(format!("expected YES/NO, got {s:?}"))),
            }
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// A list where `null` (and missing, with `#[serde(default)]`) means empty.
pub fn null_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}
