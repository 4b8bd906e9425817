//! What the bot holds, read from the exchange when asked: positions with the take-profit and
//! stop-loss the exchange holds for them (its pending TP/SL plan orders), and open orders.
//! Served as `GET /api/v1/positions`, `/api/v1/orders` and inside `/api/v1/summary`, and
//! printed by `viper status`. The rows are built by pure functions (tested below) from the
//! exchange's answers; the reads cost four REST calls per summary.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use viper_bitget::RestClient;
use viper_bitget::models::{
    HoldSide, Order, OrderListQuery, PlanListQuery, PlanOrder, PlanType, PosSide, Position,
};

/// One open position as the exchange holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionRow {
    /// Symbol.
    pub symbol: String,
    /// `long` or `short`.
    pub side: String,
    /// Size, base coin.
    pub size: Decimal,
    /// Average entry price.
    pub entry: Decimal,
    /// Mark price.
    pub mark: Option<Decimal>,
    /// Unrealised PnL, USDT.
    pub unrealised_pnl: Option<Decimal>,
    /// Take-profit trigger of the live TP plan (None: no take-profit on the exchange).
    pub take_profit: Option<Decimal>,
    /// Stop-loss trigger of the live SL plan (None: unprotected on the exchange).
    pub stop_loss: Option<Decimal>,
    /// Margin, USDT.
    pub margin: Option<Decimal>,
    /// Leverage.
    pub leverage: Decimal,
    /// Opened, ms since the epoch (exchange time).
    pub opened_ms: Option<i64>,
    /// Seconds since it opened.
    pub age_secs: Option<i64>,
}

/// One open normal order as the exchange holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRow {
    /// Symbol.
    pub symbol: String,
    /// `buy` or `sell`.
    pub side: String,
    /// `open` / `close` (hedge mode), absent in one-way mode.
    pub trade_side: Option<String>,
    /// `limit` or `market`.
    pub order_type: String,
    /// Size, base coin.
    pub size: Decimal,
    /// Filled so far.
    pub filled: Decimal,
    /// Limit price.
    pub price: Option<Decimal>,
    /// Cannot open exposure.
    pub reduce_only: bool,
    /// Our id, if it has one.
    pub client_oid: Option<String>,
    /// Exchange id.
    pub order_id: String,
    /// Seconds since it was created.
    pub age_secs: i64,
}

fn side_of(p: &Position) -> &'static str {
    match p.hold_side {
        HoldSide::Long | HoldSide::Buy => "long",
        HoldSide::Short | HoldSide::Sell => "short",
    }
}

/// The plan belongs to the position: same symbol, and in hedge mode the same side.
fn plan_of(plan: &PlanOrder, p: &Position) -> bool {
    plan.symbol == p.symbol
        && match plan.pos_side {
            Some(PosSide::Long) => side_of(p) == "long",
            Some(PosSide::Short) => side_of(p) == "short",
            Some(PosSide::Net) | None => true,
        }
}

/// The trigger of the position's plan of `whole` kind, else of its `partial` kind.
fn trigger(plans: &[&PlanOrder], whole: PlanType, partial: PlanType) -> Option<Decimal> {
    let of = |t: PlanType| {
        plans
            .iter()
            .find(|p| p.plan_type == t)
            .map(|p| p.trigger_price.0)
    };
    of(whole).or_else(|| of(partial))
}

/// Positions with their exchange-side TP and SL (from the pending TP/SL plans); `now_ms`
/// dates the ages. Zero-size rows are left out.
pub fn position_rows(positions: &[Position], plans: &[PlanOrder], now_ms: i64) -> Vec<PositionRow> {
    positions
        .iter()
        .filter(|p| p.is_open())
        .map(|p| {
            let mine: Vec<&PlanOrder> = plans.iter().filter(|pl| plan_of(pl, p)).collect();
            PositionRow {
                symbol: p.symbol.clone(),
                side: side_of(p).into(),
                size: p.total.0,
                entry: p.open_price_avg.0,
                mark: p.mark_price.map(|m| m.0),
                unrealised_pnl: p.unrealized_pl,
                take_profit: trigger(&mine, PlanType::PosProfit, PlanType::ProfitPlan),
                stop_loss: trigger(&mine, PlanType::PosLoss, PlanType::LossPlan),
                margin: p.margin_size,
                leverage: p.leverage,
                opened_ms: p.c_time,
                age_secs: p.c_time.map(|c| (now_ms - c).max(0) / 1000),
            }
        })
        .collect()
}

/// Open orders as rows; `now_ms` dates the ages.
pub fn order_rows(orders: &[Order], now_ms: i64) -> Vec<OrderRow> {
    orders
        .iter()
        .map(|o| OrderRow {
            symbol: o.symbol.clone(),
            side: o.side.to_string(),
            trade_side: o.trade_side.as_ref().map(|t| t.to_string()),
            order_type: o.order_type.to_string(),
            size: o.size.0,
            filled: o.base_volume.map(|b| b.0).unwrap_or_default(),
            price: o.price.map(|p| p.0).filter(|p| !p.is_zero()),
            reduce_only: o.reduce_only.unwrap_or(false)
                || matches!(o.trade_side, Some(viper_bitget::models::TradeSide::Close)),
            client_oid: o.client_oid.clone(),
            order_id: o.order_id.clone(),
            age_secs: (now_ms - o.c_time).max(0) / 1000,
        })
        .collect()
}

/// Reads positions and the pending TP/SL plans now.
pub async fn read_positions(rest: &RestClient, now_ms: i64) -> anyhow::Result<Vec<PositionRow>> {
    let positions = rest.all_positions().await?;
    let plans = rest
        .orders_plan_pending(&PlanListQuery::all(PlanType::ProfitLoss))
        .await?;
    Ok(position_rows(&positions, &plans.entrusted_list, now_ms))
}

/// Reads the open normal orders now.
pub async fn read_orders(rest: &RestClient, now_ms: i64) -> anyhow::Result<Vec<OrderRow>> {
    let list = rest.orders_pending(&OrderListQuery::default()).await?;
    Ok(order_rows(&list.entrusted_list, now_ms))
}

/// The USDT account now: equity, available, unrealised PnL.
pub async fn read_equity(rest: &RestClient) -> anyhow::Result<(Decimal, Decimal, Decimal)> {
    let accounts = rest.accounts().await?;
    let usdt = accounts
        .iter()
        .find(|a| a.margin_coin.eq_ignore_ascii_case("USDT"))
        .ok_or_else(|| anyhow::anyhow!("the exchange reports no USDT futures account"))?;
    Ok((
        usdt.account_equity,
        usdt.available,
        usdt.unrealized_pl.unwrap_or_default(),
    ))
}

#[cfg(test)]
#[path = "holdings_tests.rs"]
mod tests;
