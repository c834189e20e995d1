//! Where a recorded pulse or a programming run starts: one ageing-and-start routine shared by
//! characterization and evaluation.
//!
//! A random pulse history leaves almost every cell near an end of the window (the response is
//! S-shaped: a cell crosses the middle quickly and lingers at the ends). So a run first ages each
//! cell with random pulses (its parameters walk, cycle to cycle) and then, by default, places
//! it at a state drawn uniformly in conductance over the window, as a board would after
//! programming the cell there ([`Start::Uniform`]). [`Start::Walk`] keeps the plain random walk.

use rand::Rng;

use super::cell::{cell_seed, Cell};
use super::config::DeviceConfig;
use super::DeviceError;

/// Where each recorded pulse (characterization) or each programming (evaluation) starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Start {
    /// A state drawn uniformly in conductance over the window; the cell's parameters keep
    /// walking. Covers the whole window evenly: the default.
    #[default]
    Uniform,
    /// Where the previous pulse left the cell (a plain random walk).
    Walk,
}

impl Start {
    /// Lower-case name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Uniform => "uniform",
            Self::Walk => "walk",
        }
    }

    /// Put `cell` where the next pulse starts: for [`Start::Uniform`] one draw from `rng` picks
    /// a conductance uniformly over the device window; [`Start::Walk`] draws nothing and leaves
    /// the cell where it is.
    ///
    /// # Errors
    /// [`DeviceError::ConductanceOutOfRange`] only if the device's window and the cell's read
    /// disagree (they share the configuration's read voltage, so they do not).
    pub fn place<R: Rng + ?Sized>(
        self,
        device: &DeviceConfig,
        cell: &mut Cell,
        rng: &mut R,
    ) -> Result<(), DeviceError> {
        if self == Self::Uniform {
            let (lo, hi) = device.window_us();
            let g = lo + (hi - lo) * rng.random::<f64>();
            cell.set_conductance_us(g.clamp(lo, hi))?;
        }
        Ok(())
    }
}

/// Cell `index` of a population seeded with `seed`, aged by `age_pulses` random pulses drawn
/// from `rng` (the run's own stream for that cell, independent of the cell's parameter stream).
pub fn aged_cell<R: Rng + ?Sized>(
    device: &DeviceConfig,
    seed: u64,
    index: usize,
    age_pulses: usize,
    rng: &mut R,
) -> Cell {
    let mut cell = Cell::new(device, cell_seed(seed, index as u64));
    cell.age(age_pulses, rng);
    cell
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn uniform_start_covers_the_window_and_walk_draws_nothing() {
        let device = DeviceConfig::preset("realistic");
        let (lo, hi) = device.window_us();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut cell = aged_cell(&device, 1, 0, 20, &mut rng);
        let mut seen = [false; 4];
        for _ in 0..400 {
            Start::Uniform.place(&device, &mut cell, &mut rng).unwrap();
            let g = cell.conductance_us();
            assert!((lo - 1e-6..=hi + 1e-6).contains(&g), "{g}");
            seen[(((g - lo) / (hi - lo) * 4.0) as usize).min(3)] = true;
        }
        assert_eq!(seen, [true; 4], "every quarter of the window is reached");
        let before = (cell.conductance_us(), rng.clone());
        Start::Walk.place(&device, &mut cell, &mut rng).unwrap();
        assert_eq!(cell.conductance_us(), before.0);
        assert_eq!(rng, before.1, "walk draws nothing");
    }
}
