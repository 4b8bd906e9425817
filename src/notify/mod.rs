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
