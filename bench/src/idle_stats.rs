//! What `viper-bench idle` reads about the bot once a second (`/proc`, Linux) and what it
//! derives: resident memory now and at its peak, CPU time of the whole process (threads that
//! ended included), thread count, context switches (a wake-up costs at least one), and the
//! growth of the resident set after warm-up as a least-squares line.

/// One reading of the bot process.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sample {
    /// Seconds since the bot answered `/ready`.
    pub t: f64,
    /// `VmRSS`, KiB.
    pub rss_kib: u64,
    /// `VmHWM` (peak resident set), KiB.
    pub hwm_kib: u64,
    /// `RssAnon`: heap, stacks and other private memory, KiB.
    pub anon_kib: u64,
    /// `RssFile`: mapped file pages (mostly the binary's code, shared with the page cache), KiB.
    pub file_kib: u64,
    /// utime + stime of the process, clock ticks (`USER_HZ`, 100 a second on Linux).
    pub cpu_ticks: u64,
    /// Live threads.
    pub threads: u64,
    /// Voluntary + involuntary context switches summed over the live threads.
    pub switches: u64,
}

/// `USER_HZ`: the unit of utime and stime in `/proc/PID/stat`, fixed at 100 for user space.
const TICKS_PER_SEC: f64 = 100.0;

/// Reads `pid` now; `None` once the process is gone.
pub fn read(pid: u32, t: f64) -> Option<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(Sample {
        t,
        rss_kib: status_field(&status, "VmRSS:"),
        hwm_kib: status_field(&status, "VmHWM:"),
        anon_kib: status_field(&status, "RssAnon:"),
        file_kib: status_field(&status, "RssFile:"),
        cpu_ticks: stat_cpu_ticks(&stat),
        threads: status_field(&status, "Threads:"),
        switches: switches(pid),
    })
}

/// The number after `name` in a `/proc/PID/status` text (0 when absent).
pub fn status_field(status: &str, name: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// utime + stime from a `/proc/PID/stat` line. Fields after the command name (which may hold
/// spaces and parentheses) start after the last `)`; utime and stime are the 12th and 13th
/// of them. The process totals include threads that have ended.
pub fn stat_cpu_ticks(stat: &str) -> u64 {
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let at = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    at(11) + at(12)
}

fn switches(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("status")).ok())
        .map(|s| {
            status_field(&s, "voluntary_ctxt_switches:")
                + status_field(&s, "nonvoluntary_ctxt_switches:")
        })
        .sum()
}

/// Least-squares slope of `(x, y)` points; `None` with fewer than two distinct x.
pub fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// The figures of one run, from its samples.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Resident set when the bot answered `/ready`, MiB.
    pub rss_ready: f64,
    /// Resident set at the end of warm-up, MiB.
    pub rss_warm: f64,
    /// Resident set at the end, MiB.
    pub rss_end: f64,
    /// Peak resident set over the whole life, MiB.
    pub hwm: f64,
    /// Growth of the resident set after warm-up (least squares), MiB per hour.
    pub growth_mib_h: f64,
    /// Anonymous part of the resident set at the end, MiB.
    pub anon_end: f64,
    /// File-backed part of the resident set at the end, MiB.
    pub file_end: f64,
    /// Growth of the anonymous part after warm-up (least squares), MiB per hour.
    pub anon_growth_mib_h: f64,
    /// CPU after warm-up, percent of one core.
    pub cpu_pct: f64,
    /// CPU seconds spent up to `/ready` (start-up and recovery).
    pub startup_cpu_s: f64,
    /// Context switches per second after warm-up.
    pub switches_s: f64,
    /// Threads at the end.
    pub threads: u64,
    /// Seconds measured after warm-up.
    pub measured_s: f64,
}

/// Summarises `samples` (the first is the one at `/ready`), with warm-up ending at `warmup`
/// seconds; `None` when no sample lies past the warm-up.
pub fn summarise(samples: &[Sample], warmup: f64) -> Option<Summary> {
    let first = samples.first()?;
    let warm = samples.iter().find(|s| s.t >= warmup)?;
    let last = samples.last()?;
    let dt = last.t - warm.t;
    let mib = |kib: u64| kib as f64 / 1024.0;
    let after: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.t >= warm.t)
        .map(|s| (s.t, mib(s.rss_kib)))
        .collect();
    let anon: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.t >= warm.t)
        .map(|s| (s.t, mib(s.anon_kib)))
        .collect();
    let per_s = |a: u64, b: u64| {
        if dt > 0.0 {
            b.saturating_sub(a) as f64 / dt
        } else {
            0.0
        }
    };
    Some(Summary {
        rss_ready: mib(first.rss_kib),
        rss_warm: mib(warm.rss_kib),
        rss_end: mib(last.rss_kib),
        hwm: mib(samples.iter().map(|s| s.hwm_kib).max().unwrap_or(0)),
        growth_mib_h: slope(&after).unwrap_or(0.0) * 3600.0,
        anon_end: mib(last.anon_kib),
        file_end: mib(last.file_kib),
        anon_growth_mib_h: slope(&anon).unwrap_or(0.0) * 3600.0,
        cpu_pct: per_s(warm.cpu_ticks, last.cpu_ticks) / TICKS_PER_SEC * 100.0,
        startup_cpu_s: first.cpu_ticks as f64 / TICKS_PER_SEC,
        switches_s: per_s(warm.switches, last.switches),
        threads: last.threads,
        measured_s: dt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_line_and_of_too_few_points() {
        let pts: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, 3.0 + 0.5 * i as f64)).collect();
        assert!((slope(&pts).unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(slope(&[(1.0, 2.0)]), None);
        assert_eq!(slope(&[(1.0, 2.0), (1.0, 5.0)]), None);
    }

    #[test]
    fn stat_line_with_a_parenthesis_in_the_name() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        // utime stime ...
        let line = "42 (a) b)) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3";
        assert_eq!(stat_cpu_ticks(line), 300);
        assert_eq!(stat_cpu_ticks("garbage"), 0);
    }

    #[test]
    fn our_own_process_is_readable() {
        let s = read(std::process::id(), 0.0).expect("own /proc");
        assert!(s.rss_kib > 0 && s.hwm_kib >= s.rss_kib);
        assert!(s.threads >= 1 && s.switches > 0);
    }

    #[test]
    fn summary_over_warm_up_and_after() {
        let s = |t: f64, rss: u64, cpu: u64, sw: u64| Sample {
            t,
            rss_kib: rss,
            hwm_kib: rss + 1024,
            anon_kib: rss / 4,
            file_kib: rss - rss / 4,
            cpu_ticks: cpu,
            threads: 4,
            switches: sw,
        };
        // 10 MiB at ready, then 12 MiB flat from t = 10 on, 1 % of a core, 50 switches/s.
        let mut v = vec![s(0.0, 10 * 1024, 200, 0)];
        for i in 10..=110 {
            let t = i as f64;
            v.push(s(t, 12 * 1024, 300 + (i - 10), 50 * (i - 10)));
        }
        let m = summarise(&v, 10.0).unwrap();
        assert_eq!(m.rss_ready, 10.0);
        assert_eq!(m.rss_warm, 12.0);
        assert_eq!(m.rss_end, 12.0);
        assert_eq!(m.hwm, 13.0);
        assert!(m.growth_mib_h.abs() < 1e-9 && m.anon_growth_mib_h.abs() < 1e-9);
        assert_eq!((m.anon_end, m.file_end), (3.0, 9.0));
        assert!((m.cpu_pct - 1.0).abs() < 1e-9);
        assert!((m.switches_s - 50.0).abs() < 1e-9);
        assert_eq!(m.startup_cpu_s, 2.0);
        assert_eq!(m.measured_s, 100.0);
        assert!(summarise(&v, 1000.0).is_none());
    }
}
