//! The state one simulator instance shares between its HTTP workers and its market ticker.

use crate::config::SimConfig;
use crate::engine::{Engine, Event};
use crate::faults::Faults;
use crate::feeds::Feeds;
use crate::rest::auth::KeyEntry;
use crate::rest::limits::Limiter;
use crate::ws::{BookLevels, MarketFrame};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::broadcast;

const MAX_LOG: usize = 100_000;

/// One line of the request log.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// Arrival, server ms.
    pub ts: i64,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// API key, shortened (the key is a credential).
    pub key: String,
    /// Account, when authenticated.
    pub uid: Option<u64>,
    /// `clientOid` (or `newClientOid`) of the request, if any.
    #[serde(rename = "clientOid")]
    pub client_oid: String,
    /// HTTP status answered.
    pub http: u16,
    /// Bitget code answered.
    pub code: String,
    /// Whether the request changed exchange state.
    pub applied: bool,
    /// Injected faults that fired on it, comma-separated (empty = none).
    pub fault: String,
    /// Injected delay before it was applied, ms.
    pub delay_ms: u64,
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it (the simulator keeps
/// serving; its state is only ever changed in complete steps under the lock).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Shared simulator state.
pub struct Shared {
    /// Configuration it was started with.
    pub cfg: SimConfig,
    /// API keys by key string.
    pub keys: HashMap<String, KeyEntry>,
    /// The exchange.
    pub engine: Mutex<Engine>,
    /// Rate-limit counters.
    pub limiter: Mutex<Limiter>,
    /// Fault rules.
    pub faults: Mutex<Faults>,
    /// Request log.
    pub log: Mutex<VecDeque<LogEntry>>,
    /// Engine events for WebSocket subscribers (private data; market moves go to `frames`).
    pub events: broadcast::Sender<Event>,
    /// Market moves rendered once for every public WebSocket connection.
    pub frames: broadcast::Sender<Arc<MarketFrame>>,
    /// Each symbol's book levels in the last frame (the next frame's delta is from them).
    frame_books: Mutex<HashMap<String, Arc<BookLevels>>>,
    /// Control commands for WebSocket connections.
    pub ws_control: broadcast::Sender<crate::ws::WsCommand>,
    /// Delay added before every WebSocket push, ms.
    pub ws_delay_ms: AtomicU64,
    /// Open WebSocket connections.
    pub ws_connections: AtomicUsize,
    /// WebSocket connections ever opened: public, private.
    pub ws_opened: [AtomicU64; 2],
    /// Feed freshness as delivered to clients.
    pub feeds: Mutex<Feeds>,
    /// The market ticker is paused (control plane `/market`): prices hold still.
    pub paused: std::sync::atomic::AtomicBool,
}

impl Shared {
    /// Builds the state from a validated config.
    pub fn new(cfg: SimConfig) -> Self {
        let keys = cfg
            .accounts
            .iter()
            .flat_map(|a| {
                a.keys.iter().map(|k| {
                    (
                        k.api_key.clone(),
                        KeyEntry {
                            uid: a.uid,
                            key: k.clone(),
                        },
                    )
                })
            })
            .collect();
        let now = wall_ms() + cfg.clock_offset_ms;
        let (events, _) = broadcast::channel(4096);
        let (frames, _) = broadcast::channel(4096);
        let (ws_control, _) = broadcast::channel(64);
        Shared {
            engine: Mutex::new(Engine::new(&cfg, now)),
            faults: Mutex::new(Faults::new(cfg.seed)),
            limiter: Mutex::new(Limiter::default()),
            log: Mutex::new(VecDeque::new()),
            keys,
            events,
            frames,
            frame_books: Mutex::new(HashMap::new()),
            ws_control,
            ws_delay_ms: AtomicU64::new(0),
            ws_connections: AtomicUsize::new(0),
            ws_opened: [AtomicU64::new(0), AtomicU64::new(0)],
            feeds: Mutex::new(Feeds::default()),
            paused: std::sync::atomic::AtomicBool::new(false),
            cfg,
        }
    }

    /// Server time in ms (wall clock plus the configured skew).
    pub fn now(&self) -> i64 {
        wall_ms() + self.cfg.clock_offset_ms
    }

    /// Publishes the engine's pending events: a market move as one frame rendered for every
    /// public connection (none when no connection listens), the rest as they are.
    pub fn publish(&self, engine: &mut Engine) {
        let now = self.now();
        engine.audit_equity(now);
        for e in engine.drain_events() {
            if let Event::Market(symbol) = &e {
                if self.frames.receiver_count() > 0
                    && let Some(m) = engine.markets.get(symbol)
                {
                    let f = MarketFrame::render(m, now, &mut lock(&self.frame_books));
                    // Every receiver may have gone since the count: nothing to deliver then.
                    let _ = self.frames.send(Arc::new(f));
                }
                continue;
            }
            // No subscriber is not an error: events are best-effort notifications.
            let _ = self.events.send(e);
        }
    }

    /// Advances the market by `steps` ticks.
    pub fn tick(&self, steps: u64) {
        let dt = self.cfg.tick_ms as f64 / 1000.0 * self.cfg.speed;
        let mut e = lock(&self.engine);
        for _ in 0..steps {
            e.tick(self.now(), dt);
        }
        self.publish(&mut e);
    }

    /// Back to the initial state (orders, positions, balances, log, faults, limits).
    pub fn reset(&self) {
        *lock(&self.engine) = Engine::new(&self.cfg, self.now());
        *lock(&self.faults) = Faults::new(self.cfg.seed);
        *lock(&self.limiter) = Limiter::default();
        lock(&self.log).clear();
        *lock(&self.feeds) = Feeds::default();
        for n in &self.ws_opened {
            n.store(0, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// Moves the fault plan's schedules to now and sends episode edges to WebSocket
    /// connections (called by the server's scheduler every 50 ms).
    pub fn fault_tick(&self) {
        let commands = lock(&self.faults).tick(self.now());
        for c in commands {
            // No receiver means no connection: nothing to act on.
            let _ = self.ws_control.send(c);
        }
    }

    /// Appends to the request log (bounded).
    pub fn log(&self, entry: LogEntry) {
        let mut log = lock(&self.log);
        if log.len() >= MAX_LOG {
            log.pop_front();
        }
        log.push_back(entry);
    }
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
