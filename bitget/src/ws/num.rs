//! Fast number parsing for the push hot path: a plain ASCII decimal (`-?digits[.digits]`,
//! at most 19 digits) goes straight to a `Decimal` mantissa and scale; anything else (more
//! digits, exponents, `+`, `_`, …) falls back to the general parser, so results are
//! identical to [`crate::models::de::parse_decimal`] (value, scale and sign).

use rust_decimal::Decimal;

use crate::models::de as d;

/// Parses Bitget decimal text: the fast path for plain decimals, else the general parser.
pub(crate) fn dec(s: &str) -> Result<Decimal, String> {
    match plain(s) {
        Some(v) => Ok(v),
        None => d::parse_decimal(s),
    }
}

/// `-?[0-9]+(\.[0-9]+)?` with at most 19 digits, else `None`.
fn plain(s: &str) -> Option<Decimal> {
    match plain_prefix(s.as_bytes()) {
        Some((v, n)) if n == s.len() => Some(v),
        _ => None,
    }
}

/// The plain decimal `-?[0-9]+(\.[0-9]+)?` (at most 19 digits, not negative zero) at the
/// start of `b`, and its length; `None` if `b` does not start with one.
#[inline]
pub(crate) fn plain_prefix(b: &[u8]) -> Option<(Decimal, usize)> {
    let neg = b.first() == Some(&b'-');
    let mut i = usize::from(neg);
    let mut m: u64 = 0;
    let mut n = 0u32;
    while let Some(&c) = b.get(i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if n == 19 {
            return None;
        }
        m = m * 10 + u64::from(d);
        n += 1;
        i += 1;
    }
    if n == 0 {
        return None;
    }
    let mut scale = 0u32;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while let Some(&c) = b.get(i) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            if n == 19 {
                return None;
            }
            m = m * 10 + u64::from(d);
            n += 1;
            scale += 1;
            i += 1;
        }
        if scale == 0 {
            return None;
        }
    }
    if neg && m == 0 {
        // Negative zero: leave its exact representation to the general parser.
        return None;
    }
    // Truncation is the split of the 64-bit mantissa into the low and middle words.
    let v = Decimal::from_parts(m as u32, (m >> 32) as u32, 0, neg, scale);
    Some((v, i))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn same(s: &str) {
        let general = d::parse_decimal(s);
        let fast = dec(s);
        match (general, fast) {
            (Ok(a), Ok(b)) => assert_eq!(a.serialize(), b.serialize(), "{s:?}"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{s:?}: general {a:?}, fast {b:?}"),
        }
    }

    #[test]
    fn identical_to_the_general_parser() {
        for s in [
            "0",
            "-0",
            "0.0",
            "-0.000",
            "43480.4",
            "27000.0",
            "8.760",
            "0.000096",
            "-0.162003",
            "5167385048.693",
            "007.50",
            "9999999999999999999",
            "99999999999999999999",
            "1844674407370955161.5",
            "1.8446744073709551615",
            "0.0000000000000000001",
            "1e-5",
            "1E5",
            "+1",
            ".5",
            "5.",
            "1..2",
            "1_000",
            "",
            "-",
            "-.",
            "abc",
            "1.2.3",
        ] {
            same(s);
        }
    }

    proptest! {
        #[test]
        fn random_text_agrees(s in "-?[0-9]{0,22}(\\.[0-9]{0,22})?") {
            same(&s);
        }

        #[test]
        fn random_junk_agrees(s in "[-+0-9.eE_]{0,24}") {
            same(&s);
        }
    }
}
