//! Envelope first: HTTP status and `code` decide success before `data` is typed.

use std::marker::PhantomData;
use std::time::Duration;

use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::codes::SUCCESS;
use crate::error::{Error, excerpt};
use crate::models::de as d;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Head {
    #[serde(deserialize_with = "d::id")]
    code: String,
    #[serde(default, deserialize_with = "d::opt_str")]
    msg: Option<String>,
}

#[derive(Deserialize)]
struct Body<T> {
    data: T,
}

/// What came back over HTTP, before interpretation.
#[derive(Debug, Clone, Copy)]
pub struct RawResponse<'a> {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type` header, if any.
    pub content_type: Option<&'a str>,
    /// The body bytes.
    pub body: &'a [u8],
}

/// Turns an HTTP answer into typed `data` or a classified [`Error`].
///
/// Rules (spec §3): 429 is a rate limit whatever the body; a JSON envelope with
/// `code != "00000"` is an error whatever the status; a 5xx without an envelope is a
/// transport failure (proxy page, crash); anything else that is not the documented shape
/// is a [`Error::Decode`] naming the endpoint, with a body excerpt.
pub fn decode_response<T: DeserializeOwned>(
    endpoint: &str,
    raw: RawResponse<'_>,
    pause: Duration,
) -> Result<T, Error> {
    if (200..300).contains(&raw.status)
        && let Some(data) = crate::models::lenient::scope_if_some(endpoint, || fast::<T>(raw.body))
    {
        return Ok(data);
    }
    decode_full(endpoint, raw, pause)
}

/// The full path: envelope head first, then `data` with the failing field's path on error.
fn decode_full<T: DeserializeOwned>(
    endpoint: &str,
    raw: RawResponse<'_>,
    pause: Duration,
) -> Result<T, Error> {
    if raw.status == 429 {
        return Err(Error::RateLimited {
            endpoint: endpoint.to_owned(),
            retry_after: pause,
        });
    }
    let ct = raw.content_type.unwrap_or("none");
    let head: Head = match serde_json::from_slice(raw.body) {
        Ok(h) => h,
        Err(e) => return Err(not_an_envelope(endpoint, raw, ct, &e.to_string())),
    };
    if head.code != SUCCESS {
        return Err(Error::from_code(
            endpoint,
            &head.code,
            head.msg.as_deref().unwrap_or(""),
            pause,
        ));
    }
    if !(200..300).contains(&raw.status) {
        return Err(Error::decode(
            endpoint,
            format!("HTTP {} with success code 00000", raw.status),
            raw.body,
        ));
    }
    // The path names the field of a strict failure (`data[0].lastPr: invalid decimal …`);
    // informational fields met on the way are counted under this endpoint.
    crate::models::lenient::scope(endpoint, || {
        let mut de = serde_json::Deserializer::from_slice(raw.body);
        let body = serde_path_to_error::deserialize::<_, Body<T>>(&mut de)
            .map_err(|e| Error::decode(endpoint, e.to_string(), raw.body))?;
        de.end()
            .map_err(|e| Error::decode(endpoint, e.to_string(), raw.body))?;
        Ok(body.data)
    })
}

/// A success answer in one pass over the bytes: `code` (Bitget sends it first) is read, then
/// `data` is typed straight away. Declines (`None`) on anything else: an error code, `data`
/// before `code`, a repeated key, trailing bytes, a `data` that does not decode. The full path
/// then runs and gives the same value, or the error with the failing field's path.
fn fast<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    d::without_paths(|| {
        let mut de = serde_json::Deserializer::from_slice(body);
        let data = serde::Deserializer::deserialize_map(&mut de, FastEnvelope(PhantomData)).ok()?;
        de.end().ok()?;
        Some(data)
    })
}

struct FastEnvelope<T>(PhantomData<T>);

/// The envelope keys the full path reads; any other is skipped.
enum Key {
    Code,
    Msg,
    Data,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(match s {
                    "code" => Key::Code,
                    "msg" => Key::Msg,
                    "data" => Key::Data,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// `code` and `msg` validated exactly as [`Head`] does.
struct Code(String);
struct Msg;

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d::id(d).map(Code)
    }
}

impl<'de> Deserialize<'de> for Msg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d::opt_str(d).map(|_| Msg)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for FastEnvelope<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a success envelope, code first")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let decline = || serde::de::Error::custom("not the fast path");
        let (mut success, mut msg, mut data) = (None, false, None);
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Code if success.is_none() => {
                    success = Some(map.next_value::<Code>()?.0 == SUCCESS);
                }
                Key::Msg if !msg => {
                    map.next_value::<Msg>()?;
                    msg = true;
                }
                Key::Data if success == Some(true) && data.is_none() => {
                    data = Some(map.next_value::<T>()?);
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
                _ => return Err(decline()),
            }
        }
        data.ok_or_else(decline)
    }
}

fn not_an_envelope(endpoint: &str, raw: RawResponse<'_>, ct: &str, err: &str) -> Error {
    let what = if raw.body.is_empty() {
        "empty body".to_owned()
    } else {
        format!("not a JSON envelope ({err})")
    };
    if raw.status >= 500 {
        return Error::Transport {
            endpoint: endpoint.to_owned(),
            reason: format!(
                "HTTP {} {what}, content-type {ct}: {}",
                raw.status,
                excerpt(raw.body)
            ),
        };
    }
    Error::decode(
        endpoint,
        format!("HTTP {} {what}, content-type {ct}", raw.status),
        raw.body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ServerTime;

    const P: Duration = Duration::from_secs(2);

    fn raw(status: u16, ct: &'static str, body: &'static str) -> RawResponse<'static> {
        RawResponse {
            status,
            content_type: Some(ct),
            body: body.as_bytes(),
        }
    }

    fn dec(r: RawResponse<'_>) -> Result<ServerTime, Error> {
        decode_response("/t", r, P)
    }

    #[test]
    fn success_and_error_envelopes() {
        let ok = r#"{"code":"00000","msg":"success","requestTime":1,"data":{"serverTime":"5"}}"#;
        assert_eq!(
            dec(raw(200, "application/json", ok)).unwrap().server_time,
            5
        );
        let rej = r#"{"code":"40762","msg":"The order amount exceeds the balance","requestTime":1,"data":null}"#;
        assert_eq!(
            dec(raw(400, "application/json", rej)).unwrap_err().class(),
            "exchange"
        );
        // code != 00000 is an error even with HTTP 200
        assert_eq!(
            dec(raw(200, "application/json", rej)).unwrap_err().class(),
            "exchange"
        );
        let auth = r#"{"code":"40009","msg":"sign signature error","data":null}"#;
        assert_eq!(
            dec(raw(400, "application/json", auth)).unwrap_err().class(),
            "auth"
        );
        let num = r#"{"code":40015,"msg":"busy","data":null}"#;
        assert_eq!(
            dec(raw(500, "application/json", num)).unwrap_err().class(),
            "unavailable"
        );
    }

    #[test]
    fn rate_limit_whatever_the_body() {
        for body in [
            "",
            "<html>slow down</html>",
            r#"{"code":"429","msg":"Too Many Requests"}"#,
        ] {
            let e = dec(raw(429, "text/html", body)).unwrap_err();
            assert_eq!(
                e,
                Error::RateLimited {
                    endpoint: "/t".into(),
                    retry_after: P
                }
            );
        }
        let e = dec(raw(
            200,
            "application/json",
            r#"{"code":"429","msg":"x","data":null}"#,
        ));
        assert_eq!(e.unwrap_err().class(), "rate_limited");
    }

    /// The one-pass path gives exactly what the full path gives, and declines what it must.
    #[test]
    fn the_fast_path_agrees_with_the_full_path() {
        use crate::models::MaybeOrder;
        let order = r#"{"symbol":"BTCUSDT","size":"0.01","orderId":"1","clientOid":"c1","baseVolume":"0","price":"0","side":"buy","status":"live","orderType":"market","force":"gtc","marginCoin":"USDT","marginMode":"crossed","posMode":"one_way_mode","tradeSide":"buy_single","cTime":"1695718781129","uTime":"1695718781129"}"#;
        let ok = |data: &str| {
            format!(r#"{{"code":"00000","msg":"success","requestTime":1,"data":{data}}}"#)
        };
        // (body, whether the fast path takes it)
        let cases = [
            (ok(order), true),
            (ok("null"), true),
            (ok("[]"), true),
            (format!(r#" {{"code":"00000","data":{order}}} "#), true),
            (format!(r#"{{"data":{order},"code":"00000"}}"#), false),
            (
                format!(r#"{{"code":"00000","code":"00000","data":{order}}}"#),
                false,
            ),
            (
                format!(r#"{{"code":"00000","msg":"a","msg":"b","data":{order}}}"#),
                false,
            ),
            (
                format!(r#"{{"code":"00000","msg":{{}},"data":{order}}}"#),
                false,
            ),
            (
                format!(r#"{{"code":"00000","data":{order},"data":null}}"#),
                false,
            ),
            (format!(r#"{{"code":"00000","data":{order}}} x"#), false),
            (
                format!(r#"{{"code":"43001","msg":"not found","data":{order}}}"#),
                false,
            ),
            (format!(r#"{{"code":0,"data":{order}}}"#), false),
            (
                ok(&order.replace(r#""orderId":"1""#, r#""orderId":{}"#)),
                false,
            ),
            (ok(&format!("[{order}]")), false),
            (r#"["00000","success"]"#.to_owned(), false),
            (r#"{"code":"00000"}"#.to_owned(), false),
        ];
        for (body, fast_path) in cases {
            for status in [200, 400, 429, 502] {
                let r = RawResponse {
                    status,
                    content_type: Some("application/json"),
                    body: body.as_bytes(),
                };
                let got = decode_response::<MaybeOrder>("/d", r, P);
                assert_eq!(
                    got,
                    decode_full::<MaybeOrder>("/d", r, P),
                    "{status} {body}"
                );
                if status == 200 {
                    assert_eq!(
                        fast::<MaybeOrder>(body.as_bytes()).is_some(),
                        fast_path,
                        "{body}"
                    );
                }
            }
        }
        // The full path still names the failing field.
        let bad = ok(&order.replace(r#""orderId":"1""#, r#""orderId":{}"#));
        let e = decode_response::<MaybeOrder>("/d", raw(200, "application/json", bad.leak()), P);
        assert!(e.unwrap_err().to_string().contains("data.orderId"));
    }

    #[test]
    fn bad_bodies_are_typed_errors() {
        let html = "<html><body>502 Bad Gateway</body></html>";
        let e = dec(raw(502, "text/html", html)).unwrap_err();
        assert_eq!(e.class(), "transport");
        assert!(e.to_string().contains("text/html"), "{e}");
        let e = dec(raw(200, "text/html", html)).unwrap_err();
        assert_eq!(e.class(), "decode");
        assert!(e.to_string().contains("text/html"), "{e}");
        let e = dec(raw(200, "application/json", "")).unwrap_err();
        assert!(e.to_string().contains("empty body"), "{e}");
        let e = dec(raw(
            200,
            "application/json",
            r#"{"code":"00000","msg":"success","da"#,
        ));
        assert_eq!(e.unwrap_err().class(), "decode");
        // success code but data of the wrong shape: strict
        let e = dec(raw(
            200,
            "application/json",
            r#"{"code":"00000","data":{"serverTime":true}}"#,
        ));
        assert_eq!(e.unwrap_err().class(), "decode");
        let e = dec(raw(
            200,
            "application/json",
            r#"{"code":"00000","data":{}}"#,
        ))
        .unwrap_err();
        assert!(e.to_string().contains("serverTime"), "{e}");
        let e = dec(raw(200, "application/json", r#"{"code":"00000"}"#)).unwrap_err();
        assert_eq!(e.class(), "decode");
    }
}
