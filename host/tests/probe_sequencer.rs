//! The sequencer's probe one shot (`ouro_board::SequencerModel`, mode 2, the two-set build;
//! the gateware equals it cycle for cycle, `ouro-verilated`'s `tests/sequencer_probe.rs`)
//! against the golden method, `ouro_host::probe::ProbeThenPredict` with the quantized
//! history-aware predictor: on the same readings of real `realistic` cells, the same probe
//! (polarity, level 0, `2^k` cycles) and the same programming pulse (polarity, level, cycles).
//! Negative check: the sequencer given a wrong `LOG2` table decides otherwise.

use ouro_board::frontend::Interlock;
use ouro_board::sequencer::PulseResult;
use ouro_board::{Frontend, Job, SequencerModel, SimFrontend};
use ouro_core::board::BoardConfig;
use ouro_core::Polarity;
use ouro_host::probe::ProbeThenPredict;
use ouro_nn::golden::GoldenPredictor;
use ouro_sim::device::DeviceConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Read(u16),
    Pulse(Polarity, u16, u32),
}

struct Logged {
    inner: SimFrontend,
    log: Vec<Op>,
}

impl Frontend for Logged {
    fn select(&mut self, row: u8, col: u8) -> u32 {
        self.inner.select(row, col)
    }
    fn read(&mut self, reads_log2: u8) -> (u16, u32) {
        let (code, l) = self.inner.read(reads_log2);
        self.log.push(Op::Read(code));
        (code, l)
    }
    fn pulse(&mut self, polarity: Polarity, dac_code: u16, cycles: u32) -> PulseResult {
        self.log.push(Op::Pulse(polarity, dac_code, cycles));
        self.inner.pulse(polarity, dac_code, cycles)
    }
}

/// Program `n` cells in mode 2 with the LOG2 table `log2`; per cell, the requests.
fn run(log2: &[u16], n: u32) -> Vec<(u16, Vec<Op>)> {
    let board = BoardConfig::default_board();
    let device = DeviceConfig::preset("realistic");
    let history = ouro_nn::defaults::history_qpredictor();
    let blind = ouro_nn::embed::embed(&ouro_nn::defaults::qpredictor(), &history).unwrap();
    let mut m = SequencerModel::two_sets([&blind, &history], 8).unwrap();
    let levels = history.levels.clone().unwrap();
    for l in 0..levels.set.len() {
        m.write(
            0x10 + l as u8,
            u32::from(board.dac_code_of_v(levels.set[l])),
        )
        .unwrap();
        m.write(
            0x18 + l as u8,
            u32::from(board.dac_code_of_v(levels.reset[l])),
        )
        .unwrap();
    }
    // Four reads per reading, as the method; the probe one shot.
    m.write(0x04, 2).unwrap();
    m.write(0x01, 2).unwrap();
    m.load_table(0, log2).unwrap();
    // The history predictor's input tables, in the table memory's second bank.
    if let Some(words) = ouro_hdl::input_table_words(&history) {
        let bank = ouro_hdl::sequencer::build::HISTORY_TABLES_BANK as u16;
        m.load_table(bank, &words).unwrap();
    }
    let mut fe = Logged {
        inner: SimFrontend::new(&board, &device, Interlock::of_board(&board), 32, 32, 7, 0)
            .unwrap(),
        log: Vec::new(),
    };
    let (lo, hi) = device.window_us();
    for (i, cell) in fe.inner.cells_mut().iter_mut().enumerate() {
        cell.set_conductance_us(lo + (hi - lo) * ((i * 389) % 1024) as f64 / 1024.0)
            .unwrap();
    }
    let (tlo, thi) = (board.code_of_us(lo), board.code_of_us(hi));
    (0..n)
        .map(|i| {
            let target = tlo + ((i * 7919) % u32::from(thi - tlo)) as u16;
            fe.log.clear();
            m.program(
                &mut fe,
                Job {
                    row: (i / 32 % 32) as u8,
                    col: (i % 32) as u8,
                    target,
                    tolerance: 0,
                },
            );
            (target, fe.log.clone())
        })
        .collect()
}

/// What `ProbeThenPredict` decides on a cell's readings: the probe, its extension if the
/// probe moved the reading too little, and the pulse after it.
fn method(target: u16, log: &[Op]) -> Vec<Op> {
    let board = BoardConfig::default_board();
    let blind = GoldenPredictor::new(&ouro_nn::defaults::qpredictor());
    let history = GoldenPredictor::new(&ouro_nn::defaults::history_qpredictor());
    let levels = ouro_nn::defaults::history_qpredictor().levels.unwrap();
    let code = |p: Polarity, level: usize| board.dac_code_of_v(levels.get(p)[level]);
    let reads: Vec<u16> = log
        .iter()
        .filter_map(|op| match op {
            Op::Read(c) => Some(*c),
            Op::Pulse(..) => None,
        })
        .collect();
    let c0 = reads[0];
    let mut want = vec![Op::Read(c0)];
    let Some(b) = blind.predict(c0, target) else {
        return want;
    };
    let max = board.max_pulse_cycles;
    let mut k = ProbeThenPredict::probe_exponent(b.log2_cycles, max);
    want.push(Op::Pulse(b.polarity, code(b.polarity, 0), 1 << k));
    let mut c1 = reads[1];
    want.push(Op::Read(c1));
    let mut next = 2;
    let set = b.polarity == Polarity::Set;
    if c1 != target {
        if let Some(kx) = ouro_core::probe::extension(k, set, (c0, c1, target), max) {
            let cycles = ouro_core::probe::extension_cycles(k, kx);
            want.push(Op::Pulse(b.polarity, code(b.polarity, 0), cycles));
            c1 = reads[2];
            want.push(Op::Read(c1));
            (k, next) = (kx, 3);
        }
    }
    if let Some((p, level, cycles)) =
        ProbeThenPredict::fixed_pulse(&history, b.polarity, (c0, c1, target), k, max)
    {
        want.push(Op::Pulse(p, code(p, level), cycles));
        want.push(Op::Read(reads[next]));
    }
    want
}

#[test]
fn the_sequencer_s_probe_one_shot_decides_as_probe_then_predict() {
    let log2 = ouro_core::probe::log2_table();
    let cells = run(&log2, 600);
    let levels = ouro_nn::defaults::history_qpredictor().levels.unwrap();
    let board = BoardConfig::default_board();
    let level0 = [
        board.dac_code_of_v(levels.set[0]),
        board.dac_code_of_v(levels.reset[0]),
    ];
    let (mut two, mut extended, mut escalated) = (0, 0, 0);
    for (target, log) in &cells {
        assert_eq!(log, &method(*target, log), "target {target}");
        let pulses: Vec<_> = log
            .iter()
            .filter_map(|op| match op {
                Op::Pulse(_, dac, _) => Some(*dac),
                Op::Read(_) => None,
            })
            .collect();
        // The probe, its extension (at level 0) if any, the pulse.
        two += usize::from(pulses.len() >= 2);
        extended += usize::from(pulses.len() == 3);
        let last = pulses.last().copied();
        escalated += usize::from(pulses.len() >= 2 && !level0.contains(&last.unwrap_or(0)));
    }
    assert!(two > 500, "{two} of 600 cells with a probe and a pulse");
    assert!(
        extended > 50,
        "{extended} of 600 cells with an extended probe"
    );
    assert!(escalated > 0, "some pulse must be at a higher level");
    // Negative: a LOG2 table one word off changes some decision.
    let shifted: Vec<u16> = log2.iter().skip(1).chain([&0]).copied().collect();
    let wrong = run(&shifted, 600);
    assert!(
        wrong.iter().any(|(t, log)| log != &method(*t, log)),
        "a wrong LOG2 table must be caught"
    );
}
