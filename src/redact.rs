//! Redaction of recorded answers and pushes: ids become stable pseudonyms (references
//! between files still match), balances and PnL become `0`, account identifiers become
//! `redacted`, and the key, secret and passphrase never survive in any string.

use std::collections::HashMap;

use serde_json::Value;
use viper_bitget::Credentials;

/// Ids: replaced by a pseudonym, the same one for the same original.
const IDS: &[&str] = &[
    "orderId",
    "clientOid",
    "tradeId",
    "posId",
    "planId",
    "takeProfitId",
    "stopLossId",
    "executeOrderId",
    "endId",
    "stopSurplusClientOid",
    "stopLossClientOid",
    "clientOId",
];

/// Balances and amounts of the account: replaced by zero.
const BALANCES: &[&str] = &[
    "available",
    "locked",
    "frozen",
    "accountEquity",
    "equity",
    "usdtEquity",
    "btcEquity",
    "maxTransferOut",
    "crossedMaxAvailable",
    "isolatedMaxAvailable",
    "maxOpenPosAvailable",
    "unionTotalMargin",
    "unionTotalMagin",
    "unionAvailable",
    "unionMm",
    "crossedMargin",
    "isolatedMargin",
    "unrealizedPL",
    "crossedUnrealizedPL",
    "isolatedUnrealizedPL",
    "balance",
    "coupon",
    "grant",
    "marginSize",
    "achievedProfits",
    "totalProfits",
    "profit",
    "pnl",
];

/// Account identifiers: replaced by `redacted`.
const ACCOUNT: &[&str] = &[
    "userId",
    "uid",
    "inviterId",
    "parentId",
    "ips",
    "channelCode",
    "apiKey",
    "label",
];

/// Redacts documents, keeping one pseudonym per original id across all of them.
pub struct Redactor {
    credentials: Credentials,
    ids: HashMap<String, u64>,
}

impl Redactor {
    /// A redactor for a recording made with `credentials`.
    pub fn new(credentials: &Credentials) -> Self {
        Self {
            credentials: credentials.clone(),
            ids: HashMap::new(),
        }
    }

    /// `text` with the credentials replaced.
    pub fn scrub_text(&self, text: &str) -> String {
        self.credentials.redact_text(text)
    }

    /// A redacted copy of `doc`.
    pub fn redact(&mut self, doc: Value) -> Value {
        match doc {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = self.field(&k, v);
                        (k, v)
                    })
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.into_iter().map(|v| self.redact(v)).collect()),
            Value::String(s) => Value::String(self.scrub_text(&s)),
            other => other,
        }
    }

    fn field(&mut self, key: &str, v: Value) -> Value {
        let blank = matches!(&v, Value::Null) || v.as_str().is_some_and(str::is_empty);
        if blank {
            return v;
        }
        if IDS.contains(&key) {
            return self.pseudonym(v);
        }
        if BALANCES.contains(&key) {
            return match v {
                Value::Number(_) => Value::from(0),
                Value::String(_) => Value::String("0".into()),
                other => self.redact(other),
            };
        }
        if ACCOUNT.contains(&key) {
            return Value::String("redacted".into());
        }
        self.redact(v)
    }

    fn pseudonym(&mut self, v: Value) -> Value {
        let original = match &v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return self.redact(v),
        };
        let next = self.ids.len() as u64 + 1;
        let n = 9_000_000_000_000_000 + *self.ids.entry(original).or_insert(next);
        match v {
            Value::Number(_) => Value::from(n),
            _ => Value::String(n.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_balances_identifiers_and_secrets_are_replaced() {
        let c = Credentials::new("key-123", "sec-456", "pass-789");
        let mut r = Redactor::new(&c);
        let a = r.redact(
            json!({"data": [{"orderId": "111", "clientOid": "", "available": "12.5",
            "equity": 3, "userId": "42", "msg": "bad key-123 sec-456 pass-789", "price": "10"}]}),
        );
        let b = r.redact(json!({"orderId": 111, "parentId": 7}));
        assert_eq!(
            a,
            json!({"data": [{"orderId": "9000000000000001", "clientOid": "", "available": "0",
            "equity": 0, "userId": "redacted", "msg": "bad *** *** ***", "price": "10"}]})
        );
        assert_eq!(
            b,
            json!({"orderId": 9000000000000001u64, "parentId": "redacted"})
        );
    }
}
