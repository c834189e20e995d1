//! Training the float pulse predictor: one small MLP per polarity that maps
//! `(g_now_us, g_target_us)` to log2 of the pulse duration in seconds, the quantity the
//! gateware's one-shot programming needs (how long to pulse a cell reading `g_now_us` so that
//! it reads `g_target_us` after).
//!
//! The pipeline, per polarity (the two networks train in parallel with [`rayon::join`], each
//! on its own deterministic random stream):
//!
//! 1. **Filter** the characterization rows ([`filter_rows`]): keep only rows of that polarity
//!    whose conductance moved the right way by a non-zero amount and did not end on (or within
//!    [`TrainParams::bound_margin`] of) the conductance window's bounds. A pulse that ran the cell
//!    into a bound lasted longer than needed to reach the reading it ended on, so its duration
//!    would teach the network too long a pulse for that change.
//! 2. **Split** the kept rows into training and validation sets with a seeded shuffle
//!    ([`TrainParams::val_fraction`]). When the data holds at least [`MIN_CELLS_FOR_CELL_SPLIT`]
//!    distinct cells, whole cells are held out (so validation measures how the net does on cells
//!    it has never seen); otherwise rows are.
//! 3. **Normalise** each input and the output to zero mean and unit standard deviation over the
//!    training set; the statistics are stored in the [`MlpF`] so that its
//!    [`FloatNetwork::forward`](crate::network::FloatNetwork::forward) takes microsiemens and
//!    returns log2 seconds.
//! 4. **Fit** a dense network (ReLU hidden layers, linear output, He initialisation) by
//!    mini-batch **Adam** on the mean squared error of the normalised log2 duration
//!    (optionally weighted per row, [`TrainParams::weight_floor`], by the row's relative change
//!    or by its sensitivity, [`Weighting`]), with a
//!    cosine learning-rate decay from [`TrainParams::learning_rate`] to
//!    `learning_rate * final_lr_fraction` over the run. Each epoch visits the training rows in
//!    a fresh seeded order.
//!    With [`TrainParams::input_knots`], each normalised input first passes through a learned
//!    piecewise-linear table (evenly spaced knots over the input's training range, starting as
//!    the identity), trained by the same Adam steps: it gives the network as many breakpoints
//!    along each input as it has knots, where a steep response (a SET out of the slow bottom
//!    of the window) needs a duration accurate to a fraction of a percent.
//! 5. **Keep the best epoch** (when [`TrainParams::keep_best`] is set, the default): the
//!    returned weights are those of the epoch with the lowest validation MSE, a checkpoint in
//!    the style of early stopping (training still runs all epochs).
//!
//! The same rows, configuration and seed give bit-identical weights: all arithmetic is
//! sequential f64 (`ndarray`'s matrix products are single-threaded and deterministic) and the
//! only parallelism is the two independent networks.
//!
//! One job per file: the settings (`params`), the rows (`data`: filter, split, weights,
//! normalisation), the network (`model`: layers, tables, batch forward pass, gradients, export),
//! the optimizer (`adam`), the loop over epochs (`fit`), and what a run reports (`report`).

mod adam;
mod data;
mod fit;
mod model;
mod params;
mod report;

pub use data::{filter_rows, log2_seconds, rate_table, MIN_CELLS_FOR_CELL_SPLIT, RATE_BINS};
pub use params::{CheckedTrainParams, TrainParams, Weighting, MAX_EPOCHS, MAX_INPUT_KNOTS};
pub use report::{EpochStats, PolarityReport, RowCounts, TrainReport};

use crate::NnError;
use ouro_core::dataset::Row;
use ouro_core::progress::Progress;
use ouro_core::schema::{Feature, MlpF, PerPolarity, Predictor, TrainingInfo, PREDICTOR_FORMAT};
use ouro_core::Polarity;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::path::Path;

/// Train a predictor on characterization rows. `progress`, if given, gets its length set to
/// `2 * epochs` and ticks once per epoch of each network.
///
/// Fails when a polarity has fewer than [`TrainParams::min_rows`] usable rows (see
/// [`filter_rows`]), or if the loss diverges. The settings were checked when they were made
/// ([`TrainParams::check`]).
pub fn train(
    rows: &[Row],
    params: &CheckedTrainParams,
    progress: Option<&dyn Progress>,
) -> Result<(Predictor, TrainReport), NnError> {
    let [(set_rows, set_counts), (reset_rows, reset_counts)] =
        [Polarity::Set, Polarity::Reset].map(|p| filter_rows(rows, p, params));
    enough_rows(Polarity::Set, set_counts, params)?;
    enough_rows(Polarity::Reset, reset_counts, params)?;
    if let Some(pb) = progress {
        pb.set_total(2 * u64::from(params.epochs));
    }
    // Two streams: SET draws from the seed's, RESET from the same one jumped ahead.
    let set_rng = Xoshiro256PlusPlus::seed_from_u64(params.seed);
    let mut reset_rng = set_rng.clone();
    reset_rng.jump();
    let fit_one = |polarity, rows: &[Row], counts, rng| {
        fit::fit(polarity, rows, counts, params, rng, progress)
    };
    let (set, reset) = rayon::join(
        || fit_one(Polarity::Set, &set_rows, set_counts, set_rng),
        || fit_one(Polarity::Reset, &reset_rows, reset_counts, reset_rng),
    );
    let (set, reset) = (set?, reset?);
    let networks: PerPolarity<MlpF> = PerPolarity {
        set: set.network(),
        reset: reset.network(),
    };
    let report = TrainReport {
        polarities: PerPolarity {
            set: set.report,
            reset: reset.report,
        },
    };
    let info = TrainingInfo {
        data: params.source.clone(),
        epochs: params.epochs,
        hidden: params.hidden.clone(),
        seed: params.seed,
        val_mse: PerPolarity {
            set: report.polarities.set.val_mse,
            reset: report.polarities.reset.val_mse,
        },
        train_rows: PerPolarity {
            set: report.polarities.set.train_rows,
            reset: report.polarities.reset.train_rows,
        },
    };
    let predictor = Predictor {
        format: PREDICTOR_FORMAT.into(),
        features: vec![Feature::GNow, Feature::GTarget],
        networks,
        training: Some(info),
    };
    Ok((predictor, report))
}

/// The refusal of a polarity with fewer than [`TrainParams::min_rows`] usable rows: one line
/// that says what was counted and what to do.
fn enough_rows(
    polarity: Polarity,
    counts: RowCounts,
    params: &CheckedTrainParams,
) -> Result<(), NnError> {
    if counts.kept >= params.min_rows {
        return Ok(());
    }
    let name = polarity.name().to_uppercase();
    let have = if counts.kept == 0 {
        format!("no usable {name} rows")
    } else {
        format!(
            "only {} usable {name} rows (need {})",
            counts.kept, params.min_rows
        )
    };
    Err(NnError::TooFewRows {
        polarity,
        counts,
        message: format!(
            "{have} in {} ({} {name} rows, {} moved the wrong way or not at all, {} ended on a window bound): characterize with more pulses",
            params.source, counts.total, counts.wrong_way, counts.at_bound
        ),
    })
}

/// Read the CSV at `path` and [`train`] on it; the settings' `source` is replaced by the path.
pub fn train_file(
    path: &Path,
    params: &CheckedTrainParams,
    progress: Option<&dyn Progress>,
) -> Result<(Predictor, TrainReport), NnError> {
    let rows = ouro_core::dataset::read_csv(path)?;
    let params = params.clone().with_source(path.display().to_string());
    train(&rows, &params, progress)
}

/// Write a float predictor file (atomically, see [`ouro_core::yaml::save`]).
pub fn save_predictor(path: &Path, predictor: &Predictor) -> Result<(), ouro_core::CoreError> {
    ouro_core::yaml::save(path, predictor)
}
