//! The report's plots, drawn as SVG by plotters (no fonts needed: text is left to the
//! browser). Each returns a complete `<svg>`; a plot with no data says so in its SVG.

use super::data::{ReportData, ReportTrade};
use plotters::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

const SIZE: (u32, u32) = (860, 300);
type Res = Result<(), Box<dyn std::error::Error>>;

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// The time axis of every time plot: from the first data point of the window (or its start)
/// to its end, in minutes for spans up to three hours and in hours beyond.
struct TimeAxis {
    origin_ms: i64,
    unit_ms: f64,
    end: f64,
    label: &'static str,
}

impl TimeAxis {
    fn of(d: &ReportData) -> Self {
        let origin_ms = d.first_data_ms().unwrap_or(d.since_ms).max(d.since_ms);
        let span = (d.until_ms - origin_ms).max(1);
        let (unit_ms, label) = if span <= 3 * 3_600_000 {
            (60_000.0, "minutes since the first sample")
        } else {
            (3_600_000.0, "hours since the first sample")
        };
        Self {
            origin_ms,
            unit_ms,
            end: (span as f64 / unit_ms).max(1e-3),
            label,
        }
    }

    fn x(&self, ts_ms: i64) -> f64 {
        (ts_ms - self.origin_ms) as f64 / self.unit_ms
    }
}

fn range(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let lo = values.clone().fold(f64::INFINITY, f64::min);
    let hi = values.fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 1e-4).max(1e-9);
    (lo - pad, hi + pad)
}

fn render(draw: impl FnOnce(&mut String) -> Res, what: &str) -> String {
    let mut svg = String::new();
    match draw(&mut svg) {
        Ok(()) => svg,
        Err(e) => empty(&format!("{what}: cannot draw ({e})")),
    }
}

/// An SVG that says there is nothing to show.
pub fn empty(message: &str) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (SIZE.0, 80)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let style = ("sans-serif", 16).into_font().color(&BLACK.mix(0.6));
        let _ = root.draw_text(message, &style, (20, 30));
        let _ = root.present();
    }
    svg
}

/// Equity over the window.
pub fn equity(d: &ReportData) -> String {
    if d.equity.len() < 2 {
        return empty("Equity: fewer than two samples in this window");
    }
    render(
        |svg| {
            let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
            root.fill(&WHITE)?;
            let t = TimeAxis::of(d);
            let (lo, hi) = range(d.equity.iter().map(|(_, e)| f(*e)));
            let mut c = ChartBuilder::on(&root)
                .caption("Equity (USDT)", ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(32)
                .y_label_area_size(64)
                .build_cartesian_2d(0f64..t.end, lo..hi)?;
            c.configure_mesh().x_desc(t.label).draw()?;
            c.draw_series(LineSeries::new(
                d.equity.iter().map(|(ts, e)| (t.x(*ts), f(*e))),
                &BLUE,
            ))?;
            root.present()?;
            Ok(())
        },
        "Equity",
    )
}

/// One symbol's price with its trades marked: entries as triangles, exits as circles, green
/// for a winning trade and red for a losing one.
pub fn trades_on_price(d: &ReportData, symbol: &str) -> String {
    let prices = d.prices.get(symbol).map(Vec::as_slice).unwrap_or(&[]);
    let trades: Vec<&ReportTrade> = d.trades.iter().filter(|t| t.symbol == symbol).collect();
    if prices.len() < 2 && trades.is_empty() {
        return empty(&format!("{symbol}: no prices or trades in this window"));
    }
    render(
        |svg| {
            let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
            root.fill(&WHITE)?;
            let t = TimeAxis::of(d);
            let marks = trades
                .iter()
                .flat_map(|t| [t.entry_price, t.exit_price])
                .flatten()
                .map(f);
            let (lo, hi) = range(prices.iter().map(|(_, p)| f(*p)).chain(marks));
            let mut c = ChartBuilder::on(&root)
                .caption(format!("{symbol}: price and trades"), ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(32)
                .y_label_area_size(72)
                .build_cartesian_2d(0f64..t.end, lo..hi)?;
            c.configure_mesh().x_desc(t.label).draw()?;
            c.draw_series(LineSeries::new(
                prices.iter().map(|(ts, p)| (t.x(*ts), f(*p))),
                &BLACK.mix(0.7),
            ))?;
            for tr in &trades {
                let color = if tr.pnl >= Decimal::ZERO { GREEN } else { RED };
                let entry = tr
                    .opened_ms
                    .zip(tr.entry_price)
                    .map(|(ms, p)| (t.x(ms), f(p)));
                let exit = tr.exit_price.map(|p| (t.x(tr.closed_ms), f(p)));
                if let Some(e) = entry {
                    let mark = TriangleMarker::new(e, 7, color.filled());
                    c.draw_series(std::iter::once(mark))?;
                }
                if let Some(x) = exit {
                    c.draw_series(std::iter::once(Circle::new(x, 5, color.filled())))?;
                }
                if let (Some(e), Some(x)) = (entry, exit) {
                    c.draw_series(LineSeries::new([e, x], color.mix(0.5)))?;
                }
            }
            root.present()?;
            Ok(())
        },
        symbol,
    )
}

/// Bars from labelled values (positive up, negative down), one labelled segment each.
fn bars(title: &str, items: &[(String, f64)], y_desc: &str) -> String {
    if items.is_empty() {
        return empty(&format!("{title}: nothing in this window"));
    }
    render(
        |svg| {
            let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
            root.fill(&WHITE)?;
            let (lo, hi) = range(items.iter().map(|(_, v)| *v).chain([0.0]));
            let n = i32::try_from(items.len()).unwrap_or(i32::MAX);
            let mut c = ChartBuilder::on(&root)
                .caption(title, ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(64)
                .build_cartesian_2d((0..n).into_segmented(), lo..hi)?;
            let label = |v: &SegmentValue<i32>| match v {
                SegmentValue::CenterOf(i) => usize::try_from(*i)
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|(l, _)| l.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            c.configure_mesh()
                .disable_x_mesh()
                .x_labels(items.len().min(24))
                .x_label_formatter(&label)
                .y_desc(y_desc)
                .draw()?;
            c.draw_series(items.iter().zip(0..).map(|((_, v), i)| {
                let color = if *v >= 0.0 {
                    GREEN.mix(0.8)
                } else {
                    RED.mix(0.8)
                };
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), *v),
                    ],
                    color.filled(),
                );
                bar.set_margin(0, 0, 12, 12);
                bar
            }))?;
            root.present()?;
            Ok(())
        },
        title,
    )
}

/// Realised PnL per symbol.
pub fn pnl_per_symbol(d: &ReportData) -> String {
    let mut per: std::collections::BTreeMap<&str, Decimal> = Default::default();
    for t in &d.trades {
        *per.entry(t.symbol.as_str()).or_default() += t.pnl;
    }
    let items: Vec<(String, f64)> = per.into_iter().map(|(s, p)| (s.to_owned(), f(p))).collect();
    bars("Realised PnL per symbol (USDT)", &items, "USDT")
}

/// Place-order latency distribution (per histogram bucket).
pub fn latency(d: &ReportData) -> String {
    let items: Vec<(String, f64)> = d
        .place_latency
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(le, n)| {
            let label = if le.is_finite() {
                format!("≤{} ms", (le * 1000.0).round())
            } else {
                "slower".to_owned()
            };
            (label, *n as f64)
        })
        .collect();
    bars(
        "Order placement latency (orders per bucket)",
        &items,
        "orders",
    )
}

/// REST requests per second over the window.
pub fn rest_budget(d: &ReportData) -> String {
    if d.rest_rate.is_empty() {
        return empty("REST budget: fewer than two samples in this window");
    }
    render(
        |svg| {
            let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
            root.fill(&WHITE)?;
            let t = TimeAxis::of(d);
            let rate = |(_, n, secs): &(i64, u64, f64)| *n as f64 / secs.max(1e-3);
            let (_, hi) = range(d.rest_rate.iter().map(rate).chain([0.0]));
            let mut c = ChartBuilder::on(&root)
                .caption("REST requests per second", ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(32)
                .y_label_area_size(64)
                .build_cartesian_2d(0f64..t.end, 0f64..hi)?;
            c.configure_mesh().x_desc(t.label).draw()?;
            c.draw_series(LineSeries::new(
                d.rest_rate.iter().map(|r| (t.x(r.0), rate(r))),
                &MAGENTA,
            ))?;
            root.present()?;
            Ok(())
        },
        "REST budget",
    )
}
