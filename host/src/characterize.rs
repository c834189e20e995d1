//! Characterization: random pulses on aged cells, recorded as `(g_before, polarity, width,
//! g_after)` rows -- the training data of the predictor.

use crate::HostError;
use ouro_core::dataset::Row;
use ouro_core::progress::Progress;
use ouro_core::Polarity;
use ouro_sim::device::{aged_cell, cell_seed, DeviceConfig, Start};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

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
    /// When set, keep at most this many rows per (polarity, reading-before bin, reading-after
    /// bin), [`BALANCE_BINS`] bins over the window each, in cell order: a design that covers
    /// every move evenly instead of following the (very uneven) distribution of random pulses.
    pub balance: Option<usize>,
}

/// Most cells one characterization numbers (the CSV's cell column is 32-bit).
pub const MAX_CELLS: usize = 1 << 32;

/// Most recorded pulses per cell ([`CharacterizeConfig::pulses_per_cell`]): more cells, not
/// longer walks, give more rows.
pub const MAX_PULSES_PER_CELL: usize = 1_000_000;

/// Most unrecorded ageing pulses per cell, here and in an evaluation (about 4 s of simulation
/// per cell at the limit).
pub const MAX_AGE_PULSES: usize = 1_000_000;

/// Bins per axis of [`CharacterizeConfig::balance`].
pub const BALANCE_BINS: usize = 20;

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
            balance: None,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), HostError> {
        if self.cells == 0 || self.pulses_per_cell == 0 {
            return Err(HostError::Setting(
                "--cells and --pulses-per-cell must be at least 1".into(),
            ));
        }
        if self.cells > MAX_CELLS {
            return Err(HostError::Setting(format!(
                "--cells {} is more than {MAX_CELLS}: cell numbers are 32-bit in the CSV; \
                 characterize fewer cells (or several runs with other seeds)",
                self.cells
            )));
        }
        if self.pulses_per_cell > MAX_PULSES_PER_CELL {
            return Err(HostError::Setting(format!(
                "--pulses-per-cell {} is more than {MAX_PULSES_PER_CELL}: record fewer pulses \
                 per cell and characterize more cells",
                self.pulses_per_cell
            )));
        }
        if self.age_pulses > MAX_AGE_PULSES {
            return Err(HostError::Setting(format!(
                "--age-pulses {} is more than {MAX_AGE_PULSES}: age each cell with fewer pulses",
                self.age_pulses
            )));
        }
        if self.balance == Some(0) {
            return Err(HostError::Setting(
                "--balance must be at least 1 row per bin".into(),
            ));
        }
        if !(self.min_width_s > 0.0 && self.min_width_s <= self.max_width_s) {
            return Err(HostError::Setting(format!(
                "width range {}..{} is empty: --min-width must not exceed --max-width",
                ouro_core::units::format_duration(self.min_width_s),
                ouro_core::units::format_duration(self.max_width_s)
            )));
        }
        // Ten times the longest pulse any board here gives (10.9 ms): a wider range only
        // records cells driven to an end of the window.
        if self.max_width_s > MAX_WIDTH_S {
            return Err(HostError::Setting(format!(
                "--max-width {} is longer than {}: give at most {}",
                ouro_core::units::format_duration(self.max_width_s),
                ouro_core::units::format_duration(MAX_WIDTH_S),
                ouro_core::units::format_duration(MAX_WIDTH_S)
            )));
        }
        Ok(())
    }
}

/// The longest pulse `--max-width` takes, seconds.
pub const MAX_WIDTH_S: f64 = 0.1;

/// Stream of the characterization's pulses for cell `i`, independent of the cell's own.
pub(crate) fn pulse_rng(seed: u64, i: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(cell_seed(seed ^ 0xC4A2_AC7E_0000_0000, i as u64))
}

/// Characterize `cfg.cells` cells of `device`: rows in cell order, deterministic for a seed.
pub fn run(
    device: &DeviceConfig,
    cfg: &CharacterizeConfig,
    progress: Option<&dyn Progress>,
) -> Result<Vec<Row>, HostError> {
    let mut rows = Vec::new();
    run_into(device, cfg, progress, &mut |r| {
        rows.push(r);
        Ok(())
    })?;
    Ok(rows)
}

/// Characterize as [`run`] does, handing each kept row to `sink` in cell order instead of
/// collecting them: memory stays bounded (a chunk of cells at a time) however many rows the
/// run makes. Returns the number of rows kept.
pub fn run_into(
    device: &DeviceConfig,
    cfg: &CharacterizeConfig,
    progress: Option<&dyn Progress>,
    sink: &mut dyn FnMut(Row) -> Result<(), HostError>,
) -> Result<u64, HostError> {
    run_chunked(device, cfg, progress, sink, CHUNK_ROWS)
}

/// [`run_into`] holding at most about `chunk_rows` rows at a time.
fn run_chunked(
    device: &DeviceConfig,
    cfg: &CharacterizeConfig,
    progress: Option<&dyn Progress>,
    sink: &mut dyn FnMut(Row) -> Result<(), HostError>,
    chunk_rows: usize,
) -> Result<u64, HostError> {
    cfg.validate()?;
    let (lo, hi) = (cfg.min_width_s.ln(), cfg.max_width_s.ln());
    let (glo, ghi) = device.window_us();
    let one_cell =
        |i: usize, emit: &mut dyn FnMut(Row) -> Result<(), HostError>| -> Result<(), HostError> {
            let mut rng = pulse_rng(cfg.seed, i);
            let mut cell = aged_cell(device, cfg.seed, i, cfg.age_pulses, &mut rng);
            for _ in 0..cfg.pulses_per_cell {
                cfg.start.place(device, &mut cell, &mut rng)?;
                let polarity = if rng.random::<bool>() {
                    Polarity::Set
                } else {
                    Polarity::Reset
                };
                let width_s = (lo + (hi - lo) * rng.random::<f64>()).exp();
                let r = cell.apply_pulse(polarity, width_s);
                emit(Row {
                    cell: i as u32,
                    g_before_us: r.g_before_us,
                    polarity,
                    width_ns: width_s * 1e9,
                    g_after_us: r.g_after_us,
                })?;
            }
            if let Some(pb) = progress {
                pb.advance(1);
            }
            Ok(())
        };
    // Balanced: filter in cell order, so that the result is the same whatever the chunks.
    let mut counts = vec![0usize; 2 * BALANCE_BINS * BALANCE_BINS];
    let mut kept = 0u64;
    let mut keep = |r: Row| -> Result<(), HostError> {
        if let Some(cap) = cfg.balance {
            if !keep_balanced(&r, cap, &mut counts, (glo, ghi)) {
                return Ok(());
            }
        }
        kept += 1;
        sink(r)
    };
    cells_in_order(
        cfg.cells,
        cfg.pulses_per_cell,
        chunk_rows,
        BALANCE_CHUNK,
        &one_cell,
        &mut keep,
    )?;
    Ok(kept)
}

/// Simulates one cell (by index), handing its rows to the sink it is given.
pub(crate) type CellFn<'f, T> =
    dyn Fn(usize, &mut dyn FnMut(T) -> Result<(), HostError>) -> Result<(), HostError> + Sync + 'f;

/// Simulate cells `0..cells` (`rows_per_cell` rows each) and hand their rows to `keep` in cell
/// order: in parallel chunks of at most about `chunk_rows` rows (and at most `max_chunk`
/// cells), or one cell at a time when a cell makes more rows than a chunk holds. The rows and
/// their order do not depend on the chunks or the threads.
pub(crate) fn cells_in_order<T: Send>(
    cells: usize,
    rows_per_cell: usize,
    chunk_rows: usize,
    max_chunk: usize,
    one_cell: &CellFn<'_, T>,
    keep: &mut dyn FnMut(T) -> Result<(), HostError>,
) -> Result<(), HostError> {
    if rows_per_cell > chunk_rows {
        for i in 0..cells {
            one_cell(i, keep)?;
        }
        return Ok(());
    }
    let chunk = (chunk_rows / rows_per_cell).clamp(1, max_chunk);
    for start in (0..cells).step_by(chunk) {
        let end = (start + chunk).min(cells);
        let per_cell: Vec<Vec<T>> = (start..end)
            .into_par_iter()
            .map(|i| {
                let mut rows = Vec::with_capacity(rows_per_cell);
                one_cell(i, &mut |r| {
                    rows.push(r);
                    Ok(())
                })?;
                Ok(rows)
            })
            .collect::<Result<_, HostError>>()?;
        for r in per_cell.into_iter().flatten() {
            keep(r)?;
        }
    }
    Ok(())
}

/// Most rows simulated before they are handed on (32 bytes each).
pub(crate) const CHUNK_ROWS: usize = 1 << 20;

/// Cells simulated at a time by a balanced characterization.
pub(crate) const BALANCE_CHUNK: usize = 10_000;

/// Whether to keep `r`: its (polarity, before-bin, after-bin) has been seen at most `cap`
/// times, counting in `counts`.
fn keep_balanced(r: &Row, cap: usize, counts: &mut [usize], (glo, ghi): (f64, f64)) -> bool {
    let bin = |g: f64| {
        (((g - glo) / (ghi - glo) * BALANCE_BINS as f64).max(0.0) as usize).min(BALANCE_BINS - 1)
    };
    let p = usize::from(r.polarity == Polarity::Reset);
    let k = (p * BALANCE_BINS + bin(r.g_before_us)) * BALANCE_BINS + bin(r.g_after_us);
    counts[k] += 1;
    counts[k] <= cap
}

/// Keep the rows whose (polarity, before-bin, after-bin) has been seen at most `cap` times,
/// counting in `counts`, in order.
#[cfg(test)]
fn balance(
    rows: impl Iterator<Item = Row>,
    cap: usize,
    counts: &mut [usize],
    window: (f64, f64),
) -> Vec<Row> {
    rows.filter(|r| keep_balanced(r, cap, counts, window))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balance_caps_every_bin_and_keeps_order() {
        let (glo, ghi) = ouro_sim::device::window_conductance_us();
        let d = DeviceConfig::preset("nominal");
        let all = run(&d, &CharacterizeConfig::new(200, 50, 3), None).unwrap();
        let cfg = CharacterizeConfig {
            balance: Some(3),
            ..CharacterizeConfig::new(200, 50, 3)
        };
        let kept = run(&d, &cfg, None).unwrap();
        assert!(
            kept.len() < all.len() / 2,
            "{} of {}",
            kept.len(),
            all.len()
        );
        let bin = |g: f64| ((g - glo) / (ghi - glo) * BALANCE_BINS as f64) as usize;
        let mut counts = std::collections::HashMap::new();
        for r in &kept {
            let n = counts
                .entry((
                    r.polarity,
                    bin(r.g_before_us).min(19),
                    bin(r.g_after_us).min(19),
                ))
                .or_insert(0);
            *n += 1;
            assert!(*n <= 3);
        }
        // A subsequence of the full run, in order.
        let mut it = all.iter();
        assert!(kept.iter().all(|k| it.any(|a| a == k)));
        // Deterministic.
        assert_eq!(kept, run(&d, &cfg, None).unwrap());
        // Across chunks, the same as filtering the whole run at once.
        let big = CharacterizeConfig {
            age_pulses: 0,
            ..CharacterizeConfig::new(BALANCE_CHUNK + 1500, 2, 4)
        };
        let all = run(&d, &big, None).unwrap();
        let mut counts = vec![0; 2 * BALANCE_BINS * BALANCE_BINS];
        let whole = balance(all.into_iter(), 5, &mut counts, (glo, ghi));
        let chunked = CharacterizeConfig {
            balance: Some(5),
            ..big
        };
        assert_eq!(run(&d, &chunked, None).unwrap(), whole);
        let zero = CharacterizeConfig {
            balance: Some(0),
            ..CharacterizeConfig::new(2, 2, 3)
        };
        // Streamed cell by cell (a cell makes more rows than a chunk holds), or in chunks of
        // any size: the same rows.
        for c in [cfg.clone(), CharacterizeConfig::new(30, 50, 3)] {
            let whole = run(&d, &c, None).unwrap();
            for chunk_rows in [7, 120, 1000] {
                let mut rows = Vec::new();
                let n = run_chunked(
                    &d,
                    &c,
                    None,
                    &mut |r| {
                        rows.push(r);
                        Ok(())
                    },
                    chunk_rows,
                )
                .unwrap();
                assert_eq!(n as usize, rows.len());
                assert_eq!(rows, whole, "chunks of {chunk_rows} rows");
            }
        }
        assert!(run(&d, &zero, None)
            .unwrap_err()
            .to_string()
            .contains("--balance"));
    }
}
