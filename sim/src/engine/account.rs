//! Account arithmetic (equity, margin in use, frozen order margin, available balance,
//! liquidation price) and the account settings endpoints' rules.

use super::types::{Hold, MarginMode, PosMode, Position};
use super::{Engine, SymbolSettings};
use crate::error::{ApiError, ApiResult};
use rust_decimal::Decimal;

impl Engine {
    /// Settings of `symbol` for `uid` (defaults when never set).
    pub fn settings(&self, uid: u64, symbol: &str) -> SymbolSettings {
        let acct = self.accounts.get(&uid);
        let lev = acct.map(|a| a.default_leverage).unwrap_or(10);
        acct.and_then(|a| a.settings.get(symbol).copied())
            .unwrap_or(SymbolSettings {
                margin_mode: MarginMode::Crossed,
                long_lev: lev,
                short_lev: lev,
            })
    }

    /// Leverage that applies to `hold` on `symbol`.
    pub fn leverage_for(&self, uid: u64, symbol: &str, hold: Hold) -> u32 {
        let s = self.settings(uid, symbol);
        match hold {
            Hold::Long => s.long_lev,
            Hold::Short => s.short_lev,
        }
    }

    /// Mark price of `symbol` (zero if unknown).
    pub fn mark(&self, symbol: &str) -> Decimal {
        self.markets.get(symbol).map(|m| m.mark).unwrap_or_default()
    }

    /// Unrealised PnL of all positions of `uid` at mark.
    pub fn upnl(&self, uid: u64) -> Decimal {
        self.positions_of(uid)
            .map(|p| p.upnl(self.mark(&p.symbol)))
            .sum()
    }

    /// Margin held by positions of `uid`.
    pub fn position_margin(&self, uid: u64) -> Decimal {
        self.positions_of(uid).map(|p| p.margin).sum()
    }

    /// Margin reserved by resting orders that could open positions.
    pub fn frozen(&self, uid: u64) -> Decimal {
        self.open_orders()
            .filter(|o| o.uid == uid && !o.reduces_only())
            .map(|o| o.remaining() * o.price.unwrap_or_default() / Decimal::from(o.leverage.max(1)))
            .sum()
    }

    /// Wallet balance plus unrealised PnL.
    pub fn equity(&self, uid: u64) -> Decimal {
        self.accounts
            .get(&uid)
            .map(|a| a.balance)
            .unwrap_or_default()
            + self.upnl(uid)
    }

    /// What can still be used to open: equity less position margin and frozen order margin.
    pub fn available(&self, uid: u64) -> Decimal {
        (self.equity(uid) - self.position_margin(uid) - self.frozen(uid)).max(Decimal::ZERO)
    }

    /// Liquidation price of `p`; `<= 0` means none. Isolated positions use their own margin;
    /// crossed ones use the account's equity net of the other positions' needs.
    pub fn liquidation_price(&self, p: &Position) -> Decimal {
        let mmr = self
            .market(&p.symbol)
            .map(|m| m.spec.keep_margin_rate)
            .unwrap_or_default();
        if p.size.is_zero() {
            return Decimal::ZERO;
        }
        let collateral = match p.margin_mode {
            MarginMode::Isolated => p.margin,
            MarginMode::Crossed => {
                let others: Decimal = self
                    .positions_of(p.uid)
                    .filter(|o| o.id != p.id)
                    .map(|o| o.upnl(self.mark(&o.symbol)) - o.size * self.mark(&o.symbol) * mmr)
                    .sum();
                self.accounts
                    .get(&p.uid)
                    .map(|a| a.balance)
                    .unwrap_or_default()
                    + others
            }
        };
        let notional = p.entry * p.size;
        match p.hold {
            Hold::Long => (notional - collateral) / (p.size * (Decimal::ONE - mmr)),
            Hold::Short => (notional + collateral) / (p.size * (Decimal::ONE + mmr)),
        }
    }

    fn has_orders_or_positions(&self, uid: u64, symbol: Option<&str>) -> bool {
        let sym_ok = |s: &str| symbol.is_none_or(|x| x == s);
        self.positions_of(uid).any(|p| sym_ok(&p.symbol))
            || self
                .open_orders()
                .any(|o| o.uid == uid && sym_ok(&o.symbol))
            || self.open_plans().any(|p| p.uid == uid && sym_ok(&p.symbol))
    }

    /// set-leverage: `long`/`short` are the requested values (None = unchanged).
    pub fn set_leverage(
        &mut self,
        uid: u64,
        symbol: &str,
        long: Option<u32>,
        short: Option<u32>,
    ) -> ApiResult<SymbolSettings> {
        let spec = &self.market(symbol)?.spec;
        let (min, max) = (spec.min_lever, spec.max_lever);
        for lev in [long, short].into_iter().flatten() {
            if lev < min || lev > max {
                return Err(ApiError::new(
                    "40797",
                    format!("Exceeded the maximum settable leverage: {max}"),
                ));
            }
        }
        let mut s = self.settings(uid, symbol);
        s.long_lev = long.unwrap_or(s.long_lev);
        s.short_lev = short.unwrap_or(s.short_lev);
        if s.margin_mode == MarginMode::Crossed {
            let lev = long.or(short).unwrap_or(s.long_lev);
            s.long_lev = lev;
            s.short_lev = lev;
        }
        self.store_settings(uid, symbol, s);
        // Open positions take the new leverage: their margin is recomputed at entry price.
        let keys: Vec<_> = self
            .positions
            .keys()
            .filter(|(u, sym, _)| *u == uid && sym == symbol)
            .cloned()
            .collect();
        for k in keys {
            let lev = if k.2 == Hold::Long {
                s.long_lev
            } else {
                s.short_lev
            };
            if let Some(p) = self.positions.get_mut(&k) {
                p.leverage = lev;
                p.margin = p.entry * p.size / Decimal::from(lev);
            }
        }
        self.events.push(super::Event::Positions(uid));
        Ok(s)
    }

    /// set-margin-mode: refused while the symbol has positions or orders.
    pub fn set_margin_mode(
        &mut self,
        uid: u64,
        symbol: &str,
        mode: MarginMode,
    ) -> ApiResult<SymbolSettings> {
        self.market(symbol)?;
        let mut s = self.settings(uid, symbol);
        if s.margin_mode != mode && self.has_orders_or_positions(uid, Some(symbol)) {
            return Err(ApiError::new(
                "45117",
                "Currently holding positions or orders, the margin mode cannot be adjusted",
            ));
        }
        s.margin_mode = mode;
        if mode == MarginMode::Crossed {
            s.short_lev = s.long_lev;
        }
        self.store_settings(uid, symbol, s);
        Ok(s)
    }

    /// set-position-mode: refused while any position or order exists.
    pub fn set_position_mode(&mut self, uid: u64, mode: PosMode) -> ApiResult<PosMode> {
        let current = self.account(uid)?.pos_mode;
        if current != mode && self.has_orders_or_positions(uid, None) {
            return Err(ApiError::new(
                "40920",
                "Position or order exists, the position mode cannot be switched",
            ));
        }
        if let Some(a) = self.accounts.get_mut(&uid) {
            a.pos_mode = mode;
        }
        Ok(mode)
    }

    fn store_settings(&mut self, uid: u64, symbol: &str, s: SymbolSettings) {
        if let Some(a) = self.accounts.get_mut(&uid) {
            a.settings.insert(symbol.to_string(), s);
        }
    }
}
