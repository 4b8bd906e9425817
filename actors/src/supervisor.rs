//! Supervision that covers both ways an actor dies: it stops, or a handler panics (actix's
//! own `Supervisor` only sees the first). Either way its context is dropped, and with it a
//! sentinel the actor was started with ([`Gone`]): a watchdog waits on that — no polling —
//! and rebuilds the actor by its factory (recovery, not resume: a fresh instance resubscribes
//! and re-reads) after exponential backoff with jitter. Repeated crashes escalate.

use actix::prelude::*;
use rand::RngExt;
use std::time::Duration;
use tokio::time::Instant;

/// A supervised actor restarted (or gave up).
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Restarted {
    /// Which actor.
    pub actor: &'static str,
    /// Restarts so far.
    pub count: u32,
    /// True when the restart budget is exhausted (trading must halt).
    pub escalated: bool,
}

/// Backoff and escalation settings.
#[derive(Debug, Clone)]
pub struct RestartPolicy {
    /// First delay.
    pub initial: Duration,
    /// Largest delay.
    pub max: Duration,
    /// Crashes within `window` that escalate.
    pub escalate_after: u32,
    /// Window for counting crashes.
    pub window: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(200),
            max: Duration::from_secs(30),
            escalate_after: 5,
            window: Duration::from_secs(300),
        }
    }
}

impl RestartPolicy {
    /// Delay before restart number `n` (0-based): exponential, capped, with ±50 % jitter.
    pub fn delay(&self, n: u32, jitter: f64) -> Duration {
        let base = self.initial.saturating_mul(1u32 << n.min(16)).min(self.max);
        base.mul_f64(0.5 + jitter.clamp(0.0, 1.0))
    }
}

/// Resolves once an actor is gone: stopped, or its context dropped by a panic in a handler.
/// Made by [`start_watched`] or [`gone_signal`]; clones wait on the same actor.
#[derive(Debug, Clone)]
pub struct Gone(tokio::sync::watch::Receiver<()>);

impl Gone {
    /// Waits until the actor is gone (at once if it already is).
    pub async fn wait(&self) {
        let mut rx = self.0.clone();
        // Nothing is ever sent: only the sender's drop (with the actor's context) ends this.
        while rx.changed().await.is_ok() {}
    }
}

/// Ties a [`Gone`] to `ctx`: a future spawned into the context holds the sender, and the
/// context drops its futures when the actor stops or a handler panics. Call before the actor
/// runs (from `Actor::create`, or on a `Context::new()` before `run`).
pub fn gone_signal<A: Actor<Context = Context<A>>>(ctx: &mut Context<A>) -> Gone {
    let (tx, rx) = tokio::sync::watch::channel(());
    ctx.spawn(actix::fut::wrap_future(async move {
        let _held = tx;
        std::future::pending::<()>().await
    }));
    Gone(rx)
}

/// Starts `actor` and returns its address with the [`Gone`] that resolves when it dies.
pub fn start_watched<A: Actor<Context = Context<A>>>(actor: A) -> (Addr<A>, Gone) {
    let mut gone = None;
    let addr = A::create(|ctx| {
        gone = Some(gone_signal(ctx));
        actor
    });
    match gone {
        Some(g) => (addr, g),
        // `create` runs its closure before returning; a Gone that is already resolved keeps
        // the contract (the caller sees the actor as gone) if it ever did not.
        None => (addr, Gone(tokio::sync::watch::channel(()).1)),
    }
}

/// Watches one actor and rebuilds it when it dies.
pub struct Watchdog<A: Actor<Context = Context<A>>> {
    name: &'static str,
    factory: Box<dyn Fn() -> A>,
    addr: Addr<A>,
    gone: Option<Gone>,
    policy: RestartPolicy,
    crashes: Vec<Instant>,
    restarts: u32,
    pending: bool,
    notify: Vec<Recipient<Restarted>>,
}

impl<A: Actor<Context = Context<A>>> Watchdog<A> {
    /// Starts the actor `factory` builds and watches it.
    pub fn new(
        name: &'static str,
        factory: impl Fn() -> A + 'static,
        policy: RestartPolicy,
        notify: Vec<Recipient<Restarted>>,
    ) -> Self {
        let (addr, gone) = start_watched(factory());
        Self {
            name,
            factory: Box::new(factory),
            addr,
            gone: Some(gone),
            policy,
            crashes: Vec::new(),
            restarts: 0,
            pending: false,
            notify,
        }
    }
}

impl<A: Actor<Context = Context<A>>> Watchdog<A> {
    /// The watched actor's current address (a new one after each restart).
    pub fn current(&self) -> &Addr<A> {
        &self.addr
    }
}

/// The current address of the watched actor.
#[derive(Message)]
#[rtype(result = "Addr<A>")]
pub struct CurrentAddr<A: Actor>(std::marker::PhantomData<fn() -> A>);

impl<A: Actor> Default for CurrentAddr<A> {
    fn default() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<A: Actor<Context = Context<A>>> Handler<CurrentAddr<A>> for Watchdog<A> {
    type Result = MessageResult<CurrentAddr<A>>;
    fn handle(&mut self, _: CurrentAddr<A>, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.addr.clone())
    }
}

/// Shut down for good: a watchdog stops its actor (which closes its connections) and
/// itself, without a restart. Sent once the bot has stopped trading, before its exchange goes.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Retire;

impl<A> Handler<Retire> for Watchdog<A>
where
    A: Actor<Context = Context<A>> + Handler<Retire>,
{
    type Result = ();
    fn handle(&mut self, _: Retire, ctx: &mut Self::Context) {
        // No restart from here on, whatever the actor does.
        self.pending = true;
        if let Err(e) = self.addr.try_send(Retire) {
            tracing::debug!(actor = self.name, error = %e, "retire: actor already gone");
        }
        ctx.stop();
    }
}

impl<A: Actor<Context = Context<A>>> Actor for Watchdog<A> {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        self.await_death(ctx);
    }
}

impl<A: Actor<Context = Context<A>>> Watchdog<A> {
    /// Reacts when the current instance dies.
    fn await_death(&mut self, ctx: &mut Context<Self>) {
        if let Some(gone) = self.gone.take() {
            ctx.spawn(
                async move { gone.wait().await }
                    .into_actor(self)
                    .map(|(), act, ctx| act.died(ctx)),
            );
        }
    }

    fn died(&mut self, ctx: &mut Context<Self>) {
        if self.pending {
            return;
        }
        let now = Instant::now();
        self.crashes
            .retain(|t| now.duration_since(*t) < self.policy.window);
        self.crashes.push(now);
        let n = self.crashes.len() as u32 - 1;
        let escalated = self.crashes.len() as u32 >= self.policy.escalate_after;
        let delay = self.policy.delay(n, rand::rng().random_range(0.0..1.0));
        tracing::error!(
            actor = self.name,
            crashes = self.crashes.len(),
            ?delay,
            escalated,
            "actor died; restarting after backoff"
        );
        metrics::counter!("viper_actor_restarts_total", "actor" => self.name).increment(1);
        self.pending = true;
        ctx.run_later(delay, move |act, ctx| {
            let (addr, gone) = start_watched((act.factory)());
            act.addr = addr;
            act.gone = Some(gone);
            act.await_death(ctx);
            act.restarts += 1;
            act.pending = false;
            let msg = Restarted {
                actor: act.name,
                count: act.restarts,
                escalated,
            };
            for r in &act.notify {
                let _ = r.try_send(msg.clone());
            }
        });
    }
}

/// What a failure of an actor leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// Its watchdog rebuilds it in-process after backoff with jitter; a new instance re-reads
    /// everything. Five crashes in five minutes escalate: `Restarted { escalated }` halts
    /// trading (CapitalWatch, not latched) and degrades health.
    Restart,
    /// Crash-only: trading halts and the process exits non-zero, so its service manager
    /// restarts it and start-up recovers from the journal and the exchange.
    EndProcess,
}

/// One row of the supervision table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Supervision {
    /// Actor name (logs, metrics, `Restarted`).
    pub actor: &'static str,
    /// What its failure leads to.
    pub on_failure: OnFailure,
}

/// The supervision table: every long-lived actor of the bot and what its stop or panic leads
/// to (docs/architecture.md shows the same table). Actors holding order or capital state end
/// the process — patching them up in place could lose an order's fate; actors that only read
/// and re-read (feeds, sync, the stop-loss guard) restart in-process.
pub const SUPERVISION: &[Supervision] = &[
    Supervision {
        actor: "market_feed",
        on_failure: OnFailure::Restart,
    },
    Supervision {
        actor: "account_sync",
        on_failure: OnFailure::Restart,
    },
    Supervision {
        actor: "stop_loss_guard",
        on_failure: OnFailure::Restart,
    },
    Supervision {
        actor: "trade_recorder",
        on_failure: OnFailure::Restart,
    },
    Supervision {
        actor: "risk_manager",
        on_failure: OnFailure::EndProcess,
    },
    Supervision {
        actor: "order_router",
        on_failure: OnFailure::EndProcess,
    },
    Supervision {
        actor: "capital_watch",
        on_failure: OnFailure::EndProcess,
    },
    Supervision {
        actor: "trader",
        on_failure: OnFailure::EndProcess,
    },
    Supervision {
        actor: "health_monitor",
        on_failure: OnFailure::EndProcess,
    },
];

/// The table's policy for `actor` (an actor missing from the table ends the process).
pub fn on_failure(actor: &str) -> OnFailure {
    SUPERVISION
        .iter()
        .find(|s| s.actor == actor)
        .map_or(OnFailure::EndProcess, |s| s.on_failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_jitters_within_half() {
        let p = RestartPolicy {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(2),
            escalate_after: 3,
            window: Duration::from_secs(60),
        };
        assert_eq!(p.delay(0, 0.5), Duration::from_millis(100));
        assert_eq!(p.delay(3, 0.5), Duration::from_millis(800));
        assert_eq!(p.delay(10, 0.5), Duration::from_secs(2));
        assert_eq!(p.delay(2, 0.0), Duration::from_millis(200));
        assert_eq!(p.delay(2, 1.0), Duration::from_millis(600));
    }
}
