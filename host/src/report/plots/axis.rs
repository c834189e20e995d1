//! The axes and their labels: [`Ticks`] (a linear axis with the ticks given; log axes as
//! log10 values) and [`log_axis`], and how tick values and numbers are written.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;

/// A linear axis with the ticks given (bold grid lines and labels at `majors`, light grid
/// lines at `minors`); for a log axis, of log10 values.
#[derive(Clone)]
pub(super) struct Ticks {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) majors: Vec<f64>,
    pub(super) minors: Vec<f64>,
}

impl Ticks {
    pub(super) fn new(range: std::ops::Range<f64>, majors: Vec<f64>, minors: Vec<f64>) -> Self {
        Self {
            lo: range.start,
            hi: range.end,
            majors,
            minors,
        }
    }
}

impl Ranged for Ticks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, (a, b): (i32, i32)) -> i32 {
        let f = (v - self.lo) / (self.hi - self.lo);
        if !f.is_finite() {
            return if f > 0.0 { b } else { a };
        }
        a + (f64::from(b - a) * f.clamp(-10.0, 10.0) + 1e-3).floor() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minors.clone()
        } else {
            self.majors.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// The log axis for positive values (10 to 10 000 for none).
pub(super) fn log_axis(values: impl Iterator<Item = f64>) -> Ticks {
    let (min, max) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let (mut l0, mut l1) = if min <= max {
        (min.log10(), max.log10())
    } else {
        (1.0, 4.0)
    };
    if l1 - l0 < 0.5 {
        let mid = (l0 + l1) / 2.0;
        (l0, l1) = (mid - 0.25, mid + 0.25);
    }
    let pad = 0.04 * (l1 - l0) + 0.03;
    let (lo, hi) = (l0 - pad, l1 + pad);
    let span = hi - lo;
    let mantissas: &[f64] = if span > 3.2 {
        &[1.0]
    } else if span > 1.4 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0, 2.0, 3.0, 5.0, 7.0]
    };
    let step = if span > 7.0 {
        (span / 6.0).ceil() as i32
    } else {
        1
    };
    let (mut majors, mut minors) = (Vec::new(), Vec::new());
    for k in (lo.floor() as i32)..=(hi.ceil() as i32) {
        for m in 1..=9 {
            let x = f64::from(k) + f64::from(m).log10();
            if x < lo || x > hi {
                continue;
            }
            if mantissas.contains(&f64::from(m)) && k.rem_euclid(step) == 0 {
                majors.push(x);
            } else if step == 1 {
                minors.push(x);
            }
        }
    }
    Ticks {
        lo,
        hi,
        majors,
        minors,
    }
}

/// Drop ticks closer than `gap` to the one kept before.
pub(super) fn thin(ticks: Vec<f64>, gap: f64) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    for t in ticks {
        match out.last() {
            Some(l) if t - l < gap => {}
            _ => out.push(t),
        }
    }
    out
}

/// The smallest of 1, 2, 2.5, 5 × 10^k at least `v`.
pub(super) fn nice_ceiling(v: f64) -> f64 {
    let k = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * k)
        .find(|x| *x >= v * (1.0 - 1e-9))
        .unwrap_or(v)
}

/// A tick value: integers grouped by thousands ("12 500"), others to 3 significant digits.
pub(super) fn num_label(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let r = {
        let mag = 10f64.powf(v.abs().max(1e-12).log10().floor() - 2.0);
        (v / mag).round() * mag
    };
    if r.abs() >= 1.0 && (r - r.round()).abs() < 1e-6 {
        group(r.round())
    } else {
        trim_num(r)
    }
}

fn group(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 && digits.len() > 4 {
            out.push(' ');
        }
        out.push(c);
    }
    if v < 0.0 {
        out.insert(0, '−');
    }
    out
}

/// A number with at most 3 significant decimals and no trailing zeros.
pub(super) fn trim_num(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v.abs() >= 1000.0 {
        return group(v.round());
    }
    let decimals = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s.replace('-', "−")
    }
}

pub(super) fn pct_label(v: f64) -> String {
    format!("{} %", trim_num(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_well() {
        assert_eq!(num_label(10_000.0), "10 000");
        assert_eq!(num_label(1000.0), "1000");
        assert_eq!(num_label(0.5), "0.5");
        assert_eq!(trim_num(12.5), "12.5");
        assert_eq!(trim_num(-0.0001), "0");
        let axis = log_axis([50.0, 50_000.0].into_iter());
        assert!(axis.lo < 50f64.log10() && axis.hi > 50_000f64.log10());
        assert!(axis.majors.len() >= 3);
        let none = log_axis(std::iter::empty());
        assert!(none.lo < none.hi);
    }
}
