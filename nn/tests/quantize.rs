//! The quantizer through its public API (`ouro_nn::quantize`): the documented error bound on
//! random, hand-built and linear networks, determinism and the YAML round trip, ADC widths,
//! weight range errors, saturation, input tables, and the comparison catching corrupted
//! weights.

use ouro_core::board::BoardConfig;
use ouro_core::qformat::ACT_FRAC;
use ouro_core::schema::{
    DenseF, Feature, InputTable, MlpF, PerPolarity, Predictor, QPredictor, PREDICTOR_FORMAT,
    QPREDICTOR_FORMAT,
};
use ouro_core::Polarity;
use ouro_nn::golden::GoldenPredictor;
use ouro_nn::network::FloatNetwork;
use ouro_nn::quantize::{
    compare, eval_pairs, grid_us, quantize, quantize_with, QuantOptions, QuantSummary,
    DOCUMENTED_BOUND_LOG2,
};
use ouro_nn::NnError;
use ouro_sim::device::window_conductance_us;
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
        levels: None,
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
    // Every width the board accepts (8..=16) quantizes with the offset 2^(bits - 1). For 16
    // bits that is 32768: code - 32768 spans [-32768, 32767], all of Signed<16> (Q6.10 values
    // in [-32, 32)), which `QPredictor::validate` accepts (docs/FIXED_POINT.md section 2).
    for bits in [8, 10, 14, 16] {
        let mut b = board();
        b.adc.bits = bits;
        // The full scale is the same conductance at every width, so the window stays inside
        // the ADC's range.
        b.validate().unwrap();
        let p = random_predictor(11, &[2, 16, 1]);
        let (q, s) = quantize_with(&p, &b, "p.yaml", &opts(64)).unwrap();
        q.validate().unwrap();
        assert_eq!(q.input_offsets, vec![1 << (bits - 1); 2]);
        assert!(
            s.comparison.max_abs_log2_error <= s.bound_log2,
            "{bits} bits: {s}"
        );
        assert!(s.saturation_excluded, "{bits} bits: {s}");
        // The golden model runs on the extreme codes: the input words are exactly the codes
        // minus the offset, without wrapping.
        let g = GoldenPredictor::new(&q);
        let (max, half) = (b.adc_max_code(), 1i32 << (bits - 1));
        assert_eq!(i32::from(max), 2 * half - 1);
        for (r, t) in [(0, max), (max, 0), (0, 1), (max - 1, max)] {
            let polarity = Polarity::towards(r, t).unwrap();
            let inputs = g.inputs(polarity, r, t);
            let words: Vec<i32> = inputs.iter().map(|&v| i32::from(v)).collect();
            assert_eq!(
                words,
                [i32::from(r) - half, i32::from(t) - half],
                "{bits} bits"
            );
            let pred = g.predict(r, t).unwrap();
            assert_eq!(pred.polarity, polarity);
            assert!((q.min_cycles..=q.max_cycles).contains(&pred.cycles));
        }
        if bits == 16 {
            assert_eq!(
                g.inputs(Polarity::Set, 0, max),
                vec![i16::MIN, i16::MAX],
                "16 bits fill Signed<16>"
            );
        }
    }
    // Outside 8..=16 the board itself is refused, before anything is quantized.
    for bits in [7, 17] {
        let mut b = board();
        b.adc.bits = bits;
        let e =
            quantize_with(&random_predictor(11, &[2, 16, 1]), &b, "p.yaml", &opts(16)).unwrap_err();
        assert!(matches!(e, NnError::Board(_)), "{e}");
        assert_eq!(
            e.to_string(),
            format!("invalid board: adc.bits must be in 8..=16, got {bits}")
        );
    }
}

#[test]
fn a_16_bit_adc_quantizes_input_tables_of_every_code() {
    let mut b = board();
    b.adc.bits = 16;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let mut p = random_predictor(3, &[2, 16, 1]);
    p.networks.set.input_tables = random_tables(&mut rng, 24);
    p.networks.reset.input_tables = random_tables(&mut rng, 40);
    let (q, s) = quantize_with(&p, &b, "tables", &opts(64)).unwrap();
    q.validate().unwrap();
    for net in [&q.networks.set, &q.networks.reset] {
        assert!(net.input_tables.iter().all(|t| t.len() == 1 << 16));
    }
    assert!(!s.comparison.any_saturation(), "{s}");
    assert!(s.comparison.max_abs_log2_error <= s.bound_log2, "{s}");
    let g = GoldenPredictor::new(&q);
    let t = &q.networks.set.input_tables;
    assert_eq!(
        g.inputs(Polarity::Set, 0, 65535),
        vec![t[0][0], t[1][65535]]
    );
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
    let pairs = eval_pairs(window_conductance_us(), 64);
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
    let window = window_conductance_us();
    let g = grid_us(window, 5);
    assert_eq!(g.first(), Some(&window.0));
    assert_eq!(g.last(), Some(&window.1));
    assert_eq!(eval_pairs(window, 5).len(), 25);
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
    let pairs = eval_pairs(window_conductance_us(), 64);
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
