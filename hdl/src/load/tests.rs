use super::*;
use crate::layout::{load_addr, FRAC_WORDS};
use proptest::prelude::*;

fn default_q() -> QPredictor {
    ouro_nn::defaults::qpredictor()
}

/// `p` with every weight, bias and `weight_frac` drawn from a stream of `seed`.
fn scrambled(p: &QPredictor, seed: u64) -> QPredictor {
    let mut s = seed | 1;
    let mut next = move || {
        // xorshift64
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut q = p.clone();
    for net in [&mut q.networks.set, &mut q.networks.reset] {
        for layer in &mut net.layers {
            layer.weight_frac = (next() % 16) as u32;
            for row in &mut layer.weights {
                for w in row {
                    *w = next() as i16;
                }
            }
            for b in &mut layer.biases {
                *b = next() as i32;
            }
        }
    }
    q
}

const LANES: [usize; 6] = [1, 2, 3, 5, 8, 16];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Loading Q's image over P's gives Q back; one flipped bit of one write that the engine
    /// reads gives another predictor, differing in exactly that value.
    #[test]
    fn loading_another_predictors_image_gives_it_back(
        seed in any::<u64>(),
        lane_pick in 0..LANES.len(),
        pick in any::<u64>(),
        bit in 0u32..32,
    ) {
        let p = default_q();
        let q = scrambled(&p, seed);
        prop_assert_ne!(&p, &q);
        let shape = EngineShape::new(&p, LANES[lane_pick]).unwrap();
        let mut image = MemImage::new(&p, &shape).unwrap();
        let writes = MemImage::new(&q, &shape).unwrap().load_writes();
        for &(a, d) in &writes {
            image.apply(&shape, a, d).unwrap();
        }
        prop_assert_eq!(&image, &MemImage::new(&q, &shape).unwrap());
        prop_assert_eq!(&image.predictor(&shape, 0, &p).unwrap(), &q);

        // Negative: one write the engine reads, with one bit of its value flipped.
        let (net, k) = ((pick % 2) as usize, ((pick >> 1) % shape.layers.len() as u64) as usize);
        let (outs, ins) = shape.layers[k];
        let (o, i) = (((pick >> 8) % outs as u64) as usize, ((pick >> 20) % ins as u64) as usize);
        let (addr, flip) = match (pick >> 40) % 3 {
            0 => {
                let (lane, word) = shape.weight_addr(net, k, o, i);
                (load_addr(region::WEIGHTS, lane, word), 1u32 << (bit % 16))
            }
            1 => {
                let (lane, word) = shape.bias_addr(net, k, o);
                (load_addr(region::BIASES, lane, word), 1u32 << bit)
            }
            _ => (load_addr(region::FRACS, 0, shape.frac_addr(net, k)), 1u32 << (bit % 4)),
        };
        let mut wrong = MemImage::new(&p, &shape).unwrap();
        let mut flipped = 0;
        for &(a, d) in &writes {
            let d = if a == addr { flipped += 1; d ^ flip } else { d };
            wrong.apply(&shape, a, d).unwrap();
        }
        prop_assert_eq!(flipped, 1, "the image writes every word once");
        let got = wrong.predictor(&shape, 0, &p).unwrap();
        prop_assert_ne!(&got, &q);
        let (gn, qn) = if net == 0 {
            (&got.networks.set, &q.networks.set)
        } else {
            (&got.networks.reset, &q.networks.reset)
        };
        let (gl, ql) = (&gn.layers[k], &qn.layers[k]);
        match (pick >> 40) % 3 {
            0 => prop_assert_eq!(gl.weights[o][i] as u16, ql.weights[o][i] as u16 ^ flip as u16),
            1 => prop_assert_eq!(gl.biases[o] as u32, ql.biases[o] as u32 ^ flip),
            _ => prop_assert_eq!(gl.weight_frac, ql.weight_frac ^ flip),
        }
    }
}

#[test]
fn a_word_the_engine_never_reads_changes_the_image_but_not_the_predictor() {
    let p = default_q();
    // 3 lanes: the output layer (one output) is one group whose lanes 1 and 2 are spare.
    let shape = EngineShape::new(&p, 3).unwrap();
    let k = shape.layers.len() - 1;
    let (_, word) = shape.weight_addr(0, k, 0, 0);
    let mut image = MemImage::new(&p, &shape).unwrap();
    image
        .apply(&shape, load_addr(region::WEIGHTS, 1, word), 0x1234)
        .unwrap();
    assert_ne!(image, MemImage::new(&p, &shape).unwrap());
    assert_eq!(image.predictor(&shape, 0, &p).unwrap(), p);
}

#[test]
fn writes_take_the_bits_the_engine_takes() {
    let p = default_q();
    let shape = EngineShape::new(&p, 8).unwrap();
    let mut image = MemImage::new(&p, &shape).unwrap();
    image
        .apply(&shape, load_addr(region::WEIGHTS, 7, 5), 0xABCD_1234)
        .unwrap();
    image
        .apply(&shape, load_addr(region::BIASES, 2, 1), 0x8000_0001)
        .unwrap();
    // The lane field of a frac address is not decoded.
    image
        .apply(&shape, load_addr(region::FRACS, 9, 3), 0xFFFF_FFF7)
        .unwrap();
    assert_eq!(image.weights[7][5], 0x1234);
    assert_eq!(image.biases[2][1], 0x8000_0001);
    assert_eq!(image.fracs[3], 7);
}

#[test]
fn addresses_outside_the_image_write_nothing() {
    let p = default_q();
    let shape = EngineShape::new(&p, 3).unwrap();
    let (wd, bd, fd) = (shape.weight_depth(), shape.bias_depth(), shape.frac_depth());
    assert_eq!(wd, 2 * shape.weight_words_per_net());
    assert_eq!(bd, 2 * shape.bias_words_per_net());
    assert_eq!(fd, 2 * shape.layers.len());
    assert!(fd <= FRAC_WORDS);
    let inside = [
        load_addr(region::WEIGHTS, 0, 0),
        load_addr(region::WEIGHTS, 2, wd - 1),
        load_addr(region::BIASES, 2, bd - 1),
        load_addr(region::FRACS, 0, fd - 1),
        load_addr(region::FRACS, 15, 0),
    ];
    for a in inside {
        assert!(shape.image_word(a).is_some(), "{a:#x}");
    }
    let outside = [
        load_addr(region::WEIGHTS, 3, 0),
        load_addr(region::WEIGHTS, 0, wd),
        load_addr(region::BIASES, 3, 0),
        load_addr(region::BIASES, 0, bd),
        load_addr(region::FRACS, 0, fd),
        load_addr(region::LIMITS, 0, 0),
        load_addr(region::LIMITS, 0, 1),
        load_addr(4, 0, 0),
        load_addr(15, 0, 0),
        1 << 20,
        u32::MAX,
    ];
    let mut image = MemImage::new(&p, &shape).unwrap();
    let before = image.clone();
    for a in outside {
        assert_eq!(shape.image_word(a), None, "{a:#x}");
        assert!(image.apply(&shape, a, 1).is_err(), "{a:#x}");
    }
    assert_eq!(image, before, "a refused write changes nothing");
    assert_eq!(
        shape.image_word(load_addr(region::WEIGHTS, 2, 17)),
        Some(ImageWord::Weight { lane: 2, word: 17 })
    );
    assert_eq!(
        shape.image_word(load_addr(region::BIASES, 1, 4)),
        Some(ImageWord::Bias { lane: 1, word: 4 })
    );
}

#[test]
fn the_engine_is_built_as_deep_as_the_shape_says() {
    // The engine's lanes take `MemImage`'s banks as they are (each as deep as its contents) and
    // the frac table `networks * layers` words: the depths the board checks addresses against.
    let p = default_q();
    for lanes in LANES {
        let shape = EngineShape::new(&p, lanes).unwrap();
        let image = MemImage::new(&p, &shape).unwrap();
        assert!(image
            .weights
            .iter()
            .all(|b| b.len() == shape.weight_depth()));
        assert!(image.biases.iter().all(|b| b.len() == shape.bias_depth()));
        assert_eq!(image.fracs.len(), shape.frac_depth());
    }
}

#[test]
fn each_set_of_a_two_set_image_gives_its_predictor_back() {
    let history = ouro_nn::defaults::history_qpredictor();
    let blind = ouro_nn::embed::embed(&default_q(), &history).unwrap();
    let shape = EngineShape::with_sets(&[&blind, &history], 8).unwrap();
    let image = MemImage::with_sets(&[&blind, &history], &shape).unwrap();
    assert_eq!(image.predictor(&shape, 0, &blind).unwrap(), blind);
    assert_eq!(image.predictor(&shape, 1, &history).unwrap(), history);
    // The template gives only what the image does not hold (the input tables among it).
    let set0 = image.predictor(&shape, 0, &history).unwrap();
    for (got, want, template) in [
        (
            &set0.networks.set,
            &blind.networks.set,
            &history.networks.set,
        ),
        (
            &set0.networks.reset,
            &blind.networks.reset,
            &history.networks.reset,
        ),
    ] {
        assert_eq!(got.layers, want.layers);
        assert_eq!(got.input_tables, template.input_tables);
    }
    assert_eq!(set0.features, history.features);
    assert!(image.predictor(&shape, 2, &blind).is_err());
}

#[test]
fn a_template_or_image_of_another_shape_is_refused() {
    let p = default_q();
    let shape = EngineShape::new(&p, 8).unwrap();
    let image = MemImage::new(&p, &shape).unwrap();
    let history = ouro_nn::defaults::history_qpredictor();
    assert!(image.predictor(&shape, 0, &history).is_err());
    let other = EngineShape::new(&p, 4).unwrap();
    assert!(image.predictor(&other, 0, &p).is_err());
    let mut image2 = image.clone();
    assert!(image2.apply(&other, 0, 1).is_err());
    assert_eq!(image2, image);
}
