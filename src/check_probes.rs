//! The probes of `viper check`: every REST endpoint the bot uses (three calls each, p50 and
//! max latency), the server-time offset, the key policy, position and margin mode and
//! leverage per symbol, the WebSocket public and private (login) handshakes; `--trade-test`
//! is in `check_trade.rs`.

use crate::check::{Report, Row, Status, key_policy};
use crate::config::BotConfig;
use crate::endpoint::Endpoint;
use crate::trades::now_ms;
use rust_decimal::Decimal;
use std::future::Future;
use std::time::{Duration, Instant};
use viper_bitget::models::{ClientOid, OrderListQuery, PlanListQuery, PlanType};
use viper_bitget::ws::{Channel, SubArg, WsClient, WsConfig, WsEvent};
use viper_bitget::{Credentials, Error, RestClient};

const CALLS: usize = 3;

/// Calls `f` three times; the last error (if any) wins. Each sample is the network time of
/// the call's last attempt (not the rate limiter's spacing between the calls), or the wall
/// time when no attempt was made.
async fn thrice<T, F, Fut>(rest: &RestClient, mut f: F) -> (Vec<Duration>, Result<T, Error>)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut samples = Vec::new();
    let mut last = None;
    for _ in 0..CALLS {
        let t = Instant::now();
        let before = rest.last_attempt_latency();
        let r = f().await;
        let net = rest.last_attempt_latency().filter(|d| Some(*d) != before);
        samples.push(net.unwrap_or_else(|| t.elapsed()));
        let failed = r.is_err();
        last = Some(r);
        if failed {
            break;
        }
    }
    let last = last.unwrap_or_else(|| Err(Error::InvalidRequest("no call made".into())));
    (samples, last)
}

fn endpoint_row<T>(
    name: &str,
    samples: &[Duration],
    r: &Result<T, Error>,
    ok: impl FnOnce(&T) -> (Status, String),
) -> Row {
    let (status, detail) = match r {
        Ok(v) => ok(v),
        Err(e) => (Status::Fail, hint(e)),
    };
    Row::new(name, status, detail).timed(samples)
}

/// The error, plus what to do for the codes a user meets (docs/troubleshooting.md).
pub(crate) fn hint(e: &Error) -> String {
    let fix = match e.code() {
        Some("40008" | "40004" | "40005") => "; the local clock is off: enable NTP",
        Some("40018" | "40038") => "; this IP is not on the key's whitelist",
        Some("40014") => "; the key lacks the permission for this endpoint",
        Some("40006" | "40009" | "40012" | "40036") => "; check the key, secret and passphrase",
        Some("40099") => "; demo key with live mode or the reverse: check mode",
        Some("429") => "; rate limited: another client shares this key or IP",
        _ => "",
    };
    format!("{e}{fix}")
}

/// Runs every check; never panics on an exchange answer.
pub async fn run(cfg: &BotConfig, target: Endpoint, trade_test: bool) -> Report {
    let rest = RestClient::new(target.rest_config(cfg));
    let mut rows = rest_rows(&rest, cfg).await;
    rows.extend(account_rows(&rest, cfg).await);
    rows.extend(ws_rows(cfg, &target).await);
    if trade_test {
        rows.push(crate::check_trade::trade_test_row(&rest, cfg).await);
    } else {
        rows.push(Row::new(
            "trade test",
            Status::Skip,
            "not run (add --trade-test to place and cancel a minimum-size order)",
        ));
    }
    Report::new(&target.rest_url, &cfg.mode, rows)
}

async fn rest_rows(rest: &RestClient, cfg: &BotConfig) -> Vec<Row> {
    let sym = cfg.symbols[0].as_str();
    let mut rows = Vec::new();
    let offsets = std::cell::RefCell::new(Vec::new());
    let (s, r) = thrice(rest, || async {
        let t0 = now_ms();
        let st = rest.server_time().await?;
        offsets
            .borrow_mut()
            .push(st.server_time - (t0 + now_ms()) / 2);
        Ok(st)
    })
    .await;
    let offsets = offsets.into_inner();
    rows.push(endpoint_row("GET public/time", &s, &r, |_| {
        (Status::Pass, "server time read".into())
    }));
    if let Some(off) = offsets.iter().copied().min_by_key(|o| o.abs()) {
        let status = if off.abs() <= 1000 {
            Status::Pass
        } else {
            Status::Warn
        };
        rows.push(Row::new(
            "server time offset",
            status,
            format!("{off:+} ms (server − local; the client compensates, but keep NTP on)"),
        ));
    }
    let (s, r) = thrice(rest, || rest.ticker(sym)).await;
    rows.push(endpoint_row(
        &format!("GET market/ticker {sym}"),
        &s,
        &r,
        |t| (Status::Pass, format!("last {}", t.last_pr)),
    ));
    let (s, r) = thrice(rest, || rest.contracts(None)).await;
    rows.push(endpoint_row("GET market/contracts", &s, &r, |cs| {
        let missing: Vec<&str> = cfg
            .symbols
            .iter()
            .filter(|s| !cs.iter().any(|c| &c.symbol == *s))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            (
                Status::Pass,
                format!("{} contracts; every configured symbol listed", cs.len()),
            )
        } else {
            (
                Status::Fail,
                format!("symbols not listed: {}", missing.join(", ")),
            )
        }
    }));
    let (s, r) = thrice(rest, || rest.account(sym)).await;
    rows.push(endpoint_row("GET account/account", &s, &r, |a| {
        (
            Status::Pass,
            format!("equity {} {}", a.account_equity, a.margin_coin),
        )
    }));
    let (s, r) = thrice(rest, || rest.all_positions()).await;
    rows.push(endpoint_row("GET position/all-position", &s, &r, |p| {
        (Status::Pass, format!("{} open positions", p.len()))
    }));
    let oid = ClientOid::new(format!("viperchk{}", now_ms()));
    let (s, r) = match oid {
        Ok(oid) => thrice(rest, || rest.settle_order(sym, &oid)).await,
        Err(e) => (Vec::new(), Err(e)),
    };
    rows.push(endpoint_row(
        "GET order/detail (unknown clientOid)",
        &s,
        &r,
        |o| match o {
            None => (Status::Pass, "not found, as expected".into()),
            Some(o) => (Status::Fail, format!("an order was found: {}", o.order_id)),
        },
    ));
    let all = OrderListQuery::default();
    let (s, r) = thrice(rest, || rest.orders_pending(&all)).await;
    rows.push(endpoint_row("GET order/orders-pending", &s, &r, |l| {
        (
            Status::Pass,
            format!("{} resting orders", l.entrusted_list.len()),
        )
    }));
    let q = PlanListQuery::all(PlanType::ProfitLoss);
    let (s, r) = thrice(rest, || rest.orders_plan_pending(&q)).await;
    rows.push(endpoint_row("GET order/orders-plan-pending", &s, &r, |l| {
        (
            Status::Pass,
            format!("{} TP/SL orders", l.entrusted_list.len()),
        )
    }));
    rows
}

async fn account_rows(rest: &RestClient, cfg: &BotConfig) -> Vec<Row> {
    let mut rows = Vec::new();
    let t = Instant::now();
    match rest.api_key_info().await {
        Ok(info) => {
            rows.push(
                Row::new(
                    "GET spot/account/info (key)",
                    Status::Pass,
                    format!("uid {}", info.user_id),
                )
                .timed(&[t.elapsed()]),
            );
            rows.extend(key_policy(&info, &cfg.live));
        }
        Err(e) => rows.push(Row::new(
            "GET spot/account/info (key)",
            Status::Fail,
            hint(&e),
        )),
    }
    let want_margin = cfg.exchange.margin_mode.as_str();
    for (i, sym) in cfg.symbols.iter().enumerate() {
        let a = match rest.account(sym).await {
            Ok(a) => a,
            Err(e) => {
                rows.push(Row::new(format!("account {sym}"), Status::Fail, hint(&e)));
                continue;
            }
        };
        if i == 0 {
            let got = a
                .pos_mode
                .map(|m| m.as_str().to_owned())
                .unwrap_or_default();
            let want = cfg.exchange.position_mode.as_str();
            rows.push(Row::new(
                "position mode",
                if got == want { Status::Pass } else { Status::Warn },
                if got == want {
                    got
                } else {
                    format!("account is {got:?}, config wants {want}: `viper run` switches it only while flat (40774 otherwise)")
                },
            ));
        }
        let margin = a
            .margin_mode
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default();
        let lev = a
            .crossed_margin_leverage
            .or(a.isolated_long_lever)
            .unwrap_or_default();
        let same = margin == want_margin && lev == Decimal::from(cfg.risk.leverage);
        rows.push(Row::new(
            format!("margin mode, leverage {sym}"),
            if same { Status::Pass } else { Status::Warn },
            format!(
                "{margin}, {lev}x{}",
                if same {
                    String::new()
                } else {
                    format!(
                        " (config {want_margin}, {}x: set at start)",
                        cfg.risk.leverage
                    )
                }
            ),
        ));
    }
    rows
}

async fn ws_rows(cfg: &BotConfig, target: &Endpoint) -> Vec<Row> {
    let wcfg = target.ws_config(cfg);
    let sym = cfg.symbols[0].as_str();
    vec![
        ws_probe(
            "WS public (ticker)",
            wcfg.clone(),
            SubArg::ticker(sym),
            None,
        )
        .await,
        ws_probe(
            "WS private (login, account)",
            wcfg,
            SubArg::private(Channel::Account),
            Some(target.credentials.clone()),
        )
        .await,
    ]
}

/// Connects, waits for the login (private) and the subscription ack, then closes.
async fn ws_probe(name: &str, cfg: WsConfig, arg: SubArg, creds: Option<Credentials>) -> Row {
    let private = creds.is_some();
    let url = if private {
        cfg.private_url.clone()
    } else {
        cfg.public_url.clone()
    };
    let started = Instant::now();
    let (handle, mut events) = match WsClient::start(cfg, vec![arg], creds) {
        Ok(x) => x,
        Err(e) => return Row::new(name, Status::Fail, e.to_string()),
    };
    let mut logged_in = !private;
    let wait = async {
        while let Some(ev) = events.recv().await {
            match ev {
                WsEvent::LoggedIn { .. } => logged_in = true,
                WsEvent::Subscribed { .. } | WsEvent::Push(_) if logged_in => {
                    return Ok(());
                }
                WsEvent::Error { code, msg, .. } => {
                    return Err(format!("server error {code}: {msg}"));
                }
                WsEvent::Disconnected { reason, .. } => {
                    return Err(format!("disconnected: {reason}"));
                }
                _ => {}
            }
        }
        Err("event stream ended".to_owned())
    };
    let r = actix_rt::time::timeout(Duration::from_secs(10), wait).await;
    handle.shutdown();
    let took = started.elapsed();
    let row = match r {
        Ok(Ok(())) => Row::new(
            name,
            Status::Pass,
            format!(
                "{url}: {} in {} ms",
                if private {
                    "logged in and subscribed"
                } else {
                    "subscribed"
                },
                took.as_millis()
            ),
        ),
        Ok(Err(e)) => Row::new(name, Status::Fail, format!("{url}: {e}")),
        Err(_) => Row::new(name, Status::Fail, format!("{url}: no answer within 10 s")),
    };
    // A handshake is several round trips: held to 5 s, not the 2 s of one request.
    if row.status == Status::Pass && took > Duration::from_secs(5) {
        return Row::new(
            name,
            Status::Fail,
            format!("{url}: handshake took {} ms", took.as_millis()),
        );
    }
    row
}
