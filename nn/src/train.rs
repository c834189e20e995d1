//! Training the float pulse predictor: one small MLP per polarity that maps
//! `(g_now_us, g_target_us)` to log2 of the pulse duration in seconds (DESIGN section 6).
//!
//! The pipeline, per polarity (the two networks train in parallel with [`rayon::join`], each
//! on its own deterministic random stream):
//!
//! 1. **Filter** the characterization rows ([`filter_rows`]): keep only rows of that polarity
//!    whose conductance moved the right way by a non-zero amount and did not end on (or within
//!    [`TrainConfig::bound_margin`] of) the conductance window's bounds. A pulse that ran the cell
//!    into a bound lasted longer than needed to reach the reading it ended on, so its duration
//!    would teach the network too long a pulse for that change.
//! 2. **Split** the kept rows into training and validation sets with a seeded shuffle
//!    ([`TrainConfig::val_fraction`]). When the data holds at least [`MIN_CELLS_FOR_CELL_SPLIT`]
//!    distinct cells, whole cells are held out (so validation measures how the net does on cells
//!    it has never seen); otherwise rows are.
//! 3. **Normalise** each input and the output to zero mean and unit standard deviation over the
//!    training set; the statistics are stored in the [`MlpF`] so that [`MlpF::forward`] takes
//!    microsiemens and returns log2 seconds.
//! 4. **Fit** a dense network (ReLU hidden layers, linear output, He initialisation) by
//!    mini-batch **Adam** on the mean squared error of the normalised log2 duration
//!    (optionally weighted per row, [`TrainConfig::weight_floor`], by the row's relative change
//!    or by its sensitivity, [`Weighting`]), with a
//!    cosine learning-rate decay from [`TrainConfig::learning_rate`] to
//!    `learning_rate * final_lr_fraction` over the run. Each epoch visits the training rows in
//!    a fresh seeded order.
//!    With [`TrainConfig::input_knots`], each normalised input first passes through a learned
//!    piecewise-linear table (evenly spaced knots over the input's training range, starting as
//!    the identity), trained by the same Adam steps: it gives the network as many breakpoints
//!    along each input as it has knots, where a steep response (a SET out of the slow bottom
//!    of the window) needs a duration accurate to a fraction of a percent.
//! 5. **Keep the best epoch** (when [`TrainConfig::keep_best`] is set, the default): the
//!    returned weights are those of the epoch with the lowest validation MSE, a checkpoint in
//!    the style of early stopping (training still runs all epochs).
//!
//! The same rows, configuration and seed give bit-identical weights: all arithmetic is
//! sequential f64 (`ndarray`'s matrix products are single-threaded and deterministic) and the
//! only parallelism is the two independent networks.

use crate::NnError;
use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use ouro_core::dataset::Row;
use ouro_core::schema::{
    DenseF, Feature, InputTable, MlpF, PerPolarity, Predictor, TrainingInfo, PREDICTOR_FORMAT,
};
use ouro_core::Polarity;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::path::Path;

/// With at least this many distinct cells the validation set holds out whole cells.
pub const MIN_CELLS_FOR_CELL_SPLIT: usize = 10;

/// The quantity a row's loss weight is `max(quantity, weight_floor)^weight_power` of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weighting {
    /// The row's relative change `|g_after - g_before| / g_after`.
    Change,
    /// The row's sensitivity `d ln(g_after) / d log2(duration)`: how far a duration error of
    /// one unit of the network's output moves the cell's end point, relative to it. Estimated
    /// from the data alone: `ln 2 * duration * rate(g_after) / g_after`, with the switching
    /// rate at each conductance the median of the short moves (under 2 %) through it. A squared
    /// error weighted by its square is the squared relative error in conductance, which is what
    /// the `RPD_target` tolerance judges.
    Sensitivity,
}

/// Most knots of a learned input table ([`TrainConfig::input_knots`]).
pub const MAX_INPUT_KNOTS: usize = 1024;

/// Bins of the switching-rate estimate of [`Weighting::Sensitivity`] ([`rate_table`]).
pub const RATE_BINS: usize = 64;

/// Median switching rate (microsiemens per second) in each of [`RATE_BINS`] conductance bins,
/// from the rows that moved less than 2 %; empty bins take their nearest filled neighbour's.
/// `None` when no row qualifies.
pub fn rate_table(rows: &[Row], g_min: f64, g_max: f64) -> Option<Vec<f64>> {
    let mut bins: Vec<Vec<f64>> = vec![Vec::new(); RATE_BINS];
    for r in rows {
        let d = (r.g_after_us - r.g_before_us).abs();
        if d > 0.0 && d < 0.02 * r.g_before_us {
            let mid = 0.5 * (r.g_after_us + r.g_before_us);
            bins[rate_bin(mid, g_min, g_max)].push(d / (r.width_ns * 1e-9));
        }
    }
    let med: Vec<Option<f64>> = bins
        .into_iter()
        .map(|mut b| {
            (!b.is_empty()).then(|| {
                b.sort_by(f64::total_cmp);
                b[b.len() / 2]
            })
        })
        .collect();
    let filled: Vec<usize> = (0..RATE_BINS).filter(|&i| med[i].is_some()).collect();
    if filled.is_empty() {
        return None;
    }
    Some(
        (0..RATE_BINS)
            .map(|i| {
                let near = filled
                    .iter()
                    .min_by_key(|&&j| j.abs_diff(i))
                    .expect("non-empty");
                med[*near].expect("filled")
            })
            .collect(),
    )
}

fn rate_bin(g: f64, g_min: f64, g_max: f64) -> usize {
    (((g - g_min) / (g_max - g_min) * RATE_BINS as f64).max(0.0) as usize).min(RATE_BINS - 1)
}

/// Hyperparameters and data-cleaning parameters of [`train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training set (default 100).
    pub epochs: u32,
    /// Hidden layer sizes, each 1..=64 (default `[16, 16]`).
    pub hidden: Vec<usize>,
    /// Seed of every random choice: initial weights, split, batch order (default 0).
    pub seed: u64,
    /// Rows per Adam step (default 64: per-row cost dominates at these layer sizes, so smaller
    /// batches cost little time and fit better).
    pub batch_size: usize,
    /// Adam step size at the start of the run (default 1e-2; the cosine decay makes the large
    /// start safe).
    pub learning_rate: f64,
    /// The step size decays along a cosine to `learning_rate * final_lr_fraction` at the last
    /// step (default 0.01; 1.0 keeps it constant).
    pub final_lr_fraction: f64,
    /// Share of the kept rows (or cells) held out for validation, in (0, 0.5] (default 0.1).
    pub val_fraction: f64,
    /// Return the weights of the epoch with the lowest validation MSE instead of the last
    /// epoch's (default true).
    pub keep_best: bool,
    /// Lower bound of the conductance window, microsiemens (default: the device model's).
    pub g_min_us: f64,
    /// Upper bound of the conductance window, microsiemens (default: the device model's).
    pub g_max_us: f64,
    /// Rows whose reading after the pulse lies within this relative margin of a window bound are
    /// dropped (default 2e-4, i.e. 0.02 %).
    pub bound_margin: f64,
    /// Each row's squared error is weighted by `max(|g_after - g_before| / g_after,
    /// weight_floor)` (normalised to mean 1) when this is positive, so that the fit favours
    /// the rows where a duration error moves the cell furthest relative to its target (the
    /// `RPD_target` of DESIGN section 5); 0 weighs every row alike (default 0.01: on the
    /// synthetic data it lifts one-shot hits within ±10 % from about 96.6 % to 98.7 %).
    pub weight_floor: f64,
    /// The row weight above is raised to this power (default 1). 2 weighs a row by the square
    /// of its relative change, closer to the squared `RPD_target` a duration error causes.
    pub weight_power: f64,
    /// When positive, the second half of the epochs minimises the Welsch (correntropy) loss
    /// `c^2 (1 - exp(-e^2 / c^2))` with this scale `c` in log2 units instead of the squared
    /// error: on data from many cells it aims at the most common cell speed (the mode) rather
    /// than the mean, which is what a tolerance band rewards (default 2.0; 0 gives plain squared
    /// error throughout). Measured on 4,000 `realistic` cells: it lifts the fixed predictor's
    /// one-shot hits within +-10 % `RPD_target` from 17 % to 31 % (docs/BENCHMARKS.md).
    pub robust_scale: f64,
    /// Decoupled (AdamW) weight decay per unit learning rate, on weights only (default 0).
    /// Keeps the weights small, which leaves the quantized output layer more fraction bits.
    pub weight_decay: f64,
    /// Knots of a learned piecewise-linear table in front of each network input (0: none,
    /// the default). The table maps each normalised input through `input_knots` evenly spaced
    /// knots over the training range, trained jointly with the network.
    pub input_knots: usize,
    /// What the per-row loss weight measures (default [`Weighting::Change`]).
    pub weighting: Weighting,
    /// Fewest usable rows per polarity that training accepts (default 50).
    pub min_rows: usize,
    /// Name of the data (usually the CSV path), for error messages and provenance.
    pub source: String,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 100,
            hidden: vec![16, 16],
            seed: 0,
            batch_size: 64,
            learning_rate: 1e-2,
            final_lr_fraction: 0.01,
            val_fraction: 0.1,
            keep_best: true,
            g_min_us: ouro_sim::device::window_conductance_us().0,
            g_max_us: ouro_sim::device::window_conductance_us().1,
            bound_margin: 2e-4,
            weight_floor: 0.01,
            weight_power: 1.0,
            robust_scale: 2.0,
            weight_decay: 0.0,
            input_knots: 0,
            weighting: Weighting::Change,
            min_rows: 50,
            source: "<memory>".into(),
        }
    }
}

/// Losses after one epoch, in log2-seconds squared (de-normalised, unweighted: every row counts
/// alike whatever [`TrainConfig::weight_floor`] is).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochStats {
    /// 1-based epoch number.
    pub epoch: u32,
    /// Mean squared error over the epoch's mini-batches (weights changing as it goes).
    pub train_mse: f64,
    /// Mean squared error on the validation set at the end of the epoch.
    pub val_mse: f64,
}

/// How many rows of one polarity [`filter_rows`] kept and why it dropped the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RowCounts {
    /// Rows of this polarity in the data.
    pub total: usize,
    /// Dropped: the conductance did not move, or moved against the polarity.
    pub wrong_way: usize,
    /// Dropped: the reading after the pulse is on (or within the margin of) a window bound.
    pub at_bound: usize,
    /// Kept for training and validation.
    pub kept: usize,
}

/// What happened while training one polarity's network.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolarityReport {
    /// Row filtering.
    pub rows: RowCounts,
    /// Rows in the training set.
    pub train_rows: usize,
    /// Rows in the validation set.
    pub val_rows: usize,
    /// Whether the validation set holds out whole cells (else single rows).
    pub split_by_cell: bool,
    /// One entry per epoch.
    pub epochs: Vec<EpochStats>,
    /// The epoch whose weights were returned (1-based).
    pub chosen_epoch: u32,
    /// Validation MSE of the returned weights, log2-seconds squared.
    pub val_mse: f64,
}

/// What [`train`] did, per polarity.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrainReport {
    /// One report per network.
    pub polarities: PerPolarity<PolarityReport>,
}

impl std::fmt::Display for TrainReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (name, r) in [
            ("set", &self.polarities.set),
            ("reset", &self.polarities.reset),
        ] {
            let first = r.epochs.first().map_or(f64::NAN, |e| e.val_mse);
            writeln!(
                f,
                "{name:>5}: {} rows kept of {} ({} wrong way, {} on a bound); {} train / {} validation{}; \
                 validation MSE {first:.4} after epoch 1, {:.4} at epoch {} (log2 s)^2",
                r.rows.kept,
                r.rows.total,
                r.rows.wrong_way,
                r.rows.at_bound,
                r.train_rows,
                r.val_rows,
                if r.split_by_cell { " (held-out cells)" } else { "" },
                r.val_mse,
                r.chosen_epoch,
            )?;
        }
        Ok(())
    }
}

impl TrainConfig {
    /// Check the ranges of every field.
    pub fn validate(&self) -> Result<(), NnError> {
        let bad = |m: String| Err(NnError::Config(m));
        let max = ouro_core::qformat::MAX_FANIN;
        if self.epochs == 0 {
            return bad("epochs must be at least 1".into());
        }
        if self.hidden.iter().any(|&h| h == 0 || h > max) {
            return bad(format!(
                "hidden layer sizes must be 1..={max}, got {:?}",
                self.hidden
            ));
        }
        if self.batch_size == 0 {
            return bad("batch_size must be at least 1".into());
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad(format!(
                "learning_rate must be positive, got {}",
                self.learning_rate
            ));
        }
        if !(self.final_lr_fraction > 0.0 && self.final_lr_fraction <= 1.0) {
            return bad(format!(
                "final_lr_fraction must be in (0, 1], got {}",
                self.final_lr_fraction
            ));
        }
        if !(self.val_fraction > 0.0 && self.val_fraction <= 0.5) {
            return bad(format!(
                "val_fraction must be in (0, 0.5], got {}",
                self.val_fraction
            ));
        }
        if !(self.g_min_us > 0.0 && self.g_min_us < self.g_max_us && self.g_max_us.is_finite()) {
            return bad(format!(
                "need 0 < g_min_us < g_max_us, got {} and {}",
                self.g_min_us, self.g_max_us
            ));
        }
        if !(0.0..0.5).contains(&self.bound_margin) {
            return bad(format!(
                "bound_margin must be in [0, 0.5), got {}",
                self.bound_margin
            ));
        }
        if !(self.weight_power.is_finite() && (0.0..=4.0).contains(&self.weight_power)) {
            return Err(NnError::Config(format!(
                "weight_power must be in 0..=4, got {}",
                self.weight_power
            )));
        }
        if !(self.weight_decay.is_finite() && (0.0..1.0).contains(&self.weight_decay)) {
            return Err(NnError::Config(format!(
                "weight_decay must be in [0, 1), got {}",
                self.weight_decay
            )));
        }
        if !(self.robust_scale.is_finite() && self.robust_scale >= 0.0) {
            return Err(NnError::Config(format!(
                "robust_scale must be >= 0 (0: squared error), got {}",
                self.robust_scale
            )));
        }
        if !(self.weight_floor >= 0.0 && self.weight_floor.is_finite()) {
            return bad(format!(
                "weight_floor must be >= 0, got {}",
                self.weight_floor
            ));
        }
        if self.input_knots == 1 || self.input_knots > MAX_INPUT_KNOTS {
            return bad(format!(
                "input_knots must be 0 (no tables) or 2..={MAX_INPUT_KNOTS}, got {}",
                self.input_knots
            ));
        }
        if self.min_rows < 2 {
            return bad("min_rows must be at least 2".into());
        }
        Ok(())
    }
}

/// The rows of `polarity` that are fit to train on, and the counts of [`RowCounts`].
///
/// A row is kept when its conductance moved in the polarity's direction (`g_after > g_before`
/// for SET, `<` for RESET; no change is dropped too) and its reading after the pulse lies
/// strictly inside `(g_min_us * (1 + bound_margin), g_max_us * (1 - bound_margin))`: a pulse
/// that ended on a bound overshot what the reading shows, so its duration is too long for it.
pub fn filter_rows(rows: &[Row], polarity: Polarity, cfg: &TrainConfig) -> (Vec<Row>, RowCounts) {
    let lo = cfg.g_min_us * (1.0 + cfg.bound_margin);
    let hi = cfg.g_max_us * (1.0 - cfg.bound_margin);
    let mut counts = RowCounts::default();
    let mut kept = Vec::new();
    for r in rows.iter().filter(|r| r.polarity == polarity) {
        counts.total += 1;
        if Polarity::towards(r.g_before_us, r.g_after_us) != Some(polarity) {
            counts.wrong_way += 1;
        } else if !(r.g_after_us > lo && r.g_after_us < hi) {
            counts.at_bound += 1;
        } else {
            kept.push(*r);
        }
    }
    counts.kept = kept.len();
    (kept, counts)
}

/// The network's target for a row: log2 of the pulse duration in seconds.
pub fn log2_seconds(width_ns: f64) -> f64 {
    (width_ns * 1e-9).log2()
}

/// Train a predictor on characterization rows. `progress`, if given, gets its length set to
/// `2 * epochs` and ticks once per epoch of each network.
///
/// Fails when a polarity has fewer than [`TrainConfig::min_rows`] usable rows (see
/// [`filter_rows`]), on an invalid configuration, or if the loss diverges.
pub fn train(
    rows: &[Row],
    cfg: &TrainConfig,
    progress: Option<&dyn ouro_core::progress::Progress>,
) -> Result<(Predictor, TrainReport), NnError> {
    cfg.validate()?;
    let prepared = [Polarity::Set, Polarity::Reset].map(|p| {
        let (kept, counts) = filter_rows(rows, p, cfg);
        (p, kept, counts)
    });
    for (p, _, counts) in &prepared {
        if counts.kept < cfg.min_rows {
            let name = p.name().to_uppercase();
            let have = if counts.kept == 0 {
                format!("no usable {name} rows")
            } else {
                format!(
                    "only {} usable {name} rows (need {})",
                    counts.kept, cfg.min_rows
                )
            };
            return Err(NnError::TooFewRows {
                polarity: *p,
                counts: *counts,
                message: format!(
                    "{have} in {} ({} {name} rows, {} moved the wrong way or not at all, {} ended on a window bound): characterize with more pulses",
                    cfg.source, counts.total, counts.wrong_way, counts.at_bound
                ),
            });
        }
    }
    if let Some(pb) = progress {
        pb.set_total(2 * u64::from(cfg.epochs));
    }
    let base = Xoshiro256PlusPlus::seed_from_u64(cfg.seed);
    let mut reset_rng = base.clone();
    reset_rng.jump();
    let [(_, set_rows, set_counts), (_, reset_rows, reset_counts)] = prepared;
    let (set, reset) = rayon::join(
        || train_one(Polarity::Set, &set_rows, set_counts, cfg, base, progress),
        || {
            train_one(
                Polarity::Reset,
                &reset_rows,
                reset_counts,
                cfg,
                reset_rng,
                progress,
            )
        },
    );
    let (set_net, set_report) = set?;
    let (reset_net, reset_report) = reset?;
    let info = TrainingInfo {
        data: cfg.source.clone(),
        epochs: cfg.epochs,
        hidden: cfg.hidden.clone(),
        seed: cfg.seed,
        val_mse: PerPolarity {
            set: set_report.val_mse,
            reset: reset_report.val_mse,
        },
        train_rows: PerPolarity {
            set: set_report.train_rows,
            reset: reset_report.train_rows,
        },
    };
    let predictor = Predictor {
        format: PREDICTOR_FORMAT.into(),
        features: vec![Feature::GNow, Feature::GTarget],
        networks: PerPolarity {
            set: set_net,
            reset: reset_net,
        },
        training: Some(info),
    };
    Ok((
        predictor,
        TrainReport {
            polarities: PerPolarity {
                set: set_report,
                reset: reset_report,
            },
        },
    ))
}

/// Read the CSV at `path` and [`train`] on it; `cfg.source` is replaced by the path.
pub fn train_file(
    path: &Path,
    cfg: &TrainConfig,
    progress: Option<&dyn ouro_core::progress::Progress>,
) -> Result<(Predictor, TrainReport), NnError> {
    let rows = ouro_core::dataset::read_csv(path)?;
    let cfg = TrainConfig {
        source: path.display().to_string(),
        ..cfg.clone()
    };
    train(&rows, &cfg, progress)
}

/// Write a float predictor file (atomically, see [`ouro_core::yaml::save`]).
pub fn save_predictor(
    path: &Path,
    predictor: &Predictor,
) -> Result<(), ouro_core::yaml::YamlError> {
    ouro_core::yaml::save(path, predictor)
}

/// Mean and standard deviation (population) of each column; a zero deviation becomes 1.
fn column_stats(x: ArrayView2<'_, f64>) -> (Vec<f64>, Vec<f64>) {
    let n = x.nrows() as f64;
    x.columns()
        .into_iter()
        .map(|c| {
            let mean = c.sum() / n;
            let var = c.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
            let std = var.sqrt();
            (
                mean,
                if std > 1e-12 * mean.abs().max(1.0) {
                    std
                } else {
                    1.0
                },
            )
        })
        .unzip()
}

/// Indices of the validation rows: whole cells when there are enough of them, else rows.
fn split(rows: &[Row], frac: f64, rng: &mut Xoshiro256PlusPlus) -> (Vec<usize>, Vec<usize>, bool) {
    let mut cells: Vec<u32> = rows.iter().map(|r| r.cell).collect();
    cells.sort_unstable();
    cells.dedup();
    let n_val_target = ((rows.len() as f64 * frac).round() as usize).clamp(1, rows.len() - 1);
    let mut is_val = vec![false; rows.len()];
    let by_cell = cells.len() >= MIN_CELLS_FOR_CELL_SPLIT;
    if by_cell {
        cells.shuffle(rng);
        let n_val_cells = ((cells.len() as f64 * frac).round() as usize).clamp(1, cells.len() - 1);
        let val_cells = &mut cells[..n_val_cells];
        val_cells.sort_unstable();
        for (flag, r) in is_val.iter_mut().zip(rows) {
            *flag = val_cells.binary_search(&r.cell).is_ok();
        }
    } else {
        let mut idx: Vec<usize> = (0..rows.len()).collect();
        idx.shuffle(rng);
        for &i in &idx[..n_val_target] {
            is_val[i] = true;
        }
    }
    let (val, train): (Vec<usize>, Vec<usize>) = (0..rows.len()).partition(|&i| is_val[i]);
    (train, val, by_cell)
}

/// A dense layer during training: `w` is `(outputs, inputs)`.
#[derive(Clone)]
struct Layer {
    w: Array2<f64>,
    b: Array1<f64>,
}

/// Adam moments of one layer.
struct Moments {
    mw: Array2<f64>,
    vw: Array2<f64>,
    mb: Array1<f64>,
    vb: Array1<f64>,
}

/// The best epoch so far: its criterion, number, layers, validation MSE and tables.
type Checkpoint = (f64, u32, Vec<Layer>, f64, Option<Tables>);

/// Learned input tables during training: `theta[[j, k]]` is input `j`'s value at knot `k`.
#[derive(Clone)]
struct Tables {
    lo: Vec<f64>,
    hi: Vec<f64>,
    theta: Array2<f64>,
}

impl Tables {
    /// Identity tables over the range of each column of `x`.
    fn identity(x: ArrayView2<'_, f64>, knots: usize) -> Self {
        let n_in = x.ncols();
        let lo: Vec<f64> = (0..n_in)
            .map(|j| x.column(j).iter().copied().fold(f64::INFINITY, f64::min))
            .collect();
        let hi: Vec<f64> = (0..n_in)
            .map(|j| {
                x.column(j)
                    .iter()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .collect();
        let theta = Array2::from_shape_fn((n_in, knots), |(j, k)| {
            lo[j] + (hi[j] - lo[j]) * k as f64 / (knots - 1) as f64
        });
        Self { lo, hi, theta }
    }

    fn as_schema(&self) -> Vec<InputTable> {
        (0..self.lo.len())
            .map(|j| InputTable {
                lo: self.lo[j],
                hi: self.hi[j],
                values: self.theta.row(j).to_vec(),
            })
            .collect()
    }

    /// Apply to a batch; also returns each entry's (segment, fraction), row-major. The same
    /// interpolation as [`InputTable::eval`].
    fn apply(&self, x: ArrayView2<'_, f64>) -> (Array2<f64>, Vec<(usize, f64)>) {
        let knots = self.theta.ncols();
        let mut loc = Vec::with_capacity(x.len());
        let z = Array2::from_shape_fn(x.raw_dim(), |(i, j)| {
            let (k, f) = InputTable::locate_on(self.lo[j], self.hi[j], knots, x[[i, j]]);
            loc.push((k, f));
            self.theta[[j, k]] * (1.0 - f) + self.theta[[j, k + 1]] * f
        });
        (z, loc)
    }
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const ADAM_EPS: f64 = 1e-8;

fn init_layers(n_in: usize, hidden: &[usize], rng: &mut Xoshiro256PlusPlus) -> Vec<Layer> {
    let mut sizes = vec![n_in];
    sizes.extend_from_slice(hidden);
    sizes.push(1);
    sizes
        .windows(2)
        .map(|io| {
            let (i, o) = (io[0], io[1]);
            let he = Normal::new(0.0, (2.0 / i as f64).sqrt()).expect("positive deviation");
            Layer {
                w: Array2::from_shape_simple_fn((o, i), || he.sample(rng)),
                b: Array1::zeros(o),
            }
        })
        .collect()
}

/// Forward pass over a batch `x` of shape `(batch, inputs)`; returns every layer's output
/// (after ReLU for hidden layers), the last of shape `(batch, 1)`.
fn forward(layers: &[Layer], x: ArrayView2<'_, f64>) -> Vec<Array2<f64>> {
    let last = layers.len() - 1;
    let mut acts: Vec<Array2<f64>> = Vec::with_capacity(layers.len());
    for (k, l) in layers.iter().enumerate() {
        let mut z = match acts.last() {
            None => x.dot(&l.w.t()),
            Some(prev) => prev.dot(&l.w.t()),
        };
        z += &l.b;
        if k < last {
            z.mapv_inplace(|v| v.max(0.0));
        }
        acts.push(z);
    }
    acts
}

/// Mean squared error (normalised units) of the network on `x`, `y`.
fn mse(layers: &[Layer], x: ArrayView2<'_, f64>, y: &Array1<f64>) -> f64 {
    mean_loss(layers, x, y, |e2| e2)
}

/// Mean of `loss(e^2)` over the rows, `e` the error of the normalised output.
fn mean_loss(
    layers: &[Layer],
    x: ArrayView2<'_, f64>,
    y: &Array1<f64>,
    loss: impl Fn(f64) -> f64,
) -> f64 {
    // Chunked so that memory stays bounded on large validation sets.
    let mut sum = 0.0;
    for start in (0..x.nrows()).step_by(4096) {
        let end = (start + 4096).min(x.nrows());
        let out = forward(layers, x.slice(s![start..end, ..]));
        let pred = out.last().expect("at least one layer").column(0);
        sum += pred
            .iter()
            .zip(y.slice(s![start..end]))
            .map(|(p, t)| loss((p - t).powi(2)))
            .sum::<f64>();
    }
    sum / x.nrows() as f64
}

fn train_one(
    polarity: Polarity,
    rows: &[Row],
    counts: RowCounts,
    cfg: &TrainConfig,
    mut rng: Xoshiro256PlusPlus,
    progress: Option<&dyn ouro_core::progress::Progress>,
) -> Result<(MlpF, PolarityReport), NnError> {
    let (train_idx, val_idx, split_by_cell) = split(rows, cfg.val_fraction, &mut rng);
    let gather_x = |idx: &[usize]| {
        Array2::from_shape_fn((idx.len(), 2), |(i, j)| {
            let r = &rows[idx[i]];
            if j == 0 {
                r.g_before_us
            } else {
                r.g_after_us
            }
        })
    };
    let gather_y =
        |idx: &[usize]| Array1::from_iter(idx.iter().map(|&i| log2_seconds(rows[i].width_ns)));
    let (mut x_train, mut x_val) = (gather_x(&train_idx), gather_x(&val_idx));
    let (mut y_train, mut y_val) = (gather_y(&train_idx), gather_y(&val_idx));
    let rates = match cfg.weighting {
        Weighting::Change => None,
        Weighting::Sensitivity => rate_table(rows, cfg.g_min_us, cfg.g_max_us),
    };
    let w_train: Option<Array1<f64>> = (cfg.weight_floor > 0.0).then(|| {
        let w = Array1::from_iter(train_idx.iter().map(|&i| {
            let r = &rows[i];
            let q = match &rates {
                Some(rate) => {
                    std::f64::consts::LN_2
                        * r.width_ns
                        * 1e-9
                        * rate[rate_bin(r.g_after_us, cfg.g_min_us, cfg.g_max_us)]
                        / r.g_after_us
                }
                None => (r.g_after_us - r.g_before_us).abs() / r.g_after_us,
            };
            q.max(cfg.weight_floor).powf(cfg.weight_power)
        }));
        let mean = w.mean().unwrap_or(1.0);
        w / mean
    });
    let (in_mean, in_std) = column_stats(x_train.view());
    let (out_mean, out_std) = {
        let (m, s) = column_stats(y_train.view().insert_axis(Axis(1)));
        (m[0], s[0])
    };
    for x in [&mut x_train, &mut x_val] {
        for mut row in x.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v - in_mean[j]) / in_std[j];
            }
        }
    }
    for y in [&mut y_train, &mut y_val] {
        y.mapv_inplace(|v| (v - out_mean) / out_std);
    }

    let mut tables =
        (cfg.input_knots > 0).then(|| Tables::identity(x_train.view(), cfg.input_knots));
    let mut tmoments = tables.as_ref().map(|t| {
        (
            Array2::<f64>::zeros(t.theta.raw_dim()),
            Array2::<f64>::zeros(t.theta.raw_dim()),
        )
    });
    let mut layers = init_layers(2, &cfg.hidden, &mut rng);
    let mut moments: Vec<Moments> = layers
        .iter()
        .map(|l| Moments {
            mw: Array2::zeros(l.w.raw_dim()),
            vw: Array2::zeros(l.w.raw_dim()),
            mb: Array1::zeros(l.b.raw_dim()),
            vb: Array1::zeros(l.b.raw_dim()),
        })
        .collect();
    let n = x_train.nrows();
    let bs = cfg.batch_size.min(n);
    let steps_per_epoch = n.div_ceil(bs);
    let total_steps = (steps_per_epoch * cfg.epochs as usize) as f64;
    let lr_min = cfg.learning_rate * cfg.final_lr_fraction;
    let scale = out_std * out_std;

    let mut order: Vec<usize> = (0..n).collect();
    let mut xb = Array2::<f64>::zeros((bs, 2));
    let mut yb = Array1::<f64>::zeros(bs);
    let mut wb = Array1::<f64>::ones(bs);
    let mut step: u64 = 0;
    let mut best: Option<Checkpoint> = None;
    let mut history = Vec::with_capacity(cfg.epochs as usize);
    let robust_c2 = (cfg.robust_scale / out_std).powi(2);
    for epoch in 1..=cfg.epochs {
        order.shuffle(&mut rng);
        let robust = cfg.robust_scale > 0.0 && epoch > cfg.epochs / 2;
        let mut sse = 0.0;
        for chunk in order.chunks(bs) {
            let m = chunk.len();
            for (i, &r) in chunk.iter().enumerate() {
                xb[[i, 0]] = x_train[[r, 0]];
                xb[[i, 1]] = x_train[[r, 1]];
                yb[i] = y_train[r];
                if let Some(w) = &w_train {
                    wb[i] = w[r];
                }
            }
            let (zb, loc) = match &tables {
                Some(t) => {
                    let (z, loc) = t.apply(xb.slice(s![..m, ..]));
                    (Some(z), loc)
                }
                None => (None, Vec::new()),
            };
            let xv = match &zb {
                Some(z) => z.view(),
                None => xb.slice(s![..m, ..]),
            };
            let acts = forward(&layers, xv);
            // dL/dout for L = mean((out - y)^2).
            let out = acts.last().expect("at least one layer");
            let mut delta = Array2::<f64>::zeros((m, 1));
            for i in 0..m {
                let e = out[[i, 0]] - yb[i];
                sse += e * e;
                let g = if robust {
                    (-e * e / robust_c2).exp()
                } else {
                    1.0
                };
                delta[[i, 0]] = 2.0 * wb[i] * e * g / m as f64;
            }
            step += 1;
            let progress_frac = (step - 1) as f64 / total_steps;
            let lr = lr_min
                + 0.5
                    * (cfg.learning_rate - lr_min)
                    * (1.0 + (std::f64::consts::PI * progress_frac).cos());
            let c1 = 1.0 - BETA1.powi(step.min(i32::MAX as u64) as i32);
            let c2 = 1.0 - BETA2.powi(step.min(i32::MAX as u64) as i32);
            for k in (0..layers.len()).rev() {
                let input = if k == 0 { xv } else { acts[k - 1].view() };
                let gw = delta.t().dot(&input);
                let gb = delta.sum_axis(Axis(0));
                if k == 0 {
                    if let (Some(t), Some((mt, vt))) = (tables.as_mut(), tmoments.as_mut()) {
                        let gz = delta.dot(&layers[0].w);
                        let mut gt = Array2::<f64>::zeros(t.theta.raw_dim());
                        let n_in = gz.ncols();
                        for (e, &(seg, f)) in loc.iter().enumerate() {
                            let (i, j) = (e / n_in, e % n_in);
                            gt[[j, seg]] += gz[[i, j]] * (1.0 - f);
                            gt[[j, seg + 1]] += gz[[i, j]] * f;
                        }
                        adam(&mut t.theta, mt, vt, &gt, lr, c1, c2);
                    }
                }
                if k > 0 {
                    let mut next = delta.dot(&layers[k].w);
                    next.zip_mut_with(&acts[k - 1], |d, &a| {
                        if a <= 0.0 {
                            *d = 0.0;
                        }
                    });
                    delta = next;
                }
                let (l, mo) = (&mut layers[k], &mut moments[k]);
                adam(&mut l.w, &mut mo.mw, &mut mo.vw, &gw, lr, c1, c2);
                if cfg.weight_decay > 0.0 {
                    // Decoupled (AdamW) decay of the weights, not the biases.
                    l.w.mapv_inplace(|w| w * (1.0 - lr * cfg.weight_decay));
                }
                adam(&mut l.b, &mut mo.mb, &mut mo.vb, &gb, lr, c1, c2);
            }
        }
        let train_mse = sse / n as f64 * scale;
        let x_val_t = tables.as_ref().map(|t| t.apply(x_val.view()).0);
        let xvv = x_val_t.as_ref().map_or(x_val.view(), |z| z.view());
        let val_mse = mse(&layers, xvv, &y_val) * scale;
        if !(train_mse.is_finite() && val_mse.is_finite()) {
            return Err(NnError::Diverged { polarity, epoch });
        }
        history.push(EpochStats {
            epoch,
            train_mse,
            val_mse,
        });
        // The checkpoint is chosen by the loss being minimised: the squared error, or in the
        // robust phase the Welsch loss (whose best epochs are never in the squared-error phase).
        let criterion = if robust {
            mean_loss(&layers, xvv, &y_val, |e2| {
                robust_c2 * (1.0 - (-e2 / robust_c2).exp())
            })
        } else {
            val_mse
        };
        if robust && epoch == cfg.epochs / 2 + 1 {
            best = None;
        }
        let better = best.as_ref().map_or(true, |(b, ..)| criterion < *b);
        if (cfg.keep_best && better) || (!cfg.keep_best && epoch == cfg.epochs) {
            best = Some((criterion, epoch, layers.clone(), val_mse, tables.clone()));
        }
        if let Some(pb) = progress {
            pb.advance(1);
        }
    }
    let (_, chosen_epoch, layers, val_mse, tables) = best.expect("at least one epoch");
    let net = MlpF {
        input_mean: in_mean,
        input_std: in_std,
        output_mean: out_mean,
        output_std: out_std,
        layers: layers
            .iter()
            .map(|l| DenseF {
                weights: l.w.rows().into_iter().map(|r| r.to_vec()).collect(),
                biases: l.b.to_vec(),
            })
            .collect(),
        input_tables: tables.map_or_else(Vec::new, |t| t.as_schema()),
    };
    let report = PolarityReport {
        rows: counts,
        train_rows: train_idx.len(),
        val_rows: val_idx.len(),
        split_by_cell,
        epochs: history,
        chosen_epoch,
        val_mse,
    };
    Ok((net, report))
}

/// One Adam step on a parameter array.
fn adam<D: ndarray::Dimension>(
    p: &mut ndarray::Array<f64, D>,
    m: &mut ndarray::Array<f64, D>,
    v: &mut ndarray::Array<f64, D>,
    g: &ndarray::Array<f64, D>,
    lr: f64,
    c1: f64,
    c2: f64,
) {
    ndarray::Zip::from(p)
        .and(m)
        .and(v)
        .and(g)
        .for_each(|p, m, v, &g| {
            *m = BETA1 * *m + (1.0 - BETA1) * g;
            *v = BETA2 * *v + (1.0 - BETA2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + ADAM_EPS);
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(p: Polarity, gb: f64, ga: f64) -> Row {
        Row {
            cell: 0,
            g_before_us: gb,
            polarity: p,
            width_ns: 100.0,
            g_after_us: ga,
        }
    }

    #[test]
    fn filtering_drops_wrong_way_and_bound_rows() {
        let cfg = TrainConfig::default();
        let (g_min, g_max) = ouro_sim::device::window_conductance_us();
        let rows = [
            row(Polarity::Set, 200.0, 210.0),       // kept
            row(Polarity::Set, 200.0, 200.0),       // no change
            row(Polarity::Set, 200.0, 190.0),       // wrong way
            row(Polarity::Set, 200.0, g_max),       // on the bound
            row(Polarity::Set, 200.0, g_max - 0.1), // within 0.02 % of it
            row(Polarity::Set, 200.0, g_max - 0.2), // kept
            row(Polarity::Reset, 300.0, 250.0),     // kept
            row(Polarity::Reset, 300.0, g_min + 0.01),
            row(Polarity::Reset, 300.0, 310.0),
        ];
        let (kept, c) = filter_rows(&rows, Polarity::Set, &cfg);
        assert_eq!(
            c,
            RowCounts {
                total: 6,
                wrong_way: 2,
                at_bound: 2,
                kept: 2
            }
        );
        assert_eq!(kept, vec![rows[0], rows[5]]);
        let (kept, c) = filter_rows(&rows, Polarity::Reset, &cfg);
        assert_eq!((c.total, c.wrong_way, c.at_bound, c.kept), (3, 1, 1, 1));
        assert_eq!(kept, vec![rows[6]]);
    }
}
