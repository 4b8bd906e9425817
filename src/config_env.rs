//! `VIPER_…` environment overrides of config keys, the refusal of credentials in a config
//! file, and the masked "effective config" that `viper config check` prints.
//!
//! Scheme: `VIPER_` + the key path in upper case, tables joined by a double underscore:
//! `VIPER_MODE=live`, `VIPER_RISK__LEVERAGE=5`, `VIPER_ADMIN__LISTEN=127.0.0.1:0`. Lists are
//! comma separated (`VIPER_SYMBOLS=BTCUSDT,XRPUSDT`). The value's type is the key's type in
//! the defaults, so a typo in a name is an error naming the variable, like an unknown key.

use crate::config::BotConfig;

/// The admin bearer token's variable (not a config key: it never goes in the file).
pub const ADMIN_TOKEN_VAR: &str = "VIPER_ADMIN_TOKEN";
/// Credential variables (never in the file, never printed).
pub const CREDENTIAL_VARS: [&str; 3] = [
    "BITGET_API_KEY",
    "BITGET_API_SECRET",
    "BITGET_API_PASSPHRASE",
];
const PREFIX: &str = "VIPER_";

fn looks_like_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace('-', "_");
    k == "key"
        || [
            "api_key",
            "apikey",
            "secret",
            "passphrase",
            "password",
            "token",
        ]
        .iter()
        .any(|s| k.contains(s))
}

/// Keys of the file that look like credentials, each as an error naming it.
pub fn credentials_in_file(table: &toml::Table) -> Vec<String> {
    fn walk(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
        for (k, v) in t {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if looks_like_secret(k) {
                out.push(format!(
                    "{path}: credentials never go in the config file; set {} (and {ADMIN_TOKEN_VAR}) in the environment",
                    CREDENTIAL_VARS.join(", ")
                ));
            } else if let toml::Value::Table(inner) = v {
                walk(&path, inner, out);
            }
        }
    }
    let mut out = Vec::new();
    walk("", table, &mut out);
    out
}

/// Applies every `VIPER_…` variable of `env` to `table`; problems go to `errors`, each
/// naming its variable. Returns the admin token when `VIPER_ADMIN_TOKEN` is set.
pub fn apply(
    table: &mut toml::Table,
    env: &[(String, String)],
    errors: &mut Vec<String>,
) -> Option<String> {
    let defaults = match toml::Value::try_from(BotConfig::default()) {
        Ok(toml::Value::Table(t)) => t,
        _ => toml::Table::new(),
    };
    let mut token = None;
    let mut vars: Vec<&(String, String)> =
        env.iter().filter(|(k, _)| k.starts_with(PREFIX)).collect();
    vars.sort();
    for (name, raw) in vars {
        if name == ADMIN_TOKEN_VAR {
            token = Some(raw.clone()).filter(|t| !t.trim().is_empty());
            continue;
        }
        let path: Vec<String> = name[PREFIX.len()..]
            .split("__")
            .map(str::to_ascii_lowercase)
            .collect();
        let dotted = path.join(".");
        let Some(default) = lookup(&defaults, &path) else {
            errors.push(format!(
                "{name}: no config key {dotted:?} (nested keys use a double underscore, e.g. VIPER_RISK__LEVERAGE)"
            ));
            continue;
        };
        match typed(default, raw) {
            Ok(v) => insert(table, &path, v),
            Err(want) => errors.push(format!("{name} ({dotted}): expected {want}, got {raw:?}")),
        }
    }
    token
}

fn lookup<'a>(t: &'a toml::Table, path: &[String]) -> Option<&'a toml::Value> {
    let (first, rest) = path.split_first()?;
    let v = t.get(first)?;
    match (rest.is_empty(), v) {
        (true, toml::Value::Table(_)) => None,
        (true, v) => Some(v),
        (false, toml::Value::Table(inner)) => lookup(inner, rest),
        (false, _) => None,
    }
}

fn typed(default: &toml::Value, raw: &str) -> Result<toml::Value, &'static str> {
    let s = raw.trim();
    Ok(match default {
        toml::Value::Integer(_) => toml::Value::Integer(s.parse().map_err(|_| "an integer")?),
        toml::Value::Float(_) => toml::Value::Float(s.parse().map_err(|_| "a number")?),
        toml::Value::Boolean(_) => toml::Value::Boolean(match s {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => return Err("true or false"),
        }),
        toml::Value::Array(_) => toml::Value::Array(
            s.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(|x| toml::Value::String(x.to_owned()))
                .collect(),
        ),
        _ => toml::Value::String(s.to_owned()),
    })
}

fn insert(t: &mut toml::Table, path: &[String], v: toml::Value) {
    match path {
        [] => {}
        [last] => {
            t.insert(last.clone(), v);
        }
        [first, rest @ ..] => {
            let entry = t
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            if let toml::Value::Table(inner) = entry {
                insert(inner, rest, v);
            }
        }
    }
}

/// Shows whether a secret is set without showing it.
pub fn mask(value: Option<&str>) -> String {
    match value.map(str::trim) {
        None | Some("") => "(not set)".into(),
        Some(v) => format!("*** (set, {} characters)", v.chars().count()),
    }
}

/// The effective config as TOML, then the secrets' presence, masked.
pub fn render_effective(cfg: &BotConfig, env: &[(String, String)]) -> String {
    let body = toml::to_string_pretty(cfg).unwrap_or_else(|e| format!("# unprintable: {e}\n"));
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut out = String::from("# effective config (file, then VIPER_* overrides)\n");
    out.push_str(&body);
    out.push_str("\n# secrets, from the environment only\n");
    for var in CREDENTIAL_VARS {
        out.push_str(&format!("# {var} = {}\n", mask(get(var))));
    }
    out.push_str(&format!(
        "# {ADMIN_TOKEN_VAR} = {}\n",
        mask(cfg.admin.token.as_ref().map(|t| t.0.as_str()))
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn overrides_apply_with_the_default_types() {
        let cfg = BotConfig::load_from(
            None,
            env(&[
                ("VIPER_RISK__LEVERAGE", "5"),
                ("VIPER_SYMBOLS", "BTCUSDT, XRPUSDT,ETHUSDT"),
                ("VIPER_RISK__MAX_TOTAL_MARGIN", "20"),
                ("VIPER_LIVE__ALLOW_NO_IP_WHITELIST", "true"),
                ("VIPER_ADMIN_TOKEN", "tok"),
                ("PATH", "/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.risk.leverage, 5);
        assert_eq!(cfg.symbols, ["BTCUSDT", "XRPUSDT", "ETHUSDT"]);
        assert_eq!(cfg.risk.max_total_margin, rust_decimal::Decimal::from(20));
        assert!(cfg.live.allow_no_ip_whitelist);
        assert_eq!(cfg.admin.token.unwrap().0, "tok");
    }

    #[test]
    fn bad_overrides_are_all_named() {
        let err = BotConfig::load_from(
            None,
            env(&[
                ("VIPER_RISK_LEVERAGE", "5"),
                ("VIPER_RISK__MAX_POSITIONS", "many"),
                ("VIPER_ADMIN__ENABLED", "perhaps"),
            ]),
        )
        .unwrap_err()
        .to_string();
        for name in [
            "VIPER_RISK_LEVERAGE",
            "VIPER_RISK__MAX_POSITIONS",
            "VIPER_ADMIN__ENABLED",
        ] {
            assert!(err.contains(name), "{name} missing: {err}");
        }
    }

    #[test]
    fn secrets_in_the_file_are_refused_and_masked_in_output() {
        let t: toml::Table = toml::from_str("[exchange]\napi_secret = \"x\"\n").unwrap();
        assert!(credentials_in_file(&t)[0].starts_with("exchange.api_secret"));
        let e = env(&[("BITGET_API_SECRET", "hunter2")]);
        let shown = render_effective(&BotConfig::default(), &e);
        assert!(!shown.contains("hunter2") && shown.contains("BITGET_API_SECRET = ***"));
    }
}
