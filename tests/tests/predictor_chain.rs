//! The predictor chain end to end, as a user runs it: characterize `nominal`, train a 2-16-1
//! network, quantize it, generate its engine, load the new weights into the verilated engine
//! through its load port, and compare many input vectors with the golden model of those
//! weights, bit for bit and cycle for cycle.

use ouro_core::Polarity;
use ouro_e2e::Chain;
use ouro_hdl::EngineShape;
use ouro_nn::golden::GoldenPredictor;
use ouro_testkit::rng::seeded;
use ouro_testkit::vectors::{corner_inputs, random_inputs};
use ouro_verilated::{check, read_load_image, require_verilator, ConfigInfo};
use rand::Rng;

/// Random input vectors compared (besides every ADC-code pair on a grid and the corners).
const RANDOM_VECTORS: usize = 10_000;

#[test]
fn a_freshly_trained_predictor_runs_bit_exact_in_the_verilated_engine() {
    if !require_verilator("predictor chain") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chain = Chain::default();
    let products = chain.run_libraries(dir.path());
    let q = &products.q;

    // The engine built into the harness has the default predictor's shape; the new network
    // must have the same one, so that only the memories differ.
    let cfg = ConfigInfo::get("default").expect("default configuration");
    let built = ouro_core::schema::QPredictor::from_yaml_str(cfg.predictor_yaml, "default")
        .expect("embedded predictor");
    assert_eq!(
        EngineShape::new(q, chain.lanes).unwrap(),
        EngineShape::new(&built, cfg.lanes).unwrap(),
        "the chain's network has the harness engine's shape"
    );
    assert_eq!(
        (q.min_cycles, q.max_cycles),
        (built.min_cycles, built.max_cycles),
        "same board, same synthesized limits"
    );

    // Load the weights through the load port, from the file `ouro hdl generate` wrote.
    let writes = read_load_image(&products.gateware.join(ouro_hdl::LOAD_IMAGE_FILE)).unwrap();
    assert!(!writes.is_empty());
    let mut m = cfg.model().expect("model");
    m.load_all(&writes);

    let new = GoldenPredictor::new(q);
    let old = GoldenPredictor::new(&built);
    let n = q.features.len();
    let limits = new.limits();
    let mut vectors: Vec<(Polarity, Vec<i16>)> = Vec::new();
    // What a sequencer feeds the engine: readings and targets as ADC codes, on a grid over the
    // whole 12-bit range.
    let max_code = (1u32 << q.adc_bits) - 1;
    for r in (0..=max_code).step_by(97) {
        for t in (0..=max_code).step_by(89) {
            let (r, t) = (r as u16, t as u16);
            if let Some(p) = Polarity::towards(r, t) {
                vectors.push((p, new.inputs(p, r, t)));
            }
        }
    }
    for x in corner_inputs(n) {
        vectors.push((Polarity::Set, x.clone()));
        vectors.push((Polarity::Reset, x));
    }
    let mut rng = seeded(0xE2E0_0001);
    for _ in 0..RANDOM_VECTORS {
        let p = if rng.random::<bool>() {
            Polarity::Set
        } else {
            Polarity::Reset
        };
        vectors.push((p, random_inputs(&mut rng, &new, n)));
    }
    assert!(vectors.len() >= 10_000);

    let mut differs_from_old = 0;
    for (p, x) in &vectors {
        let got = m.predict(*p, x);
        let want = new.predict_inputs(*p, x, limits);
        if let Err(e) = check(&want, cfg.latency, &got) {
            panic!("inputs {x:?} {p}: {e}");
        }
        differs_from_old +=
            usize::from(old.predict_inputs(*p, x, old.limits()).log2_cycles != want.log2_cycles);
    }
    // Negative: the engine really runs the new weights, not the ones it was built with.
    assert!(
        differs_from_old > vectors.len() / 2,
        "the new weights change most outputs ({differs_from_old} of {})",
        vectors.len()
    );
    eprintln!(
        "predictor chain: {} vectors bit-exact at {} cycles; {differs_from_old} differ from the built-in weights",
        vectors.len(),
        cfg.latency
    );
}

#[test]
fn negative_test_a_wrong_load_image_is_caught() {
    if !require_verilator("predictor chain negative") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let products = Chain::default().run_libraries(dir.path());
    let cfg = ConfigInfo::get("default").unwrap();
    let mut writes = read_load_image(&products.gateware.join(ouro_hdl::LOAD_IMAGE_FILE)).unwrap();
    // Corrupt one weight: flip bit 6 of the first write's data (lane 0's first weight of the
    // set network's first layer). Some vector must now differ.
    writes[0].1 ^= 0x40;
    let mut m = cfg.model().unwrap();
    m.load_all(&writes);
    let g = GoldenPredictor::new(&products.q);
    let max_code = (1u32 << products.q.adc_bits) - 1;
    let mismatches = (0..=max_code)
        .step_by(61)
        .flat_map(|r| {
            (0..=max_code)
                .step_by(67)
                .map(move |t| (r as u16, t as u16))
        })
        .filter_map(|(r, t)| Polarity::towards(r, t).map(|p| (p, g.inputs(p, r, t))))
        .filter(|(p, x)| {
            check(
                &g.predict_inputs(*p, x, g.limits()),
                cfg.latency,
                &m.predict(*p, x),
            )
            .is_err()
        })
        .count();
    assert!(mismatches > 0, "an incomplete load must be visible");
}
