//! What a connection pushes: the snapshot after a subscription, market moves (from the
//! shared [`MarketFrame`]s), and private data from the engine's events.

use super::book::{BookLevels, BookView, levels_json};
use super::conn::Conn;
use super::frame::{BookFields, MarketFrame, book_text};
use super::render;
use crate::engine::Event;
use crate::state::lock;
use actix_ws::Closed;
use serde_json::{Value, json};
use std::sync::Arc;

/// A push as JSON text.
fn push(arg: &Value, action: &str, data: Vec<Value>, now: i64) -> String {
    json!({ "action": action, "arg": arg, "data": data, "ts": now }).to_string()
}

impl Conn {
    /// The snapshot sent right after a subscription.
    pub(super) async fn initial(&mut self, idx: usize) -> Result<(), Closed> {
        let (channel, inst, arg) = (
            self.subs[idx].channel.clone(),
            self.subs[idx].inst.clone(),
            self.subs[idx].arg.clone(),
        );
        let msg = match channel.as_str() {
            "orders" | "orders-algo" | "fill" => None,
            "account" | "positions" => self.private_snapshot(&channel),
            "books" | "books1" | "books5" | "books15" => self.book_snapshot(idx),
            "trade" => {
                let e = lock(&self.shared.engine);
                let m = e.markets.get(&inst);
                let data = m.map(|m| render::trades(m, 0, 50)).unwrap_or_default();
                if let Some(m) = m {
                    self.last_trade
                        .insert(inst.clone(), m.trades.back().map(|t| t.id).unwrap_or(0));
                }
                Some(push(&arg, "snapshot", data, self.shared.now()))
            }
            _ if render::candles_channel(&channel) => {
                self.candle_push(&arg, &channel, &inst, 100, "snapshot")
            }
            _ => {
                let e = lock(&self.shared.engine);
                let now = self.shared.now();
                e.markets
                    .get(&inst)
                    .map(|m| push(&arg, "snapshot", vec![render::ticker(m, now)], now))
            }
        };
        match msg {
            Some(m) => self.session.text(m).await,
            None => Ok(()),
        }
    }

    fn private_snapshot(&self, channel: &str) -> Option<String> {
        let uid = self.uid?;
        let sub = self.subs.iter().find(|s| s.channel == channel)?;
        let e = lock(&self.shared.engine);
        let data = match channel {
            "account" => vec![render::account(&e, uid)],
            _ => e
                .positions_of(uid)
                .map(|p| render::position(&e, p))
                .collect(),
        };
        Some(push(&sub.arg, "snapshot", data, self.shared.now()))
    }

    /// A book snapshot from the engine's current levels (a new `books` view starts here).
    fn book_snapshot(&mut self, idx: usize) -> Option<String> {
        let levels = {
            let e = lock(&self.shared.engine);
            let m = e.markets.get(&self.subs[idx].inst)?;
            Arc::new(BookLevels::of(&m.bids, &m.asks))
        };
        if self.subs[idx].channel == "books" {
            self.books
                .insert(self.subs[idx].inst.clone(), BookView::default());
        }
        Some(self.book_push(idx, levels, None, true, self.shared.now()))
    }

    /// One book push of subscription `idx` to `levels`: `books` moves the connection's view
    /// (the shared delta when `shared` says the view holds the frame's previous levels),
    /// `books1`/`5`/`15` send their top levels as a snapshot every time.
    fn book_push(
        &mut self,
        idx: usize,
        levels: Arc<BookLevels>,
        frame: Option<&MarketFrame>,
        snapshot: bool,
        now: i64,
    ) -> String {
        let sub = &self.subs[idx];
        let full = sub.channel == "books";
        let depth: usize = sub
            .channel
            .trim_start_matches("books")
            .parse()
            .unwrap_or(usize::MAX);
        let (levels_text, checksum, seq, pseq) = if full {
            let view = self.books.entry(sub.inst.clone()).or_default();
            let shared = frame.filter(|f| !snapshot && view.was_sent(f.prev.as_ref()));
            let checksum = levels.checksum;
            let (changed, seq, pseq) = view.advance_to(levels, snapshot, shared.is_some());
            let text = match (shared, changed) {
                (Some(f), _) => f.delta_json.clone(),
                (None, Some(changed)) => levels_json(&changed),
                (None, None) => String::new(),
            };
            (text, checksum, seq, pseq)
        } else {
            let top = levels.top(depth);
            // A fresh view each time: the first push of a view is numbered 1, after 0.
            (levels_json(&top.all()), top.checksum, 1, 0)
        };
        let mut checksum = checksum;
        if self.corrupt_next {
            self.corrupt_next = false;
            checksum = checksum.wrapping_add(1);
        }
        let cfg = &self.shared.cfg;
        let fields = BookFields {
            checksum: cfg.ws_book_checksum.then_some(checksum),
            pseq: (cfg.ws_book_pseq && full).then_some(pseq),
            seq,
        };
        let action = if snapshot || !full {
            "snapshot"
        } else {
            "update"
        };
        book_text(&self.subs[idx].arg_text, action, &levels_text, &fields, now)
    }

    fn candle_push(
        &self,
        arg: &Value,
        channel: &str,
        inst: &str,
        n: usize,
        action: &str,
    ) -> Option<String> {
        let e = lock(&self.shared.engine);
        let rows = render::candles(e.markets.get(inst)?, channel, n)?;
        Some(push(arg, action, rows, self.shared.now()))
    }

    /// Sends `msgs` through the push faults (delay, reordering) unless frozen.
    async fn deliver(&mut self, msgs: Vec<String>) -> Result<(), Closed> {
        if self.frozen || msgs.is_empty() {
            return Ok(());
        }
        let msgs =
            crate::faults::ws::before_push(&self.shared, &self.session, self.private, msgs).await;
        for m in msgs {
            self.session.text(m).await?;
        }
        Ok(())
    }

    /// An engine event (private data).
    pub(super) async fn on_event(&mut self, ev: Event) -> Result<(), Closed> {
        if self.frozen {
            return Ok(());
        }
        let msgs = self.messages_for(&ev);
        self.deliver(msgs).await
    }

    /// A market move: every subscription of this connection on that symbol.
    pub(super) async fn on_frame(&mut self, f: &MarketFrame) -> Result<(), Closed> {
        if self.frozen {
            return Ok(());
        }
        let mut out = Vec::new();
        for idx in 0..self.subs.len() {
            if self.subs[idx].inst != f.symbol {
                continue;
            }
            let channel = self.subs[idx].channel.clone();
            let m = match channel.as_str() {
                "ticker" => Some(f.ticker.clone()),
                "books" | "books1" | "books5" | "books15" => {
                    Some(self.book_push(idx, f.book.clone(), Some(f), false, f.ts))
                }
                "trade" => {
                    let arg = self.subs[idx].arg.clone();
                    self.trade_update(&arg, &f.symbol, self.shared.now())
                }
                c if render::candles_channel(c) => {
                    let arg = self.subs[idx].arg.clone();
                    self.candle_push(&arg, c, &f.symbol, 1, "update")
                }
                _ => None,
            };
            out.extend(m);
        }
        self.deliver(out).await
    }

    fn messages_for(&mut self, ev: &Event) -> Vec<String> {
        let now = self.shared.now();
        let mut out = Vec::new();
        match ev {
            _ if !self.private => {}
            Event::Positions(uid) | Event::Account(uid) if Some(*uid) == self.uid => {
                let channel = if matches!(ev, Event::Account(_)) {
                    "account"
                } else {
                    "positions"
                };
                out.extend(self.private_snapshot(channel));
            }
            Event::Order(o, f) if Some(o.uid) == self.uid => {
                for s in self.subs.iter().filter(|s| {
                    s.channel == "orders" && (s.inst == "default" || s.inst == o.symbol)
                }) {
                    let data = vec![render::order(o, f.as_deref())];
                    out.push(push(&s.arg, "snapshot", data, now));
                }
            }
            Event::Fill(f) if Some(f.uid) == self.uid => {
                for s in self
                    .subs
                    .iter()
                    .filter(|s| s.channel == "fill" && (s.inst == "default" || s.inst == f.symbol))
                {
                    out.push(push(&s.arg, "snapshot", vec![render::fill(f)], now));
                }
            }
            Event::Plan(p) if Some(p.uid) == self.uid => {
                for s in self.subs.iter().filter(|s| {
                    s.channel == "orders-algo" && (s.inst == "default" || s.inst == p.symbol)
                }) {
                    out.push(push(&s.arg, "snapshot", vec![render::plan(p)], now));
                }
            }
            _ => {}
        }
        out
    }

    fn trade_update(&mut self, arg: &Value, symbol: &str, now: i64) -> Option<String> {
        let e = lock(&self.shared.engine);
        let m = e.markets.get(symbol)?;
        let after = self.last_trade.get(symbol).copied().unwrap_or(0);
        let data = render::trades(m, after, 100);
        let newest = m.trades.back().map(|t| t.id)?;
        drop(e);
        self.last_trade.insert(symbol.to_string(), newest);
        (!data.is_empty()).then(|| push(arg, "update", data, now))
    }
}
