//! What the operator sees first: the start banner (LIVE / DEMO / PAPER, account, market,
//! symbols, limits), `viper_info{mode,version}`, and the symbols whose minimum order does not
//! fit the per-position margin (they would never trade), each with the margin it would need.

use crate::config::BotConfig;
use crate::endpoint::Endpoint;
use rust_decimal::Decimal;
use std::collections::HashMap;
use viper_actors::strategy::{ContractRules, size_for};

/// Where prices come from.
#[derive(Debug, Clone)]
pub enum Market {
    /// The embedded simulator's seeded random walk.
    Synthetic {
        /// Price seed.
        seed: u64,
        /// Market-time speed factor.
        speed: f64,
    },
    /// The embedded simulator driven by a live market's public tickers (`--market live`).
    Live {
        /// The public WebSocket the prices come from.
        url: String,
    },
    /// The exchange the bot trades on.
    Exchange,
}

/// `LIVE`, `DEMO` or `PAPER`: the config's mode (paper for the embedded simulator).
pub fn mode_label(cfg: &BotConfig) -> String {
    cfg.mode.to_ascii_uppercase()
}

/// The banner's lines.
pub fn lines(cfg: &BotConfig, ep: &Endpoint, market: &Market) -> Vec<String> {
    let market = match market {
        Market::Synthetic { seed, speed } => {
            format!("synthetic seeded prices (embedded simulator, seed {seed}, speed {speed}x)")
        }
        Market::Live { url } => {
            format!("live prices from {url} driving the embedded simulator (orders stay local)")
        }
        Market::Exchange if ep.rest_url == viper_bitget::rest::LIVE_BASE_URL && ep.demo => {
            "Bitget demo trading".to_owned()
        }
        Market::Exchange if ep.rest_url == viper_bitget::rest::LIVE_BASE_URL => {
            "Bitget, real money".to_owned()
        }
        Market::Exchange => format!("the exchange at {}", ep.rest_url),
    };
    let r = &cfg.risk;
    vec![
        format!("viper {} {}", mode_label(cfg), env!("CARGO_PKG_VERSION")),
        format!("  account:  API key {}", ep.credentials.masked_key()),
        format!("  market:   {market}"),
        format!("  symbols:  {}", cfg.symbols.join(", ")),
        format!(
            "  limits:   {} USDT margin per position, {} USDT in total, {} positions, {}x; emergency stop below {} USDT equity",
            r.max_position_margin,
            r.max_total_margin,
            r.max_positions,
            r.leverage,
            r.emergency_equity
        ),
    ]
}

/// Prints the banner and sets `viper_info{mode,version} 1`.
pub fn show(cfg: &BotConfig, ep: &Endpoint, market: &Market) {
    for l in lines(cfg, ep, market) {
        println!("{l}");
    }
    metrics::gauge!("viper_info", "mode" => cfg.mode.clone(), "version" => env!("CARGO_PKG_VERSION"))
        .set(1.0);
}

/// A configured symbol whose minimum order needs more margin than one position may use.
#[derive(Debug, Clone, PartialEq)]
pub struct Unfit {
    /// Symbol.
    pub symbol: String,
    /// The smallest order the contract accepts at this price (base coin).
    pub min_size: Decimal,
    /// The margin that order needs at the configured leverage, USDT.
    pub needs_margin: Decimal,
}

/// The configured symbols that cannot trade: the strategy's own sizing rule (`size_for`)
/// finds no size within `risk.max_position_margin` at the current price.
pub fn unfit(
    cfg: &BotConfig,
    rules: &HashMap<String, ContractRules>,
    prices: &HashMap<String, Decimal>,
) -> Vec<Unfit> {
    let lev = cfg.risk.leverage;
    cfg.symbols
        .iter()
        .filter_map(|s| {
            let (r, price) = (rules.get(s)?, *prices.get(s)?);
            if size_for(cfg.risk.max_position_margin, lev, price, r).is_some()
                || r.size_step.is_zero()
            {
                return None;
            }
            // The smallest step multiple meeting both minimums.
            let by_notional = (r.min_notional / price / r.size_step).ceil() * r.size_step;
            let min_size = r.min_size.max(by_notional);
            Some(Unfit {
                symbol: s.clone(),
                min_size,
                needs_margin: (min_size * price / Decimal::from(lev)).round_dp(4),
            })
        })
        .collect()
}

/// Reads the configured symbols' prices once and warns about each symbol that cannot trade.
pub async fn warn_unfit(
    cfg: &BotConfig,
    rest: &viper_bitget::RestClient,
    rules: &HashMap<String, ContractRules>,
) {
    let symbols: Vec<&str> = cfg.symbols.iter().map(String::as_str).collect();
    let prices: HashMap<String, Decimal> = match rest.tickers_for(&symbols).await {
        Ok(t) => t.into_iter().map(|t| (t.symbol, t.last_pr.0)).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read prices to check the symbols against the limits");
            return;
        }
    };
    for u in unfit(cfg, rules, &prices) {
        tracing::warn!(
            symbol = %u.symbol,
            needs_margin = %u.needs_margin,
            max_position_margin = %cfg.risk.max_position_margin,
            "{} cannot trade under the limits: its minimum order ({} at {}x) needs {} USDT of margin, above risk.max_position_margin {} USDT",
            u.symbol, u.min_size, cfg.risk.leverage, u.needs_margin, cfg.risk.max_position_margin
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn a_symbol_whose_minimum_order_needs_more_margin_is_named_with_it() {
        let cfg = BotConfig {
            symbols: vec!["BTCUSDT".into(), "ETHUSDT".into()],
            ..BotConfig::default()
        };
        let rule = |min_size, step| ContractRules {
            tick: dec("0.01"),
            size_step: step,
            min_size,
            min_notional: dec("5"),
        };
        let rules = HashMap::from([
            ("BTCUSDT".to_owned(), rule(dec("0.0001"), dec("0.0001"))),
            ("ETHUSDT".to_owned(), rule(dec("0.01"), dec("0.01"))),
        ]);
        let prices = HashMap::from([
            ("BTCUSDT".to_owned(), dec("65000")),
            ("ETHUSDT".to_owned(), dec("3500")),
        ]);
        // BTC: 10 USDT of notional buys 0.0001 (6.5 USDT); ETH's minimum 0.01 is 35 USDT.
        assert_eq!(
            unfit(&cfg, &rules, &prices),
            [Unfit {
                symbol: "ETHUSDT".into(),
                min_size: dec("0.01"),
                needs_margin: dec("3.5"),
            }]
        );
    }

    #[test]
    fn the_banner_names_mode_account_market_symbols_and_limits_without_secrets() {
        let cfg = BotConfig::default();
        let ep = Endpoint::simulator("http://127.0.0.1:1");
        let text = lines(
            &cfg,
            &ep,
            &Market::Synthetic {
                seed: 7,
                speed: 60.0,
            },
        )
        .join("\n");
        assert!(text.starts_with("viper PAPER "), "{text}");
        for want in [
            "synthetic seeded prices",
            "seed 7",
            "BTCUSDT, XRPUSDT",
            "1 USDT margin per position",
            "below 15 USDT",
        ] {
            assert!(text.contains(want), "{want}: {text}");
        }
        assert!(
            !text.contains(viper_sim::DEFAULT_API_KEY)
                && !text.contains(viper_sim::DEFAULT_API_SECRET)
        );
    }
}
