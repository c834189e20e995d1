//! The float predictor written by `ouro train`: its layers, input tables, provenance, loading
//! and checks.

use super::{
    check_features, check_shapes, invalid, load_tagged, Feature, Levels, PerPolarity,
    PREDICTOR_FORMAT,
};
use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A fully connected layer in floating point; `weights[o][i]`. ReLU follows every layer but
/// the last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenseF {
    /// Row-major weights, one row per output.
    pub weights: Vec<Vec<f64>>,
    /// One bias per output.
    pub biases: Vec<f64>,
}

/// A float MLP with input and output normalisation:
/// `x_norm = (x - input_mean) / input_std`, `y = y_norm * output_std + output_mean`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpF {
    /// Mean of each input over the training set.
    pub input_mean: Vec<f64>,
    /// Standard deviation of each input over the training set.
    pub input_std: Vec<f64>,
    /// Mean of the output (log2 seconds) over the training set.
    pub output_mean: f64,
    /// Standard deviation of the output over the training set.
    pub output_std: f64,
    /// The layers, input first.
    pub layers: Vec<DenseF>,
    /// Optional learned input tables, one per input: a piecewise-linear map applied to each
    /// normalised input before the first layer (empty: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_tables: Vec<InputTable>,
}

/// A piecewise-linear function of one normalised input: `values` at `values.len()` knots
/// spaced evenly from `lo` to `hi`, linear in between, constant beyond the ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputTable {
    /// Position of the first knot (normalised input units).
    pub lo: f64,
    /// Position of the last knot (normalised input units).
    pub hi: f64,
    /// The function's value at each knot; at least two.
    pub values: Vec<f64>,
}

impl InputTable {
    /// Segment index and fraction of `x`, clamped to the table.
    pub fn locate(&self, x: f64) -> (usize, f64) {
        Self::locate_on(self.lo, self.hi, self.values.len(), x)
    }

    /// [`locate`](Self::locate) for a table of `knots` knots from `lo` to `hi`.
    pub fn locate_on(lo: f64, hi: f64, knots: usize, x: f64) -> (usize, f64) {
        let segs = knots - 1;
        let s = ((x - lo) / (hi - lo) * segs as f64).clamp(0.0, segs as f64);
        let i = (s.floor() as usize).min(segs - 1);
        (i, s - i as f64)
    }

    /// The table's value at `x`.
    pub fn eval(&self, x: f64) -> f64 {
        let (i, f) = self.locate(x);
        self.values[i] * (1.0 - f) + self.values[i + 1] * f
    }
}

/// How a predictor was trained (provenance, free to extend).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TrainingInfo {
    /// The data file.
    pub data: String,
    /// Epochs run.
    pub epochs: u32,
    /// Hidden layer sizes.
    pub hidden: Vec<usize>,
    /// The seed.
    pub seed: u64,
    /// Final validation MSE (log2 seconds squared), per polarity.
    pub val_mse: PerPolarity<f64>,
    /// Rows used for training, per polarity.
    pub train_rows: PerPolarity<usize>,
}

/// The float predictor: output is log2 of the pulse duration in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predictor {
    /// Always [`PREDICTOR_FORMAT`].
    pub format: String,
    /// The inputs, in order.
    pub features: Vec<Feature>,
    /// The networks.
    pub networks: PerPolarity<MlpF>,
    /// The amplitude levels, when a feature is [`Feature::Level`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<Levels>,
    /// Provenance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingInfo>,
}

impl Predictor {
    /// Read and check a float predictor file.
    pub fn load(path: &Path) -> Result<Self, CoreError> {
        let p: Self = load_tagged(
            path,
            "predictor YAML",
            PREDICTOR_FORMAT,
            "give a float predictor from `ouro train` here",
        )?;
        p.validate()
            .map_err(|e| invalid(&path.display().to_string(), "predictor YAML", &e))?;
        Ok(p)
    }

    /// Check the format tag and the shapes.
    pub fn validate(&self) -> Result<(), CoreError> {
        self.check().map_err(|message| CoreError::Invalid {
            what: "float predictor",
            message,
        })
    }

    fn check(&self) -> Result<(), String> {
        if self.format != PREDICTOR_FORMAT {
            return Err(format!(
                "format is `{}`, expected `{PREDICTOR_FORMAT}` (a quantized file goes to --predictor of eval, not to quantize?)",
                self.format
            ));
        }
        check_features(&self.features, self.levels.as_ref())?;
        for (name, net) in [("set", &self.networks.set), ("reset", &self.networks.reset)] {
            let n_in = self.features.len();
            if net.input_mean.len() != n_in || net.input_std.len() != n_in {
                return Err(format!(
                    "networks.{name}: input_mean and input_std need one entry per feature ({n_in}), got {} and {}",
                    net.input_mean.len(),
                    net.input_std.len()
                ));
            }
            if let Some(s) = net.input_std.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
                return Err(format!(
                    "networks.{name}.input_std holds {s}: standard deviations must be positive"
                ));
            }
            if !(net.output_std.is_finite() && net.output_std > 0.0) {
                return Err(format!(
                    "networks.{name}.output_std = {}: standard deviations must be positive",
                    net.output_std
                ));
            }
            if let Some(m) = net
                .input_mean
                .iter()
                .chain([&net.output_mean])
                .find(|m| !m.is_finite())
            {
                return Err(format!(
                    "network {name}: a mean is {m}: the normalisation must be finite numbers"
                ));
            }
            let shapes: Vec<(usize, usize)> = net
                .layers
                .iter()
                .map(|l| (l.weights.len(), l.weights.first().map_or(0, Vec::len)))
                .collect();
            check_shapes(name, n_in, &shapes)?;
            if !net.input_tables.is_empty() {
                let tabled = Feature::tabled_inputs(&self.features);
                if tabled == 0 {
                    return Err(format!(
                        "network {name}: input tables are for the readings, and its first input is not one"
                    ));
                }
                if net.input_tables.len() != tabled {
                    return Err(format!(
                        "network {name}: {} input tables for {tabled} readings (one per reading, the leading inputs)",
                        net.input_tables.len()
                    ));
                }
                for (j, t) in net.input_tables.iter().enumerate() {
                    if t.values.len() < 2
                        || !(t.lo.is_finite() && t.hi.is_finite() && t.hi > t.lo)
                        || t.values.iter().any(|v| !v.is_finite())
                    {
                        return Err(format!(
                            "network {name} input table {j}: needs lo < hi and at least two finite values"
                        ));
                    }
                }
            }
            for (k, l) in net.layers.iter().enumerate() {
                if l.biases.len() != l.weights.len()
                    || l.weights.iter().any(|r| r.len() != shapes[k].1)
                {
                    return Err(format!(
                        "network {name} layer {k}: ragged weights or biases"
                    ));
                }
                if l.weights
                    .iter()
                    .flatten()
                    .chain(&l.biases)
                    .any(|v| !v.is_finite())
                {
                    return Err(format!("network {name} layer {k}: non-finite weight"));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_table_interpolates_and_clamps() {
        let t = InputTable {
            lo: -1.0,
            hi: 1.0,
            values: vec![0.0, 10.0, 4.0],
        };
        assert_eq!(t.eval(-1.0), 0.0);
        assert_eq!(t.eval(-0.5), 5.0);
        assert_eq!(t.eval(0.0), 10.0);
        assert_eq!(t.eval(0.5), 7.0);
        assert_eq!(t.eval(1.0), 4.0);
        assert_eq!(t.eval(-9.0), 0.0);
        assert_eq!(t.eval(9.0), 4.0);
        assert_eq!(t.locate(0.75), (1, 0.75));
    }

    fn net(tables: Vec<InputTable>) -> MlpF {
        MlpF {
            input_mean: vec![300.0, 300.0],
            input_std: vec![100.0, 100.0],
            output_mean: -17.0,
            output_std: 2.0,
            layers: vec![DenseF {
                weights: vec![vec![1.0, -1.0]],
                biases: vec![0.0],
            }],
            input_tables: tables,
        }
    }

    #[test]
    fn tables_apply_after_normalisation_and_are_validated() {
        let double = |v: Vec<f64>| InputTable {
            lo: -2.0,
            hi: 2.0,
            values: v,
        };
        // Doubles the first input, negates the second.
        let n = net(vec![double(vec![-4.0, 4.0]), double(vec![2.0, 0.0, -2.0])]);
        let mut p = Predictor {
            format: PREDICTOR_FORMAT.into(),
            features: vec![Feature::GNow, Feature::GTarget],
            networks: PerPolarity {
                set: n.clone(),
                reset: net(Vec::new()),
            },
            levels: None,
            training: None,
        };
        p.validate().unwrap();
        let text = crate::yaml::to_string(&p).unwrap();
        let back: Predictor = crate::yaml::from_str(&text, "predictor", "mem").unwrap();
        assert_eq!(back, p);
        p.networks.set.input_tables.pop();
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("1 input tables for 2 readings"));
        p.networks.set.input_tables = vec![double(vec![1.0]), double(vec![1.0, 2.0])];
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("input table 0"));
    }
}
