//! Co-simulation: the generated Verilog, run in Verilator, against the bit-accurate golden model
//! (`ouro_nn::golden`), output for output and with exactly the documented latency.

use ouro_core::schema::QPredictor;
use ouro_core::Polarity;
use ouro_nn::golden::{Clamp, GoldenPredictor, Limits, Prediction};
use ouro_verilated::{require_verilator, ConfigInfo, Model, LIMIT_MAX_ADDR, LIMIT_MIN_ADDR};

/// A deterministic xorshift generator.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
}

/// Random vectors per configuration.
const VECTORS: usize = 100_000;

/// What the engine reported for one prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Got {
    polarity: Polarity,
    log2_cycles: i16,
    cycles: u32,
    clamp: Clamp,
    latency: usize,
}

fn load(m: &mut Model, addr: u32, data: u32) {
    m.set_ld_we(true);
    m.set_ld_addr(addr);
    m.set_ld_data(data);
    m.tick();
    m.set_ld_we(false);
}

fn set_limits(m: &mut Model, rt: Limits) {
    load(m, LIMIT_MIN_ADDR, rt.min_cycles.min(0xFF_FFFF));
    load(m, LIMIT_MAX_ADDR, rt.max_cycles.min(0xFF_FFFF));
    // The effective limits are registered six cycles after a write is presented (the load
    // port's register, the limit register, then four stages; a prediction started at once
    // would still use them, 10 or more cycles later; the ticks keep the test independent).
    m.tick();
    m.tick();
}

fn run(m: &mut Model, polarity: Polarity, inputs: &[i16]) -> Got {
    for (i, &x) in inputs.iter().enumerate() {
        m.set_in_we(true);
        m.set_in_addr(i as u8);
        m.set_in_data(x as u16);
        m.tick();
    }
    m.set_in_we(false);
    m.set_polarity(polarity == Polarity::Reset);
    m.set_start(true);
    m.tick();
    m.set_start(false);
    assert!(m.get_busy(), "busy after the start edge");
    let mut latency = 1;
    while !m.get_done() {
        assert!(!m.get_done());
        m.tick();
        latency += 1;
        assert!(latency < 100_000, "no done");
    }
    assert!(!m.get_busy(), "not busy once done");
    let clamp = match (m.get_clamp_low(), m.get_clamp_high()) {
        (false, false) => Clamp::None,
        (true, false) => Clamp::Low,
        (false, true) => Clamp::High,
        (true, true) => panic!("both clamp flags"),
    };
    let got = Got {
        polarity: if m.get_out_polarity() {
            Polarity::Reset
        } else {
            Polarity::Set
        },
        log2_cycles: m.get_log2_cycles() as i16,
        cycles: m.get_cycles(),
        clamp,
        latency,
    };
    // done is a one-cycle pulse; the outputs hold.
    m.tick();
    assert!(!m.get_done(), "done lasts one cycle");
    assert_eq!(m.get_cycles(), got.cycles, "outputs hold after done");
    got
}

/// The comparison every test uses; `Err` names the first mismatch.
fn check(expected: &Prediction, latency: usize, got: &Got) -> Result<(), String> {
    let want = Got {
        polarity: expected.polarity,
        log2_cycles: expected.log2_cycles,
        cycles: expected.cycles,
        clamp: expected.clamp,
        latency,
    };
    if want == *got {
        Ok(())
    } else {
        Err(format!("expected {want:?}, engine gave {got:?}"))
    }
}

fn predictor(yaml: &str, name: &str) -> QPredictor {
    QPredictor::from_yaml_str(yaml, name).expect("embedded predictor")
}

/// Random inputs: ADC-like codes, full-scale words, or small values.
fn random_inputs(rng: &mut XorShift, g: &GoldenPredictor, n: usize) -> Vec<i16> {
    match rng.next_u64() % 4 {
        0 => {
            let r = rng.range(0, 4095) as u16;
            let t = rng.range(0, 4095) as u16;
            let mut v = g.inputs(Polarity::towards(r, t).unwrap_or(Polarity::Set), r, t);
            v.resize(n, 0);
            for x in v.iter_mut().skip(2) {
                *x = rng.range(-2048, 2047) as i16;
            }
            v
        }
        1 => (0..n).map(|_| rng.next_u64() as i16).collect(),
        2 => (0..n).map(|_| rng.range(-64, 64) as i16).collect(),
        _ => (0..n).map(|_| rng.range(-4096, 4096) as i16).collect(),
    }
}

fn corner_inputs(n: usize) -> Vec<Vec<i16>> {
    let mut v = vec![
        vec![0; n],
        vec![i16::MAX; n],
        vec![i16::MIN; n],
        vec![1; n],
        vec![-1; n],
    ];
    for i in 0..n {
        for val in [i16::MAX, i16::MIN, 2047, -2048] {
            let mut x = vec![0; n];
            x[i] = val;
            v.push(x);
            let mut y = vec![if val > 0 { i16::MIN } else { i16::MAX }; n];
            y[i] = val;
            v.push(y);
        }
    }
    v
}

#[derive(Debug, Default)]
struct Coverage {
    clamp: [usize; 3],
    polarity: [usize; 2],
    /// Per layer: outputs at +32767 (saturated high), and at -32768 (saturated low, visible
    /// only before ReLU, so counted on the output layer).
    sat_hi: Vec<usize>,
    sat_lo_out: usize,
}

fn cosim(name: &str, vectors: usize) {
    if !require_verilator(name) {
        return;
    }
    let cfg = ConfigInfo::get(name).expect("configuration");
    let q = predictor(cfg.predictor_yaml, name);
    let g = GoldenPredictor::new(&q);
    let n = q.features.len();
    let mut m = cfg.model().expect("model");
    let mut rng = XorShift::new(0xC051_0000 ^ cfg.lanes as u64);
    let mut cov = Coverage {
        sat_hi: vec![0; q.shapes().len()],
        ..Default::default()
    };
    let mut count = 0;
    let mut one = |m: &mut Model, pol: Polarity, x: &[i16], limits: Limits, rt: Limits| {
        let expected = g.predict_inputs(pol, x, limits.tighten(rt));
        let got = run(m, pol, x);
        if let Err(e) = check(&expected, cfg.latency, &got) {
            panic!("{name}: inputs {x:?} {pol}, run-time limits {rt:?}: {e}");
        }
        let t = g.trace(pol, x);
        for (k, l) in t.layers.iter().enumerate() {
            cov.sat_hi[k] += usize::from(l.contains(&i16::MAX));
        }
        cov.sat_lo_out += usize::from(t.layers.last().unwrap()[0] == i16::MIN);
        cov.clamp[expected.clamp as usize] += 1;
        cov.polarity[pol as usize] += 1;
        count += 1;
    };
    let syn = g.limits();
    let loose = Limits {
        min_cycles: 0,
        max_cycles: u32::MAX,
    };
    for x in corner_inputs(n) {
        for pol in [Polarity::Set, Polarity::Reset] {
            one(&mut m, pol, &x, syn, loose);
        }
    }
    // Inputs that saturate the output, found with the golden model on a grid of input words
    // (trained weights rarely reach it from random vectors).
    for (pol, x) in output_saturating_inputs(&g, n) {
        one(&mut m, pol, &x, syn, loose);
    }
    for _ in 0..vectors {
        let x = random_inputs(&mut rng, &g, n);
        let pol = if rng.next_u64() & 1 == 0 {
            Polarity::Set
        } else {
            Polarity::Reset
        };
        one(&mut m, pol, &x, syn, loose);
    }
    // Run-time limits: tighter low and high bounds, a minimum above the synthesized maximum,
    // and limits looser than the synthesized ones (which must not loosen anything).
    let rts = [
        Limits {
            min_cycles: 300,
            max_cycles: 5000,
        },
        Limits {
            min_cycles: 0,
            max_cycles: 20,
        },
        Limits {
            min_cycles: syn.max_cycles + 7,
            max_cycles: 100,
        },
        Limits {
            min_cycles: 0,
            max_cycles: 0xFF_FFFF,
        },
    ];
    for rt in rts {
        set_limits(&mut m, rt);
        for _ in 0..2000 {
            let x = random_inputs(&mut rng, &g, n);
            one(&mut m, Polarity::Set, &x, syn, rt);
            one(&mut m, Polarity::Reset, &x, syn, rt);
        }
    }
    eprintln!(
        "{name}: {count} vectors bit-exact, latency {} cycles; coverage {cov:?}",
        cfg.latency
    );
    assert!(
        cov.clamp.iter().all(|&c| c > 0),
        "{name}: every clamp outcome: {cov:?}"
    );
    assert!(cov.polarity.iter().all(|&c| c > 0));
    // Hidden layers can only saturate high (ReLU follows); the output must saturate at least one
    // way, unless the weights make that impossible for any hidden activations (the shipped
    // default weights: their output layer cannot leave Q6.10 even with every hidden unit at
    // full scale). The random-weight configurations cover both ways.
    let (hidden, out) = cov.sat_hi.split_at(cov.sat_hi.len() - 1);
    assert!(
        hidden.iter().all(|&c| c > 0),
        "{name}: saturation in every hidden layer: {cov:?}"
    );
    if output_can_saturate(g.qpredictor()) {
        assert!(
            out[0] > 0 || cov.sat_lo_out > 0,
            "{name}: saturation in the output layer: {cov:?}"
        );
    } else {
        eprintln!("{name}: the output layer cannot saturate with these weights; not required");
    }
    if name != "default" {
        assert!(
            out[0] > 0 && cov.sat_lo_out > 0,
            "{name}: output saturation both ways: {cov:?}"
        );
    }
}

/// Up to 8 (polarity, inputs) pairs per polarity and direction whose output saturates, from a
/// grid of 9 words per input over the whole 16-bit range (at most 9^4 points).
fn output_saturating_inputs(g: &GoldenPredictor, n: usize) -> Vec<(Polarity, Vec<i16>)> {
    let words: Vec<i16> = (0..9)
        .map(|k| (k * 8192 - 32768).min(32767) as i16)
        .collect();
    let dims = n.min(4);
    let mut found = Vec::new();
    for pol in [Polarity::Set, Polarity::Reset] {
        let (mut hi, mut lo) = (0, 0);
        for idx in 0..9usize.pow(dims as u32) {
            let mut x = vec![0i16; n];
            let mut r = idx;
            for v in x.iter_mut().take(dims) {
                *v = words[r % 9];
                r /= 9;
            }
            let out = g.trace(pol, &x).layers.last().unwrap()[0];
            if (out == i16::MAX && hi < 8) || (out == i16::MIN && lo < 8) {
                hi += usize::from(out == i16::MAX);
                lo += usize::from(out == i16::MIN);
                found.push((pol, x));
            }
        }
    }
    found
}

/// Whether any input words can drive either network's output beyond Q6.10: interval
/// arithmetic over the whole input box, layer by layer, in the engine's integer arithmetic (floor
/// shift, saturation, ReLU on hidden layers). `false` proves the output cannot saturate.
fn output_can_saturate(q: &QPredictor) -> bool {
    [&q.networks.set, &q.networks.reset].iter().any(|net| {
        let n = q.features.len();
        let mut lo = vec![i64::from(i16::MIN); n];
        let mut hi = vec![i64::from(i16::MAX); n];
        let last = net.layers.len() - 1;
        for (k, l) in net.layers.iter().enumerate() {
            let (mut nlo, mut nhi) = (Vec::new(), Vec::new());
            for (row, &b) in l.weights.iter().zip(&l.biases) {
                let (mut a, mut z) = (i64::from(b), i64::from(b));
                for ((&w, &xl), &xh) in row.iter().zip(&lo).zip(&hi) {
                    let (p, r) = (i64::from(w) * xl, i64::from(w) * xh);
                    a += p.min(r);
                    z += p.max(r);
                }
                if k == last {
                    return (z >> l.weight_frac) > i64::from(i16::MAX)
                        || (a >> l.weight_frac) < i64::from(i16::MIN);
                }
                let sat = |v: i64| (v >> l.weight_frac).clamp(0, i64::from(i16::MAX));
                nlo.push(sat(a));
                nhi.push(sat(z));
            }
            lo = nlo;
            hi = nhi;
        }
        unreachable!("the last layer returns")
    })
}

#[test]
fn default_config_is_bit_exact() {
    cosim("default", VECTORS);
}

#[test]
fn wide_config_is_bit_exact() {
    cosim("wide", VECTORS);
}

#[test]
fn hist4_config_is_bit_exact() {
    cosim("hist4", VECTORS);
}

#[test]
fn deep_config_is_bit_exact() {
    cosim("deep", VECTORS);
}

#[test]
fn reloaded_weights_change_outputs_as_golden_predicts() {
    if !require_verilator("reload") {
        return;
    }
    for cfg in ouro_verilated::CONFIGS {
        let old = GoldenPredictor::new(&predictor(cfg.predictor_yaml, cfg.name));
        let new = GoldenPredictor::new(&predictor(cfg.reload_yaml, cfg.name));
        let n = old.qpredictor().features.len();
        let mut m = cfg.model().expect("model");
        let mut rng = XorShift::new(0x2E10_AD00);
        let xs: Vec<Vec<i16>> = (0..500).map(|_| random_inputs(&mut rng, &old, n)).collect();
        let mut changed = 0;
        for &(a, d) in cfg.reload_writes {
            load(&mut m, a, d);
        }
        for (j, x) in xs.iter().enumerate() {
            let pol = if j % 2 == 0 {
                Polarity::Set
            } else {
                Polarity::Reset
            };
            let got = run(&mut m, pol, x);
            let want = new.predict_inputs(pol, x, new.limits());
            check(&want, cfg.latency, &got).unwrap_or_else(|e| panic!("{}: {e}", cfg.name));
            changed += usize::from(
                old.predict_inputs(pol, x, old.limits()).log2_cycles != want.log2_cycles,
            );
        }
        assert!(
            changed > 100,
            "{}: the new weights change many outputs ({changed} of 500)",
            cfg.name
        );
    }
}

#[test]
fn negative_test_a_corrupted_expectation_fails_the_check() {
    if !require_verilator("negative") {
        return;
    }
    let cfg = ConfigInfo::get("default").unwrap();
    let g = GoldenPredictor::new(&predictor(cfg.predictor_yaml, cfg.name));
    let mut m = cfg.model().unwrap();
    let x = vec![300, -200];
    let got = run(&mut m, Polarity::Set, &x);
    let expected = g.predict_inputs(Polarity::Set, &x, g.limits());
    check(&expected, cfg.latency, &got).unwrap();
    let mut bad = expected;
    bad.cycles ^= 1;
    assert!(check(&bad, cfg.latency, &got).is_err());
    let mut bad = expected;
    bad.log2_cycles = bad.log2_cycles.wrapping_add(1);
    assert!(check(&bad, cfg.latency, &got).is_err());
    assert!(check(&expected, cfg.latency + 1, &got).is_err());
}

#[test]
fn limits_written_in_the_cycle_before_start_apply_to_that_prediction() {
    if !require_verilator("limit timing") {
        return;
    }
    // docs/HDL.md: a load-port write presented up to the cycle before the one that raises
    // `start` counts, for the run-time limits too (they take effect 6 cycles after the write,
    // the clamp uses them at least 10 cycles after `start`). Every configuration, both limits,
    // each in turn tightening below or above the unclamped duration, and back.
    for cfg in ouro_verilated::CONFIGS {
        let g = GoldenPredictor::new(&predictor(cfg.predictor_yaml, cfg.name));
        let syn = g.limits();
        let mut m = cfg.model().expect("model");
        // Inputs whose duration the synthesized limits leave alone, with room on both sides.
        let n = g.qpredictor().features.len();
        let mut rng = XorShift::new(0x11_0175);
        let x = (0..10_000)
            .map(|_| random_inputs(&mut rng, &g, n))
            .find(|x| {
                let p = g.predict_inputs(Polarity::Set, x, syn);
                p.clamp == Clamp::None && p.cycles > 2
            })
            .expect("an unclamped prediction");
        // Inputs written (they stay), and the unclamped result with the synthesized limits.
        let free = run(&mut m, Polarity::Set, &x);
        check(
            &g.predict_inputs(Polarity::Set, &x, syn),
            cfg.latency,
            &free,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", cfg.name));
        let c = free.cycles;
        let loose = Limits {
            min_cycles: 0,
            max_cycles: 0xFF_FFFF,
        };
        let tight = [
            Limits {
                min_cycles: c + 10,
                max_cycles: 0xFF_FFFF,
            },
            Limits {
                min_cycles: 0,
                max_cycles: c - 1,
            },
            loose,
        ];
        for rt in tight {
            load(&mut m, LIMIT_MIN_ADDR, rt.min_cycles);
            load(&mut m, LIMIT_MAX_ADDR, rt.max_cycles);
            // No input writes: `run` raises `start` in the very next cycle.
            let got = run(&mut m, Polarity::Set, &[]);
            let want = g.predict_inputs(Polarity::Set, &x, syn.tighten(rt));
            check(&want, cfg.latency, &got)
                .unwrap_or_else(|e| panic!("{}: run-time limits {rt:?}: {e}", cfg.name));
            // The tightened limits really move the result (else the test would prove nothing).
            assert_eq!(
                want.cycles != c,
                rt != loose,
                "{}: {rt:?} against {c} cycles",
                cfg.name
            );
        }
    }
}

#[test]
fn vcd_trace_is_written() {
    if !require_verilator("trace") {
        return;
    }
    let cfg = ConfigInfo::get("hist4").unwrap();
    let mut m = cfg.model().unwrap();
    let dir = std::env::temp_dir().join(format!("ouro-vcd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hist4.vcd");
    m.trace_to(&path).unwrap();
    run(&mut m, Polarity::Set, &[1, 2, 3, 4]);
    m.trace_close();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("$enddefinitions") && text.contains("cycles"));
    std::fs::remove_dir_all(&dir).ok();
}
