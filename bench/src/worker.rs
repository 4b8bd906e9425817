//! Worker processes. Each reads one command per stdin line and answers one JSON line:
//! - `orders N`: N rounds of place (a resting limit buy) + detail + cancel, both by clientOid;
//!   answers `{"lat_us": [...]}`, one latency per round;
//! - `place N`, `detail N`, `cancel N`: one call type at a time, so that CPU is measured per
//!   call type: `place` rests N orders, `detail` reads the N oldest still resting, `cancel`
//!   cancels them (kinds `viper`, `awc`, `raw`); `{"lat_us": [...]}`, one latency per call;
//! - `ticker N`: N ticker reads; `{"lat_us": [...]}`;
//! - `ws S`: counts public pushes (ticker and books of every symbol) for S seconds;
//!   `{"frames": K}` (kind `ws` only).
//!
//! Kinds: `viper` (viper-bitget's RestClient, rate limiter off), `awc` (pre-signed requests on
//! a bare awc client), `raw` (pre-signed requests on one keep-alive TCP connection), `ws`
//! (viper-bitget's WebSocket client).

use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use rust_decimal::Decimal;
use serde_json::json;
use viper_bitget::clock::SystemClock;
use viper_bitget::models::{
    ClientOid, Force, OrderRef, OrderType, PlaceOrderRequest, Price, Side, Size,
};
use viper_bitget::rate_limit::RateLimiter;
use viper_bitget::ws::{Channel, SubArg, WsClient, WsConfig, WsEvent};
use viper_bitget::{Credentials, RestClient, RestConfig};

use crate::floors::{Raw, Signed, awc_send, signed};

const SYMBOL: &str = "BTCUSDT";
const SYMBOLS: [&str; 4] = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"];
const PLACE: &str = "/api/v2/mix/order/place-order";
const DETAIL: &str = "/api/v2/mix/order/detail";
const CANCEL: &str = "/api/v2/mix/order/cancel-order";
const TICKER: &str = "/api/v2/mix/market/ticker";
const TICKER_QUERY: &str = "symbol=BTCUSDT&productType=USDT-FUTURES";

/// Runs the worker `kind` against `url` (REST base, or the public WebSocket URL for `ws`).
pub fn run(kind: &str, url: &str) -> anyhow::Result<()> {
    let kind = kind.to_owned();
    let url = url.to_owned();
    actix_rt::System::new().block_on(async move {
        let mut w = Worker::new(&kind, &url).await?;
        // stdin is read on its own thread: blocking the runtime between commands would
        // starve awc's connection pool (it then fails with "connector has been disconnected").
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        while let Some(line) = rx.recv().await {
            let mut parts = line.split_whitespace();
            let (cmd, n) = (parts.next().unwrap_or(""), parts.next().unwrap_or("0"));
            let n: u64 = n.parse().context("count")?;
            let answer = match cmd {
                "orders" => json!({ "lat_us": w.orders(n).await? }),
                "ticker" => json!({ "lat_us": w.tickers(n).await? }),
                "place" | "detail" | "cancel" => json!({ "lat_us": w.calls(cmd, n).await? }),
                "ws" => json!({ "frames": w.ws(n).await? }),
                "quit" => break,
                other => bail!("unknown command {other}"),
            };
            println!("{answer}");
        }
        Ok(())
    })
}

enum Client {
    Viper(RestClient),
    Awc(awc::Client),
    Raw(Raw),
    Ws(String),
}

struct Worker {
    client: Client,
    base: String,
    price: Decimal,
    tag: String,
    seq: u64,
    /// Orders left resting by `place`, oldest first, for `detail` and `cancel`.
    resting: VecDeque<String>,
}

fn now_ms() -> String {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
        .to_string()
}

impl Worker {
    async fn new(kind: &str, url: &str) -> anyhow::Result<Self> {
        let client = match kind {
            "viper" => {
                let creds = Credentials::new(
                    viper_sim::DEFAULT_API_KEY,
                    viper_sim::DEFAULT_API_SECRET,
                    viper_sim::DEFAULT_PASSPHRASE,
                );
                let cfg = RestConfig::custom(url, Some(creds));
                let limiter = Arc::new(RateLimiter::unlimited());
                Client::Viper(RestClient::with_parts(cfg, Arc::new(SystemClock), limiter))
            }
            "awc" => Client::Awc(awc::Client::default()),
            "raw" => Client::Raw(Raw::connect(url)?),
            "ws" => Client::Ws(url.to_owned()),
            other => bail!("unknown worker kind {other}"),
        };
        let mut w = Self {
            client,
            base: url.trim_end_matches('/').to_owned(),
            price: Decimal::ZERO,
            tag: format!("b{}{}", &kind[..1], std::process::id()),
            seq: 0,
            resting: VecDeque::new(),
        };
        if kind != "ws" {
            w.price = w.resting_price().await?;
        }
        Ok(w)
    }

    /// 3 % under the last price: rests inside the 5 % band and never fills.
    async fn resting_price(&self) -> anyhow::Result<Decimal> {
        let mut resp = awc::Client::default()
            .get(format!("{}{TICKER}?{TICKER_QUERY}", self.base))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("ticker: {e}"))?;
        let v: serde_json::Value = resp.json().await?;
        let last: Decimal = v["data"][0]["lastPr"].as_str().context("lastPr")?.parse()?;
        Ok((last * Decimal::new(97, 2)).round_dp(1))
    }

    fn next_oid(&mut self) -> String {
        self.seq += 1;
        format!("{}n{}", self.tag, self.seq)
    }

    /// The floors' pre-signed request of call type `call` for `oid`.
    fn request(&self, call: &str, oid: &str, ts: &str) -> Signed {
        match call {
            "place" => {
                let place = json!({"symbol": SYMBOL, "productType": "USDT-FUTURES",
                    "marginMode": "crossed", "marginCoin": "USDT", "size": "0.0001",
                    "price": self.price.to_string(), "side": "buy", "orderType": "limit",
                    "force": "gtc", "clientOid": oid});
                signed("POST", PLACE, "", &place.to_string(), ts)
            }
            "detail" => {
                let q = format!("symbol={SYMBOL}&productType=USDT-FUTURES&clientOid={oid}");
                signed("GET", DETAIL, &q, "", ts)
            }
            _ => {
                let cancel = json!({"symbol": SYMBOL, "productType": "USDT-FUTURES",
                    "marginCoin": "USDT", "clientOid": oid});
                signed("POST", CANCEL, "", &cancel.to_string(), ts)
            }
        }
    }

    fn round_requests(&self, oid: &str) -> [Signed; 3] {
        let ts = now_ms();
        ["place", "detail", "cancel"].map(|call| self.request(call, oid, &ts))
    }

    /// `n` calls of one type (`place`, `detail` or `cancel`), each timed alone.
    async fn calls(&mut self, call: &str, n: u64) -> anyhow::Result<Vec<f64>> {
        let oids: Vec<String> = if call == "place" {
            (0..n).map(|_| self.next_oid()).collect()
        } else if self.resting.len() as u64 >= n {
            self.resting.iter().take(n as usize).cloned().collect()
        } else {
            bail!("{call} {n}: only {} orders resting", self.resting.len());
        };
        let ts = now_ms();
        let pre: Vec<Signed> = match self.client {
            Client::Awc(_) | Client::Raw(_) => {
                oids.iter().map(|o| self.request(call, o, &ts)).collect()
            }
            _ => Vec::new(),
        };
        self.fresh_connection()?;
        let mut lat = Vec::with_capacity(n as usize);
        for (i, oid) in oids.iter().enumerate() {
            let t = Instant::now();
            match &mut self.client {
                Client::Viper(c) => viper_call(c, call, oid, self.price).await?,
                Client::Awc(c) => awc_send(c, &self.base, &pre[i]).await?,
                Client::Raw(c) => c.send(&pre[i])?,
                Client::Ws(_) => bail!("{call} on a ws worker"),
            }
            lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
        match call {
            "place" => self.resting.extend(oids),
            "cancel" => drop(self.resting.drain(..oids.len())),
            _ => {}
        }
        Ok(lat)
    }

    async fn orders(&mut self, n: u64) -> anyhow::Result<Vec<f64>> {
        let oids: Vec<String> = (0..n).map(|_| self.next_oid()).collect();
        // The floors sign everything before the clock starts.
        let pre: Vec<[Signed; 3]> = match self.client {
            Client::Awc(_) | Client::Raw(_) => {
                oids.iter().map(|o| self.round_requests(o)).collect()
            }
            _ => Vec::new(),
        };
        self.fresh_connection()?;
        let mut lat = Vec::with_capacity(n as usize);
        for (i, oid) in oids.iter().enumerate() {
            let t = Instant::now();
            match &mut self.client {
                Client::Viper(c) => viper_round(c, oid, self.price).await?,
                Client::Awc(c) => {
                    for r in &pre[i] {
                        awc_send(c, &self.base, r).await?;
                    }
                }
                Client::Raw(c) => {
                    for r in &pre[i] {
                        c.send(r)?;
                    }
                }
                Client::Ws(_) => bail!("orders on a ws worker"),
            }
            lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
        Ok(lat)
    }

    /// The raw floor's keep-alive connection is closed by the server after 5 s idle (actix's
    /// default), as happens between commands: open a new one before the clock starts.
    fn fresh_connection(&mut self) -> anyhow::Result<()> {
        if let Client::Raw(_) = self.client {
            self.client = Client::Raw(Raw::connect(&self.base)?);
        }
        Ok(())
    }

    async fn tickers(&mut self, n: u64) -> anyhow::Result<Vec<f64>> {
        let r = Signed {
            method: "GET",
            target: format!("{TICKER}?{TICKER_QUERY}"),
            body: String::new(),
            headers: Vec::new(),
        };
        self.fresh_connection()?;
        let mut lat = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let t = Instant::now();
            match &mut self.client {
                Client::Viper(c) => {
                    c.ticker(SYMBOL).await?;
                }
                Client::Awc(c) => awc_send(c, &self.base, &r).await?,
                Client::Raw(c) => c.send(&r)?,
                Client::Ws(_) => bail!("ticker on a ws worker"),
            }
            lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
        Ok(lat)
    }

    async fn ws(&mut self, secs: u64) -> anyhow::Result<u64> {
        let Client::Ws(url) = &self.client else {
            bail!("ws on a REST worker");
        };
        let subs = SYMBOLS
            .iter()
            .flat_map(|s| [SubArg::ticker(s), SubArg::new(Channel::Books, s)])
            .collect();
        let (handle, mut events) = WsClient::start(WsConfig::custom(url, url), subs, None)?;
        let end = tokio::time::Instant::now() + Duration::from_secs(secs);
        let mut frames = 0;
        while let Ok(Some(ev)) = tokio::time::timeout_at(end, events.recv()).await {
            if matches!(ev, WsEvent::Push(_) | WsEvent::Book(_)) {
                frames += 1;
            }
        }
        handle.shutdown();
        Ok(frames)
    }
}

async fn viper_round(c: &RestClient, oid: &str, price: Decimal) -> anyhow::Result<()> {
    for call in ["place", "detail", "cancel"] {
        viper_call(c, call, oid, price).await?;
    }
    Ok(())
}

/// One call of type `call` (`place`, `detail`, `cancel`) on Viper's client, by clientOid.
async fn viper_call(c: &RestClient, call: &str, oid: &str, price: Decimal) -> anyhow::Result<()> {
    let oid = ClientOid::new(oid)?;
    match call {
        "place" => {
            let mut req = PlaceOrderRequest::new(
                SYMBOL,
                Side::Buy,
                OrderType::Limit,
                Size(Decimal::new(1, 4)),
                oid,
            );
            req.price = Some(Price(price));
            req.force = Some(Force::Gtc);
            c.place_order(&req).await?;
        }
        "detail" => {
            c.order_detail(SYMBOL, &OrderRef::ClientOid(oid))
                .await?
                .context("placed order not found")?;
        }
        _ => {
            c.cancel_order(SYMBOL, OrderRef::ClientOid(oid)).await?;
        }
    }
    Ok(())
}
