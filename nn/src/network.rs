//! The float network, evaluated one input vector at a time: the single definition of what a
//! float predictor file (`ouro_core::schema::Predictor`) computes. The quantizer, the
//! evaluation and the tests use it; the trainer's batch forward pass computes the same function
//! on many rows at once (a test in `train::fit` holds the two together on trained networks, with
//! and without input tables).
//!
//! Per network: normalise each raw input with its mean and standard deviation, pass it through
//! its input table (if the network has tables), then dense layers with ReLU on every hidden
//! layer; the single output is in normalised units, de-normalised to log2(seconds).

use ouro_core::schema::{Feature, MlpF, Predictor, Situation};
use ouro_core::Polarity;

/// Float evaluation of one network ([`MlpF`]).
pub trait FloatNetwork {
    /// Every layer's outputs for raw inputs (hidden ones after ReLU, the last in normalised
    /// units): what [`forward`](Self::forward) computes, layer by layer.
    fn layer_outputs(&self, inputs: &[f64]) -> Vec<Vec<f64>>;

    /// Raw inputs in, de-normalised output (log2 seconds) out.
    fn forward(&self, inputs: &[f64]) -> f64;
}

impl FloatNetwork for MlpF {
    fn layer_outputs(&self, inputs: &[f64]) -> Vec<Vec<f64>> {
        let mut x: Vec<f64> = inputs
            .iter()
            .zip(self.input_mean.iter().zip(&self.input_std))
            .map(|(v, (m, s))| (v - m) / s)
            .collect();
        for (v, t) in x.iter_mut().zip(&self.input_tables) {
            *v = t.eval(*v);
        }
        let last = self.layers.len() - 1;
        let mut out = Vec::with_capacity(self.layers.len());
        for (k, layer) in self.layers.iter().enumerate() {
            x = layer
                .weights
                .iter()
                .zip(&layer.biases)
                .map(|(row, b)| {
                    let v = row.iter().zip(&x).map(|(w, xi)| w * xi).sum::<f64>() + b;
                    if k < last {
                        v.max(0.0)
                    } else {
                        v
                    }
                })
                .collect();
            out.push(x.clone());
        }
        out
    }

    fn forward(&self, inputs: &[f64]) -> f64 {
        let out = self.layer_outputs(inputs);
        out[out.len() - 1][0] * self.output_std + self.output_mean
    }
}

/// Float prediction with a whole predictor ([`Predictor`]: one network per polarity).
pub trait FloatPredictor {
    /// The float prediction for a cell reading `g_now_us` and a target `g_target_us`: the
    /// polarity and log2 of the duration in seconds, or `None` when they are equal.
    fn predict_log2_seconds(&self, g_now_us: f64, g_target_us: f64) -> Option<(Polarity, f64)>;

    /// The float prediction in a whole situation (what a history-aware predictor needs: the
    /// probe's change and duration, the amplitude level); the polarity comes from the reading
    /// and the target.
    fn predict_in(&self, s: &Situation<f64>) -> Option<(Polarity, f64)>;
}

impl FloatPredictor for Predictor {
    fn predict_log2_seconds(&self, g_now_us: f64, g_target_us: f64) -> Option<(Polarity, f64)> {
        self.predict_in(&Situation::blind(g_now_us, g_target_us))
    }

    fn predict_in(&self, s: &Situation<f64>) -> Option<(Polarity, f64)> {
        let p = Polarity::towards(s.now, s.target)?;
        let inputs = Feature::inputs(&self.features, s);
        Some((p, self.networks.get(p).forward(&inputs)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ouro_core::schema::{DenseF, InputTable, PerPolarity, PREDICTOR_FORMAT};

    fn net(tables: Vec<InputTable>) -> MlpF {
        MlpF {
            input_mean: vec![300.0, 300.0],
            input_std: vec![100.0, 100.0],
            output_mean: -17.0,
            output_std: 2.0,
            layers: vec![
                DenseF {
                    weights: vec![vec![1.0, -1.0], vec![-1.0, 0.0]],
                    biases: vec![0.0, 0.25],
                },
                DenseF {
                    weights: vec![vec![1.0, 2.0]],
                    biases: vec![0.5],
                },
            ],
            input_tables: tables,
        }
    }

    #[test]
    fn tables_apply_after_normalisation_then_relu_then_denormalisation() {
        let double = |v: Vec<f64>| InputTable {
            lo: -2.0,
            hi: 2.0,
            values: v,
        };
        // Doubles the first input, negates the second.
        let n = net(vec![double(vec![-4.0, 4.0]), double(vec![2.0, 0.0, -2.0])]);
        // Inputs normalise to 1.0 and -0.5, tables make them 2.0 and 0.5: hidden 1.5 and
        // ReLU(-2.0 + 0.25) = 0; output 1.5 + 0.5 = 2.0, de-normalised 2.0 * 2 - 17 = -13.
        let outs = n.layer_outputs(&[400.0, 250.0]);
        assert_eq!(outs.len(), 2);
        assert!(
            (outs[0][0] - 1.5).abs() < 1e-12 && outs[0][1] == 0.0,
            "{outs:?}"
        );
        assert!((outs[1][0] - 2.0).abs() < 1e-12);
        assert!((n.forward(&[400.0, 250.0]) + 13.0).abs() < 1e-12);
    }

    #[test]
    fn the_predictor_picks_the_network_of_the_polarity() {
        let p = Predictor {
            format: PREDICTOR_FORMAT.into(),
            features: vec![Feature::GNow, Feature::GTarget],
            networks: PerPolarity {
                set: net(Vec::new()),
                reset: MlpF {
                    output_mean: -5.0,
                    ..net(Vec::new())
                },
            },
            levels: None,
            training: None,
        };
        let (pol, up) = p.predict_log2_seconds(200.0, 400.0).unwrap();
        assert_eq!(pol, Polarity::Set);
        assert_eq!(up, p.networks.set.forward(&[200.0, 400.0]));
        let (pol, down) = p.predict_log2_seconds(400.0, 200.0).unwrap();
        assert_eq!(pol, Polarity::Reset);
        assert_eq!(down, p.networks.reset.forward(&[400.0, 200.0]));
        assert!(p.predict_log2_seconds(300.0, 300.0).is_none());
    }
}
