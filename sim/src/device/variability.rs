//! Variability: the authors' "realistic mixed" configuration (docs/DEVICE.md, "Variability").
//!
//! - Device-to-device, drawn once per cell: `x * (1 + sigma * xi)`, `xi` standard normal, then
//!   hard-clipped to fixed ranges (so about 46 % of cells sit on each bound of `l_disc`, `r_disc` and
//!   `Ndiscmax`). Draw order: `Ndiscmax`, `Ndiscmin`, `l_disc`, `r_disc`.
//! - Cycle-to-cycle, applied **after** every pulse (never to the pulse that causes it), with
//!   independent `U` uniform on `[-1, 1)`, clipped relative to the cell's own drawn values. Draw
//!   order: `U` for `Ndiscmax`, `U` for `Ndiscmin`, `U1, U2` for `l_disc`, `U1, U2` for `r_disc`.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::integrate::PulseOutcome;
use super::jart::DeviceParams;

/// Device-to-device spread. Ranges are inclusive `[low, high]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct D2dModel {
    /// Relative standard deviation of the normal draw `x * (1 + sigma * xi)`.
    pub sigma: f64,
    /// Clip range of `Ndiscmax`.
    pub ndiscmax: [f64; 2],
    /// Clip range of `Ndiscmin`.
    pub ndiscmin: [f64; 2],
    /// Clip range of `l_disc`, nanometres.
    pub l_disc_nm: [f64; 2],
    /// Clip range of `r_disc`, nanometres (on the radius).
    pub r_disc_nm: [f64; 2],
}

impl Default for D2dModel {
    fn default() -> Self {
        Self {
            sigma: 1.0,
            ndiscmax: [18.0, 22.0],
            ndiscmin: [0.004, 0.016],
            l_disc_nm: [0.36, 0.44],
            r_disc_nm: [40.5, 49.5],
        }
    }
}

/// Cycle-to-cycle walk. Clip ranges are factors of the cell's own drawn value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct C2cModel {
    /// `Ndiscmax <- Ndiscmax * (1 + ndiscmax_step * U)`.
    pub ndiscmax_step: f64,
    /// Clip of `Ndiscmax`, as factors of the drawn value.
    pub ndiscmax_clip: [f64; 2],
    /// `Ndiscmin <- Ndiscmin * (1 + ndiscmin_step * U)`.
    pub ndiscmin_step: f64,
    /// Clip of `Ndiscmin`, as factors of the drawn value.
    pub ndiscmin_clip: [f64; 2],
    /// `x <- x * (1 + geometry_step * U1 + geometry_ratio_step * ratio * U2)` for `l_disc` and
    /// `r_disc`.
    pub geometry_step: f64,
    /// See `geometry_step`.
    pub geometry_ratio_step: f64,
    /// Clip of `l_disc` and of the disc **area** `pi r_disc^2`, as factors of the drawn value.
    pub geometry_clip: [f64; 2],
}

impl Default for C2cModel {
    fn default() -> Self {
        Self {
            ndiscmax_step: 0.1,
            ndiscmax_clip: [0.9, 1.1],
            ndiscmin_step: 0.9,
            ndiscmin_clip: [0.1, 1.9],
            geometry_step: 0.01,
            geometry_ratio_step: 0.1,
            geometry_clip: [0.9, 1.1],
        }
    }
}

/// A uniform draw on `[-1, 1)`.
fn uniform_pm1<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    2.0 * rng.random::<f64>() - 1.0
}

impl D2dModel {
    /// Draw one cell's parameters from `nominal` (four standard normals from `rng`).
    pub fn draw<R: Rng + ?Sized>(&self, nominal: &DeviceParams, rng: &mut R) -> DeviceParams {
        let mut draw = |x: f64, range: [f64; 2]| -> f64 {
            let xi: f64 = StandardNormal.sample(rng);
            (x * (1.0 + self.sigma * xi)).clamp(range[0], range[1])
        };
        let mut p = *nominal;
        p.ndiscmax = draw(nominal.ndiscmax, self.ndiscmax);
        p.ndiscmin = draw(nominal.ndiscmin, self.ndiscmin);
        p.l_disc = draw(nominal.l_disc, self.l_disc_nm.map(|x| x * 1e-9));
        p.r_disc = draw(nominal.r_disc, self.r_disc_nm.map(|x| x * 1e-9));
        p
    }
}

impl C2cModel {
    /// The `ratio` of the geometry walk after `outcome` (a pulse at `volts` on a cell whose
    /// parameters during the pulse were `present`): `dN / (Ndiscmax - N_before)` for SET,
    /// `dN / (N_before - Ndiscmin)` for RESET, `dN` signed, from the unclamped end state.
    pub fn ratio(present: &DeviceParams, outcome: &PulseOutcome, volts: f64) -> f64 {
        let dn = outcome.n_unclamped - outcome.n_before;
        let span = if volts < 0.0 {
            present.ndiscmax - outcome.n_before
        } else {
            outcome.n_before - present.ndiscmin
        };
        if span > 0.0 {
            dn / span
        } else {
            0.0
        }
    }

    /// Walk `present` after a pulse (six uniform draws from `rng`), clipped relative to `drawn`.
    pub fn walk<R: Rng + ?Sized>(
        &self,
        present: &mut DeviceParams,
        drawn: &DeviceParams,
        outcome: &PulseOutcome,
        volts: f64,
        rng: &mut R,
    ) {
        let ratio = Self::ratio(present, outcome, volts);
        let clip = |x: f64, drawn: f64, c: [f64; 2]| x.clamp(c[0] * drawn, c[1] * drawn);
        let u = uniform_pm1(rng);
        present.ndiscmax = clip(
            present.ndiscmax * (1.0 + self.ndiscmax_step * u),
            drawn.ndiscmax,
            self.ndiscmax_clip,
        );
        let u = uniform_pm1(rng);
        present.ndiscmin = clip(
            present.ndiscmin * (1.0 + self.ndiscmin_step * u),
            drawn.ndiscmin,
            self.ndiscmin_clip,
        );
        let (u1, u2) = (uniform_pm1(rng), uniform_pm1(rng));
        let factor = 1.0 + self.geometry_step * u1 + self.geometry_ratio_step * ratio * u2;
        present.l_disc = clip(present.l_disc * factor, drawn.l_disc, self.geometry_clip);
        let (u1, u2) = (uniform_pm1(rng), uniform_pm1(rng));
        let factor = 1.0 + self.geometry_step * u1 + self.geometry_ratio_step * ratio * u2;
        let r = present.r_disc * factor;
        // Clip the area pi r^2 to [lo, hi] x the drawn area.
        let area_factor =
            ((r / drawn.r_disc).powi(2)).clamp(self.geometry_clip[0], self.geometry_clip[1]);
        present.r_disc = drawn.r_disc * area_factor.sqrt();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn d2d_pile_up_on_bounds() {
        let model = D2dModel::default();
        let nominal = DeviceParams::nominal();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 20_000;
        let (mut lo, mut hi, mut rlo, mut rhi, mut mlo) = (0, 0, 0, 0, 0);
        for _ in 0..n {
            let p = model.draw(&nominal, &mut rng);
            assert!((18.0..=22.0).contains(&p.ndiscmax));
            assert!((0.004..=0.016).contains(&p.ndiscmin));
            let (l0, l1) = (0.36 * 1e-9, 0.44 * 1e-9);
            let (r0, r1) = (40.5 * 1e-9, 49.5 * 1e-9);
            assert!((l0..=l1).contains(&p.l_disc));
            assert!((r0..=r1).contains(&p.r_disc));
            lo += usize::from(p.l_disc == l0);
            hi += usize::from(p.l_disc == l1);
            rlo += usize::from(p.r_disc == r0);
            rhi += usize::from(p.r_disc == r1);
            mlo += usize::from(p.ndiscmax == 18.0);
        }
        // P(xi < -0.1) = 0.4602.
        for count in [lo, hi, rlo, rhi, mlo] {
            let frac = count as f64 / n as f64;
            assert!((frac - 0.46).abs() < 0.015, "{frac}");
        }
    }

    #[test]
    fn c2c_stays_in_clips() {
        let model = C2cModel::default();
        let drawn = DeviceParams::nominal();
        let mut present = drawn;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        for k in 0..10_000 {
            let set = k % 2 == 0;
            let outcome = PulseOutcome {
                n_before: 0.5,
                n_unclamped: if set { 1.5 } else { 0.05 },
                n_after: 0.5,
                clamped: false,
                blocked: false,
            };
            model.walk(
                &mut present,
                &drawn,
                &outcome,
                if set { -0.342 } else { 0.7065 },
                &mut rng,
            );
            assert!(
                present.ndiscmax >= 0.9 * 20.0 - 1e-12 && present.ndiscmax <= 1.1 * 20.0 + 1e-12
            );
            assert!(
                present.ndiscmin >= 0.1 * 0.008 - 1e-15 && present.ndiscmin <= 1.9 * 0.008 + 1e-15
            );
            assert!(present.l_disc >= 0.9 * 0.4e-9 * (1.0 - 1e-12));
            assert!(present.l_disc <= 1.1 * 0.4e-9 * (1.0 + 1e-12));
            let af = present.area() / drawn.area();
            assert!((0.9 - 1e-12..=1.1 + 1e-12).contains(&af), "{af}");
        }
    }

    #[test]
    fn ratio_signs() {
        let p = DeviceParams::nominal();
        let o = PulseOutcome {
            n_before: 1.0,
            n_unclamped: 2.9,
            n_after: 1.98975,
            clamped: true,
            blocked: false,
        };
        assert!((C2cModel::ratio(&p, &o, -0.342) - 1.9 / 19.0).abs() < 1e-15);
        let o = PulseOutcome {
            n_before: 1.0,
            n_unclamped: 0.5,
            n_after: 0.5,
            clamped: false,
            blocked: false,
        };
        assert!((C2cModel::ratio(&p, &o, 0.7065) - (-0.5 / 0.992)).abs() < 1e-15);
    }
}
