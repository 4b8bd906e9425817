//! The report page: one self-contained HTML file (inline SVG and CSS, no external resource),
//! with a summary, the plots and the trade list. A small inline script checks on load that
//! every plot rendered with a size and records the outcome on `<body>` (`data-plots-rendered`,
//! `data-errors`), which is what the headless-browser test reads.

use super::data::ReportData;
use super::plots;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn utc(ms: i64) -> String {
    let t =
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_seconds(t).to_string()
}

fn opt(d: Option<rust_decimal::Decimal>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// The plots, each `(id, title, svg)`.
pub fn figures(d: &ReportData) -> Vec<(String, String, String)> {
    let mut out = vec![(
        "equity".to_owned(),
        "Equity curve".to_owned(),
        plots::equity(d),
    )];
    for s in d.prices.keys() {
        out.push((
            format!("trades-{}", s.to_ascii_lowercase()),
            format!("{s}: trades on price"),
            plots::trades_on_price(d, s),
        ));
    }
    out.push((
        "pnl".into(),
        "PnL per symbol".into(),
        plots::pnl_per_symbol(d),
    ));
    out.push(("latency".into(), "Order latency".into(), plots::latency(d)));
    out.push((
        "rest".into(),
        "REST budget used".into(),
        plots::rest_budget(d),
    ));
    out
}

const STYLE: &str = "body{font-family:sans-serif;margin:24px;color:#222;max-width:960px}
table{border-collapse:collapse;margin:8px 0 24px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}figure{margin:0 0 24px}figcaption{font-weight:bold;margin-bottom:4px}";

const CHECK: &str = "window.addEventListener('error',function(e){var b=document.body;\
b.dataset.errors=(b.dataset.errors?b.dataset.errors+'; ':'')+e.message;});\
window.addEventListener('load',function(){var n=0;document.querySelectorAll('figure.plot svg')\
.forEach(function(s){var r=s.getBBox();if(r.width>0&&r.height>0){n++;}});\
document.body.dataset.plotsRendered=String(n);});";

/// The whole page.
pub fn page(d: &ReportData, title: &str) -> String {
    let figs = figures(d);
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str(&format!(
        "<title>{}</title><style>{STYLE}</style>",
        esc(title)
    ));
    h.push_str(&format!("<script>{CHECK}</script></head>\n"));
    h.push_str(&format!(
        "<body data-plots=\"{}\">\n<h1>{}</h1>\n",
        figs.len(),
        esc(title)
    ));
    h.push_str(&format!(
        "<p>Window: {} → {} (UTC)</p>\n",
        utc(d.since_ms),
        utc(d.until_ms)
    ));
    let wins = d
        .trades
        .iter()
        .filter(|t| t.pnl > rust_decimal::Decimal::ZERO)
        .count();
    h.push_str("<table id=\"summary\"><tr><th class=\"l\">trades</th><th>won</th><th>realised PnL</th><th>fees</th><th>max drawdown</th></tr>");
    h.push_str(&format!(
        "<tr><td class=\"l\">{}</td><td>{wins}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>\n",
        d.trades.len(),
        d.total_pnl().round_dp(4),
        d.total_fees().round_dp(4),
        d.max_drawdown().round_dp(4)
    ));
    for (id, caption, svg) in &figs {
        h.push_str(&format!(
            "<figure class=\"plot\" id=\"{}\"><figcaption>{}</figcaption>\n{svg}\n</figure>\n",
            esc(id),
            esc(caption)
        ));
    }
    h.push_str("<h2>Trades</h2>\n<table id=\"trades\"><tr><th class=\"l\">symbol</th><th class=\"l\">side</th><th>size</th><th>entry</th><th>exit</th><th>PnL</th><th>fees</th><th class=\"l\">opened</th><th class=\"l\">closed</th><th class=\"l\">reason</th></tr>\n");
    for t in &d.trades {
        h.push_str(&format!(
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>\n",
            esc(&t.symbol), esc(&t.side), t.size, opt(t.entry_price), opt(t.exit_price), t.pnl, t.fees,
            t.opened_ms.map(utc).unwrap_or_default(), utc(t.closed_ms), esc(&t.reason)
        ));
    }
    h.push_str("</table>\n</body></html>\n");
    h
}
