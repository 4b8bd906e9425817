//! Crash points for the soak test (`viper soak`), not part of the bot's API: the process
//! aborts at a named point only when it was started with `SOAK_FAILPOINT=<name>`, which no
//! config file, `VIPER_*` override or command-line flag sets. Without the variable a hit is one cached lookup.

use std::sync::OnceLock;

/// The environment variable naming the one armed crash point.
pub const ENV: &str = "SOAK_FAILPOINT";

fn armed() -> Option<&'static str> {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    ARMED
        .get_or_init(|| std::env::var(ENV).ok().filter(|v| !v.is_empty()))
        .as_deref()
}

/// Aborts the process (no destructors, no flush: as abrupt as a SIGKILL) when `name` is the
/// armed crash point.
pub fn hit(name: &str) {
    if armed() == Some(name) {
        eprintln!("failpoint {name}: aborting");
        std::process::abort();
    }
}
