//! Market time: each tick moves prices, then fills resting orders, fires triggers and
//! liquidates under-margined positions, in that order, per symbol.

use super::types::{Hold, MarginMode};
use super::{Engine, Event};
use rust_decimal::Decimal;

impl Engine {
    /// Advances every market one step of `dt_secs` market seconds.
    pub fn tick(&mut self, now: i64, dt_secs: f64) {
        self.prune_index();
        let symbols: Vec<String> = self.markets.keys().cloned().collect();
        for s in symbols {
            if let Some(m) = self.markets.get_mut(&s) {
                m.step(now, dt_secs);
            }
            self.after_move(&s, now);
        }
    }

    /// Jumps `symbol` to `price` (and mark) now, with all consequences applied at once.
    pub fn jump(&mut self, symbol: &str, price: Decimal, mark: Option<Decimal>, now: i64) -> bool {
        let Some(m) = self.markets.get_mut(symbol) else {
            return false;
        };
        m.jump(now, price, mark);
        self.after_move(symbol, now);
        true
    }

    fn after_move(&mut self, symbol: &str, now: i64) {
        self.note_move(symbol);
        self.events.push(Event::Market(symbol.to_string()));
        self.match_resting(symbol, now);
        self.run_triggers(symbol, now);
        self.liquidate(now);
    }

    /// Liquidates isolated positions whose margin no longer covers maintenance, and every
    /// crossed position of an account whose equity no longer covers crossed maintenance.
    fn liquidate(&mut self, now: i64) {
        let mut doomed: Vec<(u64, String, Hold, Decimal)> = Vec::new();
        let uids: Vec<u64> = self.accounts.keys().copied().collect();
        for uid in uids {
            let mut cross_need = Decimal::ZERO;
            let mut cross_upnl = Decimal::ZERO;
            let mut crossed = Vec::new();
            let mut isolated_margin = Decimal::ZERO;
            for p in self.positions_of(uid) {
                let mark = self.mark(&p.symbol);
                let mmr = self
                    .markets
                    .get(&p.symbol)
                    .map(|m| m.spec.keep_margin_rate)
                    .unwrap_or_default();
                let maintenance = p.size * mark * mmr;
                match p.margin_mode {
                    MarginMode::Isolated => {
                        isolated_margin += p.margin;
                        if p.margin + p.upnl(mark) <= maintenance {
                            doomed.push((uid, p.symbol.clone(), p.hold, p.size));
                        }
                    }
                    MarginMode::Crossed => {
                        cross_need += maintenance;
                        cross_upnl += p.upnl(mark);
                        crossed.push((uid, p.symbol.clone(), p.hold, p.size));
                    }
                }
            }
            let balance = self
                .accounts
                .get(&uid)
                .map(|a| a.balance)
                .unwrap_or_default();
            if !crossed.is_empty() && balance - isolated_margin + cross_upnl <= cross_need {
                doomed.extend(crossed);
            }
        }
        for (uid, symbol, hold, size) in doomed {
            let mark = self.mark(&symbol);
            tracing::info!(uid, %symbol, hold = hold.as_str(), %mark, "liquidation");
            self.audit.liquidation(uid, &symbol, hold, mark, now);
            self.system_close(uid, &symbol, hold, size, None, "liquidation", now);
            if let Some(a) = self.accounts.get_mut(&uid)
                && a.balance < Decimal::ZERO
            {
                // The insurance fund absorbs a negative balance.
                a.balance = Decimal::ZERO;
            }
        }
    }

    /// Records the account's exposure high-water marks for the audit.
    pub(super) fn audit_exposure(&mut self, uid: u64, now: i64) {
        let per_position = self
            .positions_of(uid)
            .map(|p| p.margin)
            .max()
            .unwrap_or_default();
        let total = self.position_margin(uid) + self.frozen(uid);
        let count = self.positions_of(uid).count();
        let lev = self
            .positions_of(uid)
            .map(|p| p.leverage)
            .max()
            .unwrap_or(0);
        let equity = self.equity(uid);
        self.audit
            .exposure(uid, per_position, total, count, lev, equity, now);
    }
}

impl Engine {
    /// Updates the audit's emergency timelines from every account's equity and exposure.
    pub fn audit_equity(&mut self, now: i64) {
        use super::types::PlanType;
        let uids: Vec<u64> = self.accounts.keys().copied().collect();
        for uid in uids {
            let equity = self.equity(uid);
            let orders_clear = !self.open_orders().any(|o| o.uid == uid)
                && !self.open_plans().any(|p| {
                    p.uid == uid && !matches!(p.plan_type, PlanType::PosLoss | PlanType::LossPlan)
                });
            let flat = self.positions_of(uid).next().is_none();
            self.audit
                .equity_check(uid, equity, orders_clear, flat, now);
        }
    }
}
