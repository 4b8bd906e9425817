//! Every payload in `../shared/bitget-samples/` (Bitget's documented payloads as third-party
//! projects keep them; not copied into this repository) decodes, and each decoded row holds
//! the ids, prices and sizes the file holds. Skipped, with a message, when the folder is absent.
#![allow(missing_docs, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde_json::Value;
use viper_bitget::replay::{Facts, replay};

fn samples_dir() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared").join("bitget-samples"))
        .find(|p| p.is_dir())
}

/// The rows of `data` as the file holds them.
fn raw_rows(v: &Value) -> Vec<Value> {
    let data = &v["data"];
    match data {
        Value::Array(a) => a.clone(),
        Value::Object(o) => {
            for list in ["entrustedList", "fillList"] {
                if let Some(Value::Array(a)) = o.get(list) {
                    return a.clone();
                }
            }
            if o.contains_key("successList") {
                let mut rows = Vec::new();
                for list in ["successList", "failureList"] {
                    if let Some(Value::Array(a)) = o.get(list) {
                        rows.extend(a.iter().cloned());
                    }
                }
                return rows;
            }
            vec![data.clone()]
        }
        _ => Vec::new(),
    }
}

fn same(raw: &Value, typed: &str) -> bool {
    let text = match raw {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match (text.parse::<Decimal>(), typed.parse::<Decimal>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => text == typed || (text == "0" && typed.is_empty()),
    }
}

fn check_values(file: &Path, v: &Value, rows: &[Facts]) {
    if v.get("event").is_some() {
        return;
    }
    let raw = raw_rows(v);
    assert_eq!(raw.len(), rows.len(), "{}: row count", file.display());
    for (r, facts) in raw.iter().zip(rows) {
        for (field, typed) in facts {
            if let Some(x) = r.get(*field) {
                assert!(
                    same(x, typed),
                    "{}: {field} is {x} in the file, decoded {typed:?}",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn every_sample_decodes_with_the_values_it_holds() {
    let Some(dir) = samples_dir() else {
        println!(
            "SKIPPED: shared/bitget-samples not found above {}",
            env!("CARGO_MANIFEST_DIR")
        );
        return;
    };
    let mut count = 0;
    let mut folders: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    folders.sort_by_key(|e| e.file_name());
    for folder in folders.iter().filter(|e| e.path().is_dir()) {
        let name = folder.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(folder.path()).unwrap().flatten() {
            let path = file.path();
            let text = std::fs::read_to_string(&path).unwrap();
            let decoded =
                replay(&name, &text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let v: Value = serde_json::from_str(&text).unwrap();
            check_values(&path, &v, &decoded.rows);
            count += 1;
        }
    }
    println!("{count} samples decoded from {}", dir.display());
    assert!(count >= 38, "only {count} samples found");
}
