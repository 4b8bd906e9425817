//! `viper check --trade-test`: a minimum-size limit buy far below the market (yet inside the
//! exchange's price band), placed, cancelled by clientOid, and read back as cancelled.

use crate::check::{Row, Status};
use crate::check_probes::hint;
use crate::config::BotConfig;
use crate::trades::now_ms;
use rust_decimal::Decimal;
use std::time::{Duration, Instant};
use viper_bitget::RestClient;
use viper_bitget::models::{
    ClientOid, Contract, Force, OrderRef, OrderState, OrderType, PlaceOrderRequest, Price, Side,
    Size, TradeSide,
};

/// The price and size of a buy far below the market yet inside the exchange's price band.
fn far_buy(c: &Contract, last: Decimal) -> Option<(Decimal, Decimal)> {
    let tick = c.price_tick()?;
    let band = [c.buy_limit_price_ratio, c.sell_limit_price_ratio]
        .into_iter()
        .flatten()
        .filter(|r| *r > Decimal::ZERO)
        .min()
        .unwrap_or(Decimal::ONE);
    let distance = Decimal::new(10, 2).min(band * Decimal::new(9, 1));
    let price = (last * (Decimal::ONE - distance) / tick).ceil() * tick;
    let step = c.size_multiplier.0;
    let min_notional = c.min_trade_usdt.unwrap_or_default() * Decimal::new(11, 1);
    let by_notional = if price > Decimal::ZERO && step > Decimal::ZERO {
        (min_notional / price / step).ceil() * step
    } else {
        Decimal::ZERO
    };
    Some((price, by_notional.max(c.min_trade_num.0)))
}

pub(crate) async fn trade_test_row(rest: &RestClient, cfg: &BotConfig) -> Row {
    let sym = cfg.symbols[0].as_str();
    let name = format!("trade test {sym} (place + cancel)");
    match trade_test(rest, cfg, sym).await {
        Ok((detail, samples)) => Row::new(&name, Status::Pass, detail).timed(&samples),
        Err(e) => Row::new(&name, Status::Fail, e),
    }
}

async fn trade_test(
    rest: &RestClient,
    cfg: &BotConfig,
    sym: &str,
) -> Result<(String, Vec<Duration>), String> {
    let contract = rest
        .contracts(Some(sym))
        .await
        .map_err(|e| hint(&e))?
        .into_iter()
        .find(|c| c.symbol == sym)
        .ok_or("contract not listed")?;
    let last = rest.ticker(sym).await.map_err(|e| hint(&e))?.last_pr.0;
    let (price, size) = far_buy(&contract, last).ok_or("contract has no usable price tick")?;
    let oid = ClientOid::new(format!("viperchk{}", now_ms())).map_err(|e| e.to_string())?;
    let mut req = PlaceOrderRequest::new(sym, Side::Buy, OrderType::Limit, Size(size), oid.clone());
    req.price = Some(Price(price));
    req.force = Some(Force::Gtc);
    if cfg.exchange.margin_mode == "isolated" {
        req.margin_mode = viper_bitget::models::MarginMode::Isolated;
    }
    if cfg.exchange.position_mode == "hedge_mode" {
        req.trade_side = Some(TradeSide::Open);
    }
    let t = Instant::now();
    rest.place_order(&req)
        .await
        .map_err(|e| format!("place: {}", hint(&e)))?;
    let placed = t.elapsed();
    let t = Instant::now();
    let cancel = rest
        .cancel_order(sym, OrderRef::ClientOid(oid.clone()))
        .await;
    let cancelled = t.elapsed();
    cancel.map_err(|e| format!("cancel of {oid:?} FAILED — cancel it by hand: {}", hint(&e)))?;
    let state = rest
        .settle_order(sym, &oid)
        .await
        .map_err(|e| hint(&e))?
        .map(|o| o.state);
    if state != Some(OrderState::Canceled) {
        return Err(format!(
            "after cancel the order reads {state:?}: check it by hand"
        ));
    }
    Ok((
        format!(
            "buy {size} @ {price} (last {last}) placed in {} ms, cancelled in {} ms",
            placed.as_millis(),
            cancelled.as_millis()
        ),
        vec![placed, cancelled],
    ))
}
