//! What a soak runs against: the simulator's config (10 cheap symbols, a small account, the
//! audit's equity floor) and the bot's (those symbols, a fast strategy, default limits,
//! loopback admin on a free port), written as TOML files into the soak's work directory.

use std::fmt::Write as _;
use std::path::Path;

/// The simulator account's starting balance, USDT.
pub const START_BALANCE: &str = "100";
/// The bot's default emergency floor, USDT (also the audit's floor).
pub const EQUITY_FLOOR: &str = "15";

/// (symbol, start price, price decimals, size decimals, size step, volatility, book level).
/// Every minimum order fits the default 10 USDT of notional (1 USDT margin at 10x).
const SYMBOLS: [(&str, &str, u32, u32, &str, f64, &str); 10] = [
    ("BTCUSDT", "65000", 1, 4, "0.0001", 0.6, "1.5"),
    ("XRPUSDT", "0.6", 4, 0, "1", 0.9, "20000"),
    ("DOGEUSDT", "0.15", 5, 0, "1", 1.0, "80000"),
    ("ADAUSDT", "0.45", 4, 0, "1", 0.9, "30000"),
    ("TRXUSDT", "0.12", 5, 0, "1", 0.7, "90000"),
    ("XLMUSDT", "0.11", 5, 0, "1", 0.8, "90000"),
    ("LINKUSDT", "14", 3, 1, "0.1", 0.9, "800"),
    ("LTCUSDT", "80", 2, 2, "0.01", 0.8, "150"),
    ("DOTUSDT", "4.5", 3, 1, "0.1", 0.9, "2500"),
    ("AVAXUSDT", "25", 3, 1, "0.1", 1.0, "450"),
];

/// The symbols a soak trades.
pub fn symbols() -> Vec<&'static str> {
    SYMBOLS.iter().map(|s| s.0).collect()
}

/// The simulator config: `seed`, `speed`, the 10 symbols and one small account.
pub fn sim_toml(seed: u64, speed: f64) -> String {
    let mut t = format!(
        "seed = {seed}\nspeed = {speed}\ntick_ms = 250\nauto_tick = true\naudit_equity_floor = \"{EQUITY_FLOOR}\"\n"
    );
    for (sym, price, pp, vp, step, vol, level) in SYMBOLS {
        let base = sym.trim_end_matches("USDT");
        // Writing to a String cannot fail.
        let _ = write!(
            t,
            "\n[[symbols]]\nsymbol = \"{sym}\"\nbase_coin = \"{base}\"\nstart_price = \"{price}\"\n\
             price_place = {pp}\nprice_end_step = \"1\"\nvolume_place = {vp}\nsize_multiplier = \"{step}\"\n\
             min_trade_num = \"{step}\"\nmin_trade_usdt = \"5\"\nmax_order_qty = \"1000000000\"\n\
             max_market_order_qty = \"100000000\"\nmin_lever = 1\nmax_lever = 50\n\
             maker_fee_rate = \"0.0002\"\ntaker_fee_rate = \"0.0006\"\nbuy_limit_price_ratio = \"0.05\"\n\
             sell_limit_price_ratio = \"0.05\"\nmax_symbol_order_num = 200\nkeep_margin_rate = \"0.004\"\n\
             status = \"normal\"\nvolatility = {vol}\njumps_per_hour = 0.5\njump_sigma = 0.01\n\
             book_level_size = \"{level}\"\n"
        );
    }
    let _ = write!(
        t,
        "\n[[accounts]]\nuid = {uid}\nbalance = \"{START_BALANCE}\"\n[[accounts.keys]]\n\
         api_key = \"{key}\"\nsecret = \"{secret}\"\npassphrase = \"{pass}\"\n\
         permissions = [\"coor\", \"cpor\", \"coow\", \"cpow\"]\nips = [\"127.0.0.1\", \"::1\"]\n",
        uid = viper_sim::DEFAULT_UID,
        key = viper_sim::DEFAULT_API_KEY,
        secret = viper_sim::DEFAULT_API_SECRET,
        pass = viper_sim::DEFAULT_PASSPHRASE,
    );
    t
}

/// The bot config: the soak's symbols, a fast EMA profile, default limits, a 2 s request
/// timeout, admin on a free loopback port, the journal in `data_dir`.
pub fn bot_toml(data_dir: &Path) -> String {
    let symbols: Vec<String> = symbols().iter().map(|s| format!("\"{s}\"")).collect();
    format!(
        "mode = \"paper\"\nsymbols = [{}]\ndata_dir = {:?}\n\n[exchange]\nrequest_timeout_ms = 2000\n\n\
         [strategy]\nfast = 3\nslow = 8\ncooldown_secs = 5\ntake_profit_pct = \"0.6\"\nstop_loss_pct = \"0.4\"\n\n\
         [intervals]\nmarket_poll_ms = 500\naccount_poll_ms = 1000\nmax_tick_age_ms = 3000\n\n\
         [admin]\nlisten = \"127.0.0.1:0\"\n",
        symbols.join(", "),
        data_dir.display().to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_configs_are_accepted_by_their_loaders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sim = dir.path().join("sim.toml");
        std::fs::write(&sim, sim_toml(7, 144.0)).expect("write");
        let cfg = viper_sim::SimConfig::load(&sim).expect("sim config");
        assert_eq!(cfg.symbols.len(), 10);
        let bot = dir.path().join("bot.toml");
        std::fs::write(&bot, bot_toml(&dir.path().join("data"))).expect("write");
        let b = crate::config::BotConfig::load(&bot).expect("bot config");
        assert_eq!(b.symbols.len(), 10);
    }
}
