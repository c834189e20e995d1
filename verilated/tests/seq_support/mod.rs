//! The sequencer's testbench, shared by `tests/sequencer.rs`, `tests/sequencer_probe.rs` and
//! `tests/sequencer_tables.rs`: a verilated `SequencerCore` driven cycle by cycle, the testbench
//! playing the front end (it answers each one-cycle `start` with the one-cycle `done` the front
//! end's latency later, as the real blocks do) and the table memory (the word at the address of
//! a cycle with `tb_rd` high is on `tb_data` from the next cycle until the next read); and the
//! comparison with the transaction-level model (`ouro_board::SequencerModel`).

#![allow(dead_code)]

use ouro_board::frontend::{FrontTiming, Interlock};
use ouro_board::sequencer::{PulseResult, Refusal};
use ouro_board::{Frontend, Job, Outcome, Record, SequencerModel, SimFrontend};
use ouro_core::board::BoardConfig;
use ouro_core::Polarity;
use ouro_sim::device::DeviceConfig;
use ouro_verilated::{require_verilator, BlockInfo, BlockModel};

/// What the sequencer asked of the front end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Select(u8, u8),
    Read(u8, u16),
    Pulse(Polarity, u16, u32, Option<Refusal>),
}

/// A front end that records every request and its answer.
pub struct Logged<F> {
    pub inner: F,
    pub log: Vec<Op>,
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

/// Run `jobs` through the verilated sequencer core, the testbench answering its requests
/// through `fe` and its table reads from `table`; settings written first through the settings
/// port (and the run-time limits, if any, to the engine's load port too). Returns the records
/// and, per record, the cycles from the accept cycle to the report cycle as the testbench
/// counted them. Also checks that the table port is only read while the sequencer is busy.
pub fn run_gateware(
    m: &mut BlockModel,
    fe: &mut dyn Frontend,
    settings: &[(u8, u32)],
    table: &[u16],
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
    // (cycle due, which: 0 select, 1 read, 2 pulse, code, refusal)
    let mut due: Option<(u64, u8, u16, Option<Refusal>)> = None;
    // The table word of the last read, shown from the cycle after it.
    let mut tb_word = 0u16;
    while out.len() < jobs.len() {
        assert!(cycle < 50_000_000, "the sequencer hangs");
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
        m.set("tb_data", u64::from(tb_word));
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
        if m.get_bool("tb_rd") {
            assert!(m.get_bool("busy"), "cycle {cycle}: a table read while idle");
            // The second bank (a two-set build's history input tables) above the first.
            let bank = usize::from(m.get_bool("tb_bank")) * ouro_hdl::sequencer::build::TABLE_WORDS;
            tb_word = table[bank + m.get("tb_addr") as usize];
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
                refusal: match m.get("res_reason") {
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

/// A fresh verilated sequencer core (its power-up state), or `None` (skipped) without
/// Verilator.
pub fn core_model(name: &str) -> Option<BlockModel> {
    if !require_verilator("sequencer co-simulation") {
        return None;
    }
    Some(
        BlockInfo::get(name)
            .unwrap_or_else(|| panic!("block {name}"))
            .model()
            .expect("verilated"),
    )
}

/// Short latencies, so that the co-simulation spends its cycles on pulses.
pub const FAST: FrontTiming = FrontTiming {
    select: 3,
    read_settle: 2,
    conversion: 5,
    pulse_setup: 4,
    pulse_teardown: 2,
    refusal: 1,
};

/// A 32 x 32 crossbar of `device` cells started across the window.
pub fn frontend(device: &str, seed: u64, interlock: Interlock) -> SimFrontend {
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

/// `n` jobs, targets spread over 120..520 uS, tolerance `tol_permille` of the target.
pub fn jobs(n: u16, board: &BoardConfig, tol_permille: u16) -> Vec<Job> {
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

/// Run the same jobs and settings through `model` (with its table memory) and the gateware on
/// twin front ends and compare the requests, the records and the counted cycles; returns the
/// records.
pub fn compare(
    m: &mut BlockModel,
    model: &SequencerModel,
    device: &str,
    seed: u64,
    settings: &[(u8, u32)],
    jobs: &[Job],
    il: Interlock,
) -> Vec<Record> {
    let mut model = model.clone();
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
    let got = run_gateware(m, &mut b, settings, model.table(), jobs);
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

/// Whether the gateware (settings `s` written, `table` in its table memory) and `model` (already
/// configured, with its own table memory) make the same requests and records on twin front ends
/// of `device` cells.
#[allow(clippy::too_many_arguments)]
pub fn agrees(
    m: &mut BlockModel,
    model: &SequencerModel,
    device: &str,
    s: &[(u8, u32)],
    table: &[u16],
    jobs: &[Job],
    il: Interlock,
    seed: u64,
) -> bool {
    let mut a = Logged {
        inner: frontend(device, seed, il),
        log: Vec::new(),
    };
    let want: Vec<Record> = jobs.iter().map(|&j| model.program(&mut a, j)).collect();
    let mut b = Logged {
        inner: frontend(device, seed, il),
        log: Vec::new(),
    };
    let got: Vec<Record> = run_gateware(m, &mut b, s, table, jobs)
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    got == want && a.log == b.log
}

/// The DAC codes of the device's amplitudes as level 0 and the write-and-verify codes.
pub fn amplitudes(board: &BoardConfig, device: &str) -> [(u8, u32); 4] {
    let dev = DeviceConfig::preset(device);
    let set = u32::from(board.dac_code_of_v(dev.set_amplitude_v));
    let reset = u32::from(board.dac_code_of_v(dev.reset_amplitude_v));
    [(0x10, set), (0x18, reset), (0x06, set), (0x07, reset)]
}

/// The device's ladder of `n` amplitude levels as `LEVEL_DAC_SET/RESET` writes, and
/// `NEURAL_LEVELS` = `n`.
pub fn ladder(board: &BoardConfig, device: &str, n: usize) -> Vec<(u8, u32)> {
    let l = DeviceConfig::preset(device).amplitude_levels(n);
    let mut w = Vec::new();
    for (k, (&set, &reset)) in l.set.iter().zip(&l.reset).enumerate() {
        w.push((0x10 + k as u8, u32::from(board.dac_code_of_v(set))));
        w.push((0x18 + k as u8, u32::from(board.dac_code_of_v(reset))));
    }
    w.push((0x26, l.set.len() as u32));
    w
}

/// The fraction of records in tolerance and their mean pulses.
pub fn summary(recs: &[Record]) -> (usize, f64) {
    let ok = recs
        .iter()
        .filter(|r| r.outcome == Outcome::InTolerance)
        .count();
    let pulses = recs.iter().map(|r| f64::from(r.pulses)).sum::<f64>() / recs.len() as f64;
    (ok, pulses)
}
