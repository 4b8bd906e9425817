//! The one table mapping Bitget error codes (spec §2.4, §3.3) to what the caller does next.

/// What a Bitget error code means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeClass {
    /// Server-side transient trouble (maintenance, "system abnormal"): safe to retry a read.
    Transient,
    /// Rate limit hit: wait, then retry.
    RateLimited,
    /// Request timestamp outside the window: resync the clock and retry once.
    Timestamp,
    /// Authentication, permission, IP, account restriction: fatal until a human fixes it.
    Auth,
    /// The referenced order / plan does not exist (or is already finished).
    NotFound,
    /// Any other business rejection: the request was refused and nothing was applied.
    Rejected,
}

/// Codes by class. Anything absent is [`CodeClass::Rejected`].
const TABLE: &[(CodeClass, &[&str])] = &[
    (CodeClass::Transient, &["40015", "40200", "40725", "45001"]),
    (CodeClass::RateLimited, &["429", "30006", "30007"]),
    (CodeClass::Timestamp, &["40004", "40005", "40008", "40911"]),
    (
        CodeClass::Auth,
        &[
            "40001", "40002", "40003", "40006", "40007", "40009", "40011", "40012", "40014",
            "40018", "40022", "40023", "40024", "40025", "40026", "40035", "40036", "40037",
            "40038", "40040", "40041", "40099", "40101", "40103", "40104", "40110", "40111",
            "40916", "22010", "22030", "40000",
        ],
    ),
    (
        CodeClass::NotFound,
        &[
            "40109", "43001", "40768", "40819", "45057", "22001", "43020", "43025",
        ],
    ),
];

/// Classifies a Bitget `code` string.
pub fn classify(code: &str) -> CodeClass {
    TABLE
        .iter()
        .find(|(_, codes)| codes.contains(&code))
        .map(|(class, _)| *class)
        .unwrap_or(CodeClass::Rejected)
}

/// The success code of the envelope.
pub const SUCCESS: &str = "00000";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows() {
        let rows = [
            ("429", CodeClass::RateLimited),
            ("40015", CodeClass::Transient),
            ("45001", CodeClass::Transient),
            ("40725", CodeClass::Transient),
            ("40200", CodeClass::Transient),
            ("40008", CodeClass::Timestamp),
            ("40004", CodeClass::Timestamp),
            ("40911", CodeClass::Timestamp),
            ("40005", CodeClass::Timestamp),
            ("40009", CodeClass::Auth),
            ("40006", CodeClass::Auth),
            ("40012", CodeClass::Auth),
            ("40036", CodeClass::Auth),
            ("40014", CodeClass::Auth),
            ("40018", CodeClass::Auth),
            ("40038", CodeClass::Auth),
            ("40099", CodeClass::Auth),
            ("40109", CodeClass::NotFound),
            ("43001", CodeClass::NotFound),
            ("40768", CodeClass::NotFound),
            ("43025", CodeClass::NotFound),
            ("40762", CodeClass::Rejected),
            ("45110", CodeClass::Rejected),
            ("40774", CodeClass::Rejected),
            ("40786", CodeClass::Rejected),
            ("43118", CodeClass::Rejected),
            ("40808", CodeClass::Rejected),
            ("99999", CodeClass::Rejected),
            ("", CodeClass::Rejected),
        ];
        for (code, class) in rows {
            assert_eq!(classify(code), class, "code {code}");
        }
    }

    #[test]
    fn no_code_is_in_two_classes() {
        let mut seen = std::collections::HashSet::new();
        for (_, codes) in TABLE {
            for c in *codes {
                assert!(seen.insert(*c), "duplicate {c}");
            }
        }
    }
}
