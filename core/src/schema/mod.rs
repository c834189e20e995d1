//! Weight files: the float predictor written by `ouro train` and the quantized predictor
//! written by `ouro quantize` (read by the golden model and by the gateware generator).
//!
//! Both hold one network per polarity: the polarity comes from comparing the reading with the
//! target, and selects the network (SET and RESET switch by different mechanisms, so each gets
//! its own weights).

use crate::qformat::MAX_FANIN;
use crate::yaml;
use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::path::Path;

mod float;
mod quant;

pub use float::{DenseF, InputTable, MlpF, Predictor, TrainingInfo};
pub use quant::{DenseQ, MlpQ, QPredictor, QuantReport};

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

/// The smallest probe change [`Feature::ProbeLog2Change`] distinguishes, microsiemens: under
/// one code of the shipped board's ADC (0.16 uS), so that its fixed-point floor is one code and
/// every change of a code or more reaches the network (a reading averaged over four reads has
/// 0.1 uS of noise there). A smaller change (or one the wrong way) counts as this much.
pub const PROBE_CHANGE_FLOOR_US: f64 = 0.125;

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

    /// How many inputs of a predictor with `features` may have input tables: its leading
    /// readings (both inputs of a blind predictor; `g_now` and `g_target` of a history-aware
    /// one, whose other inputs are words the sequencer computes).
    ///
    /// ```
    /// use ouro_core::schema::Feature;
    /// assert_eq!(Feature::tabled_inputs(&[Feature::GNow, Feature::GTarget]), 2);
    /// assert_eq!(Feature::tabled_inputs(&[Feature::GNow, Feature::GTarget, Feature::ProbeLog2Change, Feature::ProbeLog2, Feature::Level]), 2);
    /// assert_eq!(Feature::tabled_inputs(&[Feature::ProbeLog2, Feature::GNow]), 0);
    /// ```
    pub fn tabled_inputs(features: &[Feature]) -> usize {
        features.iter().take_while(|f| f.is_reading()).count()
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
