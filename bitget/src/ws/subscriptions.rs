//! Subscription arguments (§7.3, §7.8) and their packing into messages within the §7.1
//! limits: at most N args and 4096 bytes of `args` per subscribe message.

use serde_json::{Value, json};

/// Product type of every subscription this client makes.
pub const USDT_FUTURES: &str = "USDT-FUTURES";

/// A WebSocket channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// `ticker`.
    Ticker,
    /// `books` (full depth, snapshot then deltas).
    Books,
    /// `books1`.
    Books1,
    /// `books5`.
    Books5,
    /// `books15`.
    Books15,
    /// `trade`.
    Trade,
    /// `candle<interval>`, e.g. `Candle("1m")`.
    Candle(String),
    /// `account` (private).
    Account,
    /// `positions` (private).
    Positions,
    /// `orders` (private).
    Orders,
    /// `orders-algo` (private).
    OrdersAlgo,
    /// `fill` (private).
    Fill,
    /// Any other channel name, kept verbatim.
    Other(String),
}

impl Channel {
    /// Parses a wire channel name.
    pub fn parse(s: &str) -> Channel {
        match s {
            "ticker" => Channel::Ticker,
            "books" => Channel::Books,
            "books1" => Channel::Books1,
            "books5" => Channel::Books5,
            "books15" => Channel::Books15,
            "trade" => Channel::Trade,
            "account" => Channel::Account,
            "positions" => Channel::Positions,
            "orders" => Channel::Orders,
            "orders-algo" => Channel::OrdersAlgo,
            "fill" => Channel::Fill,
            _ => match s.strip_prefix("candle") {
                Some(i) if !i.is_empty() => Channel::Candle(i.to_owned()),
                _ => Channel::Other(s.to_owned()),
            },
        }
    }

    /// The wire name.
    pub fn name(&self) -> String {
        match self {
            Channel::Candle(i) => format!("candle{i}"),
            Channel::Other(s) => s.clone(),
            c => c.static_name().to_owned(),
        }
    }

    fn static_name(&self) -> &'static str {
        match self {
            Channel::Ticker => "ticker",
            Channel::Books => "books",
            Channel::Books1 => "books1",
            Channel::Books5 => "books5",
            Channel::Books15 => "books15",
            Channel::Trade => "trade",
            Channel::Account => "account",
            Channel::Positions => "positions",
            Channel::Orders => "orders",
            Channel::OrdersAlgo => "orders-algo",
            Channel::Fill => "fill",
            Channel::Candle(_) | Channel::Other(_) => "",
        }
    }

    /// True for channels served on the private URL after login.
    pub fn is_private(&self) -> bool {
        match self {
            Channel::Account
            | Channel::Positions
            | Channel::Orders
            | Channel::OrdersAlgo
            | Channel::Fill => true,
            Channel::Other(s) => matches!(s.as_str(), "positions-history" | "equity" | "adl-noti"),
            _ => false,
        }
    }

    /// True for the order-book channels.
    pub fn is_book(&self) -> bool {
        matches!(
            self,
            Channel::Books | Channel::Books1 | Channel::Books5 | Channel::Books15
        )
    }
}

/// One subscription: channel and instrument (`default` for private channels).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubArg {
    /// Channel.
    pub channel: Channel,
    /// Symbol (`BTCUSDT`) or `default`.
    pub inst_id: String,
}

impl SubArg {
    /// A subscription of `channel` for `inst_id`.
    pub fn new(channel: Channel, inst_id: &str) -> Self {
        Self {
            channel,
            inst_id: inst_id.to_owned(),
        }
    }

    /// `ticker` of a symbol.
    pub fn ticker(symbol: &str) -> Self {
        Self::new(Channel::Ticker, symbol)
    }

    /// A private channel for every symbol (`instId`/`coin` = `default`).
    pub fn private(channel: Channel) -> Self {
        Self::new(channel, "default")
    }

    /// True when served on the private URL.
    pub fn is_private(&self) -> bool {
        self.channel.is_private()
    }

    /// The JSON arg (§7.3; `account` uses `coin`).
    pub fn to_json(&self) -> Value {
        let key = if self.channel == Channel::Account {
            "coin"
        } else {
            "instId"
        };
        json!({ "instType": USDT_FUTURES, "channel": self.channel.name(), key: self.inst_id })
    }

    /// From a pushed/acked `arg` object (`instId` or `coin`; symbols upper-cased).
    pub fn from_json(v: &Value) -> Option<Self> {
        let channel = Channel::parse(v.get("channel")?.as_str()?);
        let inst = v
            .get("instId")
            .or_else(|| v.get("coin"))
            .and_then(Value::as_str)?;
        Some(Self::new(channel, &normalise_inst(inst)))
    }

    /// From a pushed wire channel name and instrument, normalised (one allocation).
    pub(crate) fn from_wire(channel: &str, inst: &str) -> Self {
        Self {
            channel: Channel::parse(channel),
            inst_id: normalise_inst(inst),
        }
    }

    /// Same subscription, with the instrument normalised as the server echoes it.
    pub fn normalised(&self) -> Self {
        Self::new(self.channel.clone(), &normalise_inst(&self.inst_id))
    }
}

fn normalise_inst(inst: &str) -> String {
    if inst.eq_ignore_ascii_case("default") {
        "default".to_owned()
    } else {
        inst.to_ascii_uppercase()
    }
}

/// Packs `args` into `op` messages of at most `max_args` args and `max_bytes` bytes of
/// serialized `args` each. An arg too big on its own is still sent alone (the server answers
/// with an error event, which is reported).
pub fn pack(op: &str, args: &[SubArg], max_args: usize, max_bytes: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut batch: Vec<Value> = Vec::new();
    // `[` + `]` plus commas between args.
    let mut bytes = 2;
    for a in args {
        let v = a.to_json();
        let len = v.to_string().len();
        let extra = len + usize::from(!batch.is_empty());
        if !batch.is_empty() && (batch.len() >= max_args.max(1) || bytes + extra > max_bytes) {
            out.push(json!({ "op": op, "args": std::mem::take(&mut batch) }).to_string());
            bytes = 2;
        }
        bytes += len + usize::from(!batch.is_empty());
        batch.push(v);
    }
    if !batch.is_empty() {
        out.push(json!({ "op": op, "args": batch }).to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_round_trip() {
        for n in [
            "ticker",
            "books",
            "books15",
            "trade",
            "candle1m",
            "candle1Dutc",
            "account",
            "orders-algo",
            "fill",
            "equity",
        ] {
            assert_eq!(Channel::parse(n).name(), n);
        }
        assert!(Channel::parse("equity").is_private());
        assert!(!Channel::parse("candle1H").is_private());
    }

    #[test]
    fn account_uses_coin() {
        let a = SubArg::private(Channel::Account).to_json();
        assert_eq!(a["coin"], "default");
        assert!(a.get("instId").is_none());
        assert_eq!(
            SubArg::from_json(&a),
            Some(SubArg::private(Channel::Account))
        );
    }

    #[test]
    fn packing_respects_count_and_bytes() {
        let args: Vec<SubArg> = (0..40)
            .map(|i| SubArg::new(Channel::Ticker, &format!("SYM{i}USDT")))
            .collect();
        let msgs = pack("subscribe", &args, 15, 4096);
        assert_eq!(msgs.len(), 3);
        let small = pack("subscribe", &args, 100, 300);
        for m in &small {
            let v: Value = serde_json::from_str(m).unwrap();
            assert!(v["args"].to_string().len() <= 300, "{m}");
        }
        let total: usize = small
            .iter()
            .map(|m| {
                serde_json::from_str::<Value>(m).unwrap()["args"]
                    .as_array()
                    .unwrap()
                    .len()
            })
            .sum();
        assert_eq!(total, 40);
    }
}
