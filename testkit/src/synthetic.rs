//! A stand-in ground truth for the trainer's tests, benches and examples: a noise-free,
//! monotone, S-shaped and strongly self-accelerating switching law over the device model's
//! conductance window ([`ouro_sim::device::window_conductance_us`]).
//!
//! With `u = (G - G_min) / (G_max - G_min)` in `[0, 1]`, the time a SET pulse needs from
//! `u0` to `u1 > u0` is `F(u1) - F(u0)` with `F(u) = T_SET * sinh(12 (u - 0.4))`; a RESET
//! from `u0` to `u1 < u0` takes `R(u1) - R(u0)` with `R(u) = T_RESET * sinh(10 (0.6 - u))`.
//! Crossing the whole window takes 9.9 ms either way; the response is slow at both ends
//! and fast in the middle (SET is fastest at u = 0.4, where 10 ns moves G by about 0.03 uS),
//! like the JART model's S-shaped curves.

use crate::rng::seeded;
use ouro_core::dataset::Row;
use ouro_core::schema::Predictor;
use ouro_core::Polarity;
use ouro_nn::network::FloatPredictor;
use rand::Rng;

const K_SET: f64 = 12.0;
const C_SET: f64 = 0.4;
const K_RESET: f64 = 10.0;
const C_RESET: f64 = 0.6;
/// Time to cross the whole window, seconds.
pub const FULL_SWING_S: f64 = 9.9e-3;
/// Shortest characterization pulse, seconds.
pub const MIN_WIDTH_S: f64 = 10e-9;
/// Longest characterization pulse, seconds.
pub const MAX_WIDTH_S: f64 = 10e-3;

/// The conductance window, microsiemens: the device model's.
struct Window {
    lo: f64,
    hi: f64,
}

impl Window {
    fn of_device() -> Self {
        let (lo, hi) = ouro_sim::device::window_conductance_us();
        Self { lo, hi }
    }
    fn to_u(&self, g_us: f64) -> f64 {
        (g_us - self.lo) / (self.hi - self.lo)
    }
    fn to_g(&self, u: f64) -> f64 {
        self.lo + u * (self.hi - self.lo)
    }
}

fn t_set() -> f64 {
    FULL_SWING_S / ((K_SET * (1.0 - C_SET)).sinh() + (K_SET * C_SET).sinh())
}
fn t_reset() -> f64 {
    FULL_SWING_S / ((K_RESET * C_RESET).sinh() + (K_RESET * (1.0 - C_RESET)).sinh())
}
/// The potential whose difference is the pulse time, increasing in the pulse's direction.
fn potential(p: Polarity, u: f64) -> f64 {
    match p {
        Polarity::Set => t_set() * (K_SET * (u - C_SET)).sinh(),
        Polarity::Reset => t_reset() * (K_RESET * (C_RESET - u)).sinh(),
    }
}
fn inverse_potential(p: Polarity, f: f64) -> f64 {
    match p {
        Polarity::Set => C_SET + (f / t_set()).asinh() / K_SET,
        Polarity::Reset => C_RESET - (f / t_reset()).asinh() / K_RESET,
    }
}

fn duration_in(w: &Window, g_now_us: f64, g_target_us: f64) -> Option<(Polarity, f64)> {
    let (u0, u1) = (w.to_u(g_now_us), w.to_u(g_target_us));
    if !((0.0..=1.0).contains(&u0) && (0.0..=1.0).contains(&u1)) {
        return None;
    }
    let p = Polarity::towards(u0, u1)?;
    Some((p, potential(p, u1) - potential(p, u0)))
}

fn apply_in(w: &Window, g_us: f64, polarity: Polarity, seconds: f64) -> f64 {
    let u0 = w.to_u(g_us).clamp(0.0, 1.0);
    let u1 = inverse_potential(polarity, potential(polarity, u0) + seconds.max(0.0));
    w.to_g(u1.clamp(0.0, 1.0))
}

/// The exact pulse duration (seconds) that moves a cell from `g_now_us` to `g_target_us`,
/// with its polarity; `None` when they are equal or either is outside the window.
pub fn duration_s(g_now_us: f64, g_target_us: f64) -> Option<(Polarity, f64)> {
    duration_in(&Window::of_device(), g_now_us, g_target_us)
}

/// The reading after a pulse of `polarity` lasting `seconds` from `g_us`, clamped to the
/// window.
pub fn apply(g_us: f64, polarity: Polarity, seconds: f64) -> f64 {
    apply_in(&Window::of_device(), g_us, polarity, seconds)
}

/// A characterization run: `n` pulses, each on a fresh reading drawn uniformly in the
/// window, with a random polarity and a log-uniform width in
/// [`MIN_WIDTH_S`]..[`MAX_WIDTH_S`]; 100 pulses per cell index.
pub fn characterize(n: usize, seed: u64) -> Vec<Row> {
    let w = Window::of_device();
    let mut rng = seeded(seed);
    let (lo, hi) = (MIN_WIDTH_S.log2(), MAX_WIDTH_S.log2());
    (0..n)
        .map(|i| {
            let g_before_us = w.to_g(rng.random::<f64>());
            let polarity = if rng.random::<bool>() {
                Polarity::Set
            } else {
                Polarity::Reset
            };
            let width_s = rng.random_range(lo..hi).exp2();
            Row {
                cell: (i / 100) as u32,
                g_before_us,
                polarity,
                width_ns: width_s * 1e9,
                g_after_us: apply_in(&w, g_before_us, polarity, width_s),
            }
        })
        .collect()
}

/// Accuracy of a predictor against this ground truth on `n` random programming requests
/// (reading and target drawn uniformly in the window, the exact duration within
/// [`MIN_WIDTH_S`]..[`MAX_WIDTH_S`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accuracy {
    /// Requests evaluated.
    pub requests: usize,
    /// RMS of predicted minus exact log2(duration).
    pub rms_log2: f64,
    /// Largest |predicted - exact| log2(duration).
    pub max_abs_log2: f64,
    /// Share of one-shot pulses (the predicted duration applied once) that land within
    /// ±10 % of the target conductance (`|RPD_target| <= 0.1`, `RPD_target` being the
    /// reached conductance's deviation from the target relative to the target).
    pub hit_10pct: f64,
    /// Share within ±2 % of the target conductance.
    pub hit_2pct: f64,
}

/// Evaluate `predictor` on `n` random requests drawn with `seed`.
pub fn accuracy(predictor: &Predictor, n: usize, seed: u64) -> Accuracy {
    let w = Window::of_device();
    let mut rng = seeded(seed);
    let (mut sq, mut max, mut hit10, mut hit2, mut count) = (0.0, 0.0f64, 0, 0, 0);
    while count < n {
        let (g0, g1) = (w.to_g(rng.random()), w.to_g(rng.random()));
        let Some((p, t)) = duration_in(&w, g0, g1) else {
            continue;
        };
        if !(MIN_WIDTH_S..=MAX_WIDTH_S).contains(&t) {
            continue;
        }
        let (pp, pred) = predictor
            .predict_log2_seconds(g0, g1)
            .expect("distinct readings");
        debug_assert_eq!(pp, p);
        let err = pred - t.log2();
        sq += err * err;
        max = max.max(err.abs());
        let rpd = (apply_in(&w, g0, p, pred.exp2()) - g1) / g1;
        hit10 += usize::from(rpd.abs() <= 0.1);
        hit2 += usize::from(rpd.abs() <= 0.02);
        count += 1;
    }
    Accuracy {
        requests: n,
        rms_log2: (sq / n as f64).sqrt(),
        max_abs_log2: max,
        hit_10pct: hit10 as f64 / n as f64,
        hit_2pct: hit2 as f64 / n as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_truth_is_consistent() {
        let (g_min, g_max) = ouro_sim::device::window_conductance_us();
        for (g0, g1) in [(100.0, 500.0), (400.0, 120.0), (300.0, 300.5)] {
            let (p, t) = duration_s(g0, g1).unwrap();
            assert!(t > 0.0);
            assert!((apply(g0, p, t) - g1).abs() < 1e-6);
        }
        let (_, full) = duration_s(g_min, g_max).unwrap();
        assert!((full - FULL_SWING_S).abs() < 1e-12);
        assert_eq!(apply(300.0, Polarity::Set, 1.0), g_max);
    }
}
