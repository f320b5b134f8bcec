//! The expiry timeline as a plain SVG bar chart written by vigie: one bar
//! per month, stacked by state, with its axes and a legend. Small enough to
//! need no plotting crate, and made of nothing but rectangles, lines and
//! text, so that any browser, printer or rasteriser draws it the same.

use std::fmt::Write;

use chrono::Datelike;

use super::{state_fr, Month, STATES};
use crate::status::State;

/// The fill colour of a state (colour-blind friendly, readable in grey).
pub fn colour(state: State) -> &'static str {
    match state {
        State::Expired => "#4a1d5c",
        State::Critical => "#c0392b",
        State::Warning => "#e08e0b",
        State::Ok => "#2e7d4f",
        State::Missing => "#8a8f94",
        State::Suspended => "#c9ccd0",
    }
}

const MONTHS_FR: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];

/// The order of a bar's segments, bottom up: ok, warning, critical (then
/// the rest).
const STACK: [State; 6] = [
    State::Ok,
    State::Warning,
    State::Critical,
    State::Expired,
    State::Missing,
    State::Suspended,
];

/// Width and height of the drawing, in user units.
const WIDTH: u32 = 760;
const HEIGHT: u32 = 280;
/// Room for the axes' labels (left, bottom) and the legend (top).
const LEFT: u32 = 44;
const BOTTOM: u32 = 44;
const TOP: u32 = 36;
const RIGHT: u32 = 10;

/// A round step for the value axis: 1, 2 or 5 times a power of ten, giving
/// at most five ticks up to `max`.
fn step(max: usize) -> usize {
    let mut unit = 1;
    loop {
        for m in [1, 2, 5] {
            if max <= unit * m * 5 {
                return unit * m;
            }
        }
        unit *= 10;
    }
}

/// The chart of `months` as an `<svg>` element (no XML prolog, to sit
/// inside an HTML page or a file of its own).
pub fn timeline_svg(months: &[Month]) -> String {
    let max = months.iter().map(|m| m.counts.total()).max().unwrap_or(0);
    let step = step(max.max(1));
    let top_value = step * max.max(1).div_ceil(step);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let n = months.len().max(1) as u32;
    let slot = f64::from(plot_w) / f64::from(n);
    let bar = slot * 0.7;
    let y_of = |v: usize| f64::from(TOP) + f64::from(plot_h) * (1.0 - v as f64 / top_value as f64);

    let mut s = String::with_capacity(16 * 1024);
    let total: usize = months.iter().map(|m| m.counts.total()).sum();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"11\">\
         <title>Certificats arrivant en fin de vie, par mois, sur {} mois : {total}</title>\
         <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#ffffff\"/>",
        months.len()
    );
    // Value axis: grid lines and their labels.
    let mut v = 0;
    while v <= top_value {
        let y = y_of(v);
        let _ = write!(
            s,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"#d0d4d8\" stroke-width=\"1\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#333\">{v}</text>",
            WIDTH - RIGHT,
            LEFT - 6,
            y + 4.0
        );
        v += step;
    }
    // Bars, bottom up in the order ok, warning, critical (then the rest).
    let stack = STACK;
    for (i, m) in months.iter().enumerate() {
        let x = f64::from(LEFT) + slot * i as f64 + (slot - bar) / 2.0;
        let mut base = 0;
        for state in stack {
            let c = m.counts.get(state);
            if c == 0 {
                continue;
            }
            let (y0, y1) = (y_of(base + c), y_of(base));
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y0:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"{}\">\
                 <title>{} {} : {c} {}</title></rect>",
                y1 - y0,
                colour(state),
                MONTHS_FR[m.first.month0() as usize],
                m.first.year(),
                state_fr(state)
            );
            base += c;
        }
        if m.counts.total() > 0 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#111\">{}</text>",
                x + bar / 2.0,
                y_of(base) - 3.0,
                m.counts.total()
            );
        }
        // Month labels, every month, turned to fit.
        let lx = x + bar / 2.0;
        let ly = f64::from(HEIGHT - BOTTOM) + 12.0;
        let _ = write!(
            s,
            "<text x=\"{lx:.1}\" y=\"{ly:.1}\" text-anchor=\"end\" transform=\"rotate(-45 {lx:.1} {ly:.1})\" fill=\"#333\">{} {:02}</text>",
            MONTHS_FR[m.first.month0() as usize],
            m.first.year() % 100
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{LEFT}\" y1=\"{b}\" x2=\"{}\" y2=\"{b}\" stroke=\"#333\" stroke-width=\"1\"/>",
        WIDTH - RIGHT,
        b = HEIGHT - BOTTOM
    );
    // Legend, top left, for the states a timeline can hold.
    let mut x = LEFT;
    for state in [State::Critical, State::Warning, State::Ok] {
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"8\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"18\" fill=\"#111\">{}</text>",
            colour(state),
            x + 16,
            state_fr(state)
        );
        x += 110;
    }
    s.push_str("</svg>");
    debug_assert!(STATES.len() == stack.len());
    s
}

/// The chart in words, for whoever cannot see it (the image's `alt` in
/// the digest, its text part): the total, then each month that has
/// certificates ending, with its count by state, in the stacking order.
/// Empty months are left out; a chart with none says so.
pub fn timeline_alt(months: &[Month]) -> String {
    let total: usize = months.iter().map(|m| m.counts.total()).sum();
    let mut s = format!(
        "Certificats arrivant à échéance, par mois, sur {} mois : {total}",
        months.len()
    );
    if total == 0 {
        s.push('.');
        return s;
    }
    s.push_str(" au total.");
    let mut first = true;
    for m in months.iter().filter(|m| m.counts.total() > 0) {
        let parts: Vec<String> = STACK
            .iter()
            .filter(|&&state| m.counts.get(state) > 0)
            .map(|&state| format!("{} {}", m.counts.get(state), state_fr(state)))
            .collect();
        let _ = write!(
            s,
            "{} {} {} : {} ({})",
            if first { "" } else { " ;" },
            MONTHS_FR[m.first.month0() as usize],
            m.first.year(),
            m.counts.total(),
            parts.join(", ")
        );
        first = false;
    }
    s.push('.');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Counts;
    use chrono::NaiveDate;

    #[test]
    fn steps_are_round() {
        assert_eq!(step(1), 1);
        assert_eq!(step(5), 1);
        assert_eq!(step(6), 2);
        assert_eq!(step(23), 5);
        assert_eq!(step(480), 100);
    }

    #[test]
    fn bars_stack_and_scale() {
        let first = |m| NaiveDate::from_ymd_opt(2027, m, 1).unwrap();
        let mut c = Counts::default();
        c.add(State::Ok);
        c.add(State::Ok);
        c.add(State::Warning);
        let months = [
            Month {
                first: first(1),
                counts: c,
            },
            Month {
                first: first(2),
                counts: Counts::default(),
            },
        ];
        let svg = timeline_svg(&months);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        // Two segments in January, none in February; the total above it.
        assert_eq!(svg.matches("<title>janv. 2027").count(), 2);
        assert!(!svg.contains("<title>févr."));
        assert!(svg.contains(">3</text>"));
        assert!(svg.contains("<title>janv. 2027 : 2 à jour</title>"));
        // The ok segment is twice the warning one.
        let height = |state: &str| -> f64 {
            let at = svg.find(&format!(": {state}</title>")).unwrap();
            let rect = &svg[..at];
            let h = rect.rfind("height=\"").unwrap();
            rect[h + 8..].split('"').next().unwrap().parse().unwrap()
        };
        assert!((height("2 à jour") - 2.0 * height("1 à surveiller")).abs() < 0.2);
        assert_eq!(
            timeline_alt(&months),
            "Certificats arrivant à échéance, par mois, sur 2 mois : 3 au total. \
             janv. 2027 : 3 (2 à jour, 1 à surveiller)."
        );
        assert_eq!(
            timeline_alt(&months[1..]),
            "Certificats arrivant à échéance, par mois, sur 1 mois : 0."
        );
    }
}
