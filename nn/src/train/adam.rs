//! The optimizer: Adam with bias correction, and decoupled (AdamW) weight decay on the weights
//! (not the biases or the input tables).

use super::model::{Gradients, Model};
use ndarray::{Array, Dimension, Ix1, Ix2, Zip};

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const ADAM_EPS: f64 = 1e-8;

/// First and second moment estimates of one parameter array.
#[derive(Debug)]
struct Moments<D: Dimension> {
    m: Array<f64, D>,
    v: Array<f64, D>,
}

impl<D: Dimension> Moments<D> {
    fn like(p: &Array<f64, D>) -> Self {
        Self {
            m: Array::zeros(p.raw_dim()),
            v: Array::zeros(p.raw_dim()),
        }
    }

    /// One Adam step on `p` with gradient `g`, step size `lr` and bias corrections `c1`, `c2`.
    fn step(&mut self, p: &mut Array<f64, D>, g: &Array<f64, D>, lr: f64, c1: f64, c2: f64) {
        Zip::from(p)
            .and(&mut self.m)
            .and(&mut self.v)
            .and(g)
            .for_each(|p, m, v, &g| {
                *m = BETA1 * *m + (1.0 - BETA1) * g;
                *v = BETA2 * *v + (1.0 - BETA2) * g * g;
                *p -= lr * (*m / c1) / ((*v / c2).sqrt() + ADAM_EPS);
            });
    }
}

/// Adam's state for every parameter of a [`Model`].
#[derive(Debug)]
pub(super) struct Adam {
    /// Per layer: the weights' and the biases' moments.
    layers: Vec<(Moments<Ix2>, Moments<Ix1>)>,
    /// The input tables' moments, if the model has tables.
    tables: Option<Moments<Ix2>>,
    /// Decoupled weight decay per unit step size (0: none).
    weight_decay: f64,
    /// Steps taken so far.
    steps: u64,
}

impl Adam {
    /// Zero moments shaped like `model`'s parameters.
    pub fn new(model: &Model, weight_decay: f64) -> Self {
        Self {
            layers: model
                .layers
                .iter()
                .map(|l| (Moments::like(&l.w), Moments::like(&l.b)))
                .collect(),
            tables: model.tables.as_ref().map(|t| Moments::like(&t.theta)),
            weight_decay,
            steps: 0,
        }
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// One step of size `lr` on every parameter of `model` along `grads`.
    pub fn step(&mut self, model: &mut Model, grads: &Gradients, lr: f64) {
        self.steps += 1;
        let t = self.steps.min(i32::MAX as u64) as i32;
        let (c1, c2) = (1.0 - BETA1.powi(t), 1.0 - BETA2.powi(t));
        if let (Some(tables), Some(mo), Some(g)) =
            (model.tables.as_mut(), self.tables.as_mut(), &grads.tables)
        {
            mo.step(&mut tables.theta, g, lr, c1, c2);
        }
        for ((l, (mw, mb)), g) in model
            .layers
            .iter_mut()
            .zip(&mut self.layers)
            .zip(&grads.layers)
        {
            mw.step(&mut l.w, &g.w, lr, c1, c2);
            if self.weight_decay > 0.0 {
                l.w.mapv_inplace(|w| w * (1.0 - lr * self.weight_decay));
            }
            mb.step(&mut l.b, &g.b, lr, c1, c2);
        }
    }
}
