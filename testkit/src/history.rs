//! History-aware fixtures: a random float predictor with every feature (readings, the probe's
//! change and log2 duration, the amplitude level), its quantization by `ouro_nn::quantize`, and
//! random situations a board can present to it.
//!
//! The float predictor is random, not trained: what the quantizer and the gateware do with it
//! does not depend on how a network was trained, only on its weights and normalisation. Its
//! normalisation is plausible: each input's mean and standard deviation are those of the
//! feature's float values spread evenly over its domain on the iCEBreaker board (the device
//! window for the readings, the window's span either way for the probe's change, probes of
//! `2^0 .. 2^17` cycles at 12 MHz, four levels), and its output is centred on the middle of
//! the probes' durations.

use crate::rng::{range, seeded};
use ouro_core::board::BoardConfig;
use ouro_core::schema::{
    DenseF, Feature, Levels, MlpF, PerPolarity, Predictor, QPredictor, Situation, PREDICTOR_FORMAT,
};
use ouro_core::Polarity;
use ouro_nn::quantize::{exponent_range, quantize, QuantSummary};
use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The features of the history-aware fixtures, in input order.
pub const HISTORY_FEATURES: [Feature; 5] = [
    Feature::GNow,
    Feature::GTarget,
    Feature::ProbeDelta,
    Feature::ProbeLog2,
    Feature::Level,
];

/// The amplitude ladder of the fixtures: four levels per polarity.
pub fn levels() -> Levels {
    Levels {
        set: vec![-0.342, -0.367, -0.392, -0.417],
        reset: vec![0.7065, 0.7565, 0.8065, 0.8565],
    }
}

/// Mean and standard deviation of a value spread evenly over `lo..=hi`.
fn uniform_stats(lo: f64, hi: f64) -> (f64, f64) {
    ((lo + hi) / 2.0, (hi - lo) / 12f64.sqrt())
}

/// The mean and standard deviation of a feature's float values over its domain on `board`
/// (see the module docs).
pub fn feature_stat(board: &BoardConfig, feature: Feature) -> (f64, f64) {
    let (g0, g1) = ouro_sim::device::window_conductance_us();
    let (k0, k1) = exponent_range(board);
    let log2_clock = (board.clock_hz as f64).log2();
    match feature {
        Feature::GNow | Feature::GTarget => uniform_stats(g0, g1),
        Feature::ProbeDelta => uniform_stats(g0 - g1, g1 - g0),
        Feature::ProbeLog2Change => uniform_stats(
            ouro_core::schema::PROBE_CHANGE_FLOOR_US.log2(),
            (g1 - g0).log2(),
        ),
        Feature::ProbeLog2 => uniform_stats(f64::from(k0) - log2_clock, f64::from(k1) - log2_clock),
        Feature::Level => uniform_stats(0.0, levels().len() as f64 - 1.0),
    }
}

/// [`feature_stat`] of every feature of [`HISTORY_FEATURES`].
pub fn feature_stats(board: &BoardConfig) -> Vec<(f64, f64)> {
    HISTORY_FEATURES
        .iter()
        .map(|&f| feature_stat(board, f))
        .collect()
}

/// A float network over inputs of `stats` with hidden layers `hidden`: He-scaled uniform
/// weights, small biases; its output centred on durations of `2^8.5` cycles at 12 MHz (the
/// middle of the probes' range), with a standard deviation of 1.5 log2 units.
fn random_mlp(rng: &mut Xoshiro256PlusPlus, stats: &[(f64, f64)], hidden: &[usize]) -> MlpF {
    let sizes: Vec<usize> = [stats.len()]
        .into_iter()
        .chain(hidden.iter().copied())
        .chain([1])
        .collect();
    let layers = sizes
        .windows(2)
        .map(|s| {
            let a = (6.0 / s[0] as f64).sqrt();
            DenseF {
                weights: (0..s[1])
                    .map(|_| (0..s[0]).map(|_| rng.random_range(-a..a)).collect())
                    .collect(),
                biases: (0..s[1]).map(|_| rng.random_range(-0.1..0.1)).collect(),
            }
        })
        .collect();
    MlpF {
        input_mean: stats.iter().map(|s| s.0).collect(),
        input_std: stats.iter().map(|s| s.1).collect(),
        output_mean: 8.5 - 12e6f64.log2(),
        output_std: 1.5,
        layers,
        input_tables: Vec::new(),
    }
}

/// A random float history-aware predictor: inputs [`HISTORY_FEATURES`], one hidden layer of
/// `hidden` units per polarity, the [`levels`] ladder, normalised for the iCEBreaker board.
pub fn float_history_predictor(seed: u64, hidden: usize) -> Predictor {
    float_predictor_with(seed, &HISTORY_FEATURES, &[hidden])
}

/// A random float predictor with any `features` (which must include both readings) and
/// hidden layers `hidden`, normalised as the module docs say; the [`levels`] ladder when a
/// feature is [`Feature::Level`].
pub fn float_predictor_with(seed: u64, features: &[Feature], hidden: &[usize]) -> Predictor {
    let board = BoardConfig::default_board();
    let stats: Vec<(f64, f64)> = features.iter().map(|&f| feature_stat(&board, f)).collect();
    let mut rng = seeded(seed);
    let set = random_mlp(&mut rng, &stats, hidden);
    let reset = random_mlp(&mut rng, &stats, hidden);
    Predictor {
        format: PREDICTOR_FORMAT.into(),
        features: features.to_vec(),
        networks: PerPolarity { set, reset },
        levels: features.contains(&Feature::Level).then(levels),
        training: None,
    }
}

/// The float predictor [`float_history_predictor`]`(seed, 32)` (the shipped history-aware
/// predictor's shape) quantized for the iCEBreaker board (the default options), with the
/// quantizer's summary.
pub fn quantized_history_predictor(seed: u64) -> (Predictor, QPredictor, QuantSummary) {
    let p = float_history_predictor(seed, 32);
    let (q, s) = quantize(&p, &BoardConfig::default_board(), "history fixture")
        .expect("the history fixture quantizes");
    (p, q, s)
}

/// The seed of the quantized history-aware engine configuration (`hist5q`).
pub const HIST5Q_SEED: u64 = 0x4157_0005;

/// The lowest and highest codes of the device window on `board`.
pub fn window_codes(board: &BoardConfig) -> (i32, i32) {
    let (g0, g1) = ouro_sim::device::window_conductance_us();
    (
        i32::from(board.code_of_us(g0)),
        i32::from(board.code_of_us(g1)),
    )
}

/// A random situation the board can present (fixed units): a reading and a distinct target in
/// the device window's codes, a probe change within the window's span either way (mostly
/// small, as probes are, sometimes anywhere), a probe of `2^k` cycles within the board's pulse
/// limits (`k << 10`), and a level below `levels` (`level << 10`). Returns the move's
/// polarity too.
pub fn random_situation<R: Rng + ?Sized>(
    rng: &mut R,
    board: &BoardConfig,
    levels: usize,
) -> (Polarity, Situation<i32>) {
    let (lo, hi) = window_codes(board);
    let (lo, hi) = (i64::from(lo), i64::from(hi));
    let now = range(rng, lo, hi);
    let target = loop {
        let t = range(rng, lo, hi);
        if t != now {
            break t;
        }
    };
    let span = hi - lo;
    let probe_delta = if rng.random_range(0..4u8) == 0 {
        range(rng, -span, span)
    } else {
        range(rng, -40, 40)
    };
    let (k0, k1) = exponent_range(board);
    let k = range(rng, i64::from(k0), i64::from(k1));
    let level = range(rng, 0, levels.max(1) as i64 - 1);
    let change = range(rng, 0, span) as u32;
    let floor = ouro_nn::quantize::probe_floor_codes(board);
    let s = Situation {
        now: now as i32,
        target: target as i32,
        probe_delta: probe_delta as i32,
        probe_log2_change: i32::from(ouro_core::qformat::log2_word(change.max(floor))),
        probe_log2: (k << 10) as i32,
        level: (level << 10) as i32,
    };
    let p = Polarity::towards(s.now, s.target).expect("distinct codes");
    (p, s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ouro_nn::golden::GoldenPredictor;
    use ouro_nn::network::FloatPredictor;
    use ouro_nn::quantize::{float_situation, DOCUMENTED_BOUND_LOG2};

    #[test]
    fn the_float_fixture_validates_and_is_normalised() {
        let p = float_history_predictor(1, 16);
        p.validate().unwrap();
        let stats = feature_stats(&BoardConfig::default_board());
        // log2 seconds of 1 .. 131072 cycles at 12 MHz, and levels 0..=3.
        assert!((stats[3].0 - (8.5 - 12e6f64.log2())).abs() < 1e-12);
        assert!((stats[4].0 - 1.5).abs() < 1e-12);
        assert!(stats.iter().all(|s| s.1 > 0.0));
    }

    #[test]
    fn the_quantized_fixture_is_within_its_bound_in_random_situations() {
        let board = BoardConfig::default_board();
        let (p, q, s) = quantized_history_predictor(HIST5Q_SEED);
        assert_eq!(q.levels, Some(levels()));
        assert_eq!(q.input_offsets, vec![2048, 2048, 0, 0, 0]);
        assert!(s.saturation_excluded, "{s}");
        assert!(s.bound_log2 <= DOCUMENTED_BOUND_LOG2, "{s}");
        let g = GoldenPredictor::new(&q);
        let log2_clock = (board.clock_hz as f64).log2();
        let mut rng = seeded(0x51_7A7E);
        let mut worst = 0.0f64;
        for _ in 0..20_000 {
            let (pol, sit) = random_situation(&mut rng, &board, 4);
            let x = g.inputs_in(pol, &sit);
            let fixed =
                f64::from(*g.trace(pol, &x).layers.last().unwrap().first().unwrap()) / 1024.0;
            let (fp, float) = p.predict_in(&float_situation(&board, &sit)).unwrap();
            assert_eq!(fp, pol);
            worst = worst.max((fixed - (float + log2_clock)).abs());
        }
        assert!(
            worst <= s.bound_log2,
            "{worst} above the bound {}",
            s.bound_log2
        );
        assert!(worst > 0.0);
    }
}
