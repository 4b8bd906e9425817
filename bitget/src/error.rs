//! The crate's one error enum, grouped by what the caller does next.

use std::time::Duration;

use crate::codes::{self, CodeClass};

/// Longest body excerpt kept in a [`Error::Decode`].
pub const BODY_EXCERPT_BYTES: usize = 512;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to Bitget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Retry: connection refused/reset, HTTP 5xx, a non-JSON error page from a proxy.
    #[error("{endpoint}: transport error: {reason}")]
    Transport {
        /// Endpoint path.
        endpoint: String,
        /// What happened, in words.
        reason: String,
    },
    /// Retry: no complete answer within the request timeout.
    #[error("{endpoint}: no answer within {after:?}")]
    Timeout {
        /// Endpoint path.
        endpoint: String,
        /// The timeout that fired.
        after: Duration,
    },
    /// Retry a read: the exchange said it is busy/abnormal (40015, 45001, ...).
    #[error("{endpoint}: exchange temporarily unavailable: {code} {msg}")]
    Unavailable {
        /// Endpoint path.
        endpoint: String,
        /// Bitget code.
        code: String,
        /// Bitget message.
        msg: String,
    },
    /// Wait: the rate limit was hit (HTTP 429 or a rate-limit code).
    #[error("{endpoint}: rate limited, retry after {retry_after:?}")]
    RateLimited {
        /// Endpoint path.
        endpoint: String,
        /// How long this endpoint is paused client-side.
        retry_after: Duration,
    },
    /// Rejected: a business error; nothing was applied. Never retried blindly.
    #[error("{endpoint}: rejected by exchange: {code} {msg}")]
    Exchange {
        /// Endpoint path.
        endpoint: String,
        /// Bitget code.
        code: String,
        /// Bitget message (localised; match on `code`, never on this).
        msg: String,
    },
    /// Fatal until fixed: bad key, signature, passphrase, permission, IP, clock.
    #[error("{endpoint}: authentication/permission error: {code} {msg}")]
    Auth {
        /// Endpoint path.
        endpoint: String,
        /// Bitget code.
        code: String,
        /// Bitget message.
        msg: String,
    },
    /// API drift or bug: the answer did not have the documented shape.
    #[error("{endpoint}: cannot decode response: {reason}; body: {body}")]
    Decode {
        /// Endpoint path.
        endpoint: String,
        /// Parser message (field, line, column).
        reason: String,
        /// The first [`BODY_EXCERPT_BYTES`] bytes of the body.
        body: String,
    },
    /// An order create whose outcome is unknown (timeout, reset, 5xx after send):
    /// settle it by querying the client order ids, never by sending again.
    #[error("{endpoint}: outcome unknown for clientOid {client_oids:?}")]
    Unknown {
        /// Endpoint path.
        endpoint: String,
        /// The client order ids carried by the request (empty for close-positions).
        client_oids: Vec<String>,
    },
    /// The request was refused locally before being sent (bad clientOid, empty batch, ...).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl Error {
    /// True when sending the same request again later is safe and may succeed
    /// (only ever applied to reads and cancels by the client itself).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Transport { .. }
                | Error::Timeout { .. }
                | Error::Unavailable { .. }
                | Error::RateLimited { .. }
        )
    }

    /// The Bitget code, when the exchange answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Unavailable { code, .. }
            | Error::Exchange { code, .. }
            | Error::Auth { code, .. } => Some(code),
            _ => None,
        }
    }

    /// True for "order / plan does not exist" answers (40109, 43001, ...).
    pub fn is_not_found(&self) -> bool {
        self.code()
            .is_some_and(|c| codes::classify(c) == CodeClass::NotFound)
    }

    /// A short label of the class, used as a metric label.
    pub fn class(&self) -> &'static str {
        match self {
            Error::Transport { .. } => "transport",
            Error::Timeout { .. } => "timeout",
            Error::Unavailable { .. } => "unavailable",
            Error::RateLimited { .. } => "rate_limited",
            Error::Exchange { .. } => "exchange",
            Error::Auth { .. } => "auth",
            Error::Decode { .. } => "decode",
            Error::Unknown { .. } => "unknown",
            Error::InvalidRequest(_) => "invalid_request",
        }
    }

    /// Builds the error for an exchange `code`/`msg`, by the class of the code.
    pub fn from_code(endpoint: &str, code: &str, msg: &str, pause: Duration) -> Self {
        let (endpoint, code_s, msg_s) = (endpoint.to_owned(), code.to_owned(), msg.to_owned());
        match codes::classify(code) {
            CodeClass::Transient => Error::Unavailable {
                endpoint,
                code: code_s,
                msg: msg_s,
            },
            CodeClass::RateLimited => Error::RateLimited {
                endpoint,
                retry_after: pause,
            },
            CodeClass::Auth | CodeClass::Timestamp => Error::Auth {
                endpoint,
                code: code_s,
                msg: msg_s,
            },
            CodeClass::NotFound | CodeClass::Rejected => Error::Exchange {
                endpoint,
                code: code_s,
                msg: msg_s,
            },
        }
    }

    /// A decode error with the body cut to [`BODY_EXCERPT_BYTES`] (on a char boundary).
    pub fn decode(endpoint: &str, reason: impl ToString, body: &[u8]) -> Self {
        Error::Decode {
            endpoint: endpoint.to_owned(),
            reason: reason.to_string(),
            body: excerpt(body),
        }
    }
}

/// The body as lossy UTF-8, cut to at most [`BODY_EXCERPT_BYTES`] bytes.
pub fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(BODY_EXCERPT_BYTES)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if body.len() > BODY_EXCERPT_BYTES {
        s.push_str("…(truncated)");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Duration = Duration::from_secs(1);

    #[test]
    fn classes_from_codes() {
        let rows: [(&str, &str, bool); 8] = [
            ("40015", "unavailable", true),
            ("429", "rate_limited", true),
            ("40009", "auth", false),
            ("40008", "auth", false),
            ("40762", "exchange", false),
            ("43001", "exchange", false),
            ("40109", "exchange", false),
            ("12345", "exchange", false),
        ];
        for (code, class, retry) in rows {
            let e = Error::from_code("/p", code, "m", P);
            assert_eq!(e.class(), class, "{code}");
            assert_eq!(e.is_retryable(), retry, "{code}");
        }
        assert!(Error::from_code("/p", "40109", "m", P).is_not_found());
        assert!(!Error::from_code("/p", "40762", "m", P).is_not_found());
    }

    #[test]
    fn unknown_and_decode_are_never_retryable() {
        let u = Error::Unknown {
            endpoint: "/p".into(),
            client_oids: vec!["a".into()],
        };
        assert!(!u.is_retryable());
        assert!(!Error::decode("/p", "x", b"{").is_retryable());
        assert!(
            Error::Timeout {
                endpoint: "/p".into(),
                after: P
            }
            .is_retryable()
        );
    }

    #[test]
    fn decode_body_is_truncated() {
        let body = vec![b'x'; 5000];
        match Error::decode("/p", "bad", &body) {
            Error::Decode { body, .. } => {
                assert!(body.len() < 600, "{}", body.len());
                assert!(body.ends_with("(truncated)"));
            }
            other => panic!("{other:?}"),
        }
        // multi-byte characters at the cut do not panic
        let body = "é".repeat(600);
        let _ = Error::decode("/p", "bad", body.as_bytes());
    }
}
