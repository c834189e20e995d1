//! Characterization: random pulses on aged cells, recorded as `(g_before, polarity, width,
//! g_after)` rows -- the training data of the predictor (DESIGN section 2, step 1).

use crate::dataset::Row;
use crate::error::CliError;
use ouro_core::Polarity;
use ouro_sim::device::{cell_seed, Cell, DeviceConfig};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Where each recorded pulse starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Start {
    /// Each pulse starts from a state drawn uniformly in conductance over the window (as if the
    /// board first programmed the cell there); the cell's parameters keep walking. Covers the
    /// whole window evenly: the default.
    Uniform,
    /// Each pulse starts where the previous one left the cell (a plain random walk). The S-shaped
    /// response then leaves almost every state near the two ends of the window.
    Walk,
}

/// What to characterize.
#[derive(Debug, Clone)]
pub struct CharacterizeConfig {
    /// Number of cells.
    pub cells: usize,
    /// Recorded pulses per cell.
    pub pulses_per_cell: usize,
    /// Seed of the cells and of the pulses.
    pub seed: u64,
    /// Shortest pulse, seconds.
    pub min_width_s: f64,
    /// Longest pulse, seconds.
    pub max_width_s: f64,
    /// Unrecorded random pulses applied first, so that cycle-to-cycle drift has acted.
    pub age_pulses: usize,
    /// Where each recorded pulse starts.
    pub start: Start,
}

impl CharacterizeConfig {
    /// Defaults: widths log-uniform over 10 ns to 10 ms, 20 ageing pulses.
    pub fn new(cells: usize, pulses_per_cell: usize, seed: u64) -> Self {
        Self {
            cells,
            pulses_per_cell,
            seed,
            min_width_s: 10e-9,
            max_width_s: 10e-3,
            age_pulses: 20,
            start: Start::Uniform,
        }
    }

    fn validate(&self) -> Result<(), CliError> {
        if self.cells == 0 || self.pulses_per_cell == 0 {
            return Err(CliError(
                "--cells and --pulses-per-cell must be at least 1".into(),
            ));
        }
        if !(self.min_width_s > 0.0 && self.min_width_s <= self.max_width_s) {
            return Err(CliError(format!(
                "width range {}..{} is empty: --min-width must not exceed --max-width",
                ouro_core::units::format_duration(self.min_width_s),
                ouro_core::units::format_duration(self.max_width_s)
            )));
        }
        Ok(())
    }
}

/// Stream of the characterization's pulses for cell `i`, independent of the cell's own.
fn pulse_rng(seed: u64, i: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(cell_seed(seed ^ 0xC4A2_AC7E_0000_0000, i as u64))
}

/// Characterize `cfg.cells` cells of `device`: rows in cell order, deterministic for a seed.
pub fn run(
    device: &DeviceConfig,
    cfg: &CharacterizeConfig,
    progress: Option<&indicatif::ProgressBar>,
) -> Result<Vec<Row>, CliError> {
    cfg.validate()?;
    let (lo, hi) = (cfg.min_width_s.ln(), cfg.max_width_s.ln());
    let (glo, ghi) = ouro_sim::device::window_conductance_us();
    let per_cell: Vec<Vec<Row>> = (0..cfg.cells)
        .into_par_iter()
        .map(|i| {
            let mut cell = Cell::new(device, cell_seed(cfg.seed, i as u64));
            let mut rng = pulse_rng(cfg.seed, i);
            cell.age(cfg.age_pulses, &mut rng);
            let rows = (0..cfg.pulses_per_cell)
                .map(|_| {
                    if cfg.start == Start::Uniform {
                        let g = glo + (ghi - glo) * rng.random::<f64>();
                        cell.set_conductance_us(g.clamp(glo, ghi))
                            .expect("inside the window");
                    }
                    let polarity = if rng.random::<bool>() {
                        Polarity::Set
                    } else {
                        Polarity::Reset
                    };
                    let width_s = (lo + (hi - lo) * rng.random::<f64>()).exp();
                    let r = cell.apply_pulse(polarity, width_s);
                    Row {
                        cell: i as u32,
                        g_before_us: r.g_before_us,
                        polarity,
                        width_ns: width_s * 1e9,
                        g_after_us: r.g_after_us,
                    }
                })
                .collect();
            if let Some(pb) = progress {
                pb.inc(1);
            }
            rows
        })
        .collect();
    Ok(per_cell.into_iter().flatten().collect())
}
