//! Enumerations of spec §9: closed where a wrong value must stop us, open where Bitget varies.

use super::wire_enum::{closed_enum, open_enum};

closed_enum! {
    /// `productType`.
    pub enum ProductType {
        /// USDT-M futures.
        UsdtFutures = "USDT-FUTURES",
        /// Coin-margined futures.
        CoinFutures = "COIN-FUTURES",
        /// USDC-M futures.
        UsdcFutures = "USDC-FUTURES",
        /// Legacy simulated USDT-M line.
        SusdtFutures = "SUSDT-FUTURES",
    }
}

closed_enum! {
    /// Order `side`.
    pub enum Side { /// Buy.
        Buy = "buy", /// Sell.
        Sell = "sell" }
}

open_enum! {
    /// `tradeSide`: `open`/`close` on requests; many more values on records.
    pub enum TradeSide {
        /// Hedge mode open.
        Open = "open",
        /// Hedge mode close.
        Close = "close",
        /// One-way buy.
        BuySingle = "buy_single",
        /// One-way sell.
        SellSingle = "sell_single",
    }
}

closed_enum! {
    /// `posSide` of order records.
    pub enum PosSide { /// Hedge long.
        Long = "long", /// Hedge short.
        Short = "short", /// One-way.
        Net = "net" }
}

closed_enum! {
    /// `holdSide`: `long`/`short` on positions; TP/SL requests in one-way use `buy`/`sell`.
    pub enum HoldSide { /// Long.
        Long = "long", /// Short.
        Short = "short", /// One-way long (TP/SL requests).
        Buy = "buy", /// One-way short (TP/SL requests).
        Sell = "sell" }
}

closed_enum! {
    /// `orderType`.
    pub enum OrderType { /// Limit.
        Limit = "limit", /// Market.
        Market = "market" }
}

closed_enum! {
    /// `force` (time in force).
    pub enum Force { /// Good till cancelled.
        Gtc = "gtc", /// Immediate or cancel.
        Ioc = "ioc", /// Fill or kill.
        Fok = "fok", /// Maker only.
        PostOnly = "post_only" }
}

closed_enum! {
    /// `marginMode` (`cross` appears in some doc examples).
    pub enum MarginMode { /// Cross margin.
        Crossed = "crossed" | "cross", /// Isolated margin.
        Isolated = "isolated" }
}

closed_enum! {
    /// `posMode`.
    pub enum PosMode { /// One net position per symbol.
        OneWay = "one_way_mode", /// Long and short coexist.
        Hedge = "hedge_mode" }
}

closed_enum! {
    /// Order `state` / `status` (`cancelled` accepted defensively).
    pub enum OrderState {
        /// Resting, nothing filled.
        Live = "live",
        /// Partly filled, still resting.
        PartiallyFilled = "partially_filled",
        /// Completely filled.
        Filled = "filled",
        /// Cancelled (possibly after partial fills).
        Canceled = "canceled" | "cancelled",
    }
}

impl OrderState {
    /// True once the order can no longer change.
    pub fn is_final(&self) -> bool {
        matches!(self, OrderState::Filled | OrderState::Canceled)
    }
}

closed_enum! {
    /// REST `planType` (`profit_loss` is a query filter only).
    pub enum PlanType {
        /// Trigger order.
        NormalPlan = "normal_plan",
        /// Trailing stop.
        TrackPlan = "track_plan",
        /// Partial take profit.
        ProfitPlan = "profit_plan",
        /// Partial stop loss.
        LossPlan = "loss_plan",
        /// Trailing TP/SL.
        MovingPlan = "moving_plan",
        /// Whole-position take profit.
        PosProfit = "pos_profit",
        /// Whole-position stop loss.
        PosLoss = "pos_loss",
        /// Query filter: every TP/SL kind.
        ProfitLoss = "profit_loss",
    }
}

closed_enum! {
    /// `planStatus` (pending and history).
    pub enum PlanStatus {
        /// Waiting for the trigger.
        Live = "live" | "not_trigger",
        /// Executing.
        Executing = "executing",
        /// Triggered and executed.
        Executed = "executed",
        /// Trigger failed.
        FailTrigger = "fail_trigger" | "fail_execute",
        /// Cancelled.
        Cancelled = "cancelled" | "canceled",
    }
}

closed_enum! {
    /// `triggerType`.
    pub enum TriggerType { /// Last traded price.
        FillPrice = "fill_price", /// Mark price.
        MarkPrice = "mark_price", /// Index price.
        IndexPrice = "index_price" }
}

closed_enum! {
    /// `stpMode` (self-trade prevention).
    pub enum StpMode { /// None.
        None = "none", /// Cancel taker.
        CancelTaker = "cancel_taker", /// Cancel maker.
        CancelMaker = "cancel_maker", /// Cancel both.
        CancelBoth = "cancel_both" }
}

closed_enum! {
    /// `tradeScope` of fills (`T`/`M` on WS orders).
    pub enum TradeScope { /// Taker.
        Taker = "taker" | "t", /// Maker.
        Maker = "maker" | "m" }
}

closed_enum! {
    /// `assetMode`.
    pub enum AssetMode { /// Single-asset margin.
        Single = "single", /// Multi-asset margin.
        Union = "union" }
}

open_enum! {
    /// `orderSource`: many values, new ones appear.
    pub enum OrderSource {
        /// Plain order.
        Normal = "normal",
        /// Market order.
        Market = "market",
        /// Position take profit, market.
        PosProfitMarket = "pos_profit_market",
        /// Position stop loss, market.
        PosLossMarket = "pos_loss_market",
        /// Liquidation.
        Liquidation = "liquidation",
    }
}

open_enum! {
    /// `enterPointSource` (casing varies).
    pub enum EnterPointSource { /// API.
        Api = "API", /// Web.
        Web = "WEB", /// System.
        Sys = "SYS", /// Android app.
        Android = "ANDROID", /// iOS app.
        Ios = "IOS" }
}

open_enum! {
    /// `symbolStatus`: tolerant so a new status never breaks the whole contracts list.
    pub enum SymbolStatus {
        /// Listed, not yet trading.
        Listed = "listed",
        /// Trading.
        Normal = "normal",
        /// Maintenance.
        Maintain = "maintain",
        /// Closing only.
        LimitOpen = "limit_open",
        /// No API orders.
        RestrictedApi = "restrictedAPI",
        /// Delisted.
        Off = "off",
    }
}

open_enum! {
    /// `symbolType` (REST `perpetual`/`delivery`; WS `1`/`2`).
    pub enum SymbolType { /// Perpetual.
        Perpetual = "perpetual" | "1", /// Delivery.
        Delivery = "delivery" | "2" }
}

/// Candle `granularity` (request only; case matters here: `1m` is a minute, `1M` a month).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Granularity {
    /// 1 minute.
    M1,
    /// 5 minutes.
    M5,
    /// 15 minutes.
    M15,
    /// 1 hour.
    H1,
    /// 4 hours.
    H4,
    /// 1 day.
    D1,
    /// 1 week.
    W1,
    /// 1 month.
    Mo1,
}

impl Granularity {
    /// The wire spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Granularity::M1 => "1m",
            Granularity::M5 => "5m",
            Granularity::M15 => "15m",
            Granularity::H1 => "1H",
            Granularity::H4 => "4H",
            Granularity::D1 => "1D",
            Granularity::W1 => "1W",
            Granularity::Mo1 => "1M",
        }
    }
}

closed_enum! {
    /// merge-depth `precision`.
    pub enum DepthPrecision { /// No merging.
        Scale0 = "scale0", /// Tick × 10.
        Scale1 = "scale1", /// Tick × 100.
        Scale2 = "scale2", /// Tick × 1000.
        Scale3 = "scale3" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::de::Wire;

    #[test]
    fn case_insensitive_with_aliases() {
        assert_eq!(MarginMode::from_wire("CROSS"), Some(MarginMode::Crossed));
        assert_eq!(MarginMode::from_wire("crossed"), Some(MarginMode::Crossed));
        assert_eq!(
            OrderState::from_wire("cancelled"),
            Some(OrderState::Canceled)
        );
        assert_eq!(TradeSide::from_wire("Open"), Some(TradeSide::Open));
        assert_eq!(Side::from_wire("bogus"), None);
        assert_eq!(
            OrderSource::from_wire("strategy_oco"),
            Some(OrderSource::Other("strategy_oco".into()))
        );
        // Granularity is the one place where case matters: 1m != 1M.
        assert_eq!(Granularity::M1.as_str(), "1m");
    }

    #[test]
    fn serde_round_trip_uses_canonical_spelling() {
        let v: Vec<MarginMode> = serde_json::from_str(r#"["cross","Isolated"]"#).unwrap();
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"["crossed","isolated"]"#
        );
        assert!(serde_json::from_str::<Side>(r#""short""#).is_err());
        assert!(serde_json::from_str::<Side>("null").is_err());
    }
}
