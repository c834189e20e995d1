//! Co-simulation: the generated Verilog, run in Verilator, against the bit-accurate golden model
//! (`ouro_nn::golden`), output for output and with exactly the documented latency.

use ouro_core::board::BoardConfig;
use ouro_core::schema::{QPredictor, Situation};
use ouro_core::Polarity;
use ouro_hdl::layout::{EngineShape, MemImage};
use ouro_nn::golden::{Clamp, GoldenPredictor, Limits};
use ouro_nn::quantize::exponent_range;
use ouro_testkit::history::{
    quantized_history_predictor, random_situation, window_codes, HIST5Q_SEED, HISTORY_FEATURES,
};
use ouro_testkit::rng::seeded;
use ouro_testkit::vectors::{
    corner_inputs, output_can_saturate, output_saturating_inputs, random_inputs,
};
use ouro_verilated::{
    check, require_verilator, ConfigInfo, Model, Outcome, LIMIT_MAX_ADDR, LIMIT_MIN_ADDR,
};
use rand::Rng;

/// Random vectors per configuration.
const VECTORS: usize = 100_000;

fn predictor(yaml: &str, name: &str) -> QPredictor {
    QPredictor::from_yaml_str(yaml, name).expect("embedded predictor")
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
    let mut rng = seeded(0xC051_0000 ^ cfg.lanes as u64);
    let mut cov = Coverage {
        sat_hi: vec![0; q.shapes().len()],
        ..Default::default()
    };
    let mut count = 0;
    let mut one = |m: &mut Model, pol: Polarity, x: &[i16], limits: Limits, rt: Limits| {
        let expected = g.predict_inputs(pol, x, limits.tighten(rt));
        let got = m.predict(pol, x);
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
        let pol = if rng.random::<bool>() {
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
        m.set_runtime_limits(rt);
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
        let mut rng = seeded(0x2E10_AD00);
        let xs: Vec<Vec<i16>> = (0..500).map(|_| random_inputs(&mut rng, &old, n)).collect();
        let mut changed = 0;
        for &(a, d) in cfg.reload_writes {
            m.load(a, d);
        }
        for (j, x) in xs.iter().enumerate() {
            let pol = if j % 2 == 0 {
                Polarity::Set
            } else {
                Polarity::Reset
            };
            let got = m.predict(pol, x);
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
    let got = m.predict(Polarity::Set, &x);
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
        let mut rng = seeded(0x11_0175);
        let x = (0..10_000)
            .map(|_| random_inputs(&mut rng, &g, n))
            .find(|x| {
                let p = g.predict_inputs(Polarity::Set, x, syn);
                p.clamp == Clamp::None && p.cycles > 2
            })
            .expect("an unclamped prediction");
        // Inputs written (they stay), and the unclamped result with the synthesized limits.
        let free = m.predict(Polarity::Set, &x);
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
            m.load(LIMIT_MIN_ADDR, rt.min_cycles);
            m.load(LIMIT_MAX_ADDR, rt.max_cycles);
            // No input writes: `run` raises `start` in the very next cycle.
            let got = m.predict(Polarity::Set, &[]);
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

/// A run-time limit for [`random_limits_never_pass_the_synthesized_ones`]: spread over the
/// whole 24-bit range, and near, below and above the synthesized limits.
fn spread_limit<R: Rng>(rng: &mut R, syn: Limits) -> u32 {
    let full = 0xFF_FFFF;
    match rng.random_range(0..6) {
        0 | 1 => rng.random_range(0..=full),
        2 => rng.random_range(0..=syn.min_cycles),
        3 => rng.random_range(syn.max_cycles..=full),
        4 => rng.random_range(syn.min_cycles..=syn.max_cycles),
        _ => (syn.max_cycles + rng.random_range(0..3)).saturating_sub(1),
    }
}

#[test]
fn random_limits_never_pass_the_synthesized_ones() {
    if !require_verilator("random limits") {
        return;
    }
    // docs/HDL.md: the synthesized limits hold whatever is written. Every configuration, 300
    // random (minimum, maximum) writes over 0..=0xFFFFFF (including minimums above the
    // synthesized maximum and maximums below the synthesized minimum), two predictions each:
    // bit-exact against the golden model, and within the synthesized limits. Negative check: the
    // old rule (`min = max(syn_min, rt_min)`) as the expectation is caught as a mismatch.
    for cfg in ouro_verilated::CONFIGS {
        let g = GoldenPredictor::new(&predictor(cfg.predictor_yaml, cfg.name));
        let syn = g.limits();
        let n = g.qpredictor().features.len();
        let mut m = cfg.model().expect("model");
        let mut rng = seeded(0x11_0A11 ^ cfg.lanes as u64);
        let (mut above, mut below, mut old_caught) = (0, 0, 0);
        for _ in 0..300 {
            let rt = Limits {
                min_cycles: spread_limit(&mut rng, syn),
                max_cycles: spread_limit(&mut rng, syn),
            };
            above += usize::from(rt.min_cycles > syn.max_cycles);
            below += usize::from(rt.max_cycles < syn.min_cycles);
            m.set_runtime_limits(rt);
            for pol in [Polarity::Set, Polarity::Reset] {
                let x = random_inputs(&mut rng, &g, n);
                let got = m.predict(pol, &x);
                let want = g.predict_inputs(pol, &x, syn.tighten(rt));
                check(&want, cfg.latency, &got).unwrap_or_else(|e| {
                    panic!(
                        "{}: inputs {x:?} {pol}, run-time limits {rt:?}: {e}",
                        cfg.name
                    )
                });
                assert!(
                    (syn.min_cycles..=syn.max_cycles).contains(&got.cycles),
                    "{}: run-time limits {rt:?}: {} cycles outside the synthesized {syn:?}",
                    cfg.name,
                    got.cycles
                );
                let old_min = syn.min_cycles.max(rt.min_cycles);
                let old = Limits {
                    min_cycles: old_min,
                    max_cycles: syn.max_cycles.min(rt.max_cycles).max(old_min),
                };
                let old_want = g.predict_inputs(pol, &x, old);
                old_caught += usize::from(check(&old_want, cfg.latency, &got).is_err());
                if rt.min_cycles <= syn.max_cycles {
                    assert_eq!(old_want, want, "{}: the rules agree there", cfg.name);
                }
            }
        }
        assert!(
            above >= 50 && below > 0,
            "{}: minimums above the synthesized maximum ({above}), maximums below the minimum \
             ({below})",
            cfg.name
        );
        assert!(
            old_caught > 0,
            "{}: the old rule as the expectation is caught",
            cfg.name
        );
        eprintln!(
            "{}: 300 random run-time limits bit-exact within {syn:?}; {above} minimums above \
             the synthesized maximum, the old rule caught {old_caught} times",
            cfg.name
        );
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
    m.predict(Polarity::Set, &[1, 2, 3, 4]);
    m.trace_close();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("$enddefinitions") && text.contains("cycles"));
    std::fs::remove_dir_all(&dir).ok();
}

/// One cycle of the engine's outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sample {
    busy: bool,
    done: bool,
    out: Outcome,
}

fn sample(m: &Model) -> Sample {
    Sample {
        busy: m.get_busy(),
        done: m.get_done(),
        out: m.outputs(0),
    }
}

/// docs/HDL.md "Ports": every result output holds the last result from the cycle with `done`
/// until the next `done`, whatever happens in between (input writes, `start`, the whole next
/// prediction). `trace[c]` is what the engine showed in cycle `c`; `start` was presented in the
/// cycles `starts[j]`, prediction `j` must give `results[j]` (`latency` 0), and before the
/// first `done` of the trace the outputs show `before`. Also checks `done` (high exactly
/// `latency` cycles after each start cycle) and `busy` (high in between).
fn check_hold(
    trace: &[Sample],
    starts: &[usize],
    results: &[Outcome],
    before: Outcome,
    latency: usize,
) -> Result<(), String> {
    let mut shown = before;
    for (c, s) in trace.iter().enumerate() {
        let done_of = starts.iter().position(|&st| st + latency == c);
        if let Some(j) = done_of {
            shown = results[j];
        }
        let busy = starts.iter().any(|&st| st < c && c < st + latency);
        let want = Sample {
            busy,
            done: done_of.is_some(),
            out: shown,
        };
        if *s != want {
            return Err(format!("cycle {c}: expected {want:?}, engine showed {s:?}"));
        }
    }
    Ok(())
}

/// Predictions back to back on every configuration, recorded cycle by cycle: half started in
/// the very cycle with the previous `done` (same inputs, the other polarity), half with new
/// inputs written from that cycle on and `start` in the cycle after the last write. Every result output must keep
/// the previous result until the new `done` and then show the golden model's new one. Then
/// the negative checks: the same trace with the defect an outside testbench saw on the engine
/// before the result register (`out_polarity` changing on the edge that samples `start`,
/// `log2_cycles` three edges before `done`), or with a corrupted expectation, fails the check.
#[test]
fn outputs_hold_the_previous_result_until_done() {
    if !require_verilator("output hold") {
        return;
    }
    for cfg in ouro_verilated::CONFIGS {
        let g = GoldenPredictor::new(&predictor(cfg.predictor_yaml, cfg.name));
        let n = g.qpredictor().features.len();
        let mut m = cfg.model().expect("model");
        let mut rng = seeded(0x401D_0000 ^ cfg.lanes as u64);
        let want = |pol: Polarity, x: &[i16]| {
            let p = g.predict_inputs(pol, x, g.limits());
            Outcome {
                polarity: p.polarity,
                log2_cycles: p.log2_cycles,
                cycles: p.cycles,
                clamp: p.clamp,
                latency: 0,
            }
        };
        // A first prediction, whose result the trace starts with (`predict` returns in the
        // cycle after its done).
        let mut x = random_inputs(&mut rng, &g, n);
        let mut pol = Polarity::Set;
        let first = m.predict(pol, &x);
        let before = Outcome {
            latency: 0,
            ..first
        };
        assert_eq!(before, want(pol, &x));
        let mut trace = Vec::new();
        let mut starts = Vec::new();
        let mut results = Vec::new();
        for j in 0..60 {
            pol = if pol == Polarity::Set {
                Polarity::Reset
            } else {
                Polarity::Set
            };
            if j % 2 == 1 {
                x = random_inputs(&mut rng, &g, n);
                for (i, &v) in x.iter().enumerate() {
                    m.set_in_we(true);
                    m.set_in_addr(i as u8);
                    m.set_in_data(v as u16);
                    trace.push(sample(&m));
                    m.tick();
                }
                m.set_in_we(false);
            }
            m.set_start(true);
            m.set_polarity(pol == Polarity::Reset);
            starts.push(trace.len());
            results.push(want(pol, &x));
            trace.push(sample(&m));
            m.tick();
            m.set_start(false);
            // Up to the done cycle, which the next prediction's first cycle records.
            while !m.get_done() {
                trace.push(sample(&m));
                assert!(trace.len() < 100_000, "{}: no done", cfg.name);
                m.tick();
            }
        }
        trace.push(sample(&m));
        let check = |t: &[Sample], r: &[Outcome]| check_hold(t, &starts, r, before, cfg.latency);
        check(&trace, &results).unwrap_or_else(|e| panic!("{}: {e}", cfg.name));
        eprintln!(
            "{}: {} predictions back to back, {} cycles: outputs hold until done",
            cfg.name,
            results.len(),
            trace.len()
        );

        // Negative checks, on a prediction whose result differs from the one before in
        // polarity and log2 (the polarities alternate).
        let j = (1..results.len())
            .find(|&j| results[j].log2_cycles != results[j - 1].log2_cycles)
            .expect("two consecutive results with different log2");
        let s = starts[j];
        let mut early_pol = trace.clone();
        early_pol[s + 1].out.polarity = results[j].polarity;
        assert!(check(&early_pol, &results).is_err(), "early out_polarity");
        let mut early_log2 = trace.clone();
        early_log2[s + cfg.latency - 3].out.log2_cycles = results[j].log2_cycles;
        assert!(check(&early_log2, &results).is_err(), "early log2_cycles");
        let mut bad = results.clone();
        bad[j].cycles ^= 1;
        assert!(check(&trace, &bad).is_err(), "corrupted expectation");
    }
}

/// The 5-input history-aware configuration (`hist5q`: a random float 5 -> 32 -> 1 predictor
/// with inputs g_now, g_target, probe_delta, probe_log2 and level, quantized by
/// `ouro_nn::quantize`), bit for bit and cycle for cycle against the golden model over
/// situations a board presents: readings and targets in the window's codes, probe changes,
/// probe exponents within the board's pulse limits, every level, made into input words by
/// `GoldenPredictor::inputs_in`; the corners of every domain; and random words. Negative
/// check: an engine loaded with one flipped weight bit (first layer, the probe's log2 input)
/// disagrees with the golden model on these situations, and agrees with the golden model of
/// the flipped weights.
#[test]
fn quantized_history_predictor_is_bit_exact_in_situations() {
    if !require_verilator("hist5q") {
        return;
    }
    let cfg = ConfigInfo::get("hist5q").expect("configuration");
    let q = predictor(cfg.predictor_yaml, cfg.name);
    // The engine runs exactly what the quantizer makes of the float fixture.
    let (_, fresh, summary) = quantized_history_predictor(HIST5Q_SEED);
    assert_eq!(q, fresh);
    assert_eq!(q.features, HISTORY_FEATURES);
    assert!(summary.history && summary.saturation_excluded, "{summary}");
    let g = GoldenPredictor::new(&q);
    let board = BoardConfig::default_board();
    let n_levels = q.levels.as_ref().expect("levels").len();
    let mut rng = seeded(0x4157_C051);

    // Realistic situations, then the corners of every domain (both polarities).
    let mut xs: Vec<(Polarity, Vec<i16>)> = (0..30_000)
        .map(|_| {
            let (pol, s) = random_situation(&mut rng, &board, n_levels);
            (pol, g.inputs_in(pol, &s))
        })
        .collect();
    let (lo, hi) = window_codes(&board);
    let (k0, k1) = exponent_range(&board);
    for (now, target) in [(lo, hi), (hi, lo), (lo, lo + 1), (hi, hi - 1)] {
        for probe_delta in [lo - hi, 0, hi - lo] {
            for k in [k0, k1] {
                for level in [0, n_levels as i32 - 1] {
                    let s = Situation {
                        now,
                        target,
                        probe_delta,
                        probe_log2_change: 0,
                        probe_log2: (k << 10) as i32,
                        level: level << 10,
                    };
                    let pol = Polarity::towards(now, target).expect("a move");
                    xs.push((pol, g.inputs_in(pol, &s)));
                }
            }
        }
    }
    let realistic = xs.len();
    // Random words too (the engine must match the golden model for any input).
    for _ in 0..5_000 {
        let pol = if rng.random::<bool>() {
            Polarity::Set
        } else {
            Polarity::Reset
        };
        xs.push((pol, random_inputs(&mut rng, &g, 5)));
    }

    let mut m = cfg.model().expect("model");
    let mut clamps = [0usize; 3];
    for (pol, x) in &xs {
        let want = g.predict_inputs(*pol, x, g.limits());
        let got = m.predict(*pol, x);
        check(&want, cfg.latency, &got)
            .unwrap_or_else(|e| panic!("hist5q: inputs {x:?} {pol}: {e}"));
        clamps[want.clamp as usize] += 1;
    }
    eprintln!(
        "hist5q: {} vectors ({realistic} from situations) bit-exact, latency {} cycles (5-32-1, {} lanes); clamps {clamps:?}",
        xs.len(),
        cfg.latency,
        cfg.lanes
    );
    assert!(
        clamps.iter().all(|&c| c > 0),
        "every clamp outcome: {clamps:?}"
    );

    // Negative check: flip bit 11 of the weight of the first layer's unit with the largest
    // output weight on the probe's log2 input, in the RESET network.
    let shape = EngineShape::new(&q, cfg.lanes).expect("shape");
    let mut bad = q.clone();
    let net = &mut bad.networks.reset;
    let j = (0..net.layers[0].weights.len())
        .max_by_key(|&j| net.layers[1].weights[0][j].unsigned_abs())
        .expect("a hidden unit");
    net.layers[0].weights[j][3] ^= 1 << 11;
    let bad_g = GoldenPredictor::new(&bad);
    m.load_all(&MemImage::new(&bad, &shape).expect("image").load_writes());
    let mut caught = 0;
    for (pol, x) in &xs[..2_000] {
        let got = m.predict(*pol, x);
        check(
            &bad_g.predict_inputs(*pol, x, g.limits()),
            cfg.latency,
            &got,
        )
        .unwrap_or_else(|e| panic!("hist5q, flipped weight: inputs {x:?} {pol}: {e}"));
        caught +=
            usize::from(check(&g.predict_inputs(*pol, x, g.limits()), cfg.latency, &got).is_err());
    }
    assert!(
        caught > 100,
        "the flipped weight bit is caught ({caught} of 2000)"
    );
    // Reloading the quantized weights restores the engine.
    m.load_all(&MemImage::new(&q, &shape).expect("image").load_writes());
    for (pol, x) in &xs[..500] {
        let got = m.predict(*pol, x);
        check(&g.predict_inputs(*pol, x, g.limits()), cfg.latency, &got)
            .unwrap_or_else(|e| panic!("hist5q, reloaded: inputs {x:?} {pol}: {e}"));
    }
    eprintln!("hist5q: a flipped weight bit caught in {caught} of 2000 situations");
}
