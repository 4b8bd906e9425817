//! The bot's periodic actor timers on the process-wide grid ([`viper_bitget::timer_grid`]):
//! each actor's `run_interval` started at its own moment, so an idle bot woke once per
//! timer. Periods are unchanged: the first tick comes within one period, as before.

use actix::{Actor, AsyncContext, SpawnHandle};
use std::time::Duration;
use tokio::time::Instant;
pub use viper_bitget::timer_grid::next_tick;

/// `ctx.run_interval(period, f)` with its ticks on the shared grid.
pub fn run_interval<A, C, F>(ctx: &mut C, period: Duration, f: F) -> SpawnHandle
where
    A: Actor<Context = C>,
    C: AsyncContext<A>,
    F: FnMut(&mut A, &mut C) + 'static,
{
    ctx.run_interval_at(next_tick(Instant::now(), period), period, f)
}
