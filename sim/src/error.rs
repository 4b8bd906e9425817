//! The one error the simulator answers with: an HTTP status plus Bitget's code and message,
//! rendered as the standard error envelope.

/// A Bitget-style failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status (400 for business and auth errors, 429 for rate limits).
    pub http: u16,
    /// Bitget code, e.g. `"40009"`.
    pub code: String,
    /// Message with placeholders filled.
    pub msg: String,
}

impl ApiError {
    /// A business or auth error: HTTP 400.
    pub fn new(code: &str, msg: impl Into<String>) -> Self {
        Self {
            http: 400,
            code: code.into(),
            msg: msg.into(),
        }
    }
    /// The same with another HTTP status.
    pub fn with_http(mut self, http: u16) -> Self {
        self.http = http;
        self
    }
    /// `40019 Parameter {name} cannot be empty`.
    pub fn missing(name: &str) -> Self {
        Self::new("40019", format!("Parameter {name} cannot be empty"))
    }
    /// `40020 Parameter {name} error`.
    pub fn bad(name: &str) -> Self {
        Self::new("40020", format!("Parameter {name} error"))
    }
    /// HTTP 429 `Too Many Requests`.
    pub fn rate_limited() -> Self {
        Self::new("429", "Too Many Requests").with_http(429)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.msg)
    }
}

impl std::error::Error for ApiError {}

/// Result of an engine or handler call.
pub type ApiResult<T> = Result<T, ApiError>;
