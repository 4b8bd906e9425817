//! Account, settings, positions and key-info endpoints (spec §5.2, §5.3, §5.6).

use super::client::RestClient;
use crate::endpoints as ep;
use crate::error::Error;
use crate::models::{
    Account, AccountSummary, ApiKeyInfo, LeverageInfo, MarginMode, PosMode, Position,
    PositionModeInfo, SetLeverageRequest, SetMarginModeRequest, SetPositionModeRequest,
};
use crate::sign::Query;

impl RestClient {
    fn product_coin(&self) -> Query {
        let c = self.config();
        Query::new()
            .push("productType", c.product_type.as_str())
            .push("marginCoin", c.margin_coin.as_str())
    }

    /// `GET /api/v2/mix/account/account` for one symbol.
    pub async fn account(&self, symbol: &str) -> Result<Account, Error> {
        self.get(&ep::ACCOUNT, self.product_coin().push("symbol", symbol))
            .await
    }

    /// `GET /api/v2/mix/account/accounts`.
    pub async fn accounts(&self) -> Result<Vec<AccountSummary>, Error> {
        let q = Query::new().push("productType", self.config().product_type.as_str());
        self.get(&ep::ACCOUNTS, q).await
    }

    /// `POST /api/v2/mix/account/set-leverage` with one leverage for the symbol.
    pub async fn set_leverage(&self, symbol: &str, leverage: u32) -> Result<LeverageInfo, Error> {
        let c = self.config();
        let req = SetLeverageRequest {
            symbol: symbol.to_owned(),
            product_type: c.product_type,
            margin_coin: c.margin_coin.clone(),
            leverage: Some(leverage.into()),
            long_leverage: None,
            short_leverage: None,
            hold_side: None,
        };
        self.set_leverage_with(&req).await
    }

    /// `POST /api/v2/mix/account/set-leverage` with every option.
    pub async fn set_leverage_with(&self, req: &SetLeverageRequest) -> Result<LeverageInfo, Error> {
        self.post(&ep::SET_LEVERAGE, req, Vec::new()).await
    }

    /// `POST /api/v2/mix/account/set-margin-mode`.
    pub async fn set_margin_mode(
        &self,
        symbol: &str,
        mode: MarginMode,
    ) -> Result<LeverageInfo, Error> {
        let c = self.config();
        let req = SetMarginModeRequest {
            symbol: symbol.to_owned(),
            product_type: c.product_type,
            margin_coin: c.margin_coin.clone(),
            margin_mode: mode,
        };
        self.post(&ep::SET_MARGIN_MODE, &req, Vec::new()).await
    }

    /// `POST /api/v2/mix/account/set-position-mode`.
    pub async fn set_position_mode(&self, mode: PosMode) -> Result<PositionModeInfo, Error> {
        let req = SetPositionModeRequest {
            product_type: self.config().product_type,
            pos_mode: mode,
        };
        self.post(&ep::SET_POSITION_MODE, &req, Vec::new()).await
    }

    /// `GET /api/v2/mix/position/single-position`, zero-size rows dropped.
    pub async fn single_position(&self, symbol: &str) -> Result<Vec<Position>, Error> {
        let rows: Vec<Position> = self
            .get(
                &ep::SINGLE_POSITION,
                self.product_coin().push("symbol", symbol),
            )
            .await?;
        Ok(rows.into_iter().filter(Position::is_open).collect())
    }

    /// `GET /api/v2/mix/position/all-position`, zero-size rows dropped.
    pub async fn all_positions(&self) -> Result<Vec<Position>, Error> {
        let rows: Vec<Position> = self.get(&ep::ALL_POSITION, self.product_coin()).await?;
        let open: Vec<Position> = rows.into_iter().filter(Position::is_open).collect();
        crate::metrics::liquidation_distances(&open);
        Ok(open)
    }

    /// `GET /api/v2/spot/account/info` (key permissions).
    pub async fn api_key_info(&self) -> Result<ApiKeyInfo, Error> {
        self.get(&ep::SPOT_ACCOUNT_INFO, Query::new()).await
    }
}
