//! The `viper` package as a library: configuration and system wiring, used by the binary and
//! by the whole-system tests in `tests/`.

pub mod config;
pub mod system;
