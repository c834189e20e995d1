//! The training settings: [`TrainParams`] as a caller writes them, and
//! [`CheckedTrainParams`], the same settings once [`TrainParams::check`] has accepted them.
//! [`train`](super::train) takes only the checked type, so every range is checked once, before
//! any data is read or any work starts, and the training code never sees an unchecked value.
//!
//! ```
//! use ouro_nn::train::{TrainParams, Weighting};
//!
//! let params = TrainParams {
//!     epochs: 20,
//!     hidden: vec![8, 8],
//!     input_knots: 16,
//!     weighting: Weighting::Sensitivity,
//!     ..TrainParams::default()
//! }
//! .check()?;
//! assert_eq!(params.epochs, 20);
//!
//! let e = TrainParams { epochs: 0, ..TrainParams::default() }.check().unwrap_err();
//! assert_eq!(e.to_string(), "invalid training configuration: epochs must be at least 1");
//! # Ok::<(), ouro_nn::NnError>(())
//! ```

use crate::NnError;

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

/// Most knots of a learned input table ([`TrainParams::input_knots`]).
pub const MAX_INPUT_KNOTS: usize = 1024;

/// Most epochs of one training run ([`TrainParams::epochs`]): the run keeps a line of history
/// per epoch, and a million passes over the data is far beyond any useful training.
pub const MAX_EPOCHS: u32 = 1_000_000;

/// Hyperparameters and data-cleaning parameters of [`train`](super::train), as written: check
/// them ([`TrainParams::check`]) to train with them.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainParams {
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
    /// deviation of the reached conductance from the target, relative to the target, that a
    /// programming tolerance judges); 0 weighs every row alike (default 0.01: on the
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
    /// Knots of a learned piecewise-linear table in front of each reading input (0: none,
    /// the default): both inputs of a blind predictor, the reading and the target of a
    /// history-aware one. The table maps each such normalised input through `input_knots` evenly spaced
    /// knots over the training range, trained jointly with the network.
    pub input_knots: usize,
    /// What the per-row loss weight measures (default [`Weighting::Change`]).
    pub weighting: Weighting,
    /// Fewest usable rows per polarity that training accepts (default 50).
    pub min_rows: usize,
    /// Name of the data (usually the CSV path), for error messages and provenance.
    pub source: String,
}

impl Default for TrainParams {
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

impl TrainParams {
    /// Check every setting, once, before any work: [`train`](super::train) takes only the
    /// checked settings.
    ///
    /// # Errors
    /// [`NnError::Config`] with a one-line message naming the first setting out of range.
    pub fn check(self) -> Result<CheckedTrainParams, NnError> {
        match self.problem() {
            Some(message) => Err(NnError::Config(message)),
            None => Ok(CheckedTrainParams(self)),
        }
    }

    /// The first setting out of range, said in one line; `None` when all are fine.
    fn problem(&self) -> Option<String> {
        let max = ouro_core::qformat::MAX_FANIN;
        if self.epochs == 0 {
            return Some("epochs must be at least 1".into());
        }
        if self.epochs > MAX_EPOCHS {
            return Some(format!(
                "epochs must be at most {MAX_EPOCHS}, got {}: train for fewer epochs",
                self.epochs
            ));
        }
        if self.hidden.iter().any(|&h| h == 0 || h > max) {
            return Some(format!(
                "hidden layer sizes must be 1..={max}, got {:?}",
                self.hidden
            ));
        }
        let most = ouro_core::qformat::MAX_LAYERS - 1;
        if self.hidden.len() > most {
            return Some(format!(
                "hidden takes at most {most} layers (the predictor engine runs {} with the output layer), got {}: train a shallower network",
                ouro_core::qformat::MAX_LAYERS,
                self.hidden.len()
            ));
        }
        if self.batch_size == 0 {
            return Some("batch_size must be at least 1".into());
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Some(format!(
                "learning_rate must be positive, got {}",
                self.learning_rate
            ));
        }
        if !(self.final_lr_fraction > 0.0 && self.final_lr_fraction <= 1.0) {
            return Some(format!(
                "final_lr_fraction must be in (0, 1], got {}",
                self.final_lr_fraction
            ));
        }
        if !(self.val_fraction > 0.0 && self.val_fraction <= 0.5) {
            return Some(format!(
                "val_fraction must be in (0, 0.5], got {}",
                self.val_fraction
            ));
        }
        if !(self.g_min_us > 0.0 && self.g_min_us < self.g_max_us && self.g_max_us.is_finite()) {
            return Some(format!(
                "need 0 < g_min_us < g_max_us, got {} and {}",
                self.g_min_us, self.g_max_us
            ));
        }
        if !(0.0..0.5).contains(&self.bound_margin) {
            return Some(format!(
                "bound_margin must be in [0, 0.5), got {}",
                self.bound_margin
            ));
        }
        if !(self.weight_power.is_finite() && (0.0..=4.0).contains(&self.weight_power)) {
            return Some(format!(
                "weight_power must be in 0..=4, got {}",
                self.weight_power
            ));
        }
        if !(self.weight_decay.is_finite() && (0.0..1.0).contains(&self.weight_decay)) {
            return Some(format!(
                "weight_decay must be in [0, 1), got {}",
                self.weight_decay
            ));
        }
        if !(self.robust_scale.is_finite() && self.robust_scale >= 0.0) {
            return Some(format!(
                "robust_scale must be >= 0 (0: squared error), got {}",
                self.robust_scale
            ));
        }
        if !(self.weight_floor >= 0.0 && self.weight_floor.is_finite()) {
            return Some(format!(
                "weight_floor must be >= 0, got {}",
                self.weight_floor
            ));
        }
        if self.input_knots == 1 || self.input_knots > MAX_INPUT_KNOTS {
            return Some(format!(
                "input_knots must be 0 (no tables) or 2..={MAX_INPUT_KNOTS}, got {}",
                self.input_knots
            ));
        }
        if self.min_rows < 2 {
            return Some("min_rows must be at least 2".into());
        }
        None
    }
}

/// Training settings that [`TrainParams::check`] accepted: what [`train`](super::train) takes.
///
/// They read as the [`TrainParams`] they were checked from (through `Deref`: `params.epochs`);
/// to change one, turn them back into [`TrainParams`] (`TrainParams::from`) and check again.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedTrainParams(TrainParams);

impl CheckedTrainParams {
    /// The same settings with another name of the data (not checked: it only names the data in
    /// messages and in the predictor's provenance).
    #[must_use]
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.0.source = source.into();
        self
    }
}

impl std::ops::Deref for CheckedTrainParams {
    type Target = TrainParams;

    fn deref(&self) -> &TrainParams {
        &self.0
    }
}

impl From<CheckedTrainParams> for TrainParams {
    fn from(checked: CheckedTrainParams) -> Self {
        checked.0
    }
}

impl TryFrom<TrainParams> for CheckedTrainParams {
    type Error = NnError;

    fn try_from(params: TrainParams) -> Result<Self, NnError> {
        params.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick(epochs: u32, seed: u64) -> TrainParams {
        TrainParams {
            epochs,
            seed,
            source: "data.csv".into(),
            ..TrainParams::default()
        }
    }

    #[test]
    fn rejects_bad_configurations() {
        for (params, want) in [
            (
                TrainParams {
                    input_knots: 1,
                    ..quick(1, 0)
                },
                "input_knots",
            ),
            (
                TrainParams {
                    epochs: 0,
                    ..quick(1, 0)
                },
                "epochs",
            ),
            (
                TrainParams {
                    hidden: vec![16, 0],
                    ..quick(1, 0)
                },
                "hidden",
            ),
            (
                TrainParams {
                    hidden: vec![65],
                    ..quick(1, 0)
                },
                "hidden",
            ),
            (
                TrainParams {
                    hidden: vec![4; 8],
                    ..quick(1, 0)
                },
                "hidden takes at most 7 layers",
            ),
            (
                TrainParams {
                    learning_rate: f64::NAN,
                    ..quick(1, 0)
                },
                "learning_rate",
            ),
            (
                TrainParams {
                    val_fraction: 0.0,
                    ..quick(1, 0)
                },
                "val_fraction",
            ),
            (
                TrainParams {
                    batch_size: 0,
                    ..quick(1, 0)
                },
                "batch_size",
            ),
        ] {
            let e = params.check().unwrap_err().to_string();
            assert!(
                e.starts_with("invalid training configuration") && e.contains(want),
                "{e}"
            );
        }
    }

    #[test]
    fn every_range_is_checked_in_one_line() {
        let d = TrainParams::default;
        for (params, want) in [
            (
                TrainParams {
                    final_lr_fraction: 0.0,
                    ..d()
                },
                "final_lr_fraction must be in (0, 1], got 0",
            ),
            (
                TrainParams {
                    g_min_us: 600.0,
                    ..d()
                },
                "need 0 < g_min_us < g_max_us, got 600 and ",
            ),
            (
                TrainParams {
                    bound_margin: 0.5,
                    ..d()
                },
                "bound_margin must be in [0, 0.5), got 0.5",
            ),
            (
                TrainParams {
                    weight_power: 5.0,
                    ..d()
                },
                "weight_power must be in 0..=4, got 5",
            ),
            (
                TrainParams {
                    weight_decay: 1.5,
                    ..d()
                },
                "weight_decay must be in [0, 1), got 1.5",
            ),
            (
                TrainParams {
                    robust_scale: -1.0,
                    ..d()
                },
                "robust_scale must be >= 0 (0: squared error), got -1",
            ),
            (
                TrainParams {
                    weight_floor: f64::INFINITY,
                    ..d()
                },
                "weight_floor must be >= 0, got inf",
            ),
            (
                TrainParams {
                    input_knots: MAX_INPUT_KNOTS + 1,
                    ..d()
                },
                "input_knots must be 0 (no tables) or 2..=1024, got 1025",
            ),
            (
                TrainParams { min_rows: 1, ..d() },
                "min_rows must be at least 2",
            ),
        ] {
            let e = params.check().unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("invalid training configuration: {want}"))
                    && !e.contains('\n'),
                "{e}"
            );
        }
    }

    #[test]
    fn checked_settings_read_as_written_and_go_back_for_changes() {
        let checked = quick(3, 9).check().unwrap();
        assert_eq!((checked.epochs, checked.seed), (3, 9));
        let renamed = checked.clone().with_source("other.csv");
        assert_eq!(renamed.source, "other.csv");
        let back = TrainParams::from(renamed);
        assert_eq!(
            back,
            TrainParams {
                source: "other.csv".into(),
                ..quick(3, 9)
            }
        );
        assert_eq!(CheckedTrainParams::try_from(quick(3, 9)).unwrap(), checked);
        assert!(CheckedTrainParams::try_from(quick(0, 9)).is_err());
    }
}
