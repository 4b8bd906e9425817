//! Decimal helpers shared by the engine and the wire layer: formatting the way Bitget prints
//! numbers, and precision/step arithmetic for contract specs.

use rust_decimal::Decimal;

/// Formats a decimal the way Bitget prints numbers: no trailing zeros, `"0"` for zero.
pub fn fmt(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Formats an optional decimal, `""` when absent (Bitget's usual "empty" value).
pub fn fmt_opt(d: Option<Decimal>) -> String {
    d.map(fmt).unwrap_or_default()
}

/// The number of decimal places a value really uses (trailing zeros ignored).
pub fn places(d: Decimal) -> u32 {
    d.normalize().scale()
}

/// True when `value` is an integer multiple of `step` (a zero step accepts anything).
pub fn is_multiple(value: Decimal, step: Decimal) -> bool {
    step.is_zero() || (value % step).is_zero()
}

/// Rounds `value` down to a multiple of `step`.
pub fn floor_to(value: Decimal, step: Decimal) -> Decimal {
    if step.is_zero() {
        return value;
    }
    (value / step).floor() * step
}

/// Rounds `value` up to a multiple of `step`.
pub fn ceil_to(value: Decimal, step: Decimal) -> Decimal {
    if step.is_zero() {
        return value;
    }
    (value / step).ceil() * step
}

/// Rounds `value` to the nearest multiple of `step`.
pub fn round_to(value: Decimal, step: Decimal) -> Decimal {
    if step.is_zero() {
        return value;
    }
    (value / step).round() * step
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn formatting_and_steps() {
        assert_eq!(fmt(dec!(65000.10)), "65000.1");
        assert_eq!(fmt(dec!(0.000)), "0");
        assert_eq!(fmt_opt(None), "");
        assert_eq!(places(dec!(1.2300)), 2);
        assert!(is_multiple(dec!(0.0030), dec!(0.001)));
        assert!(!is_multiple(dec!(0.0035), dec!(0.001)));
        assert_eq!(floor_to(dec!(1.27), dec!(0.05)), dec!(1.25));
        assert_eq!(ceil_to(dec!(1.21), dec!(0.05)), dec!(1.25));
        assert_eq!(round_to(dec!(1.23), dec!(0.05)), dec!(1.25));
    }
}
