//! The float-vs-fixed comparison: the quantized predictor, run through the bit-accurate golden
//! model, against the float one on an evaluation grid of conductance pairs (blind predictors)
//! or of situations (history-aware ones: readings, the probe's change and duration, the
//! level).

use super::domain::{domains, float_situation, DELTA_POINTS, HISTORY_READING_POINTS};
use super::{input_offset, EXP2_CHECK_MIN_CYCLES};
use crate::golden::{Clamp, GoldenPredictor};
use crate::network::FloatNetwork;
use crate::NnError;
use ouro_core::board::BoardConfig;
use ouro_core::qformat::{self, ACT_FRAC, EXP2_INDEX_BITS, EXP2_MANT_FRAC};
use ouro_core::schema::{Feature, MlpF, PerPolarity, Predictor, QPredictor, Situation};
use ouro_core::Polarity;

/// The measured difference between a float predictor and a quantized one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    /// Pairs (situations) evaluated.
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
    /// The whole situation of the largest error (fixed units: codes, their difference, Q6.10
    /// words).
    pub worst_situation: Option<Situation<i32>>,
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

/// The evaluation grid of a predictor with `features` (and `levels` amplitude levels, when one
/// is [`Feature::Level`]), as situations in fixed units. For a blind predictor, the codes of
/// [`eval_pairs`]`(window_us, n)` (what [`compare`] reads). For a history-aware one, the
/// product of: the codes of [`grid_us`] with at most [`HISTORY_READING_POINTS`] points for the
/// reading and for the target, [`DELTA_POINTS`] code differences over
/// `-(hi - lo)..=hi - lo` (`lo`, `hi` the window's codes) for the probe's change, every probe
/// exponent `k << 10` with `2^k` cycles within the board's pulse limits, every level
/// `level << 10`. Features a predictor does not have stay 0. Pairs with equal codes are kept
/// ([`compare_in`] skips them).
pub fn eval_situations(
    features: &[Feature],
    levels: usize,
    board: &BoardConfig,
    window_us: (f64, f64),
    n: usize,
) -> Vec<Situation<i32>> {
    let code = |g: f64| i32::from(board.code_of_us(g));
    if features.iter().all(|f| f.is_reading()) {
        return eval_pairs(window_us, n)
            .into_iter()
            .map(|(a, b)| Situation::blind(code(a), code(b)))
            .collect();
    }
    let mut codes: Vec<i32> = grid_us(window_us, n.min(HISTORY_READING_POINTS))
        .into_iter()
        .map(code)
        .collect();
    codes.dedup();
    let code_range = (board.code_of_us(window_us.0), board.code_of_us(window_us.1));
    let doms = domains(
        features,
        board,
        code_range,
        input_offset(board.adc.bits),
        levels,
    );
    let axis = |f: Feature, points: usize| -> Vec<i32> {
        doms.iter().find(|d| d.feature == f).map_or(vec![0], |d| {
            d.grid(points).into_iter().map(|v| v as i32).collect()
        })
    };
    let (deltas, changes, exps, levels) = (
        axis(Feature::ProbeDelta, DELTA_POINTS),
        axis(Feature::ProbeLog2Change, DELTA_POINTS),
        axis(Feature::ProbeLog2, 0),
        axis(Feature::Level, 0),
    );
    let mut out = Vec::new();
    for &now in &codes {
        for &target in &codes {
            for &probe_delta in &deltas {
                for &probe_log2_change in &changes {
                    for &probe_log2 in &exps {
                        for &level in &levels {
                            out.push(Situation {
                                now,
                                target,
                                probe_delta,
                                probe_log2_change,
                                probe_log2,
                                level,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// Measure the quantized predictor `q` (run through the golden model) against the float one
/// `p` on `pairs` of conductances `(g_now, g_target)` in microsiemens. Each pair is read by
/// `board` (`code_of_us`); pairs with equal codes are skipped; the float predictor is
/// evaluated at the centres of the two codes' bins, so only arithmetic error is measured.
///
/// The other inputs of a history-aware predictor are 0 (a probe of one cycle that changed
/// nothing, level 0); [`compare_in`] takes whole situations.
pub fn compare(
    p: &Predictor,
    q: &QPredictor,
    board: &BoardConfig,
    pairs: &[(f64, f64)],
) -> Result<Comparison, NnError> {
    let situations: Vec<Situation<i32>> = pairs
        .iter()
        .map(|&(a, b)| {
            Situation::blind(
                i32::from(board.code_of_us(a)),
                i32::from(board.code_of_us(b)),
            )
        })
        .collect();
    compare_in(p, q, board, &situations)
}

/// Measure the quantized predictor `q` (run through the golden model,
/// [`GoldenPredictor::inputs_in`]) against the float one `p` in `situations`, given in fixed
/// units (ADC codes, their difference, Q6.10 words for the probe's log2 duration and the
/// level; [`eval_situations`] makes a grid of them). Situations whose two readings are equal
/// are skipped; the float predictor sees the centres of the codes' bins and the other values
/// through [`Feature::affine`], so only arithmetic error is measured.
pub fn compare_in(
    p: &Predictor,
    q: &QPredictor,
    board: &BoardConfig,
    situations: &[Situation<i32>],
) -> Result<Comparison, NnError> {
    q.validate().map_err(|e| NnError::Mismatch(e.to_string()))?;
    if q.features != p.features {
        return Err(NnError::Mismatch(format!(
            "features differ: float {:?}, quantized {:?}",
            p.features, q.features
        )));
    }
    if q.levels != p.levels {
        return Err(NnError::Mismatch(format!(
            "amplitude levels differ: float {:?}, quantized {:?}",
            p.levels, q.levels
        )));
    }
    q.fits(board).map_err(NnError::Mismatch)?;
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
    for s in situations {
        let Some(polarity) = Polarity::towards(s.now, s.target) else {
            c.skipped += 1;
            continue;
        };
        let inputs = golden.inputs_in(polarity, s);
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

        let float_inputs = Feature::inputs(&p.features, &float_situation(board, s));
        let float = p.networks.get(polarity).forward(&float_inputs) + log2_clock;
        let err = (fixed - float).abs();
        if err > c.max_abs_log2_error || c.worst_codes.is_none() {
            c.max_abs_log2_error = err;
            c.worst_codes = Some((s.now as u16, s.target as u16));
            c.worst_situation = Some(*s);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_includes_both_ends() {
        assert_eq!(grid_us((100.0, 300.0), 3), vec![100.0, 200.0, 300.0]);
        assert_eq!(grid_us((100.0, 300.0), 1), vec![100.0]);
        let pairs = eval_pairs((100.0, 300.0), 3);
        assert_eq!(pairs.len(), 9);
        assert_eq!((pairs[1], pairs[3]), ((100.0, 200.0), (200.0, 100.0)));
    }

    #[test]
    fn summary_flags_and_relative_errors() {
        let mut c = Comparison {
            max_abs_log2_error: 1.0,
            mean_abs_log2_error: 0.5,
            saturated: PerPolarity {
                set: vec![0, 0],
                reset: vec![0, 0],
            },
            ..Comparison::default()
        };
        assert_eq!(c.max_rel_duration_error(), 1.0);
        assert!((c.mean_rel_duration_error() - (2f64.sqrt() - 1.0)).abs() < 1e-15);
        assert!(!c.any_saturation() && !c.any_clamp());
        c.saturated.reset[1] = 2;
        c.clamped_high = 1;
        assert!(c.any_saturation() && c.any_clamp());
    }
}
