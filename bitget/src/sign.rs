//! Pure request signing (spec §2.2): prehash, HMAC-SHA256, base64, and the sorted query string.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// `ts + UPPER(method) + path + ("?" + query if non-empty) + body`.
pub fn prehash(timestamp: &str, method: &str, path: &str, query: &str, body: &str) -> String {
    let mut s = String::with_capacity(
        timestamp.len() + method.len() + path.len() + query.len() + body.len() + 1,
    );
    s.push_str(timestamp);
    s.push_str(&method.to_ascii_uppercase());
    s.push_str(path);
    if !query.is_empty() {
        s.push('?');
        s.push_str(query);
    }
    s.push_str(body);
    s
}

/// base64(HMAC-SHA256(secret, message)), standard alphabet with padding.
pub fn hmac_base64(secret: &str, message: &str) -> String {
    let mut mac = Signer::new(secret).mac;
    mac.update(message.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The `ACCESS-SIGN` value of a REST request.
pub fn sign_request(
    secret: &str,
    timestamp_ms: &str,
    method: &str,
    path: &str,
    query: &str,
    body: &str,
) -> String {
    Signer::new(secret).sign(timestamp_ms, method, path, query, body)
}

/// A secret keyed into HMAC-SHA256 once: each signature clones the keyed state instead of
/// hashing the key again, and feeds the prehash's parts without building it.
#[derive(Clone)]
pub struct Signer {
    mac: HmacSha256,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(***)")
    }
}

impl Signer {
    /// Keys HMAC-SHA256 with `secret`.
    pub fn new(secret: &str) -> Self {
        // HMAC accepts keys of any length, so this cannot fail; the fallback keeps the
        // function total without an unwrap.
        let mac = HmacSha256::new_from_slice(secret.as_bytes())
            .unwrap_or_else(|_| HmacSha256::new(&Default::default()));
        Self { mac }
    }

    /// The `ACCESS-SIGN` value of a REST request: base64(HMAC-SHA256 of [`prehash`]).
    pub fn sign(
        &self,
        timestamp_ms: &str,
        method: &str,
        path: &str,
        query: &str,
        body: &str,
    ) -> String {
        let mut mac = self.mac.clone();
        mac.update(timestamp_ms.as_bytes());
        // Methods are short ASCII words: upper-case them on the stack.
        let mut upper = [0u8; 8];
        match upper.get_mut(..method.len()) {
            Some(buf) => {
                buf.copy_from_slice(method.as_bytes());
                buf.make_ascii_uppercase();
                mac.update(buf);
            }
            None => mac.update(method.to_ascii_uppercase().as_bytes()),
        }
        mac.update(path.as_bytes());
        if !query.is_empty() {
            mac.update(b"?");
            mac.update(query.as_bytes());
        }
        mac.update(body.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }
}

/// The `sign` of a WebSocket login (`timestamp` in **seconds**, spec §7.4).
pub fn sign_ws_login(secret: &str, timestamp_s: &str) -> String {
    hmac_base64(secret, &prehash(timestamp_s, "GET", "/user/verify", "", ""))
}

/// Query parameters, kept sorted by key so the URL and the prehash use one identical string.
///
/// Values are not percent-encoded (spec §2.2: the server verifies the string it received);
/// the client restricts what it puts here (`clientOid`, symbols) to URL-safe characters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    params: BTreeMap<String, String>,
}

impl Query {
    /// An empty query.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key=value` (replacing an earlier value for the same key).
    pub fn push(mut self, key: &str, value: impl Into<String>) -> Self {
        self.params.insert(key.to_owned(), value.into());
        self
    }

    /// Adds `key=value` when `value` is `Some`.
    pub fn push_opt<V: Into<String>>(self, key: &str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.push(key, v),
            None => self,
        }
    }

    /// True when no parameter was added.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// `k=v&k=v`, keys ascending; the empty string when there are no parameters.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (i, (k, v)) in self.params.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(k);
            out.push('=');
            out.push_str(v);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "test-secret-123";

    // Fixed vectors of spec §2.2.1, written out literally on purpose.
    #[test]
    fn known_answer_get_account() {
        let pre = "1684814440729GET/api/v2/mix/account/account?marginCoin=USDT&productType=USDT-FUTURES&symbol=BTCUSDT";
        assert_eq!(
            hmac_base64(SECRET, pre),
            "GjKAVm2d2GuucmRnN2OvisQXetvc9NeX2GuMdHQlxtA="
        );
    }

    #[test]
    fn known_answer_get_contracts_via_sign_request() {
        let sig = sign_request(
            SECRET,
            "1684814440729",
            "get",
            "/api/v2/mix/market/contracts",
            "productType=USDT-FUTURES",
            "",
        );
        assert_eq!(sig, "laufHzv/UXfMaV1xq0DbTAvUcDs42y2aqHi3f6CwA0w=");
    }

    #[test]
    fn known_answer_post_place_order() {
        let body = r#"{"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginMode":"crossed","marginCoin":"USDT","size":"0.001","side":"buy","orderType":"market"}"#;
        let sig = sign_request(
            SECRET,
            "1684814440729",
            "POST",
            "/api/v2/mix/order/place-order",
            "",
            body,
        );
        assert_eq!(sig, "eQ4udSoyGgCfGYo9PjRox01S6Cln7Ofi08N4FILKeWY=");
    }

    #[test]
    fn known_answer_ws_login() {
        assert_eq!(
            sign_ws_login(SECRET, "1538054050"),
            "gywDnQH6It010S8IitfAXgQqvh1rxU26+VWXiXD6xSI="
        );
    }

    #[test]
    fn prehash_omits_question_mark_without_query() {
        assert_eq!(prehash("1", "get", "/p", "", ""), "1GET/p");
        assert_eq!(prehash("1", "GET", "/p", "a=b", ""), "1GET/p?a=b");
        assert_eq!(prehash("1", "post", "/p", "", "{}"), "1POST/p{}");
    }

    #[test]
    fn query_is_sorted_whatever_the_insertion_order() {
        let q = Query::new()
            .push("symbol", "BTCUSDT")
            .push("productType", "USDT-FUTURES")
            .push("marginCoin", "USDT")
            .push_opt::<String>("absent", None);
        assert_eq!(
            q.encode(),
            "marginCoin=USDT&productType=USDT-FUTURES&symbol=BTCUSDT"
        );
        // The same string signs to the spec's first vector.
        let sig = sign_request(
            SECRET,
            "1684814440729",
            "GET",
            "/api/v2/mix/account/account",
            &q.encode(),
            "",
        );
        assert_eq!(sig, "GjKAVm2d2GuucmRnN2OvisQXetvc9NeX2GuMdHQlxtA=");
        assert_eq!(Query::new().encode(), "");
        assert!(Query::new().is_empty());
    }

    #[test]
    fn a_reused_signer_signs_like_the_prehash() {
        let signer = Signer::new(SECRET);
        let body = r#"{"symbol":"BTCUSDT"}"#;
        for (method, query, body) in [
            ("GET", "a=1&b=2", ""),
            ("get", "", ""),
            ("POST", "", body),
            ("post", "", body),
            ("PROPFIND-LONG", "x=1", body),
        ] {
            let want = hmac_base64(SECRET, &prehash("1684814440729", method, "/p", query, body));
            for _ in 0..2 {
                assert_eq!(
                    signer.sign("1684814440729", method, "/p", query, body),
                    want
                );
            }
        }
        assert_eq!(format!("{signer:?}"), "Signer(***)");
    }

    #[test]
    fn a_changed_byte_changes_the_signature() {
        let a = sign_request(SECRET, "1", "GET", "/p", "a=1", "");
        let b = sign_request(SECRET, "1", "GET", "/p", "a=2", "");
        assert_ne!(a, b);
    }
}
