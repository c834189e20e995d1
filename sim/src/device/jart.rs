//! The simplified JART VCM v1b model (docs/DEVICE.md): currents, the state equation and the read
//! conductance.
//!
//! Units: SI throughout (metres, seconds, volts, amperes, kelvin), except the state `N`, which is the
//! oxygen-vacancy concentration in the disc in units of 1e26 m^-3, and conductances, which are in
//! microsiemens where a name ends in `_us`.
//!
//! Sign conventions: a SET pulse has a negative amplitude (the SET current is negative) and raises
//! `N`; a RESET pulse has a positive amplitude (the RESET current is **positive**) and lowers `N`.

use serde::{Deserialize, Serialize};

use super::DeviceError;

/// Elementary charge **as the model uses it** (not CODATA), in coulombs.
pub const E_CHARGE: f64 = 1.602e-19;
/// Boltzmann constant over elementary charge **as the model uses it**, in V/K
/// (kB = 1.3807e-23 J/K divided by e = 1.602e-19 C).
pub const KB_OVER_E: f64 = 8.618_601_747_815_23e-5;
/// Charge number of the oxygen vacancies.
pub const Z_VO: f64 = 2.0;
/// The nominal `Ndiscmin`, which the read and RESET currents always use (a cell's own varying
/// `Ndiscmin` enters only `F_lim`).
pub const NDISCMIN_CURRENT: f64 = 0.008;
/// The nominal disc radius in metres; `A0 = pi * R_DISC_NOMINAL^2`.
pub const R_DISC_NOMINAL: f64 = 45e-9;
/// Lower bound of the state window, applied after each pulse.
pub const N_WINDOW_MIN: f64 = 0.06;
/// Upper bound of the state window, applied after each pulse.
pub const N_WINDOW_MAX: f64 = 1.98975;
/// Read voltage of the operating point, in volts.
pub const READ_VOLTAGE_V: f64 = 0.2;
/// Nominal SET amplitude, in volts.
pub const SET_AMPLITUDE_V: f64 = -0.342;
/// Nominal RESET amplitude, in volts.
pub const RESET_AMPLITUDE_V: f64 = 0.7065;
/// The SET amplitudes (volts, inclusive) over which the integrators are tested against the
/// reference. The current fits were made around the nominal -0.342 V; the model stays smooth and
/// physical (peak filament temperature below about 1,700 K on the fastest cells) over this range, but
/// values far from nominal are an extrapolation of the published fits.
pub const TRUSTED_SET_V: (f64, f64) = (-0.6, -0.25);
/// The RESET amplitudes (volts, inclusive) over which the integrators are tested against the
/// reference; see [`TRUSTED_SET_V`] for the caveat (peak temperature below about 1,350 K).
pub const TRUSTED_RESET_V: (f64, f64) = (0.5, 1.0);

/// All parameters of one cell. The four that vary between and within cells are `ndiscmax`,
/// `ndiscmin`, `l_disc` and `r_disc`; everything else keeps its nominal value in this project.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeviceParams {
    /// Upper limit of `N` in `F_lim` for SET (1e26 m^-3). Nominal 20.
    pub ndiscmax: f64,
    /// Lower limit of `N` in `F_lim` for RESET (1e26 m^-3). Nominal 0.008. Not used in the currents.
    pub ndiscmin: f64,
    /// Disc length in metres. Nominal 0.4 nm. Only rescales switching time.
    pub l_disc: f64,
    /// Disc radius in metres. Nominal 45 nm.
    pub r_disc: f64,
    /// Ambient temperature, K.
    pub t0: f64,
    /// Electron mobility, m^2/(V s).
    pub mu_n: f64,
    /// Vacancy concentration in the plug (1e26 m^-3).
    pub nplug: f64,
    /// Ion hopping distance, m.
    pub a: f64,
    /// Attempt frequency, Hz.
    pub nu0: f64,
    /// Activation energy, eV.
    pub dwa: f64,
    /// Thermal resistance, K/W.
    pub rth0: f64,
    /// Cell length, m.
    pub l_cell: f64,
    /// Scaling of the thermal resistance during RESET.
    pub rtheff_scaling: f64,
    /// Series resistance of the TiOx layer, ohm.
    pub r_tiox: f64,
    /// Line resistance at T0, ohm.
    pub r0: f64,
    /// Thermal resistance of the lines, K/W.
    pub rthline: f64,
    /// Temperature coefficient of the lines, 1/K.
    pub alpha_line: f64,
    /// SET current fit: alpha0.
    pub alpha0: f64,
    /// SET current fit: alpha2.
    pub alpha2: f64,
    /// SET current fit: alpha3.
    pub alpha3: f64,
    /// SET current fit: beta0.
    pub beta0: f64,
    /// SET current fit: beta1.
    pub beta1: f64,
    /// SET current fit: c0..c3.
    pub c: [f64; 4],
    /// SET current fit: d0..d3.
    pub d: [f64; 4],
    /// SET current fit: f0..f3.
    pub f: [f64; 4],
    /// Read/RESET current fit: g0.
    pub g0: f64,
    /// Read/RESET current fit: g1.
    pub g1: f64,
    /// Read/RESET current fit: h0..h3.
    pub h: [f64; 4],
    /// Read/RESET current fit: j0.
    pub j0: f64,
    /// Read/RESET current fit: k0.
    pub k0: f64,
}

impl Default for DeviceParams {
    fn default() -> Self {
        Self::nominal()
    }
}

impl DeviceParams {
    /// The authors' public nominal parameter set.
    pub const fn nominal() -> Self {
        Self {
            ndiscmax: 20.0,
            ndiscmin: 0.008,
            l_disc: 0.4e-9,
            r_disc: R_DISC_NOMINAL,
            t0: 293.0,
            mu_n: 4e-6,
            nplug: 20.0,
            a: 0.25e-9,
            nu0: 2e13,
            dwa: 1.35,
            rth0: 15.72e6,
            l_cell: 3e-9,
            rtheff_scaling: 0.27,
            r_tiox: 650.0,
            r0: 719.2437,
            rthline: 90471.47,
            alpha_line: 3.92e-3,
            alpha0: 4.81951e-5,
            alpha2: 1.03685,
            alpha3: 0.34567,
            beta0: 7.0526e-4,
            beta1: 4.2383e-5,
            c: [4.004, 2.8646, 4.2125, 1.4134],
            d: [6.6103, 1.4524, 7.4235, 4.0585],
            f: [6.326e-4, 1.4711, 0.5199, 1.561],
            g0: 4.84e-3,
            g1: 0.1353,
            h: [5.548, 6.8648, 51.586, 0.36],
            j0: 1.054,
            k0: 1.0526,
        }
    }

    /// Disc area `pi * r_disc^2`, m^2.
    pub fn area(&self) -> f64 {
        std::f64::consts::PI * self.r_disc * self.r_disc
    }
}

/// `g(V)` of the read/RESET current.
fn g_of(p: &DeviceParams, v: f64) -> f64 {
    -p.g0 * ((-p.g1 * v).exp() - 1.0)
}

/// `h(V)` of the read/RESET current.
fn h_of(p: &DeviceParams, v: f64) -> f64 {
    p.h[0] + p.h[1] * v + p.h[2] * (-p.h[3] * v).exp()
}

/// Read/RESET current (positive for positive `v`), in amperes, with the nominal `Ndiscmin` of the
/// current fit.
pub fn current_reset(p: &DeviceParams, v: f64, n: f64) -> f64 {
    let ratio = (n / NDISCMIN_CURRENT).powf(-p.j0);
    g_of(p, v) / (1.0 + h_of(p, v) * ratio).powf(1.0 / p.k0)
}

/// The voltage-only factors of the SET current `I = -alpha - beta / (1 + (c/N)^d)^f`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SetFit {
    pub alpha: f64,
    pub beta: f64,
    pub ln_c: f64,
    pub d: f64,
    pub f: f64,
}

impl SetFit {
    pub(crate) fn new(p: &DeviceParams, v: f64) -> Self {
        let alpha1 = p.alpha0 * (-p.alpha2 / p.alpha3).exp();
        let alpha = (alpha1 + p.alpha0) / (1.0 + (-(v + p.alpha2) / p.alpha3).exp()) - p.alpha0;
        let beta = p.beta1 * (1.0 - (-v).exp()) - p.beta0 * v;
        let c = p.c[2] * (-v / p.c[3]).exp() + p.c[1] * v - p.c[0];
        let d = p.d[2] * (-v / p.d[3]).exp() + p.d[1] * v - p.d[0];
        let f = p.f[0] + (p.f[1] - p.f[0]) / (1.0 + (-v / p.f[2]).powf(p.f[3]));
        Self {
            alpha,
            beta,
            ln_c: c.ln(),
            d,
            f,
        }
    }

    /// The SET current at `ln N`.
    #[inline]
    pub(crate) fn current(&self, ln_n: f64) -> f64 {
        let cn_d = (self.d * (self.ln_c - ln_n)).exp();
        -self.alpha - self.beta * (-self.f * cn_d.ln_1p()).exp()
    }
}

/// SET current (negative for negative `v`), in amperes.
pub fn current_set(p: &DeviceParams, v: f64, n: f64) -> f64 {
    SetFit::new(p, v).current(n.ln())
}

/// The cell current at amplitude `v`: the SET branch for `v < 0`, the read/RESET branch otherwise.
pub fn current(p: &DeviceParams, v: f64, n: f64) -> f64 {
    if v < 0.0 {
        current_set(p, v, n)
    } else {
        current_reset(p, v, n)
    }
}

/// Read conductance in microsiemens of a cell in state `n`, read at 0.2 V.
pub fn conductance_us(n: f64) -> f64 {
    conductance_at_us(n, READ_VOLTAGE_V)
}

/// Read conductance in microsiemens at read voltage `v_read` (> 0): `I(v_read, N) / v_read`.
/// Uses the nominal fit parameters (the read current does not vary between cells in this model).
pub fn conductance_at_us(n: f64, v_read: f64) -> f64 {
    const P: DeviceParams = DeviceParams::nominal();
    current_reset(&P, v_read, n) / v_read * 1e6
}

/// The conductance range (microsiemens) of the state window at the 0.2 V read.
pub fn window_conductance_us() -> (f64, f64) {
    (conductance_us(N_WINDOW_MIN), conductance_us(N_WINDOW_MAX))
}

/// The state that reads `g_us` microsiemens at 0.2 V (inverting the read equation in closed form).
///
/// # Errors
/// [`DeviceError::ConductanceOutOfRange`] if `g_us` is outside the window's conductance range
/// (a relative slack of 1e-9 is allowed and clamped to the window).
pub fn n_from_conductance_us(g_us: f64) -> Result<f64, DeviceError> {
    n_from_conductance_at_us(g_us, READ_VOLTAGE_V)
}

/// As [`n_from_conductance_us`], at read voltage `v_read`.
///
/// # Errors
/// [`DeviceError::ConductanceOutOfRange`] if `g_us` is outside the window's conductance range.
pub fn n_from_conductance_at_us(g_us: f64, v_read: f64) -> Result<f64, DeviceError> {
    const P: DeviceParams = DeviceParams::nominal();
    let lo = conductance_at_us(N_WINDOW_MIN, v_read);
    let hi = conductance_at_us(N_WINDOW_MAX, v_read);
    let slack = 1e-9 * hi;
    if !g_us.is_finite() || g_us < lo - slack || g_us > hi + slack {
        return Err(DeviceError::ConductanceOutOfRange {
            g_us,
            min_us: lo,
            max_us: hi,
        });
    }
    if g_us <= lo {
        return Ok(N_WINDOW_MIN);
    }
    if g_us >= hi {
        return Ok(N_WINDOW_MAX);
    }
    // I = g / (1 + h u^-j0)^(1/k0), u = N / Ndiscmin  =>  u = (((g/I)^k0 - 1) / h)^(-1/j0).
    let i = g_us * 1e-6 * v_read;
    let base = ((g_of(&P, v_read) / i).powf(P.k0) - 1.0) / h_of(&P, v_read);
    let n = NDISCMIN_CURRENT * base.powf(-1.0 / P.j0);
    Ok(n.clamp(N_WINDOW_MIN, N_WINDOW_MAX))
}

/// Everything of one pulse that does not depend on `N`: the amplitude and the cell's parameters
/// are fixed during a pulse, so `dN/dt` is a function of `N` alone.
#[derive(Debug, Clone, Copy)]
pub struct PulseModel {
    /// Amplitude in volts (negative: SET branch).
    pub volts: f64,
    set: bool,
    set_fit: SetFit,
    g_v: f64,
    h_v: f64,
    inv_k0: f64,
    j0: f64,
    ln_ndiscmin_current: f64,
    r_series: f64,
    k_line: f64,
    /// `a / (pi dWA e mu_n 1e26 A)`: gamma = this * I / N (SET).
    gamma_set: f64,
    /// `z a / (pi dWA l_cell)`: gamma = this * V' (RESET).
    gamma_reset: f64,
    /// Thermal factor: T = t0 + I V' * rth.
    rth: f64,
    t0: f64,
    dwa: f64,
    /// `a nu0 / l_disc / 2` (c_vo = (Nplug + N)/2 folded in).
    rate: f64,
    nplug: f64,
    /// Cell's own `Ndiscmax` and `Ndiscmin` (for F_lim).
    pub ndiscmax: f64,
    /// See `ndiscmax`.
    pub ndiscmin: f64,
}

impl PulseModel {
    /// Precompute the voltage- and parameter-dependent factors of `dN/dt`.
    pub fn new(p: &DeviceParams, volts: f64) -> Self {
        let set = volts < 0.0;
        let area = p.area();
        let a0 = std::f64::consts::PI * R_DISC_NOMINAL * R_DISC_NOMINAL;
        let rth = if set {
            p.rth0 * a0 / area
        } else {
            p.rtheff_scaling * p.rth0 * a0 / area
        };
        Self {
            volts,
            set,
            set_fit: if set {
                SetFit::new(p, volts)
            } else {
                SetFit {
                    alpha: 0.0,
                    beta: 0.0,
                    ln_c: 0.0,
                    d: 0.0,
                    f: 0.0,
                }
            },
            g_v: g_of(p, volts),
            h_v: h_of(p, volts),
            inv_k0: 1.0 / p.k0,
            j0: p.j0,
            ln_ndiscmin_current: NDISCMIN_CURRENT.ln(),
            r_series: p.r_tiox + p.r0,
            k_line: p.r0 * p.r0 * p.alpha_line * p.rthline,
            gamma_set: p.a / (std::f64::consts::PI * p.dwa * E_CHARGE * p.mu_n * 1e26 * area),
            gamma_reset: Z_VO * p.a / (std::f64::consts::PI * p.dwa * p.l_cell),
            rth,
            t0: p.t0,
            dwa: p.dwa,
            rate: p.a * p.nu0 / p.l_disc * 0.5,
            nplug: p.nplug,
            ndiscmax: p.ndiscmax,
            ndiscmin: p.ndiscmin,
        }
    }

    /// True for the SET branch (negative amplitude).
    pub fn is_set(&self) -> bool {
        self.set
    }

    /// The current (A) at state `n` with `ln_n = ln(n)`.
    #[inline]
    pub fn current(&self, ln_n: f64) -> f64 {
        if self.set {
            self.set_fit.current(ln_n)
        } else {
            let ratio = (-self.j0 * (ln_n - self.ln_ndiscmin_current)).exp();
            self.g_v * (-self.inv_k0 * (self.h_v * ratio).ln_1p()).exp()
        }
    }

    /// `dN/dt` without the `F_lim` factor, at state `n` (`ln_n = ln n`). Positive for SET,
    /// negative for RESET.
    #[inline]
    pub fn rate_without_flim(&self, n: f64, ln_n: f64) -> f64 {
        let i = self.current(ln_n);
        let v_eff = self.volts - i * (self.r_series + self.k_line * i * i);
        let gamma = if self.set {
            self.gamma_set * i / n
        } else {
            self.gamma_reset * v_eff
        };
        // Keep asin in its domain; |gamma| stays below 0.3 over the trusted amplitude range.
        let gamma = gamma.clamp(-1.0, 1.0);
        let temp = self.t0 + i * v_eff * self.rth;
        let inv_kt = 1.0 / (KB_OVER_E * temp);
        let base = (1.0 - gamma * gamma).sqrt() + gamma * gamma.asin();
        let half = gamma * std::f64::consts::FRAC_PI_2;
        let bracket =
            (-self.dwa * (base - half) * inv_kt).exp() - (-self.dwa * (base + half) * inv_kt).exp();
        -(self.nplug + n) * self.rate * bracket
    }

    /// `F_lim` at state `n`: `1 - (N/Ndiscmax)^10` for SET, `1 - (Ndiscmin/N)^10` for RESET.
    #[inline]
    pub fn flim(&self, n: f64) -> f64 {
        if self.set {
            1.0 - (n / self.ndiscmax).powi(10)
        } else {
            1.0 - (self.ndiscmin / n).powi(10)
        }
    }

    /// `dN/dt` at state `n`, in (1e26 m^-3)/s.
    #[inline]
    pub fn dn_dt(&self, n: f64) -> f64 {
        self.flim(n) * self.rate_without_flim(n, n.ln())
    }
}

/// `dN/dt` of a cell with parameters `params` at state `n` under amplitude `volts`, in
/// (1e26 m^-3)/s. Positive for SET (`volts < 0`), negative for RESET.
pub fn dn_dt(params: &DeviceParams, n: f64, volts: f64) -> f64 {
    PulseModel::new(params, volts).dn_dt(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    #[test]
    fn signs_of_currents_and_rates() {
        let p = DeviceParams::nominal();
        assert!(current(&p, SET_AMPLITUDE_V, 0.4) < 0.0);
        assert!(current(&p, RESET_AMPLITUDE_V, 0.4) > 0.0);
        for n in [0.06, 0.4, 1.0, 1.98975] {
            assert!(dn_dt(&p, n, SET_AMPLITUDE_V) > 0.0);
            assert!(dn_dt(&p, n, RESET_AMPLITUDE_V) < 0.0);
        }
    }

    #[test]
    fn pulse_model_matches_plain_formula() {
        let p = DeviceParams::nominal();
        let m = PulseModel::new(&p, SET_AMPLITUDE_V);
        // Independent straightforward evaluation of the SET branch at N = 0.4.
        let n: f64 = 0.4;
        let v = SET_AMPLITUDE_V;
        let i = current_set(&p, v, n);
        let vp = v - i * (p.r_tiox + p.r0 + p.r0 * p.r0 * p.alpha_line * p.rthline * i * i);
        let e_ion = i / (Z_VO * E_CHARGE * p.mu_n * 1e26 * p.area() * n);
        let t = p.t0 + i * vp * p.rth0;
        let gamma = Z_VO * p.a * e_ion / (std::f64::consts::PI * p.dwa);
        let s = (1.0 - gamma * gamma).sqrt() + gamma * gamma.asin();
        let wmin = p.dwa * (s - gamma * std::f64::consts::FRAC_PI_2);
        let wmax = p.dwa * (s + gamma * std::f64::consts::FRAC_PI_2);
        let kt = KB_OVER_E * t;
        let flim = 1.0 - (n / p.ndiscmax).powi(10);
        let expect = -((p.nplug + n) / 2.0 * p.a * p.nu0 * flim / p.l_disc)
            * ((-wmin / kt).exp() - (-wmax / kt).exp());
        assert!(
            rel(m.dn_dt(n), expect) < 1e-12,
            "{} vs {}",
            m.dn_dt(n),
            expect
        );
    }

    #[test]
    fn inversion_round_trip() {
        for k in 0..=200 {
            let n = N_WINDOW_MIN + (N_WINDOW_MAX - N_WINDOW_MIN) * f64::from(k) / 200.0;
            let g = conductance_us(n);
            let back = n_from_conductance_us(g).unwrap();
            assert!(rel(back, n) < 1e-10, "{n} -> {g} -> {back}");
        }
        let (lo, hi) = window_conductance_us();
        assert!(n_from_conductance_us(lo * 0.99).is_err());
        assert!(n_from_conductance_us(hi * 1.01).is_err());
        assert!(n_from_conductance_us(f64::NAN).is_err());
        assert_eq!(n_from_conductance_us(lo).unwrap(), N_WINDOW_MIN);
        assert_eq!(n_from_conductance_us(hi).unwrap(), N_WINDOW_MAX);
    }
}
