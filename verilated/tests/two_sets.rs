//! The two-set engine (`twoset`: set 0 the shipped default predictor embedded into the shipped
//! history-aware predictor's 5 -> 32 -> 1 shape, set 1 the history-aware predictor, 8 lanes) in
//! Verilator, against the golden models of the ORIGINAL predictors: set 0 against the 2-input
//! default (whatever inputs 2..4 hold), set 1 against the history predictor; both polarities,
//! the sets interleaved at random, with the single-set latency; reloading one set through the
//! load port leaves the other as it was.

use ouro_core::board::BoardConfig;
use ouro_core::schema::QPredictor;
use ouro_core::Polarity;
use ouro_hdl::layout::{EngineShape, MemImage};
use ouro_nn::golden::GoldenPredictor;
use ouro_testkit::configs::random_predictor;
use ouro_testkit::history::random_situation;
use ouro_testkit::rng::seeded;
use ouro_testkit::vectors::random_inputs;
use ouro_verilated::{check, require_verilator, ConfigInfo, Mismatch, Model};
use rand::Rng;

/// Random vectors per weight set.
const VECTORS: usize = 30_000;

struct TwoSets {
    cfg: &'static ConfigInfo,
    /// Set 0 as built (the default embedded) and set 1 (the history predictor).
    built: [QPredictor; 2],
    /// The original blind predictor (2 inputs).
    blind: GoldenPredictor,
    history: GoldenPredictor,
    shape: EngineShape,
}

fn two_sets(test: &str) -> Option<TwoSets> {
    if !require_verilator(test) {
        return None;
    }
    let cfg = ConfigInfo::get("twoset").expect("the two-set configuration");
    let set0 = QPredictor::from_yaml_str(cfg.predictor_yaml, cfg.name).unwrap();
    let set1 = QPredictor::from_yaml_str(cfg.set1_yaml.expect("set 1"), cfg.name).unwrap();
    let history = ouro_nn::defaults::history_qpredictor();
    assert_eq!(set1, history, "set 1 is the shipped history predictor");
    let blind = ouro_nn::defaults::qpredictor();
    assert_eq!(set0, ouro_nn::embed::embed(&blind, &history).unwrap());
    let shape = EngineShape::with_sets(&[&set0, &set1], cfg.lanes).unwrap();
    Some(TwoSets {
        cfg,
        blind: GoldenPredictor::new(&blind),
        history: GoldenPredictor::new(&history),
        built: [set0, set1],
        shape,
    })
}

fn polarity<R: Rng>(rng: &mut R) -> Polarity {
    if rng.random::<bool>() {
        Polarity::Set
    } else {
        Polarity::Reset
    }
}

/// One prediction on `set` checked against `golden` on `golden_inputs` (the original
/// predictor's inputs), with the documented latency.
fn one(
    m: &mut Model,
    t: &TwoSets,
    set: usize,
    golden: &GoldenPredictor,
    pol: Polarity,
    x: &[i16],
    golden_inputs: &[i16],
) -> Result<(), Mismatch> {
    let got = m.predict_in_set(set, pol, x);
    let want = golden.predict_inputs(pol, golden_inputs, golden.limits());
    check(&want, t.cfg.latency, &got)
}

#[test]
fn both_sets_match_the_original_predictors_with_the_single_set_latency() {
    let Some(t) = two_sets("twoset") else { return };
    // The latency per prediction is the one-set engine's: 73 cycles at 8 lanes.
    let one_set = EngineShape::new(&t.built[1], t.cfg.lanes).unwrap();
    assert_eq!(t.cfg.latency, one_set.latency_cycles());
    assert_eq!(t.cfg.latency, t.shape.latency_cycles());
    assert_eq!(t.cfg.latency, 73);
    assert_eq!(t.cfg.sets, 2);
    let mut m = t.cfg.model().unwrap();
    let mut rng = seeded(0x2_5E75);
    let board = BoardConfig::default_board();
    let levels = t.history.qpredictor().levels.as_ref().unwrap().len();
    let mut count = [[0usize; 2]; 2];
    let mut set0_clamps = [0usize; 3];
    for j in 0..2 * VECTORS {
        // The sets interleave at random, so every change of set and of polarity occurs back to
        // back.
        let set = usize::from(rng.random::<bool>());
        let pol = polarity(&mut rng);
        let ctx = |e: Mismatch, x: &[i16]| format!("vector {j}, set {set}, {pol}, {x:?}: {e}");
        if set == 0 {
            // The blind predictor's words and random extra inputs (which it must ignore).
            let mut x = random_inputs(&mut rng, &t.blind, 2);
            x.extend((0..3).map(|_| rng.random::<i16>()));
            let want = t.blind.predict_inputs(pol, &x[..2], t.blind.limits());
            set0_clamps[want.clamp as usize] += 1;
            one(&mut m, &t, 0, &t.blind, pol, &x, &x[..2])
                .unwrap_or_else(|e| panic!("{}", ctx(e, &x)));
        } else {
            // Probe situations the board can present, or random words.
            let x = if j % 2 == 0 {
                let (p, s) = random_situation(&mut rng, &board, levels);
                let _ = p;
                t.history.inputs_in(pol, &s)
            } else {
                random_inputs(&mut rng, &t.history, 5)
            };
            one(&mut m, &t, 1, &t.history, pol, &x, &x)
                .unwrap_or_else(|e| panic!("{}", ctx(e, &x)));
        }
        count[set][pol as usize] += 1;
    }
    eprintln!("twoset: {count:?} (set x polarity) bit-exact; set 0 clamps {set0_clamps:?}");
    assert!(
        count.iter().flatten().all(|&c| c > VECTORS / 3),
        "{count:?}"
    );
}

#[test]
fn the_sets_are_distinct_networks() {
    // Negative test: the same vectors on the other set give other results, and a set 0 result
    // checked against the history predictor (or a corrupted expectation) fails the check.
    let Some(t) = two_sets("twoset negative") else {
        return;
    };
    let mut m = t.cfg.model().unwrap();
    let mut rng = seeded(0x2_AE6A);
    let mut differ = 0;
    for _ in 0..500 {
        let pol = polarity(&mut rng);
        let x = random_inputs(&mut rng, &t.history, 5);
        let a = m.predict_in_set(0, pol, &x);
        let b = m.predict_in_set(1, pol, &x);
        differ += usize::from(a.log2_cycles != b.log2_cycles);
        let w0 = t.blind.predict_inputs(pol, &x[..2], t.blind.limits());
        let w1 = t.history.predict_inputs(pol, &x, t.history.limits());
        check(&w0, t.cfg.latency, &a).unwrap();
        check(&w1, t.cfg.latency, &b).unwrap();
        if w0.log2_cycles != w1.log2_cycles {
            assert!(check(&w1, t.cfg.latency, &a).is_err());
        }
        let mut bad = w1;
        bad.log2_cycles = bad.log2_cycles.wrapping_add(1);
        assert!(check(&bad, t.cfg.latency, &b).is_err());
    }
    assert!(
        differ > 400,
        "the two sets differ on most vectors: {differ} of 500"
    );
}

#[test]
fn reloading_one_set_leaves_the_other_unchanged() {
    let Some(t) = two_sets("twoset reload") else {
        return;
    };
    let mut m = t.cfg.model().unwrap();
    // Random predictors of the engine's shape.
    let hidden = [t.built[1].networks.set.layers[0].weights.len()];
    let fresh = |seed| {
        let mut q = random_predictor(seed, 5, &hidden);
        q.min_cycles = t.built[0].min_cycles;
        q.max_cycles = t.built[0].max_cycles;
        q
    };
    let (r0, r1) = (fresh(0x5E70), fresh(0x5E71));
    let image = |a: &QPredictor, b: &QPredictor| MemImage::with_sets(&[a, b], &t.shape).unwrap();
    let mut rng = seeded(0x2_10AD);
    let xs: Vec<(Polarity, Vec<i16>)> = (0..400)
        .map(|_| (polarity(&mut rng), random_inputs(&mut rng, &t.history, 5)))
        .collect();
    let expect = |m: &mut Model, set: usize, g: &GoldenPredictor, what: &str| {
        for (pol, x) in &xs {
            let got = m.predict_in_set(set, *pol, x);
            let want = g.predict_inputs(*pol, x, g.limits());
            check(&want, t.cfg.latency, &got).unwrap_or_else(|e| panic!("{what}: set {set}: {e}"));
        }
    };
    let (g0, g1) = (GoldenPredictor::new(&r0), GoldenPredictor::new(&r1));
    // Set 0 only: the new weights there, the history predictor still in set 1.
    m.load_all(&image(&r0, &t.built[1]).set_writes(&t.shape, 0));
    expect(&mut m, 0, &g0, "set 0 reloaded");
    expect(&mut m, 1, &t.history, "set 1 after set 0 reloaded");
    // Set 1 only: set 0 keeps the weights just loaded.
    m.load_all(&image(&r0, &r1).set_writes(&t.shape, 1));
    expect(&mut m, 1, &g1, "set 1 reloaded");
    expect(&mut m, 0, &g0, "set 0 after set 1 reloaded");
    // The generated image of both sets puts the engine back as it was built.
    let built = ouro_hdl::load_image_text_sets(&[&t.built[0], &t.built[1]], t.cfg.lanes).unwrap();
    m.load_all(&ouro_verilated::parse_load_image(&built).unwrap());
    expect(&mut m, 1, &t.history, "set 1 rebuilt");
    for (pol, x) in &xs {
        let got = m.predict_in_set(0, *pol, x);
        let want = t.blind.predict_inputs(*pol, &x[..2], t.blind.limits());
        check(&want, t.cfg.latency, &got).unwrap();
    }
}

#[test]
fn a_deeper_history_set_and_the_blind_default_embedded_into_it_match_their_originals() {
    // `twoset_deep`: set 1 a 5-32-16-1 history-aware network, set 0 the 2-16-1 default embedded
    // with an identity layer; each set against its original's golden model.
    if !require_verilator("twoset_deep") {
        return;
    }
    let cfg = ConfigInfo::get("twoset_deep").expect("the deep two-set configuration");
    let set0 = QPredictor::from_yaml_str(cfg.predictor_yaml, cfg.name).unwrap();
    let set1 = QPredictor::from_yaml_str(cfg.set1_yaml.expect("set 1"), cfg.name).unwrap();
    let blind = ouro_nn::defaults::qpredictor();
    assert_eq!(set0, ouro_nn::embed::embed(&blind, &set1).unwrap());
    assert_eq!(set0.shapes().len(), 3, "an identity layer was added");
    let (gb, gh) = (GoldenPredictor::new(&blind), GoldenPredictor::new(&set1));
    let mut m = cfg.model().unwrap();
    let mut rng = seeded(0x2_DEE9);
    let (mut differ, n) = (0, 20_000);
    for j in 0..n {
        let set = usize::from(rng.random::<bool>());
        let pol = polarity(&mut rng);
        let mut x = random_inputs(&mut rng, &gb, 2);
        x.extend((0..3).map(|_| rng.random::<i16>()));
        let got = m.predict_in_set(set, pol, &x);
        let want = if set == 0 {
            gb.predict_inputs(pol, &x[..2], gb.limits())
        } else {
            gh.predict_inputs(pol, &x, gh.limits())
        };
        check(&want, cfg.latency, &got)
            .unwrap_or_else(|e| panic!("vector {j}, set {set}, {pol}, {x:?}: {e}"));
        // Negative test: the other set's expectation fails wherever the two differ.
        let other = if set == 0 {
            gh.predict_inputs(pol, &x, gh.limits())
        } else {
            gb.predict_inputs(pol, &x[..2], gb.limits())
        };
        if other.log2_cycles != want.log2_cycles {
            differ += 1;
            assert!(check(&other, cfg.latency, &got).is_err());
        }
    }
    eprintln!(
        "twoset_deep: {n} vectors bit-exact at {} cycles; the sets differ on {differ}",
        cfg.latency
    );
    assert!(
        differ > n / 2,
        "the two sets differ on most vectors: {differ}"
    );
}
