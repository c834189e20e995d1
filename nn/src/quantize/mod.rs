//! `ouro quantize`: turn a float [`Predictor`] into the fixed-point [`QPredictor`] that the
//! gateware runs, and measure what the quantization costs.
//!
//! The arithmetic is the one of [`ouro_core::qformat`] (documented in `docs/FIXED_POINT.md`);
//! the fixed side of every measurement is the bit-accurate golden model
//! [`crate::golden::GoldenPredictor`], never a re-implementation.
//!
//! # What is folded where
//!
//! - **Inputs.** The gateware sees `x_i = word_i / 1024` (the word taken as raw Q6.10 bits).
//!   For a reading the word is `code_i - offset_i` with `offset_i = 2^(adc_bits - 1)`, so that
//!   every code of the ADC fits (a 12-bit code becomes a value in [-2, 2), a 16-bit one in
//!   [-32, 32), all of Q6.10); for the other features the offset is 0 (see "Input domains").
//!   The float network expects `(F_i - mean_i) / std_i`, with the feature's float value
//!   `F_i = a_i (word_i + offset_i) + s_i` an affine function of the input value
//!   ([`Feature::affine`](ouro_core::schema::Feature::affine): for a reading the centre of the
//!   code's bin, `(code + 0.5) / k` with `k` = [`BoardConfig::codes_per_us`]), that is
//!   `x_i * 1024 a_i / std_i + (a_i offset_i + s_i - mean_i) / std_i`: an affine map that is
//!   folded into the first layer's weights and biases. A network with input tables
//!   ([`MlpF::input_tables`](ouro_core::schema::MlpF::input_tables); on the leading
//!   readings: both inputs of a blind predictor, `g_now` and `g_target` of a history-aware
//!   one) gets instead, for those inputs, one word per ADC code and input: the table's value
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
//!   largest `weight_frac` (at most [`MAX_WEIGHT_FRAC`](ouro_core::qformat::MAX_WEIGHT_FRAC))
//!   for which every weight fits `i16` and every bias fits `i32`. Every bias also carries
//!   `2^(weight_frac - 1)` (when `weight_frac > 0`), so that the gateware's floor shift rounds
//!   to nearest instead of always down: the requantization error is within +-2^-11 and has no
//!   bias.
//!
//! # Input domains
//!
//! A *blind* predictor sees the two readings; a *history-aware* one also the probe's change,
//! the probe's log2 duration and the amplitude level
//! ([`Feature`](ouro_core::schema::Feature)). Each input ranges over a domain of fixed input
//! values (`lo`, `hi` the codes of the conductance window [`QuantOptions::window_us`]):
//!
//! | feature | value | domain | offset |
//! |---|---|---|---|
//! | `g_now`, `g_target` | ADC code | `lo..=hi` | `2^(adc_bits - 1)` |
//! | `probe_delta` | code after the probe minus code before | `-(hi - lo)..=hi - lo` | 0 |
//! | `probe_log2` | `k << 10` for a probe of `2^k` cycles | `2^k` within the board's `min_pulse_cycles..=max_pulse_cycles` | 0 |
//! | `level` | `level << 10` | `0..levels` | 0 |
//!
//! The activation ranges (the scaling) are taken over the product of a grid of every domain,
//! the error bound over the product of tiles of every domain, in both cases only where the
//! readings make a move of the network's polarity (the probe's change, duration and the level
//! are free). The readings and the probe's change are *continuous* axes: for a blind predictor
//! the grid has [`QuantOptions::grid_points`] conductances per reading (their distinct codes)
//! and the bound 32 x 32 tiles, as before history-aware predictors existed; for a
//! history-aware one, whose other axes multiply the points, the grid has at most
//! [`HISTORY_READING_POINTS`] conductances per reading and [`DELTA_POINTS`] probe changes, and
//! the bound 16 tiles per continuous axis for three of them (4,096 in all). The probe
//! exponent and the level are *discrete*: integers, each taken value by value (a point, not an
//! interval, for the bound), which keeps the bound as tight on them as it can be. A 5-input
//! network of 16 hidden units quantizes in about a second in release (grid: about
//! 190,000 points per polarity; bound: about 157,000 tiles per polarity). The comparison
//! ([`compare_in`], over [`eval_situations`]) uses the same grid.
//!
//! # The error bound
//!
//! Along with the measured errors, [`quantize`] returns a bound on |fixed - float| of the
//! log2(cycles) output that holds for **every** point of the input domains (for a blind
//! predictor every pair of ADC codes in the conductance window; not only the evaluation grid),
//! provided no layer saturates (which
//! [`QuantSummary::saturation_excluded`] proves when it is `true`). With `Wq`, `bq` the quantized
//! values, `W`, `b` the exact folded ones, `A_i` an interval bound (propagated through the
//! exact network over the domains) on `|a_i|`, and `r = 2^-11` (0 when
//! `weight_frac = 0`, where no bits are shifted out), the error of neuron `j` obeys
//!
//! ```text
//! E_j <= sum_i |Wq_ji| E_i  +  sum_i |Wq_ji - W_ji| A_i  +  |bq_j - b_j|  +  r
//! ```
//!
//! starting from `E = 0` at the inputs (the codes and words are exact; an input-table word
//! carries half a word, 2^-11), because ReLU is 1-Lipschitz and the products and accumulation
//! are exact (see [`ouro_core::qformat`]). The bound of the output neuron is
//! [`QuantSummary::bound_log2`]. The bound is computed on each tile of the domains (for a
//! blind predictor 32 x 32 tiles of the window's code box; "Input domains" above) and the
//! worst tile is taken; on a tile, a hidden unit that is provably
//! negative in both the exact and the fixed network carries no error. For well-conditioned
//! networks (two inputs, one or two hidden layers of 8 to 32 units, normalised inputs and
//! outputs, weights of order one, `output_std` of a few log2 units) it is below
//! [`DOCUMENTED_BOUND_LOG2`] = 0.03 log2 units, i.e. a duration error below 2.1 %; random
//! history-aware networks (5 inputs, one hidden layer of 16 or two of 12 and 8, normalised over
//! their domains; `ouro_testkit::history`) come out at 0.0044 to 0.013. The
//! measured maximum is smaller than the bound, because the worst case needs every rounding to
//! err in the same direction. The figures (bound and measurement for test networks and for the
//! shipped predictors) are in `docs/BENCHMARKS.md`, section Quantization. The exp2 table adds
//! its own error on top (below 0.27 % of the duration, plus the floor to whole cycles;
//! `docs/FIXED_POINT.md` section 4), reported separately.
//!
//! # Saturation
//!
//! A weight that cannot be represented in `i16` even with `weight_frac = 0` (or a bias outside
//! `i32`) is an error ([`NnError::WeightRange`], [`NnError::BiasRange`]). Saturation of
//! activations is **not** an error: it is counted per layer on the evaluation set
//! ([`Comparison::saturated`]) and flagged by [`Comparison::any_saturation`]; the caller (the
//! CLI) decides whether to refuse the file. Independently, interval arithmetic over the
//! input domains either proves that nothing can saturate there ([`QuantSummary::saturation_excluded`])
//! or does not. Hidden layers only count saturation at the top of the range (a unit saturated
//! at the bottom is zero after ReLU either way); the output layer counts both ends.

mod bound;
mod compare;
mod domain;
mod fold;
mod report;

pub use compare::{compare, compare_in, eval_pairs, eval_situations, grid_us, Comparison};
pub use domain::{
    exponent_range, float_situation, float_value, probe_floor_codes, DELTA_POINTS,
    HISTORY_READING_POINTS,
};
pub use report::{LayerInfo, QuantSummary};

use crate::NnError;
use fold::Fold;
use ouro_core::board::BoardConfig;
use ouro_core::schema::{Feature, PerPolarity, Predictor, QPredictor, QPREDICTOR_FORMAT};
use ouro_core::Polarity;

/// Points per axis of the default evaluation grid (so about 65 000 pairs for a blind
/// predictor).
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
    /// Points per reading axis of the evaluation grid (at least 2); a history-aware
    /// predictor takes at most [`HISTORY_READING_POINTS`] (the module docs, "Input domains").
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

/// The input offset for an ADC of `adc_bits` bits: `2^(adc_bits - 1)`, so that every code
/// minus the offset fits 16 bits.
pub fn input_offset(adc_bits: u32) -> i32 {
    1 << (adc_bits - 1)
}

/// Quantize `p` (blind or history-aware) for `board` with the default options; `source_name`
/// names the float file in the report. See the module docs for what is folded, the input
/// domains, how formats are chosen, the error bound and the treatment of saturation.
/// Deterministic.
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
    let blind = p.features.iter().all(|f| f.is_reading());
    let code_range = (
        board.code_of_us(opts.window_us.0),
        board.code_of_us(opts.window_us.1),
    );
    let levels = p.levels.as_ref().map_or(1, |l| l.len());
    let domains = domain::domains(
        &p.features,
        board,
        code_range,
        input_offset(board.adc.bits),
        levels,
    );
    let offsets: Vec<i32> = domains.iter().map(|d| d.offset).collect();
    // The distinct codes of the grid (fewer for a history-aware predictor, whose other inputs
    // multiply the points); scaling looks at every point of the product of the axes.
    let reading_points = if blind {
        opts.grid_points
    } else {
        opts.grid_points.min(HISTORY_READING_POINTS)
    };
    let mut codes: Vec<i64> = grid_us(opts.window_us, reading_points)
        .iter()
        .map(|&g| i64::from(board.code_of_us(g)))
        .collect();
    codes.dedup();
    let grid: Vec<Vec<(i64, f64)>> = domains
        .iter()
        .map(|d| {
            let values = if d.feature.is_reading() {
                codes.clone()
            } else {
                d.grid(DELTA_POINTS)
            };
            values
                .into_iter()
                .map(|v| (v, domain::float_value(board, d.feature, v)))
                .collect()
        })
        .collect();
    let fold = Fold {
        board,
        domains: &domains,
        grid: &grid,
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
        levels: p.levels.clone(),
        probe_floor_codes: p
            .features
            .contains(&Feature::ProbeLog2Change)
            .then(|| probe_floor_codes(board)),
        quantization: None,
    };
    q.validate()
        .map_err(|m| NnError::Predictor(format!("the quantized predictor is invalid: {m}")))?;
    let situations = eval_situations(&p.features, levels, board, opts.window_us, opts.grid_points);
    let comparison = compare_in(p, &q, board, &situations)?;
    let summary = QuantSummary {
        source: source_name.to_string(),
        comparison,
        bound_log2: set.bound.max(reset.bound),
        saturation_excluded: !(set.may_saturate || reset.may_saturate),
        layers: PerPolarity {
            set: set.info,
            reset: reset.info,
        },
        history: !blind,
    };
    q.quantization = Some(summary.report());
    Ok((q, summary))
}
