//! Hard limits: the default capital limits (`RiskConfig::default()`) are ceilings. Going
//! beyond one needs its explicit `[overrides]` key, which is logged at WARN on every start and
//! exported as `viper_limit_override{limit}`; a limit beyond its ceiling without the key, or
//! a key without a limit beyond the ceiling, is refused naming the key.

use crate::config::{BotConfig, RiskConfig};

/// One limit against its ceiling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceiling {
    /// The limit's name (also the `[overrides]` key and the metric label).
    pub name: &'static str,
    /// The configured value, as text.
    pub value: String,
    /// The default it may not pass without the override, as text.
    pub ceiling: String,
    /// "above" or "below": the unsafe direction.
    pub beyond: &'static str,
    /// The configured value is beyond the ceiling.
    pub exceeded: bool,
    /// `overrides.<name> = true`.
    pub overridden: bool,
}

/// Every limit against its ceiling, in a fixed order.
pub fn ceilings(cfg: &BotConfig) -> Vec<Ceiling> {
    let (r, d, o) = (&cfg.risk, RiskConfig::default(), &cfg.overrides);
    let row = |name, value: String, ceiling: String, beyond, exceeded, overridden| Ceiling {
        name,
        value,
        ceiling,
        beyond,
        exceeded,
        overridden,
    };
    vec![
        row(
            "max_position_margin",
            r.max_position_margin.to_string(),
            d.max_position_margin.to_string(),
            "above",
            r.max_position_margin > d.max_position_margin,
            o.max_position_margin,
        ),
        row(
            "max_total_margin",
            r.max_total_margin.to_string(),
            d.max_total_margin.to_string(),
            "above",
            r.max_total_margin > d.max_total_margin,
            o.max_total_margin,
        ),
        row(
            "emergency_equity",
            r.emergency_equity.to_string(),
            d.emergency_equity.to_string(),
            "below",
            r.emergency_equity < d.emergency_equity,
            o.emergency_equity,
        ),
        row(
            "max_positions",
            r.max_positions.to_string(),
            d.max_positions.to_string(),
            "above",
            r.max_positions > d.max_positions,
            o.max_positions,
        ),
        row(
            "leverage",
            r.leverage.to_string(),
            d.leverage.to_string(),
            "above",
            r.leverage > d.leverage,
            o.leverage,
        ),
    ]
}

/// A limit beyond its ceiling without its override, and an override without a limit beyond
/// its ceiling: each an error naming the key.
pub fn check(cfg: &BotConfig, errors: &mut Vec<String>) {
    for c in ceilings(cfg) {
        match (c.exceeded, c.overridden) {
            (true, false) => errors.push(format!(
                "risk.{}: {} is {} its ceiling {}; to accept that, also set overrides.{} = true (logged at WARN on every start)",
                c.name, c.value, c.beyond, c.ceiling, c.name
            )),
            (false, true) => errors.push(format!(
                "overrides.{}: set, but risk.{} ({}) is not {} its ceiling {}; remove the override",
                c.name, c.name, c.value, c.beyond, c.ceiling
            )),
            _ => {}
        }
    }
}

/// Logs every active override at WARN and exports `viper_limit_override{limit}` (0 or 1, every
/// limit present from the start). Called on every start.
pub fn announce(cfg: &BotConfig) {
    for c in ceilings(cfg) {
        let active = c.exceeded && c.overridden;
        if active {
            tracing::warn!(
                limit = c.name,
                value = %c.value,
                ceiling = %c.ceiling,
                "LIMIT OVERRIDE: risk.{} = {} is {} the default ceiling {} (accepted by overrides.{} = true)",
                c.name, c.value, c.beyond, c.ceiling, c.name
            );
        }
        metrics::gauge!("viper_limit_override", "limit" => c.name).set(f64::from(u8::from(active)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn errors(cfg: &BotConfig) -> Vec<String> {
        let mut e = Vec::new();
        check(cfg, &mut e);
        e
    }

    #[test]
    fn defaults_pass_and_each_limit_needs_its_own_override() {
        assert!(errors(&BotConfig::default()).is_empty());
        let mut cfg = BotConfig::default();
        cfg.risk.leverage = 50;
        cfg.risk.max_position_margin = Decimal::from(500);
        cfg.risk.max_total_margin = Decimal::from(1000);
        cfg.risk.emergency_equity = Decimal::from(5);
        cfg.risk.max_positions = 4;
        let e = errors(&cfg);
        assert_eq!(e.len(), 5, "{e:?}");
        for key in [
            "risk.leverage",
            "risk.max_position_margin",
            "risk.max_total_margin",
            "risk.emergency_equity",
            "risk.max_positions",
        ] {
            assert!(e.iter().any(|x| x.starts_with(key)), "{key}: {e:?}");
        }
        assert!(e.iter().any(|x| x.contains("overrides.leverage = true")));
        cfg.overrides.leverage = true;
        cfg.overrides.max_positions = true;
        assert_eq!(errors(&cfg).len(), 3);
        let active: Vec<_> = ceilings(&cfg)
            .into_iter()
            .filter(|c| c.exceeded && c.overridden)
            .map(|c| c.name)
            .collect();
        assert_eq!(active, ["max_positions", "leverage"]);
    }

    #[test]
    fn an_override_without_its_limit_is_refused() {
        let mut cfg = BotConfig::default();
        cfg.overrides.emergency_equity = true;
        let e = errors(&cfg);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("overrides.emergency_equity"), "{e:?}");
        // At the ceiling exactly is within it.
        cfg.overrides.emergency_equity = false;
        cfg.risk.leverage = 10;
        assert!(errors(&cfg).is_empty());
    }
}
