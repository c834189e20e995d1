//! The bit-accurate golden model of the predictor: exactly the integer arithmetic of the
//! gateware (see [`ouro_core::qformat`]), written with the `fixed` crate. No floats.
//!
//! Interface, as the gateware has it: ADC codes in; polarity, log2(cycles) and the clamped
//! duration in clock cycles out, with the clamp reported.

use fixed::types::extra::{U0, U10};
use fixed::{FixedI16, FixedI64};
use ouro_core::qformat::{self, Act, EXP2_ENTRIES};
use ouro_core::schema::{DenseQ, MlpQ, QPredictor, Situation};
use ouro_core::Polarity;

/// Which bound of the safety clamp, if any, a duration hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clamp {
    /// Within limits.
    None,
    /// Raised to the shortest allowed pulse.
    Low,
    /// Lowered to the longest allowed pulse.
    High,
}

/// Duration limits in cycles. The synthesized ones come from the predictor file; run-time
/// limits may only tighten them (see [`Limits::tighten`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Shortest pulse, cycles.
    pub min_cycles: u32,
    /// Longest pulse, cycles.
    pub max_cycles: u32,
}

impl Limits {
    /// The limits that hold when run-time registers `runtime` are applied on top of `self` (the
    /// synthesized limits), as in the gateware: each bound can only move inwards, and the
    /// synthesized limits hold whatever is written. The run-time minimum is first clamped to
    /// the synthesized maximum:
    ///
    /// `min = max(syn_min, min(rt_min, syn_max))`, `max = max(min(syn_max, rt_max), min)`,
    ///
    /// so that `syn_min <= min <= max <= syn_max` whenever `syn_min <= syn_max`. A run-time
    /// minimum above the synthesized maximum pins both bounds to the synthesized maximum; a
    /// run-time maximum below the effective minimum is raised to it.
    pub fn tighten(self, runtime: Limits) -> Limits {
        let min_cycles = self.min_cycles.max(runtime.min_cycles.min(self.max_cycles));
        let max_cycles = self.max_cycles.min(runtime.max_cycles).max(min_cycles);
        Limits {
            min_cycles,
            max_cycles,
        }
    }
}

/// One prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prediction {
    /// The pulse polarity (from comparing reading and target).
    pub polarity: Polarity,
    /// The network output, log2(cycles), Q6.10 bits.
    pub log2_cycles: i16,
    /// The exp2 table's cycle count before the clamp.
    pub raw_cycles: u64,
    /// The duration after the clamp, cycles.
    pub cycles: u32,
    /// Which bound, if any, the clamp applied.
    pub clamp: Clamp,
}

/// Every layer's outputs for one evaluation (for tracing and for gateware debugging).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// Outputs of each layer, Q6.10 bits, after requantization (and ReLU for hidden layers).
    pub layers: Vec<Vec<i16>>,
}

/// The golden predictor.
#[derive(Debug, Clone)]
pub struct GoldenPredictor {
    q: QPredictor,
    exp2: [u16; EXP2_ENTRIES],
    limits: Limits,
}

type Acc = FixedI64<U10>;

/// One neuron: `sat16(floor((bias + sum(x_i * w_i)) >> weight_frac))`, exact in between.
fn neuron(inputs: &[Act], weights: &[i16], bias: i32, weight_frac: u32) -> Act {
    // Products of a Q6.10 activation and an integer-scaled weight: exact 32-bit results whose
    // bits carry 10 + weight_frac fraction bits.
    let mut acc_bits = i64::from(bias);
    for (x, &w) in inputs.iter().zip(weights) {
        let p = x.wide_mul(FixedI16::<U0>::from_bits(w)); // FixedI32<U10>, bits = x * w
        acc_bits += i64::from(p.to_bits());
    }
    // Shift the weight's fraction bits out (arithmetic, floor), then saturate to Q6.10.
    let acc = Acc::from_bits(acc_bits) >> weight_frac;
    acc.saturating_to_num::<Act>()
}

fn layer(inputs: &[Act], l: &DenseQ, relu: bool) -> Vec<Act> {
    l.weights
        .iter()
        .zip(&l.biases)
        .map(|(row, &b)| {
            let y = neuron(inputs, row, b, l.weight_frac);
            if relu && y.is_negative() {
                Act::ZERO
            } else {
                y
            }
        })
        .collect()
}

/// Evaluate a network on Q6.10 inputs; returns every layer's output.
pub fn forward(net: &MlpQ, inputs: &[i16]) -> Trace {
    let mut x: Vec<Act> = inputs.iter().map(|&b| Act::from_bits(b)).collect();
    let last = net.layers.len() - 1;
    let mut layers = Vec::with_capacity(net.layers.len());
    for (k, l) in net.layers.iter().enumerate() {
        x = layer(&x, l, k < last);
        layers.push(x.iter().map(|a| a.to_bits()).collect());
    }
    Trace { layers }
}

impl GoldenPredictor {
    /// Build from a validated quantized predictor.
    pub fn new(q: &QPredictor) -> Self {
        Self {
            q: q.clone(),
            exp2: qformat::exp2_table(),
            limits: Limits {
                min_cycles: q.min_cycles,
                max_cycles: q.max_cycles,
            },
        }
    }

    /// The quantized predictor this model runs.
    pub fn qpredictor(&self) -> &QPredictor {
        &self.q
    }

    /// The synthesized limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The inputs of the `polarity` network for a reading and a target (features in file
    /// order), Q6.10 bits: each ADC code's entry in the network's input table when it has
    /// tables, else the code minus its offset.
    pub fn inputs(&self, polarity: Polarity, reading: u16, target: u16) -> Vec<i16> {
        self.inputs_in(
            polarity,
            &Situation::blind(i32::from(reading), i32::from(target)),
        )
    }

    /// The inputs of the `polarity` network in a whole situation (readings as ADC codes, the
    /// probe's change as a code difference, its log2 duration and the level as Q6.10 words),
    /// Q6.10 bits. Values beyond `Signed<16>` saturate (they cannot arise from a board's codes).
    pub fn inputs_in(&self, polarity: Polarity, s: &Situation<i32>) -> Vec<i16> {
        let tables = &self.q.networks.get(polarity).input_tables;
        self.q
            .features
            .iter()
            .zip(&self.q.input_offsets)
            .enumerate()
            .map(|(i, (f, &off))| {
                let v = f.of(s);
                match tables.get(i) {
                    // Validation guarantees 2^adc_bits entries and tables only on readings.
                    Some(t) => t[(v.max(0) as usize) & (t.len() - 1)],
                    None => (v - off).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16,
                }
            })
            .collect()
    }

    /// Run the network of one polarity on raw inputs and return every layer's output.
    pub fn trace(&self, polarity: Polarity, inputs: &[i16]) -> Trace {
        forward(self.q.networks.get(polarity), inputs)
    }

    /// exp2 and clamp of a log2(cycles) output under `limits`.
    pub fn duration(&self, log2_cycles: i16, limits: Limits) -> (u64, u32, Clamp) {
        let raw = qformat::exp2_cycles(Act::from_bits(log2_cycles), &self.exp2);
        if raw < u64::from(limits.min_cycles) {
            (raw, limits.min_cycles, Clamp::Low)
        } else if raw > u64::from(limits.max_cycles) {
            (raw, limits.max_cycles, Clamp::High)
        } else {
            (raw, raw as u32, Clamp::None)
        }
    }

    /// Predict from raw network inputs for a given polarity, under `limits`.
    pub fn predict_inputs(&self, polarity: Polarity, inputs: &[i16], limits: Limits) -> Prediction {
        let trace = self.trace(polarity, inputs);
        let log2_cycles = trace.layers.last().expect("at least one layer")[0];
        let (raw_cycles, cycles, clamp) = self.duration(log2_cycles, limits);
        Prediction {
            polarity,
            log2_cycles,
            raw_cycles,
            cycles,
            clamp,
        }
    }

    /// Predict the pulse for a reading and a target (ADC codes) under the synthesized limits;
    /// `None` when they are equal (no pulse).
    pub fn predict(&self, reading: u16, target: u16) -> Option<Prediction> {
        self.predict_with_limits(reading, target, self.limits)
    }

    /// As [`predict`](Self::predict), with run-time limits that tighten the synthesized ones.
    pub fn predict_with_limits(
        &self,
        reading: u16,
        target: u16,
        runtime: Limits,
    ) -> Option<Prediction> {
        let polarity = Polarity::towards(reading, target)?;
        let inputs = self.inputs(polarity, reading, target);
        Some(self.predict_inputs(polarity, &inputs, self.limits.tighten(runtime)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ouro_core::schema::{Feature, PerPolarity, QPREDICTOR_FORMAT};

    /// Plain-integer restatement of the arithmetic, written independently of `fixed`.
    fn neuron_int(inputs: &[i16], w: &[i16], b: i32, frac: u32) -> i16 {
        let acc: i64 = i64::from(b)
            + inputs
                .iter()
                .zip(w)
                .map(|(&x, &w)| i64::from(x) * i64::from(w))
                .sum::<i64>();
        (acc >> frac).clamp(-32768, 32767) as i16
    }

    fn tiny(
        w_frac: u32,
        weights: Vec<Vec<i16>>,
        biases: Vec<i32>,
        out_w: Vec<i16>,
        out_b: i32,
    ) -> QPredictor {
        let n = MlpQ {
            layers: vec![
                DenseQ {
                    weight_frac: w_frac,
                    weights,
                    biases,
                },
                DenseQ {
                    weight_frac: w_frac,
                    weights: vec![out_w],
                    biases: vec![out_b],
                },
            ],
            input_tables: Vec::new(),
        };
        QPredictor {
            format: QPREDICTOR_FORMAT.into(),
            clock_hz: 12_000_000,
            adc_bits: 12,
            features: vec![Feature::GNow, Feature::GTarget],
            input_offsets: vec![2048, 2048],
            min_cycles: 1,
            max_cycles: 131072,
            networks: PerPolarity {
                set: n.clone(),
                reset: n,
            },
            levels: None,
            probe_floor_codes: None,
            quantization: None,
        }
    }

    #[test]
    fn input_tables_replace_the_offset_and_are_validated() {
        let mut q = tiny(0, vec![vec![1, 0]], vec![0], vec![1], 0);
        let t0: Vec<i16> = (0..4096).map(|c| (c / 2) as i16).collect();
        let t1: Vec<i16> = (0..4096).map(|c| -(c as i16)).collect();
        q.networks.set.input_tables = vec![t0.clone(), t1.clone()];
        assert!(q
            .validate()
            .unwrap_err()
            .to_string()
            .contains("both networks"));
        q.networks.reset.input_tables = vec![t1.clone(), t0.clone()];
        q.validate().unwrap();
        let g = GoldenPredictor::new(&q);
        assert_eq!(g.inputs(Polarity::Set, 100, 301), vec![50, -301]);
        assert_eq!(g.inputs(Polarity::Reset, 100, 31), vec![-100, 15]);
        // The set network passes its first input through: 100 / 2.
        assert_eq!(g.predict(100, 301).unwrap().log2_cycles, 50);
        q.networks.reset.input_tables[1].pop();
        assert!(q.validate().unwrap_err().to_string().contains("2^adc_bits"));
    }

    #[test]
    fn neuron_floors_saturates_and_matches_plain_integers() {
        // floor: -3 >> 1 = -2 (not -1).
        assert_eq!(neuron(&[Act::from_bits(-3)], &[1], 0, 1).to_bits(), -2);
        assert_eq!(neuron(&[Act::from_bits(3)], &[1], 0, 1).to_bits(), 1);
        // Saturation both ways.
        assert_eq!(
            neuron(&[Act::from_bits(32767); 4], &[32767; 4], 0, 0).to_bits(),
            32767
        );
        assert_eq!(
            neuron(&[Act::from_bits(-32768); 4], &[32767; 4], 0, 0).to_bits(),
            -32768
        );
        // -32768 * -32768 = 2^30 is exact (a 16-bit Verilog product would give 0).
        assert_eq!(
            neuron(&[Act::from_bits(-32768)], &[-32768], 0, 15).to_bits(),
            32767
        );
        assert_eq!(sweep_mismatches(neuron_int), 0);
    }

    /// Random neurons (1 to 8 inputs, any words, biases and fracs) on which the golden
    /// `neuron` and `reference` disagree, out of 20,000.
    fn sweep_mismatches(reference: fn(&[i16], &[i16], i32, u32) -> i16) -> usize {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(0x9e37_79b9);
        (0..20_000)
            .filter(|_| {
                let n = rng.random_range(1..=8usize);
                let x: Vec<i16> = (0..n).map(|_| rng.random()).collect();
                let w: Vec<i16> = (0..n).map(|_| rng.random()).collect();
                let b: i32 = rng.random();
                let f = rng.random_range(0..16u32);
                let xa: Vec<Act> = x.iter().map(|&v| Act::from_bits(v)).collect();
                neuron(&xa, &w, b, f).to_bits() != reference(&x, &w, b, f)
            })
            .count()
    }

    #[test]
    fn negative_test_the_sweep_catches_wrong_arithmetic() {
        // The comparison above must be able to fail: each plausible mistake in the arithmetic,
        // as a reference, disagrees with the golden neuron somewhere in the sweep.
        fn acc(x: &[i16], w: &[i16], b: i32) -> i64 {
            i64::from(b)
                + x.iter()
                    .zip(w)
                    .map(|(&x, &w)| i64::from(x) * i64::from(w))
                    .sum::<i64>()
        }
        // Rounding towards zero instead of the floor of an arithmetic shift.
        fn truncating(x: &[i16], w: &[i16], b: i32, f: u32) -> i16 {
            (acc(x, w, b) / (1i64 << f)).clamp(-32768, 32767) as i16
        }
        // Products wrapped to 16 bits, as Verilog's `$signed(a*b)` of 16-bit operands would.
        fn product16(x: &[i16], w: &[i16], b: i32, f: u32) -> i16 {
            let p: i64 = x
                .iter()
                .zip(w)
                .map(|(&x, &w)| i64::from(x.wrapping_mul(w)))
                .sum();
            ((i64::from(b) + p) >> f).clamp(-32768, 32767) as i16
        }
        // Wrapping instead of saturating to 16 bits.
        fn wrapping(x: &[i16], w: &[i16], b: i32, f: u32) -> i16 {
            (acc(x, w, b) >> f) as i16
        }
        for (name, mutant) in [
            (
                "truncating shift",
                truncating as fn(&[i16], &[i16], i32, u32) -> i16,
            ),
            ("16-bit products", product16),
            ("wrapping output", wrapping),
        ] {
            assert!(sweep_mismatches(mutant) > 0, "{name} was not caught");
        }
    }

    #[test]
    fn relu_hidden_linear_output_and_clamp() {
        // Hidden: h0 = x0 - x1 (ReLU), h1 = x1 - x0 (ReLU); output = h0 + h1 + 10.0 = |x0 - x1| + 10.
        let q = tiny(
            0,
            vec![vec![1, -1], vec![-1, 1]],
            vec![0, 0],
            vec![1, 1],
            10 << 10,
        );
        let g = GoldenPredictor::new(&q);
        let p = g.predict(2048 + 512, 2048).unwrap(); // x0 - x1 = 0.5
        assert_eq!(p.polarity, Polarity::Reset);
        assert_eq!(p.log2_cycles, (10 << 10) + 512);
        assert_eq!(p.cycles, 1448);
        assert_eq!(p.clamp, Clamp::None);
        assert!(g.predict(100, 100).is_none());
        let t = g.trace(Polarity::Set, &g.inputs(Polarity::Set, 2048, 2048 + 512));
        assert_eq!(t.layers[0], vec![0, 512]);
        // Clamp high, and run-time limits only tighten.
        let q2 = tiny(
            0,
            vec![vec![0, 0], vec![0, 0]],
            vec![0, 0],
            vec![0, 0],
            20 << 10,
        );
        let g2 = GoldenPredictor::new(&q2);
        let p = g2.predict(1, 2).unwrap();
        assert_eq!(
            (p.raw_cycles, p.cycles, p.clamp),
            (1 << 20, 131072, Clamp::High)
        );
        let loose = Limits {
            min_cycles: 0,
            max_cycles: u32::MAX,
        };
        assert_eq!(g2.predict_with_limits(1, 2, loose).unwrap().cycles, 131072);
        let tight = Limits {
            min_cycles: 0,
            max_cycles: 1000,
        };
        assert_eq!(g2.predict_with_limits(1, 2, tight).unwrap().cycles, 1000);
        // Clamp low: a negative log2 gives 0 cycles, raised to the minimum.
        let q3 = tiny(
            0,
            vec![vec![0, 0], vec![0, 0]],
            vec![0, 0],
            vec![0, 0],
            -(1 << 10),
        );
        let p = GoldenPredictor::new(&q3).predict(2, 1).unwrap();
        assert_eq!((p.raw_cycles, p.cycles, p.clamp), (0, 1, Clamp::Low));
    }

    fn lim(min_cycles: u32, max_cycles: u32) -> Limits {
        Limits {
            min_cycles,
            max_cycles,
        }
    }

    #[test]
    fn runtime_limits_only_tighten_and_never_pass_the_synthesized_ones() {
        let syn = lim(10, 1000);
        // No tightening, and tightening within the synthesized range.
        assert_eq!(syn.tighten(lim(0, 0xFF_FFFF)), syn);
        assert_eq!(syn.tighten(lim(20, 500)), lim(20, 500));
        assert_eq!(syn.tighten(syn), syn);
        // A run-time minimum above the synthesized maximum: clamped to it (the old rule gave
        // `1007..=1007`, past the synthesized maximum).
        assert_eq!(syn.tighten(lim(1007, 100)), lim(1000, 1000));
        assert_eq!(syn.tighten(lim(1001, 0xFF_FFFF)), lim(1000, 1000));
        assert_eq!(syn.tighten(lim(0xFF_FFFF, 0xFF_FFFF)), lim(1000, 1000));
        assert_eq!(syn.tighten(lim(u32::MAX, u32::MAX)), lim(1000, 1000));
        // A run-time maximum below the synthesized minimum: raised to the minimum.
        assert_eq!(syn.tighten(lim(0, 5)), lim(10, 10));
        assert_eq!(syn.tighten(lim(0, 0)), lim(10, 10));
        // A run-time minimum above the run-time maximum: the maximum is raised to the minimum.
        assert_eq!(syn.tighten(lim(600, 400)), lim(600, 600));
        assert_eq!(syn.tighten(lim(0xFF_FFFF, 0)), lim(1000, 1000));
        // Equal synthesized limits: fixed whatever is written.
        let one = lim(77, 77);
        for rt in [lim(0, 0), lim(78, 0), lim(0, 0xFF_FFFF), lim(u32::MAX, 0)] {
            assert_eq!(one.tighten(rt), one, "{rt:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn tighten_stays_within_the_synthesized_limits(
            a in proptest::prelude::any::<u32>(),
            b in proptest::prelude::any::<u32>(),
            rt_min in proptest::prelude::any::<u32>(),
            rt_max in proptest::prelude::any::<u32>(),
        ) {
            let syn = lim(a.min(b), a.max(b));
            let rt = lim(rt_min, rt_max);
            let t = syn.tighten(rt);
            // Within the synthesized limits, and ordered.
            proptest::prop_assert!(syn.min_cycles <= t.min_cycles, "{syn:?} {rt:?} {t:?}");
            proptest::prop_assert!(t.min_cycles <= t.max_cycles, "{syn:?} {rt:?} {t:?}");
            proptest::prop_assert!(t.max_cycles <= syn.max_cycles, "{syn:?} {rt:?} {t:?}");
            // The rule itself, and that it never loosens: a run-time bound that is inside the
            // synthesized range is applied, one outside leaves the synthesized bound.
            let min = syn.min_cycles.max(rt_min.min(syn.max_cycles));
            proptest::prop_assert_eq!(t, lim(min, syn.max_cycles.min(rt_max).max(min)));
            if (syn.min_cycles..=syn.max_cycles).contains(&rt_min) {
                proptest::prop_assert_eq!(t.min_cycles, rt_min);
            }
            if rt_max >= t.min_cycles && rt_max <= syn.max_cycles {
                proptest::prop_assert_eq!(t.max_cycles, rt_max);
            }
            // Tightening twice changes nothing more.
            proptest::prop_assert_eq!(t.tighten(rt), t);
        }
    }
}
