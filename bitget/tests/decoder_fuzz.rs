//! Arbitrary bytes (and mutated real fixtures) into every decoder: never a panic, only
//! `Ok` or a typed error.

use std::time::Duration;

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use viper_bitget::models::*;
use viper_bitget::rest::{RawResponse, decode_response};

fn feed<T: DeserializeOwned>(status: u16, body: &[u8]) {
    let raw = RawResponse {
        status,
        content_type: Some("application/json"),
        body,
    };
    let _ = decode_response::<T>("/fuzz", raw, Duration::from_secs(1));
    let _ = serde_json::from_slice::<T>(body);
}

fn every_decoder(status: u16, body: &[u8]) {
    feed::<ServerTime>(status, body);
    feed::<Vec<Contract>>(status, body);
    feed::<Vec<Ticker>>(status, body);
    feed::<Vec<Candle>>(status, body);
    feed::<MergeDepth>(status, body);
    feed::<Account>(status, body);
    feed::<Vec<AccountSummary>>(status, body);
    feed::<LeverageInfo>(status, body);
    feed::<PositionModeInfo>(status, body);
    feed::<Vec<Position>>(status, body);
    feed::<OrderAck>(status, body);
    feed::<BatchResult>(status, body);
    feed::<MaybeOrder>(status, body);
    feed::<OrderList>(status, body);
    feed::<FillList>(status, body);
    feed::<Vec<PosTpslAck>>(status, body);
    feed::<PlanOrderList>(status, body);
    feed::<ApiKeyInfo>(status, body);
}

fn fixtures() -> Vec<Vec<u8>> {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("fixtures dir").flatten() {
        if let Ok(b) = std::fs::read(e.path()) {
            out.push(b);
        }
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512),
                                   status in prop_oneof![Just(200u16), Just(400), Just(429), Just(500)]) {
        every_decoder(status, &body);
    }

    #[test]
    fn json_shaped_noise_never_panics(s in r#"\{"code":"(00000|40015|429)","data":[\[\]\{\}"0-9a-zA-Z:,.\-e ]{0,200}"#) {
        every_decoder(200, s.as_bytes());
    }

    #[test]
    fn mutated_fixtures_never_panic(pick in any::<prop::sample::Index>(),
                                    edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                                    cut in any::<prop::sample::Index>()) {
        let all = fixtures();
        let mut body = all[pick.index(all.len())].clone();
        for (at, byte) in edits {
            let i = at.index(body.len());
            body[i] = byte;
        }
        let keep = cut.index(body.len() + 1);
        body.truncate(keep.max(body.len() / 2));
        every_decoder(200, &body);
    }
}
