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
///
/// A *blind* predictor sees only [`GNow`](Self::GNow) and [`GTarget`](Self::GTarget). A
/// *history-aware* one (probe, then predict) also sees what a short probe pulse did to this
/// cell ([`ProbeDelta`](Self::ProbeDelta), [`ProbeLog2`](Self::ProbeLog2)) and at which
/// amplitude level the pulse it predicts will be applied ([`Level`](Self::Level)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// The present reading (float: microsiemens; fixed: ADC code).
    GNow,
    /// The target (float: microsiemens; fixed: ADC code).
    GTarget,
    /// The change the probe caused: the reading after it minus the reading before it (float:
    /// microsiemens; fixed: the difference of the two ADC codes).
    ProbeDelta,
    /// log2 of the change the probe caused in its own direction (rising for SET, falling for
    /// RESET), at least [`PROBE_CHANGE_FLOOR_US`] (float: log2 microsiemens; fixed: log2 of the
    /// change in ADC codes, at least the floor in codes, in Q6.10 -- see
    /// [`crate::qformat::log2_word`]). A cell's speed shows on this scale: a twice-as-fast cell
    /// moves twice as far.
    ProbeLog2Change,
    /// log2 of the probe's duration (float: log2 seconds; fixed: log2 clock cycles in Q6.10 --
    /// a probe lasts a power of two cycles, `2^k`, and its word is `k << 10`).
    ProbeLog2,
    /// The amplitude level of the predicted pulse: 0 is the device's nominal amplitude, each
    /// next level a larger one (float: the index; fixed: the index in Q6.10, `level << 10`).
    Level,
}

/// The smallest probe change [`Feature::ProbeLog2Change`] distinguishes, microsiemens: about
/// five standard deviations of a reading averaged over four reads on the shipped board. A
/// smaller change (or one the wrong way) counts as this much.
pub const PROBE_CHANGE_FLOOR_US: f64 = 0.5;

/// The float value of [`Feature::ProbeLog2Change`] for a probe of `polarity` whose readings
/// changed by `delta_us` (after minus before).
pub fn probe_log2_change_us(polarity: crate::Polarity, delta_us: f64) -> f64 {
    let along = match polarity {
        crate::Polarity::Set => delta_us,
        crate::Polarity::Reset => -delta_us,
    };
    along.max(PROBE_CHANGE_FLOOR_US).log2()
}

/// What a predictor can know when it predicts: the values every [`Feature`] is taken from.
/// `T` is `f64` for the float network (microsiemens, log2 seconds, level index) and `i32` for
/// the fixed one (ADC codes and their difference, Q6.10 words for the probe's log2 and the
/// level).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Situation<T> {
    /// The present reading.
    pub now: T,
    /// The target.
    pub target: T,
    /// The reading after the probe minus the reading before it.
    pub probe_delta: T,
    /// log2 of the probe's change in its own direction.
    pub probe_log2_change: T,
    /// log2 of the probe's duration.
    pub probe_log2: T,
    /// The amplitude level of the predicted pulse.
    pub level: T,
}

impl<T: Copy + Default> Situation<T> {
    /// A blind situation: a reading and a target, nothing known of the cell's history (the
    /// other values are zero).
    pub fn blind(now: T, target: T) -> Self {
        Self {
            now,
            target,
            ..Self::default()
        }
    }
}

impl Feature {
    /// Every feature.
    pub const ALL: [Feature; 6] = [
        Self::GNow,
        Self::GTarget,
        Self::ProbeDelta,
        Self::ProbeLog2Change,
        Self::ProbeLog2,
        Self::Level,
    ];

    /// This feature's value in a situation.
    pub fn of<T: Copy>(self, s: &Situation<T>) -> T {
        match self {
            Self::GNow => s.now,
            Self::GTarget => s.target,
            Self::ProbeDelta => s.probe_delta,
            Self::ProbeLog2Change => s.probe_log2_change,
            Self::ProbeLog2 => s.probe_log2,
            Self::Level => s.level,
        }
    }

    /// The network inputs for `features` (in file order): the one feature-to-input mapping of
    /// the float network, the quantizer and the golden model.
    ///
    /// ```
    /// use ouro_core::schema::{Feature, Situation};
    /// let f = [Feature::GTarget, Feature::GNow];
    /// assert_eq!(Feature::inputs(&f, &Situation::blind(120.0, 300.0)), vec![300.0, 120.0]);
    /// ```
    pub fn inputs<T: Copy>(features: &[Feature], s: &Situation<T>) -> Vec<T> {
        features.iter().map(|f| f.of(s)).collect()
    }

    /// Whether the feature is a reading (an ADC code in the fixed network, which an input
    /// table may replace).
    pub fn is_reading(self) -> bool {
        matches!(self, Self::GNow | Self::GTarget)
    }

    /// Whether a predictor with `features` needs a probe pulse first.
    pub fn needs_probe(features: &[Feature]) -> bool {
        features.iter().any(|f| {
            matches!(
                f,
                Self::ProbeDelta | Self::ProbeLog2Change | Self::ProbeLog2
            )
        })
    }

    /// The float value of this feature as an affine function of the fixed network's input
    /// value `v` (the gateware's input word plus `offset`): `float = scale * v + shift`.
    /// Returns `(scale, shift)`.
    ///
    /// ```
    /// use ouro_core::board::BoardConfig;
    /// use ouro_core::schema::Feature;
    /// let b = BoardConfig::default_board();
    /// // A reading: the centre of the code's bin.
    /// let (a, c) = Feature::GNow.affine(&b);
    /// assert!((a * 1000.0 + c - b.us_of_code(1000)).abs() < 1e-9);
    /// // A probe of 2^7 cycles at 12 MHz: log2(128 / 12e6) seconds.
    /// let (a, c) = Feature::ProbeLog2.affine(&b);
    /// assert!((a * f64::from(7 << 10) + c - (128.0f64 / 12e6).log2()).abs() < 1e-12);
    /// ```
    pub fn affine(self, board: &crate::board::BoardConfig) -> (f64, f64) {
        let k = board.codes_per_us();
        let one = f64::from(1u32 << crate::qformat::ACT_FRAC);
        match self {
            Self::GNow | Self::GTarget => (1.0 / k, 0.5 / k),
            Self::ProbeDelta => (1.0 / k, 0.0),
            Self::ProbeLog2Change => (1.0 / one, -k.log2()),
            Self::ProbeLog2 => (1.0 / one, -(board.clock_hz as f64).log2()),
            Self::Level => (1.0 / one, 0.0),
        }
    }
}

/// The amplitude levels a history-aware predictor chooses among, volts, per polarity: level 0
/// is the device's nominal amplitude, each next one larger in magnitude (SET negative, RESET
/// positive). A pulse that would need more than the longest duration at one level is
/// predicted again at the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Levels {
    /// SET amplitudes, volts, each more negative than the one before.
    pub set: Vec<f64>,
    /// RESET amplitudes, volts, each more positive than the one before.
    pub reset: Vec<f64>,
}

/// Most amplitude levels a predictor may have.
pub const MAX_LEVELS: usize = 8;

impl Levels {
    /// The amplitudes of a polarity.
    pub fn get(&self, p: crate::Polarity) -> &[f64] {
        match p {
            crate::Polarity::Set => &self.set,
            crate::Polarity::Reset => &self.reset,
        }
    }

    /// The number of levels (the same for both polarities).
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether there are none (never, once checked).
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// The level of amplitude `v` for polarity `p`, if it is one of them.
    pub fn index_of(&self, p: crate::Polarity, v: f64) -> Option<usize> {
        self.get(p).iter().position(|&a| a == v)
    }

    /// Check the ladder: 1..=[`MAX_LEVELS`] finite levels per polarity, the same number for
    /// both, SET negative and RESET positive, each strictly larger in magnitude than the last.
    pub fn check(&self) -> Result<(), String> {
        if self.set.is_empty() || self.set.len() > MAX_LEVELS || self.set.len() != self.reset.len()
        {
            return Err(format!(
                "levels need 1..={MAX_LEVELS} amplitudes per polarity, the same number for set and reset (have {} and {})",
                self.set.len(),
                self.reset.len()
            ));
        }
        for (name, v, sign) in [("set", &self.set, -1.0), ("reset", &self.reset, 1.0)] {
            if v.iter().any(|a| !(a.is_finite() && a * sign > 0.0)) {
                return Err(format!(
                    "levels.{name} must be finite and {} volts",
                    if sign < 0.0 { "negative" } else { "positive" }
                ));
            }
            if v.windows(2).any(|w| w[1].abs() <= w[0].abs()) {
                return Err(format!(
                    "levels.{name} must grow in magnitude from level to level"
                ));
            }
        }
        Ok(())
    }
}

/// Check that `features` and `levels` go together: known once each, the readings present,
/// and a ladder exactly when the [`Feature::Level`] input is there.
fn check_features(features: &[Feature], levels: Option<&Levels>) -> Result<(), String> {
    for (i, f) in features.iter().enumerate() {
        if features[..i].contains(f) {
            return Err(format!("feature {f:?} is listed twice"));
        }
    }
    if !(features.contains(&Feature::GNow) && features.contains(&Feature::GTarget)) {
        return Err("features must include g_now and g_target".into());
    }
    match (features.contains(&Feature::Level), levels) {
        (true, None) => Err("the level feature needs a `levels` ladder".into()),
        (false, Some(_)) => Err("`levels` is given but no feature is `level`".into()),
        (_, Some(l)) => l.check(),
        (false, None) => Ok(()),
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
    /// The amplitude levels, when a feature is [`Feature::Level`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<Levels>,
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
    /// The amplitude levels, when a feature is [`Feature::Level`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<Levels>,
    /// The floor of [`Feature::ProbeLog2Change`] in ADC codes ([`PROBE_CHANGE_FLOOR_US`] on
    /// this board), when that is a feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_floor_codes: Option<u32>,
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
                if !self.features.iter().all(|f| f.is_reading()) {
                    return Err(format!(
                        "network {name}: input tables are for predictors whose inputs are all readings"
                    ));
                }
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
        check_features(&self.features, self.levels.as_ref())?;
        match (
            self.features.contains(&Feature::ProbeLog2Change),
            self.probe_floor_codes,
        ) {
            (true, None) => {
                return Err("the probe_log2_change feature needs probe_floor_codes".into())
            }
            (false, Some(_)) => {
                return Err("probe_floor_codes is given but no feature is probe_log2_change".into())
            }
            (true, Some(f)) if f == 0 || f >= 1 << self.adc_bits => {
                return Err(format!(
                    "probe_floor_codes must be 1 to 2^adc_bits - 1, got {f}"
                ))
            }
            _ => {}
        }
        let n_in = self.features.len();
        if self.input_offsets.len() != n_in {
            return Err("input_offsets must have one entry per feature".into());
        }
        if !(8..=16).contains(&self.adc_bits) {
            return Err(format!("adc_bits must be in 8..=16, got {}", self.adc_bits));
        }
        for (i, (&o, f)) in self.input_offsets.iter().zip(&self.features).enumerate() {
            if !f.is_reading() && o != 0 {
                return Err(format!(
                    "input_offsets[{i}] must be 0: only readings are offset"
                ));
            }
            if *f == Feature::ProbeDelta && self.adc_bits > 15 {
                return Err(format!(
                    "probe_delta takes code differences, which need adc_bits <= 15 to fit 16 bits (have {}): use probe_log2_change",
                    self.adc_bits
                ));
            }
            if !f.is_reading() {
                // Their words are the probe's log2 words and levels (or a code difference,
                // checked above), not codes.
                continue;
            }
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
            if !net.input_tables.is_empty() && !self.features.iter().all(|f| f.is_reading()) {
                return Err(format!(
                    "network {name}: input tables are for predictors whose inputs are all readings"
                ));
            }
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
            .contains("1 input tables for 2 inputs"));
        p.networks.set.input_tables = vec![double(vec![1.0]), double(vec![1.0, 2.0])];
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("input table 0"));
    }
}
