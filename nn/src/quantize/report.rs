//! The report of a quantization: how each layer was quantized, the measured errors, the
//! computed bound, and the part of it that is stored in the weight file.

use super::{Comparison, DOCUMENTED_BOUND_LOG2, EXP2_CHECK_MIN_CYCLES};
use ouro_core::schema::{PerPolarity, QuantReport};
use std::fmt;

/// How one layer was quantized.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerInfo {
    /// Fraction bits of the weights.
    pub weight_frac: u32,
    /// Hidden unit `j`'s output is `2^act_exp[j]` times the float one (empty for the output
    /// layer, which is in log2(cycles)).
    pub act_exp: Vec<i32>,
    /// Largest output of the layer on the evaluation grid, in Q6.10 units (after the scaling;
    /// hidden layers after ReLU, the output layer in magnitude).
    pub max_activation: f64,
    /// The error bound of the layer's outputs (largest over its units), Q6.10 units.
    pub bound: f64,
}

/// Everything [`quantize`](super::quantize) found out.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantSummary {
    /// The float predictor's name (its file).
    pub source: String,
    /// The measurement on the evaluation grid.
    pub comparison: Comparison,
    /// A bound on |fixed - float| of log2(duration), log2 units, valid for every pair of codes
    /// in the window when no layer saturates (largest over both networks; the `quantize`
    /// module docs).
    pub bound_log2: f64,
    /// Whether interval arithmetic proves that no activation saturates for any pair of codes
    /// in the window, which makes [`bound_log2`](Self::bound_log2) unconditional there. When
    /// `false`, saturation is merely not excluded; [`Comparison::saturated`] says whether it
    /// happened on the grid.
    pub saturation_excluded: bool,
    /// How each layer was quantized, per network.
    pub layers: PerPolarity<Vec<LayerInfo>>,
    /// Whether the predictor is history-aware: the measurement and the bound are over
    /// situations (readings, the probe's change and duration, the level; the `quantize` module
    /// docs, "Input domains"), not pairs of readings.
    pub history: bool,
}

impl QuantSummary {
    /// The part of the summary that is stored in the weight file.
    pub fn report(&self) -> QuantReport {
        QuantReport {
            source: self.source.clone(),
            max_abs_log2_error: self.comparison.max_abs_log2_error,
            mean_abs_log2_error: self.comparison.mean_abs_log2_error,
            rows: self.comparison.rows,
        }
    }

    /// Whether the computed bound is within [`DOCUMENTED_BOUND_LOG2`].
    pub fn well_conditioned(&self) -> bool {
        self.bound_log2 <= DOCUMENTED_BOUND_LOG2
    }
}

impl fmt::Display for QuantSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.comparison;
        let rows = if self.history { "situations" } else { "pairs" };
        writeln!(
            f,
            "quantized {} over {} {rows} ({} skipped: same ADC code)",
            self.source, c.rows, c.skipped
        )?;
        writeln!(
            f,
            "  log2(duration) error: max {:.5} ({:.3} %), mean {:.5} ({:.3} %); bound {:.5} ({:.3} %){}",
            c.max_abs_log2_error,
            100.0 * c.max_rel_duration_error(),
            c.mean_abs_log2_error,
            100.0 * c.mean_rel_duration_error(),
            self.bound_log2,
            100.0 * (self.bound_log2.exp2() - 1.0),
            if self.well_conditioned() {
                String::new()
            } else {
                format!(" -- above the documented {DOCUMENTED_BOUND_LOG2}")
            }
        )?;
        writeln!(
            f,
            "  exp2 table: max {:.3} % (mantissa), {:.3} % with the floor to whole cycles (>= {EXP2_CHECK_MIN_CYCLES} cycles)",
            100.0 * c.exp2_table_max_rel_error,
            100.0 * c.exp2_max_rel_error
        )?;
        writeln!(
            f,
            "  clamped: {} low, {} high; saturation in the {} {}",
            c.clamped_low,
            c.clamped_high,
            if self.history { "domains" } else { "window" },
            if self.saturation_excluded {
                "excluded by interval arithmetic"
            } else {
                "not excluded by interval arithmetic"
            }
        )?;
        for (name, layers, sat) in [
            ("set", &self.layers.set, &c.saturated.set),
            ("reset", &self.layers.reset, &c.saturated.reset),
        ] {
            for (k, (l, s)) in layers.iter().zip(sat).enumerate() {
                writeln!(
                    f,
                    "  {name} layer {k}: weight_frac {}, scale 2^{:?}, max |a| {:.3}, error bound {:.5}, saturated in {s} {rows}",
                    l.weight_frac, l.act_exp, l.max_activation, l.bound
                )?;
            }
        }
        if c.any_saturation() {
            writeln!(
                f,
                "  WARNING: saturation on the evaluation set; the fixed predictor departs from the float one"
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(bound_log2: f64) -> QuantSummary {
        let layer = |act_exp: Vec<i32>| LayerInfo {
            weight_frac: 12,
            act_exp,
            max_activation: 15.5,
            bound: 0.001,
        };
        QuantSummary {
            source: "p.yaml".into(),
            comparison: Comparison {
                rows: 10,
                skipped: 2,
                max_abs_log2_error: 0.002,
                mean_abs_log2_error: 0.001,
                saturated: PerPolarity {
                    set: vec![0, 0],
                    reset: vec![0, 0],
                },
                ..Comparison::default()
            },
            bound_log2,
            saturation_excluded: true,
            layers: PerPolarity {
                set: vec![layer(vec![2, 3]), layer(Vec::new())],
                reset: vec![layer(vec![1, 1]), layer(Vec::new())],
            },
            history: false,
        }
    }

    #[test]
    fn the_stored_report_is_the_measurement() {
        let r = summary(0.01).report();
        assert_eq!(
            r,
            QuantReport {
                source: "p.yaml".into(),
                max_abs_log2_error: 0.002,
                mean_abs_log2_error: 0.001,
                rows: 10,
            }
        );
    }

    #[test]
    fn the_text_names_every_layer_and_what_went_wrong() {
        let s = summary(DOCUMENTED_BOUND_LOG2);
        assert!(s.well_conditioned());
        let text = s.to_string();
        assert!(
            text.starts_with("quantized p.yaml over 10 pairs (2 skipped"),
            "{text}"
        );
        assert!(
            text.contains("set layer 0: weight_frac 12, scale 2^[2, 3]"),
            "{text}"
        );
        assert!(
            text.contains("reset layer 1: weight_frac 12, scale 2^[]"),
            "{text}"
        );
        assert!(text.contains("excluded by interval arithmetic"), "{text}");
        assert!(!text.contains("above the documented") && !text.contains("WARNING"));

        let mut s = summary(0.05);
        assert!(!s.well_conditioned());
        s.saturation_excluded = false;
        s.comparison.saturated.set[1] = 4;
        let text = s.to_string();
        assert!(text.contains("above the documented 0.03"), "{text}");
        assert!(
            text.contains("not excluded by interval arithmetic"),
            "{text}"
        );
        assert!(text.contains("set layer 1: weight_frac 12, scale 2^[], max |a| 15.500, error bound 0.00100, saturated in 4 pairs"), "{text}");
        assert!(text.contains("WARNING: saturation"), "{text}");
        s.history = true;
        let text = s.to_string();
        assert!(
            text.starts_with("quantized p.yaml over 10 situations"),
            "{text}"
        );
        assert!(text.contains("saturated in 4 situations"), "{text}");
        assert!(
            text.contains("saturation in the domains not excluded"),
            "{text}"
        );
    }
}
