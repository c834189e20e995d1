//! The sequencer with its engine (`ouro_hdl::sequencer::SequencerCore`, default predictor, 8
//! lanes) in Verilator against its transaction-level model (`ouro_board::SequencerModel`): the
//! same jobs through front ends in the same state give the same requests (every select, read and
//! pulse with its arguments, in order) and the same records, `total_cycles` included, in every
//! mode of the one-set build (the testbench: `tests/seq_support`). The two-set build is in
//! `tests/sequencer_probe.rs`, the build with input tables in `tests/sequencer_tables.rs`.

mod seq_support;

use ouro_board::sequencer::Refusal;
use ouro_board::{Outcome, Record, SequencerModel};
use ouro_core::board::BoardConfig;
use ouro_verilated::{require_verilator, BlockInfo};
use seq_support::{amplitudes, core_model, frontend, jobs, ladder, run_gateware};

fn model() -> SequencerModel {
    SequencerModel::new(&ouro_nn::defaults::qpredictor(), 8).unwrap()
}

fn compare(
    m: &mut ouro_verilated::BlockModel,
    device: &str,
    seed: u64,
    settings: &[(u8, u32)],
    jobs: &[ouro_board::Job],
    il: ouro_board::frontend::Interlock,
) -> Vec<Record> {
    seq_support::compare(m, &model(), device, seed, settings, jobs, il)
}

fn interlock(board: &BoardConfig) -> ouro_board::frontend::Interlock {
    ouro_board::frontend::Interlock::of_board(board)
}

#[test]
fn neural_loop_and_one_shot_equal_the_model() {
    let Some(mut m) = core_model("seq_core_default") else {
        return;
    };
    let board = BoardConfig::default_board();
    let il = interlock(&board);
    let mut s = amplitudes(&board, "realistic").to_vec();
    s.extend([(0x03, 24), (0x04, 2)]);
    let recs = compare(&mut m, "realistic", 5, &s, &jobs(160, &board, 20), il);
    let ok = recs
        .iter()
        .filter(|r| r.outcome == Outcome::InTolerance)
        .count();
    assert!(ok >= 150, "{ok} of 160 in tolerance");
    assert!(recs.iter().any(|r| r.pulses >= 3), "the loop must iterate");
    // Fine corrections at a lower amplitude, and one shot.
    s.extend([(0x09, 1000), (0x0A, 2000), (0x0B, 3)]);
    compare(&mut m, "realistic", 6, &s, &jobs(64, &board, 10), il);
    s.push((0x01, 1));
    let recs = compare(&mut m, "realistic", 7, &s, &jobs(64, &board, 20), il);
    assert!(recs.iter().all(|r| r.pulses <= 1));
}

#[test]
fn the_neural_loop_climbs_the_ladder_as_the_model_says() {
    // Four amplitude levels: slow cells go up the ladder, overshoots come down; the gateware
    // reads the level codes from its DAC register RAM. Fine corrections at level 0 too.
    let Some(mut m) = core_model("seq_core_default") else {
        return;
    };
    let board = BoardConfig::default_board();
    let il = interlock(&board);
    let mut s = amplitudes(&board, "realistic").to_vec();
    s.extend([(0x03, 64), (0x09, 1000), (0x0A, 2000), (0x0B, 3)]);
    let one = compare(&mut m, "realistic", 21, &s, &jobs(160, &board, 20), il);
    s.extend(ladder(&board, "realistic", 4));
    let four = compare(&mut m, "realistic", 21, &s, &jobs(160, &board, 20), il);
    let time = |r: &[Record]| r.iter().map(|r| u64::from(r.total_cycles)).sum::<u64>();
    assert!(
        time(&four) * 2 < time(&one),
        "the ladder must shorten programming: {} vs {} cycles",
        time(&four),
        time(&one)
    );
    // Negative: a model told one level while the gateware climbs four must differ.
    let mut model = model();
    for &(id, v) in &s {
        model.write(id, v).unwrap();
    }
    model.write(0x26, 1).unwrap();
    let js = jobs(32, &board, 20);
    assert!(!seq_support::agrees(
        &mut m,
        &model,
        "realistic",
        &s,
        model.table(),
        &js,
        il,
        21
    ));
}

#[test]
fn write_and_verify_modes_and_limits_equal_the_model() {
    let Some(mut m) = core_model("seq_core_default") else {
        return;
    };
    let board = BoardConfig::default_board();
    let il = interlock(&board);
    let mut s = amplitudes(&board, "nominal").to_vec();
    // Fixed: 40 cycles (3.3 us) per pulse, at most 40 pulses.
    s.extend([(0x01, 4), (0x05, 40), (0x03, 40)]);
    let recs = compare(&mut m, "nominal", 8, &s, &jobs(32, &board, 30), il);
    assert!(recs.iter().any(|r| r.pulses > 1));
    // Adaptive, with run-time limits that the durations must respect.
    s.extend([(0x01, 5), (0x08, 16), (0x20, 2), (0x21, 3000)]);
    let recs = compare(&mut m, "nominal", 9, &s, &jobs(48, &board, 20), il);
    assert!(recs.iter().any(|r| r.outcome == Outcome::InTolerance));
    // The neural loop under the same tightened limits and a per-cell gain that saturates.
    s.extend([(0x01, 0), (0x20, 50), (0x21, 200)]);
    compare(&mut m, "nominal", 10, &s, &jobs(32, &board, 5), il);
}

#[test]
fn a_refused_pulse_is_reported_as_the_model_says() {
    let Some(mut m) = core_model("seq_core_default") else {
        return;
    };
    let board = BoardConfig::default_board();
    let mut il = interlock(&board);
    il.max_cycles = 100;
    let mut s = amplitudes(&board, "nominal").to_vec();
    s.extend([(0x01, 4), (0x05, 101)]);
    let recs = compare(&mut m, "nominal", 11, &s, &jobs(4, &board, 10), il);
    assert!(recs
        .iter()
        .all(|r| r.outcome == Outcome::RefusedSafety && r.refusal == Some(Refusal::DurationAbove)));
    // Amplitude beyond the interlock's.
    s.extend([(0x05, 10), (0x06, 60000)]);
    il.max_cycles = board.max_pulse_cycles;
    let recs = compare(&mut m, "nominal", 12, &s, &jobs(8, &board, 10), il);
    assert!(recs
        .iter()
        .any(|r| r.refusal == Some(Refusal::AmplitudeBeyond)));
}

#[test]
fn a_one_set_build_ignores_the_probe_modes() {
    // The gateware keeps fixed write and verify when told mode 2 or 3 (the model refuses them,
    // as the command decoder does).
    let Some(mut m) = core_model("seq_core_default") else {
        return;
    };
    let board = BoardConfig::default_board();
    let il = interlock(&board);
    let mut s = amplitudes(&board, "nominal").to_vec();
    s.extend([(0x01, 4), (0x05, 40), (0x03, 40)]);
    let mut model = model();
    for &(id, v) in &s {
        model.write(id, v).unwrap();
    }
    assert!(model.write(0x01, 2).is_err() && model.write(0x01, 3).is_err());
    let mut gw = s.clone();
    gw.extend([(0x01, 2), (0x01, 3), (0x01, 6)]);
    let js = jobs(8, &board, 30);
    assert!(seq_support::agrees(
        &mut m,
        &model,
        "nominal",
        &gw,
        model.table(),
        &js,
        il,
        14
    ));
}

#[test]
fn a_wrong_model_is_caught() {
    // Negative: the model with one register different (two conversions per read instead of
    // four) must not match the gateware.
    let Some(mut m) = core_model("seq_core_default") else {
        return;
    };
    let board = BoardConfig::default_board();
    let il = interlock(&board);
    let mut s = amplitudes(&board, "realistic").to_vec();
    s.push((0x04, 2));
    let mut model = model();
    for &(id, v) in &s {
        model.write(id, v).unwrap();
    }
    model.write(0x04, 1).unwrap();
    let js = jobs(4, &board, 20);
    let mut a = frontend("realistic", 13, il);
    let want: Vec<Record> = js.iter().map(|&j| model.program(&mut a, j)).collect();
    let mut b = frontend("realistic", 13, il);
    let got = run_gateware(&mut m, &mut b, &s, model.table(), &js);
    assert!(
        got.iter().zip(&want).any(|((g, _), w)| g != w),
        "a model with another read count must differ"
    );
}

#[test]
fn the_scale_block_equals_the_model_on_every_gain() {
    if !require_verilator("scale block") {
        return;
    }
    let mut m = BlockInfo::get("scale")
        .expect("scale")
        .model()
        .expect("verilated");
    let mut rng = ouro_testkit::rng::seeded(21);
    use rand::Rng;
    for k in 0..20_000 {
        let cycles: u32 = match k % 4 {
            0 => rng.random_range(0..16),
            1 => rng.random_range(0..1 << 24),
            _ => rng.random_range(0..5000),
        };
        let g: i8 = rng.random_range(-4..=7);
        let lo: u32 = rng.random_range(0..64);
        let hi: u32 = rng.random_range(lo..1 << 24);
        m.set("cycles", u64::from(cycles));
        m.set("gain", (g + 4) as u64);
        m.set("min", u64::from(lo));
        m.set("max", u64::from(hi));
        m.eval();
        let want = ouro_board::sequencer::scale(cycles, g).clamp(lo, hi);
        assert_eq!(m.get("out") as u32, want, "{cycles} x 2^{g} in {lo}..={hi}");
    }
}
