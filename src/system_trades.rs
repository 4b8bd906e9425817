//! Wiring of the trade recorder (fills and closed trades into the journal's trade log),
//! beside `system.rs`, which connects everything else.

use crate::config::BotConfig;
use actix::prelude::*;
use std::sync::Arc;
use std::time::Duration;
use viper_actors::capital::CapitalWatch;
use viper_actors::health_monitor::HealthMonitor;
use viper_actors::notice::Notice;
use viper_actors::supervisor::{RestartPolicy, Watchdog};
use viper_actors::trade_recorder::{RecorderConfig, TradeRecorder};
use viper_bitget::RestClient;
use viper_bitget::clock::SystemClock;

/// The trade recorder under a watchdog: fills from the exchange into the journal's trade
/// log, at `intervals.trades_poll_secs` and soon after a position changes; its entries and
/// exits go to `notices` (the notification relay) when given.
pub(crate) fn start_recorder(
    cfg: &BotConfig,
    rest: &RestClient,
    health: &Addr<HealthMonitor>,
    capital: &Addr<CapitalWatch>,
    notices: Option<Recipient<Notice>>,
) -> Addr<Watchdog<TradeRecorder>> {
    let rec_cfg = RecorderConfig {
        poll_every: Duration::from_secs(cfg.intervals.trades_poll_secs),
        ..RecorderConfig::default()
    };
    let (rec_rest, dir) = (rest.clone(), cfg.data_dir.clone());
    Watchdog::new(
        "trade_recorder",
        move || {
            let r = TradeRecorder::new(
                rec_rest.clone(),
                &dir,
                Arc::new(SystemClock),
                rec_cfg.clone(),
            );
            match &notices {
                Some(n) => r.with_notices(n.clone()),
                None => r,
            }
        },
        RestartPolicy::default(),
        vec![health.clone().recipient(), capital.clone().recipient()],
    )
    .start()
}
