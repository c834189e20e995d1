//! The engine configurations that the Verilator harness builds and the tests run: the shipped
//! default predictor and random-weight predictors of other shapes.
//!
//! The default configuration runs the shipped default weights (`predictors/default.q.yaml`,
//! embedded in `ouro_nn::defaults`; made by the commands in `predictors/README.md`).

use crate::rng::{range, seeded};
use ouro_core::schema::{
    DenseQ, Feature, Levels, MlpQ, PerPolarity, QPredictor, QPREDICTOR_FORMAT,
};
use ouro_hdl::DEFAULT_LANES;
use rand_xoshiro::Xoshiro256PlusPlus;

fn random_net(rng: &mut Xoshiro256PlusPlus, inputs: usize, hidden: &[usize]) -> MlpQ {
    let mut layers = Vec::new();
    let mut fan_in = inputs;
    let sizes: Vec<usize> = hidden.iter().copied().chain([1]).collect();
    for (k, &outs) in sizes.iter().enumerate() {
        let last = k + 1 == sizes.len();
        let weight_frac = range(rng, 6, 13) as u32;
        // Weight magnitudes of about 1/4 to 2 (in real units): ADC-scale inputs mostly stay in
        // range, full-scale inputs saturate.
        let wbits = range(rng, weight_frac as i64 - 2, weight_frac as i64 + 1) as u32;
        let wmax = (1i64 << wbits) - 1;
        let mut weights: Vec<Vec<i16>> = (0..outs)
            .map(|_| {
                (0..fan_in)
                    .map(|_| range(rng, -wmax, wmax) as i16)
                    .collect()
            })
            .collect();
        let bscale = 10 + weight_frac;
        let mut biases: Vec<i32> = (0..outs)
            .map(|_| {
                if last {
                    // Centre the output (log2 cycles) around 2^6..2^16 cycles.
                    (range(rng, 6, 16) << bscale) as i32
                } else {
                    range(rng, -(1 << (bscale + 1)), 1 << (bscale + 1)) as i32
                }
            })
            .collect();
        // Two structured neurons per hidden layer make saturation reachable in every layer:
        // neuron 0 follows the positive full-scale inputs (and neuron 0 before it), neuron 1
        // the negative ones (and neuron 1 before it), each with weight 4.0; the output adds
        // them with +4.0 and -4.0 and the other (small) weights, so that both rails are reached.
        let big = ((1i64 << (weight_frac + 2)) - 1) as i16;
        if last {
            let small = (1i64 << (weight_frac - 3)) - 1;
            for w in weights[0].iter_mut() {
                *w = range(rng, -small, small) as i16;
            }
            weights[0][0] = big;
            if fan_in > 1 {
                weights[0][1] = -big;
            }
        } else {
            for (n, sign) in [(0usize, 1i16), (1, -1)] {
                if n >= outs {
                    break;
                }
                weights[n] = if k == 0 {
                    vec![sign * big; fan_in]
                } else {
                    (0..fan_in).map(|i| if i == n { big } else { 0 }).collect()
                };
                biases[n] = 0;
            }
        }
        layers.push(DenseQ {
            weight_frac,
            weights,
            biases,
        });
        fan_in = outs;
    }
    MlpQ {
        layers,
        input_tables: Vec::new(),
    }
}

/// A random-weight predictor with `inputs` inputs and the given hidden layer sizes (both
/// polarities random, same shape), clamp limits 4 .. 100000 cycles.
pub fn random_predictor(seed: u64, inputs: usize, hidden: &[usize]) -> QPredictor {
    let mut rng = seeded(seed);
    let set = random_net(&mut rng, inputs, hidden);
    let reset = random_net(&mut rng, inputs, hidden);
    const ALL: [Feature; 5] = [
        Feature::GNow,
        Feature::GTarget,
        Feature::ProbeDelta,
        Feature::ProbeLog2,
        Feature::Level,
    ];
    assert!(
        (2..=ALL.len()).contains(&inputs),
        "2 to 5 inputs, one per feature"
    );
    let features = ALL[..inputs].to_vec();
    let input_offsets = features
        .iter()
        .map(|f| if f.is_reading() { 2048 } else { 0 })
        .collect();
    let levels = features.contains(&Feature::Level).then(|| Levels {
        set: vec![-0.342, -0.367, -0.392, -0.417],
        reset: vec![0.7065, 0.7565, 0.8065, 0.8565],
    });
    QPredictor {
        format: QPREDICTOR_FORMAT.into(),
        clock_hz: 12_000_000,
        adc_bits: 12,
        features,
        input_offsets,
        min_cycles: 4,
        max_cycles: 100_000,
        networks: PerPolarity { set, reset },
        levels,
        probe_floor_codes: None,
        quantization: None,
    }
}

/// A named engine configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Name (a valid identifier).
    pub name: &'static str,
    /// The weights (of weight set 0 in a two-set engine).
    pub q: QPredictor,
    /// The weights of weight set 1, in a two-set engine (same shape and clamp limits as `q`).
    pub set1: Option<QPredictor>,
    /// MAC lanes.
    pub lanes: usize,
}

impl Config {
    /// The predictor of each weight set, set 0 first.
    pub fn sets(&self) -> Vec<&QPredictor> {
        std::iter::once(&self.q).chain(self.set1.as_ref()).collect()
    }
}

/// The configurations co-simulated by `ouro-verilated`: the default predictor with
/// [`DEFAULT_LANES`] lanes, a two-hidden-layer 2 -> 16 -> 16 -> 1 network with as many lanes
/// (the shape of the `nominal` and `c2c` predictors, and of the default one before it), a
/// 4-input (history) network with 3 lanes (so that a layer's outputs do not divide evenly into
/// lanes), a deeper network with 2 lanes, and a 5-input history-aware 5 -> 32 -> 1 network
/// quantized by `ouro_nn::quantize` from a random float one
/// ([`history::quantized_history_predictor`](crate::history::quantized_history_predictor)) with
/// [`DEFAULT_LANES`] lanes; and the two-set engine of probe-then-predict, with
/// [`DEFAULT_LANES`] lanes: the shipped default (blind) predictor embedded into the shipped
/// history-aware predictor's 5 -> 32 -> 1 shape as set 0, the history-aware one as set 1
/// ([`two_set_config`]); and a two-set engine whose history-aware set has two hidden layers,
/// 5 -> 32 -> 16 -> 1, the blind default embedded with an identity layer
/// ([`two_set_deep_config`]).
pub fn test_configs() -> Vec<Config> {
    let q = ouro_nn::defaults::qpredictor();
    vec![
        Config {
            name: "default",
            q,
            set1: None,
            lanes: DEFAULT_LANES,
        },
        Config {
            name: "wide",
            q: random_predictor(0x1616_0002, 2, &[16, 16]),
            set1: None,
            lanes: DEFAULT_LANES,
        },
        Config {
            name: "hist4",
            q: random_predictor(0x4157_0041, 4, &[8]),
            set1: None,
            lanes: 3,
        },
        Config {
            name: "deep",
            q: random_predictor(0xDEE9_0003, 2, &[10, 6, 5]),
            set1: None,
            lanes: 2,
        },
        Config {
            name: "hist5q",
            q: crate::history::quantized_history_predictor(crate::history::HIST5Q_SEED).1,
            set1: None,
            lanes: DEFAULT_LANES,
        },
        two_set_config(),
        two_set_deep_config(),
    ]
}

/// The two-set configuration `twoset`: set 0 the shipped default predictor embedded
/// (`ouro_nn::embed::embed`) into the shipped history-aware predictor's shape, set 1 the
/// history-aware predictor, [`DEFAULT_LANES`] lanes.
pub fn two_set_config() -> Config {
    let history = ouro_nn::defaults::history_qpredictor();
    let blind = ouro_nn::embed::embed(&ouro_nn::defaults::qpredictor(), &history)
        .expect("the shipped default embeds into the history predictor's shape");
    Config {
        name: "twoset",
        q: blind,
        set1: Some(history),
        lanes: DEFAULT_LANES,
    }
}

/// The two-set configuration `twoset_deep`: set 1 a random history-aware 5 -> 32 -> 16 -> 1
/// predictor (the shape of one trained with `--hidden 32,16`) with the shipped default's clamp
/// limits, set 0 the shipped default (2 -> 16 -> 1) embedded into it
/// (`ouro_nn::embed::embed`: its hidden layer padded to 32 units, then repeated by an identity
/// layer of 16), [`DEFAULT_LANES`] lanes.
pub fn two_set_deep_config() -> Config {
    let default = ouro_nn::defaults::qpredictor();
    let mut history = random_predictor(0xDEE9_0532, 5, &[32, 16]);
    history.min_cycles = default.min_cycles;
    history.max_cycles = default.max_cycles;
    let blind = ouro_nn::embed::embed(&default, &history)
        .expect("the shipped default embeds into a deeper history-aware shape");
    Config {
        name: "twoset_deep",
        q: blind,
        set1: Some(history),
        lanes: DEFAULT_LANES,
    }
}

/// [`two_set_config`] with set 1's input tables removed (`twoset_plain`): its reading and
/// target words are then the codes minus their offsets, the two-set build without input tables,
/// which the sequencer runs too. Its predictions are not a trained predictor's; it is there to
/// co-simulate that build.
pub fn two_set_plain_config() -> Config {
    let mut c = two_set_config();
    if let Some(h) = c.set1.as_mut() {
        h.networks.set.input_tables.clear();
        h.networks.reset.input_tables.clear();
    }
    c.name = "twoset_plain";
    c
}

/// The shipped `nominal` predictor (`predictors/nominal.q.yaml`: 2 -> 16 -> 16 -> 1 per
/// polarity with an input table per input), which the sequencer's table build runs.
pub fn nominal_qpredictor() -> QPredictor {
    QPredictor::from_yaml_str(
        include_str!("../../predictors/nominal.q.yaml"),
        "predictors/nominal.q.yaml",
    )
    .expect("the shipped nominal predictor is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_predictors_validate() {
        for c in test_configs() {
            c.q.validate().unwrap();
            ouro_hdl::EngineShape::with_sets(&c.sets(), c.lanes).unwrap();
        }
    }
}
