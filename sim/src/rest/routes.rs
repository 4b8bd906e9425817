//! The route table: every endpoint with its method, documented rate limit (spec §4), what
//! its key needs, and its handler.

use super::auth::Need;
use super::params::Params;
use super::{Ctx, account, market, plan, trade};
use crate::engine::Engine;
use crate::error::ApiResult;
use serde_json::Value;

/// An endpoint's handler.
pub type Handler = fn(&mut Engine, &Ctx, &Params) -> ApiResult<Value>;

/// One endpoint.
pub struct Route {
    /// GET (else POST).
    pub get: bool,
    /// Path.
    pub path: &'static str,
    /// Requests per second per UID or IP.
    pub per_second: u32,
    /// What the key needs.
    pub need: Need,
    /// The handler.
    pub handler: Handler,
}

const fn r(get: bool, path: &'static str, per_second: u32, need: Need, handler: Handler) -> Route {
    Route {
        get,
        path,
        per_second,
        need,
        handler,
    }
}

use Need::{Public, Read, TradeOrders as Orders, TradePositions as Positions};

/// Every endpoint with its documented limit (spec §4).
pub static ROUTES: &[Route] = &[
    r(true, "/api/v2/public/time", 20, Public, market::time),
    r(
        true,
        "/api/v2/spot/public/coins",
        20,
        Public,
        market::spot_coins,
    ),
    r(
        true,
        "/api/v2/mix/market/contracts",
        20,
        Public,
        market::contracts,
    ),
    r(
        true,
        "/api/v2/mix/market/ticker",
        20,
        Public,
        market::ticker,
    ),
    r(
        true,
        "/api/v2/mix/market/tickers",
        20,
        Public,
        market::tickers,
    ),
    r(
        true,
        "/api/v2/mix/market/symbol-price",
        20,
        Public,
        market::symbol_price,
    ),
    r(
        true,
        "/api/v2/mix/market/candles",
        20,
        Public,
        market::candles,
    ),
    r(
        true,
        "/api/v2/mix/market/history-candles",
        20,
        Public,
        market::candles,
    ),
    r(
        true,
        "/api/v2/mix/market/merge-depth",
        20,
        Public,
        market::merge_depth,
    ),
    r(
        true,
        "/api/v2/mix/market/fills",
        20,
        Public,
        market::public_fills,
    ),
    r(
        true,
        "/api/v2/mix/account/account",
        10,
        Read,
        account::account,
    ),
    r(
        true,
        "/api/v2/mix/account/accounts",
        10,
        Read,
        account::accounts,
    ),
    r(
        false,
        "/api/v2/mix/account/set-leverage",
        5,
        Positions,
        account::set_leverage,
    ),
    r(
        false,
        "/api/v2/mix/account/set-margin-mode",
        5,
        Positions,
        account::set_margin_mode,
    ),
    r(
        false,
        "/api/v2/mix/account/set-position-mode",
        5,
        Positions,
        account::set_position_mode,
    ),
    r(
        true,
        "/api/v2/mix/position/single-position",
        10,
        Read,
        account::single_position,
    ),
    r(
        true,
        "/api/v2/mix/position/all-position",
        5,
        Read,
        account::all_position,
    ),
    r(
        false,
        "/api/v2/mix/order/place-order",
        10,
        Orders,
        trade::place_order,
    ),
    r(
        false,
        "/api/v2/mix/order/batch-place-order",
        5,
        Orders,
        trade::batch_place,
    ),
    r(
        false,
        "/api/v2/mix/order/cancel-order",
        10,
        Orders,
        trade::cancel_order,
    ),
    r(
        false,
        "/api/v2/mix/order/batch-cancel-orders",
        10,
        Orders,
        trade::batch_cancel,
    ),
    r(
        false,
        "/api/v2/mix/order/cancel-all-orders",
        10,
        Orders,
        trade::cancel_all,
    ),
    r(
        false,
        "/api/v2/mix/order/modify-order",
        10,
        Orders,
        trade::modify_order,
    ),
    r(
        false,
        "/api/v2/mix/order/close-positions",
        1,
        Orders,
        trade::close_positions,
    ),
    r(true, "/api/v2/mix/order/detail", 10, Read, trade::detail),
    r(
        true,
        "/api/v2/mix/order/orders-pending",
        10,
        Read,
        trade::orders_pending,
    ),
    r(
        true,
        "/api/v2/mix/order/orders-history",
        10,
        Read,
        trade::orders_history,
    ),
    r(true, "/api/v2/mix/order/fills", 10, Read, trade::fills),
    r(
        true,
        "/api/v2/mix/order/fill-history",
        10,
        Read,
        trade::fills,
    ),
    r(
        false,
        "/api/v2/mix/order/place-tpsl-order",
        10,
        Orders,
        plan::place_tpsl,
    ),
    r(
        false,
        "/api/v2/mix/order/place-pos-tpsl",
        10,
        Orders,
        plan::place_pos_tpsl,
    ),
    r(
        false,
        "/api/v2/mix/order/modify-tpsl-order",
        10,
        Orders,
        plan::modify_tpsl,
    ),
    r(
        false,
        "/api/v2/mix/order/place-plan-order",
        10,
        Orders,
        plan::place_plan,
    ),
    r(
        true,
        "/api/v2/mix/order/orders-plan-pending",
        10,
        Read,
        plan::plans_pending,
    ),
    r(
        false,
        "/api/v2/mix/order/cancel-plan-order",
        10,
        Orders,
        plan::cancel_plan,
    ),
    r(
        true,
        "/api/v2/mix/order/orders-plan-history",
        10,
        Read,
        plan::plans_history,
    ),
    r(
        true,
        "/api/v2/spot/account/info",
        1,
        Read,
        account::key_info,
    ),
];
