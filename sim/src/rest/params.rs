//! Request parameters from a GET query or a POST JSON object, with Bitget's tolerance: numbers
//! as strings or JSON numbers, `""`/`null` as absent, enums case-insensitive.

use crate::engine::types::{Force, Hold, MarginMode, OrderType, PosMode, Side, TriggerType};
use crate::error::{ApiError, ApiResult};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// Parsed parameters.
#[derive(Debug, Default, Clone)]
pub struct Params(pub Map<String, Value>);

impl Params {
    /// From a raw query string (form-urlencoded).
    pub fn from_query(q: &str) -> ApiResult<Self> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q)
            .map_err(|_| ApiError::new("40017", "Parameter verification failed: query"))?;
        Ok(Params(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        ))
    }

    /// From a JSON body, which must be an object (an empty body is an empty object).
    pub fn from_body(body: &[u8]) -> ApiResult<Self> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Params::default());
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => Ok(Params(m)),
            _ => Err(ApiError::new(
                "40017",
                "Parameter verification failed: body is not a JSON object",
            )),
        }
    }

    /// A raw value, absent when missing, null or `""`.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.0
            .get(name)
            .filter(|v| !v.is_null() && v.as_str() != Some(""))
    }

    /// A scalar as text; objects and arrays are an error.
    pub fn str(&self, name: &str) -> ApiResult<Option<String>> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(ApiError::bad(name)),
        }
    }

    /// A required scalar.
    pub fn req(&self, name: &str) -> ApiResult<String> {
        self.str(name)?.ok_or_else(|| ApiError::missing(name))
    }

    /// An optional decimal.
    pub fn dec(&self, name: &str) -> ApiResult<Option<Decimal>> {
        match self.str(name)? {
            None => Ok(None),
            Some(s) => s
                .parse::<Decimal>()
                .map(Some)
                .map_err(|_| ApiError::bad(name)),
        }
    }

    /// A required decimal.
    pub fn req_dec(&self, name: &str) -> ApiResult<Decimal> {
        self.dec(name)?.ok_or_else(|| ApiError::missing(name))
    }

    /// An optional non-negative integer.
    pub fn uint(&self, name: &str) -> ApiResult<Option<u64>> {
        match self.str(name)? {
            None => Ok(None),
            Some(s) => s.parse::<u64>().map(Some).map_err(|_| ApiError::bad(name)),
        }
    }

    /// An optional enum, matched case-insensitively against `allowed`; returns the canonical form.
    pub fn one_of(&self, name: &str, allowed: &[&'static str]) -> ApiResult<Option<&'static str>> {
        match self.str(name)? {
            None => Ok(None),
            Some(s) => allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(&s))
                .copied()
                .map(Some)
                .ok_or_else(|| ApiError::bad(name)),
        }
    }

    /// `productType`: true for USDT-FUTURES; false for the other known product types (which
    /// this simulator lists as empty); an error otherwise.
    pub fn product_type(&self) -> ApiResult<bool> {
        let pt = self.req("productType")?;
        if pt.eq_ignore_ascii_case("USDT-FUTURES") {
            return Ok(true);
        }
        let others = [
            "COIN-FUTURES",
            "USDC-FUTURES",
            "SUSDT-FUTURES",
            "SCOIN-FUTURES",
            "SUSDC-FUTURES",
        ];
        if others.iter().any(|o| o.eq_ignore_ascii_case(&pt)) {
            return Ok(false);
        }
        Err(ApiError::bad("productType"))
    }

    /// `productType` that must be USDT-FUTURES (trading endpoints).
    pub fn usdt_futures(&self) -> ApiResult<()> {
        if self.product_type()? {
            Ok(())
        } else {
            Err(ApiError::bad("productType"))
        }
    }

    /// `marginCoin`, when present, must be USDT.
    pub fn margin_coin(&self, required: bool) -> ApiResult<()> {
        match self.str("marginCoin")? {
            Some(c) if c.eq_ignore_ascii_case("USDT") => Ok(()),
            Some(_) => Err(ApiError::bad("marginCoin")),
            None if required => Err(ApiError::missing("marginCoin")),
            None => Ok(()),
        }
    }

    /// Upper-cased `symbol`.
    pub fn symbol(&self) -> ApiResult<String> {
        Ok(self.req("symbol")?.to_ascii_uppercase())
    }

    /// Optional upper-cased `symbol`.
    pub fn opt_symbol(&self) -> ApiResult<Option<String>> {
        Ok(self.str("symbol")?.map(|s| s.to_ascii_uppercase()))
    }

    /// `side`.
    pub fn side(&self, name: &str) -> ApiResult<Side> {
        match self.one_of(name, &["buy", "sell"])? {
            Some("buy") => Ok(Side::Buy),
            Some(_) => Ok(Side::Sell),
            None => Err(ApiError::missing(name)),
        }
    }

    /// `holdSide` for TP/SL: hedge `long`/`short`; one-way `buy`/`sell` (long/short also accepted).
    pub fn hold_side(&self, name: &str) -> ApiResult<Option<Hold>> {
        Ok(
            match self.one_of(name, &["long", "short", "buy", "sell"])? {
                Some("long" | "buy") => Some(Hold::Long),
                Some(_) => Some(Hold::Short),
                None => None,
            },
        )
    }

    /// `tradeSide`: Some(true) open, Some(false) close.
    pub fn trade_side(&self) -> ApiResult<Option<bool>> {
        Ok(self
            .one_of("tradeSide", &["open", "close"])?
            .map(|t| t == "open"))
    }

    /// `orderType`.
    pub fn order_type(&self) -> ApiResult<OrderType> {
        match self.one_of("orderType", &["limit", "market"])? {
            Some("limit") => Ok(OrderType::Limit),
            Some(_) => Ok(OrderType::Market),
            None => Err(ApiError::missing("orderType")),
        }
    }

    /// `force` (default gtc).
    pub fn force(&self) -> ApiResult<Force> {
        Ok(
            match self.one_of("force", &["gtc", "ioc", "fok", "post_only"])? {
                Some("ioc") => Force::Ioc,
                Some("fok") => Force::Fok,
                Some("post_only") => Force::PostOnly,
                _ => Force::Gtc,
            },
        )
    }

    /// A margin mode parameter.
    pub fn margin_mode(&self, name: &str) -> ApiResult<Option<MarginMode>> {
        Ok(
            match self.one_of(name, &["crossed", "isolated", "cross"])? {
                Some("isolated") => Some(MarginMode::Isolated),
                Some(_) => Some(MarginMode::Crossed),
                None => None,
            },
        )
    }

    /// `posMode`.
    pub fn pos_mode(&self) -> ApiResult<PosMode> {
        match self.one_of("posMode", &["one_way_mode", "hedge_mode"])? {
            Some("hedge_mode") => Ok(PosMode::Hedge),
            Some(_) => Ok(PosMode::OneWay),
            None => Err(ApiError::missing("posMode")),
        }
    }

    /// A trigger type (default fill_price).
    pub fn trigger_type(&self, name: &str) -> ApiResult<TriggerType> {
        match self.str(name)? {
            None => Ok(TriggerType::FillPrice),
            Some(s) => TriggerType::parse(&s).ok_or_else(|| ApiError::bad(name)),
        }
    }

    /// `YES`/`NO` (any case; `true`/`false` too).
    pub fn yes_no(&self, name: &str) -> ApiResult<bool> {
        Ok(matches!(
            self.one_of(name, &["yes", "no", "true", "false"])?,
            Some("yes" | "true")
        ))
    }

    /// A list parameter (JSON array of objects).
    pub fn list(&self, name: &str) -> ApiResult<Option<Vec<Params>>> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::Object(m) => Ok(Params(m.clone())),
                    _ => Err(ApiError::bad(name)),
                })
                .collect::<ApiResult<Vec<_>>>()
                .map(Some),
            Some(_) => Err(ApiError::bad(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_scalars_and_enums() {
        let p = Params::from_body(
            br#"{"size":0.5,"price":"","force":"GTC","tradeSide":"Open","x":null,"o":{}}"#,
        )
        .unwrap();
        assert_eq!(p.dec("size").unwrap(), Some("0.5".parse().unwrap()));
        assert_eq!(p.dec("price").unwrap(), None);
        assert_eq!(p.force().unwrap(), Force::Gtc);
        assert_eq!(p.trade_side().unwrap(), Some(true));
        assert!(p.str("x").unwrap().is_none());
        assert_eq!(p.str("o").unwrap_err().code, "40020");
        assert_eq!(p.req("symbol").unwrap_err().code, "40019");
        assert!(Params::from_body(b"[1]").is_err());
        assert!(Params::from_body(b"{bad").is_err());
        let q = Params::from_query("productType=usdt-futures&symbol=btcusdt").unwrap();
        assert!(q.product_type().unwrap());
        assert_eq!(q.symbol().unwrap(), "BTCUSDT");
    }
}
