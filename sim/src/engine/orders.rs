//! Normal orders: validation at placement (contract spec, position mode, margin), immediate
//! matching against the book, cancel and modify.

use super::types::{Force, Hold, Intent, MarginMode, Order, OrderState, OrderType, PosMode, Side};
use super::{Engine, Event};
use crate::error::{ApiError, ApiResult};
use crate::num::{fmt, is_multiple, places};
use rust_decimal::Decimal;

/// A place-order request after the wire layer parsed its enums and numbers.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// Symbol.
    pub symbol: String,
    /// Side as sent.
    pub side: Side,
    /// `tradeSide`: Some(true) open, Some(false) close, None absent.
    pub trade_side_open: Option<bool>,
    /// Limit or market.
    pub order_type: OrderType,
    /// Time in force.
    pub force: Force,
    /// Limit price.
    pub price: Option<Decimal>,
    /// Size (base coin).
    pub size: Decimal,
    /// Client id (None = generated).
    pub client_oid: Option<String>,
    /// Reduce-only flag (one-way only).
    pub reduce_only: bool,
    /// Margin mode sent (checked against the symbol's).
    pub margin_mode: Option<MarginMode>,
    /// Preset TP trigger.
    pub preset_tp: Option<Decimal>,
    /// Preset SL trigger.
    pub preset_sl: Option<Decimal>,
    /// Preset TP execute price.
    pub preset_tp_exec: Option<Decimal>,
    /// Preset SL execute price.
    pub preset_sl_exec: Option<Decimal>,
    /// Self-trade prevention mode (echoed only).
    pub stp_mode: String,
}

/// Identifies an order by id or client id (`orderId` wins when both are given).
#[derive(Debug, Clone)]
pub enum OrderRef {
    /// By exchange id.
    Id(u64),
    /// By client id.
    Client(String),
}

/// Checks a client order id: fewer than 50 chars of `0-9 a-z A-Z - + _ #`.
pub fn check_client_oid(oid: &str) -> ApiResult<()> {
    if oid.len() >= 50 {
        return Err(ApiError::new(
            "40304",
            "clientOid length cannot be greater than 50",
        ));
    }
    if oid.is_empty()
        || !oid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-+_#".contains(c))
    {
        return Err(ApiError::new(
            "40305",
            "clientOid length > 64 or illegal characters",
        ));
    }
    Ok(())
}

impl Engine {
    /// Validates and accepts an order, then matches what it can at once.
    pub fn place_order(&mut self, uid: u64, req: NewOrder, now: i64) -> ApiResult<(u64, String)> {
        let pos_mode = self.account(uid)?.pos_mode;
        let intent = self.intent_for(pos_mode, &req)?;
        self.check_order_spec(&req, &intent)?;
        let reference = self.reference_price(&req, econ_side(req.side, intent))?;
        let hold = self.hold_of(uid, &req.symbol, req.side, intent);
        let opening = self.opening_size(uid, &req, intent)?;
        if opening > Decimal::ZERO {
            self.check_notional(&req, reference)?;
            self.check_presets(&req, hold, reference)?;
        }
        // A `marginMode` that differs from the symbol's is ignored: the symbol's setting wins
        // (the spec leaves the real behaviour unverified; clients should send the current mode).
        let settings = self.settings(uid, &req.symbol);
        let leverage = self.leverage_for(uid, &req.symbol, hold);
        let taker = self.market(&req.symbol)?.spec.taker_fee_rate;
        let need =
            opening * reference / Decimal::from(leverage.max(1)) + opening * reference * taker;
        if need > self.available(uid) {
            let code = self.behaviour.insufficient_margin_code.clone();
            return Err(ApiError::new(&code, "The order amount exceeds the balance"));
        }
        self.check_open_orders(uid, &req)?;
        let client_oid = self.claim_client_oid(uid, req.client_oid.clone())?;
        let id = self.next_id();
        let order = Order {
            id,
            client_oid: client_oid.clone(),
            uid,
            symbol: req.symbol.clone(),
            side: req.side,
            intent,
            pos_mode,
            margin_mode: settings.margin_mode,
            leverage,
            order_type: req.order_type,
            force: req.force,
            price: req.price.filter(|_| req.order_type == OrderType::Limit),
            size: req.size,
            filled: Decimal::ZERO,
            filled_quote: Decimal::ZERO,
            fee: Decimal::ZERO,
            profit: Decimal::ZERO,
            state: OrderState::Live,
            preset_tp: req.preset_tp.filter(|_| opening > Decimal::ZERO),
            preset_sl: req.preset_sl.filter(|_| opening > Decimal::ZERO),
            preset_tp_exec: req.preset_tp_exec,
            preset_sl_exec: req.preset_sl_exec,
            source: if req.order_type == OrderType::Market {
                "market"
            } else {
                "normal"
            }
            .into(),
            enter_point: "API",
            cancel_reason: "",
            stp_mode: req.stp_mode.clone(),
            c_time: now,
            u_time: now,
        };
        self.accept(order, now);
        Ok((id, client_oid))
    }

    /// Records an accepted order and matches it; used by users, triggers and liquidation.
    pub(super) fn accept(&mut self, order: Order, now: i64) {
        let (id, uid) = (order.id, order.uid);
        if order.reduces_only() && order.pos_mode == PosMode::OneWay {
            self.trim_reduce_only(&order, now);
        }
        self.store_order(order);
        self.emit_order(id, None);
        // Creating an order freezes margin and may lock position size.
        self.events.push(Event::Positions(uid));
        self.events.push(Event::Account(uid));
        self.match_incoming(id, now);
    }

    fn intent_for(&self, pos_mode: PosMode, req: &NewOrder) -> ApiResult<Intent> {
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

    fn check_order_spec(&self, req: &NewOrder, intent: &Intent) -> ApiResult<()> {
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

    fn reference_price(&self, req: &NewOrder, econ: Side) -> ApiResult<Decimal> {
        let m = self.market(&req.symbol)?;
        Ok(match (req.order_type, req.price) {
            (OrderType::Limit, Some(p)) => p,
            _ if econ == Side::Buy => m.best_ask().0,
            _ => m.best_bid().0,
        })
    }

    /// The position direction an order acts on.
    fn hold_of(&self, uid: u64, symbol: &str, side: Side, intent: Intent) -> Hold {
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
    fn opening_size(&self, uid: u64, req: &NewOrder, intent: Intent) -> ApiResult<Decimal> {
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

    fn check_notional(&self, req: &NewOrder, reference: Decimal) -> ApiResult<()> {
        let min = self.market(&req.symbol)?.spec.min_trade_usdt;
        if req.size * reference < min {
            return Err(ApiError::new(
                "45110",
                format!("less than the minimum amount {} USDT", fmt(min)),
            ));
        }
        Ok(())
    }

    /// Presets must lie on the right side of both the order's price and the mark.
    fn check_presets(&self, req: &NewOrder, hold: Hold, reference: Decimal) -> ApiResult<()> {
        let mark = self.mark(&req.symbol);
        for (trigger, profit) in [(req.preset_tp, true), (req.preset_sl, false)] {
            if let Some(t) = trigger {
                super::plans::tpsl_side(hold, profit, t, reference)?;
                super::plans::tpsl_side(hold, profit, t, mark)?;
            }
        }
        Ok(())
    }

    fn check_open_orders(&self, uid: u64, req: &NewOrder) -> ApiResult<()> {
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

    /// One-way reduce-only overflow: cancel older reduce-only orders, oldest first.
    fn trim_reduce_only(&mut self, new: &Order, now: i64) {
        let econ = new.econ_side();
        let hold = if econ == Side::Sell {
            Hold::Long
        } else {
            Hold::Short
        };
        let pos = self
            .positions
            .get(&(new.uid, new.symbol.clone(), hold))
            .map(|p| p.size)
            .unwrap_or_default();
        let mut older: Vec<(i64, u64, Decimal)> = self
            .open_orders()
            .filter(|o| o.uid == new.uid && o.symbol == new.symbol)
            .filter(|o| o.reduces_only() && o.econ_side() == econ)
            .map(|o| (o.c_time, o.id, o.remaining()))
            .collect();
        older.sort();
        let mut total: Decimal = older.iter().map(|o| o.2).sum::<Decimal>() + new.size;
        for (_, id, rem) in older {
            if total <= pos {
                break;
            }
            self.finish_cancel(id, now);
            total -= rem;
        }
    }

    /// Finds an order of `uid` by reference.
    pub fn find_order(&self, uid: u64, symbol: Option<&str>, r: &OrderRef) -> Option<&Order> {
        let id = match r {
            OrderRef::Id(id) => Some(*id),
            OrderRef::Client(c) => self.oids.get(&(uid, c.clone())).copied(),
        }?;
        self.orders
            .get(&id)
            .filter(|o| o.uid == uid && symbol.is_none_or(|s| s.eq_ignore_ascii_case(&o.symbol)))
    }

    /// Cancels an open order; unknown or finished orders give the configured not-found code.
    pub fn cancel_order(
        &mut self,
        uid: u64,
        symbol: &str,
        r: &OrderRef,
        now: i64,
    ) -> ApiResult<(u64, String)> {
        let found = self
            .find_order(uid, Some(symbol), r)
            .filter(|o| o.state.is_open())
            .map(|o| (o.id, o.client_oid.clone()));
        let Some((id, oid)) = found else {
            let code = self.behaviour.cancel_unknown_code.clone();
            return Err(ApiError::new(&code, "The order does not exist"));
        };
        self.finish_cancel(id, now);
        Ok((id, oid))
    }

    /// Marks an order cancelled and publishes it.
    pub(super) fn finish_cancel(&mut self, id: u64, now: i64) {
        if let Some(o) = self.orders.get_mut(&id).filter(|o| o.state.is_open()) {
            o.state = OrderState::Canceled;
            o.cancel_reason = "normal_cancel";
            o.u_time = now;
            let uid = o.uid;
            self.emit_order(id, None);
            self.events.push(Event::Positions(uid));
            self.events.push(Event::Account(uid));
        }
    }

    /// modify-order: new price and size replace the order under `new_client_oid`; presets
    /// alone are changed in place (`0` removes one).
    #[allow(clippy::too_many_arguments)]
    pub fn modify_order(
        &mut self,
        uid: u64,
        symbol: &str,
        r: &OrderRef,
        new_client_oid: String,
        new_size: Option<Decimal>,
        new_price: Option<Decimal>,
        new_tp: Option<Decimal>,
        new_sl: Option<Decimal>,
        now: i64,
    ) -> ApiResult<(u64, String)> {
        if new_size.is_some() != new_price.is_some() {
            return Err(ApiError::new(
                "40925",
                "price or size must be passed in together",
            ));
        }
        let old = self
            .find_order(uid, Some(symbol), r)
            .filter(|o| o.state == OrderState::Live && o.order_type == OrderType::Limit)
            .cloned()
            .ok_or_else(|| ApiError::new("40819", "The order does not exist!"))?;
        let presets = |v: Option<Decimal>, old: Option<Decimal>| match v {
            Some(z) if z.is_zero() => None,
            Some(p) => Some(p),
            None => old,
        };
        let (tp, sl) = (
            presets(new_tp, old.preset_tp),
            presets(new_sl, old.preset_sl),
        );
        let (Some(size), Some(price)) = (new_size, new_price) else {
            let o = self
                .orders
                .get_mut(&old.id)
                .ok_or_else(|| ApiError::bad("orderId"))?;
            o.preset_tp = tp;
            o.preset_sl = sl;
            o.u_time = now;
            self.emit_order(old.id, None);
            return Ok((old.id, old.client_oid));
        };
        check_client_oid(&new_client_oid)?;
        self.finish_cancel(old.id, now);
        let req = NewOrder {
            symbol: old.symbol.clone(),
            side: old.side,
            trade_side_open: match old.intent {
                Intent::Open(_) => Some(true),
                Intent::Close(_) => Some(false),
                Intent::Net { .. } => None,
            },
            order_type: OrderType::Limit,
            force: old.force,
            price: Some(price),
            size,
            client_oid: Some(new_client_oid),
            reduce_only: matches!(old.intent, Intent::Net { reduce_only: true }),
            margin_mode: None,
            preset_tp: tp,
            preset_sl: sl,
            preset_tp_exec: old.preset_tp_exec,
            preset_sl_exec: old.preset_sl_exec,
            stp_mode: old.stp_mode.clone(),
        };
        self.place_order(uid, req, now)
    }

    /// Market-closes positions of `uid` (all symbols when `symbol` is None).
    pub fn close_positions(
        &mut self,
        uid: u64,
        symbol: Option<&str>,
        hold: Option<Hold>,
        now: i64,
    ) -> Vec<(u64, String, String)> {
        let targets: Vec<_> = self
            .positions_of(uid)
            .filter(|p| symbol.is_none_or(|s| s == p.symbol) && hold.is_none_or(|h| h == p.hold))
            .map(|p| (p.symbol.clone(), p.hold, p.size))
            .collect();
        targets
            .into_iter()
            .map(|(sym, h, size)| {
                let id = self.system_close(uid, &sym, h, size, None, "market", now);
                let oid = self
                    .orders
                    .get(&id)
                    .map(|o| o.client_oid.clone())
                    .unwrap_or_default();
                (id, oid, sym)
            })
            .collect()
    }

    /// Places a close order on behalf of the exchange (flash close, TP/SL, liquidation).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn system_close(
        &mut self,
        uid: u64,
        symbol: &str,
        hold: Hold,
        size: Decimal,
        price: Option<Decimal>,
        source: &str,
        now: i64,
    ) -> u64 {
        let pos_mode = self
            .accounts
            .get(&uid)
            .map(|a| a.pos_mode)
            .unwrap_or(PosMode::OneWay);
        let (side, intent) = match pos_mode {
            PosMode::Hedge => (hold.open_side(), Intent::Close(hold)),
            PosMode::OneWay => (
                hold.open_side().opposite(),
                Intent::Net { reduce_only: true },
            ),
        };
        let id = self.next_id();
        let settings = self.settings(uid, symbol);
        let order = Order {
            id,
            client_oid: id.to_string(),
            uid,
            symbol: symbol.to_string(),
            side,
            intent,
            pos_mode,
            margin_mode: settings.margin_mode,
            leverage: self.leverage_for(uid, symbol, hold),
            order_type: if price.is_some() {
                OrderType::Limit
            } else {
                OrderType::Market
            },
            force: Force::Gtc,
            price,
            size,
            filled: Decimal::ZERO,
            filled_quote: Decimal::ZERO,
            fee: Decimal::ZERO,
            profit: Decimal::ZERO,
            state: OrderState::Live,
            preset_tp: None,
            preset_sl: None,
            preset_tp_exec: None,
            preset_sl_exec: None,
            source: source.to_string(),
            enter_point: if source == "liquidation" {
                "SYS"
            } else {
                "API"
            },
            cancel_reason: "",
            stp_mode: "none".into(),
            c_time: now,
            u_time: now,
        };
        self.accept(order, now);
        id
    }
}

/// The economic direction of an order (what it does to the book).
pub fn econ_side(side: Side, intent: Intent) -> Side {
    match intent {
        Intent::Open(h) => h.open_side(),
        Intent::Close(h) => h.open_side().opposite(),
        Intent::Net { .. } => side,
    }
}

impl Order {
    /// Economic direction: buy takes asks, sell hits bids.
    pub fn econ_side(&self) -> Side {
        econ_side(self.side, self.intent)
    }
}
