//! The network while it trains: dense layers on `ndarray` (ReLU hidden layers, a linear output),
//! He initialisation, the optional learned input tables, the forward pass over a batch, the
//! losses, the gradients of one batch, and the export to the file schema ([`MlpF`]).
//!
//! The batch forward pass computes the same function as
//! [`FloatNetwork::forward`](crate::network::FloatNetwork::forward) of the exported network, on
//! normalised units and many rows at once (a test in `fit` holds the two together).

use super::data::Normalisation;
use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use ouro_core::schema::{DenseF, InputTable, MlpF};
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A dense layer during training: `w` is `(outputs, inputs)`.
#[derive(Debug, Clone)]
pub(super) struct Layer {
    pub w: Array2<f64>,
    pub b: Array1<f64>,
}

/// Dense layers from `n_in` inputs through `hidden` to one output, He-initialised from `rng`
/// (weights drawn layer by layer, row-major), biases zero.
pub(super) fn init_layers(
    n_in: usize,
    hidden: &[usize],
    rng: &mut Xoshiro256PlusPlus,
) -> Vec<Layer> {
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
pub(super) fn forward(layers: &[Layer], x: ArrayView2<'_, f64>) -> Vec<Array2<f64>> {
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
pub(super) fn mse(layers: &[Layer], x: ArrayView2<'_, f64>, y: &Array1<f64>) -> f64 {
    mean_loss(layers, x, y, |e2| e2)
}

/// Mean of `loss(e^2)` over the rows, `e` the error of the normalised output.
pub(super) fn mean_loss(
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

/// Learned input tables during training: `theta[[j, k]]` is input `j`'s value at knot `k`, the
/// knots evenly spaced over `lo[j]..=hi[j]`, for the leading `theta.nrows()` inputs (the
/// readings); the inputs after them pass through unchanged.
#[derive(Debug, Clone)]
pub(super) struct Tables {
    lo: Vec<f64>,
    hi: Vec<f64>,
    pub theta: Array2<f64>,
}

/// Where each entry of a batch fell in its table: (segment, fraction), row-major.
pub(super) type TableSpots = Vec<(usize, f64)>;

impl Tables {
    /// Identity tables over the range of each of the first `tabled` columns of `x`.
    pub fn identity(x: ArrayView2<'_, f64>, knots: usize, tabled: usize) -> Self {
        let n_in = tabled.min(x.ncols());
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

    /// The tables in the file schema.
    fn as_schema(&self) -> Vec<InputTable> {
        (0..self.lo.len())
            .map(|j| InputTable {
                lo: self.lo[j],
                hi: self.hi[j],
                values: self.theta.row(j).to_vec(),
            })
            .collect()
    }

    /// Apply to a batch; also returns where each entry fell. The same interpolation as
    /// [`InputTable::eval`].
    pub fn apply(&self, x: ArrayView2<'_, f64>) -> (Array2<f64>, TableSpots) {
        let knots = self.theta.ncols();
        let mut spots = Vec::with_capacity(x.len());
        let tabled = self.lo.len();
        let z = Array2::from_shape_fn(x.raw_dim(), |(i, j)| {
            if j >= tabled {
                // Not tabled: passes through (its spot is never read).
                spots.push((0, 0.0));
                return x[[i, j]];
            }
            let (k, f) = InputTable::locate_on(self.lo[j], self.hi[j], knots, x[[i, j]]);
            spots.push((k, f));
            self.theta[[j, k]] * (1.0 - f) + self.theta[[j, k + 1]] * f
        });
        (z, spots)
    }

    /// The gradient of the loss with respect to `theta`, from its gradient `gz` with respect to
    /// the tables' outputs on a batch whose entries fell at `spots`.
    fn gradient(&self, gz: &Array2<f64>, spots: &[(usize, f64)]) -> Array2<f64> {
        let mut gt = Array2::<f64>::zeros(self.theta.raw_dim());
        let n_in = gz.ncols();
        let tabled = self.lo.len();
        for (e, &(seg, f)) in spots.iter().enumerate() {
            let (i, j) = (e / n_in, e % n_in);
            if j >= tabled {
                continue;
            }
            gt[[j, seg]] += gz[[i, j]] * (1.0 - f);
            gt[[j, seg + 1]] += gz[[i, j]] * f;
        }
        gt
    }
}

/// Gradients of one layer.
#[derive(Debug)]
pub(super) struct LayerGradient {
    pub w: Array2<f64>,
    pub b: Array1<f64>,
}

/// Gradients of every parameter of a [`Model`] on one batch.
#[derive(Debug)]
pub(super) struct Gradients {
    /// Per layer, input first.
    pub layers: Vec<LayerGradient>,
    /// Of the input tables' knot values, if the model has tables.
    pub tables: Option<Array2<f64>>,
}

/// The trainable network: its layers and, optionally, the learned tables in front of them.
#[derive(Debug, Clone)]
pub(super) struct Model {
    pub layers: Vec<Layer>,
    pub tables: Option<Tables>,
}

impl Model {
    /// A fresh model for the normalised training inputs `x`: identity tables of `knots` knots
    /// (none when 0) over the range of the first `tabled` inputs, then [`init_layers`] with
    /// `rng`.
    pub fn init(
        x: ArrayView2<'_, f64>,
        hidden: &[usize],
        (knots, tabled): (usize, usize),
        rng: &mut Xoshiro256PlusPlus,
    ) -> Self {
        let tables = (knots > 0 && tabled > 0).then(|| Tables::identity(x, knots, tabled));
        let layers = init_layers(x.ncols(), hidden, rng);
        Self { layers, tables }
    }

    /// The tables' outputs on a batch of normalised inputs and where each entry fell, or `None`
    /// when the model has no tables (the layers then see `x` itself).
    pub fn apply_tables(&self, x: ArrayView2<'_, f64>) -> Option<(Array2<f64>, TableSpots)> {
        self.tables.as_ref().map(|t| t.apply(x))
    }

    /// Back-propagation: the gradients of the loss, given the layers' `input` (after the
    /// tables), where the batch fell in the tables, every layer's output (`acts`, from
    /// [`forward`]) and the loss's gradient with respect to the output (`delta`, one column).
    pub fn gradients(
        &self,
        input: ArrayView2<'_, f64>,
        spots: &[(usize, f64)],
        acts: &[Array2<f64>],
        mut delta: Array2<f64>,
    ) -> Gradients {
        let mut layers = Vec::with_capacity(self.layers.len());
        for k in (0..self.layers.len()).rev() {
            let x = if k == 0 {
                input.view()
            } else {
                acts[k - 1].view()
            };
            layers.push(LayerGradient {
                w: delta.t().dot(&x),
                b: delta.sum_axis(Axis(0)),
            });
            if k > 0 {
                let mut next = delta.dot(&self.layers[k].w);
                next.zip_mut_with(&acts[k - 1], |d, &a| {
                    if a <= 0.0 {
                        *d = 0.0;
                    }
                });
                delta = next;
            }
        }
        layers.reverse();
        // `delta` is now the gradient with respect to the first layer's output.
        let tables = self
            .tables
            .as_ref()
            .map(|t| t.gradient(&delta.dot(&self.layers[0].w), spots));
        Gradients { layers, tables }
    }

    /// The network in the file schema, with the normalisation it was trained under.
    pub fn to_network(&self, norm: &Normalisation) -> MlpF {
        MlpF {
            input_mean: norm.in_mean.clone(),
            input_std: norm.in_std.clone(),
            output_mean: norm.out_mean,
            output_std: norm.out_std,
            layers: self
                .layers
                .iter()
                .map(|l| DenseF {
                    weights: l.w.rows().into_iter().map(|r| r.to_vec()).collect(),
                    biases: l.b.to_vec(),
                })
                .collect(),
            input_tables: self
                .tables
                .as_ref()
                .map_or_else(Vec::new, Tables::as_schema),
        }
    }
}
