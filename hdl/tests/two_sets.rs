//! The two-set engine: generated from the shipped history-aware predictor and the shipped
//! default embedded into its shape; its ports, its load image, what it refuses. (Its behaviour
//! is co-simulated in `ouro-verilated`.)

use ouro_core::schema::QPredictor;
use ouro_hdl::{EngineShape, MemImage, DEFAULT_LANES};
use ouro_nn::embed::embed;

fn sets() -> (QPredictor, QPredictor) {
    let history = ouro_nn::defaults::history_qpredictor();
    let blind = embed(&ouro_nn::defaults::qpredictor(), &history).unwrap();
    (blind, history)
}

#[test]
fn the_two_set_engine_has_set_and_out_set_and_the_same_latency() {
    let (blind, history) = sets();
    let text = ouro_hdl::verilog_sets(&[&blind, &history], DEFAULT_LANES).unwrap();
    assert!(text.contains("module ouro_predictor("));
    assert!(text.contains("    input wire  set;"), "a `set` input");
    assert!(
        text.contains("    output reg  out_set;"),
        "an `out_set` output"
    );
    // One multiply per lane, never cast (docs/HDL.md, "Arithmetic").
    let products: Vec<&str> = text.lines().filter(|l| l.contains(" * ")).collect();
    assert_eq!(products.len(), DEFAULT_LANES);
    assert!(products.iter().all(|l| l.trim() == "prod$d = x_m$q * w_s;"));
    let one = EngineShape::new(&history, DEFAULT_LANES).unwrap();
    let two = EngineShape::with_sets(&[&blind, &history], DEFAULT_LANES).unwrap();
    assert_eq!(two.sets, 2);
    assert_eq!(two.networks(), 4);
    assert_eq!(two.latency_cycles(), one.latency_cycles());
    assert_eq!(two.latency_cycles(), 73);
    // One set through the new entry point is today's engine.
    assert_eq!(
        ouro_hdl::verilog_sets(&[&history], DEFAULT_LANES).unwrap(),
        ouro_hdl::verilog(&history, DEFAULT_LANES).unwrap()
    );
}

#[test]
fn the_load_image_holds_set_1_after_set_0() {
    let (blind, history) = sets();
    let shape = EngineShape::with_sets(&[&blind, &history], 3).unwrap();
    let two = MemImage::with_sets(&[&blind, &history], &shape).unwrap();
    let one_shape = EngineShape::new(&blind, 3).unwrap();
    let b = MemImage::new(&blind, &one_shape).unwrap();
    let h = MemImage::new(&history, &one_shape).unwrap();
    for lane in 0..3 {
        assert_eq!(
            two.weights[lane],
            [&b.weights[lane][..], &h.weights[lane][..]].concat()
        );
        assert_eq!(
            two.biases[lane],
            [&b.biases[lane][..], &h.biases[lane][..]].concat()
        );
    }
    assert_eq!(two.fracs, [&b.fracs[..], &h.fracs[..]].concat());
    // Network n = set * 2 + polarity: weight n * W + ..., bias n * B + ..., frac n * layers + k.
    let w = shape.weight_words_per_net();
    assert_eq!(
        shape.weight_addr(3, 1, 0, 2),
        (0, 3 * w + shape.weight_base(1) + 2)
    );
    assert_eq!(
        shape.bias_addr(2, 0, 4),
        (1, 2 * shape.bias_words_per_net() + 1)
    );
    assert_eq!(shape.frac_addr(3, 1), 7);
    let text = ouro_hdl::load_image_text_sets(&[&blind, &history], 3).unwrap();
    assert_eq!(text.lines().count(), 1 + two.load_writes().len());
}

#[test]
fn what_a_two_set_engine_cannot_hold_is_refused() {
    let (blind, history) = sets();
    let default = ouro_nn::defaults::qpredictor();
    // Different shapes (the blind predictor not embedded).
    assert!(ouro_hdl::verilog_sets(&[&default, &history], 8).is_err());
    // Different synthesized limits.
    let mut other = blind.clone();
    other.max_cycles -= 1;
    assert!(EngineShape::with_sets(&[&other, &history], 8).is_err());
    // Three sets, or none.
    assert!(ouro_hdl::verilog_sets(&[&blind, &history, &blind], 8).is_err());
    assert!(ouro_hdl::verilog_sets(&[], 8).is_err());
    // More layers than the weight_frac table holds for four networks (4 x 5 > 16).
    let deep = |seed| {
        let mut q = history.clone();
        let l = q.networks.set.layers[0].clone();
        let hidden = |inputs: usize| ouro_core::schema::DenseQ {
            weight_frac: 10,
            weights: vec![vec![seed; inputs]; 16],
            biases: vec![0; 16],
        };
        for net in [&mut q.networks.set, &mut q.networks.reset] {
            let mut out = net.layers.pop().unwrap();
            out.weights[0].truncate(16);
            net.layers = vec![
                l.clone(),
                hidden(l.weights.len()),
                hidden(16),
                hidden(16),
                out,
            ];
        }
        q
    };
    let (d0, d1) = (deep(1), deep(2));
    assert!(EngineShape::new(&d0, 8).is_ok());
    assert!(EngineShape::with_sets(&[&d0, &d1], 8).is_err());
    // A set count that does not match the image.
    let shape = EngineShape::with_sets(&[&blind, &history], 8).unwrap();
    assert!(MemImage::with_sets(&[&blind], &shape).is_err());
}

#[test]
fn set_writes_split_the_image_in_two() {
    let (blind, history) = sets();
    let shape = EngineShape::with_sets(&[&blind, &history], 8).unwrap();
    let image = MemImage::with_sets(&[&blind, &history], &shape).unwrap();
    let (s0, s1) = (image.set_writes(&shape, 0), image.set_writes(&shape, 1));
    assert_eq!(s0.len(), s1.len());
    assert_eq!(s0.len() + s1.len(), image.load_writes().len());
    let mut both: Vec<_> = s0.iter().chain(&s1).copied().collect();
    let mut all = image.load_writes();
    both.sort_unstable();
    all.sort_unstable();
    assert_eq!(both, all);
    // Set 1's writes are set 0's layout shifted by two networks.
    let one = EngineShape::new(&history, 8).unwrap();
    let h = MemImage::new(&history, &one).unwrap().load_writes();
    let shifted: Vec<(u32, u32)> = h
        .iter()
        .map(|&(a, d)| {
            let per = match a >> 16 {
                0 => shape.weight_words_per_net(),
                1 => shape.bias_words_per_net(),
                _ => shape.n_layers(),
            };
            (a + 2 * per as u32, d)
        })
        .collect();
    assert_eq!(s1, shifted);
}
