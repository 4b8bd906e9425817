//! Place-order validation: position mode and intent, contract spec, price band, margin,
//! open-order count, presets, client ids.

use super::Engine;
use super::orders::{NewOrder, check_client_oid, econ_side};
use super::race::PriceRef;
use super::types::{Hold, Intent, OrderType, PosMode, Side};
use crate::error::{ApiError, ApiResult};
use crate::num::{fmt, is_multiple, places};
use rust_decimal::Decimal;

impl Engine {
    pub(super) fn intent_for(&self, pos_mode: PosMode, req: &NewOrder) -> ApiResult<Intent> {
        let mismatch = || {
            ApiError::new(
                "40774",
                "The order type for unilateral position must also be the unilateral position type.",
            )
        };
        match pos_mode {
            PosMode::Hedge => {
                let hold = if req.side == Side::Buy {
                    Hold::Long
                } else {
                    Hold::Short
                };
                match req.trade_side_open {
                    None => Err(mismatch()),
                    Some(true) => Ok(Intent::Open(hold)),
                    Some(false) => Ok(Intent::Close(hold)),
                }
            }
            PosMode::OneWay => {
                if req.trade_side_open.is_some() && self.behaviour.one_way_trade_side == "reject" {
                    return Err(mismatch());
                }
                Ok(Intent::Net {
                    reduce_only: req.reduce_only,
                })
            }
        }
    }

    pub(super) fn check_order_spec(&self, req: &NewOrder, intent: &Intent) -> ApiResult<()> {
        let m = self.market(&req.symbol)?;
        let spec = &m.spec;
        let closing = matches!(intent, Intent::Close(_) | Intent::Net { reduce_only: true });
        match spec.status.as_str() {
            "normal" => {}
            "limit_open" if closing => {}
            "limit_open" => {
                return Err(ApiError::new("45119", "This symbol does not allow opening"));
            }
            _ => {
                return Err(ApiError::new(
                    "41114",
                    "The current trading pair is under maintenance",
                ));
            }
        }
        let size = req.size;
        if size <= Decimal::ZERO {
            return Err(ApiError::bad("size"));
        }
        if places(size) > spec.volume_place || !is_multiple(size, spec.size_multiplier) {
            return Err(ApiError::new(
                "40808",
                format!(
                    "Parameter verification exception size checkBDScale error value={} checkScale={}",
                    fmt(size),
                    spec.volume_place
                ),
            ));
        }
        if size < spec.min_trade_num {
            return Err(ApiError::new(
                "45111",
                format!(
                    "less than the minimum order quantity {}",
                    fmt(spec.min_trade_num)
                ),
            ));
        }
        let max = match req.order_type {
            OrderType::Limit => spec.max_order_qty,
            OrderType::Market => spec.max_market_order_qty,
        };
        if size > max {
            return Err(ApiError::new(
                "45112",
                format!("more than the maximum order quantity {}", fmt(max)),
            ));
        }
        if req.order_type == OrderType::Limit {
            let price = req.price.ok_or_else(|| ApiError::missing("price"))?;
            self.check_limit_price(&req.symbol, price, econ_side(req.side, *intent))?;
        }
        Ok(())
    }

    /// Price decimals, tick and band of a limit price.
    pub(super) fn check_limit_price(
        &self,
        symbol: &str,
        price: Decimal,
        econ: Side,
    ) -> ApiResult<()> {
        let m = self.market(symbol)?;
        if price <= Decimal::ZERO {
            return Err(ApiError::bad("price"));
        }
        if places(price) > m.spec.price_place {
            return Err(ApiError::new("41103", "param price scale error error"));
        }
        if !is_multiple(price, m.tick) {
            return Err(ApiError::new(
                "45115",
                format!("The price must be a multiple of {}", fmt(m.tick)),
            ));
        }
        let hi = m.last * (Decimal::ONE + m.spec.buy_limit_price_ratio);
        let lo = m.last * (Decimal::ONE - m.spec.sell_limit_price_ratio);
        if econ == Side::Buy && price > hi {
            return Err(ApiError::new(
                "40815",
                format!(
                    "The order price is higher than the highest bid price {}",
                    fmt(hi.round_dp(m.spec.price_place))
                ),
            ));
        }
        if econ == Side::Sell && price < lo {
            return Err(ApiError::new(
                "40816",
                format!(
                    "The order price is lower than the lowest ask price {}",
                    fmt(lo.round_dp(m.spec.price_place))
                ),
            ));
        }
        Ok(())
    }

    pub(super) fn reference_price(&self, req: &NewOrder, econ: Side) -> ApiResult<Decimal> {
        let m = self.market(&req.symbol)?;
        Ok(match (req.order_type, req.price) {
            (OrderType::Limit, Some(p)) => p,
            _ if econ == Side::Buy => m.best_ask().0,
            _ => m.best_bid().0,
        })
    }

    /// The position direction an order acts on.
    pub(super) fn hold_of(&self, uid: u64, symbol: &str, side: Side, intent: Intent) -> Hold {
        match intent {
            Intent::Open(h) | Intent::Close(h) => h,
            Intent::Net { .. } => {
                let opposite = if side == Side::Buy {
                    Hold::Short
                } else {
                    Hold::Long
                };
                let opp_open = self
                    .positions
                    .contains_key(&(uid, symbol.to_string(), opposite));
                if opp_open {
                    opposite
                } else if side == Side::Buy {
                    Hold::Long
                } else {
                    Hold::Short
                }
            }
        }
    }

    /// How much of the order could open exposure (checks closes against the position).
    pub(super) fn opening_size(
        &self,
        uid: u64,
        req: &NewOrder,
        intent: Intent,
    ) -> ApiResult<Decimal> {
        let pos_size = |h: Hold| {
            self.positions
                .get(&(uid, req.symbol.clone(), h))
                .map(|p| p.size)
                .unwrap_or_default()
        };
        match intent {
            Intent::Open(_) => Ok(req.size),
            Intent::Close(h) => {
                if pos_size(h).is_zero() {
                    return Err(ApiError::new("22002", "No position to close"));
                }
                let available = pos_size(h) - self.locked(uid, &req.symbol, h);
                if req.size > available && req.order_type == OrderType::Limit {
                    return Err(ApiError::new("40757", "Not enough position is available."));
                }
                if available <= Decimal::ZERO {
                    return Err(ApiError::new("40757", "Not enough position is available."));
                }
                Ok(Decimal::ZERO)
            }
            Intent::Net { reduce_only } => {
                let opposite = if req.side == Side::Buy {
                    Hold::Short
                } else {
                    Hold::Long
                };
                let opp = pos_size(opposite);
                if reduce_only {
                    if opp.is_zero() {
                        return Err(ApiError::new("22002", "No position to close"));
                    }
                    return Ok(Decimal::ZERO);
                }
                Ok((req.size - opp).max(Decimal::ZERO))
            }
        }
    }

    /// Size of a hedge position locked by pending close orders.
    pub fn locked(&self, uid: u64, symbol: &str, hold: Hold) -> Decimal {
        self.open_orders()
            .filter(|o| o.uid == uid && o.symbol == symbol)
            .filter(|o| o.intent == Intent::Close(hold))
            .map(|o| o.remaining())
            .sum()
    }

    pub(super) fn check_notional(&self, req: &NewOrder, reference: Decimal) -> ApiResult<()> {
        let min = self.market(&req.symbol)?.spec.min_trade_usdt;
        if req.size * reference < min {
            return Err(ApiError::new(
                "45110",
                format!("less than the minimum amount {} USDT", fmt(min)),
            ));
        }
        Ok(())
    }

    /// What `reference_price` reads: a limit order's own price, or the side of the book a
    /// market order takes.
    pub(super) fn reference_ref(&self, req: &NewOrder, econ: Side) -> PriceRef {
        match (req.order_type, req.price) {
            (OrderType::Limit, Some(p)) => PriceRef::Fixed(p),
            _ if econ == Side::Buy => PriceRef::BestAsk,
            _ => PriceRef::BestBid,
        }
    }

    /// Presets must lie on the right side of both the order's price (`reference`) and the
    /// mark.
    pub(super) fn check_presets(
        &mut self,
        req: &NewOrder,
        hold: Hold,
        reference: PriceRef,
    ) -> ApiResult<()> {
        for (trigger, profit) in [(req.preset_tp, true), (req.preset_sl, false)] {
            if let Some(t) = trigger {
                let against = [Some(reference), Some(PriceRef::Mark)];
                self.judged_side(&req.symbol, hold, profit, t, against)?;
            }
        }
        Ok(())
    }

    pub(super) fn check_open_orders(&self, uid: u64, req: &NewOrder) -> ApiResult<()> {
        let max = self.market(&req.symbol)?.spec.max_symbol_order_num as usize;
        let open = self
            .open_orders()
            .filter(|o| o.uid == uid && o.symbol == req.symbol)
            .count();
        if req.order_type == OrderType::Limit && open >= max {
            return Err(ApiError::new(
                "40761",
                "The total number of unfilled orders is too high",
            ));
        }
        Ok(())
    }

    /// Reserves a client id (or generates a numeric one); duplicates are refused.
    pub(super) fn claim_client_oid(&mut self, uid: u64, oid: Option<String>) -> ApiResult<String> {
        let oid = match oid {
            Some(o) => {
                check_client_oid(&o)?;
                o
            }
            None => self.next_id().to_string(),
        };
        let taken = self.oids.contains_key(&(uid, oid.clone()))
            || self.plan_by_client_oid(uid, &oid).is_some();
        if taken {
            let code = self.behaviour.duplicate_client_oid_code.clone();
            return Err(ApiError::new(&code, "Duplicate clientOid"));
        }
        Ok(oid)
    }
}
