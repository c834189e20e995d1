//! Simulated cells and arrays of cells.
//!
//! A [`Cell`] holds its drawn (device-to-device) parameters, its present (cycle-to-cycle walked)
//! parameters, its state `N` and its own random stream (`Xoshiro256PlusPlus`), so a cell's
//! behaviour depends only on its seed and the pulses applied to it. A [`CellArray`] derives cell
//! `i`'s seed from `(seed, i)` with [`cell_seed`], so cell `i` does not depend on how many cells
//! the array has, and the same seed gives the same conductances bit for bit.

use ouro_core::Polarity;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::config::DeviceConfig;
use super::integrate::{apply_pulse, Integrator};
use super::jart::{conductance_at_us, n_from_conductance_at_us, DeviceParams, N_WINDOW_MIN};
use super::variability::C2cModel;
use super::DeviceError;

/// Shortest pulse of the random history of [`Cell::age`], seconds.
pub const AGE_MIN_WIDTH_S: f64 = 10e-9;
/// Longest pulse of the random history of [`Cell::age`], seconds.
pub const AGE_MAX_WIDTH_S: f64 = 1e-3;

/// One step of splitmix64.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of cell `index` of an array seeded with `seed` (splitmix64 of both).
pub fn cell_seed(seed: u64, index: u64) -> u64 {
    splitmix64(splitmix64(seed) ^ splitmix64(index.wrapping_add(0x6A09_E667_F3BC_C909)))
}

/// What one pulse did to a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PulseReport {
    /// Polarity of the pulse (from the sign of the amplitude).
    pub polarity: Polarity,
    /// Amplitude, volts.
    pub amplitude_v: f64,
    /// Duration, seconds.
    pub width_s: f64,
    /// Read conductance before the pulse, microsiemens.
    pub g_before_us: f64,
    /// Read conductance after the pulse, microsiemens.
    pub g_after_us: f64,
    /// State before the pulse.
    pub n_before: f64,
    /// End state of the integration, before clamping to the window.
    pub n_unclamped: f64,
    /// State after the pulse (clamped to the window).
    pub n_after: f64,
    /// The end state was clamped to a bound of the window.
    pub clamped: bool,
    /// The pulse started on the bound it pushes towards and did nothing.
    pub blocked: bool,
}

/// Per-cell copy of the configuration a cell needs.
#[derive(Debug, Clone, Copy, PartialEq)]
struct CellSettings {
    integrator: Integrator,
    set_v: f64,
    reset_v: f64,
    read_v: f64,
    c2c: Option<C2cModel>,
}

/// One simulated memristor cell.
#[derive(Debug, Clone)]
pub struct Cell {
    drawn: DeviceParams,
    present: DeviceParams,
    n: f64,
    rng: Xoshiro256PlusPlus,
    settings: CellSettings,
}

impl Cell {
    /// A new cell of `config`, its randomness seeded with `seed`. With `d2d` its parameters are
    /// drawn now (the first four normal draws of its stream). It starts at the low bound of the
    /// window (`N = 0.06`, about 94.45 uS).
    pub fn new(config: &DeviceConfig, seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let nominal = DeviceParams::nominal();
        let drawn = if config.d2d {
            config.d2d_model.draw(&nominal, &mut rng)
        } else {
            nominal
        };
        Self {
            drawn,
            present: drawn,
            n: N_WINDOW_MIN,
            rng,
            settings: CellSettings {
                integrator: config.integrator,
                set_v: config.set_amplitude_v,
                reset_v: config.reset_amplitude_v,
                read_v: config.read_voltage_v,
                c2c: config.c2c.then_some(config.c2c_model),
            },
        }
    }

    /// Present read conductance, microsiemens (noise-free).
    pub fn conductance_us(&self) -> f64 {
        conductance_at_us(self.n, self.settings.read_v)
    }

    /// Present state `N`.
    pub fn state(&self) -> f64 {
        self.n
    }

    /// Present parameters (after the cycle-to-cycle walk so far): what the next pulse will see.
    pub fn params(&self) -> &DeviceParams {
        &self.present
    }

    /// The parameters drawn at construction (device-to-device).
    pub fn drawn_params(&self) -> &DeviceParams {
        &self.drawn
    }

    /// The integrator this cell uses.
    pub fn integrator(&self) -> Integrator {
        self.settings.integrator
    }

    /// Use another integrator from now on.
    pub fn set_integrator(&mut self, integrator: Integrator) {
        self.settings.integrator = integrator;
    }

    /// The configured amplitude of `polarity`, volts.
    pub fn amplitude_v(&self, polarity: Polarity) -> f64 {
        match polarity {
            Polarity::Set => self.settings.set_v,
            Polarity::Reset => self.settings.reset_v,
        }
    }

    /// Apply a pulse of `polarity` at the configured amplitude for `width_s` seconds.
    pub fn apply_pulse(&mut self, polarity: Polarity, width_s: f64) -> PulseReport {
        self.apply_pulse_with_amplitude(self.amplitude_v(polarity), width_s)
    }

    /// Apply a pulse of `amplitude_v` volts (negative: SET) for `width_s` seconds. The state is
    /// clamped to the window after the pulse; then, with `c2c`, the parameters walk (the pulse
    /// itself used the parameters from before the walk).
    pub fn apply_pulse_with_amplitude(&mut self, amplitude_v: f64, width_s: f64) -> PulseReport {
        let g_before_us = self.conductance_us();
        let outcome = apply_pulse(
            self.settings.integrator,
            &self.present,
            self.n,
            amplitude_v,
            width_s,
        );
        self.n = outcome.n_after;
        if let Some(model) = &self.settings.c2c {
            model.walk(
                &mut self.present,
                &self.drawn,
                &outcome,
                amplitude_v,
                &mut self.rng,
            );
        }
        PulseReport {
            polarity: if amplitude_v < 0.0 {
                Polarity::Set
            } else {
                Polarity::Reset
            },
            amplitude_v,
            width_s,
            g_before_us,
            g_after_us: self.conductance_us(),
            n_before: outcome.n_before,
            n_unclamped: outcome.n_unclamped,
            n_after: outcome.n_after,
            clamped: outcome.clamped,
            blocked: outcome.blocked,
        }
    }

    /// Set the state so that the cell reads `g_us` microsiemens (inverting the read equation);
    /// parameters and random stream are untouched.
    ///
    /// # Errors
    /// [`DeviceError::ConductanceOutOfRange`] if `g_us` is outside the window.
    pub fn set_conductance_us(&mut self, g_us: f64) -> Result<(), DeviceError> {
        self.n = n_from_conductance_at_us(g_us, self.settings.read_v)?;
        Ok(())
    }

    /// Set the state `N` directly, clamped to the window.
    pub fn set_state(&mut self, n: f64) {
        self.n = n.clamp(N_WINDOW_MIN, super::jart::N_WINDOW_MAX);
    }

    /// Apply `pulses` random pulses (polarity 50/50, widths log-uniform on
    /// [`AGE_MIN_WIDTH_S`, `AGE_MAX_WIDTH_S`], configured amplitudes) drawn from `rng`, so that the
    /// cycle-to-cycle walk has acted: an "aged" cell in a random state.
    pub fn age<R: Rng + ?Sized>(&mut self, pulses: usize, rng: &mut R) {
        let (lo, hi) = (AGE_MIN_WIDTH_S.ln(), AGE_MAX_WIDTH_S.ln());
        for _ in 0..pulses {
            let polarity = if rng.random::<bool>() {
                Polarity::Set
            } else {
                Polarity::Reset
            };
            let width = (lo + (hi - lo) * rng.random::<f64>()).exp();
            self.apply_pulse(polarity, width);
        }
    }
}

/// An array of independent cells of one configuration.
#[derive(Debug, Clone)]
pub struct CellArray {
    cells: Vec<Cell>,
}

impl CellArray {
    /// `n_cells` cells of `config`; cell `i` is `Cell::new(config, cell_seed(seed, i))`.
    pub fn new(config: &DeviceConfig, n_cells: usize, seed: u64) -> Self {
        let cells = (0..n_cells)
            .map(|i| Cell::new(config, cell_seed(seed, i as u64)))
            .collect();
        Self { cells }
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// True if the array has no cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The cells.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The cells, mutably.
    pub fn cells_mut(&mut self) -> &mut [Cell] {
        &mut self.cells
    }

    /// Cell `i`.
    ///
    /// # Panics
    /// If `i` is out of range.
    pub fn cell(&self, i: usize) -> &Cell {
        &self.cells[i]
    }

    /// Cell `i`, mutably.
    ///
    /// # Panics
    /// If `i` is out of range.
    pub fn cell_mut(&mut self, i: usize) -> &mut Cell {
        &mut self.cells[i]
    }

    /// Present conductances of all cells, microsiemens.
    pub fn conductances_us(&self) -> Vec<f64> {
        self.cells.iter().map(Cell::conductance_us).collect()
    }

    /// Age every cell with `pulses` random pulses (see [`Cell::age`]), cell by cell in order,
    /// drawing the history from `rng`.
    pub fn age<R: Rng + ?Sized>(&mut self, pulses: usize, rng: &mut R) {
        for cell in &mut self.cells {
            cell.age(pulses, rng);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_on_bound() {
        let config = DeviceConfig::preset("nominal");
        let mut cell = Cell::new(&config, 1);
        let r = cell.apply_pulse(Polarity::Reset, 1e-6);
        assert!(r.blocked && !r.clamped);
        assert_eq!(r.g_after_us.to_bits(), r.g_before_us.to_bits());
        let r = cell.apply_pulse(Polarity::Set, 20e-3);
        assert!(r.clamped && !r.blocked);
        assert!(r.n_unclamped > r.n_after);
        let r = cell.apply_pulse(Polarity::Set, 1e-6);
        assert!(r.blocked);
    }

    #[test]
    fn seeds_are_independent_of_array_size() {
        let config = DeviceConfig::preset("realistic");
        let small = CellArray::new(&config, 3, 42);
        let big = CellArray::new(&config, 10, 42);
        for i in 0..3 {
            assert_eq!(small.cell(i).drawn_params(), big.cell(i).drawn_params());
        }
        assert_ne!(cell_seed(42, 0), cell_seed(42, 1));
        assert_ne!(cell_seed(42, 0), cell_seed(43, 0));
    }
}
