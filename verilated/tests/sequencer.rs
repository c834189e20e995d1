//! The sequencer with its engine (`ouro_hdl::sequencer::SequencerCore`, default predictor, 8
//! lanes) in Verilator against its transaction-level model (`ouro_board::SequencerModel`): the
//! same jobs through front ends in the same state give the same requests (every select, read and
//! pulse with its arguments, in order) and the same records, `total_cycles` included, in every
//! mode. The testbench plays the front end cycle by cycle: it answers each one-cycle `start` with
//! the one-cycle `done` the front end's latency later, as the real blocks do.

use ouro_board::frontend::{FrontTiming, Interlock};
use ouro_board::sequencer::{PulseResult, Refusal};
use ouro_board::{Frontend, Job, Outcome, Record, SequencerModel, SimFrontend};
use ouro_core::board::BoardConfig;
use ouro_core::Polarity;
use ouro_sim::device::DeviceConfig;
use ouro_verilated::{require_verilator, BlockInfo, BlockModel};

/// What the sequencer asked of the front end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Select(u8, u8),
    Read(u8, u16),
    Pulse(Polarity, u16, u32, Option<Refusal>),
}

/// A front end that records every request and its answer.
struct Logged<F> {
    inner: F,
    log: Vec<Op>,
}

impl<F: Frontend> Frontend for Logged<F> {
    fn select(&mut self, row: u8, col: u8) -> u32 {
        self.log.push(Op::Select(row, col));
        self.inner.select(row, col)
    }
    fn read(&mut self, reads_log2: u8) -> (u16, u32) {
        let (code, l) = self.inner.read(reads_log2);
        self.log.push(Op::Read(reads_log2, code));
        (code, l)
    }
    fn pulse(&mut self, polarity: Polarity, dac_code: u16, cycles: u32) -> PulseResult {
        let r = self.inner.pulse(polarity, dac_code, cycles);
        self.log
            .push(Op::Pulse(polarity, dac_code, cycles, r.refused));
        r
    }
}

/// Run `jobs` through the verilated sequencer, the testbench answering its requests through
/// `fe`; settings written first through the settings port (and the run-time limits, if any, to
/// the engine's load port too). Returns the records and, per record, the cycles from the accept
/// cycle to the report cycle as the testbench counted them.
fn run_gateware(
    m: &mut BlockModel,
    fe: &mut dyn Frontend,
    settings: &[(u8, u32)],
    jobs: &[Job],
) -> Vec<(Record, u32)> {
    for &(id, v) in settings {
        m.set("cfg_we", 1);
        m.set("cfg_addr", u64::from(id));
        m.set("cfg_data", u64::from(v));
        m.tick();
        if id == 0x20 || id == 0x21 {
            m.set("cfg_we", 0);
            m.set("ld_we", 1);
            m.set("ld_addr", if id == 0x20 { 0x30000 } else { 0x30001 });
            m.set("ld_data", u64::from(v));
            m.tick();
            m.set("ld_we", 0);
        }
    }
    m.set("cfg_we", 0);
    for _ in 0..8 {
        m.tick();
    }
    let mut out = Vec::new();
    let mut next = 0usize;
    let mut cycle: u64 = 0;
    let mut accept = 0u64;
    // (cycle due, which: 0 select, 1 read, 2 pulse, code, refused, reason)
    let mut due: Option<(u64, u8, u16, Option<Refusal>)> = None;
    while out.len() < jobs.len() {
        assert!(cycle < 50_000_000, "the sequencer hangs");
        // Inputs of this cycle.
        let (mut sd, mut rd, mut pd) = (false, false, false);
        if let Some((at, which, code, refused)) = due {
            if at == cycle {
                match which {
                    0 => sd = true,
                    1 => {
                        rd = true;
                        m.set("rd_code", u64::from(code));
                    }
                    _ => {
                        pd = true;
                        m.set_bool("pu_refused", refused.is_some());
                        m.set("pu_reason", refused.map_or(0, |r| r as u64));
                    }
                }
                due = None;
            }
        }
        m.set_bool("sel_done", sd);
        m.set_bool("rd_done", rd);
        m.set_bool("pu_done", pd);
        let offer = next < jobs.len();
        m.set_bool("job_valid", offer);
        if offer {
            let j = jobs[next];
            m.set("job_row", u64::from(j.row));
            m.set("job_col", u64::from(j.col));
            m.set("job_target", u64::from(j.target));
            m.set("job_tol", u64::from(j.tolerance));
        }
        m.eval();
        if offer && m.get_bool("job_ready") {
            accept = cycle;
            next += 1;
        }
        let starts = [
            m.get_bool("sel_start"),
            m.get_bool("rd_start"),
            m.get_bool("pu_start"),
        ];
        assert!(
            starts.iter().filter(|&&s| s).count() <= 1,
            "cycle {cycle}: two requests at once"
        );
        if starts.iter().any(|&s| s) {
            assert!(
                due.is_none(),
                "cycle {cycle}: a request while one is pending"
            );
        }
        if starts[0] {
            let l = fe.select(m.get("sel_row") as u8, m.get("sel_col") as u8);
            due = Some((cycle + u64::from(l), 0, 0, None));
        }
        if starts[1] {
            let (code, l) = fe.read(m.get("rd_reads_log2") as u8);
            due = Some((cycle + u64::from(l), 1, code, None));
        }
        if starts[2] {
            let pol = if m.get_bool("pu_polarity") {
                Polarity::Reset
            } else {
                Polarity::Set
            };
            let r = fe.pulse(pol, m.get("pu_dac") as u16, m.get("pu_cycles") as u32);
            due = Some((cycle + u64::from(r.latency), 2, 0, r.refused));
        }
        if m.get_bool("res_valid") {
            let outcome = Outcome::from_code(m.get("res_outcome") as u8).expect("outcome code");
            let reason = m.get("res_reason");
            let rec = Record {
                row: m.get("res_row") as u8,
                col: m.get("res_col") as u8,
                target: m.get("res_target") as u16,
                final_code: m.get("res_final") as u16,
                outcome,
                pulses: m.get("res_pulses") as u16,
                pulse_cycles: m.get("res_pulse_cycles") as u32,
                total_cycles: m.get("res_total") as u32,
                reads: m.get("res_reads") as u16,
                refusal: match reason {
                    0 => None,
                    1 => Some(Refusal::DurationAbove),
                    2 => Some(Refusal::DurationBelow),
                    _ => Some(Refusal::AmplitudeBeyond),
                },
            };
            out.push((rec, (cycle - accept + 1) as u32));
        }
        m.tick();
        cycle += 1;
    }
    out
}

fn core_model() -> Option<BlockModel> {
    if !require_verilator("sequencer co-simulation") {
        return None;
    }
    Some(
        BlockInfo::get("seq_core_default")
            .expect("block seq_core_default")
            .model()
            .expect("verilated"),
    )
}

/// Short latencies, so that the co-simulation spends its cycles on pulses.
const FAST: FrontTiming = FrontTiming {
    select: 3,
    read_settle: 2,
    conversion: 5,
    pulse_setup: 4,
    pulse_teardown: 2,
    refusal: 1,
};

fn frontend(device: &str, seed: u64, interlock: Interlock) -> SimFrontend {
    let board = BoardConfig::default_board();
    let dev = DeviceConfig::preset(device);
    let mut fe = SimFrontend::new(&board, &dev, interlock, 32, 32, seed, 0).unwrap();
    fe.set_timing(FAST);
    for (i, cell) in fe.cells_mut().iter_mut().enumerate() {
        cell.set_conductance_us(150.0 + (i * 37 % 300) as f64)
            .unwrap();
    }
    fe
}

fn interlock(board: &BoardConfig) -> Interlock {
    Interlock::of_board(board)
}

fn jobs(n: u16, board: &BoardConfig, tol_permille: u16) -> Vec<Job> {
    let lo = board.code_of_us(120.0);
    let hi = board.code_of_us(520.0);
    (0..n)
        .map(|i| {
            let target = lo + ((u32::from(i) * 7919) % u32::from(hi - lo)) as u16;
            Job {
                row: (i / 32 % 32) as u8,
                col: (i % 32) as u8,
                target,
                tolerance: (u32::from(target) * u32::from(tol_permille) / 1000) as u16,
            }
        })
        .collect()
}

/// Run the same jobs and settings through the model and the gateware on twin front ends and
/// compare the requests and the records; returns the records.
fn compare(
    m: &mut BlockModel,
    device: &str,
    seed: u64,
    settings: &[(u8, u32)],
    jobs: &[Job],
    il: Interlock,
) -> Vec<Record> {
    let mut model = SequencerModel::new(&ouro_nn::defaults::qpredictor(), 8).unwrap();
    for &(id, v) in settings {
        model.write(id, v).unwrap();
    }
    let mut a = Logged {
        inner: frontend(device, seed, il),
        log: Vec::new(),
    };
    let want: Vec<Record> = jobs.iter().map(|&j| model.program(&mut a, j)).collect();
    let mut b = Logged {
        inner: frontend(device, seed, il),
        log: Vec::new(),
    };
    let got = run_gateware(m, &mut b, settings, jobs);
    for (k, ((g, counted), w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "job {k}: gateware record vs model");
        assert_eq!(
            *counted, g.total_cycles,
            "job {k}: counted cycles vs the record's"
        );
    }
    assert_eq!(b.log, a.log, "the front-end requests differ");
    want
}

fn amplitudes(board: &BoardConfig, device: &str) -> [(u8, u32); 4] {
    let dev = DeviceConfig::preset(device);
    let set = u32::from(board.dac_code_of_v(dev.set_amplitude_v));
    let reset = u32::from(board.dac_code_of_v(dev.reset_amplitude_v));
    [(0x10, set), (0x18, reset), (0x06, set), (0x07, reset)]
}

#[test]
fn neural_loop_and_one_shot_equal_the_model() {
    let Some(mut m) = core_model() else { return };
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
fn write_and_verify_modes_and_limits_equal_the_model() {
    let Some(mut m) = core_model() else { return };
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
    let Some(mut m) = core_model() else { return };
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
fn a_wrong_model_is_caught() {
    // Negative: the model with one register different (two conversions per read instead of
    // four) must not match the gateware.
    let Some(mut m) = core_model() else { return };
    let board = BoardConfig::default_board();
    let il = interlock(&board);
    let mut s = amplitudes(&board, "realistic").to_vec();
    s.push((0x04, 2));
    let mut model = SequencerModel::new(&ouro_nn::defaults::qpredictor(), 8).unwrap();
    for &(id, v) in &s {
        model.write(id, v).unwrap();
    }
    model.write(0x04, 1).unwrap();
    let js = jobs(4, &board, 20);
    let mut a = frontend("realistic", 13, il);
    let want: Vec<Record> = js.iter().map(|&j| model.program(&mut a, j)).collect();
    let mut b = frontend("realistic", 13, il);
    let got = run_gateware(&mut m, &mut b, &s, &js);
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
