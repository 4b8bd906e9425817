//! Notifications: `[notify]` webhooks (generic JSON, Telegram, Discord, Slack) told about
//! entries and exits, the emergency stop, trading-state changes, restarts and connectivity.
//! `config` reads the section (secrets from the environment), `format` shapes the bodies,
//! `deliver` posts them from bounded queues, `relay` turns the actors' events into notices.

pub mod config;
pub mod deliver;
pub mod format;
pub mod relay;

pub use config::{NotifyConfig, WebhookConfig, WebhookFormat};
pub use deliver::NotifyHandle;
pub use relay::NotifyRelay;

/// The notification side of a running bot: the relay (None without webhooks) and the
/// handle its notices go through.
#[derive(Clone, Default)]
pub struct Notify {
    /// Receives the actors' events.
    pub relay: Option<actix::Addr<NotifyRelay>>,
    /// Where notices are handed in.
    pub out: NotifyHandle,
}

/// The relay and its webhooks' delivery actors, when any webhook is configured (call inside
/// an actix System).
pub fn start(cfg: &crate::config::BotConfig) -> Notify {
    use actix::Actor;
    let out = NotifyHandle::start(&cfg.notify, &cfg.mode);
    let relay = (!out.is_empty()).then(|| NotifyRelay::new(out.clone()).start());
    Notify { relay, out }
}
