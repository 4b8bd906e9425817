//! The soak's child processes (`viper sim`, `viper run`): spawned with their output in log
//! files, stdout lines also handed to the soak (for the URLs they print), SIGKILLed or
//! SIGTERMed by pid, sampled for RSS and CPU from /proc, and killed when dropped so no child
//! outlives the soak.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// A running child.
pub struct Proc {
    child: Option<Child>,
    /// Its pid.
    pub pid: u32,
    lines: Receiver<String>,
    /// When it was spawned.
    pub started: Instant,
}

/// Peak RSS and CPU time of one process, from /proc.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// Peak resident set, KiB (`VmHWM`).
    pub peak_rss_kib: u64,
    /// User + system CPU, seconds.
    pub cpu_secs: f64,
}

impl Proc {
    /// Spawns `exe args` with `envs`; stdout and stderr are appended to `log`.
    pub fn spawn(
        exe: &Path,
        args: &[String],
        envs: &[(String, String)],
        log: &Path,
    ) -> std::io::Result<Proc> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)?;
        let mut cmd = Command::new(exe);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(file.try_clone()?));
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn()?;
        let pid = child.id();
        let (tx, lines) = channel();
        if let Some(out) = child.stdout.take() {
            let mut file = file;
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    // A full disk only loses the log line; the soak goes on.
                    let _ = writeln!(file, "{line}");
                    let _ = tx.send(line);
                }
            });
        }
        Ok(Proc {
            child: Some(child),
            pid,
            lines,
            started: Instant::now(),
        })
    }

    /// The first stdout line containing `marker`, the text after it; None when the process
    /// ended or `deadline` passed first.
    pub fn wait_line(&mut self, marker: &str, deadline: Instant) -> Option<String> {
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self
                .lines
                .recv_timeout(left.min(Duration::from_millis(200)))
            {
                Ok(line) => {
                    if let Some(i) = line.find(marker) {
                        return Some(line[i + marker.len()..].trim().to_string());
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if !self.alive() {
                        return None;
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// True while the process runs.
    pub fn alive(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Peak RSS and CPU so far (zeros once it has been reaped or off Linux).
    pub fn usage(&self) -> Usage {
        usage_of(self.pid)
    }

    /// SIGKILL, then reap.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, wait up to `grace` for it to exit, then SIGKILL. True when it exited by itself.
    pub async fn terminate(&mut self, grace: Duration) -> bool {
        let Some(c) = self.child.as_mut() else {
            return true;
        };
        if let Some(pid) = rustix::process::Pid::from_raw(self.pid as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if matches!(c.try_wait(), Ok(Some(_))) {
                self.child = None;
                return true;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        self.kill();
        false
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn usage_of(pid: u32) -> Usage {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let peak_rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the whole line, 11 and 12 after the ')'.
    let cpu_secs = (ticks(11) + ticks(12)) as f64 / 100.0;
    Usage {
        peak_rss_kib,
        cpu_secs,
    }
}

/// The machine's load averages (1, 5, 15 min) as printed by /proc/loadavg.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_usage_is_read_from_proc() {
        let u = usage_of(std::process::id());
        if cfg!(target_os = "linux") {
            assert!(u.peak_rss_kib > 0);
        }
    }
}
