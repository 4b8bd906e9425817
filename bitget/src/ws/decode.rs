//! The frame decoder (§7.5, §7.6): `pong`, server events (login, acks, errors) and pushes,
//! decoded in one pass into typed data when `arg` precedes `data` (as Bitget sends it).
//! Never panics: anything unexpected is a [`DecodeError`] for the caller to log and skip.

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use std::fmt;

pub use super::frame::{Action, DecodeError, Frame, Push, PushData, ServerEvent};
use super::subscriptions::{Channel, SubArg};
use crate::models::de as d;

/// Decodes one text frame.
pub fn decode(text: &str) -> Result<Frame, DecodeError> {
    if text == "pong" {
        return Ok(Frame::Pong);
    }
    // `ticker` and `books*` pushes in their usual shape; everything else, and every error,
    // goes through the general decoder.
    if let Some(f) = super::fast::decode(text) {
        return Ok(f);
    }
    decode_general(text)
}

/// The general decoder (every frame, every tolerance, the error messages).
pub(crate) fn decode_general(text: &str) -> Result<Frame, DecodeError> {
    if text == "pong" {
        return Ok(Frame::Pong);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let env = de
        .deserialize_map(EnvVisitor)
        .and_then(|e| de.end().map(|()| e))
        .map_err(|e| DecodeError::new(e.to_string(), text))?;
    env.into_frame().map_err(|r| DecodeError::new(r, text))
}

#[derive(Default)]
struct Envelope {
    event: Option<String>,
    code: Option<i64>,
    msg: Option<String>,
    arg: Option<ArgWire>,
    action: Option<String>,
    data: Option<Result<PushData, Value>>,
    ts: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArgWire {
    #[serde(default, deserialize_with = "d::opt_str")]
    channel: Option<String>,
    #[serde(default, deserialize_with = "d::opt_str")]
    inst_id: Option<String>,
    #[serde(default, deserialize_with = "d::opt_str")]
    coin: Option<String>,
}

impl ArgWire {
    fn sub(&self) -> Option<SubArg> {
        let inst = self.inst_id.as_deref().or(self.coin.as_deref())?;
        Some(SubArg::from_wire(self.channel.as_deref()?, inst))
    }
}

/// Lenient code: number, numeric string, `""`/null.
#[derive(Deserialize)]
struct Code(#[serde(deserialize_with = "d::opt_int")] Option<i64>);

struct EnvVisitor;

impl<'de> Visitor<'de> for EnvVisitor {
    type Value = Envelope;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Envelope, A::Error> {
        let mut env = Envelope::default();
        while let Some(key) = m.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "event" => env.event = m.next_value::<Option<String>>()?,
                "code" => env.code = m.next_value::<Option<Code>>()?.and_then(|c| c.0),
                "msg" => env.msg = m.next_value::<Option<String>>()?,
                "arg" => env.arg = m.next_value::<Option<ArgWire>>()?,
                "action" => env.action = m.next_value::<Option<String>>()?,
                "ts" => env.ts = m.next_value::<Option<Code>>()?.and_then(|c| c.0),
                "data" => {
                    let channel = env.arg.as_ref().and_then(|a| a.channel.as_deref());
                    env.data = Some(match channel {
                        Some(c) => Ok(m.next_value_seed(DataSeed(Channel::parse(c)))?),
                        None => Err(m.next_value::<Value>()?),
                    });
                }
                _ => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(env)
    }
}

impl Envelope {
    fn into_frame(mut self) -> Result<Frame, String> {
        if let Some(event) = self.event.take() {
            return self.event_frame(&event);
        }
        let arg = self.arg.ok_or("neither event nor arg")?;
        let sub = arg.sub().ok_or("arg without channel or instId")?;
        let action = match self.action.as_deref() {
            Some(a) if a.eq_ignore_ascii_case("update") => Action::Update,
            Some(_) => Action::Snapshot,
            None => return Err("push without action".into()),
        };
        let data = match self.data.ok_or("push without data")? {
            Ok(d) => d,
            Err(v) => DataSeed(sub.channel.clone())
                .deserialize(v)
                .map_err(|e| e.to_string())?,
        };
        Ok(Frame::Push(Push {
            arg: sub,
            action,
            ts: self.ts,
            data,
        }))
    }

    fn event_frame(self, event: &str) -> Result<Frame, String> {
        let arg = self.arg.as_ref().and_then(ArgWire::sub);
        let msg = self.msg.unwrap_or_default();
        let ev = match event {
            "login" => ServerEvent::Login {
                code: self.code.unwrap_or(0),
                msg,
            },
            "subscribe" => ServerEvent::Subscribed(arg.ok_or("subscribe ack without arg")?),
            "unsubscribe" => ServerEvent::Unsubscribed(arg.ok_or("unsubscribe ack without arg")?),
            "error" => ServerEvent::Error {
                code: self.code.unwrap_or(-1),
                msg,
                arg,
            },
            other => return Err(format!("unknown event {other:?}")),
        };
        Ok(Frame::Event(ev))
    }
}

struct DataSeed(Channel);

impl<'de> DeserializeSeed<'de> for DataSeed {
    type Value = PushData;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<PushData, D::Error> {
        let label = match &self.0 {
            Channel::Candle(_) => "ws/candle".to_owned(),
            c => format!("ws/{}", c.name()),
        };
        // The path names the field of a strict failure (`data: [0].lastPr: …`);
        // informational fields met on the way are counted under the channel.
        let mut track = serde_path_to_error::Track::new();
        let tracked = serde_path_to_error::Deserializer::new(de, &mut track);
        crate::models::lenient::scope(&label, || self.typed(tracked))
            .map_err(|e| de::Error::custom(format!("{}: {e}", track.path())))
    }
}

impl DataSeed {
    fn typed<'de, D: Deserializer<'de>>(self, de: D) -> Result<PushData, D::Error> {
        Ok(match self.0 {
            Channel::Ticker => PushData::Ticker(Vec::deserialize(de)?),
            Channel::Books | Channel::Books1 | Channel::Books5 | Channel::Books15 => {
                PushData::Book(Vec::deserialize(de)?)
            }
            Channel::Trade => PushData::Trade(Vec::deserialize(de)?),
            Channel::Candle(_) => PushData::Candle(Vec::deserialize(de)?),
            Channel::Account => PushData::Account(Vec::deserialize(de)?),
            Channel::Positions => PushData::Positions(Vec::deserialize(de)?),
            Channel::Orders => PushData::Orders(Vec::deserialize(de)?),
            Channel::OrdersAlgo => PushData::AlgoOrders(Vec::deserialize(de)?),
            Channel::Fill => PushData::Fills(Vec::deserialize(de)?),
            Channel::Other(c) => return Err(de::Error::custom(format!("unknown channel {c:?}"))),
        })
    }
}
