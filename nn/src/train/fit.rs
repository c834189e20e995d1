//! The fit of one polarity's network: prepare the rows, initialise the model, then per epoch
//! a seeded pass of mini-batch Adam steps, a validation pass, and the checkpoint of the best
//! epoch so far.

use super::adam::Adam;
use super::data::{Normalisation, TrainingSet};
use super::model::{forward, mean_loss, mse, Model};
use super::params::CheckedTrainParams;
use super::report::{EpochStats, PolarityReport, RowCounts};
use crate::NnError;
use ndarray::{s, Array1, Array2};
use ouro_core::dataset::Row;
use ouro_core::progress::Progress;
use ouro_core::schema::MlpF;
use ouro_core::schema::{Feature, Situation};
use ouro_core::Polarity;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;

/// A trained network: the model of the chosen epoch, its normalisation, and the report.
#[derive(Debug)]
pub(super) struct Fitted {
    pub model: Model,
    pub norm: Normalisation,
    pub report: PolarityReport,
}

impl Fitted {
    /// The network in the file schema.
    pub fn network(&self) -> MlpF {
        self.model.to_network(&self.norm)
    }
}

/// Train the `polarity` network on its kept `rows` (`counts` from the filter, for the report),
/// drawing every random choice from `rng`: the split, then the initial weights, then each
/// epoch's batch order.
pub(super) fn fit(
    polarity: Polarity,
    (rows, extra, features): (&[Row], &[Situation<f64>], &[Feature]),
    counts: RowCounts,
    params: &CheckedTrainParams,
    mut rng: Xoshiro256PlusPlus,
    progress: Option<&dyn Progress>,
) -> Result<Fitted, NnError> {
    let data = TrainingSet::prepare(rows, extra, features, params, &mut rng);
    let mut model = Model::init(
        data.x_train.view(),
        &params.hidden,
        (
            params.input_knots,
            ouro_core::schema::Feature::tabled_inputs(features),
        ),
        &mut rng,
    );
    let mut adam = Adam::new(&model, params.weight_decay);
    let n = data.train_rows();
    let mut batch = Batch::new(params.batch_size.min(n), data.x_train.ncols());
    let schedule = Schedule::new(params, n.div_ceil(batch.capacity()));
    let out_std = data.norm.out_std;
    let scale = out_std * out_std;
    let welsch = Loss::Welsch {
        c2: (params.robust_scale / out_std).powi(2),
    };

    let mut order: Vec<usize> = (0..n).collect();
    let mut keeper = Keeper::new(params);
    let mut history = Vec::with_capacity(params.epochs as usize);
    for epoch in 1..=params.epochs {
        // The second half of the run minimises the Welsch loss, if it is on.
        let robust = params.robust_scale > 0.0 && epoch > params.epochs / 2;
        let loss = if robust { welsch } else { Loss::Squared };
        order.shuffle(&mut rng);
        let mut sse = 0.0;
        for chunk in order.chunks(batch.capacity()) {
            batch.fill(chunk, &data);
            step(&mut model, &mut adam, &batch, &schedule, loss, &mut sse);
        }
        let train_mse = sse / n as f64 * scale;
        let (val_mse, criterion) = validate(&model, &data, loss, scale);
        if !(train_mse.is_finite() && val_mse.is_finite()) {
            return Err(NnError::Diverged { polarity, epoch });
        }
        history.push(EpochStats {
            epoch,
            train_mse,
            val_mse,
        });
        let phase_starts = robust && epoch == params.epochs / 2 + 1;
        keeper.offer(epoch, phase_starts, criterion, val_mse, &model);
        if let Some(pb) = progress {
            pb.advance(1);
        }
    }
    let chosen = keeper.chosen();
    Ok(Fitted {
        model: chosen.model,
        report: PolarityReport {
            rows: counts,
            train_rows: data.train_rows(),
            val_rows: data.val_rows(),
            split_by_cell: data.split_by_cell,
            epochs: history,
            chosen_epoch: chosen.epoch,
            val_mse: chosen.val_mse,
        },
        norm: data.norm,
    })
}

/// The best epoch so far.
#[derive(Debug)]
struct Checkpoint {
    /// The loss it was chosen by.
    criterion: f64,
    /// Its 1-based number.
    epoch: u32,
    /// The model after it.
    model: Model,
    /// Its validation MSE, log2-seconds squared.
    val_mse: f64,
}

/// Chooses the epoch whose weights are returned: with
/// [`keep_best`](super::TrainParams::keep_best), the best so far by the loss being minimised
/// (the squared error, or in the robust phase the Welsch loss, whose best epochs are never in the
/// squared-error phase: the robust phase starts the choice afresh); else the last epoch.
#[derive(Debug)]
struct Keeper {
    keep_best: bool,
    last_epoch: u32,
    best: Option<Checkpoint>,
}

impl Keeper {
    fn new(params: &CheckedTrainParams) -> Self {
        Self {
            keep_best: params.keep_best,
            last_epoch: params.epochs,
            best: None,
        }
    }

    /// Consider the model after `epoch` (`phase_starts`: the first epoch of the robust phase),
    /// whose validation loss is `criterion` and validation MSE `val_mse`.
    fn offer(
        &mut self,
        epoch: u32,
        phase_starts: bool,
        criterion: f64,
        val_mse: f64,
        model: &Model,
    ) {
        if phase_starts {
            self.best = None;
        }
        let better = self.best.as_ref().map_or(true, |b| criterion < b.criterion);
        if (self.keep_best && better) || (!self.keep_best && epoch == self.last_epoch) {
            self.best = Some(Checkpoint {
                criterion,
                epoch,
                model: model.clone(),
                val_mse,
            });
        }
    }

    /// The chosen epoch, after the last.
    fn chosen(self) -> Checkpoint {
        self.best.expect("at least one epoch")
    }
}

/// The loss an epoch minimises, of the error `e` of the normalised output.
#[derive(Debug, Clone, Copy)]
enum Loss {
    /// `e^2`.
    Squared,
    /// The Welsch (correntropy) loss `c2 (1 - exp(-e^2 / c2))`, `c2` its squared scale.
    Welsch { c2: f64 },
}

impl Loss {
    /// The loss's derivative over the squared error's (`2 e`).
    fn gradient_factor(self, e: f64) -> f64 {
        match self {
            Loss::Squared => 1.0,
            Loss::Welsch { c2 } => (-e * e / c2).exp(),
        }
    }
}

/// The step size along the run: a cosine from `learning_rate` at the first step down to
/// `learning_rate * final_lr_fraction` at the last.
#[derive(Debug)]
struct Schedule {
    start: f64,
    end: f64,
    total_steps: f64,
}

impl Schedule {
    fn new(params: &CheckedTrainParams, steps_per_epoch: usize) -> Self {
        Self {
            start: params.learning_rate,
            end: params.learning_rate * params.final_lr_fraction,
            total_steps: (steps_per_epoch * params.epochs as usize) as f64,
        }
    }

    /// The step size of the step after `done` steps.
    fn learning_rate(&self, done: u64) -> f64 {
        let progress_frac = done as f64 / self.total_steps;
        self.end
            + 0.5 * (self.start - self.end) * (1.0 + (std::f64::consts::PI * progress_frac).cos())
    }
}

/// The rows of one mini-batch (buffers reused from batch to batch).
#[derive(Debug)]
struct Batch {
    x: Array2<f64>,
    y: Array1<f64>,
    /// Loss weights; all 1 when the rows weigh alike.
    w: Array1<f64>,
    /// Rows filled.
    len: usize,
}

impl Batch {
    fn new(capacity: usize, inputs: usize) -> Self {
        Self {
            x: Array2::zeros((capacity, inputs)),
            y: Array1::zeros(capacity),
            w: Array1::ones(capacity),
            len: 0,
        }
    }

    fn capacity(&self) -> usize {
        self.y.len()
    }

    /// Copy the training rows `chunk` of `data` in.
    fn fill(&mut self, chunk: &[usize], data: &TrainingSet) {
        for (i, &r) in chunk.iter().enumerate() {
            self.x.row_mut(i).assign(&data.x_train.row(r));
            self.y[i] = data.y_train[r];
            if let Some(w) = &data.w_train {
                self.w[i] = w[r];
            }
        }
        self.len = chunk.len();
    }
}

/// One Adam step on `batch`; adds the batch's squared errors (normalised units) to `sse`.
fn step(
    model: &mut Model,
    adam: &mut Adam,
    batch: &Batch,
    schedule: &Schedule,
    loss: Loss,
    sse: &mut f64,
) {
    let x = batch.x.slice(s![..batch.len, ..]);
    let tabled = model.apply_tables(x);
    let (input, spots) = match &tabled {
        Some((z, spots)) => (z.view(), spots.as_slice()),
        None => (x, &[][..]),
    };
    let acts = forward(&model.layers, input);
    let delta = output_gradient(acts.last().expect("at least one layer"), batch, loss, sse);
    let grads = model.gradients(input, spots, &acts, delta);
    let lr = schedule.learning_rate(adam.steps());
    adam.step(model, &grads, lr);
}

/// The gradient of the batch's loss `mean(w * loss(out - y))` with respect to the network's
/// output `out`; adds each row's squared error to `sse`.
fn output_gradient(out: &Array2<f64>, batch: &Batch, loss: Loss, sse: &mut f64) -> Array2<f64> {
    let m = batch.len;
    let mut delta = Array2::<f64>::zeros((m, 1));
    for i in 0..m {
        let e = out[[i, 0]] - batch.y[i];
        *sse += e * e;
        let g = loss.gradient_factor(e);
        delta[[i, 0]] = 2.0 * batch.w[i] * e * g / m as f64;
    }
    delta
}

/// The validation MSE (log2-seconds squared, `scale` the squared output deviation) and the
/// checkpoint criterion: the epoch's `loss` on the validation set.
fn validate(model: &Model, data: &TrainingSet, loss: Loss, scale: f64) -> (f64, f64) {
    let tabled = model.apply_tables(data.x_val.view()).map(|(z, _)| z);
    let x = tabled.as_ref().map_or(data.x_val.view(), |z| z.view());
    let val_mse = mse(&model.layers, x, &data.y_val) * scale;
    let criterion = match loss {
        Loss::Squared => val_mse,
        Loss::Welsch { c2 } => mean_loss(&model.layers, x, &data.y_val, |e2| {
            c2 * (1.0 - (-e2 / c2).exp())
        }),
    };
    (val_mse, criterion)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::FloatNetwork;
    use crate::train::TrainParams;
    use rand::{Rng, SeedableRng};

    /// SET rows of a smooth made-up law over 60 cells: only the two forward passes are compared,
    /// so no ground truth is needed.
    fn rows() -> Vec<Row> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        (0..3000)
            .map(|i| {
                let g_before_us = 100.0 + 400.0 * rng.random::<f64>();
                let g_after_us = g_before_us * (1.0 + 0.1 * rng.random::<f64>()) + 0.01;
                let width_ns = 50.0
                    * (40.0 * (g_after_us / g_before_us).ln()).exp()
                    * (300.0 / g_before_us).powi(2)
                    * (1.0 + 0.1 * rng.random::<f64>());
                Row {
                    cell: i / 50,
                    g_before_us,
                    polarity: Polarity::Set,
                    width_ns,
                    g_after_us,
                }
            })
            .collect()
    }

    /// The trainer's batch forward pass on raw inputs: every layer's outputs, and the
    /// de-normalised prediction (log2 seconds) of each row.
    fn batch_forward(fitted: &Fitted, raw: &Array2<f64>) -> (Vec<Array2<f64>>, Vec<f64>) {
        let mut x = raw.clone();
        fitted.norm.inputs(&mut x);
        let tabled = fitted.model.apply_tables(x.view());
        let input = tabled.as_ref().map_or(x.view(), |(z, _)| z.view());
        let acts = forward(&fitted.model.layers, input);
        let out = acts[acts.len() - 1]
            .column(0)
            .iter()
            .map(|v| v * fitted.norm.out_std + fitted.norm.out_mean)
            .collect();
        (acts, out)
    }

    #[test]
    fn the_batch_forward_pass_and_the_exported_network_agree() {
        let rows = rows();
        // Readings over and beyond the training range (the tables clamp outside theirs).
        let grid: Vec<[f64; 2]> = (0..=20)
            .flat_map(|i| (0..=20).map(move |j| [60.0 + 25.0 * i as f64, 60.0 + 25.0 * j as f64]))
            .collect();
        let raw = Array2::from_shape_fn((grid.len(), 2), |(i, j)| grid[i][j]);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0);
        for knots in [0, 12] {
            let params = TrainParams {
                epochs: 5,
                hidden: vec![12, 8],
                input_knots: knots,
                ..TrainParams::default()
            }
            .check()
            .unwrap();
            let rng = Xoshiro256PlusPlus::seed_from_u64(1);
            let fitted = fit(
                Polarity::Set,
                (&rows, &[], &[Feature::GNow, Feature::GTarget]),
                RowCounts::default(),
                &params,
                rng,
                None,
            )
            .unwrap();
            let net = fitted.network();
            assert_eq!(net.input_tables.len(), if knots > 0 { 2 } else { 0 });
            for t in &net.input_tables {
                // Trained away from the identity it starts as.
                let step = (t.hi - t.lo) / (knots - 1) as f64;
                let moved = t
                    .values
                    .iter()
                    .enumerate()
                    .map(|(k, v)| (v - (t.lo + step * k as f64)).abs())
                    .fold(0.0, f64::max);
                assert!(moved > 1e-6, "{t:?}");
            }
            let (acts, batch) = batch_forward(&fitted, &raw);
            for (i, g) in grid.iter().enumerate() {
                let single = net.forward(g);
                assert!(
                    close(batch[i], single),
                    "{knots} knots, {g:?}: batch {} single {single}",
                    batch[i]
                );
                for (k, layer) in net.layer_outputs(g).iter().enumerate() {
                    for (o, &v) in layer.iter().enumerate() {
                        let b = acts[k][[i, o]];
                        assert!(
                            close(b, v),
                            "{knots} knots, {g:?}, layer {k} output {o}: {b} vs {v}"
                        );
                    }
                }
            }
        }
    }
}
