//! Loopback HTTP for the soak: the simulator's control plane and the bot's admin server.

use anyhow::Context as _;
use serde_json::Value;
use std::time::Duration;

/// A client with a per-request timeout, for loopback only.
pub struct Http {
    client: awc::Client,
}

impl Http {
    /// A client whose requests give up after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Http {
            client: awc::Client::builder().timeout(timeout).finish(),
        }
    }

    /// GET `url` as JSON.
    pub async fn get(&self, url: &str) -> anyhow::Result<Value> {
        let mut r = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("GET {url}: {e}"))?;
        let body = r
            .body()
            .limit(256 << 20)
            .await
            .with_context(|| format!("GET {url}: body"))?;
        anyhow::ensure!(r.status().is_success(), "GET {url}: HTTP {}", r.status());
        serde_json::from_slice(&body).with_context(|| format!("GET {url}: not JSON"))
    }

    /// POST `body` to `url`; the JSON answer.
    pub async fn post(&self, url: &str, body: &Value) -> anyhow::Result<Value> {
        let mut r = self
            .client
            .post(url)
            .send_json(body)
            .await
            .map_err(|e| anyhow::anyhow!("POST {url}: {e}"))?;
        let text = r
            .body()
            .limit(16 << 20)
            .await
            .with_context(|| format!("POST {url}: body"))?;
        anyhow::ensure!(
            r.status().is_success(),
            "POST {url}: HTTP {} {}",
            r.status(),
            String::from_utf8_lossy(&text)
        );
        serde_json::from_slice(&text).with_context(|| format!("POST {url}: not JSON"))
    }

    /// The HTTP status of GET `url`, None when nothing answers.
    pub async fn status(&self, url: &str) -> Option<u16> {
        let r = self.client.get(url).send().await.ok()?;
        Some(r.status().as_u16())
    }
}
