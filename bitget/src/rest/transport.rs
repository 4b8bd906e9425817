//! One HTTP exchange on awc: build the signed request, send it, read the body, all under
//! the request timeout. Knows which failures may have reached the server.

use std::time::Duration;

use awc::error::SendRequestError;
use awc::http::header::CONTENT_TYPE;

use crate::error::{Error, excerpt};

/// Largest body accepted (the contracts list is a few hundred KiB).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A fully read HTTP answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// A failed exchange, and whether the request may have reached the server.
#[derive(Debug)]
pub(crate) struct Failure {
    pub error: Error,
    pub maybe_sent: bool,
}

/// Header names whose values never appear in logs.
pub const REDACTED_HEADERS: &[&str] = &[
    "ACCESS-KEY",
    "ACCESS-SIGN",
    "ACCESS-TIMESTAMP",
    "ACCESS-PASSPHRASE",
];

/// Renders headers for a log line with every `ACCESS-*` value replaced by `***`.
pub fn redact_headers(headers: &[(&str, String)]) -> String {
    headers
        .iter()
        .map(|(k, v)| {
            if k.to_ascii_uppercase().starts_with("ACCESS-") {
                format!("{k}: ***")
            } else {
                format!("{k}: {v}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) async fn send(
    client: &awc::Client,
    endpoint: &str,
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Option<&str>,
    timeout: Duration,
) -> Result<Reply, Failure> {
    tracing::trace!(headers = %redact_headers(headers), "request headers");
    let mut req = if method == "POST" {
        client.post(url)
    } else {
        client.get(url)
    };
    for (k, v) in headers {
        req = req.insert_header((*k, v.as_str()));
    }
    let exchange = async {
        let mut resp = match body {
            Some(b) => req.send_body(b.to_owned()).await,
            None => req.send().await,
        }
        .map_err(|e| send_failure(endpoint, e, timeout))?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.body().limit(MAX_BODY).await.map_err(|e| Failure {
            error: Error::Transport {
                endpoint: endpoint.to_owned(),
                reason: format!("HTTP {status}: body read failed after headers: {e}"),
            },
            maybe_sent: true,
        })?;
        Ok(Reply {
            status,
            content_type,
            body: body.to_vec(),
        })
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(r) => r,
        Err(_) => Err(Failure {
            error: Error::Timeout {
                endpoint: endpoint.to_owned(),
                after: timeout,
            },
            maybe_sent: true,
        }),
    }
}

fn send_failure(endpoint: &str, e: SendRequestError, timeout: Duration) -> Failure {
    let endpoint = endpoint.to_owned();
    match e {
        SendRequestError::Timeout => Failure {
            error: Error::Timeout {
                endpoint,
                after: timeout,
            },
            maybe_sent: true,
        },
        // Nothing left this machine: connect failed or the request could not be built.
        SendRequestError::Connect(_) | SendRequestError::Url(_) | SendRequestError::Http(_) => {
            Failure {
                error: Error::Transport {
                    endpoint,
                    reason: format!("not sent: {e}"),
                },
                maybe_sent: false,
            }
        }
        other => Failure {
            error: Error::Transport {
                endpoint,
                reason: format!("connection failed during the exchange: {other}"),
            },
            maybe_sent: true,
        },
    }
}

/// The reply as a short string for debug logs.
pub(crate) fn describe(reply: &Reply) -> String {
    format!(
        "HTTP {} {}",
        reply.status,
        excerpt(&reply.body[..reply.body.len().min(120)])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_headers_are_redacted() {
        let h = vec![
            ("ACCESS-KEY", "bg_key_123".to_owned()),
            ("ACCESS-SIGN", "c2lnbmF0dXJl".to_owned()),
            ("ACCESS-PASSPHRASE", "hunter2".to_owned()),
            ("ACCESS-TIMESTAMP", "1684814440729".to_owned()),
            ("paptrading", "1".to_owned()),
        ];
        let s = redact_headers(&h);
        for secret in ["bg_key_123", "c2lnbmF0dXJl", "hunter2", "1684814440729"] {
            assert!(!s.contains(secret), "{s}");
        }
        assert!(s.contains("paptrading: 1"), "{s}");
        assert_eq!(REDACTED_HEADERS.len(), 4);
    }
}
