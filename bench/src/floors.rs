//! The two floors Viper's client is compared with: a bare awc loop sending pre-signed
//! requests, and a minimal blocking HTTP/1.1 client on one keep-alive TCP connection. Both
//! read the whole body and check the envelope's code, as any client must.

use std::io::{Read, Write};
use std::net::TcpStream;

use anyhow::{Context, bail};
use serde_json::Value;
use viper_bitget::sign::sign_request;

/// A request signed before the timed loop starts.
pub struct Signed {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Path and query, e.g. `/api/v2/mix/order/detail?symbol=...`.
    pub target: String,
    /// JSON body of a POST.
    pub body: String,
    /// Every header but Host and Content-Length.
    pub headers: Vec<(&'static str, String)>,
}

/// Signs `method target body` with the simulator's default key at `ts_ms`.
pub fn signed(method: &'static str, path: &str, query: &str, body: &str, ts_ms: &str) -> Signed {
    let sign = sign_request(
        viper_sim::DEFAULT_API_SECRET,
        ts_ms,
        method,
        path,
        query,
        body,
    );
    let target = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    Signed {
        method,
        target,
        body: body.to_owned(),
        headers: vec![
            ("ACCESS-KEY", viper_sim::DEFAULT_API_KEY.to_owned()),
            ("ACCESS-SIGN", sign),
            ("ACCESS-TIMESTAMP", ts_ms.to_owned()),
            (
                "ACCESS-PASSPHRASE",
                viper_sim::DEFAULT_PASSPHRASE.to_owned(),
            ),
            ("Content-Type", "application/json".to_owned()),
            ("locale", "en-US".to_owned()),
        ],
    }
}

/// Fails unless the body is Bitget's success envelope.
pub fn check_envelope(body: &[u8]) -> anyhow::Result<()> {
    let v: Value = serde_json::from_slice(body).context("body is not JSON")?;
    match v.get("code").and_then(Value::as_str) {
        Some("00000") => Ok(()),
        other => bail!("exchange answered {other:?}: {v}"),
    }
}

/// One request on awc.
pub async fn awc_send(client: &awc::Client, base: &str, r: &Signed) -> anyhow::Result<()> {
    let url = format!("{base}{}", r.target);
    let mut req = if r.method == "POST" {
        client.post(url)
    } else {
        client.get(url)
    };
    for (k, v) in &r.headers {
        req = req.insert_header((*k, v.as_str()));
    }
    let mut resp = if r.method == "POST" {
        req.send_body(r.body.clone()).await
    } else {
        req.send().await
    }
    .map_err(|e| anyhow::anyhow!("awc send: {e}"))?;
    let body = resp
        .body()
        .limit(1 << 20)
        .await
        .map_err(|e| anyhow::anyhow!("awc body: {e}"))?;
    check_envelope(&body)
}

/// A blocking HTTP/1.1 client on one keep-alive connection.
pub struct Raw {
    stream: TcpStream,
    host: String,
    buf: Vec<u8>,
}

impl Raw {
    /// Connects to `http://host:port`.
    pub fn connect(base: &str) -> anyhow::Result<Self> {
        let host = base
            .strip_prefix("http://")
            .context("raw client speaks plain http only")?
            .trim_end_matches('/')
            .to_owned();
        let stream = TcpStream::connect(&host)?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            host,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    /// Sends one request and reads its whole answer.
    pub fn send(&mut self, r: &Signed) -> anyhow::Result<()> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\n",
            r.method, r.target, self.host
        );
        for (k, v) in &r.headers {
            head.push_str(k);
            head.push_str(": ");
            head.push_str(v);
            head.push_str("\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", r.body.len()));
        head.push_str(&r.body);
        self.stream.write_all(head.as_bytes())?;
        let body = self.read_answer()?;
        check_envelope(&body)
    }

    fn read_answer(&mut self) -> anyhow::Result<Vec<u8>> {
        self.buf.clear();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                bail!("connection closed mid-answer");
            }
            self.buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .context("answer without content-length")?
            .trim()
            .parse()?;
        while self.buf.len() < head_end + len {
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                bail!("connection closed mid-body");
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        Ok(self.buf[head_end..head_end + len].to_vec())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
