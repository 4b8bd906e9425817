//! `VIPER_…` environment overrides of config keys, what a credential-looking key is, and the
//! masking of secrets. Works on TOML tables only; loading is `config_load`.
//!
//! Scheme: `VIPER_` + the key path in upper case, tables joined by a double underscore:
//! `VIPER_MODE=live`, `VIPER_RISK__LEVERAGE=5`, `VIPER_ADMIN__LISTEN=127.0.0.1:0`. Lists are
//! comma separated (`VIPER_SYMBOLS=BTCUSDT,XRPUSDT`). The value's type is the key's type in
//! the defaults, so a typo in a name is an error naming the variable, like an unknown key.

/// The admin bearer token's variable (not a config key: it never goes in the file).
pub const ADMIN_TOKEN_VAR: &str = "VIPER_ADMIN_TOKEN";
/// Credential variables (never in the file, never printed).
pub const CREDENTIAL_VARS: [&str; 3] = [
    "BITGET_API_KEY",
    "BITGET_API_SECRET",
    "BITGET_API_PASSPHRASE",
];
const PREFIX: &str = "VIPER_";

/// True for a key name that looks like a credential (`api_key`, `secret`, `token`, ...).
pub fn looks_like_secret(key: &str) -> bool {
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

/// Applies every `VIPER_…` variable of `env` to `table`, typed like the key in `defaults`;
/// problems go to `errors`, each naming its variable. Returns the admin token when
/// `VIPER_ADMIN_TOKEN` is set.
pub fn apply(
    table: &mut toml::Table,
    defaults: &toml::Table,
    env: &[(String, String)],
    errors: &mut Vec<String>,
) -> Option<String> {
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
        let Some(default) = lookup(defaults, &path) else {
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

#[cfg(test)]
mod tests {
    use crate::config::BotConfig;

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
                ("VIPER_OVERRIDES__MAX_TOTAL_MARGIN", "true"),
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
}
