//! Weight files: the float predictor written by `ouro train` and the quantized predictor
//! written by `ouro quantize` (read by the golden model and by the gateware generator).
//!
//! Both hold one network per polarity: the polarity comes from comparing the reading with the
//! target, and selects the network (SET and RESET switch by different mechanisms, so each gets
//! its own weights).

use crate::qformat::{MAX_FANIN, MAX_WEIGHT_FRAC};
use crate::yaml;
use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Format tag of float predictor files.
pub const PREDICTOR_FORMAT: &str = "ouro-predictor/1";
/// Format tag of quantized predictor files.
pub const QPREDICTOR_FORMAT: &str = "ouro-qpredictor/1";

/// What a network input means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// The present reading (float: microsiemens; fixed: ADC code).
    GNow,
    /// The target (float: microsiemens; fixed: ADC code).
    GTarget,
}

impl Feature {
    /// This feature's value for a cell that reads `now` and should reach `target`, in whatever
    /// unit both are given (microsiemens for the float network, ADC codes for the fixed one).
    pub fn of<T>(self, now: T, target: T) -> T {
        match self {
            Self::GNow => now,
            Self::GTarget => target,
        }
    }

    /// The network inputs for `features` (in file order): the one feature-to-input mapping of
    /// the float network, the quantizer and the golden model.
    ///
    /// ```
    /// use ouro_core::schema::Feature;
    /// let f = [Feature::GTarget, Feature::GNow];
    /// assert_eq!(Feature::inputs(&f, 120.0, 300.0), vec![300.0, 120.0]);
    /// ```
    pub fn inputs<T: Copy>(features: &[Feature], now: T, target: T) -> Vec<T> {
        features.iter().map(|f| f.of(now, target)).collect()
    }
}

/// One network per polarity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PerPolarity<T> {
    /// The network used when the target is above the reading.
    pub set: T,
    /// The network used when the target is below the reading.
    pub reset: T,
}

impl<T> PerPolarity<T> {
    /// The entry for a polarity.
    pub fn get(&self, p: crate::Polarity) -> &T {
        match p {
            crate::Polarity::Set => &self.set,
            crate::Polarity::Reset => &self.reset,
        }
    }
}

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
    /// Provenance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingInfo>,
}

/// A fully connected layer in fixed point (see [`crate::qformat`]); `weights[o][i]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenseQ {
    /// Fraction bits of the weights; biases have `ACT_FRAC + weight_frac`.
    pub weight_frac: u32,
    /// Row-major weights, one row per output.
    pub weights: Vec<Vec<i16>>,
    /// One bias per output, at the product scale.
    pub biases: Vec<i32>,
}

/// A fixed-point MLP: ReLU after every layer but the last; the last has one output,
/// log2(cycles) in Q6.10.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpQ {
    /// The layers, input first.
    pub layers: Vec<DenseQ>,
    /// Input tables, one per input, each indexed by the ADC code (`2^adc_bits` entries): the
    /// network's input word (Q6.10 bits) for that code. Empty (the default): the input word is
    /// the code minus its `input_offset`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_tables: Vec<Vec<i16>>,
}

/// Errors measured when quantizing (provenance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct QuantReport {
    /// The float predictor it came from.
    pub source: String,
    /// Largest |fixed - float| of log2(duration) over the evaluation set, in log2 units.
    pub max_abs_log2_error: f64,
    /// Mean |fixed - float| of log2(duration), in log2 units.
    pub mean_abs_log2_error: f64,
    /// Rows evaluated.
    pub rows: usize,
}

/// The quantized predictor: exactly what the gateware computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QPredictor {
    /// Always [`QPREDICTOR_FORMAT`].
    pub format: String,
    /// Clock the cycle counts refer to, Hz.
    pub clock_hz: u64,
    /// ADC resolution the input codes have.
    pub adc_bits: u32,
    /// The inputs, in order.
    pub features: Vec<Feature>,
    /// Subtracted from each input code before it enters the network as raw Q6.10 bits.
    pub input_offsets: Vec<i32>,
    /// Shortest pulse, cycles (the clamp's lower bound).
    pub min_cycles: u32,
    /// Longest pulse, cycles (the clamp's upper bound, the synthesized maximum).
    pub max_cycles: u32,
    /// The networks; both have the same shape.
    pub networks: PerPolarity<MlpQ>,
    /// Provenance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantization: Option<QuantReport>,
}

/// Read a weight file and check its `format` tag before the full schema, so that a float file
/// given where a quantized one belongs (or the reverse) is named as such.
fn load_tagged<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
    expected: &str,
    hint: &str,
) -> Result<T, CoreError> {
    #[derive(Deserialize)]
    struct Tag {
        format: Option<String>,
    }
    let origin = path.display().to_string();
    let text =
        crate::input::read_text(path, Some(crate::input::MAX_YAML_BYTES)).map_err(|source| {
            CoreError::Read {
                path: origin.clone(),
                source,
            }
        })?;
    if let Ok(Tag { format: Some(f) }) = serde_saphyr::from_str::<Tag>(&text) {
        if f != expected {
            return Err(CoreError::InvalidFile {
                what: what.into(),
                path: origin,
                message: format!("format is `{f}`, expected `{expected}`: {hint}"),
            });
        }
    }
    yaml::from_str(&text, what, &origin)
}

/// A file that parses but breaks a rule of its schema: the rule, and the fix.
fn invalid(path: &str, what: &str, e: &CoreError) -> CoreError {
    CoreError::InvalidFile {
        what: what.into(),
        path: path.into(),
        message: format!(
            "{}: fix that value, or start from a shipped file",
            e.detail()
        ),
    }
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
                if net.input_tables.len() != n_in {
                    return Err(format!(
                        "network {name}: {} input tables for {n_in} inputs",
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

fn check_shapes(name: &str, n_in: usize, shapes: &[(usize, usize)]) -> Result<(), String> {
    if shapes.is_empty() {
        return Err(format!("network {name} has no layers"));
    }
    let mut fan_in = n_in;
    for (k, &(outs, ins)) in shapes.iter().enumerate() {
        if ins != fan_in {
            return Err(format!(
                "network {name} layer {k} takes {ins} inputs, expected {fan_in}"
            ));
        }
        if ins > MAX_FANIN || outs == 0 || outs > MAX_FANIN {
            return Err(format!(
                "network {name} layer {k}: sizes must be 1..={MAX_FANIN}"
            ));
        }
        fan_in = outs;
    }
    if fan_in != 1 {
        return Err(format!(
            "network {name} must end in one output, has {fan_in}"
        ));
    }
    Ok(())
}

impl MlpQ {
    /// `(outputs, inputs)` of each layer.
    pub fn shapes(&self) -> Vec<(usize, usize)> {
        self.layers
            .iter()
            .map(|l| (l.weights.len(), l.weights.first().map_or(0, Vec::len)))
            .collect()
    }
}

impl QPredictor {
    /// Read and check a quantized predictor file.
    pub fn load(path: &Path) -> Result<Self, CoreError> {
        let p: Self = load_tagged(
            path,
            "quantized predictor YAML",
            QPREDICTOR_FORMAT,
            "run `ouro quantize` on a float predictor first",
        )?;
        p.validate()
            .map_err(|e| invalid(&path.display().to_string(), "quantized predictor YAML", &e))?;
        Ok(p)
    }

    /// Parse and check a quantized predictor from text (e.g. the embedded default weights).
    pub fn from_yaml_str(text: &str, origin: &str) -> Result<Self, CoreError> {
        let p: Self = yaml::from_str(text, "quantized predictor YAML", origin)?;
        p.validate()
            .map_err(|e| invalid(origin, "quantized predictor YAML", &e))?;
        Ok(p)
    }

    /// Whether this predictor was made for `board`: the clock its durations are counted in and
    /// the width of the ADC codes it reads. `Err` says what differs and the fix.
    pub fn fits(&self, board: &crate::board::BoardConfig) -> Result<(), String> {
        if self.clock_hz != board.clock_hz {
            return Err(format!(
                "the quantized predictor was built for a {} Hz clock but the board runs at {} Hz: re-run `ouro quantize` with this board",
                self.clock_hz, board.clock_hz
            ));
        }
        if self.adc_bits != board.adc.bits {
            return Err(format!(
                "the quantized predictor expects {}-bit ADC codes but the board has a {}-bit ADC: re-run `ouro quantize` with this board",
                self.adc_bits, board.adc.bits
            ));
        }
        Ok(())
    }

    /// Hidden layer sizes and input count, as the gateware generator needs them.
    pub fn shapes(&self) -> Vec<(usize, usize)> {
        self.networks.set.shapes()
    }

    /// Check the format tag, the shapes, the Q-format ranges and the clamp limits.
    pub fn validate(&self) -> Result<(), CoreError> {
        self.check().map_err(|message| CoreError::Invalid {
            what: "quantized predictor",
            message,
        })
    }

    fn check(&self) -> Result<(), String> {
        if self.format != QPREDICTOR_FORMAT {
            return Err(format!(
                "format is `{}`, expected `{QPREDICTOR_FORMAT}` (run `ouro quantize` on a float predictor first)",
                self.format
            ));
        }
        let n_in = self.features.len();
        if self.input_offsets.len() != n_in {
            return Err("input_offsets must have one entry per feature".into());
        }
        if !(8..=16).contains(&self.adc_bits) {
            return Err(format!("adc_bits must be in 8..=16, got {}", self.adc_bits));
        }
        for (i, &o) in self.input_offsets.iter().enumerate() {
            let codes = 1i64 << self.adc_bits;
            // code - offset must fit Signed<16> for every code 0..codes: -32768 <= -o and
            // codes - 1 - o <= 32767.
            if i64::from(o) > 32768 || i64::from(o) < codes - 32768 {
                return Err(format!(
                    "input_offsets[{i}] = {o} lets a code overflow 16 bits"
                ));
            }
        }
        if self.min_cycles == 0
            || self.min_cycles > self.max_cycles
            || self.max_cycles > crate::qformat::MAX_CYCLES_LIMIT
        {
            return Err(format!(
                "need 1 <= min_cycles <= max_cycles <= {}, got {} and {}",
                crate::qformat::MAX_CYCLES_LIMIT,
                self.min_cycles,
                self.max_cycles
            ));
        }
        let shapes = self.networks.set.shapes();
        if self.networks.set.input_tables.is_empty() != self.networks.reset.input_tables.is_empty()
        {
            return Err("either both networks have input tables or neither has".into());
        }
        for (name, net) in [("set", &self.networks.set), ("reset", &self.networks.reset)] {
            let s = net.shapes();
            check_shapes(name, n_in, &s)?;
            if !net.input_tables.is_empty()
                && (net.input_tables.len() != n_in
                    || net
                        .input_tables
                        .iter()
                        .any(|t| t.len() != 1usize << self.adc_bits))
            {
                return Err(format!(
                    "network {name}: input_tables must hold one table of 2^adc_bits = {} entries per input",
                    1u32 << self.adc_bits
                ));
            }
            if s != shapes {
                return Err("the set and reset networks must have the same shape".into());
            }
            for (k, l) in net.layers.iter().enumerate() {
                if l.weight_frac > MAX_WEIGHT_FRAC {
                    return Err(format!(
                        "network {name} layer {k}: weight_frac must be <= {MAX_WEIGHT_FRAC}"
                    ));
                }
                if l.biases.len() != l.weights.len() || l.weights.iter().any(|r| r.len() != s[k].1)
                {
                    return Err(format!(
                        "network {name} layer {k}: ragged weights or biases"
                    ));
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
            .contains("1 input tables for 2 inputs"));
        p.networks.set.input_tables = vec![double(vec![1.0]), double(vec![1.0, 2.0])];
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("input table 0"));
    }
}
