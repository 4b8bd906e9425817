//! Time spans on the simulator's clock: merging, subtracting, and how much of the measured
//! time a feed's fresh periods cover (feed uptime). Pure functions, table-tested in
//! `figures_tests.rs`.

use serde_json::Value;

/// A time interval on the simulator's clock, ms.
pub type Span = (i64, i64);

fn arr(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// Total length of `spans` after merging overlaps.
pub fn covered(spans: &[Span]) -> i64 {
    let mut s: Vec<Span> = spans.iter().copied().filter(|(a, b)| b > a).collect();
    s.sort();
    let mut total = 0;
    let mut cur: Option<Span> = None;
    for (a, b) in s {
        match cur {
            Some((ca, cb)) if a <= cb => cur = Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                cur = Some((a, b));
            }
            None => cur = Some((a, b)),
        }
    }
    total + cur.map_or(0, |(a, b)| b - a)
}

/// `spans` clipped to `window`, minus `excluded`, as a list of disjoint spans.
pub fn minus(window: Span, excluded: &[Span]) -> Vec<Span> {
    let mut ex: Vec<Span> = excluded.to_vec();
    ex.sort();
    let mut out = Vec::new();
    let mut cursor = window.0;
    for (a, b) in ex {
        if b <= cursor || a >= window.1 {
            continue;
        }
        if a > cursor {
            out.push((cursor, a.min(window.1)));
        }
        cursor = cursor.max(b);
    }
    if cursor < window.1 {
        out.push((cursor, window.1));
    }
    out
}

/// Fraction of the `measured` time a feed's fresh periods cover (1 when nothing measured).
pub fn uptime(fresh: &Value, measured: &[Span]) -> f64 {
    let total: i64 = measured.iter().map(|(a, b)| b - a).sum();
    if total <= 0 {
        return 1.0;
    }
    let mut inside = 0;
    for &(ma, mb) in measured {
        let clipped: Vec<Span> = arr(fresh)
            .iter()
            .filter_map(|p| {
                let a = p["from"].as_i64()?.max(ma);
                let b = p["to"].as_i64().unwrap_or(mb).min(mb);
                (b > a).then_some((a, b))
            })
            .collect();
        inside += covered(&clipped);
    }
    inside as f64 / total as f64
}
