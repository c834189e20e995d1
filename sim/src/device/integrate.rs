//! Integrating one pulse: the state equation is a one-dimensional autonomous ODE during a pulse
//! (amplitude and parameters are fixed), so a pulse is "move `N` along `dN/dt = f(N)` for `width`
//! seconds".
//!
//! Three integrators:
//! - [`Integrator::Reference`]: the converged solution. Adaptive Dormand-Prince 5(4) in time, on the
//!   displacement `N - N0`, at a relative tolerance of 1e-11 (see [`reference_advance`]); its
//!   convergence is shown by a test comparing two tolerances.
//! - [`Integrator::Euler10ns`]: the authors' forward Euler at 10 ns, `round(width / 10 ns)` steps.
//!   For comparison only: its cost grows with the width and it is off by percents on fast cells.
//! - [`Integrator::Production`]: the time-integral formulation. Time from `N0` to `N1` is
//!   `integral dN / f(N)`. In the variable `sigma = ln N - 0.1 ln F_lim(N)` (SET) or
//!   `sigma = ln N + 0.1 ln F_lim(N)` (RESET) we have `d sigma / dN = 1 / (N F_lim)`, so
//!   `dt / d sigma = N / q(N)` with `q = f / F_lim` smooth and bounded: the `F_lim -> 0` asymptote at
//!   `Ndiscmax` (SET) or `Ndiscmin` (RESET) is mapped to `sigma -> +-inf` and the integrand stays
//!   smooth. The integrator marches panels in `sigma`, each integrated with 4-point
//!   Gauss-Legendre quadrature, panel widths chosen from the local slope and curvature of
//!   `ln(dt/dsigma)`, until the panel that holds the end of the pulse; there a safeguarded Newton
//!   (Halley) iteration finds the end state. Beyond the window, where the end state only feeds the
//!   cycle-to-cycle `ratio`, panels are four times wider. Its cost depends on how far the state moves in `sigma` (bounded
//!   by the window, growing only logarithmically beyond it), not on the pulse width.
//!
//! All functions here return the **unclamped** end state; window clamping and the "starts on the
//! bound it pushes towards" rule are applied by [`apply_pulse`].

use serde::{Deserialize, Serialize};

use super::jart::{DeviceParams, PulseModel, N_WINDOW_MAX, N_WINDOW_MIN};

/// Step of the authors' forward Euler integrator, seconds.
pub const EULER_STEP_S: f64 = 10e-9;

/// Which integrator advances a pulse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Integrator {
    /// Converged adaptive Dormand-Prince (slow; for tests and validation).
    Reference,
    /// Forward Euler at 10 ns steps, as in the authors' code (for comparison only).
    #[serde(rename = "euler10ns")]
    Euler10ns,
    /// Time-integral quadrature; cost independent of pulse width, within 0.1 % of the reference.
    #[default]
    Production,
}

impl Integrator {
    /// The unclamped end state of a pulse of `width_s` seconds at `volts` from state `n0`.
    pub fn advance(self, params: &DeviceParams, n0: f64, volts: f64, width_s: f64) -> f64 {
        let m = PulseModel::new(params, volts);
        self.advance_model(&m, n0, width_s)
    }

    /// As [`Integrator::advance`] with a precomputed [`PulseModel`].
    pub fn advance_model(self, m: &PulseModel, n0: f64, width_s: f64) -> f64 {
        match self {
            Integrator::Reference => reference_advance(m, n0, width_s, REFERENCE_RTOL),
            Integrator::Euler10ns => euler_advance(m, n0, width_s, EULER_STEP_S),
            Integrator::Production => production_advance(m, n0, width_s),
        }
    }
}

/// The result of one pulse on the state, with the window applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PulseOutcome {
    /// The state before the pulse.
    pub n_before: f64,
    /// The end state of the integration, before clamping to the window.
    pub n_unclamped: f64,
    /// The state after the pulse, clamped to `[N_WINDOW_MIN, N_WINDOW_MAX]`.
    pub n_after: f64,
    /// True if the clamp changed the end state.
    pub clamped: bool,
    /// True if the pulse started on (or beyond) the bound it pushes towards and did nothing.
    pub blocked: bool,
}

/// Apply one pulse with the window rules (docs/DEVICE.md, "The state window and the rules of a
/// pulse"): a pulse that starts on (or beyond) the bound it pushes towards does nothing; otherwise
/// the state is integrated and clamped to the window after the pulse.
pub fn apply_pulse(
    integrator: Integrator,
    params: &DeviceParams,
    n0: f64,
    volts: f64,
    width_s: f64,
) -> PulseOutcome {
    let set = volts < 0.0;
    let on_bound = (set && n0 >= N_WINDOW_MAX) || (!set && n0 <= N_WINDOW_MIN);
    if on_bound || volts == 0.0 || width_s <= 0.0 {
        return PulseOutcome {
            n_before: n0,
            n_unclamped: n0,
            n_after: n0,
            clamped: false,
            blocked: on_bound,
        };
    }
    let n_unclamped = integrator.advance(params, n0, volts, width_s);
    let n_after = n_unclamped.clamp(N_WINDOW_MIN, N_WINDOW_MAX);
    PulseOutcome {
        n_before: n0,
        n_unclamped,
        n_after,
        clamped: n_after != n_unclamped,
        blocked: false,
    }
}

// ---------------------------------------------------------------------------------------------
// Euler

/// Forward Euler with fixed step `step_s`, `round(width / step)` steps. If a step overshoots a zero
/// of `F_lim` (possible on fast cells), the state is put on that zero, where it stays.
pub fn euler_advance(m: &PulseModel, n0: f64, width_s: f64, step_s: f64) -> f64 {
    let steps = (width_s / step_s).round() as u64;
    let mut n = n0;
    for _ in 0..steps {
        n += step_s * m.dn_dt(n);
        if m.is_set() && n >= m.ndiscmax {
            n = m.ndiscmax;
        } else if !m.is_set() && n <= m.ndiscmin {
            n = m.ndiscmin;
        }
    }
    n
}

// ---------------------------------------------------------------------------------------------
// Reference: Dormand-Prince 5(4)

/// Relative tolerance of [`Integrator::Reference`].
pub const REFERENCE_RTOL: f64 = 1e-11;

/// Adaptive Dormand-Prince 5(4) in time on the displacement `y = N - n0`, with the error of each
/// step held below `1e-18 + rtol * |y|`. Returns the unclamped end state.
pub fn reference_advance(m: &PulseModel, n0: f64, width_s: f64, rtol: f64) -> f64 {
    const ATOL: f64 = 1e-18;
    // Butcher tableau of Dormand-Prince 5(4).
    const C2: f64 = 1.0 / 5.0;
    const C3: f64 = 3.0 / 10.0;
    const C4: f64 = 4.0 / 5.0;
    const C5: f64 = 8.0 / 9.0;
    const A21: f64 = 1.0 / 5.0;
    const A31: f64 = 3.0 / 40.0;
    const A32: f64 = 9.0 / 40.0;
    const A41: f64 = 44.0 / 45.0;
    const A42: f64 = -56.0 / 15.0;
    const A43: f64 = 32.0 / 9.0;
    const A51: f64 = 19372.0 / 6561.0;
    const A52: f64 = -25360.0 / 2187.0;
    const A53: f64 = 64448.0 / 6561.0;
    const A54: f64 = -212.0 / 729.0;
    const A61: f64 = 9017.0 / 3168.0;
    const A62: f64 = -355.0 / 33.0;
    const A63: f64 = 46732.0 / 5247.0;
    const A64: f64 = 49.0 / 176.0;
    const A65: f64 = -5103.0 / 18656.0;
    const B1: f64 = 35.0 / 384.0;
    const B3: f64 = 500.0 / 1113.0;
    const B4: f64 = 125.0 / 192.0;
    const B5: f64 = -2187.0 / 6784.0;
    const B6: f64 = 11.0 / 84.0;
    const E1: f64 = 71.0 / 57600.0;
    const E3: f64 = -71.0 / 16695.0;
    const E4: f64 = 71.0 / 1920.0;
    const E5: f64 = -17253.0 / 339200.0;
    const E6: f64 = 22.0 / 525.0;
    const E7: f64 = -1.0 / 40.0;
    let _ = (C2, C3, C4, C5); // autonomous: stage times are not needed

    if width_s <= 0.0 {
        return n0;
    }
    let f = |y: f64| -> f64 {
        let n = n0 + y;
        if n <= 0.0 {
            f64::NAN
        } else {
            m.dn_dt(n)
        }
    };
    let mut y = 0.0_f64;
    let mut t = 0.0_f64;
    let mut k1 = f(0.0);
    if k1 == 0.0 || !k1.is_finite() {
        return n0;
    }
    // Initial step: move N by about 1e-4 relative.
    let mut h = (1e-4 * n0 / k1.abs()).min(width_s);
    let mut steps = 0_u64;
    while t < width_s {
        steps += 1;
        assert!(steps < 50_000_000, "reference integrator did not converge");
        let last = t + h >= width_s;
        if last {
            h = width_s - t;
        }
        let k2 = f(y + h * A21 * k1);
        let k3 = f(y + h * (A31 * k1 + A32 * k2));
        let k4 = f(y + h * (A41 * k1 + A42 * k2 + A43 * k3));
        let k5 = f(y + h * (A51 * k1 + A52 * k2 + A53 * k3 + A54 * k4));
        let k6 = f(y + h * (A61 * k1 + A62 * k2 + A63 * k3 + A64 * k4 + A65 * k5));
        let y_new = y + h * (B1 * k1 + B3 * k3 + B4 * k4 + B5 * k5 + B6 * k6);
        let k7 = f(y_new);
        let err = h * (E1 * k1 + E3 * k3 + E4 * k4 + E5 * k5 + E6 * k6 + E7 * k7);
        let scale = ATOL + rtol * y.abs().max(y_new.abs());
        let ratio = (err / scale).abs();
        if ratio.is_finite() && ratio <= 1.0 && y_new.is_finite() {
            t = if last { width_s } else { t + h };
            y = y_new;
            k1 = k7;
            let grow = if ratio == 0.0 {
                5.0
            } else {
                (0.9 * ratio.powf(-0.2)).min(5.0)
            };
            h *= grow;
        } else {
            let shrink = if ratio.is_finite() {
                (0.9 * ratio.powf(-0.2)).max(0.1)
            } else {
                0.1
            };
            h *= shrink;
        }
    }
    n0 + y
}

// ---------------------------------------------------------------------------------------------
// Production: time-integral quadrature in sigma

/// Gauss-Legendre 4-point nodes on [-1, 1].
const GL_X: [f64; 4] = [
    -0.861_136_311_594_052_6,
    -0.339_981_043_584_856_3,
    0.339_981_043_584_856_3,
    0.861_136_311_594_052_6,
];
/// Gauss-Legendre 4-point weights.
const GL_W: [f64; 4] = [
    0.347_854_845_137_453_9,
    0.652_145_154_862_546_1,
    0.652_145_154_862_546_1,
    0.347_854_845_137_453_9,
];
/// Target of `h * (slope scale)` per panel; the 4-point rule's relative error for an exponential
/// integrand `exp(k s)` over a panel with `k h = 0.75` is below 1e-10; measured against the
/// reference, the end state is within about 1e-8 relative.
const PANEL_KH: f64 = 0.75;
/// Width (in sigma) of the first panel.
const FIRST_PANEL: f64 = 0.05;

/// The monotone coordinate of a pulse. `s = dir * sigma` increases along the motion.
#[derive(Debug, Clone, Copy)]
struct Coord<'a> {
    m: &'a PulseModel,
    /// `ln Ndiscmax` (SET) or `ln Ndiscmin` (RESET).
    ln_lim: f64,
}

impl<'a> Coord<'a> {
    fn new(m: &'a PulseModel) -> Self {
        let ln_lim = if m.is_set() {
            m.ndiscmax.ln()
        } else {
            m.ndiscmin.ln()
        };
        Self { m, ln_lim }
    }

    /// `s` of state `n` (which must lie strictly inside `(Ndiscmin, inf)` for RESET or
    /// `(0, Ndiscmax)` for SET).
    fn s_of_n(&self, n: f64) -> f64 {
        if self.m.is_set() {
            // sigma = ln N - 0.1 ln(1 - (N/Nmax)^10)
            n.ln() - 0.1 * (-(n / self.m.ndiscmax).powi(10)).ln_1p()
        } else {
            // sigma = ln N + 0.1 ln(1 - (Nmin/N)^10);  s = -sigma
            -(n.ln() + 0.1 * (-(self.m.ndiscmin / n).powi(10)).ln_1p())
        }
    }

    /// `(N, ln N)` at coordinate `s`.
    #[inline]
    fn n_of_s(&self, s: f64) -> (f64, f64) {
        let ln_n = if self.m.is_set() {
            // N = Nmax (1 + (Nmax e^-sigma)^10)^(-1/10)
            self.ln_lim - 0.1 * (10.0 * (self.ln_lim - s)).exp().ln_1p()
        } else {
            // N = Nmin (1 + (e^sigma / Nmin)^10)^(1/10), sigma = -s
            self.ln_lim + 0.1 * (10.0 * (-s - self.ln_lim)).exp().ln_1p()
        };
        (ln_n.exp(), ln_n)
    }

    /// `dt/ds` at `s`, seconds per unit of `s`.
    #[inline]
    fn w(&self, s: f64) -> f64 {
        let (n, ln_n) = self.n_of_s(s);
        n / self.m.rate_without_flim(n, ln_n).abs()
    }
}

/// Quadrature of `dt/ds` over `[a, a + h]`, returning the time and the four node values.
#[inline]
fn panel(c: &Coord<'_>, a: f64, h: f64) -> (f64, [f64; 4]) {
    let half = 0.5 * h;
    let mid = a + half;
    let mut w = [0.0; 4];
    let mut sum = 0.0;
    for i in 0..4 {
        w[i] = c.w(mid + half * GL_X[i]);
        sum += GL_W[i] * w[i];
    }
    (half * sum, w)
}

/// The next panel width from the node values of the last panel (width `h`).
#[inline]
fn next_width(h: f64, w: &[f64; 4], kh: f64) -> f64 {
    let l = [w[0].ln(), w[1].ln(), w[2].ln(), w[3].ln()];
    let p = GL_X.map(|x| 0.5 * h * x);
    let slope = (l[3] - l[0]) / (p[3] - p[0]);
    let d1 = (l[1] - l[0]) / (p[1] - p[0]);
    let d3 = (l[3] - l[2]) / (p[3] - p[2]);
    let curv = (d3 - d1) / (0.5 * (p[2] + p[3] - p[0] - p[1]));
    let scale = slope.abs().max(curv.abs().sqrt()).max(1e-12);
    let target = kh / scale;
    if target.is_finite() {
        target.min(2.0 * h)
    } else {
        h
    }
}

/// Solve `integral_a^{a+d} w = t` for `d` in `(0, h]`, given the panel's node values (the panel's
/// total time is at least `t`).
fn solve_in_panel(c: &Coord<'_>, a: f64, h: f64, w: &[f64; 4], total: f64, t: f64) -> f64 {
    // Initial guess: ln w linear through the outer nodes, extrapolated to a.
    let p0 = 0.5 * h * (1.0 + GL_X[0]);
    let p3 = 0.5 * h * (1.0 + GL_X[3]);
    let k = (w[3].ln() - w[0].ln()) / (p3 - p0);
    let w_a = (w[0].ln() - k * p0).exp();
    let kt = k * t / w_a;
    let mut d = if kt.abs() < 1e-8 {
        t / w_a
    } else if kt > -1.0 {
        kt.ln_1p() / k
    } else {
        h
    };
    if !(d > 0.0 && d <= h) {
        d = h * (t / total).clamp(0.0, 1.0);
    }
    let (mut lo, mut hi) = (0.0_f64, h);
    for _ in 0..60 {
        let (time, _) = panel(c, a, d);
        let resid = time - t;
        if resid.abs() <= 1e-11 * t {
            break;
        }
        if resid > 0.0 {
            hi = d;
        } else {
            lo = d;
        }
        let wd = c.w(a + d);
        // Halley's step with w'/w estimated by the panel slope k (cubic convergence near the root).
        let newton = resid / wd;
        let halley = 1.0 - 0.5 * newton * k;
        let mut next = if halley > 0.5 {
            d - newton / halley
        } else {
            d - newton
        };
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - d).abs() <= 1e-15 * d.abs().max(1e-300) {
            d = next;
            break;
        }
        d = next;
    }
    d
}

/// The production integrator: unclamped end state after `width_s` seconds from `n0`.
pub fn production_advance(m: &PulseModel, n0: f64, width_s: f64) -> f64 {
    production_advance_with(m, n0, width_s, PANEL_KH, FIRST_PANEL)
}

/// [`production_advance`] with a chosen panel accuracy `kh` and first panel width (for tests).
#[doc(hidden)]
pub fn production_advance_with(m: &PulseModel, n0: f64, width_s: f64, kh: f64, first: f64) -> f64 {
    if width_s <= 0.0 || m.volts == 0.0 {
        return n0;
    }
    // Outside the domain of the transform (on or beyond the F_lim zero) nothing moves towards it.
    if (m.is_set() && n0 >= m.ndiscmax) || (!m.is_set() && n0 <= m.ndiscmin) {
        return n0;
    }
    let c = Coord::new(m);
    let s0 = c.s_of_n(n0);
    // Beyond the window the end state only feeds the cycle-to-cycle `ratio` (the state is clamped),
    // so panels there may be four times wider (about 1e-5 relative error in time instead of 1e-9).
    let s_bound = c.s_of_n(if m.is_set() {
        N_WINDOW_MAX
    } else {
        N_WINDOW_MIN
    });
    let mut a = s0;
    let mut h = first;
    let mut t_rem = width_s;
    for _ in 0..100_000 {
        let (time, w) = panel(&c, a, h);
        // A non-finite panel time (a stalled integrand) also ends the march here.
        if time >= t_rem || !time.is_finite() {
            let d = solve_in_panel(&c, a, h, &w, time, t_rem);
            let s_end = a + d;
            // Difference of two transform evaluations: cancels the round-trip bias at n0.
            return n0 + (c.n_of_s(s_end).0 - c.n_of_s(s0).0);
        }
        t_rem -= time;
        a += h;
        h = next_width(h, &w, if a >= s_bound { 4.0 * kh } else { kh });
    }
    c.n_of_s(a).0
}

/// Time (seconds) that a pulse at `volts` takes to move a cell with parameters `params` from `n0`
/// to `n1`, by the production quadrature (accurate to about 1e-6 relative).
///
/// Returns `Some(0.0)` if `n0 == n1`, and `None` if `n1` cannot be reached: the pulse moves the
/// other way (`volts < 0` raises `N`, `volts > 0` lowers it), `volts` is zero, or either state is
/// outside the window `[N_WINDOW_MIN, N_WINDOW_MAX]`.
pub fn time_to_reach(params: &DeviceParams, n0: f64, n1: f64, volts: f64) -> Option<f64> {
    let in_window = |n: f64| (N_WINDOW_MIN..=N_WINDOW_MAX).contains(&n);
    if !in_window(n0) || !in_window(n1) || volts == 0.0 || !volts.is_finite() {
        return None;
    }
    if n0 == n1 {
        return Some(0.0);
    }
    let set = volts < 0.0;
    if set != (n1 > n0) {
        return None;
    }
    let m = PulseModel::new(params, volts);
    let c = Coord::new(&m);
    let s0 = c.s_of_n(n0);
    let s1 = c.s_of_n(n1);
    let mut a = s0;
    let mut h = FIRST_PANEL;
    let mut total = 0.0;
    while a < s1 {
        let last = a + h >= s1;
        let width = if last { s1 - a } else { h };
        let (time, w) = panel(&c, a, width);
        total += time;
        if last {
            break;
        }
        a += h;
        h = next_width(h, &w, PANEL_KH);
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::jart::{conductance_us, RESET_AMPLITUDE_V, SET_AMPLITUDE_V};

    #[test]
    fn one_microsecond_set_anchor() {
        let p = DeviceParams::nominal();
        let g0 = conductance_us(0.4);
        for integ in [
            Integrator::Reference,
            Integrator::Production,
            Integrator::Euler10ns,
        ] {
            let n1 = integ.advance(&p, 0.4, SET_AMPLITUDE_V, 1e-6);
            let dg = conductance_us(n1) - g0;
            assert!((dg - 3.2792).abs() / 3.2792 < 1e-3, "{integ:?}: {dg}");
        }
    }

    #[test]
    fn window_crossing_times() {
        let p = DeviceParams::nominal();
        let t_set = time_to_reach(&p, N_WINDOW_MIN, N_WINDOW_MAX, SET_AMPLITUDE_V).unwrap();
        let t_reset = time_to_reach(&p, N_WINDOW_MAX, N_WINDOW_MIN, RESET_AMPLITUDE_V).unwrap();
        assert!((t_set - 9.9e-3).abs() < 0.1e-3, "{t_set}");
        assert!((t_reset - 9.9e-3).abs() < 0.1e-3, "{t_reset}");
        assert_eq!(time_to_reach(&p, 0.5, 0.4, SET_AMPLITUDE_V), None);
        assert_eq!(time_to_reach(&p, 0.4, 0.5, RESET_AMPLITUDE_V), None);
        assert_eq!(time_to_reach(&p, 0.4, 2.5, SET_AMPLITUDE_V), None);
        assert_eq!(time_to_reach(&p, 0.4, 0.4, SET_AMPLITUDE_V), Some(0.0));
    }
}
