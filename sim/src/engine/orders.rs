//! Normal orders: the place-order request, acceptance and immediate matching; validation
//! is in `checks.rs`, cancel, modify and exchange-made closes in `amend.rs`.

use super::types::{Force, Intent, MarginMode, Order, OrderState, OrderType, PosMode, Side};
use super::{Engine, Event};
use crate::error::{ApiError, ApiResult};
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
        let econ = econ_side(req.side, intent);
        let reference = self.reference_price(&req, econ)?;
        let hold = self.hold_of(uid, &req.symbol, req.side, intent);
        let opening = self.opening_size(uid, &req, intent)?;
        if opening > Decimal::ZERO {
            self.check_notional(&req, reference)?;
            self.check_presets(&req, hold, self.reference_ref(&req, econ))?;
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
