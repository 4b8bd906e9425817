//! Push dispatch: per-subscription message age, and the local books — apply, verify, and
//! resubscribe (unsubscribe + subscribe) a book whose checksum or sequence fails.

use tokio::time::Instant;

use super::book::{BookError, CHECKSUM_DEPTH, LocalBook};
use super::decode::{Action, Push, PushData};
use super::events::{BookUpdate, WsEvent};
use super::metrics;
use super::public::RawBook;
use super::session::Session;
use super::state::lock;
use super::subscriptions::SubArg;

impl Session<'_> {
    pub(crate) fn on_push(&mut self, p: Push) {
        {
            let mut st = lock(&self.ctx.shared);
            if let Some(slot) = st
                .entry(self.ctx.id)
                .and_then(|e| e.sub_last.get_mut(&p.arg))
            {
                *slot = Some(Instant::now());
            }
        }
        match p.data {
            PushData::Book(list) => self.on_book(p.arg, p.action, list),
            _ => self.ctx.emit(WsEvent::Push(p)),
        }
    }

    fn on_book(&mut self, arg: SubArg, action: Action, list: Vec<RawBook>) {
        let snapshot = action == Action::Snapshot;
        let mut failed = None;
        let mut updates = Vec::new();
        {
            let mut books = self
                .ctx
                .books
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let book = books.entry(arg.clone()).or_default();
            for raw in list {
                if !snapshot && !book.is_ready() {
                    // Waiting for the snapshot of a (re)subscription: deltas are meaningless.
                    tracing::debug!(
                        conn = self.ctx.id,
                        ?arg,
                        "book update before snapshot skipped"
                    );
                    continue;
                }
                match book.apply(raw, snapshot) {
                    Ok(()) => updates.push(view(&arg, book, snapshot)),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
        }
        for u in updates {
            self.ctx.emit(WsEvent::Book(u));
        }
        if let Some(e) = failed {
            self.resync(arg, &e);
        }
    }

    fn resync(&mut self, arg: SubArg, e: &BookError) {
        tracing::warn!(conn = self.ctx.id, ?arg, error = %e, "local book failed verification; resubscribing");
        metrics::book_resync(arg.channel.name());
        self.send_subs("unsubscribe", std::slice::from_ref(&arg));
        self.send_subs("subscribe", std::slice::from_ref(&arg));
        self.ctx.emit(WsEvent::BookResync {
            conn: self.ctx.id,
            arg,
            reason: e.to_string(),
        });
    }
}

fn view(arg: &SubArg, book: &LocalBook, snapshot: bool) -> BookUpdate {
    BookUpdate {
        arg: arg.clone(),
        bids: book.bids(CHECKSUM_DEPTH),
        asks: book.asks(CHECKSUM_DEPTH),
        seq: book.seq(),
        ts: book.ts(),
        snapshot,
    }
}
