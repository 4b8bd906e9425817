//! API credentials: a type whose `Debug`/`Display` never reveal the secret or passphrase.

use std::fmt;

/// Bitget API key, secret and passphrase.
///
/// The secret and passphrase are only reachable inside the crate (for signing and the
/// `ACCESS-PASSPHRASE` header); formatting prints `***` in their place so a stray
/// `{:?}` in a log line cannot leak them.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    api_key: String,
    secret: String,
    passphrase: String,
}

impl Credentials {
    /// Builds credentials from the three values shown when the key was created.
    pub fn new(
        api_key: impl Into<String>,
        secret: impl Into<String>,
        passphrase: impl Into<String>,
    ) -> Self {
        Self {
            api_key: api_key.into(),
            secret: secret.into(),
            passphrase: passphrase.into(),
        }
    }

    /// The public API key (sent as `ACCESS-KEY`).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    pub(crate) fn secret(&self) -> &str {
        &self.secret
    }

    pub(crate) fn passphrase(&self) -> &str {
        &self.passphrase
    }

    /// The WebSocket login request (spec §7.4) for `timestamp_s` (seconds), signed.
    pub fn ws_login_message(&self, timestamp_s: &str) -> String {
        let sign = crate::sign::sign_ws_login(&self.secret, timestamp_s);
        serde_json::json!({ "op": "login", "args": [{ "apiKey": self.api_key,
            "passphrase": self.passphrase, "timestamp": timestamp_s, "sign": sign }] })
        .to_string()
    }

    /// `text` with the key, secret and passphrase replaced by `***` (for anything written).
    pub fn redact_text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for v in [&self.api_key, &self.secret, &self.passphrase] {
            if !v.is_empty() {
                out = out.replace(v.as_str(), "***");
            }
        }
        out
    }

    /// The key with all but its first four characters masked, for log lines.
    pub fn masked_key(&self) -> String {
        let head: String = self.api_key.chars().take(4).collect();
        format!("{head}***")
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("api_key", &self.masked_key())
            .field("secret", &"***")
            .field("passphrase", &"***")
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key={} secret=*** passphrase=***", self.masked_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_secret_and_passphrase() {
        let c = Credentials::new("bg_abcdef123", "s3cr3t-value", "pa55phrase");
        for text in [format!("{c:?}"), format!("{c}"), format!("{c:#?}")] {
            assert!(!text.contains("s3cr3t-value"), "{text}");
            assert!(!text.contains("pa55phrase"), "{text}");
            assert!(!text.contains("abcdef123"), "{text}");
            assert!(text.contains("***"), "{text}");
            assert!(text.contains("bg_a"), "{text}");
        }
    }
}
