//! The endpoint table: path, method, documented per-second limit (spec §4) and what kind of
//! request it is (which decides whether it may be retried).

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET: parameters in the query string.
    Get,
    /// POST: parameters in a JSON body.
    Post,
}

impl Method {
    /// Upper-case name, as signed.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// What a request does, for the retry rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Public market data (unsigned).
    Public,
    /// Private read.
    Read,
    /// Idempotent account setting (leverage, margin mode, position mode).
    Setting,
    /// Cancel: safe to repeat.
    Cancel,
    /// Creates or replaces orders: never re-sent on an ambiguous outcome.
    Create,
}

impl Kind {
    /// True when the client may send the same request again after a retryable error.
    pub fn retryable(&self) -> bool {
        !matches!(self, Kind::Create)
    }

    /// True when the request carries `ACCESS-*` headers.
    pub fn signed(&self) -> bool {
        !matches!(self, Kind::Public)
    }
}

/// One REST endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// Request path (also the rate-limit key and the metric label).
    pub path: &'static str,
    /// Method.
    pub method: Method,
    /// Documented limit, requests per second.
    pub per_second: u32,
    /// Kind.
    pub kind: Kind,
}

macro_rules! endpoints {
    ($($name:ident = $m:ident $path:literal $n:literal $k:ident;)+) => {
        $(
            #[doc = concat!("`", stringify!($m), " ", $path, "`")]
            pub const $name: Endpoint = Endpoint {
                path: $path, method: Method::$m, per_second: $n, kind: Kind::$k,
            };
        )+
        /// Every endpoint the client knows.
        pub const ALL: &[Endpoint] = &[$($name),+];
    };
}

endpoints! {
    SERVER_TIME = Get "/api/v2/public/time" 20 Public;
    CONTRACTS = Get "/api/v2/mix/market/contracts" 20 Public;
    TICKER = Get "/api/v2/mix/market/ticker" 20 Public;
    TICKERS = Get "/api/v2/mix/market/tickers" 20 Public;
    CANDLES = Get "/api/v2/mix/market/candles" 20 Public;
    MERGE_DEPTH = Get "/api/v2/mix/market/merge-depth" 20 Public;
    ACCOUNT = Get "/api/v2/mix/account/account" 10 Read;
    ACCOUNTS = Get "/api/v2/mix/account/accounts" 10 Read;
    SET_LEVERAGE = Post "/api/v2/mix/account/set-leverage" 5 Setting;
    SET_MARGIN_MODE = Post "/api/v2/mix/account/set-margin-mode" 5 Setting;
    SET_POSITION_MODE = Post "/api/v2/mix/account/set-position-mode" 5 Setting;
    SINGLE_POSITION = Get "/api/v2/mix/position/single-position" 10 Read;
    ALL_POSITION = Get "/api/v2/mix/position/all-position" 5 Read;
    PLACE_ORDER = Post "/api/v2/mix/order/place-order" 10 Create;
    BATCH_PLACE_ORDER = Post "/api/v2/mix/order/batch-place-order" 5 Create;
    CANCEL_ORDER = Post "/api/v2/mix/order/cancel-order" 10 Cancel;
    BATCH_CANCEL_ORDERS = Post "/api/v2/mix/order/batch-cancel-orders" 10 Cancel;
    CANCEL_ALL_ORDERS = Post "/api/v2/mix/order/cancel-all-orders" 10 Cancel;
    MODIFY_ORDER = Post "/api/v2/mix/order/modify-order" 10 Create;
    CLOSE_POSITIONS = Post "/api/v2/mix/order/close-positions" 1 Create;
    ORDER_DETAIL = Get "/api/v2/mix/order/detail" 10 Read;
    ORDERS_PENDING = Get "/api/v2/mix/order/orders-pending" 10 Read;
    ORDERS_HISTORY = Get "/api/v2/mix/order/orders-history" 10 Read;
    FILLS = Get "/api/v2/mix/order/fills" 10 Read;
    PLACE_TPSL_ORDER = Post "/api/v2/mix/order/place-tpsl-order" 10 Create;
    PLACE_POS_TPSL = Post "/api/v2/mix/order/place-pos-tpsl" 10 Create;
    MODIFY_TPSL_ORDER = Post "/api/v2/mix/order/modify-tpsl-order" 10 Create;
    PLACE_PLAN_ORDER = Post "/api/v2/mix/order/place-plan-order" 10 Create;
    ORDERS_PLAN_PENDING = Get "/api/v2/mix/order/orders-plan-pending" 10 Read;
    CANCEL_PLAN_ORDER = Post "/api/v2/mix/order/cancel-plan-order" 10 Cancel;
    ORDERS_PLAN_HISTORY = Get "/api/v2/mix/order/orders-plan-history" 10 Read;
    SPOT_ACCOUNT_INFO = Get "/api/v2/spot/account/info" 1 Read;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_are_the_six_order_creating_endpoints_plus_modifies() {
        let creates: Vec<&str> = ALL
            .iter()
            .filter(|e| e.kind == Kind::Create)
            .map(|e| e.path.rsplit('/').next().unwrap_or(""))
            .collect();
        assert_eq!(
            creates,
            [
                "place-order",
                "batch-place-order",
                "modify-order",
                "close-positions",
                "place-tpsl-order",
                "place-pos-tpsl",
                "modify-tpsl-order",
                "place-plan-order"
            ]
        );
        assert!(!PLACE_ORDER.kind.retryable());
        assert!(CANCEL_ORDER.kind.retryable());
        assert!(!SERVER_TIME.kind.signed());
    }

    #[test]
    fn limits_match_spec_section_4() {
        assert_eq!(CLOSE_POSITIONS.per_second, 1);
        assert_eq!(SPOT_ACCOUNT_INFO.per_second, 1);
        assert_eq!(ALL_POSITION.per_second, 5);
        assert_eq!(PLACE_ORDER.per_second, 10);
        assert_eq!(TICKERS.per_second, 20);
        let mut paths: Vec<&str> = ALL.iter().map(|e| e.path).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), ALL.len());
    }
}
