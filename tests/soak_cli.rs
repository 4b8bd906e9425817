//! `viper soak` as a user runs it (the real binary): a bad fault plan is refused naming the
//! key before anything starts, and a bot that cannot start is reported — within the run's
//! duration plus grace, with every child process gone — instead of hanging.
#![allow(missing_docs, clippy::unwrap_used)]

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary with a hard limit; panics (after killing it) if it overruns.
fn run(args: &[&str], env: &[(&str, &str)], limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_viper"));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output().unwrap()));
    match rx.recv_timeout(limit) {
        Ok(out) => (out, started.elapsed()),
        Err(_) => {
            if let Some(p) = rustix::process::Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
            }
            panic!("viper soak ran past {limit:?}");
        }
    }
}

#[test]
fn a_bad_fault_plan_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        "[[faults]]\nkind = \"ws_drop\"\nevery_s = 5\nfor_s = 9\n",
    )
    .unwrap();
    let (out, _) = run(
        &["soak", "--faults", plan.to_str().unwrap()],
        &[],
        Duration::from_secs(60),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("faults[0].for_s"), "{err}");
    std::fs::write(&plan, "[[faults]]\nkind = \"latency\"\nlatncy_ms = 5\n").unwrap();
    let (out, _) = run(
        &["soak", "--faults", plan.to_str().unwrap()],
        &[],
        Duration::from_secs(60),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("latncy_ms"));
    let (out, _) = run(&["soak", "--duration", "5s"], &[], Duration::from_secs(60));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--duration"));
}

#[test]
fn a_bot_that_cannot_start_is_reported_within_duration_plus_grace_and_nothing_is_left_running() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let report = dir.path().join("report.json");
    // The bot reads VIPER_* overrides from its environment: this one makes every start fail.
    let (out, took) = run(
        &[
            "soak",
            "--duration",
            "20s",
            "--grace",
            "30s",
            "--seed",
            "3",
            "--work-dir",
            work.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
        &[("VIPER_MODE", "yolo")],
        Duration::from_secs(240),
    );
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // 50 s of duration and grace, plus the final collection on a loaded machine.
    assert!(took < Duration::from_secs(120), "took {took:?}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["passed"], false);
    let why = r["run"]["failed_to_start"].as_str().unwrap();
    assert!(why.contains("not trading"), "{why}");
    assert!(
        r["run"]["start_failures"].as_u64().unwrap() >= 2,
        "retried as a service manager would"
    );
    // The simulator it started is gone: its port no longer accepts connections.
    let log = std::fs::read_to_string(work.join("sim.log")).unwrap();
    let url = log
        .lines()
        .find_map(|l| l.split("REST:").nth(1))
        .unwrap()
        .trim()
        .to_string();
    let addr = url.trim_start_matches("http://");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "the simulator still listens on {addr}"
    );
    let bot_log = std::fs::read_to_string(work.join("bot.log")).unwrap();
    assert!(
        bot_log.contains("mode: must be paper, demo or live"),
        "{bot_log}"
    );
}

#[actix_rt::test]
async fn sigterm_stops_the_soak_its_children_and_still_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let report = dir.path().join("report.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_viper"))
        .args(["soak", "--duration", "10m", "--no-trip", "--work-dir"])
        .arg(&work)
        .arg("--report")
        .arg(&report)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    // Wait until the bot printed its admin address (it started), generously for a loaded machine.
    let started = Instant::now();
    let admin = loop {
        let log = std::fs::read_to_string(work.join("bot.log")).unwrap_or_default();
        if let Some(a) = log.lines().find_map(|l| l.split("viper admin:").nth(1)) {
            break a.trim().trim_start_matches("http://").to_string();
        }
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("the bot never started");
        }
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    };
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let stopping = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if stopping.elapsed() > Duration::from_secs(150) {
            let _ = child.kill();
            panic!("the soak did not stop after SIGTERM");
        }
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(!status.success());
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["run"]["interrupted"], true, "{r}");
    let sim_log = std::fs::read_to_string(work.join("sim.log")).unwrap();
    let rest = sim_log
        .lines()
        .find_map(|l| l.split("REST:").nth(1))
        .unwrap()
        .trim()
        .to_string();
    for addr in [rest.trim_start_matches("http://").to_string(), admin] {
        assert!(
            std::net::TcpStream::connect(&addr).is_err(),
            "{addr} still listens"
        );
    }
}
