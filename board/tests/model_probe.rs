//! The sequencer model's two-set build (probe-then-predict) and its build with input tables:
//! the decisions restated from the golden models and `ouro_core::probe`, the cycle accounting
//! against the documented step costs on a scripted front end, the modes each build runs (the
//! gateware's), and the probe loop on simulated `realistic` cells against the neural loop.

mod script;

use ouro_board::frontend::Interlock;
use ouro_board::sequencer::{
    ACCEPT_CYCLES, DECIDE_CYCLES, ESCALATE_SETUP_CYCLES, HISTORY_TABLE_SETUP_CYCLES, ISSUE_CYCLES,
    PREDICT_SETUP_CYCLES, REPORT_CYCLES, TABLE_SETUP_CYCLES,
};
use ouro_board::{Job, Mode, Outcome, Record, SequencerModel, SimFrontend};
use ouro_core::board::BoardConfig;
use ouro_core::qformat::log2_word;
use ouro_core::Polarity;
use ouro_hdl::sequencer::build::modes_of;
use ouro_nn::golden::GoldenPredictor;
use ouro_sim::device::DeviceConfig;
use script::{Script, PULSE_EXTRA, READ, SEL};

const SET_LADDER: [u16; 4] = [100, 101, 102, 103];
const RESET_LADDER: [u16; 4] = [200, 201, 202, 203];

fn two_set() -> SequencerModel {
    let history = ouro_nn::defaults::history_qpredictor();
    let blind = ouro_nn::embed::embed(&ouro_nn::defaults::qpredictor(), &history).unwrap();
    let mut m = SequencerModel::two_sets([&blind, &history], 8).unwrap();
    for l in 0..4 {
        m.write(0x10 + l as u8, u32::from(SET_LADDER[l])).unwrap();
        m.write(0x18 + l as u8, u32::from(RESET_LADDER[l])).unwrap();
    }
    m.write(0x24, 4096).unwrap();
    m.load_table(4096, &ouro_core::probe::log2_table()).unwrap();
    // The history predictor's input tables, in the second bank.
    let words = ouro_hdl::input_table_words(&history).expect("input tables");
    m.load_table(16_384, &words).unwrap();
    m
}

/// The history network's pulse after a pulse of polarity `last` that took the cell from
/// `before` to `now`, whose log2 duration word was `last_log2`: restated from the golden
/// model (polarity, level, cycles, log2 word, predictions made).
fn history_pulse(
    last: Polarity,
    (before, now, target): (u16, u16, u16),
    last_log2: i16,
) -> (Polarity, usize, u32, i16, u32) {
    let g = GoldenPredictor::new(&ouro_nn::defaults::history_qpredictor());
    let p = Polarity::towards(now, target).unwrap();
    let d = i32::from(now) - i32::from(before);
    let along = if last == Polarity::Set { d } else { -d };
    let floor = g
        .qpredictor()
        .probe_floor_codes
        .expect("a history-aware predictor has a floor");
    let change = log2_word((along.max(0) as u32).max(floor));
    // The reading's and the target's words from the network's input tables.
    let tables = &g.qpredictor().networks.get(p).input_tables;
    for level in 0..4 {
        let words = [
            tables[0][usize::from(now)],
            tables[1][usize::from(target)],
            change,
            last_log2,
            (level << 10) as i16,
        ];
        let pr = g.predict_inputs(p, &words, g.limits());
        if pr.raw_cycles <= 16_384 || level == 3 {
            return (p, level, pr.cycles, pr.log2_cycles, level as u32 + 1);
        }
    }
    unreachable!()
}

fn dac(p: Polarity, level: usize) -> u16 {
    match p {
        Polarity::Set => SET_LADDER[level],
        Polarity::Reset => RESET_LADDER[level],
    }
}

#[test]
fn the_probe_modes_decide_and_cost_what_the_method_says() {
    let mut m = two_set();
    let latency = m.engine_latency();
    assert_eq!(latency, 73);
    let blind = GoldenPredictor::new(&ouro_nn::defaults::qpredictor());
    let (mut escalations, mut extensions) = (0, 0);
    // (c0, c1, c2, c3, target): a probe that moved little (a slow cell: extended, then long
    // pulses, the level escalates), one that moved the wrong way (extended), one that moved
    // three codes (extended) and one four (not), one that overshot, one that moved a lot, one
    // that leaves nothing.
    for (codes, target) in [
        ([1000, 1001, 1500, 1990], 2000),
        ([1000, 998, 1100, 1990], 2000),
        ([2000, 1997, 1500, 1200], 1000),
        ([2000, 1996, 1500, 1200], 1000),
        ([1800, 1900, 1899, 1897], 1850),
        ([3000, 2600, 2300, 2250], 2200),
        ([1500, 1700, 1700, 1700], 1700),
    ] {
        for mode in [2u32, 3] {
            m.write(0x01, mode).unwrap();
            m.write(0x03, 3).unwrap();
            let mut fe = Script {
                codes: codes.to_vec(),
                ..Default::default()
            };
            let job = Job {
                row: 0,
                col: 0,
                target,
                tolerance: 0,
            };
            let r = m.program(&mut fe, job);
            // The probe: 2^k cycles from the blind prediction, level 0, towards the target.
            let b = blind.predict(codes[0], target).unwrap();
            let k = ouro_core::probe::probe_exponent(b.log2_cycles, 131_072);
            let mut want = vec![(b.polarity, dac(b.polarity, 0), 1u32 << k)];
            let mut total = ACCEPT_CYCLES
                + (SEL + 1)
                + (READ + 1)
                + DECIDE_CYCLES
                + (PREDICT_SETUP_CYCLES + latency + 1)
                + ISSUE_CYCLES
                + (PULSE_EXTRA + (1 << k) + 1);
            // The history: the last pulse's polarity, the reading before it, its log2 word.
            let mut last = (b.polarity, codes[0], (k << 10) as i16);
            let mut pulses_max = if mode == 2 { 2 } else { 3 };
            let mut n = 1;
            // The probe's extension (restated: fewer than 4 codes along, the target ahead),
            // at level 0 without a prediction: 2^kx cycles in all, kx = min(k + 6, 15).
            let (c0, c1) = (i32::from(codes[0]), i32::from(codes[1]));
            let along = if b.polarity == Polarity::Set {
                c1 - c0
            } else {
                c0 - c1
            };
            let ahead = Polarity::towards(codes[1], target) == Some(b.polarity);
            if along < 4 && ahead && k < 15 {
                let kx = (k + 6).min(15);
                let cycles = (1u32 << kx) - (1 << k);
                want.push((b.polarity, dac(b.polarity, 0), cycles));
                total += (READ + 1) + DECIDE_CYCLES + ISSUE_CYCLES + (PULSE_EXTRA + cycles + 1);
                last.2 = (kx << 10) as i16;
                if mode == 2 {
                    pulses_max += 1;
                }
                extensions += 1;
                n = 2;
            }
            while want.len() < pulses_max && codes[n] != target {
                let (p, level, cycles, log2, predictions) =
                    history_pulse(last.0, (last.1, codes[n], target), last.2);
                escalations += level;
                want.push((p, dac(p, level), cycles));
                total += (READ + 1)
                    + DECIDE_CYCLES
                    + (HISTORY_TABLE_SETUP_CYCLES + latency + 1)
                    + (predictions - 1) * (ESCALATE_SETUP_CYCLES + latency + 1)
                    + ISSUE_CYCLES
                    + (PULSE_EXTRA + cycles + 1);
                last = (p, codes[n], log2);
                n += 1;
            }
            total += (READ + 1) + DECIDE_CYCLES + REPORT_CYCLES;
            assert_eq!(fe.pulses, want, "{codes:?} -> {target}, mode {mode}");
            assert_eq!(r.total_cycles, total, "{codes:?} -> {target}, mode {mode}");
            assert_eq!(r.final_code, codes[n]);
            let ok = codes[n] == target;
            assert_eq!(
                r.outcome,
                if ok {
                    Outcome::InTolerance
                } else {
                    Outcome::AttemptLimit
                }
            );
        }
    }
    assert!(escalations > 0, "a slow cell's pulse must escalate");
    assert_eq!(extensions, 6, "three probes extended, in both modes");
}

#[test]
fn a_probe_is_held_within_the_run_time_limits() {
    let mut m = two_set();
    m.write(0x01, 2).unwrap();
    m.write(0x20, 3).unwrap();
    m.write(0x21, 5).unwrap();
    let mut fe = Script {
        codes: vec![2000, 2001, 2001, 2001],
        ..Default::default()
    };
    let job = Job {
        row: 0,
        col: 0,
        target: 2002,
        tolerance: 0,
    };
    m.program(&mut fe, job);
    // A one-cycle probe raised to 3; its extension (63 cycles) and a long pulse lowered to 5.
    assert_eq!(fe.pulses[0].2, 3);
    assert_eq!(fe.pulses[1].2, 5);
    assert!(fe.pulses.iter().all(|p| (3..=5).contains(&p.2)));
}

#[test]
fn input_tables_come_from_the_table_memory() {
    let q = ouro_core::schema::QPredictor::from_yaml_str(
        include_str!("../../predictors/nominal.q.yaml"),
        "nominal",
    )
    .unwrap();
    let mut m = SequencerModel::new(&q, 8).unwrap();
    m.write(0x10, 500).unwrap();
    m.write(0x18, 900).unwrap();
    let golden = GoldenPredictor::new(&q);
    let job = Job {
        row: 0,
        col: 0,
        target: 2002,
        tolerance: 1,
    };
    let run = |m: &SequencerModel| {
        let mut fe = Script {
            codes: vec![1000, 2000, 2001],
            ..Default::default()
        };
        let r = m.program(&mut fe, job);
        (r, fe.pulses)
    };
    // Without its tables the memory holds zeros: every word 0.
    let zeros = golden.predict_inputs(Polarity::Set, &[0, 0], golden.limits());
    let (_, pulses) = run(&m);
    assert_eq!(pulses[0], (Polarity::Set, 500, zeros.cycles));
    m.load_table(0, &ouro_hdl::input_table_words(&q).unwrap())
        .unwrap();
    let (r, pulses) = run(&m);
    let p0 = golden.predict(1000, 2002).unwrap();
    let p1 = golden.predict(2000, 2002).unwrap();
    assert_eq!(pulses[0], (Polarity::Set, 500, p0.cycles));
    assert_eq!(pulses[1], (Polarity::Set, 500, p1.cycles));
    assert_eq!(m.engine_latency(), 70);
    let predict = TABLE_SETUP_CYCLES + 70 + 1;
    let want = ACCEPT_CYCLES
        + (SEL + 1)
        + 3 * (READ + 1)
        + 3 * DECIDE_CYCLES
        + 2 * predict
        + 2 * ISSUE_CYCLES
        + (PULSE_EXTRA + p0.cycles + 1)
        + (PULSE_EXTRA + p1.cycles + 1)
        + REPORT_CYCLES;
    assert_eq!((r.outcome, r.total_cycles), (Outcome::InTolerance, want));
    // A table base past the memory is refused.
    assert!(m.write(0x25, 1).is_err());
    assert!(m.load_table(16_000, &[0; 385]).is_err());
}

#[test]
fn each_build_runs_the_modes_its_gateware_runs() {
    use ouro_hdl::sequencer::SequencerCore;
    let q = ouro_nn::defaults::qpredictor();
    let one = SequencerModel::new(&q, 8).unwrap();
    let core = SequencerCore::new(&q, 8).unwrap();
    assert_eq!(one.modes(), modes_of(core.modes()));
    assert!(!one.modes().contains(&Mode::ProbeLoop));
    let two = two_set();
    let history = ouro_nn::defaults::history_qpredictor();
    let blind = ouro_nn::embed::embed(&q, &history).unwrap();
    let core = SequencerCore::two_sets([&blind, &history], 8).unwrap();
    assert_eq!(two.modes(), modes_of(core.modes()));
    assert_eq!(two.modes(), Mode::ALL);
    // Predictors the builds refuse: the history predictor alone, the sets swapped.
    assert!(SequencerModel::new(&history, 8).is_err());
    assert!(SequencerModel::two_sets([&history, &blind], 8).is_err());
}

/// Program 1024 `realistic` cells (started across the window, targets 120..520 uS, 2 %
/// tolerance, 20 pulses at most, four reads per reading) in `mode`.
fn realistic(mode: u32, seed: u64) -> Vec<Record> {
    let board = BoardConfig::default_board();
    let dev = DeviceConfig::preset("realistic");
    let mut m = two_set();
    let levels = ouro_nn::defaults::history_qpredictor().levels.unwrap();
    for l in 0..4 {
        m.write(
            0x10 + l,
            u32::from(board.dac_code_of_v(levels.set[usize::from(l)])),
        )
        .unwrap();
        m.write(
            0x18 + l,
            u32::from(board.dac_code_of_v(levels.reset[usize::from(l)])),
        )
        .unwrap();
    }
    for (id, v) in [(0x01, mode), (0x03, 20), (0x04, 2)] {
        m.write(id, v).unwrap();
    }
    let mut fe =
        SimFrontend::new(&board, &dev, Interlock::of_board(&board), 32, 32, seed, 0).unwrap();
    for (i, cell) in fe.cells_mut().iter_mut().enumerate() {
        cell.set_conductance_us(150.0 + (i * 37 % 300) as f64)
            .unwrap();
    }
    let lo = board.code_of_us(120.0);
    let hi = board.code_of_us(520.0);
    (0..1024u32)
        .map(|i| {
            let target = lo + (i * u32::from(hi - lo) / 1023) as u16;
            let job = Job {
                row: (i / 32) as u8,
                col: (i % 32) as u8,
                target,
                tolerance: target / 50,
            };
            m.program(&mut fe, job)
        })
        .collect()
}

#[test]
fn the_probe_loop_programs_realistic_cells_in_fewer_pulses_than_the_neural_loop() {
    let stats = |recs: &[Record]| {
        let ok = recs
            .iter()
            .filter(|r| r.outcome == Outcome::InTolerance)
            .count();
        let pulses = recs.iter().map(|r| f64::from(r.pulses)).sum::<f64>() / 1024.0;
        (ok, pulses)
    };
    let (ok0, p0) = stats(&realistic(0, 11));
    let (ok3, p3) = stats(&realistic(3, 11));
    let (ok2, p2) = stats(&realistic(2, 11));
    eprintln!(
        "neural loop {ok0} of 1024 within 2 % ({p0:.2} pulses), probe loop {ok3} ({p3:.2}), probe one shot {ok2} ({p2:.2})"
    );
    // Measured (docs/HDL.md): 1019 in 6.60 pulses, 1024 in 3.11, 540 in 2.21 (the probe's
    // extension counted).
    assert!(ok3 >= 1000 && ok0 >= 1000, "{ok3}, {ok0}");
    assert!(p3 < 3.5 && p0 > 6.0, "{p3}, {p0}");
    assert!(ok2 > 500 && p2 < 2.5, "{ok2}, {p2}");
}
