//! Replays a recorded answer or push through the client's own decoders, by the name it
//! was recorded under: the last segment of a REST path (`accounts`, `all-position`, …) or
//! `ws-<channel>` (`ws-ticker`, `ws-orders`, …; `ws-event` for login/subscribe/error lines).
//!
//! Used by `viper decode DIR` (a user's recording turned into a pass/fail table) and by the
//! tests over Bitget's documented payloads. Each decoded row reports its essential values
//! (ids, prices, sizes) as `(wire field, text)` so a caller can compare them with the file.

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::endpoints::{self as ep, Endpoint};
use crate::models::*;
use crate::rest::{RawResponse, decode_response};
use crate::ws::{Frame, PushData, ServerEvent};

/// The essential values of one decoded row, as `(wire field, value)`.
pub type Facts = Vec<(&'static str, String)>;

/// What a replayed file decoded into.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The type it was decoded as (`Vec<AccountSummary>`, `push orders`, …).
    pub what: String,
    /// One entry per row of `data` (a single object counts as one row).
    pub rows: Vec<Facts>,
}

/// Why a file did not decode.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReplayError {
    /// The name is no endpoint or channel this client decodes.
    #[error("unknown endpoint or channel {0:?}")]
    Unknown(String),
    /// The text is not JSON at all.
    #[error("not JSON: {0}")]
    NotJson(String),
    /// JSON, but the decoder refused it (the message names the field).
    #[error("{0}")]
    Decode(String),
}

/// Every name [`replay`] knows.
pub const NAMES: &[&str] = &[
    "time",
    "contracts",
    "ticker",
    "tickers",
    "candles",
    "merge-depth",
    "account",
    "accounts",
    "set-leverage",
    "single-position",
    "all-position",
    "place-order",
    "batch-place-order",
    "cancel-order",
    "batch-cancel-orders",
    "cancel-all-orders",
    "modify-order",
    "close-positions",
    "detail",
    "orders-pending",
    "orders-history",
    "fills",
    "place-tpsl-order",
    "place-pos-tpsl",
    "modify-tpsl-order",
    "place-plan-order",
    "orders-plan-pending",
    "cancel-plan-order",
    "orders-plan-history",
    "info",
    "ws-ticker",
    "ws-books",
    "ws-books1",
    "ws-books5",
    "ws-books15",
    "ws-trade",
    "ws-candle",
    "ws-account",
    "ws-positions",
    "ws-orders",
    "ws-orders-algo",
    "ws-fill",
    "ws-event",
];

/// The REST endpoint a recording name stands for.
pub fn endpoint(name: &str) -> Option<&'static Endpoint> {
    let last = |e: &Endpoint| e.path.rsplit('/').next() == Some(name);
    ep::ALL.iter().find(|e| last(e))
}

/// Decodes `text` recorded under `name`.
pub fn replay(name: &str, text: &str) -> Result<Decoded, ReplayError> {
    if !NAMES.contains(&name) {
        return Err(ReplayError::Unknown(name.to_owned()));
    }
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Err(ReplayError::NotJson(e.to_string()));
    }
    if name.starts_with("ws-") {
        return ws(text);
    }
    let ep = endpoint(name).ok_or_else(|| ReplayError::Unknown(name.to_owned()))?;
    rest(ep, text)
}

fn typed<T: DeserializeOwned>(ep: &Endpoint, text: &str) -> Result<T, ReplayError> {
    let raw = RawResponse {
        status: 200,
        content_type: Some("application/json"),
        body: text.as_bytes(),
    };
    decode_response(ep.path, raw, Duration::from_secs(1))
        .map_err(|e| ReplayError::Decode(e.to_string()))
}

fn done(what: &str, rows: Vec<Facts>) -> Result<Decoded, ReplayError> {
    Ok(Decoded {
        what: what.to_owned(),
        rows,
    })
}

fn s<T: ToString>(v: &T) -> String {
    v.to_string()
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn rest(e: &Endpoint, text: &str) -> Result<Decoded, ReplayError> {
    match e.path {
        p if p == ep::SERVER_TIME.path => {
            let t: ServerTime = typed(e, text)?;
            done("ServerTime", vec![vec![("serverTime", s(&t.server_time))]])
        }
        p if p == ep::CONTRACTS.path => {
            let v: Vec<Contract> = typed(e, text)?;
            done("Vec<Contract>", v.iter().map(contract).collect())
        }
        p if p == ep::TICKER.path || p == ep::TICKERS.path => {
            let v: Vec<Ticker> = typed(e, text)?;
            let f = |t: &Ticker| vec![("symbol", s(&t.symbol)), ("lastPr", s(&t.last_pr))];
            done("Vec<Ticker>", v.iter().map(f).collect())
        }
        p if p == ep::CANDLES.path => {
            let v: Vec<Candle> = typed(e, text)?;
            done("Vec<Candle>", v.iter().map(|_| Facts::new()).collect())
        }
        p if p == ep::MERGE_DEPTH.path => {
            let _: MergeDepth = typed(e, text)?;
            done("MergeDepth", vec![Facts::new()])
        }
        p if p == ep::ACCOUNT.path => {
            let a: Account = typed(e, text)?;
            done(
                "Account",
                vec![account(&a.margin_coin, a.available, a.account_equity)],
            )
        }
        p if p == ep::ACCOUNTS.path => {
            let v: Vec<AccountSummary> = typed(e, text)?;
            let f = |a: &AccountSummary| account(&a.margin_coin, a.available, a.account_equity);
            done("Vec<AccountSummary>", v.iter().map(f).collect())
        }
        p if p == ep::SET_LEVERAGE.path => {
            let l: LeverageInfo = typed(e, text)?;
            done("LeverageInfo", vec![vec![("symbol", l.symbol)]])
        }
        p if p == ep::SINGLE_POSITION.path || p == ep::ALL_POSITION.path => {
            let v: Vec<Position> = typed(e, text)?;
            done("Vec<Position>", v.iter().map(position).collect())
        }
        _ => orders(e, text),
    }
}

fn orders(e: &Endpoint, text: &str) -> Result<Decoded, ReplayError> {
    match e.path {
        p if p == ep::ORDER_DETAIL.path => {
            let o: MaybeOrder = typed(e, text)?;
            done("MaybeOrder", o.0.iter().map(order).collect())
        }
        p if p == ep::ORDERS_PENDING.path || p == ep::ORDERS_HISTORY.path => {
            let l: OrderList = typed(e, text)?;
            done("OrderList", l.entrusted_list.iter().map(order).collect())
        }
        p if p == ep::FILLS.path => {
            let l: FillList = typed(e, text)?;
            done("FillList", l.fill_list.iter().map(fill).collect())
        }
        p if p == ep::ORDERS_PLAN_PENDING.path || p == ep::ORDERS_PLAN_HISTORY.path => {
            let l: PlanOrderList = typed(e, text)?;
            done("PlanOrderList", l.entrusted_list.iter().map(plan).collect())
        }
        p if p == ep::PLACE_POS_TPSL.path => {
            let v: Vec<PosTpslAck> = typed(e, text)?;
            done("Vec<PosTpslAck>", v.iter().map(|_| Facts::new()).collect())
        }
        p if p == ep::SPOT_ACCOUNT_INFO.path => {
            let _: ApiKeyInfo = typed(e, text)?;
            done("ApiKeyInfo", vec![Facts::new()])
        }
        p if [
            ep::BATCH_PLACE_ORDER.path,
            ep::BATCH_CANCEL_ORDERS.path,
            ep::CANCEL_ALL_ORDERS.path,
            ep::CLOSE_POSITIONS.path,
            ep::CANCEL_PLAN_ORDER.path,
        ]
        .contains(&p) =>
        {
            let b: BatchResult = typed(e, text)?;
            let rows = b.success_list.iter().chain(&b.failure_list);
            done(
                "BatchResult",
                rows.map(|i| vec![("orderId", opt(&i.order_id))]).collect(),
            )
        }
        _ => {
            let a: OrderAck = typed(e, text)?;
            done("OrderAck", vec![vec![("orderId", opt(&a.order_id))]])
        }
    }
}

fn contract(c: &Contract) -> Facts {
    vec![
        ("symbol", c.symbol.clone()),
        ("minTradeNum", s(&c.min_trade_num)),
    ]
}

fn account(coin: &str, available: rust_decimal::Decimal, equity: rust_decimal::Decimal) -> Facts {
    vec![
        ("marginCoin", coin.to_owned()),
        ("available", s(&available)),
        ("accountEquity", s(&equity)),
    ]
}

fn position(p: &Position) -> Facts {
    vec![
        ("symbol", p.symbol.clone()),
        ("total", s(&p.total)),
        ("openPriceAvg", s(&p.open_price_avg)),
    ]
}

fn order(o: &Order) -> Facts {
    vec![
        ("orderId", o.order_id.clone()),
        ("size", s(&o.size)),
        ("price", opt(&o.price)),
    ]
}

fn fill(f: &Fill) -> Facts {
    vec![
        ("tradeId", f.trade_id.clone()),
        ("price", s(&f.price)),
        ("baseVolume", s(&f.base_volume)),
    ]
}

fn plan(p: &PlanOrder) -> Facts {
    vec![("orderId", p.order_id.clone())]
}

fn ws(text: &str) -> Result<Decoded, ReplayError> {
    let frame = crate::ws::decode(text).map_err(|e| ReplayError::Decode(e.to_string()))?;
    let push = match frame {
        Frame::Pong => return done("pong", vec![]),
        Frame::Event(ServerEvent::Login { code, .. }) => {
            return done("login", vec![vec![("code", s(&code))]]);
        }
        Frame::Event(ev) => return done(&format!("{ev:?}"), vec![]),
        Frame::Push(p) => p,
    };
    let what = format!("push {}", push.arg.channel.name());
    let rows = match &push.data {
        PushData::Ticker(v) => v
            .iter()
            .map(|t| vec![("instId", t.inst_id.clone()), ("lastPr", s(&t.last_pr))])
            .collect(),
        PushData::Book(v) => v.iter().map(|_| Facts::new()).collect(),
        PushData::Trade(v) => v
            .iter()
            .map(|t| vec![("tradeId", t.trade_id.clone()), ("price", s(&t.price))])
            .collect(),
        PushData::Candle(v) => v.iter().map(|_| Facts::new()).collect(),
        PushData::Account(v) => v
            .iter()
            .map(|a| vec![("marginCoin", a.margin_coin.clone())])
            .collect(),
        PushData::Positions(v) => v
            .iter()
            .map(|p| vec![("instId", p.inst_id.clone()), ("total", s(&p.total))])
            .collect(),
        PushData::Orders(v) => v
            .iter()
            .map(|o| vec![("orderId", o.order_id.clone()), ("size", s(&o.size))])
            .collect(),
        PushData::AlgoOrders(v) => v
            .iter()
            .map(|o| vec![("orderId", o.order_id.clone())])
            .collect(),
        PushData::Fills(v) => v
            .iter()
            .map(|f| vec![("tradeId", f.trade_id.clone()), ("price", s(&f.price))])
            .collect(),
    };
    done(&what, rows)
}
