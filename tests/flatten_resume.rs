//! The emergency flatten is durable: the real binary is SIGKILLed after it latched the
//! emergency stop but before any close got through; prices are back above the floor at the
//! restart, and the restarted bot still finishes the flatten — the simulator shows it flat.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::json;
use viper_actors::capital::{FLATTEN_KEY, LATCH_KEY};
use viper_actors::events::TradingState;
use viper_actors::journal::Journal;
use viper_actors::risk_manager::GetTradingState;
use viper_bitget::RestClient;
use viper_bitget::models::{ClientOid, OrderType, PlaceOrderRequest, Side, Size};

fn state_of(data: &std::path::Path, key: &str) -> Option<String> {
    if !data.join("journal.db").exists() {
        return None;
    }
    Journal::open(data)
        .ok()?
        .state(key)
        .ok()
        .flatten()
        .filter(|v| !v.is_empty())
}

async fn positions(sim: &viper_sim::SimHandle) -> u64 {
    control(sim, "GET", "/state", json!({})).await["accounts"][0]["positions"]
        .as_u64()
        .unwrap()
}

#[actix_rt::test]
async fn killed_between_the_latch_and_the_close_the_restart_finishes_the_flatten() {
    let mut sim_cfg = viper_sim::SimConfig {
        auto_tick: false,
        ..viper_sim::SimConfig::default()
    };
    sim_cfg.accounts[0].balance = 20.into();
    let sim = viper_sim::start(sim_cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    set_price(&sim, "BTCUSDT", "65000").await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // As the equity-crash test: one big position the limits allow.
    let mut cfg = bot_config(&data);
    cfg.risk.max_position_margin = dec("20");
    cfg.risk.max_total_margin = dec("40");
    // Beyond the ceilings: the binary refuses them without their explicit overrides.
    cfg.overrides.max_position_margin = true;
    cfg.overrides.max_total_margin = true;
    cfg.risk.leverage = 5;
    cfg.strategy.stop_loss_pct = dec("10");
    cfg.intervals.account_poll_ms = 200;
    cfg.admin.listen = "127.0.0.1:0".into();
    let file = dir.path().join("bot.toml");
    std::fs::write(&file, toml::to_string(&cfg).unwrap()).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_viper"))
        .args(["run", "--exchange-url", &sim.rest_url, "--config"])
        .arg(&file)
        .env("BITGET_API_KEY", viper_sim::DEFAULT_API_KEY)
        .env("BITGET_API_SECRET", viper_sim::DEFAULT_API_SECRET)
        .env("BITGET_API_PASSPHRASE", viper_sim::DEFAULT_PASSPHRASE)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    eventually(60, "the binary to finish recovery", || async {
        (state_of(&data, "trading_state").as_deref() == Some("active")).then_some(())
    })
    .await;
    let rest = RestClient::new(viper_bitget::RestConfig::custom(
        &sim.rest_url,
        Some(creds()),
    ));
    let buy = PlaceOrderRequest::new(
        "BTCUSDT",
        Side::Buy,
        OrderType::Market,
        Size(dec("0.001")),
        ClientOid::new("big1").unwrap(),
    );
    rest.place_order(&buy).await.unwrap();
    // No close can get through: the kill comes between the latch and the close.
    control(&sim, "POST", "/faults", json!({"faults": [{"path": "/api/v2/mix/order/close-positions", "kind": "error", "code": "40015", "count": 100000}]})).await;
    // 65000 → 59800 loses 5.2 USDT of 20: equity under the 15 USDT floor.
    set_price(&sim, "BTCUSDT", "59800").await;
    eventually(30, "the latch and the pending flatten", || async {
        (state_of(&data, LATCH_KEY).is_some() && state_of(&data, FLATTEN_KEY).is_some())
            .then_some(())
    })
    .await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(positions(&sim).await, 1, "killed before any close");
    // Prices recover above the floor; the exchange accepts closes again.
    control(&sim, "DELETE", "/faults", json!({})).await;
    set_price(&sim, "BTCUSDT", "65000").await;
    let bot = start_bot(&sim, &cfg).await;
    eventually(30, "the restart to finish the flatten", || async {
        (positions(&sim).await == 0).then_some(())
    })
    .await;
    eventually(
        10,
        "the pending flatten to be cleared once flat",
        || async { state_of(&data, FLATTEN_KEY).is_none().then_some(()) },
    )
    .await;
    assert!(state_of(&data, LATCH_KEY).is_some(), "still latched");
    assert_eq!(
        bot.risk.send(GetTradingState).await.unwrap(),
        TradingState::Halted
    );
}
