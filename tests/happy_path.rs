//! The happy path, with settle requests on every private push racing the periodic pass: each
//! order moves through each phase at most once, and `viper_orders_total{phase="filled"}`
//! equals the number of orders the journal and the exchange hold as filled.
#![allow(missing_docs, clippy::unwrap_used)]
mod common;
use actix::prelude::*;
use common::*;
use serde_json::json;
use std::collections::HashMap;
use viper_actors::journal::{Journal, OrderPhase};
use viper_actors::order_router::{OrderEvent, SubscribeOrders};
use viper_sim::SimConfig;

#[derive(Default)]
struct Probe(Vec<(String, OrderPhase)>);

impl Actor for Probe {
    type Context = Context<Self>;
}

impl Handler<OrderEvent> for Probe {
    type Result = ();
    fn handle(&mut self, e: OrderEvent, _: &mut Self::Context) {
        self.0.push((e.client_oid, e.phase));
    }
}

#[derive(Message)]
#[rtype(result = "Vec<(String, OrderPhase)>")]
struct Seen;

impl Handler<Seen> for Probe {
    type Result = MessageResult<Seen>;
    fn handle(&mut self, _: Seen, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.0.clone())
    }
}

fn filled_metric(text: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with("viper_orders_total{phase=\"filled\"}"))
        .and_then(|l| l.rsplit_once(' '))
        .and_then(|(_, v)| v.parse::<f64>().ok())
        .map_or(0, |v| v as u64)
}

#[actix_rt::test]
async fn each_order_takes_each_phase_once_and_the_filled_metric_counts_filled_orders() {
    // One process per test under nextest: this recorder is this test's alone.
    let metrics = viper::admin_metrics::install_recorder().unwrap();
    let sim = viper_sim::start(
        SimConfig {
            auto_tick: true,
            speed: 60.0,
            seed: 5,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = bot_config(dir.path());
    cfg.symbols = vec!["BTCUSDT".into(), "XRPUSDT".into()];
    cfg.strategy.fast = 2;
    cfg.strategy.slow = 3;
    cfg.strategy.cooldown_secs = 0;
    cfg.intervals.market_poll_ms = 100;
    let probe = Probe::default().start();
    let bot = start_bot(&sim, &cfg).await;
    bot.router
        .send(SubscribeOrders(probe.clone().recipient()))
        .await
        .unwrap();
    eventually(90, "four filled orders", || async {
        let n = exchange_orders(&sim)
            .await
            .iter()
            .filter(|o| {
                o["state"] == "filled"
                    && o["clientOid"].as_str().is_some_and(|c| c.starts_with("vp"))
            })
            .count();
        (n >= 4).then_some(())
    })
    .await;
    // Stop trading; the shutdown settles the journal. Then every row is final.
    viper::system::stop(&bot).await.unwrap();
    let journal = Journal::open(dir.path()).unwrap();
    eventually(30, "every journal row final", || async {
        bot.router
            .send(viper_actors::order_router::SettleNow)
            .await
            .ok()?
            .ok()?;
        journal.open_orders().ok()?.is_empty().then_some(())
    })
    .await;
    let seen = probe.send(Seen).await.unwrap();
    let mut per: HashMap<(String, OrderPhase), usize> = HashMap::new();
    for k in &seen {
        *per.entry(k.clone()).or_default() += 1;
    }
    let twice: Vec<_> = per.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "transitions published more than once: {twice:?}"
    );
    let filled_rows = journal
        .counts()
        .unwrap()
        .into_iter()
        .find(|(p, _)| p == "filled")
        .map_or(0, |(_, n)| n as u64);
    let on_exchange = exchange_orders(&sim)
        .await
        .iter()
        .filter(|o| o["state"] == "filled")
        .filter(|o| {
            o["clientOid"]
                .as_str()
                .is_some_and(|c| journal.get(c).ok().flatten().is_some())
        })
        .count() as u64;
    assert_eq!(filled_rows, on_exchange, "journal and exchange agree");
    assert!(filled_rows >= 4);
    assert_eq!(
        filled_metric(&metrics.render()),
        filled_rows,
        "viper_orders_total{{phase=\"filled\"}} counts each filled order once"
    );
    let audit = control(&sim, "GET", "/audit", json!({})).await;
    assert!(
        audit["exposure"]["6900000001"]["max_positions"]
            .as_u64()
            .unwrap()
            <= 3
    );
}
