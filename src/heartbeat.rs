//! The heartbeat line: every `[log] heartbeat_secs` (default 300) one INFO line with equity,
//! PnL since start, positions, open orders, the trading state and each connection, so an
//! unattended console is never silent for long.

use crate::system::Bot;
use std::time::Duration;
use viper_actors::health_monitor::{GetHealth, HealthReport};

/// One heartbeat's text from an account read (None when it failed) and the health report.
pub fn line(
    account: Option<&viper_actors::events::AccountSnapshot>,
    start_equity: rust_decimal::Decimal,
    health: &HealthReport,
) -> String {
    let account = match account {
        Some(s) => {
            let held: Vec<String> = s
                .positions
                .iter()
                .map(|p| {
                    format!(
                        "{} {} {}",
                        p.symbol,
                        if p.long { "long" } else { "short" },
                        p.size
                    )
                })
                .collect();
            format!(
                "equity {} USDT (PnL {} since start), {} position{}{}, {} open order{}",
                s.equity,
                s.equity - start_equity,
                s.positions.len(),
                if s.positions.len() == 1 { "" } else { "s" },
                if held.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", held.join(", "))
                },
                s.open_orders.len(),
                if s.open_orders.len() == 1 { "" } else { "s" },
            )
        }
        None => "account unavailable (the read failed)".to_owned(),
    };
    let conns: Vec<String> = health
        .connections
        .iter()
        .map(|(name, c)| format!("{name} {}", if c.connected { "up" } else { "down" }))
        .collect();
    format!(
        "{account}; trading {}; health {}; {}",
        health.trading.as_str(),
        health.verdict.as_str(),
        if conns.is_empty() {
            "no WebSocket connection yet".to_owned()
        } else {
            conns.join(", ")
        }
    )
}

/// Logs a heartbeat line every `every` (never when zero); runs until dropped.
pub async fn run(bot: &Bot, every: Duration) {
    if every.is_zero() {
        return std::future::pending().await;
    }
    loop {
        actix_rt::time::sleep(every).await;
        let account = viper_actors::account_sync::read_account(&bot.rest)
            .await
            .ok();
        let Ok(health) = bot.health.send(GetHealth).await else {
            continue;
        };
        tracing::info!(
            "heartbeat: {}",
            line(account.as_ref(), bot.start_equity, &health)
        );
    }
}
