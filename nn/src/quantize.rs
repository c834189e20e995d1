//! `ouro quantize`: turn a float [`Predictor`] into the fixed-point [`QPredictor`] that the
//! gateware runs, and measure what the quantization costs.
//!
//! The arithmetic is the one of [`ouro_core::qformat`] (documented in `docs/FIXED_POINT.md`);
//! the fixed side of every measurement is the bit-accurate golden model
//! [`crate::golden::GoldenPredictor`], never a re-implementation.
//!
//! # What is folded where
//!
//! - **Inputs.** The gateware sees `x_i = (code_i - offset_i) / 1024` (the difference taken as
//!   raw Q6.10 bits) with `offset_i = 2^(adc_bits - 1)`, so that every code of the ADC fits
//!   (a 12-bit code becomes a value in [-2, 2)). The float network expects
//!   `(G_i - mean_i) / std_i` with `G_i = (code_i + 0.5) / k` (the centre of the code's bin,
//!   [`BoardConfig::us_of_code`], `k` = [`BoardConfig::codes_per_us`]), that is
//!   `x_i * 1024 / (k std_i) + (offset_i + 0.5 - mean_i k) / (k std_i)`: an affine map that is
//!   folded into the first layer's weights and biases. A network with input tables
//!   ([`MlpF::input_tables`]) gets instead one word per ADC code and input: the table's value
//!   at the code's reading, times the largest `2^e` that keeps the window within
//!   [`ACT_HEADROOM`], rounded to Q6.10 (the first layer takes `2^-e`).
//! - **Polarity.** Each network is scaled and bounded over the moves of its own polarity only
//!   (target above the reading for SET, below for RESET): it never sees the others, where a
//!   trained network may extrapolate to large values.
//! - **Hidden layers.** Hidden unit `j` of layer `l` is carried as `2^e_lj` times the float
//!   one (ReLU commutes with a positive scale; the next layer's weights take `2^-e_lj`). The
//!   layer's common exponent is the largest that keeps its largest activation seen on the
//!   evaluation grid at or below [`ACT_HEADROOM`] (half the Q6.10 range: one bit of headroom
//!   for readings outside the window); each unit may go up to 3 exponents higher, as far as
//!   its own largest activation allows, and how far (per layer, 0 to 3) is chosen to minimise
//!   the error bound below. Scaling up shrinks the requantization step relative to the
//!   activation.
//! - **Output.** The float output is `y * output_std + output_mean` in log2(seconds); the fixed
//!   output is log2(cycles) = log2(seconds) + log2(clock_hz), in Q6.10. Both the
//!   de-normalisation and the unit change are folded into the last layer.
//! - **Weights and biases** of each layer are rounded to nearest (half away from zero) at the
//!   largest `weight_frac` (at most [`MAX_WEIGHT_FRAC`]) for which every weight fits `i16` and
//!   every bias fits `i32`. Every bias also carries `2^(weight_frac - 1)` (when
//!   `weight_frac > 0`), so that the gateware's floor shift rounds to nearest instead of always
//!   down: the requantization error is within +-2^-11 and has no bias.
//!
//! # The error bound
//!
//! Along with the measured errors, [`quantize`] returns a bound on |fixed - float| of the
//! log2(cycles) output that holds for **every** pair of ADC codes in the conductance window
//! (not only the evaluation grid), provided no layer saturates (which
//! [`QuantSummary::saturation_excluded`] proves when it is `true`). With `Wq`, `bq` the quantized
//! values, `W`, `b` the exact folded ones, `A_i` an interval bound (propagated through the
//! exact network over the window's code range) on `|a_i|`, and `r = 2^-11` (0 when
//! `weight_frac = 0`, where no bits are shifted out), the error of neuron `j` obeys
//!
//! ```text
//! E_j <= sum_i |Wq_ji| E_i  +  sum_i |Wq_ji - W_ji| A_i  +  |bq_j - b_j|  +  r
//! ```
//!
//! starting from `E = 0` at the inputs (the codes are exact), because ReLU is 1-Lipschitz and
//! the products and accumulation are exact (see [`ouro_core::qformat`]). The bound of the
//! output neuron is [`QuantSummary::bound_log2`]. The bound is computed on each of 32 x 32
//! tiles of the window's code box and the worst tile is taken; on a tile, a hidden unit that
//! is provably negative in both the exact and the fixed network carries no error. For
//! well-conditioned networks (two inputs, one or two hidden layers of 8 to 32 units,
//! normalised inputs and outputs, weights of order one, `output_std` of a few log2 units)
//! it is below [`DOCUMENTED_BOUND_LOG2`] = 0.03 log2 units, i.e. a duration error below
//! 2.1 %: for He-initialised 2-16-16-1 networks it came out between 0.010 and 0.027, for
//! 2-32-1 and 2-8-8-1 networks at 0.004 and 0.005, for a hand-built 2-4-1 network at 0.0013.
//! The measured maximum is 1.4 to 7 times smaller (0.0009 to 0.0065 on those networks)
//! because the worst case needs every rounding to err in the same direction. The exp2 table adds its own error on top (below 0.27 % of
//! the duration, plus the floor to whole cycles), reported separately.
//!
//! # Saturation
//!
//! A weight that cannot be represented in `i16` even with `weight_frac = 0` (or a bias outside
//! `i32`) is an error ([`NnError::WeightRange`], [`NnError::BiasRange`]). Saturation of
//! activations is **not** an error: it is counted per layer on the evaluation set
//! ([`Comparison::saturated`]) and flagged by [`Comparison::any_saturation`]; the caller (the
//! CLI) decides whether to refuse the file. Independently, interval arithmetic over the
//! window either proves that nothing can saturate there ([`QuantSummary::saturation_excluded`])
//! or does not. Hidden layers only count saturation at the top of
//! the range (a unit saturated at the bottom is zero after ReLU either way); the output layer
//! counts both ends.

use crate::golden::{Clamp, GoldenPredictor};
use crate::network::FloatNetwork;
use crate::NnError;
use ouro_core::board::BoardConfig;
use ouro_core::qformat::{self, ACT_FRAC, EXP2_INDEX_BITS, EXP2_MANT_FRAC, MAX_WEIGHT_FRAC};
use ouro_core::schema::{
    DenseQ, Feature, MlpF, MlpQ, PerPolarity, Predictor, QPredictor, QuantReport, QPREDICTOR_FORMAT,
};
use ouro_core::Polarity;
use std::fmt;

/// The conductance window of the device, microsiemens, rounded (tests use it; the default
/// options take the exact window from `ouro_sim::device::window_conductance_us`).
pub const WINDOW_US: (f64, f64) = (94.4530, 559.3002);

/// Points per axis of the default evaluation grid (so about 65 000 pairs).
pub const DEFAULT_GRID_POINTS: usize = 256;

/// The largest hidden activation on the evaluation grid, after the power-of-two scaling, is
/// at most this (Q6.10 reaches 32): one bit of headroom.
pub const ACT_HEADROOM: f64 = 16.0;

/// The documented bound, in log2 units, on |fixed - float| of log2(duration) for a
/// well-conditioned network: [`QuantSummary::bound_log2`] is computed for each network and is
/// below this for the networks the trainer produces (see the module docs).
pub const DOCUMENTED_BOUND_LOG2: f64 = 0.03;

/// [`Comparison::exp2_max_rel_error`] looks at durations of at least this many cycles.
pub const EXP2_CHECK_MIN_CYCLES: u64 = 1024;

/// Settings of [`quantize_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct QuantOptions {
    /// Points per axis of the evaluation grid (at least 2).
    pub grid_points: usize,
    /// The conductance window the grid spans, microsiemens.
    pub window_us: (f64, f64),
}

impl Default for QuantOptions {
    fn default() -> Self {
        Self {
            grid_points: DEFAULT_GRID_POINTS,
            window_us: ouro_sim::device::window_conductance_us(),
        }
    }
}

/// The measured difference between a float predictor and a quantized one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    /// Pairs evaluated.
    pub rows: usize,
    /// Pairs skipped because both conductances give the same ADC code (no pulse).
    pub skipped: usize,
    /// Largest |fixed - float| of log2(duration), log2 units. The fixed value is the Q6.10
    /// network output before exp2; the float one is the float predictor at the same quantized
    /// readings (the centres of the ADC bins), so only arithmetic error is measured.
    pub max_abs_log2_error: f64,
    /// Mean |fixed - float| of log2(duration), log2 units.
    pub mean_abs_log2_error: f64,
    /// The `(reading, target)` ADC codes of the largest error.
    pub worst_codes: Option<(u16, u16)>,
    /// Largest relative error of the exp2 table's mantissa against `2^frac` (index truncation
    /// to [`EXP2_INDEX_BITS`] bits plus table rounding): below 0.27 %.
    pub exp2_table_max_rel_error: f64,
    /// Largest |raw_cycles / 2^log2 - 1| of the golden model's exp2 over the pairs that were
    /// not clamped and gave at least [`EXP2_CHECK_MIN_CYCLES`] cycles: the table's error plus
    /// the floor to whole cycles (less than one cycle, so below 0.1 % there; for a duration of
    /// a few cycles the floor dominates).
    pub exp2_max_rel_error: f64,
    /// Pairs whose duration was raised to `min_cycles`.
    pub clamped_low: usize,
    /// Pairs whose duration was lowered to `max_cycles`.
    pub clamped_high: usize,
    /// Per network and layer: pairs in which at least one unit of the layer saturated.
    pub saturated: PerPolarity<Vec<usize>>,
}

impl Comparison {
    /// The largest relative duration error implied by the log2 error, `2^max - 1`.
    pub fn max_rel_duration_error(&self) -> f64 {
        self.max_abs_log2_error.exp2() - 1.0
    }

    /// The mean log2 error as a relative duration error, `2^mean - 1`.
    pub fn mean_rel_duration_error(&self) -> f64 {
        self.mean_abs_log2_error.exp2() - 1.0
    }

    /// Whether any layer of either network saturated on any pair.
    pub fn any_saturation(&self) -> bool {
        self.saturated
            .set
            .iter()
            .chain(&self.saturated.reset)
            .any(|&n| n > 0)
    }

    /// Whether any duration was clamped.
    pub fn any_clamp(&self) -> bool {
        self.clamped_low + self.clamped_high > 0
    }
}

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

/// Everything [`quantize`] found out.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantSummary {
    /// The float predictor's name (its file).
    pub source: String,
    /// The measurement on the evaluation grid.
    pub comparison: Comparison,
    /// A bound on |fixed - float| of log2(duration), log2 units, valid for every pair of codes
    /// in the window when no layer saturates (largest over both networks; module docs).
    pub bound_log2: f64,
    /// Whether interval arithmetic proves that no activation saturates for any pair of codes
    /// in the window, which makes [`bound_log2`](Self::bound_log2) unconditional there. When
    /// `false`, saturation is merely not excluded; [`Comparison::saturated`] says whether it
    /// happened on the grid.
    pub saturation_excluded: bool,
    /// How each layer was quantized, per network.
    pub layers: PerPolarity<Vec<LayerInfo>>,
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
        writeln!(
            f,
            "quantized {} over {} pairs ({} skipped: same ADC code)",
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
            "  clamped: {} low, {} high; saturation in the window {}",
            c.clamped_low,
            c.clamped_high,
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
                    "  {name} layer {k}: weight_frac {}, scale 2^{:?}, max |a| {:.3}, error bound {:.5}, saturated in {s} pairs",
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

/// `n` conductances evenly spaced over `window_us`, both ends included.
pub fn grid_us(window_us: (f64, f64), n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            if n < 2 {
                window_us.0
            } else {
                window_us.0 + (window_us.1 - window_us.0) * i as f64 / (n - 1) as f64
            }
        })
        .collect()
}

/// The evaluation grid: `n x n` pairs `(g_now, g_target)` of [`grid_us`] (both polarities,
/// and the diagonal, which [`compare`] skips).
pub fn eval_pairs(window_us: (f64, f64), n: usize) -> Vec<(f64, f64)> {
    let g = grid_us(window_us, n);
    g.iter()
        .flat_map(|&a| g.iter().map(move |&b| (a, b)))
        .collect()
}

/// The input offset for an ADC of `adc_bits` bits: `2^(adc_bits - 1)`, so that every code
/// minus the offset fits 16 bits.
pub fn input_offset(adc_bits: u32) -> i32 {
    1 << (adc_bits - 1)
}

/// Quantize `p` for `board` with the default options; `source_name` names the float file in
/// the report. See the module docs for what is folded, how formats are chosen, the error
/// bound and the treatment of saturation. Deterministic.
pub fn quantize(
    p: &Predictor,
    board: &BoardConfig,
    source_name: &str,
) -> Result<(QPredictor, QuantSummary), NnError> {
    quantize_with(p, board, source_name, &QuantOptions::default())
}

/// [`quantize`] with explicit options.
pub fn quantize_with(
    p: &Predictor,
    board: &BoardConfig,
    source_name: &str,
    opts: &QuantOptions,
) -> Result<(QPredictor, QuantSummary), NnError> {
    p.validate().map_err(|e| NnError::Predictor(e.detail()))?;
    board.validate().map_err(|e| NnError::Board(e.detail()))?;
    let increasing = opts.window_us.0 < opts.window_us.1;
    if opts.grid_points < 2 || !increasing {
        return Err(NnError::Options(format!(
            "need grid_points >= 2 and an increasing window, got {} and {:?}",
            opts.grid_points, opts.window_us
        )));
    }
    let offsets: Vec<i32> = p
        .features
        .iter()
        .map(|_| input_offset(board.adc.bits))
        .collect();
    let code_range = (
        board.code_of_us(opts.window_us.0),
        board.code_of_us(opts.window_us.1),
    );
    // The distinct codes of the grid; scaling looks at every ordered pair of them.
    let mut codes: Vec<u16> = grid_us(opts.window_us, opts.grid_points)
        .iter()
        .map(|&g| board.code_of_us(g))
        .collect();
    codes.dedup();
    let fold = Fold {
        board,
        features: &p.features,
        offsets: &offsets,
        codes: &codes,
        code_range,
    };
    let set = fold.network(Polarity::Set, &p.networks.set)?;
    let reset = fold.network(Polarity::Reset, &p.networks.reset)?;
    let mut q = QPredictor {
        format: QPREDICTOR_FORMAT.into(),
        clock_hz: board.clock_hz,
        adc_bits: board.adc.bits,
        features: p.features.clone(),
        input_offsets: offsets,
        min_cycles: board.min_pulse_cycles,
        max_cycles: board.max_pulse_cycles,
        networks: PerPolarity {
            set: set.net,
            reset: reset.net,
        },
        quantization: None,
    };
    q.validate()
        .map_err(|m| NnError::Predictor(format!("the quantized predictor is invalid: {m}")))?;
    let comparison = compare(p, &q, board, &eval_pairs(opts.window_us, opts.grid_points))?;
    let summary = QuantSummary {
        source: source_name.to_string(),
        comparison,
        bound_log2: set.bound.max(reset.bound),
        saturation_excluded: !(set.may_saturate || reset.may_saturate),
        layers: PerPolarity {
            set: set.info,
            reset: reset.info,
        },
    };
    q.quantization = Some(summary.report());
    Ok((q, summary))
}

/// Measure the quantized predictor `q` (run through the golden model) against the float one
/// `p` on `pairs` of conductances `(g_now, g_target)` in microsiemens. Each pair is read by
/// `board` (`code_of_us`); pairs with equal codes are skipped; the float predictor is
/// evaluated at the centres of the two codes' bins, so only arithmetic error is measured.
pub fn compare(
    p: &Predictor,
    q: &QPredictor,
    board: &BoardConfig,
    pairs: &[(f64, f64)],
) -> Result<Comparison, NnError> {
    q.validate().map_err(|e| NnError::Mismatch(e.to_string()))?;
    if q.features != p.features {
        return Err(NnError::Mismatch(format!(
            "features differ: float {:?}, quantized {:?}",
            p.features, q.features
        )));
    }
    if q.adc_bits != board.adc.bits {
        return Err(NnError::Mismatch(format!(
            "the quantized predictor expects {}-bit ADC codes, the board has {} bits",
            q.adc_bits, board.adc.bits
        )));
    }
    let float_shapes = |n: &MlpF| -> Vec<(usize, usize)> {
        n.layers
            .iter()
            .map(|l| (l.weights.len(), l.weights.first().map_or(0, Vec::len)))
            .collect()
    };
    if float_shapes(&p.networks.set) != q.networks.set.shapes()
        || float_shapes(&p.networks.reset) != q.networks.reset.shapes()
    {
        return Err(NnError::Mismatch(
            "the float and quantized networks have different shapes".into(),
        ));
    }
    let golden = GoldenPredictor::new(q);
    let limits = golden.limits();
    let table = qformat::exp2_table();
    let log2_clock = (q.clock_hz as f64).log2();
    let one = f64::from(1u32 << ACT_FRAC);
    let mut c = Comparison {
        saturated: PerPolarity {
            set: vec![0; q.networks.set.layers.len()],
            reset: vec![0; q.networks.reset.layers.len()],
        },
        ..Comparison::default()
    };
    let mut sum = 0.0;
    for &(g_now, g_target) in pairs {
        let (reading, target) = (board.code_of_us(g_now), board.code_of_us(g_target));
        let Some(polarity) = Polarity::towards(reading, target) else {
            c.skipped += 1;
            continue;
        };
        let inputs = golden.inputs(polarity, reading, target);
        let trace = golden.trace(polarity, &inputs);
        let last = trace.layers.len() - 1;
        let sat = match polarity {
            Polarity::Set => &mut c.saturated.set,
            Polarity::Reset => &mut c.saturated.reset,
        };
        for (k, outs) in trace.layers.iter().enumerate() {
            if outs
                .iter()
                .any(|&v| v == i16::MAX || (k == last && v == i16::MIN))
            {
                sat[k] += 1;
            }
        }
        let log2_bits = trace.layers[last][0];
        let (raw, _, clamp) = golden.duration(log2_bits, limits);
        let fixed = f64::from(log2_bits) / one;

        let float_inputs = Feature::inputs(
            &p.features,
            board.us_of_code(reading),
            board.us_of_code(target),
        );
        let float = p.networks.get(polarity).forward(&float_inputs) + log2_clock;
        let err = (fixed - float).abs();
        if err > c.max_abs_log2_error || c.worst_codes.is_none() {
            c.max_abs_log2_error = err;
            c.worst_codes = Some((reading, target));
        }
        sum += err;
        c.rows += 1;

        let frac_bits = (log2_bits as u16) & ((1 << ACT_FRAC) - 1);
        let index = usize::from(frac_bits >> (ACT_FRAC - EXP2_INDEX_BITS));
        let mantissa = f64::from(table[index]) / f64::from(1u32 << EXP2_MANT_FRAC);
        let table_err = (mantissa / (f64::from(frac_bits) / one).exp2() - 1.0).abs();
        c.exp2_table_max_rel_error = c.exp2_table_max_rel_error.max(table_err);
        match clamp {
            Clamp::Low => c.clamped_low += 1,
            Clamp::High => c.clamped_high += 1,
            Clamp::None if raw >= EXP2_CHECK_MIN_CYCLES => {
                let full_err = (raw as f64 / fixed.exp2() - 1.0).abs();
                c.exp2_max_rel_error = c.exp2_max_rel_error.max(full_err);
            }
            Clamp::None => {}
        }
    }
    if c.rows > 0 {
        c.mean_abs_log2_error = sum / c.rows as f64;
    }
    Ok(c)
}

/// One quantized network and what is known about it.
struct NetworkQ {
    net: MlpQ,
    info: Vec<LayerInfo>,
    /// The error bound of the output, log2 units.
    bound: f64,
    /// Whether interval arithmetic could not exclude saturation in the window.
    may_saturate: bool,
}

/// What the folding of one network needs to know.
struct Fold<'a> {
    board: &'a BoardConfig,
    features: &'a [Feature],
    offsets: &'a [i32],
    /// Distinct ADC codes of the evaluation grid.
    codes: &'a [u16],
    /// The window's lowest and highest codes.
    code_range: (u16, u16),
}

impl Fold<'_> {
    /// Quantize one network: the fixed network, per-layer facts and the output's error bound.
    fn network(&self, polarity: Polarity, net: &MlpF) -> Result<NetworkQ, NnError> {
        let n_layers = net.layers.len();
        let last = n_layers - 1;
        let log2_clock = (self.board.clock_hz as f64).log2();

        // Largest float activation of each hidden unit, and largest |log2(cycles)| of the
        // output, over every ordered pair of grid codes.
        let mut max_act: Vec<Vec<f64>> = net
            .layers
            .iter()
            .map(|l| vec![0.0; l.weights.len()])
            .collect();
        for &a in self.codes {
            for &b in self.codes {
                // The network only ever sees the moves of its own polarity.
                if Polarity::towards(a, b) != Some(polarity) {
                    continue;
                }
                let inputs = Feature::inputs(
                    self.features,
                    self.board.us_of_code(a),
                    self.board.us_of_code(b),
                );
                let outs = net.layer_outputs(&inputs);
                for (m, outs) in max_act.iter_mut().zip(&outs[..last]) {
                    for (m, v) in m.iter_mut().zip(outs) {
                        *m = m.max(*v);
                    }
                }
                let y = outs[last][0] * net.output_std + net.output_mean + log2_clock;
                max_act[last][0] = max_act[last][0].max(y.abs());
            }
        }
        // Power-of-two scale of each hidden unit: the largest that keeps it within the
        // headroom, but at most `2^extra[l]` above the layer's common scale (the scale of its
        // largest unit), so that a nearly dead unit does not cost the layer's other weights
        // their fraction bits. The extras are searched for the smallest error bound.
        let hidden = last;
        let extras: Vec<Vec<i32>> = if hidden <= 3 {
            (0..(MAX_EXTRA + 1).pow(hidden as u32))
                .map(|mut n| {
                    (0..hidden)
                        .map(|_| {
                            let e = (n % (MAX_EXTRA + 1)) as i32;
                            n /= MAX_EXTRA + 1;
                            e
                        })
                        .collect()
                })
                .collect()
        } else {
            (0..=MAX_EXTRA as i32).map(|e| vec![e; hidden]).collect()
        };
        let tables = self.input_tables(net);
        let in_err = if tables.is_some() {
            0.5 / f64::from(1u32 << ACT_FRAC)
        } else {
            0.0
        };
        let coarse = self.tiles(SEARCH_TILES, polarity, tables.as_ref());
        let mut best: Option<(f64, Vec<Vec<i32>>)> = None;
        for (n, extra) in extras.iter().enumerate() {
            let exps = unit_exponents(&max_act[..last], extra);
            let folded = match self.fold(polarity, net, &exps, tables.as_ref()) {
                Ok(f) => f,
                // The plain per-layer scaling must work; a finer one may not.
                Err(e) if n == 0 => return Err(e),
                Err(_) => continue,
            };
            let bound = coarse
                .iter()
                .map(|(lo, hi)| tile_bound(&folded, lo.clone(), hi.clone(), in_err).0[last])
                .fold(0.0f64, f64::max);
            if best.as_ref().map_or(true, |(b, _)| bound < *b) {
                best = Some((bound, exps));
            }
        }
        let (_, exps) = best.expect("the first candidate succeeded");
        let folded = self.fold(polarity, net, &exps, tables.as_ref())?;

        // The error bound: the worst over tiles of the window's code box.
        let mut layer_bound = vec![0.0f64; n_layers];
        let mut may_saturate = false;
        for (lo, hi) in self.tiles(TILES, polarity, tables.as_ref()) {
            let (bounds, sat) = tile_bound(&folded, lo, hi, in_err);
            may_saturate |= sat;
            for (m, e) in layer_bound.iter_mut().zip(bounds) {
                *m = m.max(e);
            }
        }
        let info = (0..n_layers)
            .map(|l| LayerInfo {
                weight_frac: folded[l].q.weight_frac,
                act_exp: exps.get(l).cloned().unwrap_or_default(),
                max_activation: if l == last {
                    max_act[l][0]
                } else {
                    max_act[l]
                        .iter()
                        .zip(&exps[l])
                        .map(|(m, &e)| m * f64::from(e).exp2())
                        .fold(0.0, f64::max)
                },
                bound: layer_bound[l],
            })
            .collect();
        let layers = folded.into_iter().map(|f| f.q).collect();
        Ok(NetworkQ {
            net: MlpQ {
                layers,
                input_tables: tables.map_or_else(Vec::new, |t| t.words),
            },
            info,
            bound: layer_bound[last],
            may_saturate,
        })
    }

    /// Fold normalisation, scaling and units into the layers (`exps`: the power-of-two scale
    /// of every hidden unit) and quantize them.
    fn fold(
        &self,
        polarity: Polarity,
        net: &MlpF,
        exps: &[Vec<i32>],
        tables: Option<&InputWords>,
    ) -> Result<Vec<Folded>, NnError> {
        let last = net.layers.len() - 1;
        let k = self.board.codes_per_us();
        let one = f64::from(1u32 << ACT_FRAC);
        let log2_clock = (self.board.clock_hz as f64).log2();
        // The float input as an affine function of the gateware's input value:
        // h_0,i = x_i * c_i + d_i.
        let mut c: Vec<f64> = net.input_std.iter().map(|s| one / (k * s)).collect();
        let mut d: Vec<f64> = net
            .input_mean
            .iter()
            .zip(&net.input_std)
            .zip(self.offsets)
            .map(|((m, s), &off)| (f64::from(off) + 0.5 - m * k) / (k * s))
            .collect();
        if let Some(t) = tables {
            // The input word is the table's value scaled by 2^e: h_0,i = x_i * 2^-e_i.
            c = t.exps.iter().map(|&e| f64::from(-e).exp2()).collect();
            d = vec![0.0; c.len()];
        }
        let mut folded = Vec::with_capacity(net.layers.len());
        for (l, layer) in net.layers.iter().enumerate() {
            // Output scale of unit j: a_j = alpha_j * z_j + beta, z the float pre-activation.
            let (alpha, beta): (Vec<f64>, f64) = if l == last {
                (vec![net.output_std], net.output_mean + log2_clock)
            } else {
                (exps[l].iter().map(|&e| f64::from(e).exp2()).collect(), 0.0)
            };
            let w: Vec<Vec<f64>> = layer
                .weights
                .iter()
                .zip(&alpha)
                .map(|(row, a)| row.iter().zip(&c).map(|(w, ci)| a * w * ci).collect())
                .collect();
            let b: Vec<f64> = layer
                .weights
                .iter()
                .zip(&layer.biases)
                .zip(&alpha)
                .map(|((row, bj), a)| {
                    a * (bj + row.iter().zip(&d).map(|(w, di)| w * di).sum::<f64>()) + beta
                })
                .collect();
            let q = quantize_layer(polarity, l, &w, &b)?;
            c = alpha.iter().map(|a| a.recip()).collect();
            d = vec![0.0; w.len()];
            folded.push(Folded { w, b, q });
        }
        Ok(folded)
    }

    /// The window's box of codes, in gateware input values, cut into tiles (32 x 32 for two
    /// inputs); each tile as per-input `(lo, hi)`.
    ///
    /// With input tables, a tile's interval of an input is the range of the exact (unrounded)
    /// scaled table values over the tile's codes: the words' range widened by half a word.
    ///
    /// Only tiles that hold a move of `polarity` (a target above the reading for SET, below
    /// for RESET) are kept: the network never sees the others.
    fn tiles(
        &self,
        count: f64,
        polarity: Polarity,
        tables: Option<&InputWords>,
    ) -> Vec<(Vec<f64>, Vec<f64>)> {
        let n = self.offsets.len();
        let per_axis = (count.powf(1.0 / n as f64).floor() as usize).max(1);
        let (c0, c1) = (i64::from(self.code_range.0), i64::from(self.code_range.1));
        let cuts: Vec<i64> = (0..=per_axis)
            .map(|t| c0 + (c1 - c0) * t as i64 / per_axis as i64)
            .collect();
        // Each tile also carries its code range per input, to test the polarity.
        let mut tiles: Vec<CodeTile> = vec![(Vec::new(), Vec::new(), Vec::new())];
        let one = f64::from(1u32 << ACT_FRAC);
        for (i, &off) in self.offsets.iter().enumerate() {
            let range = |c0: i64, c1: i64| -> (f64, f64) {
                match tables {
                    None => (
                        (c0 - i64::from(off)) as f64 / one,
                        (c1 - i64::from(off)) as f64 / one,
                    ),
                    Some(t) => {
                        let words = &t.words[i][c0 as usize..=c1 as usize];
                        let lo = words.iter().copied().min().unwrap_or(0);
                        let hi = words.iter().copied().max().unwrap_or(0);
                        ((f64::from(lo) - 0.5) / one, (f64::from(hi) + 0.5) / one)
                    }
                }
            };
            let ranges: Vec<((f64, f64), (i64, i64))> = cuts
                .windows(2)
                .map(|w| (range(w[0], w[1]), (w[0], w[1])))
                .collect();
            tiles = tiles
                .into_iter()
                .flat_map(|(lo, hi, codes)| {
                    ranges.iter().map(move |&((a, b), c)| {
                        let (mut lo, mut hi, mut codes) = (lo.clone(), hi.clone(), codes.clone());
                        lo.push(a);
                        hi.push(b);
                        codes.push(c);
                        (lo, hi, codes)
                    })
                })
                .collect();
        }
        let now = self.features.iter().position(|f| *f == Feature::GNow);
        let target = self.features.iter().position(|f| *f == Feature::GTarget);
        tiles
            .into_iter()
            .filter(|(_, _, codes)| match (now, target) {
                (Some(n), Some(t)) => match polarity {
                    Polarity::Set => codes[n].0 < codes[t].1,
                    Polarity::Reset => codes[n].1 > codes[t].0,
                },
                _ => true,
            })
            .map(|(lo, hi, _)| (lo, hi))
            .collect()
    }
}

/// A tile while it is built: per input, the interval of input values and the code range.
type CodeTile = (Vec<f64>, Vec<f64>, Vec<(i64, i64)>);

/// A network's quantized input tables: per input, the word of every ADC code, and the
/// power-of-two scale `2^e` of the table's values in the words.
struct InputWords {
    words: Vec<Vec<i16>>,
    exps: Vec<i32>,
}

impl Fold<'_> {
    /// Quantize the float network's input tables, if it has any: every ADC code's reading is
    /// normalised and looked up, and the value scaled by the largest `2^e` that keeps the
    /// window's values within [`ACT_HEADROOM`], then rounded to Q6.10.
    fn input_tables(&self, net: &MlpF) -> Option<InputWords> {
        if net.input_tables.is_empty() {
            return None;
        }
        let one = f64::from(1u32 << ACT_FRAC);
        let codes = 1usize << self.board.adc.bits;
        let (w0, w1) = (
            usize::from(self.code_range.0),
            usize::from(self.code_range.1),
        );
        let mut words = Vec::new();
        let mut exps = Vec::new();
        for (i, t) in net.input_tables.iter().enumerate() {
            let values: Vec<f64> = (0..codes)
                .map(|c| {
                    let g = self.board.us_of_code(c as u16);
                    t.eval((g - net.input_mean[i]) / net.input_std[i])
                })
                .collect();
            let max = values[w0..=w1]
                .iter()
                .fold(0.0f64, |m, v| m.max(v.abs()))
                .max(1e-6);
            let mut e = ((ACT_HEADROOM / max).log2().floor() as i32).clamp(-8, 14);
            while max * f64::from(e).exp2() > ACT_HEADROOM {
                e -= 1;
            }
            let scale = f64::from(e).exp2() * one;
            words.push(
                values
                    .iter()
                    .map(|v| (v * scale).round().clamp(-32768.0, 32767.0) as i16)
                    .collect(),
            );
            exps.push(e);
        }
        Some(InputWords { words, exps })
    }
}

/// Tiles the error bound is computed over (for two inputs, 32 x 32).
const TILES: f64 = 1024.0;
/// Tiles used while searching the scaling (16 x 16).
const SEARCH_TILES: f64 = 256.0;
/// A hidden unit's scale may exceed its layer's common scale by up to `2^MAX_EXTRA`.
const MAX_EXTRA: usize = 3;

/// The power-of-two scale of every hidden unit (module docs): the largest with
/// `max * 2^e <= ACT_HEADROOM`, at most `extra[l]` above the layer's smallest such exponent.
fn unit_exponents(max_act: &[Vec<f64>], extra: &[i32]) -> Vec<Vec<i32>> {
    max_act
        .iter()
        .zip(extra)
        .map(|(units, &extra)| {
            let fit = |m: f64| {
                let mut e = (ACT_HEADROOM / m).log2().floor() as i32;
                while m * f64::from(e).exp2() > ACT_HEADROOM {
                    e -= 1;
                }
                e.clamp(-64, 64)
            };
            let live: Vec<i32> = units
                .iter()
                .filter(|&&m| m > 0.0)
                .map(|&m| fit(m))
                .collect();
            let common = live.iter().copied().min().unwrap_or(0);
            units
                .iter()
                .map(|&m| {
                    if m > 0.0 {
                        fit(m).min(common + extra)
                    } else {
                        common
                    }
                })
                .collect()
        })
        .collect()
}

/// One layer: the exact folded weights and biases and their quantization.
struct Folded {
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
    q: DenseQ,
}

/// The error bound of every layer (largest over its units, Q6.10 units) for inputs in the box
/// `lo..=hi` (module docs). Interval arithmetic through the exact network bounds each
/// activation; a hidden unit whose fixed and exact pre-activations are both provably
/// negative on the box is exactly 0 in both and carries no error.
///
/// Also says whether the fixed network may saturate on the box (an activation within its
/// bound of the top of Q6.10, or for the output of either end).
fn tile_bound(
    layers: &[Folded],
    mut lo: Vec<f64>,
    mut hi: Vec<f64>,
    input_err: f64,
) -> (Vec<f64>, bool) {
    let last = layers.len() - 1;
    let one = f64::from(1u32 << ACT_FRAC);
    let mut err = vec![input_err; lo.len()];
    let mut out = Vec::with_capacity(layers.len());
    let top = f64::from(i16::MAX) / one;
    let bottom = f64::from(i16::MIN) / one;
    let mut may_saturate = false;
    for (l, Folded { w, b, q }) in layers.iter().enumerate() {
        let wf = q.weight_frac;
        let w_scale = f64::from(wf).exp2();
        let b_scale = f64::from(ACT_FRAC + wf).exp2();
        let round_err = if wf > 0 { 0.5 / one } else { 0.0 };
        let rounding = if wf > 0 { 1i64 << (wf - 1) } else { 0 };
        let amax: Vec<f64> = lo
            .iter()
            .zip(&hi)
            .map(|(a, b)| a.abs().max(b.abs()))
            .collect();
        let mut new_err = Vec::with_capacity(w.len());
        let mut new_lo = Vec::with_capacity(w.len());
        let mut new_hi = Vec::with_capacity(w.len());
        for ((w_row, q_row), (&b_j, &b_int)) in
            w.iter().zip(&q.weights).zip(b.iter().zip(&q.biases))
        {
            let bq = (i64::from(b_int) - rounding) as f64 / b_scale;
            let mut e = round_err + (bq - b_j).abs();
            let (mut zl, mut zh) = (b_j, b_j);
            for (((&w_ji, &q_ji), (&e_i, &a_i)), (&lo_i, &hi_i)) in w_row
                .iter()
                .zip(q_row)
                .zip(err.iter().zip(&amax))
                .zip(lo.iter().zip(&hi))
            {
                let wq = f64::from(q_ji) / w_scale;
                e += wq.abs() * e_i + (wq - w_ji).abs() * a_i;
                let (p, r) = (w_ji * lo_i, w_ji * hi_i);
                zl += p.min(r);
                zh += p.max(r);
            }
            // Slack for the float arithmetic of this bound itself.
            e += 1e-9;
            may_saturate |= zh + e >= top || (l == last && zl - e <= bottom);
            if l == last {
                new_lo.push(zl);
                new_hi.push(zh);
            } else {
                if zh + e < 0.0 {
                    e = 0.0;
                }
                new_lo.push(zl.max(0.0));
                new_hi.push(zh.max(0.0));
            }
            new_err.push(e);
        }
        out.push(new_err.iter().fold(0.0f64, |m, &v| m.max(v)));
        err = new_err;
        lo = new_lo;
        hi = new_hi;
    }
    (out, may_saturate)
}

/// Round a folded layer at the largest weight_frac that fits; biases carry the rounding
/// constant `2^(weight_frac - 1)`.
fn quantize_layer(
    network: Polarity,
    layer: usize,
    w: &[Vec<f64>],
    b: &[f64],
) -> Result<DenseQ, NnError> {
    let max_w = w.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    let max_b = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let fits_w = |wf: u32| {
        let s = f64::from(wf).exp2();
        w.iter()
            .flatten()
            .all(|v| (i16::MIN as f64..=i16::MAX as f64).contains(&(v * s).round()))
    };
    let fits_b = |wf: u32| {
        let s = f64::from(ACT_FRAC + wf).exp2();
        let rounding = if wf > 0 {
            f64::from(wf - 1).exp2()
        } else {
            0.0
        };
        b.iter()
            .all(|v| (i32::MIN as f64..=i32::MAX as f64).contains(&((v * s).round() + rounding)))
    };
    let Some(wf) = (0..=MAX_WEIGHT_FRAC)
        .rev()
        .find(|&wf| fits_w(wf) && fits_b(wf))
    else {
        return Err(if !fits_w(0) {
            NnError::WeightRange {
                network,
                layer,
                value: max_w,
            }
        } else {
            NnError::BiasRange {
                network,
                layer,
                value: max_b,
            }
        });
    };
    let ws = f64::from(wf).exp2();
    let bs = f64::from(ACT_FRAC + wf).exp2();
    let rounding = if wf > 0 { 1i64 << (wf - 1) } else { 0 };
    Ok(DenseQ {
        weight_frac: wf,
        weights: w
            .iter()
            .map(|row| row.iter().map(|v| (v * ws).round() as i16).collect())
            .collect(),
        biases: b
            .iter()
            .map(|v| ((v * bs).round() as i64 + rounding) as i32)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ouro_core::schema::PREDICTOR_FORMAT;
    use ouro_core::schema::{DenseF, InputTable};
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};
    use rand_distr::{Distribution, Normal};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn board() -> BoardConfig {
        BoardConfig::default_board()
    }

    fn mlp(layers: Vec<DenseF>) -> MlpF {
        MlpF {
            input_mean: vec![300.0, 300.0],
            input_std: vec![130.0, 130.0],
            output_mean: -17.0,
            output_std: 3.0,
            layers,
            input_tables: Vec::new(),
        }
    }

    /// Random increasing input tables of `knots` knots over the normalised window.
    fn random_tables(rng: &mut Xoshiro256PlusPlus, knots: usize) -> Vec<InputTable> {
        (0..2)
            .map(|_| {
                // A bent version of the identity over the window: values within about +-2.
                let step = 3.6 / (knots - 1) as f64;
                let mut v = -1.6 - step;
                InputTable {
                    lo: -1.6,
                    hi: 2.0,
                    values: (0..knots)
                        .map(|_| {
                            v += step * rng.random_range(0.2..1.8);
                            v.min(2.5)
                        })
                        .collect(),
                }
            })
            .collect()
    }

    fn predictor(set: MlpF, reset: MlpF) -> Predictor {
        Predictor {
            format: PREDICTOR_FORMAT.into(),
            features: vec![Feature::GNow, Feature::GTarget],
            networks: PerPolarity { set, reset },
            training: None,
        }
    }

    /// A random MLP as a trainer would start it: He-initialised weights, small biases.
    fn random_mlp(rng: &mut Xoshiro256PlusPlus, sizes: &[usize]) -> MlpF {
        let layers = sizes
            .windows(2)
            .map(|s| {
                let he = Normal::new(0.0, (2.0 / s[0] as f64).sqrt()).unwrap();
                DenseF {
                    weights: (0..s[1])
                        .map(|_| (0..s[0]).map(|_| he.sample(rng)).collect())
                        .collect(),
                    biases: (0..s[1]).map(|_| rng.random_range(-0.1..0.1)).collect(),
                }
            })
            .collect();
        let mut m = mlp(layers);
        m.input_mean = vec![
            rng.random_range(280.0..320.0),
            rng.random_range(280.0..320.0),
        ];
        m.input_std = vec![
            rng.random_range(120.0..140.0),
            rng.random_range(120.0..140.0),
        ];
        m.output_mean = rng.random_range(-18.0..-16.0);
        m.output_std = rng.random_range(2.5..3.5);
        m
    }

    fn random_predictor(seed: u64, sizes: &[usize]) -> Predictor {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let set = random_mlp(&mut rng, sizes);
        let reset = random_mlp(&mut rng, sizes);
        predictor(set, reset)
    }

    /// A hand-built network: the duration grows with the requested change, and a little with
    /// the present conductance. Hidden units: relu(t - n), relu(n - t), relu(n), relu(-n).
    fn hand_mlp(sign: f64) -> MlpF {
        mlp(vec![
            DenseF {
                weights: vec![
                    vec![-1.0, 1.0],
                    vec![1.0, -1.0],
                    vec![1.0, 0.0],
                    vec![-1.0, 0.0],
                ],
                biases: vec![0.0, 0.0, 0.0, 0.0],
            },
            DenseF {
                weights: vec![vec![0.8, 0.8, 0.2 * sign, -0.3 * sign]],
                biases: vec![-0.5],
            },
        ])
    }

    fn hand_predictor() -> Predictor {
        predictor(hand_mlp(1.0), hand_mlp(-1.0))
    }

    fn opts(n: usize) -> QuantOptions {
        QuantOptions {
            grid_points: n,
            ..QuantOptions::default()
        }
    }

    fn check_within_bound(name: &str, p: &Predictor) -> QuantSummary {
        let (q, s) = quantize(p, &board(), name).unwrap();
        eprintln!("{s}");
        let c = &s.comparison;
        assert!(c.rows > 60_000, "{}", c.rows);
        assert!(!c.any_saturation(), "{name}: {:?}", c.saturated);
        assert!(
            c.max_abs_log2_error <= s.bound_log2,
            "{name}: measured {} above the computed bound {}",
            c.max_abs_log2_error,
            s.bound_log2
        );
        assert!(
            s.bound_log2 <= DOCUMENTED_BOUND_LOG2,
            "{name}: bound {} above the documented {DOCUMENTED_BOUND_LOG2}",
            s.bound_log2
        );
        assert!(s.well_conditioned());
        assert!(s.saturation_excluded, "{name}: {s}");
        assert!(c.mean_abs_log2_error <= c.max_abs_log2_error);
        assert!(
            c.exp2_table_max_rel_error < 0.0027,
            "{}",
            c.exp2_table_max_rel_error
        );
        assert_eq!(q.quantization, Some(s.report()));
        q.validate().unwrap();
        s
    }

    #[test]
    fn float_layers_agree_with_forward() {
        let p = random_predictor(1, &[2, 16, 16, 1]);
        let n = &p.networks.set;
        for g in [(100.0, 500.0), (300.0, 299.0), (559.0, 94.5)] {
            let x = [g.0, g.1];
            let y = n.layer_outputs(&x).last().unwrap()[0] * n.output_std + n.output_mean;
            assert!((y - n.forward(&x)).abs() < 1e-12);
        }
    }

    #[test]
    fn random_predictors_are_within_the_documented_bound() {
        for seed in 1..=4 {
            check_within_bound(
                &format!("random-{seed}"),
                &random_predictor(seed, &[2, 16, 16, 1]),
            );
        }
        check_within_bound("random-32", &random_predictor(7, &[2, 32, 1]));
        check_within_bound("random-8x8", &random_predictor(8, &[2, 8, 8, 1]));
    }

    #[test]
    fn hand_built_predictor_is_within_the_documented_bound() {
        let s = check_within_bound("hand", &hand_predictor());
        // The worked example of docs/FIXED_POINT.md, section 7.
        let (q, _) = quantize(&hand_predictor(), &board(), "hand").unwrap();
        let l0 = &q.networks.set.layers[0];
        assert_eq!(s.layers.set[0].act_exp[0], 2);
        assert_eq!(l0.weight_frac, 12);
        assert_eq!(l0.weights[0], vec![-20795, 20795]);
        assert_eq!(l0.biases[0], 2048);
        let g = GoldenPredictor::new(&q);
        let b = board();
        let (reading, target) = (b.code_of_us(200.0), b.code_of_us(350.0));
        assert_eq!((reading, target), (1241, 2172));
        assert_eq!(g.inputs(Polarity::Set, reading, target), vec![-807, 124]);
        assert_eq!(g.trace(Polarity::Set, &[-807, 124]).layers[0][0], 4727);
    }

    #[test]
    fn a_linear_network_quantizes() {
        // No hidden layer: log2 t = -17 + 3 * (0.7 t_norm - 0.4 n_norm + 0.1).
        let lin = mlp(vec![DenseF {
            weights: vec![vec![-0.4, 0.7]],
            biases: vec![0.1],
        }]);
        let p = predictor(lin.clone(), lin);
        let (q, s) = quantize_with(&p, &board(), "lin", &opts(64)).unwrap();
        q.validate().unwrap();
        assert_eq!(q.networks.set.layers.len(), 1);
        assert!(s.layers.set[0].act_exp.is_empty());
        assert!(s.comparison.max_abs_log2_error <= s.bound_log2, "{s}");
        assert!(s.bound_log2 < 0.001, "{s}");
    }

    #[test]
    fn quantize_is_deterministic() {
        let p = random_predictor(3, &[2, 16, 16, 1]);
        let a = quantize_with(&p, &board(), "p.yaml", &opts(64)).unwrap();
        let b = quantize_with(&p, &board(), "p.yaml", &opts(64)).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn yaml_round_trip_is_identical_and_valid() {
        let p = random_predictor(5, &[2, 16, 16, 1]);
        let (q, _) = quantize_with(&p, &board(), "p.yaml", &opts(64)).unwrap();
        q.validate().unwrap();
        assert_eq!(q.format, QPREDICTOR_FORMAT);
        assert_eq!((q.min_cycles, q.max_cycles), (1, 131072));
        assert_eq!((q.clock_hz, q.adc_bits), (12_000_000, 12));
        assert_eq!(q.input_offsets, vec![2048, 2048]);
        let text = ouro_core::yaml::to_string(&q).unwrap();
        let back = QPredictor::from_yaml_str(&text, "<test>").unwrap();
        assert_eq!(back, q);
        assert_eq!(ouro_core::yaml::to_string(&back).unwrap(), text);
    }

    #[test]
    fn other_adc_widths_quantize() {
        // Not 16: the only offset that keeps every 16-bit code in Signed<16> is 32768, which
        // `QPredictor::validate` (core) currently refuses; quantize then fails with its message.
        for bits in [8, 10, 14] {
            let mut b = board();
            b.adc.bits = bits;
            // Keep the window inside the ADC range.
            b.validate().unwrap();
            let p = random_predictor(11, &[2, 16, 1]);
            let (q, s) = quantize_with(&p, &b, "p.yaml", &opts(64)).unwrap();
            q.validate().unwrap();
            assert_eq!(q.input_offsets, vec![1 << (bits - 1); 2]);
            assert!(
                s.comparison.max_abs_log2_error <= s.bound_log2,
                "{bits} bits: {s}"
            );
        }
    }

    #[test]
    fn an_unrepresentable_weight_is_an_error() {
        // A huge output weight cannot be absorbed by scaling: it does not fit 16 bits.
        let mut p = hand_predictor();
        p.networks.reset.layers[1].weights[0][0] = 1e9;
        let e = quantize_with(&p, &board(), "p.yaml", &opts(32)).unwrap_err();
        assert!(
            matches!(
                e,
                NnError::WeightRange {
                    network: Polarity::Reset,
                    layer: 1,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("network reset layer 1"), "{e}");
    }

    #[test]
    fn a_huge_weight_in_the_first_layer_is_absorbed_by_scaling() {
        let mut p = hand_predictor();
        p.networks.set.layers[0].weights[2][0] = 1e4;
        p.networks.set.layers[1].weights[0][2] = 2e-4;
        let (_, s) = quantize_with(&p, &board(), "p.yaml", &opts(64)).unwrap();
        assert!(s.layers.set[0].act_exp[2] < -5, "{:?}", s.layers.set);
        assert!(!s.comparison.any_saturation());
        assert!(s.comparison.max_abs_log2_error <= s.bound_log2, "{s}");
    }

    #[test]
    fn output_saturation_is_reported() {
        // log2(seconds) around +12: 2^(12 + 23.5) cycles, beyond Q6.10's 32.
        let mut p = hand_predictor();
        p.networks.set.output_mean = 12.0;
        let (_, s) = quantize_with(&p, &board(), "p.yaml", &opts(64)).unwrap();
        let c = &s.comparison;
        assert!(c.any_saturation());
        assert!(
            c.saturated.set[1] > 0 && c.saturated.set[0] == 0,
            "{:?}",
            c.saturated
        );
        assert!(c.saturated.reset.iter().all(|&n| n == 0));
        assert!(c.clamped_high > 0);
        assert!(c.max_abs_log2_error > 1.0);
        assert!(s.to_string().contains("WARNING: saturation"), "{s}");
    }

    #[test]
    fn a_corrupted_weight_is_caught_by_compare() {
        let p = random_predictor(2, &[2, 16, 16, 1]);
        let b = board();
        let (q, s) = quantize_with(&p, &b, "p.yaml", &opts(64)).unwrap();
        let pairs = eval_pairs(WINDOW_US, 64);
        let clean = compare(&p, &q, &b, &pairs).unwrap();
        assert_eq!(clean, s.comparison);
        assert!(clean.max_abs_log2_error <= s.bound_log2);
        // Perturb by a large amount the output weight of the last hidden unit that is most
        // active in the middle of the window.
        let g = GoldenPredictor::new(&q);
        let mid = b.code_of_us(300.0);
        let hidden = &g
            .trace(Polarity::Set, &g.inputs(Polarity::Set, mid, mid + 300))
            .layers[1];
        let j = (0..hidden.len()).max_by_key(|&j| hidden[j]).unwrap();
        assert!(hidden[j] > 0);
        let mut bad = q.clone();
        let w = &mut bad.networks.set.layers[2].weights[0][j];
        *w = if *w > 0 { *w - 8000 } else { *w + 8000 };
        let c = compare(&p, &bad, &b, &pairs).unwrap();
        assert!(
            c.max_abs_log2_error > s.bound_log2,
            "corruption not visible: {} <= {}",
            c.max_abs_log2_error,
            s.bound_log2
        );
        // Even one Q6.10 LSB on an output bias changes the measurement.
        let mut nudged = q.clone();
        nudged.networks.reset.layers[2].biases[0] += 1 << q.networks.reset.layers[2].weight_frac;
        let n = compare(&p, &nudged, &b, &pairs).unwrap();
        assert_ne!(n, clean);
    }

    #[test]
    fn compare_skips_same_codes_and_checks_the_pairing() {
        let p = hand_predictor();
        let b = board();
        let (q, _) = quantize_with(&p, &b, "p.yaml", &opts(16)).unwrap();
        let c = compare(
            &p,
            &q,
            &b,
            &[(300.0, 300.01), (300.0, 400.0), (400.0, 300.0)],
        )
        .unwrap();
        assert_eq!((c.rows, c.skipped), (2, 1));
        let mut other = b.clone();
        other.adc.bits = 10;
        assert!(matches!(
            compare(&p, &q, &other, &[]),
            Err(NnError::Mismatch(_))
        ));
        let mut p3 = p.clone();
        p3.networks.set = random_mlp(&mut Xoshiro256PlusPlus::seed_from_u64(1), &[2, 3, 1]);
        assert!(matches!(
            compare(&p3, &q, &b, &[]),
            Err(NnError::Mismatch(_))
        ));
    }

    #[test]
    fn bad_inputs_are_refused() {
        let mut p = hand_predictor();
        p.format = "nope".into();
        assert!(matches!(
            quantize(&p, &board(), "p"),
            Err(NnError::Predictor(_))
        ));
        assert!(matches!(
            quantize_with(&hand_predictor(), &board(), "p", &opts(1)),
            Err(NnError::Options(_))
        ));
    }

    #[test]
    fn eval_grid_spans_the_window() {
        let g = grid_us(WINDOW_US, 5);
        assert_eq!(g.first(), Some(&WINDOW_US.0));
        assert_eq!(g.last(), Some(&WINDOW_US.1));
        assert_eq!(eval_pairs(WINDOW_US, 5).len(), 25);
    }

    #[test]
    fn input_tables_are_quantized_per_code_and_within_the_bound() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut p = random_predictor(3, &[2, 16, 16, 1]);
        p.networks.set.input_tables = random_tables(&mut rng, 24);
        p.networks.reset.input_tables = random_tables(&mut rng, 40);
        let (q, s) = quantize(&p, &board(), "tables").unwrap();
        let c = &s.comparison;
        assert!(!c.any_saturation(), "{s}");
        assert!(c.max_abs_log2_error <= s.bound_log2, "{s}");
        assert!(s.bound_log2 < 0.1, "{s}");
        let b = board();
        let g = GoldenPredictor::new(&q);
        let one = f64::from(1u32 << ACT_FRAC);
        for (polarity, net) in [
            (Polarity::Set, &p.networks.set),
            (Polarity::Reset, &p.networks.reset),
        ] {
            let tables = &q.networks.get(polarity).input_tables;
            assert_eq!(tables.len(), 2);
            assert!(tables.iter().all(|t| t.len() == 4096));
            // Every code's word is the float table's value at the code's reading, scaled by a
            // power of two and rounded.
            for (i, (t, tf)) in tables.iter().zip(&net.input_tables).enumerate() {
                let code = 1500u16;
                let x = (b.us_of_code(code) - net.input_mean[i]) / net.input_std[i];
                let ratio = f64::from(t[usize::from(code)]) / one / tf.eval(x);
                assert!(
                    (ratio.log2() - ratio.log2().round()).abs() < 1e-3,
                    "{ratio}"
                );
            }
            // The golden model reads its inputs from the tables.
            let (r, t) = (1400u16, 2100u16);
            let inputs = g.inputs(polarity, r, t);
            assert_eq!(inputs, vec![tables[0][1400], tables[1][2100]]);
        }
    }

    #[test]
    fn a_corrupted_input_table_is_caught_by_compare() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(12);
        let mut p = random_predictor(4, &[2, 8, 1]);
        p.networks.set.input_tables = random_tables(&mut rng, 16);
        p.networks.reset.input_tables = random_tables(&mut rng, 16);
        let (mut q, s) = quantize(&p, &board(), "tables").unwrap();
        let pairs = eval_pairs(WINDOW_US, 64);
        let clean = compare(&p, &q, &board(), &pairs).unwrap();
        assert!(clean.max_abs_log2_error <= s.bound_log2);
        for w in &mut q.networks.set.input_tables[0] {
            *w = w.saturating_add(300);
        }
        let bad = compare(&p, &q, &board(), &pairs).unwrap();
        assert!(
            bad.max_abs_log2_error > s.bound_log2,
            "{} vs {}",
            bad.max_abs_log2_error,
            s.bound_log2
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

        /// The computed bound is a bound with input tables too.
        #[test]
        fn the_bound_holds_with_input_tables(seed in any::<u64>(), knots in 2usize..80) {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut p = random_predictor(seed, &[2, 12, 6, 1]);
            p.networks.set.input_tables = random_tables(&mut rng, knots);
            p.networks.reset.input_tables = random_tables(&mut rng, knots);
            let (q, s) = quantize_with(&p, &board(), "p", &opts(48)).unwrap();
            prop_assert!(q.validate().is_ok());
            if !s.comparison.any_saturation() {
                prop_assert!(s.comparison.max_abs_log2_error <= s.bound_log2, "{}", s);
            }
        }

        /// The computed bound is a bound: random shapes, weights and output scales.
        #[test]
        fn the_bound_holds_for_random_networks(
            seed in any::<u64>(),
            h1 in 1usize..24,
            h2 in 0usize..12,
            output_std in 0.3f64..6.0,
            weight_scale in 0.3f64..3.0,
        ) {
            let sizes = if h2 == 0 { vec![2, h1, 1] } else { vec![2, h1, h2, 1] };
            let mut p = random_predictor(seed, &sizes);
            p.networks.reset.output_std = output_std;
            for l in &mut p.networks.set.layers {
                l.weights.iter_mut().flatten().for_each(|w| *w *= weight_scale);
            }
            let (q, s) = quantize_with(&p, &board(), "p", &opts(48)).unwrap();
            prop_assert!(q.validate().is_ok());
            if !s.comparison.any_saturation() {
                prop_assert!(
                    s.comparison.max_abs_log2_error <= s.bound_log2,
                    "{}", s
                );
            }
        }
    }
}
