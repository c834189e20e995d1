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
pub mod history;
mod model;
mod params;
mod report;

pub use data::{filter_rows, log2_seconds, rate_table, MIN_CELLS_FOR_CELL_SPLIT, RATE_BINS};
pub use params::{CheckedTrainParams, TrainParams, Weighting, MAX_EPOCHS, MAX_INPUT_KNOTS};
pub use report::{EpochStats, PolarityReport, RowCounts, TrainReport};

use crate::NnError;
use ouro_core::dataset::Row;
use ouro_core::progress::Progress;
use ouro_core::schema::Situation;
use ouro_core::schema::{
    Feature, Levels, MlpF, PerPolarity, Predictor, TrainingInfo, PREDICTOR_FORMAT,
};
use ouro_core::sequence::SeqRow;
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
    train_with(rows, &[], None, params, progress)
}

/// Train a history-aware predictor on probe-and-pulse sequences (see [`history`]): each
/// pulse is learned from the probe before it. Its features are `g_now` (the reading after the
/// probe), `g_target`, `probe_delta`, `probe_log2` and `level`; the ladder of levels is read
/// from the data's amplitudes. Input tables (`input_knots`) go in front of the two readings only.
pub fn train_history(
    seq: &[SeqRow],
    params: &CheckedTrainParams,
    progress: Option<&dyn Progress>,
) -> Result<(Predictor, TrainReport), NnError> {
    let h = history::examples(seq, &params.source)?;
    train_with(&h.rows, &h.extra, Some(h.levels), params, progress)
}

/// The inputs of a history-aware predictor, in order.
///
/// The probe's change enters as its log (a cell twice as fast moves twice as far in the
/// probe's short time, so speed is a shift on this scale); the signed change in microsiemens
/// on its own left the network unable to use the probe (a blind network did better), and
/// adding it beside the log did not help.
pub const HISTORY_FEATURES: [Feature; 5] = [
    Feature::GNow,
    Feature::GTarget,
    Feature::ProbeLog2Change,
    Feature::ProbeLog2,
    Feature::Level,
];

/// [`train`] or [`train_history`]: `extra` holds each row's history (empty: blind).
fn train_with(
    rows: &[Row],
    extra: &[Situation<f64>],
    levels: Option<Levels>,
    params: &CheckedTrainParams,
    progress: Option<&dyn Progress>,
) -> Result<(Predictor, TrainReport), NnError> {
    let [(set_idx, set_counts), (reset_idx, reset_counts)] =
        [Polarity::Set, Polarity::Reset].map(|p| data::filter_indices(rows, p, params));
    enough_rows(Polarity::Set, set_counts, params)?;
    enough_rows(Polarity::Reset, reset_counts, params)?;
    if let Some(pb) = progress {
        pb.set_total(2 * u64::from(params.epochs));
    }
    let features = if levels.is_some() {
        HISTORY_FEATURES.to_vec()
    } else {
        vec![Feature::GNow, Feature::GTarget]
    };
    let pick = |idx: &[usize]| -> (Vec<Row>, Vec<Situation<f64>>) {
        (
            idx.iter().map(|&i| rows[i]).collect(),
            if extra.is_empty() {
                Vec::new()
            } else {
                idx.iter().map(|&i| extra[i]).collect()
            },
        )
    };
    let (set_rows, set_extra) = pick(&set_idx);
    let (reset_rows, reset_extra) = pick(&reset_idx);
    // Two streams: SET draws from the seed's, RESET from the same one jumped ahead.
    let set_rng = Xoshiro256PlusPlus::seed_from_u64(params.seed);
    let mut reset_rng = set_rng.clone();
    reset_rng.jump();
    let fit_one = |polarity, rows: &[Row], extra: &[Situation<f64>], counts, rng| {
        fit::fit(
            polarity,
            (rows, extra, &features),
            counts,
            params,
            rng,
            progress,
        )
    };
    let (set, reset) = rayon::join(
        || fit_one(Polarity::Set, &set_rows, &set_extra, set_counts, set_rng),
        || {
            fit_one(
                Polarity::Reset,
                &reset_rows,
                &reset_extra,
                reset_counts,
                reset_rng,
            )
        },
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
        features,
        networks,
        levels,
        training: Some(info),
    };
    predictor
        .validate()
        .map_err(|e| NnError::Data(e.detail()))?;
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

/// Read the CSV at `path` and train on it: a pulse CSV trains a blind predictor ([`train`]), a
/// sequence CSV a history-aware one ([`train_history`]). The settings' `source` is replaced by
/// the path.
pub fn train_file(
    path: &Path,
    params: &CheckedTrainParams,
    progress: Option<&dyn Progress>,
) -> Result<(Predictor, TrainReport), NnError> {
    let params = params.clone().with_source(path.display().to_string());
    let text = ouro_core::input::read_text(path, Some(ouro_core::input::MAX_CSV_BYTES)).map_err(
        |source| ouro_core::CoreError::Read {
            path: path.display().to_string(),
            source,
        },
    )?;
    let origin = path.display().to_string();
    if ouro_core::sequence::is_sequence_csv(&text) {
        let seq = ouro_core::sequence::parse_seq_csv(&text, &origin)?;
        train_history(&seq, &params, progress)
    } else {
        let rows = ouro_core::dataset::parse_csv(&text, &origin)?;
        train(&rows, &params, progress)
    }
}

/// Write a float predictor file (atomically, see [`ouro_core::yaml::save`]).
pub fn save_predictor(path: &Path, predictor: &Predictor) -> Result<(), ouro_core::CoreError> {
    ouro_core::yaml::save(path, predictor)
}
