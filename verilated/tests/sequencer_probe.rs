//! The two-set build of the sequencer (`SequencerCore::two_sets`: the shipped default embedded
//! as set 0, the shipped history-aware predictor as set 1, 8 lanes) in Verilator against its
//! transaction-level model (`SequencerModel::two_sets`), the testbench playing the front end and
//! the table memory with the `LOG2` table at a non-zero base and the history predictor's input
//! tables in the second bank (`tests/seq_support`): probe-then-predict one shot and loop, with
//! probes extended and the level escalating, under run-time limits and refusals, and the build's
//! other modes; every front-end request, record and counted cycle equal. The same build without
//! input tables (`seq_core_twoset_plain`: set 1's reading and target words are the codes minus
//! their offsets) in the probe modes.
//! Negative tests: a model with a wrong `LOG2` table, wrong input tables, or another amplitude
//! ladder, differs.

mod seq_support;

use ouro_board::frontend::Interlock;
use ouro_board::sequencer::Refusal;
use ouro_board::{Outcome, Record, SequencerModel};
use ouro_core::board::BoardConfig;
use ouro_core::Polarity;
use ouro_hdl::sequencer::build::HISTORY_TABLES_BANK;
use seq_support::{agrees, amplitudes, core_model, frontend, jobs, summary, Logged, Op};

/// Where the tests put the `LOG2` table.
const LOG2_BASE: u16 = 0x1234;

/// The model of a two-set build with the `LOG2` table loaded at [`LOG2_BASE`] (the register is
/// written with the settings) and set 1's input tables, if it has any, in the second bank.
fn model_of(two: &ouro_testkit::configs::Config) -> SequencerModel {
    let h = two.set1.as_ref().unwrap();
    let mut m = SequencerModel::two_sets([&two.q, h], two.lanes).unwrap();
    m.load_table(LOG2_BASE, &ouro_core::probe::log2_table())
        .unwrap();
    if let Some(words) = ouro_hdl::input_table_words(h) {
        m.load_table(HISTORY_TABLES_BANK as u16, &words).unwrap();
    }
    m
}

/// [`model_of`] the shipped pair (`seq_core_twoset`).
fn model() -> SequencerModel {
    model_of(&ouro_testkit::configs::two_set_config())
}

/// The history predictor's ladder as DAC codes, by polarity.
fn ladder(board: &BoardConfig) -> [Vec<u16>; 2] {
    let levels = ouro_nn::defaults::history_qpredictor().levels.unwrap();
    [
        levels.set.iter().map(|&v| board.dac_code_of_v(v)).collect(),
        levels
            .reset
            .iter()
            .map(|&v| board.dac_code_of_v(v))
            .collect(),
    ]
}

/// The device's write-and-verify codes, the ladder, four reads per reading, the LOG2 base.
fn settings(board: &BoardConfig) -> Vec<(u8, u32)> {
    let mut s = amplitudes(board, "realistic").to_vec();
    let [set, reset] = ladder(board);
    for (l, (&a, &b)) in set.iter().zip(&reset).enumerate() {
        s.push((0x10 + l as u8, u32::from(a)));
        s.push((0x18 + l as u8, u32::from(b)));
    }
    s.extend([
        (0x04, 2),
        (0x24, u32::from(LOG2_BASE)),
        (0x25, 0),
        (0x03, 20),
    ]);
    s
}

/// `compare` with the request log of the model's run.
fn compare(
    m: &mut ouro_verilated::BlockModel,
    model: &SequencerModel,
    seed: u64,
    s: &[(u8, u32)],
    js: &[ouro_board::Job],
    il: Interlock,
) -> (Vec<Record>, Vec<Op>) {
    let recs = seq_support::compare(m, model, "realistic", seed, s, js, il);
    let mut replay = model.clone();
    for &(id, v) in s {
        replay.write(id, v).unwrap();
    }
    let mut fe = Logged {
        inner: frontend("realistic", seed, il),
        log: Vec::new(),
    };
    for &j in js {
        replay.program(&mut fe, j);
    }
    (recs, fe.log)
}

/// The DAC codes of the pulses at a level above 0.
fn escalated(log: &[Op], board: &BoardConfig) -> usize {
    let [set, reset] = ladder(board);
    log.iter()
        .filter(|op| match op {
            Op::Pulse(Polarity::Set, dac, _, _) => set[1..].contains(dac),
            Op::Pulse(Polarity::Reset, dac, _, _) => reset[1..].contains(dac),
            _ => false,
        })
        .count()
}

#[test]
fn probe_one_shot_and_probe_loop_equal_the_model() {
    let Some(mut m) = core_model("seq_core_twoset") else {
        return;
    };
    let board = BoardConfig::default_board();
    let il = Interlock::of_board(&board);
    let model = model();
    let mut s = settings(&board);
    // One shot: the probe, its extension if it moved the reading too little, and one predicted
    // pulse at most.
    s.push((0x01, 2));
    let (recs, log) = compare(&mut m, &model, 21, &s, &jobs(96, &board, 20), il);
    assert!(recs.iter().all(|r| r.pulses <= 3));
    assert!(recs.iter().filter(|r| r.pulses >= 2).count() > 48);
    assert!(
        recs.iter().any(|r| r.pulses == 3),
        "some probe must be extended"
    );
    let (ok, _) = summary(&recs);
    assert!(ok > 20, "{ok} of 96 within 2 % in one shot");
    assert!(escalated(&log, &board) > 0, "some pulse must escalate");
    // The loop: the history network again after each pulse.
    s.push((0x01, 3));
    let (recs, log) = compare(&mut m, &model, 22, &s, &jobs(128, &board, 20), il);
    let (ok, pulses) = summary(&recs);
    assert!(ok >= 120, "{ok} of 128 within 2 %");
    assert!(pulses < 5.0, "{pulses} pulses on average");
    assert!(recs.iter().any(|r| r.pulses >= 4), "the loop must iterate");
    assert!(escalated(&log, &board) > 0);
    // Tight tolerances and an attempt limit: cells that end at the limit.
    s.extend([(0x03, 3)]);
    let (recs, _) = compare(&mut m, &model, 23, &s, &jobs(64, &board, 3), il);
    assert!(recs.iter().any(|r| r.outcome == Outcome::AttemptLimit));
}

#[test]
fn the_build_without_input_tables_equals_its_model() {
    let Some(mut m) = core_model("seq_core_twoset_plain") else {
        return;
    };
    let board = BoardConfig::default_board();
    let il = Interlock::of_board(&board);
    let plain = ouro_testkit::configs::two_set_plain_config();
    assert!(plain
        .set1
        .as_ref()
        .unwrap()
        .networks
        .set
        .input_tables
        .is_empty());
    let model = model_of(&plain);
    let mut s = settings(&board);
    for (mode, seed) in [(2u32, 41u64), (3, 42)] {
        s.push((0x01, mode));
        let (recs, log) = compare(&mut m, &model, seed, &s, &jobs(64, &board, 20), il);
        assert!(recs.iter().any(|r| r.pulses >= 2), "mode {mode}");
        assert!(
            log.iter().any(|op| matches!(op, Op::Pulse(..))),
            "mode {mode}"
        );
    }
}

#[test]
fn probe_modes_under_run_time_limits_and_refusals_equal_the_model() {
    let Some(mut m) = core_model("seq_core_twoset") else {
        return;
    };
    let board = BoardConfig::default_board();
    let model = model();
    let mut s = settings(&board);
    // Run-time limits: the probe's 1-cycle minimum raised to 4, and pulses held below 3000
    // cycles (the engine's clamp and the sequencer's alike).
    s.extend([(0x01, 3), (0x20, 4), (0x21, 3000)]);
    let (recs, log) = compare(
        &mut m,
        &model,
        24,
        &s,
        &jobs(64, &board, 20),
        Interlock::of_board(&board),
    );
    assert!(log
        .iter()
        .all(|op| !matches!(op, Op::Pulse(_, _, c, _) if !(4..=3000).contains(c))));
    assert!(log
        .iter()
        .any(|op| matches!(op, Op::Pulse(_, _, c, _) if *c == 3000)));
    assert!(recs.iter().any(|r| r.outcome == Outcome::InTolerance));
    // An interlock narrower than the limits: refused pulses end their cells.
    let mut il = Interlock::of_board(&board);
    il.max_cycles = 600;
    s.extend([(0x20, 0), (0x21, 0xFF_FFFF), (0x01, 2)]);
    let (recs, _) = compare(&mut m, &model, 25, &s, &jobs(64, &board, 20), il);
    assert!(recs
        .iter()
        .any(|r| r.outcome == Outcome::RefusedSafety && r.refusal == Some(Refusal::DurationAbove)));
}

#[test]
fn the_two_set_build_runs_the_other_modes_as_the_model() {
    let Some(mut m) = core_model("seq_core_twoset") else {
        return;
    };
    let board = BoardConfig::default_board();
    let il = Interlock::of_board(&board);
    let model = model();
    let mut s = settings(&board);
    for (mode, n) in [(0u32, 48u16), (1, 32), (5, 32), (4, 16)] {
        s.extend([(0x01, mode), (0x05, 40), (0x08, 16)]);
        let (recs, _) = compare(
            &mut m,
            &model,
            26 + u64::from(mode),
            &s,
            &jobs(n, &board, 20),
            il,
        );
        assert!(
            recs.iter().any(|r| r.outcome == Outcome::InTolerance),
            "mode {mode}"
        );
    }
}

/// Negative: the model given another `LOG2` table (each word one entry later), or another
/// ladder (level 1's SET code changed), must not match the gateware.
#[test]
fn a_wrong_table_or_ladder_is_caught() {
    let Some(mut m) = core_model("seq_core_twoset") else {
        return;
    };
    let board = BoardConfig::default_board();
    let il = Interlock::of_board(&board);
    let mut s = settings(&board);
    s.push((0x01, 3));
    let js = jobs(24, &board, 20);
    let table = model().table().to_vec();
    let configured = |extra: &[(u8, u32)], log2: &[u16]| {
        let mut x = model();
        x.load_table(LOG2_BASE, log2).unwrap();
        for &(id, v) in s.iter().chain(extra) {
            x.write(id, v).unwrap();
        }
        x
    };
    let t = ouro_core::probe::log2_table();
    let good = configured(&[], &t);
    assert!(
        agrees(&mut m, &good, "realistic", &s, &table, &js, il, 31),
        "the right model agrees"
    );
    let shifted = configured(&[], &t[1..]);
    assert!(
        !agrees(&mut m, &shifted, "realistic", &s, &table, &js, il, 31),
        "a shifted LOG2 table must differ"
    );
    // Set 1's input tables, each word one entry later.
    let words = ouro_hdl::input_table_words(
        ouro_testkit::configs::two_set_config()
            .set1
            .as_ref()
            .unwrap(),
    )
    .expect("the shipped history-aware predictor has input tables");
    let mut tables = configured(&[], &t);
    tables
        .load_table(HISTORY_TABLES_BANK as u16, &words[1..])
        .unwrap();
    assert!(
        !agrees(&mut m, &tables, "realistic", &s, &table, &js, il, 31),
        "shifted input tables must differ"
    );
    let level1 = u32::from(ladder(&board)[0][1]);
    let other = configured(&[(0x11, level1 + 100)], &t);
    assert!(
        !agrees(&mut m, &other, "realistic", &s, &table, &js, il, 31),
        "another ladder must differ"
    );
}
