//! The quantizer on history-aware predictors (inputs beyond the two readings: the probe's
//! change and log2 duration, the amplitude level): the input domains and the affine fold of
//! every feature, the error bound over random situations, the levels carried to the quantized
//! predictor, the comparison catching a corrupted weight, and the refusals.

use ouro_core::board::BoardConfig;
use ouro_core::schema::{DenseF, Feature, Levels, Predictor, QPredictor, Situation};
use ouro_core::Polarity;
use ouro_nn::golden::GoldenPredictor;
use ouro_nn::network::FloatPredictor;
use ouro_nn::quantize::{
    compare_in, eval_pairs, eval_situations, exponent_range, float_situation, quantize,
    quantize_with, QuantOptions, QuantSummary, DELTA_POINTS, DOCUMENTED_BOUND_LOG2,
};
use ouro_nn::NnError;
use ouro_sim::device::window_conductance_us;
use ouro_testkit::history::{
    float_history_predictor, float_predictor_with, levels, random_situation, HISTORY_FEATURES,
};
use ouro_testkit::rng::seeded;
use proptest::prelude::*;

fn board() -> BoardConfig {
    BoardConfig::default_board()
}

/// The largest |fixed - float| of log2(cycles) over `n` random situations.
fn measured_in_random_situations(p: &Predictor, q: &QPredictor, seed: u64, n: usize) -> f64 {
    let b = board();
    let g = GoldenPredictor::new(q);
    let log2_clock = (b.clock_hz as f64).log2();
    let n_levels = p.levels.as_ref().map_or(1, Levels::len);
    let mut rng = seeded(seed);
    let mut worst = 0.0f64;
    for _ in 0..n {
        let (pol, s) = random_situation(&mut rng, &b, n_levels);
        let x = g.inputs_in(pol, &s);
        let fixed = f64::from(g.trace(pol, &x).layers.last().unwrap()[0]) / 1024.0;
        let (fp, float) = p.predict_in(&float_situation(&b, &s)).unwrap();
        assert_eq!(fp, pol);
        worst = worst.max((fixed - (float + log2_clock)).abs());
    }
    worst
}

fn check_history(name: &str, p: &Predictor) -> QuantSummary {
    let (q, s) = quantize(p, &board(), name).unwrap();
    eprintln!("{s}");
    q.validate().unwrap();
    assert_eq!(q.features, p.features);
    assert_eq!(q.levels, p.levels);
    let c = &s.comparison;
    assert!(s.history && c.rows > 2_000, "{name}: {}", c.rows);
    assert!(s.saturation_excluded, "{name}: {s}");
    assert!(!c.any_saturation(), "{name}: {s}");
    assert!(c.max_abs_log2_error <= s.bound_log2, "{name}: {s}");
    assert!(s.bound_log2 <= DOCUMENTED_BOUND_LOG2, "{name}: {s}");
    let random = measured_in_random_situations(p, &q, 0xA11_5EED, 20_000);
    assert!(
        random <= s.bound_log2,
        "{name}: {random} in random situations, above the bound {}",
        s.bound_log2
    );
    assert!(random > 0.0);
    s
}

#[test]
fn history_predictors_are_within_their_bound_in_random_situations() {
    use Feature::*;
    for (seed, features, hidden) in [
        (1, &HISTORY_FEATURES[..], &[16][..]),
        (2, &HISTORY_FEATURES[..], &[16][..]),
        (3, &[GNow, GTarget, ProbeDelta][..], &[16][..]),
        (4, &[GNow, GTarget, ProbeDelta, ProbeLog2][..], &[8][..]),
        // Any order of the inputs; a second hidden layer.
        (
            5,
            &[Level, GTarget, ProbeLog2, GNow, ProbeDelta][..],
            &[12, 8][..],
        ),
        (6, &[GTarget, Level, GNow][..], &[16][..]),
    ] {
        let p = float_predictor_with(seed, features, hidden);
        check_history(&format!("history-{seed} {features:?} {hidden:?}"), &p);
    }
}

/// Bent tables (a steep rise at the low end, flat at the top) on the two readings.
fn bent_tables() -> Vec<ouro_core::schema::InputTable> {
    let bent = |k: f64| ouro_core::schema::InputTable {
        lo: -2.0,
        hi: 2.0,
        values: (0..9)
            .map(|i| {
                let x = -2.0 + 0.5 * f64::from(i);
                k * (x + 2.0).sqrt() - 1.5
            })
            .collect(),
    };
    vec![bent(1.0), bent(0.8)]
}

#[test]
fn history_predictors_with_tables_on_their_readings_are_within_their_bound() {
    use Feature::*;
    for (seed, features) in [
        (7, &HISTORY_FEATURES[..]),
        (8, &[GNow, GTarget, ProbeLog2Change, ProbeLog2][..]),
    ] {
        let mut p = float_predictor_with(seed, features, &[16]);
        p.networks.set.input_tables = bent_tables();
        p.networks.reset.input_tables = bent_tables();
        p.validate().unwrap();
        let (q, _) = quantize(&p, &board(), "tabled").unwrap();
        // A table per reading, one word per ADC code; the other inputs stay words.
        for net in [&q.networks.set, &q.networks.reset] {
            assert_eq!(net.input_tables.len(), 2);
            assert!(net.input_tables.iter().all(|t| t.len() == 1 << q.adc_bits));
        }
        check_history(&format!("tabled history-{seed} {features:?}"), &p);
        // The tables count: the same weights without them predict differently.
        let mut plain = p.clone();
        plain.networks.set.input_tables.clear();
        plain.networks.reset.input_tables.clear();
        let (qp, _) = quantize(&plain, &board(), "plain").unwrap();
        let (g, gp) = (GoldenPredictor::new(&q), GoldenPredictor::new(&qp));
        let mut rng = seeded(seed);
        let differ = (0..200)
            .filter(|_| {
                let (pol, s) = random_situation(&mut rng, &board(), 4);
                g.inputs_in(pol, &s) != gp.inputs_in(pol, &s)
            })
            .count();
        assert!(differ > 150, "{differ} of 200 input words differ");
    }
}

#[test]
fn tables_need_the_readings_first() {
    use Feature::*;
    let mut p = float_predictor_with(9, &[Level, GTarget, ProbeLog2, GNow, ProbeDelta], &[8]);
    p.networks.set.input_tables = bent_tables();
    p.networks.reset.input_tables = bent_tables();
    let e = p.validate().unwrap_err().to_string();
    assert!(e.contains("its first input is not one"), "{e}");
    let mut p = float_predictor_with(10, &HISTORY_FEATURES, &[8]);
    p.networks.set.input_tables = bent_tables()[..1].to_vec();
    p.networks.reset.input_tables = bent_tables()[..1].to_vec();
    let e = p.validate().unwrap_err().to_string();
    assert!(e.contains("1 input tables for 2 readings"), "{e}");
}

#[test]
fn the_input_fold_follows_every_feature_s_affine_map() {
    // No hidden layer: the output is linear in the normalised inputs, so an error in the fold
    // of any feature (its scale, its shift, its offset) shows in full; with the quantization
    // alone it is below a thousandth of a log2 unit.
    let mut p = float_history_predictor(7, 16);
    for (k, net) in [&mut p.networks.set, &mut p.networks.reset]
        .into_iter()
        .enumerate()
    {
        net.layers = vec![DenseF {
            weights: vec![vec![-0.4, 0.7, 0.3 - 0.1 * k as f64, 0.5, -0.2]],
            biases: vec![0.1],
        }];
    }
    let (q, s) = quantize(&p, &board(), "linear").unwrap();
    assert!(s.bound_log2 < 0.001, "{s}");
    let random = measured_in_random_situations(&p, &q, 3, 20_000);
    assert!(random <= s.bound_log2, "{random} vs {s}");
    // The fixed network by hand: one probe exponent more is 0.5 * output_std / std_k log2 units
    // more, whatever the rest.
    let g = GoldenPredictor::new(&q);
    let b = board();
    let std_k = p.networks.set.input_std[3];
    let at = |k: i32| {
        let s = Situation {
            now: 1000,
            target: 2000,
            probe_delta: -15,
            probe_log2_change: 0,
            probe_log2: k << 10,
            level: 1 << 10,
        };
        let x = g.inputs_in(Polarity::Set, &s);
        assert_eq!(x[3], (k << 10) as i16);
        assert_eq!(x[..2], [1000 - 2048, 2000 - 2048]);
        assert_eq!((x[2], x[4]), (-15, 1024));
        f64::from(g.trace(Polarity::Set, &x).layers[0][0]) / 1024.0
    };
    let slope = 0.5 * p.networks.set.output_std / std_k;
    let (k0, k1) = exponent_range(&b);
    let step = (at(k1 as i32) - at(k0 as i32)) / f64::from(k1 - k0);
    assert!(
        (step - slope).abs() < 0.002 / f64::from(k1 - k0),
        "{step} vs {slope}"
    );
}

#[test]
fn history_quantization_carries_levels_and_offsets_and_round_trips() {
    let p = float_history_predictor(11, 16);
    let (q, _) = quantize(&p, &board(), "p.yaml").unwrap();
    assert_eq!(q.levels, Some(levels()));
    assert_eq!(q.input_offsets, vec![2048, 2048, 0, 0, 0]);
    assert_eq!((q.min_cycles, q.max_cycles), (1, 131072));
    let text = ouro_core::yaml::to_string(&q).unwrap();
    assert!(text.contains("levels:"), "{text}");
    let back = QPredictor::from_yaml_str(&text, "<test>").unwrap();
    assert_eq!(back, q);
    // Deterministic.
    assert_eq!(quantize(&p, &board(), "p.yaml").unwrap().0, q);
}

#[test]
fn the_evaluation_grid_spans_every_domain() {
    let b = board();
    let window = window_conductance_us();
    let (lo, hi) = (
        i32::from(b.code_of_us(window.0)),
        i32::from(b.code_of_us(window.1)),
    );
    // A blind predictor keeps the pairs of the conductance grid.
    let blind = eval_situations(&[Feature::GNow, Feature::GTarget], 1, &b, window, 16);
    assert_eq!(blind.len(), eval_pairs(window, 16).len());
    assert!(blind.iter().all(|s| s.probe_log2 == 0 && s.level == 0));
    let s = eval_situations(&HISTORY_FEATURES, 4, &b, window, 256);
    // 24 reading codes each, 9 deltas, 18 exponents, 4 levels.
    assert_eq!(s.len(), 24 * 24 * DELTA_POINTS * 18 * 4);
    let range = |f: fn(&Situation<i32>) -> i32| {
        (
            s.iter().map(f).min().unwrap(),
            s.iter().map(f).max().unwrap(),
        )
    };
    assert_eq!(range(|s| s.now), (lo, hi));
    assert_eq!(range(|s| s.probe_delta), (lo - hi, hi - lo));
    assert_eq!(range(|s| s.probe_log2), (0, 17 << 10));
    assert_eq!(range(|s| s.level), (0, 3 << 10));
    assert!(s.iter().any(|s| s.probe_delta == 0));
    // A feature the predictor lacks stays 0.
    let s = eval_situations(
        &[Feature::GNow, Feature::GTarget, Feature::ProbeDelta],
        1,
        &b,
        window,
        8,
    );
    assert_eq!(s.len(), 8 * 8 * DELTA_POINTS);
    assert!(s.iter().all(|s| s.probe_log2 == 0 && s.level == 0));
}

#[test]
fn a_corrupted_history_weight_is_caught_by_compare_in() {
    let b = board();
    let p = float_history_predictor(13, 16);
    let opts = QuantOptions {
        grid_points: 12,
        ..QuantOptions::default()
    };
    let (q, s) = quantize_with(&p, &b, "p", &opts).unwrap();
    eprintln!("{s}");
    let situations = eval_situations(&p.features, 4, &b, opts.window_us, 12);
    let clean = compare_in(&p, &q, &b, &situations).unwrap();
    assert_eq!(clean, s.comparison);
    assert!(clean.max_abs_log2_error <= s.bound_log2);
    // Flip a high bit of the first layer's weight on the probe's log2 duration (the level):
    // the comparison sees it.
    for input in [3, 4] {
        let mut bad = q.clone();
        let net = &mut bad.networks.reset;
        let j = (0..net.layers[0].weights.len())
            .max_by_key(|&j| net.layers[1].weights[0][j].unsigned_abs())
            .unwrap();
        net.layers[0].weights[j][input] ^= 1 << 12;
        let c = compare_in(&p, &bad, &b, &situations).unwrap();
        assert!(
            c.max_abs_log2_error > s.bound_log2,
            "input {input}: {} vs {}",
            c.max_abs_log2_error,
            s.bound_log2
        );
        let worst = c.worst_situation.unwrap();
        assert!(worst.now > worst.target, "a RESET move: {worst:?}");
    }
    // Different levels are a mismatch.
    let mut other = q.clone();
    other.levels.as_mut().unwrap().set[3] = -0.5;
    assert!(matches!(
        compare_in(&p, &other, &b, &situations),
        Err(NnError::Mismatch(m)) if m.contains("levels")
    ));
}

#[test]
fn inconsistent_history_predictors_are_refused() {
    let b = board();
    let refused = |p: &Predictor| match quantize(p, &b, "p") {
        Err(NnError::Predictor(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let mut p = float_history_predictor(17, 8);
    p.levels = None;
    let m = refused(&p);
    assert!(m.contains("level feature needs a `levels` ladder"), "{m}");

    let mut p = float_predictor_with(17, &[Feature::GNow, Feature::GTarget], &[8]);
    p.levels = Some(levels());
    let m = refused(&p);
    assert!(
        m.contains("`levels` is given but no feature is `level`"),
        "{m}"
    );

    let mut p = float_history_predictor(17, 8);
    p.levels.as_mut().unwrap().reset.pop();
    let m = refused(&p);
    assert!(m.contains("the same number for set and reset"), "{m}");

    let mut p = float_history_predictor(17, 8);
    p.features[2] = Feature::GNow;
    let m = refused(&p);
    assert!(m.contains("listed twice"), "{m}");

    let mut p = float_history_predictor(17, 8);
    let table = ouro_core::schema::InputTable {
        lo: -2.0,
        hi: 2.0,
        values: vec![-2.0, 2.0],
    };
    p.networks.set.input_tables = vec![table.clone(); 5];
    p.networks.reset.input_tables = vec![table; 5];
    let m = refused(&p);
    assert!(m.contains("5 input tables for 2 readings"), "{m}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// The computed bound is a bound for history-aware networks: random weights, output
    /// scales, on the grid and in random situations.
    #[test]
    fn the_bound_holds_for_random_history_networks(
        seed in any::<u64>(),
        hidden in 2usize..20,
        output_std in 0.3f64..6.0,
        weight_scale in 0.3f64..3.0,
    ) {
        let mut p = float_history_predictor(seed, hidden);
        p.networks.reset.output_std = output_std;
        for l in &mut p.networks.set.layers {
            l.weights.iter_mut().flatten().for_each(|w| *w *= weight_scale);
        }
        let opts = QuantOptions { grid_points: 12, ..QuantOptions::default() };
        let (q, s) = quantize_with(&p, &board(), "p", &opts).unwrap();
        prop_assert!(q.validate().is_ok());
        if s.saturation_excluded {
            prop_assert!(s.comparison.max_abs_log2_error <= s.bound_log2, "{}", s);
            let random = measured_in_random_situations(&p, &q, seed, 3000);
            prop_assert!(random <= s.bound_log2, "{} vs {}", random, s);
        }
    }
}

/// The shipped history-aware predictor (inputs g_now, g_target, probe_log2_change, probe_log2,
/// level): quantizing the shipped float file for the shipped board gives the shipped quantized
/// file exactly, and its measured error over the situations is within the computed bound and
/// the documented one. (The computed bound, 0.03001 log2 units for the shipped 5-32-1
/// networks, is a hair above the documented 0.03, which is stated for two-input networks: it
/// sums one term per hidden unit, and these have 32; docs/FIXED_POINT.md.)
#[test]
fn the_shipped_history_predictor_quantizes_to_the_shipped_file() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../predictors"));
    let p = Predictor::load(&dir.join("history.yaml")).unwrap();
    let shipped = QPredictor::load(&dir.join("history.q.yaml")).unwrap();
    assert_eq!(p.features, ouro_nn::train::HISTORY_FEATURES.to_vec());
    let (q, s) =
        ouro_nn::quantize::quantize(&p, &BoardConfig::default_board(), "predictors/history.yaml")
            .unwrap();
    assert_eq!(q, shipped);
    assert_eq!(q.probe_floor_codes, Some(1));
    // None of the grid's situations saturates, and the measured error is within the computed
    // bound.
    assert!(!s.comparison.any_saturation(), "{s}");
    assert!(
        s.comparison.max_abs_log2_error <= s.bound_log2,
        "{} > {}",
        s.comparison.max_abs_log2_error,
        s.bound_log2
    );
    assert!(
        s.comparison.max_abs_log2_error < ouro_nn::quantize::DOCUMENTED_BOUND_LOG2,
        "{s}"
    );
}
