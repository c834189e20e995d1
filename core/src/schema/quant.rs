//! The quantized predictor written by `ouro quantize`, exactly what the golden model and the
//! gateware compute: its fixed-point layers, input tables, limits, loading and checks.

use super::{
    check_features, check_shapes, invalid, load_tagged, Feature, Levels, PerPolarity,
    QPREDICTOR_FORMAT,
};
use crate::qformat::MAX_WEIGHT_FRAC;
use crate::yaml;
use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::path::Path;

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
    /// The floor of [`Feature::ProbeLog2Change`] in ADC codes ([`PROBE_CHANGE_FLOOR_US`](super::PROBE_CHANGE_FLOOR_US) on
    /// this board), when that is a feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_floor_codes: Option<u32>,
    /// Provenance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantization: Option<QuantReport>,
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
            let tabled = Feature::tabled_inputs(&self.features);
            if !net.input_tables.is_empty() && tabled == 0 {
                return Err(format!(
                    "network {name}: input tables are for the readings, and its first input is not one"
                ));
            }
            if !net.input_tables.is_empty()
                && (net.input_tables.len() != tabled
                    || net
                        .input_tables
                        .iter()
                        .any(|t| t.len() != 1usize << self.adc_bits))
            {
                return Err(format!(
                    "network {name}: input_tables must hold one table of 2^adc_bits = {} entries per reading (the leading inputs)",
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
