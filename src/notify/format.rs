//! The body each webhook format posts for a notice: pure functions, so every shape is checked
//! by a table test without a network.

use super::config::WebhookFormat;
use serde_json::{Value, json};
use viper_actors::notice::Notice;

/// The bot's label in every message: `viper PAPER`, `viper LIVE`, …
pub fn label(mode: &str) -> String {
    format!("viper {}", mode.to_ascii_uppercase())
}

/// The JSON body of `notice` for `format`; `chat_id` is Telegram's.
pub fn body(format: WebhookFormat, mode: &str, chat_id: Option<&str>, notice: &Notice) -> Value {
    let text = format!("[{}] {}", label(mode), notice.text());
    match format {
        WebhookFormat::Telegram => json!({ "chat_id": chat_id.unwrap_or_default(), "text": text }),
        WebhookFormat::Discord => json!({ "content": text }),
        WebhookFormat::Slack => json!({ "text": text }),
        WebhookFormat::Json => {
            let mut v = json!({
                "event": notice.kind(),
                "mode": mode,
                "text": notice.text(),
            });
            if let (Some(obj), Some(extra)) = (v.as_object_mut(), fields(notice)) {
                obj.extend(extra);
            }
            v
        }
    }
}

/// The event's own fields for the generic JSON format (money as strings, never floats).
fn fields(notice: &Notice) -> Option<serde_json::Map<String, Value>> {
    let v = match notice {
        Notice::Entry(t) | Notice::Exit(t) => json!({
            "symbol": t.symbol,
            "side": if t.long { "long" } else { "short" },
            "size": t.size.to_string(),
            "price": t.price.map(|p| p.to_string()),
            "pnl": t.pnl.map(|p| p.to_string()),
            "fee": t.fee.map(|p| p.to_string()),
            "reason": t.reason,
        }),
        Notice::EmergencyStop { reason } => json!({ "reason": reason }),
        Notice::TradingState { state, reason } => {
            json!({ "state": state.as_str(), "reason": reason })
        }
        Notice::Restart {
            actor,
            count,
            escalated,
        } => json!({ "actor": actor, "count": count, "escalated": escalated }),
        Notice::Connection { connection, up } => json!({ "connection": connection, "up": up }),
    };
    match v {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use viper_actors::notice::TradeNotice;

    fn entry() -> Notice {
        Notice::Entry(TradeNotice {
            symbol: "BTCUSDT".into(),
            long: true,
            size: Decimal::new(1, 3),
            price: Some(Decimal::new(650005, 1)),
            pnl: None,
            fee: None,
            reason: None,
        })
    }

    #[test]
    fn each_format_has_its_shape() {
        let n = entry();
        let line = "[viper PAPER] entry BTCUSDT long 0.001 @ 65000.5";
        assert_eq!(
            body(WebhookFormat::Telegram, "paper", Some("-100"), &n),
            json!({ "chat_id": "-100", "text": line })
        );
        assert_eq!(
            body(WebhookFormat::Discord, "paper", None, &n),
            json!({ "content": line })
        );
        assert_eq!(
            body(WebhookFormat::Slack, "paper", None, &n),
            json!({ "text": line })
        );
        let j = body(WebhookFormat::Json, "paper", None, &n);
        assert_eq!(j["event"], "entry");
        assert_eq!(j["mode"], "paper");
        assert_eq!(
            (j["symbol"].as_str(), j["side"].as_str()),
            (Some("BTCUSDT"), Some("long"))
        );
        assert_eq!(
            (j["size"].as_str(), j["price"].as_str()),
            (Some("0.001"), Some("65000.5"))
        );
        assert!(j["pnl"].is_null());
    }

    #[test]
    fn json_carries_each_events_fields() {
        let s = body(
            WebhookFormat::Json,
            "live",
            None,
            &Notice::EmergencyStop {
                reason: "equity 14 below 15".into(),
            },
        );
        assert_eq!(
            (s["event"].as_str(), s["reason"].as_str()),
            (Some("emergency_stop"), Some("equity 14 below 15"))
        );
        let c = body(
            WebhookFormat::Json,
            "live",
            None,
            &Notice::Connection {
                connection: "ws_private",
                up: true,
            },
        );
        assert_eq!(
            (c["connection"].as_str(), c["up"].as_bool()),
            (Some("ws_private"), Some(true))
        );
    }
}
