//! viper-sim: a Bitget V2 USDT-M futures compatible exchange on loopback — REST with the real
//! paths, envelope, signature check, error codes and rate limits; a matching engine with
//! positions, margin, TP/SL and trigger orders; and a control plane for tests.

pub mod audit;
pub mod config;
mod control;
pub mod drive;
pub mod engine;
pub mod error;
pub mod faults;
pub mod feeds;
pub mod market;
pub mod num;
pub mod recent;
pub mod rest;
mod server;
pub mod state;
pub mod ws;

pub use config::{DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_PASSPHRASE, DEFAULT_UID, SimConfig};
pub use server::{SimHandle, install_faults, start};
