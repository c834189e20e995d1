//! What a training run reports: the row counts of the filter, the losses of every epoch, and the
//! epoch whose weights were kept, per polarity.

use ouro_core::schema::PerPolarity;

/// Losses after one epoch, in log2-seconds squared (de-normalised, unweighted: every row counts
/// alike whatever [`TrainParams::weight_floor`](super::TrainParams::weight_floor) is).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochStats {
    /// 1-based epoch number.
    pub epoch: u32,
    /// Mean squared error over the epoch's mini-batches (weights changing as it goes).
    pub train_mse: f64,
    /// Mean squared error on the validation set at the end of the epoch.
    pub val_mse: f64,
}

/// How many rows of one polarity [`filter_rows`](super::filter_rows) kept and why it dropped
/// the others.
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

/// What [`train`](super::train) did, per polarity.
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
