//! Login on the private WebSocket: the key, passphrase, timestamp window and signature of
//! spec §7.2, answered with a numeric or string code as configured.

use super::conn::{Conn, Exit, close};
use crate::rest::auth::{prehash, signature_ok};
use actix_ws::CloseCode;
use serde_json::{Value, json};

impl Conn {
    pub(super) async fn login(&mut self, arg: Option<&Value>) -> Result<(), Exit> {
        let failure = match self.check_login(arg) {
            Ok(uid) => {
                self.uid = Some(uid);
                let code = if self.shared.cfg.ws_login_code_numeric {
                    json!(0)
                } else {
                    json!("0")
                };
                return self
                    .send(&json!({ "event": "login", "code": code, "msg": "" }))
                    .await
                    .map_err(|_| Exit::Drop);
            }
            Err(f) => f,
        };
        let _ = self.error(failure.0, failure.1, None).await;
        Err(close(CloseCode::Policy, "login failed"))
    }

    fn check_login(&self, arg: Option<&Value>) -> Result<u64, (u32, &'static str)> {
        if !self.private {
            return Err((30005, "Login failed: public channel"));
        }
        if crate::faults::ws::login_refused(&self.shared) {
            return Err((30005, "Login failed"));
        }
        let a = arg.ok_or((30016, "Param error"))?;
        let field = |k: &str| a[k].as_str().map(str::to_string);
        let key = field("apiKey").ok_or((30011, "Invalid ACCESS_KEY"))?;
        let entry = self
            .shared
            .keys
            .get(&key)
            .ok_or((30011, "Invalid ACCESS_KEY"))?;
        // Live accepts the seconds as a string or a JSON number (a widely used client
        // sends the number); the signature covers the same decimal text either way.
        let ts_text = match &a["timestamp"] {
            Value::String(s) => s.clone(),
            Value::Number(n) if n.is_u64() => n.to_string(),
            _ => return Err((30013, "Invalid ACCESS_TIMESTAMP")),
        };
        let ts: i64 = ts_text
            .parse()
            .map_err(|_| (30013, "Invalid ACCESS_TIMESTAMP"))?;
        if (self.shared.now() / 1000 - ts).abs() > 30 {
            return Err((30014, "Request timestamp expired"));
        }
        if field("passphrase").as_deref() != Some(entry.key.passphrase.as_str()) {
            return Err((30012, "Invalid ACCESS_PASSPHRASE"));
        }
        let sign = field("sign").unwrap_or_default();
        if !signature_ok(
            &entry.key.secret,
            &prehash(&ts_text, "GET", "/user/verify", "", b""),
            &sign,
        ) {
            return Err((30015, "Invalid sign"));
        }
        Ok(entry.uid)
    }
}
