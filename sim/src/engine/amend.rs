//! Changing orders after placement: cancel, modify, reduce-only trimming, close-positions
//! and the close orders the exchange places itself (flash close, TP/SL, liquidation).

use super::orders::{NewOrder, OrderRef, check_client_oid};
use super::types::{Force, Hold, Intent, Order, OrderState, OrderType, PosMode, Side};
use super::{Engine, Event};
use crate::error::{ApiError, ApiResult};
use rust_decimal::Decimal;

impl Engine {
    /// One-way reduce-only overflow: cancel older reduce-only orders, oldest first.
    pub(super) fn trim_reduce_only(&mut self, new: &Order, now: i64) {
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
