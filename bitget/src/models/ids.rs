//! Identifier and money newtypes: `ClientOid` (validated), `OrderRef`, `Price`, `Size`.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// Longest clientOid we emit (Bitget: "fewer than 50").
pub const CLIENT_OID_MAX: usize = 49;

/// Our own order id, restricted to `[0-9A-Za-z_-]{1,49}` so it never needs URL encoding
/// and signs identically in the URL and the prehash (spec §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientOid(String);

impl ClientOid {
    /// Validates and wraps a client order id.
    pub fn new(s: impl Into<String>) -> Result<Self, Error> {
        let s = s.into();
        if s.is_empty() || s.len() > CLIENT_OID_MAX {
            return Err(Error::InvalidRequest(format!(
                "clientOid must be 1..={CLIENT_OID_MAX} characters, got {}",
                s.len()
            )));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
        {
            return Err(Error::InvalidRequest(format!(
                "clientOid {s:?} contains {c:?}; only [0-9A-Za-z_-] is allowed"
            )));
        }
        Ok(Self(s))
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientOid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for ClientOid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Which order a cancel / detail / modify refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderRef {
    /// The exchange's `orderId`.
    OrderId(String),
    /// Our `clientOid`.
    ClientOid(ClientOid),
}

impl OrderRef {
    /// `(key, value)` for a query string or JSON body.
    pub fn pair(&self) -> (&'static str, &str) {
        match self {
            OrderRef::OrderId(id) => ("orderId", id),
            OrderRef::ClientOid(c) => ("clientOid", c.as_str()),
        }
    }
}

macro_rules! decimal_newtype {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub Decimal);

        impl From<Decimal> for $name {
            fn from(d: Decimal) -> Self {
                Self(d)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0.normalize().to_string())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::models::de::dec(d)
            }
        }
    };
}

decimal_newtype!(
    /// A price in quote currency (USDT).
    Price
);
decimal_newtype!(
    /// A quantity in base coin (spec §6.3).
    Size
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_oid_validation() {
        assert!(ClientOid::new("viper-1_A").is_ok());
        assert!(ClientOid::new("").is_err());
        assert!(ClientOid::new("a#b").is_err());
        assert!(ClientOid::new("a b").is_err());
        assert!(ClientOid::new("a&b=c").is_err());
        assert!(ClientOid::new("é").is_err());
        assert!(ClientOid::new("x".repeat(49)).is_ok());
        assert!(ClientOid::new("x".repeat(50)).is_err());
        match ClientOid::new("a#b") {
            Err(Error::InvalidRequest(m)) => assert!(m.contains('#'), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn money_serialises_as_plain_strings() {
        let p = Price(Decimal::new(650001, 1));
        assert_eq!(serde_json::to_string(&p).unwrap(), r#""65000.1""#);
        let s = Size(Decimal::new(1000, 3));
        assert_eq!(serde_json::to_string(&s).unwrap(), r#""1""#);
        let back: Price = serde_json::from_str("26347.5").unwrap();
        assert_eq!(back.0, Decimal::new(263475, 1));
    }
}
