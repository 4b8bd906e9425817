//! API key information (spec §5.6): `GET /api/v2/spot/account/info`.

use serde::Deserialize;

use super::de as d;

/// What the key is and may do.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyInfo {
    /// Account UID.
    #[serde(deserialize_with = "d::id")]
    pub user_id: String,
    /// Inviter.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub inviter_id: Option<String>,
    /// IP whitelist, comma separated (`""` = none).
    #[serde(default, deserialize_with = "d::opt_str")]
    pub ips: Option<String>,
    /// Permission codes (`coow`, `cpow`, ... or `trade`, `readonly`); unknown strings kept.
    #[serde(default, deserialize_with = "d::null_vec")]
    pub authorities: Vec<String>,
    /// Main account UID (a JSON number).
    #[serde(default, deserialize_with = "opt_id")]
    pub parent_id: Option<String>,
    /// `trader` / `not_trader`.
    #[serde(default, deserialize_with = "d::opt_str")]
    pub trader_type: Option<String>,
    /// Registration time, ms.
    #[serde(default, deserialize_with = "d::opt_int")]
    pub regis_time: Option<i64>,
}

fn opt_id<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    d::opt_str(de)
}

impl ApiKeyInfo {
    /// True when the key may trade USDT-M futures orders (`coow`, or the doc's `trade`).
    pub fn can_trade_futures(&self) -> bool {
        self.authorities
            .iter()
            .any(|a| a.eq_ignore_ascii_case("coow") || a.eq_ignore_ascii_case("trade"))
    }
}
