//! The market feed runs on the public WebSocket and falls back to REST polling while the
//! socket is silent, then switches back; a dropped socket is reconnected and counted.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use common::*;
use serde_json::json;
use std::time::Duration;
use viper_actors::events::{FeedSource, MarketTick};
use viper_actors::health_monitor::GetHealth;

/// A probe that records the source of every tick it receives.
struct Probe(std::sync::Arc<std::sync::Mutex<Vec<FeedSource>>>);
impl actix::Actor for Probe {
    type Context = actix::Context<Self>;
}
impl actix::Handler<MarketTick> for Probe {
    type Result = ();
    fn handle(&mut self, m: MarketTick, _: &mut Self::Context) {
        self.0.lock().unwrap().push(m.source);
    }
}

#[actix_rt::test]
async fn rest_fallback_while_the_socket_is_silent_then_back_to_websocket() {
    use actix::Actor;
    // Prices tick on their own so the ticker channel pushes continuously.
    let sim = viper_sim::start(
        viper_sim::SimConfig {
            tick_ms: 100,
            ..viper_sim::SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let probe = Probe(seen.clone()).start();
    let rest = viper_bitget::RestClient::new(viper_bitget::RestConfig::custom(&sim.rest_url, None));
    let (public, private) =
        viper::endpoint::ws_urls(&bot_config(std::path::Path::new("unused")), &sim.rest_url);
    let sinks = viper_actors::market_feed::TickSinks {
        ticks: vec![probe.recipient()],
        ..Default::default()
    };
    let ws = viper_bitget::ws::WsConfig::custom(&public, &private);
    let _feed = viper_actors::market_feed::MarketFeed::new(
        rest,
        vec!["BTCUSDT".into()],
        Duration::from_millis(200),
        sinks,
        Some(ws),
    )
    .start();
    let count = |src: FeedSource| seen.lock().unwrap().iter().filter(|s| **s == src).count();

    eventually(10, "WebSocket ticks", || async {
        (count(FeedSource::WebSocket) >= 5).then_some(())
    })
    .await;
    let rest_before = count(FeedSource::RestPoll);
    // Freeze the socket: open but silent. REST takes over after the stale limit.
    control(&sim, "POST", "/ws", json!({"action": "freeze"})).await;
    eventually(10, "REST fallback ticks", || async {
        (count(FeedSource::RestPoll) >= rest_before + 3).then_some(())
    })
    .await;
    let ws_frozen = count(FeedSource::WebSocket);
    control(&sim, "POST", "/ws", json!({"action": "unfreeze"})).await;
    eventually(10, "WebSocket ticks again", || async {
        (count(FeedSource::WebSocket) >= ws_frozen + 5).then_some(())
    })
    .await;
    // Once the socket is live again, polling stops publishing.
    let rest_after = count(FeedSource::RestPoll);
    actix_rt::time::sleep(Duration::from_millis(800)).await;
    assert!(
        count(FeedSource::RestPoll) <= rest_after + 1,
        "REST polling stops while the socket is live"
    );
}

#[actix_rt::test]
async fn a_dropped_socket_is_reconnected_and_counted_by_health() {
    let sim = viper_sim::start(
        viper_sim::SimConfig {
            tick_ms: 100,
            ..viper_sim::SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot = start_bot(&sim, &bot_config(dir.path())).await;
    eventually(10, "both sockets up", || async {
        let h = bot.health.send(GetHealth).await.ok()?;
        (h.connections.len() == 2 && h.connections.values().all(|c| c.connected)).then_some(())
    })
    .await;
    control(&sim, "POST", "/ws", json!({"action": "drop"})).await;
    let h = eventually(15, "reconnects recorded", || async {
        let h = bot.health.send(GetHealth).await.ok()?;
        (h.connections
            .values()
            .all(|c| c.reconnects >= 1 && c.connected))
        .then_some(h)
    })
    .await;
    assert!(
        h.connections
            .values()
            .all(|c| c.uptime > 0.0 && c.uptime < 1.0),
        "the outage is measured in each connection's uptime: {:?}",
        h.connections
    );
    assert!(
        h.market_age.unwrap() < Duration::from_secs(2),
        "data flows again"
    );
}
