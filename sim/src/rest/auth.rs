//! Request authentication exactly as Bitget documents it: the `ACCESS-*` headers, the ±30 s
//! timestamp window, base64 HMAC-SHA256 over `timestamp + METHOD + path [+ "?" + raw query] +
//! raw body` as received, then IP whitelist, demo/live environment and key permissions.

use crate::config::KeyConfig;
use crate::error::{ApiError, ApiResult};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::net::IpAddr;

/// A key with the account it acts for.
#[derive(Debug, Clone)]
pub struct KeyEntry {
    /// Account UID.
    pub uid: u64,
    /// Key settings.
    pub key: KeyConfig,
}

/// What an endpoint needs from the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// No authentication.
    Public,
    /// Any valid key (reads).
    Read,
    /// Futures order write permission (`coow`).
    TradeOrders,
    /// Futures position/holdings write permission (`cpow`).
    TradePositions,
}

/// The authentication headers of one request.
#[derive(Debug, Default)]
pub struct AuthHeaders<'a> {
    /// `ACCESS-KEY`.
    pub key: Option<&'a str>,
    /// `ACCESS-SIGN`.
    pub sign: Option<&'a str>,
    /// `ACCESS-TIMESTAMP`.
    pub timestamp: Option<&'a str>,
    /// `ACCESS-PASSPHRASE`.
    pub passphrase: Option<&'a str>,
    /// `paptrading` header present with value 1.
    pub demo: bool,
}

/// The prehash string Bitget signs.
pub fn prehash(timestamp: &str, method: &str, path: &str, query: &str, body: &[u8]) -> Vec<u8> {
    let mut s = Vec::with_capacity(timestamp.len() + path.len() + query.len() + body.len() + 8);
    s.extend_from_slice(timestamp.as_bytes());
    s.extend_from_slice(method.to_ascii_uppercase().as_bytes());
    s.extend_from_slice(path.as_bytes());
    if !query.is_empty() {
        s.push(b'?');
        s.extend_from_slice(query.as_bytes());
    }
    s.extend_from_slice(body);
    s
}

/// Checks `sign` (base64) against HMAC-SHA256(secret, message) in constant time.
pub fn signature_ok(secret: &str, message: &[u8], sign: &str) -> bool {
    let Ok(raw) = STANDARD.decode(sign.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(message);
    mac.verify_slice(&raw).is_ok()
}

fn has_any(perms: &[String], wanted: &[&str]) -> bool {
    perms
        .iter()
        .any(|p| wanted.iter().any(|w| p.eq_ignore_ascii_case(w)))
}

fn nonempty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// Authenticates a request; returns the key entry on success.
#[allow(clippy::too_many_arguments)]
pub fn authenticate<'k>(
    keys: &'k HashMap<String, KeyEntry>,
    h: &AuthHeaders<'_>,
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
    now_ms: i64,
    passphrase_code: &str,
) -> ApiResult<&'k KeyEntry> {
    let key =
        nonempty(h.key).ok_or_else(|| ApiError::new("40001", "ACCESS_KEY cannot be empty"))?;
    let sign =
        nonempty(h.sign).ok_or_else(|| ApiError::new("40002", "ACCESS_SIGN cannot be empty"))?;
    let pass = nonempty(h.passphrase)
        .ok_or_else(|| ApiError::new("40011", "ACCESS_PASSPHRASE cannot be empty"))?;
    let ts_text =
        nonempty(h.timestamp).ok_or_else(|| ApiError::new("40005", "Invalid ACCESS_TIMESTAMP"))?;
    let ts: i64 = ts_text
        .parse()
        .map_err(|_| ApiError::new("40005", "Invalid ACCESS_TIMESTAMP"))?;
    let entry = keys
        .get(key)
        .ok_or_else(|| ApiError::new("40006", "Invalid ACCESS_KEY"))?;
    if (now_ms - ts).abs() > 30_000 {
        return Err(ApiError::new("40008", "Request timestamp expired"));
    }
    if pass != entry.key.passphrase {
        return Err(ApiError::new(
            passphrase_code,
            "apikey/password is incorrect",
        ));
    }
    if !signature_ok(
        &entry.key.secret,
        &prehash(ts_text, method, path, query, body),
        sign,
    ) {
        return Err(ApiError::new("40009", "sign signature error"));
    }
    Ok(entry)
}

/// Whitelist, environment and permission checks after a valid signature.
pub fn authorize(
    entry: &KeyEntry,
    peer: Option<IpAddr>,
    demo_header: bool,
    need: Need,
) -> ApiResult<()> {
    if !entry.key.ips.is_empty() {
        let allowed = peer.is_some_and(|ip| {
            entry
                .key
                .ips
                .iter()
                .any(|w| w.trim().parse::<IpAddr>().is_ok_and(|w| w == ip))
        });
        if !allowed {
            let shown = peer.map(|p| p.to_string()).unwrap_or_default();
            return Err(ApiError::new("40018", format!("Invalid IP {shown}")));
        }
    }
    if entry.key.demo != demo_header {
        return Err(ApiError::new("40099", "exchange environment is incorrect"));
    }
    let perms = &entry.key.permissions;
    let (ok, named) = match need {
        Need::Public | Need::Read => (true, ""),
        Need::TradeOrders => (has_any(perms, &["coow", "trade"]), "contract order"),
        Need::TradePositions => (
            has_any(perms, &["cpow", "coow", "trade"]),
            "contract position",
        ),
    };
    if !ok {
        return Err(ApiError::new(
            "40014",
            format!("Incorrect permissions, need {named} write permissions"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Fixed known-answer vectors from the spec (§2.2.1), never recomputed here.
    const SECRET: &str = "test-secret-123";

    #[test]
    fn known_answer_vectors_verify() {
        let cases = [
            (
                "1684814440729GET/api/v2/mix/account/account?marginCoin=USDT&productType=USDT-FUTURES&symbol=BTCUSDT",
                "GjKAVm2d2GuucmRnN2OvisQXetvc9NeX2GuMdHQlxtA=",
            ),
            (
                "1684814440729GET/api/v2/mix/market/contracts?productType=USDT-FUTURES",
                "laufHzv/UXfMaV1xq0DbTAvUcDs42y2aqHi3f6CwA0w=",
            ),
            (
                r#"1684814440729POST/api/v2/mix/order/place-order{"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginMode":"crossed","marginCoin":"USDT","size":"0.001","side":"buy","orderType":"market"}"#,
                "eQ4udSoyGgCfGYo9PjRox01S6Cln7Ofi08N4FILKeWY=",
            ),
            (
                "1538054050GET/user/verify",
                "gywDnQH6It010S8IitfAXgQqvh1rxU26+VWXiXD6xSI=",
            ),
        ];
        for (pre, sign) in cases {
            assert!(signature_ok(SECRET, pre.as_bytes(), sign), "{pre}");
            assert!(!signature_ok("other", pre.as_bytes(), sign));
        }
    }

    #[test]
    fn prehash_puts_question_mark_only_with_a_query() {
        let p = prehash(
            "1684814440729",
            "get",
            "/api/v2/mix/market/contracts",
            "productType=USDT-FUTURES",
            b"",
        );
        assert!(signature_ok(
            SECRET,
            &p,
            "laufHzv/UXfMaV1xq0DbTAvUcDs42y2aqHi3f6CwA0w="
        ));
        assert_eq!(prehash("1", "GET", "/x", "", b""), b"1GET/x".to_vec());
    }
}
