//! The data side of training: which rows are fit to train on ([`filter_rows`]), the split into
//! training and validation sets, the per-row loss weights (with the switching-rate estimate
//! behind [`Weighting::Sensitivity`], [`rate_table`]), and the normalisation of the inputs and
//! the output to zero mean and unit deviation.

use super::params::{CheckedTrainParams, Weighting};
use super::report::RowCounts;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use ouro_core::dataset::Row;
use ouro_core::schema::{Feature, Situation};
use ouro_core::Polarity;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;

/// With at least this many distinct cells the validation set holds out whole cells.
pub const MIN_CELLS_FOR_CELL_SPLIT: usize = 10;

/// Bins of the switching-rate estimate of [`Weighting::Sensitivity`] ([`rate_table`]).
pub const RATE_BINS: usize = 64;

/// The rows of `polarity` that are fit to train on, and the counts of [`RowCounts`].
///
/// A row is kept when its conductance moved in the polarity's direction (`g_after > g_before`
/// for SET, `<` for RESET; no change is dropped too) and its reading after the pulse lies
/// strictly inside `(g_min_us * (1 + bound_margin), g_max_us * (1 - bound_margin))`: a pulse
/// that ended on a bound overshot what the reading shows, so its duration is too long for it.
pub fn filter_rows(
    rows: &[Row],
    polarity: Polarity,
    params: &CheckedTrainParams,
) -> (Vec<Row>, RowCounts) {
    let (idx, counts) = filter_indices(rows, polarity, params);
    (idx.into_iter().map(|i| rows[i]).collect(), counts)
}

/// The indices of the rows [`filter_rows`] keeps, in order, and its counts.
pub fn filter_indices(
    rows: &[Row],
    polarity: Polarity,
    params: &CheckedTrainParams,
) -> (Vec<usize>, RowCounts) {
    let lo = params.g_min_us * (1.0 + params.bound_margin);
    let hi = params.g_max_us * (1.0 - params.bound_margin);
    let mut counts = RowCounts::default();
    let mut kept = Vec::new();
    for (i, r) in rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.polarity == polarity)
    {
        counts.total += 1;
        if Polarity::towards(r.g_before_us, r.g_after_us) != Some(polarity) {
            counts.wrong_way += 1;
        } else if !(r.g_after_us > lo && r.g_after_us < hi) {
            counts.at_bound += 1;
        } else {
            kept.push(i);
        }
    }
    counts.kept = kept.len();
    (kept, counts)
}

/// The network's target for a row: log2 of the pulse duration in seconds.
pub fn log2_seconds(width_ns: f64) -> f64 {
    (width_ns * 1e-9).log2()
}

/// Median switching rate (microsiemens per second) in each of [`RATE_BINS`] conductance bins
/// over `g_min..g_max`, from the rows that moved less than 2 %; empty bins take their nearest
/// filled neighbour's. `None` when no row qualifies.
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

/// Indices of the training and the validation rows, and whether whole cells were held out
/// (when there are enough of them; else single rows).
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

/// The loss weight of each training row, normalised to mean 1 (see
/// [`TrainParams::weight_floor`](super::TrainParams::weight_floor) and [`Weighting`]); `None`
/// when every row weighs alike.
fn row_weights(
    rows: &[Row],
    train_idx: &[usize],
    params: &CheckedTrainParams,
) -> Option<Array1<f64>> {
    let rates = match params.weighting {
        Weighting::Change => None,
        Weighting::Sensitivity => rate_table(rows, params.g_min_us, params.g_max_us),
    };
    (params.weight_floor > 0.0).then(|| {
        let w = Array1::from_iter(train_idx.iter().map(|&i| {
            let r = &rows[i];
            let q = match &rates {
                Some(rate) => {
                    std::f64::consts::LN_2
                        * r.width_ns
                        * 1e-9
                        * rate[rate_bin(r.g_after_us, params.g_min_us, params.g_max_us)]
                        / r.g_after_us
                }
                None => (r.g_after_us - r.g_before_us).abs() / r.g_after_us,
            };
            q.max(params.weight_floor).powf(params.weight_power)
        }));
        let mean = w.mean().unwrap_or(1.0);
        w / mean
    })
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

/// The normalisation of a network's inputs and output, from the training set: the network sees
/// `(input - in_mean) / in_std` and predicts `(log2 s - out_mean) / out_std`. The exported
/// network ([`MlpF`](ouro_core::schema::MlpF)) stores these four.
#[derive(Debug, Clone)]
pub(super) struct Normalisation {
    pub in_mean: Vec<f64>,
    pub in_std: Vec<f64>,
    pub out_mean: f64,
    pub out_std: f64,
}

impl Normalisation {
    fn of(x: ArrayView2<'_, f64>, y: &Array1<f64>) -> Self {
        let (in_mean, in_std) = column_stats(x);
        let (m, s) = column_stats(y.view().insert_axis(Axis(1)));
        Self {
            in_mean,
            in_std,
            out_mean: m[0],
            out_std: s[0],
        }
    }

    /// Normalise raw inputs (one row per sample) in place.
    pub fn inputs(&self, x: &mut Array2<f64>) {
        for mut row in x.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v - self.in_mean[j]) / self.in_std[j];
            }
        }
    }

    /// Normalise targets (log2 seconds) in place.
    fn outputs(&self, y: &mut Array1<f64>) {
        y.mapv_inplace(|v| (v - self.out_mean) / self.out_std);
    }
}

/// The network's raw inputs for some rows, one row per sample: `features` of the situation
/// whose reading is the row's `g_before_us`, whose target is its `g_after_us` and whose history
/// is `extra[i]` (when `extra` is not empty; else blind).
pub(super) fn inputs_of(
    rows: &[Row],
    extra: &[Situation<f64>],
    features: &[Feature],
    idx: &[usize],
) -> Array2<f64> {
    let mut x = Array2::zeros((idx.len(), features.len()));
    for (mut out, &i) in x.rows_mut().into_iter().zip(idx) {
        let mut s = extra.get(i).copied().unwrap_or_default();
        s.now = rows[i].g_before_us;
        s.target = rows[i].g_after_us;
        for (o, f) in out.iter_mut().zip(features) {
            *o = f.of(&s);
        }
    }
    x
}

/// One polarity's kept rows, split, weighted and normalised: what the fit consumes.
#[derive(Debug)]
pub(super) struct TrainingSet {
    /// Normalised inputs of the training rows.
    pub x_train: Array2<f64>,
    /// Normalised targets of the training rows.
    pub y_train: Array1<f64>,
    /// Loss weight of each training row (mean 1), or `None` for equal weights.
    pub w_train: Option<Array1<f64>>,
    /// Normalised inputs of the validation rows.
    pub x_val: Array2<f64>,
    /// Normalised targets of the validation rows.
    pub y_val: Array1<f64>,
    /// The normalisation, from the training rows.
    pub norm: Normalisation,
    /// Whether the validation rows are whole held-out cells.
    pub split_by_cell: bool,
}

impl TrainingSet {
    /// Split `rows` (the kept rows of one polarity, with their histories `extra` for a
    /// history-aware network, else empty) with `rng`, weigh and normalise them.
    pub fn prepare(
        rows: &[Row],
        extra: &[Situation<f64>],
        features: &[Feature],
        params: &CheckedTrainParams,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Self {
        let (train_idx, val_idx, split_by_cell) = split(rows, params.val_fraction, rng);
        let targets =
            |idx: &[usize]| Array1::from_iter(idx.iter().map(|&i| log2_seconds(rows[i].width_ns)));
        let (mut x_train, mut x_val) = (
            inputs_of(rows, extra, features, &train_idx),
            inputs_of(rows, extra, features, &val_idx),
        );
        let (mut y_train, mut y_val) = (targets(&train_idx), targets(&val_idx));
        let w_train = row_weights(rows, &train_idx, params);
        let norm = Normalisation::of(x_train.view(), &y_train);
        norm.inputs(&mut x_train);
        norm.inputs(&mut x_val);
        norm.outputs(&mut y_train);
        norm.outputs(&mut y_val);
        Self {
            x_train,
            y_train,
            w_train,
            x_val,
            y_val,
            norm,
            split_by_cell,
        }
    }

    /// Rows in the training set.
    pub fn train_rows(&self) -> usize {
        self.x_train.nrows()
    }

    /// Rows in the validation set.
    pub fn val_rows(&self) -> usize {
        self.x_val.nrows()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::TrainParams;

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
        let params = TrainParams::default().check().unwrap();
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
        let (kept, c) = filter_rows(&rows, Polarity::Set, &params);
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
        let (kept, c) = filter_rows(&rows, Polarity::Reset, &params);
        assert_eq!((c.total, c.wrong_way, c.at_bound, c.kept), (3, 1, 1, 1));
        assert_eq!(kept, vec![rows[6]]);
    }
}
