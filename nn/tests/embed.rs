//! `ouro_nn::embed`: a blind predictor embedded into the history-aware predictor's shape (more
//! inputs, as many or more hidden units and layers) gives the original's result, bit for bit,
//! whatever the extra inputs hold; what cannot be embedded is refused.

use ouro_core::schema::QPredictor;
use ouro_core::Polarity;
use ouro_nn::embed::{embed, EmbedError};
use ouro_nn::golden::GoldenPredictor;
use ouro_testkit::configs::random_predictor;
use ouro_testkit::rng::{range, seeded};

const VECTORS: usize = 20_000;

/// Random raw input words: ADC-like ones most of the time, full-scale ones otherwise.
fn word(rng: &mut rand_xoshiro::Xoshiro256PlusPlus) -> i16 {
    if range(rng, 0, 3) == 0 {
        range(rng, i64::from(i16::MIN), i64::from(i16::MAX)) as i16
    } else {
        range(rng, -2048, 2047) as i16
    }
}

/// How many of `VECTORS` random vectors (both polarities) give a different prediction on the
/// embedded predictor (extra inputs random) than on the original (its own inputs only).
fn differences(original: &QPredictor, embedded: &QPredictor, seed: u64) -> usize {
    let a = GoldenPredictor::new(original);
    let b = GoldenPredictor::new(embedded);
    let (m, n) = (original.features.len(), embedded.features.len());
    let mut rng = seeded(seed);
    let mut diff = 0;
    for v in 0..VECTORS {
        let polarity = if v % 2 == 0 {
            Polarity::Set
        } else {
            Polarity::Reset
        };
        let wide: Vec<i16> = (0..n).map(|_| word(&mut rng)).collect();
        let pa = a.predict_inputs(polarity, &wide[..m], a.limits());
        let pb = b.predict_inputs(polarity, &wide, b.limits());
        // Every layer, not only the output: the original's units, and nothing but zeros from
        // the units a wider host added; a deeper host's extra layers repeat the original's last
        // hidden layer.
        let (ta, tb) = (a.trace(polarity, &wide[..m]), b.trace(polarity, &wide));
        let (la, lb) = (ta.layers.len(), tb.layers.len());
        let same_trace = la <= lb
            && tb.layers.iter().enumerate().all(|(j, y)| {
                let x = &ta.layers[if j + 1 == lb { la - 1 } else { j.min(la - 2) }];
                y.len() >= x.len() && y[..x.len()] == x[..] && y[x.len()..].iter().all(|&v| v == 0)
            });
        if pa != pb || !same_trace {
            diff += 1;
        }
    }
    diff
}

#[test]
fn the_shipped_default_embedded_into_the_history_shape_predicts_the_same() {
    let blind = ouro_nn::defaults::qpredictor();
    let history = ouro_nn::defaults::history_qpredictor();
    let e = embed(&blind, &history).unwrap();
    assert_eq!(e.features, history.features);
    assert_eq!(e.input_offsets, history.input_offsets);
    assert_eq!(e.shapes(), history.shapes());
    assert_eq!(
        (e.min_cycles, e.max_cycles),
        (blind.min_cycles, blind.max_cycles)
    );
    assert_eq!(differences(&blind, &e, 1), 0);
}

#[test]
fn random_predictors_embedded_predict_the_same() {
    for (seed, hidden) in [(11u64, vec![16]), (12, vec![16, 16]), (13, vec![8, 5])] {
        let small = random_predictor(seed, 2, &hidden);
        for inputs in [2, 3, 5] {
            let host = random_predictor(seed + 100, inputs, &hidden);
            let e = embed(&small, &host).unwrap();
            assert_eq!(e.features.len(), inputs);
            assert_eq!(
                differences(&small, &e, seed),
                0,
                "seed {seed} into {inputs}"
            );
        }
    }
}

/// A random 2-input predictor with `hidden` units (seed `seed`) embedded into a random 5-input
/// host with `host_hidden` units, checked to take the host's shape and to give the original's
/// results: the original and the embedded predictor.
fn embedded_random(seed: u64, hidden: &[usize], host_hidden: &[usize]) -> (QPredictor, QPredictor) {
    let small = random_predictor(seed, 2, hidden);
    let host = random_predictor(seed + 100, 5, host_hidden);
    let e = embed(&small, &host).unwrap();
    assert_eq!(e.shapes(), host.shapes(), "seed {seed}");
    assert_eq!(differences(&small, &e, seed), 0, "seed {seed}");
    (small, e)
}

#[test]
fn random_predictors_embedded_into_wider_hidden_layers_predict_the_same() {
    for (seed, hidden, wide) in [
        (21u64, vec![16], vec![32]),
        (22, vec![8, 5], vec![16, 8]),
        (23, vec![16, 16], vec![16, 17]),
    ] {
        let (small, e) = embedded_random(seed, &hidden, &wide);
        // Negative test: a non-zero weight from a new hidden unit (whose output is not zero:
        // a bias makes it positive) changes some result.
        let mut bent = e.clone();
        let k = hidden.len();
        let unit = hidden[k - 1];
        bent.networks.set.layers[k - 1].biases[unit] = 1 << 20;
        bent.networks.set.layers[k].weights[0][unit] = 3000;
        assert!(differences(&small, &bent, seed) > 0, "seed {seed}");
    }
}

#[test]
fn predictors_embedded_into_deeper_hosts_predict_the_same() {
    // The shipped default (2-16-1) into a 5-32-16-1 host, the shape of a history-aware
    // predictor with two hidden layers, and random ones into hosts two layers deeper.
    let blind = ouro_nn::defaults::qpredictor();
    let host = random_predictor(30, 5, &[32, 16]);
    let e = embed(&blind, &host).unwrap();
    assert_eq!(e.shapes(), host.shapes());
    assert_eq!(differences(&blind, &e, 30), 0);
    for (seed, hidden, deep) in [
        (31u64, vec![8, 5], vec![8, 6, 5, 7]),
        (32, vec![16], vec![16, 16, 16]),
    ] {
        let (small, e) = embedded_random(seed, &hidden, &deep);
        // Negative test: an identity layer that doubles one unit changes some result.
        let mut bent = e.clone();
        let k = hidden.len();
        bent.networks.reset.layers[k].weights[0][0] = 2;
        assert!(differences(&small, &bent, seed) > 0, "seed {seed}");
    }
}

#[test]
fn a_host_with_input_tables_takes_the_blind_predictor_without_them() {
    let blind = ouro_nn::defaults::qpredictor();
    let mut host = ouro_nn::defaults::history_qpredictor();
    let table: Vec<i16> = (0..1 << host.adc_bits)
        .map(|c: i32| (c / 2) as i16)
        .collect();
    for net in [&mut host.networks.set, &mut host.networks.reset] {
        net.input_tables = vec![table.clone(), table.clone()];
    }
    host.validate().unwrap();
    let e = embed(&blind, &host).unwrap();
    assert!(e.networks.set.input_tables.is_empty() && e.networks.reset.input_tables.is_empty());
    assert_eq!(differences(&blind, &e, 3), 0);
}

#[test]
fn a_non_zero_extra_weight_changes_some_result() {
    // Negative test: the check above sees a weight from an extra input.
    let blind = ouro_nn::defaults::qpredictor();
    let history = ouro_nn::defaults::history_qpredictor();
    let mut e = embed(&blind, &history).unwrap();
    e.networks.reset.layers[0].weights[3][4] = 1000;
    assert!(differences(&blind, &e, 2) > 0);
}

#[test]
fn what_cannot_be_embedded_is_refused() {
    let blind = ouro_nn::defaults::qpredictor();
    let history = ouro_nn::defaults::history_qpredictor();
    assert!(matches!(
        embed(&history, &blind),
        Err(EmbedError::Narrower { from: 5, to: 2 })
    ));
    let other = random_predictor(5, 5, &[8]);
    assert!(matches!(
        embed(&blind, &other),
        Err(EmbedError::Shape { .. })
    ));
    // A host with fewer layers; a deeper one whose extra layer is narrower than the last
    // hidden layer it would repeat.
    let deep = random_predictor(5, 2, &[16, 16]);
    assert!(matches!(
        embed(&deep, &history),
        Err(EmbedError::Shape { .. })
    ));
    let narrow = random_predictor(5, 5, &[32, 8]);
    assert!(matches!(
        embed(&blind, &narrow),
        Err(EmbedError::Shape { .. })
    ));
    let mut swapped = history.clone();
    swapped.features.swap(0, 1);
    assert!(matches!(
        embed(&blind, &swapped),
        Err(EmbedError::Inputs {
            index: 0,
            what: "feature"
        })
    ));
    let mut offset = history.clone();
    offset.input_offsets[1] = 2047;
    assert!(matches!(
        embed(&blind, &offset),
        Err(EmbedError::Inputs {
            index: 1,
            what: "input offset"
        })
    ));
    let mut adc = history.clone();
    adc.adc_bits = 10;
    for net in [&mut adc.networks.set, &mut adc.networks.reset] {
        net.input_tables.clear();
    }
    adc.input_offsets[0] = 512;
    adc.input_offsets[1] = 512;
    let mut blind10 = blind.clone();
    blind10.input_offsets = vec![512, 512];
    assert!(matches!(
        embed(&blind10, &adc),
        Err(EmbedError::Board {
            what: "adc_bits",
            ..
        })
    ));
    let mut tables = blind.clone();
    let table: Vec<i16> = (0..1 << blind.adc_bits)
        .map(|c: i32| (c - 2048) as i16)
        .collect();
    tables.networks.set.input_tables = vec![table.clone(), table.clone()];
    tables.networks.reset.input_tables = vec![table.clone(), table];
    tables.validate().unwrap();
    let mut host2 = random_predictor(6, 2, &[16]);
    host2.input_offsets = tables.input_offsets.clone();
    assert!(matches!(
        embed(&tables, &host2),
        Err(EmbedError::InputTables)
    ));
    let mut bad = history.clone();
    bad.format = "nope".into();
    assert!(matches!(
        embed(&blind, &bad),
        Err(EmbedError::Invalid { which: "host", .. })
    ));
}
