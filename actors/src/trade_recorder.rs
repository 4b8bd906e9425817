//! The TradeRecorder: reconciles own fills from the exchange's fill list into the journal's
//! trade log (`trade_log.rs`), so a trade closed while the bot was down is recorded after the
//! restart, once (fills are keyed by trade id). It reads at a slow period and soon after a
//! sign that something filled (a position appeared, changed or vanished in a snapshot, an
//! order of ours filled), one pass at a time. It logs an entry line for every opening fill
//! and an exit line for every way a position ends (`trade_lines.rs`), and hands both to the
//! notification relay when one is given.

use crate::events::AccountSnapshot;
use crate::journal::OrderPhase;
use crate::notice::Notice;
use crate::order_router::OrderEvent;
use crate::supervisor::Watchdog;
use crate::trade_book::{self, ClosedLot, FillRow, is_liquidation};
use crate::trade_lines;
use crate::trade_log::{ExitReason, TradeLog};
use actix::prelude::*;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use viper_bitget::RestClient;
use viper_bitget::clock::Clock;
use viper_bitget::models::{Fill, OrderListQuery, OrderRef, Side};

/// Fill history is re-read from this long before the newest stored fill (late fills, clock
/// skew); stored fills are skipped by trade id.
const OVERLAP_MS: i64 = 60_000;
/// Pages of 100 fills read per pass at most (a backlog beyond it is logged, not recorded).
const MAX_PAGES: usize = 50;

/// Recorder settings.
#[derive(Debug, Clone)]
pub struct RecorderConfig {
    /// Period of the fill-history read when nothing signals a fill (tens of seconds).
    pub poll_every: Duration,
    /// Delay between a fill signal and the read (signals within it coalesce).
    pub soon: Duration,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        Self {
            poll_every: Duration::from_secs(30),
            soon: Duration::from_millis(500),
        }
    }
}

/// Read the fill history now (or right after the pass in progress).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct RecordNow;

/// The recorder actor.
pub struct TradeRecorder {
    rest: RestClient,
    data_dir: PathBuf,
    log: Option<TradeLog>,
    clock: Arc<dyn Clock>,
    cfg: RecorderConfig,
    running: bool,
    again: bool,
    soon_pending: bool,
    positions: Option<BTreeMap<(String, bool), Decimal>>,
    notices: Option<Recipient<Notice>>,
}

impl TradeRecorder {
    /// A recorder writing to the trade log of the journal in `data_dir` (opened when the
    /// actor starts; if it cannot be, the actor stops and its watchdog retries).
    pub fn new(
        rest: RestClient,
        data_dir: &Path,
        clock: Arc<dyn Clock>,
        cfg: RecorderConfig,
    ) -> Self {
        Self {
            rest,
            data_dir: data_dir.to_path_buf(),
            log: None,
            clock,
            cfg,
            running: false,
            again: false,
            soon_pending: false,
            positions: None,
            notices: None,
        }
    }

    /// Also hands every entry and exit to `to` as a [`Notice`] (the notification relay):
    /// recorded from the fills, so a position opened and closed between two account reads
    /// is told too, and an exit carries its reason.
    pub fn with_notices(mut self, to: Recipient<Notice>) -> Self {
        self.notices = Some(to);
        self
    }

    fn notify(&self, n: Notice) {
        if let Some(to) = &self.notices {
            // Best effort: notifications never hold up the record.
            let _ = to.try_send(n);
        }
    }

    fn soon(&mut self, ctx: &mut Context<Self>) {
        if self.soon_pending {
            return;
        }
        self.soon_pending = true;
        ctx.run_later(self.cfg.soon, |act, ctx| {
            act.soon_pending = false;
            act.request(ctx);
        });
    }

    /// One pass at a time: fills → (new rows, orders to look up) → their sources → stored.
    fn request(&mut self, ctx: &mut Context<Self>) {
        let Some(log) = &self.log else {
            return;
        };
        if self.running {
            self.again = true;
            return;
        }
        self.running = true;
        let since = since(log, self.clock.now_ms());
        let rest = self.rest.clone();
        ctx.spawn(
            async move { fetch_fills(&rest, since).await }
                .into_actor(self)
                .then(|res, act, _| {
                    let (rows, lookups) = match res {
                        Ok(fills) => act.plan(fills),
                        Err(e) => {
                            tracing::warn!(actor = "trade_recorder", error = %e, "fill history read failed; next pass retries");
                            (Vec::new(), Vec::new())
                        }
                    };
                    let rest = act.rest.clone();
                    async move { (rows, sources(&rest, lookups).await) }.into_actor(act)
                })
                .map(|(rows, sources), act, ctx| {
                    act.store(&rows, &sources);
                    act.running = false;
                    if std::mem::take(&mut act.again) {
                        act.request(ctx);
                    }
                }),
        );
    }

    /// New fills in time order, and the exchange orders whose origin decides an exit
    /// reason (closes the bot did not place itself).
    fn plan(&self, fills: Vec<Fill>) -> (Vec<FillRow>, Vec<(String, String)>) {
        let Some(log) = &self.log else {
            return (Vec::new(), Vec::new());
        };
        let mut rows: Vec<FillRow> = fills
            .into_iter()
            .map(row)
            .filter(|f| !log.has_fill(&f.trade_id).unwrap_or(true))
            .collect();
        rows.sort_by(|a, b| {
            (a.ts_ms, a.trade_id.len(), &a.trade_id).cmp(&(b.ts_ms, b.trade_id.len(), &b.trade_id))
        });
        for f in &mut rows {
            f.client_oid = log.our_order(&f.order_id).ok().flatten().map(|o| o.0);
        }
        let mut lots = log.lots().unwrap_or_default();
        let mut lookups = Vec::new();
        for f in &rows {
            let closes = trade_book::apply(&mut lots, f).closed.is_some();
            if closes && f.client_oid.is_none() && !is_liquidation(&f.trade_side) {
                lookups.push((f.symbol.clone(), f.order_id.clone()));
            }
        }
        (rows, lookups)
    }

    fn store(&mut self, rows: &[FillRow], sources: &HashMap<String, String>) {
        let Some(log) = &mut self.log else {
            return;
        };
        if rows.is_empty() {
            return;
        }
        // Reasons first: the log is busy in its transaction while recording.
        let mut lots = log.lots().unwrap_or_default();
        let mut reasons = HashMap::new();
        for f in rows {
            if let Some(c) = trade_book::apply(&mut lots, f).closed {
                reasons.insert(c.closing_fill.clone(), reason(log, &c, sources));
            }
        }
        let pick = |c: &ClosedLot| {
            reasons
                .get(&c.closing_fill)
                .copied()
                .unwrap_or(ExitReason::Unknown)
        };
        match log.record(rows, &pick) {
            Ok(done) => {
                let mut notices = Vec::new();
                for (f, applied, trade) in done {
                    if let Some((long, size)) = applied.opened {
                        notices.push(Notice::Entry(trade_lines::entry(log, &f, long, size)));
                    }
                    if let Some(t) = trade {
                        notices.push(Notice::Exit(trade_lines::exit(&t)));
                    }
                }
                for n in notices {
                    self.notify(n);
                }
            }
            Err(e) => tracing::error!(actor = "trade_recorder", error = %e, "cannot record fills"),
        }
    }
}

/// Where a read starts: a minute before the newest stored fill; on a first run, a minute
/// before the journal's first order (or now).
fn since(log: &TradeLog, now_ms: i64) -> i64 {
    let from = match log.last_fill_ms() {
        Ok(Some(t)) => t,
        _ => log.first_order_ms().ok().flatten().unwrap_or(now_ms),
    };
    from - OVERLAP_MS
}

/// The one rule for an exit reason: liquidation by its trade side; our own order by its
/// journal reason; a close the exchange placed by its order source; the bot's own flash
/// closes by their marks; else unknown.
fn reason(log: &TradeLog, c: &ClosedLot, sources: &HashMap<String, String>) -> ExitReason {
    if is_liquidation(&c.closing_trade_side) {
        return ExitReason::Liquidation;
    }
    if let Ok(Some((_, why))) = log.our_order(&c.closing_order) {
        return ExitReason::from_journal_reason(&why);
    }
    if let Some(r) = sources
        .get(&c.closing_order)
        .and_then(|s| ExitReason::from_order_source(s))
    {
        return r;
    }
    log.marked_cause(&c.lot.symbol, c.closed_ms)
        .ok()
        .flatten()
        .unwrap_or(ExitReason::Unknown)
}

fn row(f: Fill) -> FillRow {
    let fee = f.fee_detail.iter().filter_map(|d| d.total_fee).sum();
    FillRow {
        trade_id: f.trade_id,
        order_id: f.order_id,
        client_oid: None,
        symbol: f.symbol,
        buy: f.side == Side::Buy,
        trade_side: f
            .trade_side
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        price: f.price.0,
        size: f.base_volume.0,
        fee,
        profit: f.profit.unwrap_or_default(),
        ts_ms: f.c_time,
    }
}

/// Every own fill since `since_ms`, newest page first, following the `endId` cursor.
async fn fetch_fills(rest: &RestClient, since_ms: i64) -> Result<Vec<Fill>, viper_bitget::Error> {
    let mut out = Vec::new();
    let mut cursor = None;
    for _ in 0..MAX_PAGES {
        let q = OrderListQuery {
            start_time: Some(since_ms.max(0)),
            id_less_than: cursor.clone(),
            limit: Some(100),
            ..OrderListQuery::default()
        };
        let page = rest.fills(&q).await?;
        let n = page.fill_list.len();
        out.extend(page.fill_list);
        cursor = page.end_id.filter(|e| !e.is_empty());
        if n < 100 || cursor.is_none() {
            return Ok(out);
        }
    }
    // Pages come newest first: what is older than these pages is not recorded.
    tracing::warn!(
        actor = "trade_recorder",
        since_ms,
        fills = out.len(),
        "fill history longer than one pass reads; older fills are left out of the trade log"
    );
    Ok(out)
}

/// The exchange's `orderSource` of each order (closes placed by TP/SL plans, liquidation,
/// flash close); an unreadable answer leaves it out (the trade's reason stays unproven).
async fn sources(rest: &RestClient, orders: Vec<(String, String)>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (symbol, id) in orders {
        match rest
            .order_detail(&symbol, &OrderRef::OrderId(id.clone()))
            .await
        {
            Ok(Some(o)) => {
                if let Some(s) = o.order_source {
                    out.insert(id, s.as_str().to_string());
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(actor = "trade_recorder", order_id = %id, error = %e, "closing order unreadable")
            }
        }
    }
    out
}

impl Actor for TradeRecorder {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        match TradeLog::open(&self.data_dir) {
            Ok(log) => self.log = Some(log),
            Err(e) => {
                tracing::error!(actor = "trade_recorder", error = %e, "cannot open the trade log");
                ctx.stop();
                return;
            }
        }
        // Catch up at once: a trade may have closed while the bot was down.
        self.request(ctx);
        ctx.run_interval(self.cfg.poll_every, |act, ctx| act.request(ctx));
    }
}

impl Handler<RecordNow> for TradeRecorder {
    type Result = ();
    fn handle(&mut self, _: RecordNow, ctx: &mut Self::Context) {
        self.request(ctx);
    }
}

impl Handler<AccountSnapshot> for TradeRecorder {
    type Result = ();
    fn handle(&mut self, m: AccountSnapshot, ctx: &mut Self::Context) {
        let now: BTreeMap<(String, bool), Decimal> = m
            .positions
            .iter()
            .map(|p| ((p.symbol.clone(), p.long), p.size))
            .collect();
        // A position that appeared, changed size or vanished means fills to record.
        if self.positions.as_ref().is_some_and(|before| *before != now) {
            self.soon(ctx);
        }
        self.positions = Some(now);
    }
}

impl Handler<OrderEvent> for TradeRecorder {
    type Result = ();
    fn handle(&mut self, m: OrderEvent, ctx: &mut Self::Context) {
        if m.phase == OrderPhase::Filled {
            self.soon(ctx);
        }
    }
}

/// Snapshots reach whichever recorder instance the watchdog runs now.
impl Handler<AccountSnapshot> for Watchdog<TradeRecorder> {
    type Result = ();
    fn handle(&mut self, m: AccountSnapshot, _: &mut Self::Context) {
        let _ = self.current().try_send(m);
    }
}

/// Order events reach whichever recorder instance the watchdog runs now.
impl Handler<OrderEvent> for Watchdog<TradeRecorder> {
    type Result = ();
    fn handle(&mut self, m: OrderEvent, _: &mut Self::Context) {
        let _ = self.current().try_send(m);
    }
}

/// Asks the current instance for a pass.
impl Handler<RecordNow> for Watchdog<TradeRecorder> {
    type Result = ();
    fn handle(&mut self, m: RecordNow, _: &mut Self::Context) {
        let _ = self.current().try_send(m);
    }
}
