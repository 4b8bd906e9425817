//! Helpers of the operations tests: the real `viper` binary as a child process whose output
//! is collected while it runs, and a minimal blocking HTTP/1.1 client for loopback.
// Plain threads polling a child process (no actix worker to block): sleeping is the wait.
#![allow(
    dead_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::disallowed_methods
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn viper() -> Command {
    Command::new(env!("CARGO_BIN_EXE_viper"))
}

/// A running `viper` whose stdout and stderr lines are collected; killed on drop.
pub struct Running {
    child: Child,
    pub stdout: Arc<Mutex<Vec<String>>>,
    pub stderr: Arc<Mutex<Vec<String>>>,
}

fn collect(r: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines() {
            match l {
                Ok(l) => sink.lock().unwrap().push(l),
                Err(_) => break,
            }
        }
    });
    lines
}

impl Running {
    pub fn spawn(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        Self {
            child,
            stdout,
            stderr,
        }
    }

    /// The rest of the first stdout line that starts with `prefix` (trimmed), waiting up to
    /// `secs`; panics with the output so far otherwise.
    pub fn line_after(&mut self, prefix: &str, secs: u64) -> String {
        let until = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(l) = self
                .stdout
                .lock()
                .unwrap()
                .iter()
                .find_map(|l| l.trim_start().strip_prefix(prefix).map(str::to_owned))
            {
                return l.trim().to_owned();
            }
            if Instant::now() > until || self.child.try_wait().unwrap().is_some() {
                panic!(
                    "no line {prefix:?}\nstdout:\n{}\nstderr:\n{}",
                    self.stdout.lock().unwrap().join("\n"),
                    self.stderr.lock().unwrap().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the exit (up to `secs`, else kills) and returns success, stdout, stderr.
    pub fn finish(mut self, secs: u64) -> (bool, String, String) {
        let until = Instant::now() + Duration::from_secs(secs);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break Some(s);
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                break None;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        // Let the reader threads drain the pipes.
        std::thread::sleep(Duration::from_millis(300));
        (
            status.is_some_and(|s| s.success()),
            self.stdout.lock().unwrap().join("\n"),
            self.stderr.lock().unwrap().join("\n"),
        )
    }
}

impl Running {
    /// Sends SIGTERM (what a service manager sends to stop it).
    pub fn terminate(&self) {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(ok.success(), "kill -TERM {pid}");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `viper sim` with an optional config file; returns it and its REST base URL.
pub fn start_sim(config: Option<&std::path::Path>) -> (Running, String) {
    let mut cmd = viper();
    cmd.args(["sim", "--listen", "127.0.0.1:0"]);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    let mut sim = Running::spawn(cmd);
    let url = sim.line_after("REST:", 30);
    (sim, url)
}

/// One blocking HTTP/1.1 request to a loopback `http://host:port/path`: (status, body).
pub fn http(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, mut payload) = text
        .split_once("\r\n\r\n")
        .map(|(h, b)| (h.to_owned(), b.to_owned()))
        .unwrap_or((text.clone(), String::new()));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        payload = dechunk(&payload);
    }
    (status, payload)
}

fn dechunk(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

/// Polls `f` every 200 ms until it returns Some, or panics after `secs`.
pub fn eventually<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The value of the first sample of `name` (with `labels` as written, or any) in a
/// Prometheus text body.
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let (s, v) = l.rsplit_once(' ')?;
        (s == series).then(|| v.parse().ok()).flatten()
    })
}

/// `viper sim` with extra arguments; returns it, its REST base URL and its control plane URL.
pub fn start_sim_with(args: &[&str]) -> (Running, String, String) {
    let mut cmd = viper();
    cmd.args(["sim", "--listen", "127.0.0.1:0"]).args(args);
    let mut sim = Running::spawn(cmd);
    let rest = sim.line_after("REST:", 30);
    let control = sim.line_after("control plane:", 30);
    (sim, rest, control)
}
