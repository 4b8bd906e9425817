//! Public market data models (spec §5.1): time, contracts, tickers, candles, merge-depth.

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::de as d;
use super::enums::{SymbolStatus, SymbolType};
use super::ids::{Price, Size};
use super::lenient::{self as l, f};

/// `GET /api/v2/public/time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerTime {
    /// Server time, ms.
    #[serde(deserialize_with = "d::int")]
    pub server_time: i64,
}

/// One row of `GET /api/v2/mix/market/contracts`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contract {
    /// Symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    /// Base coin.
    pub base_coin: String,
    /// Quote coin.
    pub quote_coin: String,
    /// Limit-order price band for buys.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub buy_limit_price_ratio: Option<Decimal>,
    /// Limit-order price band for sells.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub sell_limit_price_ratio: Option<Decimal>,
    /// Maker fee rate.
    #[serde(default, deserialize_with = "l::info_dec::<f::MakerFeeRate, _, _>")]
    pub maker_fee_rate: Option<Decimal>,
    /// Taker fee rate.
    #[serde(default, deserialize_with = "l::info_dec::<f::TakerFeeRate, _, _>")]
    pub taker_fee_rate: Option<Decimal>,
    /// Fee-rate buffer.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub fee_rate_up_ratio: Option<Decimal>,
    /// Opening-cost buffer.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub open_cost_up_ratio: Option<Decimal>,
    /// Margin coins.
    #[serde(default, deserialize_with = "d::null_vec")]
    pub support_margin_coins: Vec<String>,
    /// Minimum order size (base coin).
    #[serde(deserialize_with = "d::dec")]
    pub min_trade_num: Size,
    /// Price tick numerator (§6.4).
    #[serde(deserialize_with = "d::dec")]
    pub price_end_step: Decimal,
    /// Decimals allowed in `size`.
    #[serde(deserialize_with = "d::int")]
    pub volume_place: i64,
    /// Decimals allowed in `price`.
    #[serde(deserialize_with = "d::int")]
    pub price_place: i64,
    /// Size step.
    #[serde(deserialize_with = "d::dec")]
    pub size_multiplier: Size,
    /// `perpetual` / `delivery`.
    #[serde(default, deserialize_with = "l::info_enum::<f::SymbolType, _, _>")]
    pub symbol_type: Option<SymbolType>,
    /// Minimum notional, USDT.
    #[serde(rename = "minTradeUSDT", default, deserialize_with = "d::opt_dec")]
    pub min_trade_usdt: Option<Decimal>,
    /// Max open orders for this symbol.
    #[serde(default, deserialize_with = "d::opt_int")]
    pub max_symbol_order_num: Option<i64>,
    /// Max open orders in the product type.
    #[serde(default, deserialize_with = "d::opt_int")]
    pub max_product_order_num: Option<i64>,
    /// Max positions.
    #[serde(default, deserialize_with = "d::opt_int")]
    pub max_position_num: Option<i64>,
    /// Trading status.
    #[serde(deserialize_with = "d::enum_req")]
    pub symbol_status: SymbolStatus,
    /// Removal time (`-1` = none).
    #[serde(default, deserialize_with = "d::opt_int")]
    pub off_time: Option<i64>,
    /// Opening prohibited after (`-1` = none).
    #[serde(default, deserialize_with = "d::opt_int")]
    pub limit_open_time: Option<i64>,
    /// Delivery time (delivery contracts).
    #[serde(default, deserialize_with = "d::opt_int")]
    pub delivery_time: Option<i64>,
    /// Listing time.
    #[serde(default, deserialize_with = "d::opt_int")]
    pub launch_time: Option<i64>,
    /// Funding interval, hours.
    #[serde(default, deserialize_with = "d::opt_int")]
    pub fund_interval: Option<i64>,
    /// Minimum leverage.
    #[serde(deserialize_with = "d::dec")]
    pub min_lever: Decimal,
    /// Maximum leverage.
    #[serde(deserialize_with = "d::dec")]
    pub max_lever: Decimal,
    /// Position limit ratio.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub pos_limit: Option<Decimal>,
    /// Max market order size.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub max_market_order_qty: Option<Size>,
    /// Max limit order size.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub max_order_qty: Option<Size>,
}

impl Contract {
    /// The price tick: `priceEndStep × 10^(−pricePlace)` (spec §6.4).
    pub fn price_tick(&self) -> Option<Decimal> {
        let place = u32::try_from(self.price_place).ok()?;
        let mut step = self.price_end_step;
        step.set_scale(step.scale().checked_add(place)?).ok()?;
        Some(step)
    }
}

/// One ticker (`ticker` answers a one-element array; `tickers` all of them).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticker {
    /// Symbol.
    pub symbol: String,
    /// Last trade price.
    #[serde(deserialize_with = "d::dec")]
    pub last_pr: Price,
    /// Best ask.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub ask_pr: Option<Price>,
    /// Best bid.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub bid_pr: Option<Price>,
    /// Best bid size.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub bid_sz: Option<Size>,
    /// Best ask size.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub ask_sz: Option<Size>,
    /// 24 h high.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub high24h: Option<Price>,
    /// 24 h low.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub low24h: Option<Price>,
    /// Price 24 h ago.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub open24h: Option<Price>,
    /// Rolling 24 h change (fraction).
    #[serde(default, deserialize_with = "l::info_dec::<f::Change24h, _, _>")]
    pub change24h: Option<Decimal>,
    /// Base volume.
    #[serde(default, deserialize_with = "l::info_dec::<f::BaseVolume, _, _>")]
    pub base_volume: Option<Decimal>,
    /// Quote volume.
    #[serde(default, deserialize_with = "l::info_dec::<f::QuoteVolume, _, _>")]
    pub quote_volume: Option<Decimal>,
    /// USDT volume.
    #[serde(default, deserialize_with = "l::info_dec::<f::UsdtVolume, _, _>")]
    pub usdt_volume: Option<Decimal>,
    /// Index price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub index_price: Option<Price>,
    /// Mark price.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub mark_price: Option<Price>,
    /// Current funding rate.
    #[serde(default, deserialize_with = "l::info_dec::<f::FundingRate, _, _>")]
    pub funding_rate: Option<Decimal>,
    /// Open interest (base coin).
    #[serde(default, deserialize_with = "l::info_dec::<f::HoldingAmount, _, _>")]
    pub holding_amount: Option<Decimal>,
    /// Timestamp, ms.
    #[serde(deserialize_with = "d::int")]
    pub ts: i64,
}

/// One candle: `[ts, open, high, low, close, baseVolume, quoteVolume(, usdtVolume)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candle {
    /// Start time, ms.
    pub ts: i64,
    /// Open.
    pub open: Decimal,
    /// High.
    pub high: Decimal,
    /// Low.
    pub low: Decimal,
    /// Close.
    pub close: Decimal,
    /// Base volume.
    pub base_volume: Decimal,
    /// Quote volume.
    pub quote_volume: Decimal,
    /// USDT volume (8-element form only).
    pub usdt_volume: Option<Decimal>,
}

/// Wraps one array element for the tolerant number deserialisers.
struct DecEl(Decimal);
impl<'de> Deserialize<'de> for DecEl {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        d::dec(de).map(DecEl)
    }
}
struct IntEl(i64);
impl<'de> Deserialize<'de> for IntEl {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        d::int(de).map(IntEl)
    }
}

fn need<'de, A: SeqAccess<'de>, T: Deserialize<'de>>(
    seq: &mut A,
    i: usize,
    what: &str,
) -> Result<T, A::Error> {
    seq.next_element()?
        .ok_or_else(|| de::Error::invalid_length(i, &what))
}

impl<'de> Deserialize<'de> for Candle {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Candle;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a candle array of 7 or 8 elements")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Candle, A::Error> {
                const W: &str = "7 or 8 elements";
                let ts: IntEl = need(&mut s, 0, W)?;
                let mut n = [Decimal::ZERO; 6];
                for (i, slot) in n.iter_mut().enumerate() {
                    *slot = need::<_, DecEl>(&mut s, i + 1, W)?.0;
                }
                let usdt = s.next_element::<DecEl>()?.map(|x| x.0);
                if s.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(9, &W));
                }
                let [open, high, low, close, base_volume, quote_volume] = n;
                Ok(Candle {
                    ts: ts.0,
                    open,
                    high,
                    low,
                    close,
                    base_volume,
                    quote_volume,
                    usdt_volume: usdt,
                })
            }
        }
        de.deserialize_seq(V)
    }
}

/// One book level `[price, size]` (JSON numbers or strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// Price.
    pub price: Price,
    /// Size (base coin).
    pub size: Size,
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Level;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("[price, size]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Level, A::Error> {
                let p: DecEl = need(&mut s, 0, "2 elements")?;
                let q: DecEl = need(&mut s, 1, "2 elements")?;
                if s.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &"2 elements"));
                }
                Ok(Level {
                    price: Price(p.0),
                    size: Size(q.0),
                })
            }
        }
        de.deserialize_seq(V)
    }
}

/// `GET /api/v2/mix/market/merge-depth`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeDepth {
    /// Asks, ascending.
    pub asks: Vec<Level>,
    /// Bids, descending.
    pub bids: Vec<Level>,
    /// Timestamp, ms.
    #[serde(deserialize_with = "d::int")]
    pub ts: i64,
    /// Actual price step used.
    #[serde(default, deserialize_with = "d::opt_dec")]
    pub scale: Option<Decimal>,
    /// Precision requested.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub precision: Option<String>,
    /// `YES`/`NO`.
    #[serde(default, deserialize_with = "d::opt_yes_no")]
    pub is_max_precision: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candle_accepts_7_or_8_and_rejects_others() {
        let c: Candle = serde_json::from_str(r#"["1","2","3","1","2","5","6"]"#).unwrap();
        assert_eq!(c.usdt_volume, None);
        let c: Candle = serde_json::from_str(r#"["1","2","3","1","2","5","6","7"]"#).unwrap();
        assert_eq!(c.usdt_volume, Some(Decimal::from(7)));
        assert!(serde_json::from_str::<Candle>(r#"["1","2","3","1","2","5"]"#).is_err());
        assert!(
            serde_json::from_str::<Candle>(r#"["1","2","3","1","2","5","6","7","8"]"#).is_err()
        );
        assert!(serde_json::from_str::<Candle>(r#"["x","2","3","1","2","5","6"]"#).is_err());
    }

    #[test]
    fn level_numbers_are_exact() {
        let l: Level = serde_json::from_str("[26347.5,0.16]").unwrap();
        assert_eq!(l.price.0.to_string(), "26347.5");
        assert_eq!(l.size.0.to_string(), "0.16");
        assert!(serde_json::from_str::<Level>("[1e400,1]").is_err());
    }
}
