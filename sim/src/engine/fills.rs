//! Matching and fills: an incoming order against the book, resting orders as the market
//! moves, and what a fill does to positions, balance, fees and PnL.

use super::types::{Fill, Force, Hold, Intent, MarginMode, OrderState, OrderType, Position, Side};
use super::{Engine, Event};
use rust_decimal::Decimal;

impl Engine {
    /// Matches a just-accepted order against the book (taker), per its time in force.
    pub(super) fn match_incoming(&mut self, id: u64, now: i64) {
        let Some(o) = self.orders.get(&id) else {
            return;
        };
        let Some(m) = self.markets.get(&o.symbol) else {
            return;
        };
        let econ = o.econ_side();
        let levels = if econ == Side::Buy { &m.asks } else { &m.bids };
        let crosses = |px: Decimal| match (o.order_type, o.price) {
            (OrderType::Market, _) | (_, None) => true,
            (OrderType::Limit, Some(limit)) => {
                if econ == Side::Buy {
                    px <= limit
                } else {
                    px >= limit
                }
            }
        };
        let mut left = o.remaining();
        let mut chunks = Vec::new();
        for &(px, size) in levels.iter() {
            if left.is_zero() || !crosses(px) {
                break;
            }
            let q = size.min(left);
            chunks.push((px, q));
            left -= q;
        }
        if o.order_type == OrderType::Market && left > Decimal::ZERO {
            // The synthetic book is finite; a market order takes the rest at the far level.
            let px = levels.last().map(|l| l.0).unwrap_or(m.last);
            chunks.push((px, left));
            left = Decimal::ZERO;
        }
        let (force, remaining_after) = (o.force, left);
        let cancel_rest = match force {
            Force::PostOnly if !chunks.is_empty() => {
                chunks.clear();
                true
            }
            Force::Fok if remaining_after > Decimal::ZERO => {
                chunks.clear();
                true
            }
            Force::Ioc => true,
            _ => o.order_type == OrderType::Market,
        };
        for (px, q) in chunks {
            let applied = self.apply_fill(id, q, px, false, now);
            if applied < q {
                break;
            }
        }
        if cancel_rest {
            self.finish_cancel(id, now);
        }
    }

    /// Fills resting limit orders the market has moved through (maker fills at their price,
    /// at most the top level's size per tick, so large orders fill partially over ticks).
    pub(super) fn match_resting(&mut self, symbol: &str, now: i64) {
        let Some(m) = self.markets.get(symbol) else {
            return;
        };
        let (last, bid_size, ask_size) = (m.last, m.best_bid().1, m.best_ask().1);
        let hits: Vec<(u64, Decimal, Decimal)> = self
            .open_orders()
            .filter(|o| o.symbol == symbol && o.order_type == OrderType::Limit)
            .filter_map(|o| {
                let px = o.price?;
                let (crossed, liquidity) = match o.econ_side() {
                    Side::Buy => (last <= px, ask_size),
                    Side::Sell => (last >= px, bid_size),
                };
                crossed.then(|| (o.id, px, o.remaining().min(liquidity)))
            })
            .collect();
        for (id, px, q) in hits {
            self.apply_fill(id, q, px, true, now);
        }
    }

    /// Applies one execution; returns the size that really traded (reduce-only and close
    /// orders never exceed the position: their excess is cancelled).
    pub(super) fn apply_fill(
        &mut self,
        id: u64,
        qty: Decimal,
        price: Decimal,
        maker: bool,
        now: i64,
    ) -> Decimal {
        let Some(o) = self.orders.get(&id).cloned() else {
            return Decimal::ZERO;
        };
        let Some(spec) = self.markets.get(&o.symbol).map(|m| m.spec.clone()) else {
            return Decimal::ZERO;
        };
        let econ = o.econ_side();
        self.filling = Some(id);
        let (mut profit, mut opened) = (Decimal::ZERO, None);
        let mut applied;
        let pos_size = |e: &Engine, h: Hold| {
            e.positions
                .get(&(o.uid, o.symbol.clone(), h))
                .map(|p| p.size)
                .unwrap_or_default()
        };
        match o.intent {
            Intent::Open(h) => {
                self.open_position(
                    &o.symbol,
                    o.uid,
                    h,
                    qty,
                    price,
                    o.leverage,
                    o.margin_mode,
                    now,
                );
                applied = qty;
                opened = Some(h);
            }
            Intent::Close(h) => {
                let q = qty.min(pos_size(self, h));
                profit += self.reduce_position(o.uid, &o.symbol, h, q, price, now);
                applied = q;
            }
            Intent::Net { reduce_only } => {
                let (opp, own) = if econ == Side::Buy {
                    (Hold::Short, Hold::Long)
                } else {
                    (Hold::Long, Hold::Short)
                };
                let close_q = qty.min(pos_size(self, opp));
                if close_q > Decimal::ZERO {
                    profit += self.reduce_position(o.uid, &o.symbol, opp, close_q, price, now);
                }
                applied = close_q;
                let rest = qty - close_q;
                if rest > Decimal::ZERO && !reduce_only {
                    let lev = self.leverage_for(o.uid, &o.symbol, own);
                    self.open_position(&o.symbol, o.uid, own, rest, price, lev, o.margin_mode, now);
                    applied += rest;
                    opened = Some(own);
                }
            }
        }
        self.filling = None;
        if applied.is_zero() {
            self.finish_cancel(id, now);
            return applied;
        }
        let rate = if maker {
            spec.maker_fee_rate
        } else {
            spec.taker_fee_rate
        };
        let fee = -(applied * price * rate);
        if let Some(a) = self.accounts.get_mut(&o.uid) {
            a.balance += fee + profit;
        }
        if let Some(h) = opened
            && let Some(p) = self.positions.get_mut(&(o.uid, o.symbol.clone(), h))
        {
            p.deducted_fee -= fee;
        }
        let first_fill = o.filled.is_zero();
        let trade_id = self.next_id();
        if let Some(ord) = self.orders.get_mut(&id) {
            ord.filled += applied;
            ord.filled_quote += applied * price;
            ord.fee += fee;
            ord.profit += profit;
            ord.u_time = now;
            ord.state = if ord.remaining().is_zero() {
                OrderState::Filled
            } else {
                OrderState::PartiallyFilled
            };
        }
        let fill = Fill {
            trade_id,
            order_id: id,
            client_oid: o.client_oid.clone(),
            uid: o.uid,
            symbol: o.symbol.clone(),
            side: econ,
            order_side: o.side,
            trade_side: o.trade_side(),
            order_type: o.order_type,
            pos_mode: o.pos_mode,
            price,
            size: applied,
            fee,
            profit,
            maker,
            ts: now,
        };
        if let Some(m) = self.markets.get_mut(&o.symbol) {
            m.push_trade(now, price, applied, econ.as_str());
        }
        self.fills.push(fill.clone());
        self.emit_order(id, Some(&fill));
        self.events.push(Event::Fill(fill));
        self.events.push(Event::Positions(o.uid));
        self.events.push(Event::Account(o.uid));
        if first_fill && let Some(h) = opened {
            self.presets_to_position_tpsl(id, h, now);
        }
        if applied < qty {
            self.finish_cancel(id, now);
        }
        if let Some(h) = opened {
            self.audit.opening_fill(o.uid, &o.symbol, h, &o.client_oid);
        }
        self.audit_exposure(o.uid, now);
        applied
    }

    #[allow(clippy::too_many_arguments)]
    fn open_position(
        &mut self,
        symbol: &str,
        uid: u64,
        hold: Hold,
        qty: Decimal,
        price: Decimal,
        leverage: u32,
        margin_mode: MarginMode,
        now: i64,
    ) {
        let key = (uid, symbol.to_string(), hold);
        let margin = qty * price / Decimal::from(leverage.max(1));
        if let Some(p) = self.positions.get_mut(&key) {
            p.entry = (p.entry * p.size + price * qty) / (p.size + qty);
            p.size += qty;
            p.margin += margin;
            p.u_time = now;
            return;
        }
        let id = self.next_id();
        self.positions.insert(
            key,
            Position {
                id,
                uid,
                symbol: symbol.to_string(),
                hold,
                size: qty,
                entry: price,
                margin,
                leverage,
                margin_mode,
                achieved: Decimal::ZERO,
                deducted_fee: Decimal::ZERO,
                c_time: now,
                u_time: now,
            },
        );
        self.audit.position_opened(uid, symbol, hold, now);
        self.refresh_protection(uid, symbol, hold, now);
    }

    /// Reduces a position by `qty` at `price`; returns the realised PnL.
    fn reduce_position(
        &mut self,
        uid: u64,
        symbol: &str,
        hold: Hold,
        qty: Decimal,
        price: Decimal,
        now: i64,
    ) -> Decimal {
        let key = (uid, symbol.to_string(), hold);
        let Some(p) = self.positions.get_mut(&key) else {
            return Decimal::ZERO;
        };
        let q = qty.min(p.size);
        let pnl = (price - p.entry) * q * hold.sign();
        p.margin -= p.margin * q / p.size;
        p.size -= q;
        p.achieved += pnl;
        p.u_time = now;
        if p.size.is_zero() {
            self.positions.remove(&key);
            self.on_position_closed(uid, symbol, hold, now);
        }
        pnl
    }

    /// A position is gone: its TP/SL plans and its pending close orders go with it.
    fn on_position_closed(&mut self, uid: u64, symbol: &str, hold: Hold, now: i64) {
        let plans: Vec<u64> = self
            .open_plans()
            .filter(|p| p.uid == uid && p.symbol == symbol && p.plan_type.is_tpsl())
            .filter(|p| p.hold() == hold)
            .map(|p| p.id)
            .collect();
        for id in plans {
            self.end_plan(id, super::types::PlanStatus::Cancelled, now);
        }
        let closes: Vec<u64> = self
            .open_orders()
            .filter(|o| o.uid == uid && o.symbol == symbol && o.reduces_only())
            .filter(|o| o.econ_side() == hold.open_side().opposite())
            .map(|o| o.id)
            .collect();
        let filling = self.filling;
        for id in closes.into_iter().filter(|id| Some(*id) != filling) {
            self.finish_cancel(id, now);
        }
        self.audit.position_closed(uid, symbol, hold, now);
        self.refresh_protection(uid, symbol, hold, now);
    }
}
