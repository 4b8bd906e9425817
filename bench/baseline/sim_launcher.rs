//! The simulator of an older commit, speaking the harness's `sim` protocol: run as
//! `sim_launcher sim TICK_MS`, prints `REST url` and `WS url`, stops when stdin closes.
//! `bench/baseline/build.sh` copies this file into that commit's `sim/examples/` and builds
//! it; `viper-bench --sim-exe PATH` then runs it side by side with today's simulator.

fn main() {
    let tick_ms: u64 = std::env::args()
        .nth(2)
        .and_then(|t| t.parse().ok())
        .unwrap_or(250);
    let mut cfg = viper_sim::SimConfig {
        rate_limits: false,
        tick_ms,
        ..viper_sim::SimConfig::default()
    };
    cfg.behaviour.global_ip_limit_per_min = u32::MAX;
    let addr = "127.0.0.1:0".parse().expect("loopback address");
    actix_rt::System::new().block_on(async move {
        let sim = viper_sim::start(cfg, addr).await.expect("simulator start");
        println!("REST {}", sim.rest_url);
        println!("WS {}", sim.ws_public_url);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut s = String::new();
            while std::io::stdin().read_line(&mut s).map(|n| n > 0).unwrap_or(false) {
                s.clear();
            }
            let _ = tx.send(());
        });
        let _ = rx.await;
        sim.stop().await;
    });
}
