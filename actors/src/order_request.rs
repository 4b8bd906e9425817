//! How an approved intent is written as a Bitget place-order request: side and tradeSide for
//! the account's position mode, and the TP/SL presets of an opening order.

use crate::intent::{Direction, OrderIntent};
use viper_bitget::models::{ClientOid, OrderType, PosMode, Price, Side, Size, TradeSide};

/// Maps an intent to Bitget's side/tradeSide for the account's position mode.
fn sides(mode: PosMode, i: &OrderIntent) -> (Side, Option<TradeSide>, Option<bool>) {
    match (mode, i.direction, i.reduce_only) {
        (PosMode::Hedge, Direction::Buy, false) => (Side::Buy, Some(TradeSide::Open), None),
        (PosMode::Hedge, Direction::Sell, false) => (Side::Sell, Some(TradeSide::Open), None),
        // Hedge close: side names the position (close long = buy + close).
        (PosMode::Hedge, Direction::Sell, true) => (Side::Buy, Some(TradeSide::Close), None),
        (PosMode::Hedge, Direction::Buy, true) => (Side::Sell, Some(TradeSide::Close), None),
        (_, Direction::Buy, r) => (Side::Buy, None, r.then_some(true)),
        (_, Direction::Sell, r) => (Side::Sell, None, r.then_some(true)),
    }
}

/// The place-order request of an approved intent, for the account's position mode.
pub fn request(
    mode: PosMode,
    i: &OrderIntent,
    oid: &ClientOid,
) -> viper_bitget::models::PlaceOrderRequest {
    let (side, trade_side, reduce_only) = sides(mode, i);
    let order_type = if i.limit_price.is_some() {
        OrderType::Limit
    } else {
        OrderType::Market
    };
    let mut req = viper_bitget::models::PlaceOrderRequest::new(
        &i.symbol,
        side,
        order_type,
        Size(i.size),
        oid.clone(),
    );
    req.price = i.limit_price.map(Price);
    req.trade_side = trade_side;
    req.reduce_only = reduce_only;
    // One TP/SL path only: presets on the opening order become the position's TP/SL.
    if !i.reduce_only {
        req.preset_stop_surplus_price = i.take_profit.map(Price);
        req.preset_stop_loss_price = i.stop_loss.map(Price);
    }
    req
}
