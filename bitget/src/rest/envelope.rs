//! Envelope first: HTTP status and `code` decide success before `data` is typed.

use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;

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
