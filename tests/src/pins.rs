//! The host side of the board top's pin-level tests (`tests/board_pins.rs`): a crossbar of simulated cells, a host that speaks the protocol to the
//! verilated top through its UART pin (`Host`), cell jobs and amplitudes, and the comparison of
//! a run at the pins with the transaction-level model on a twin crossbar (`compare`).

use ouro_board::frontend::Interlock;
use ouro_board::sequencer::PulseResult;
use ouro_board::{Frontend, Job, Record, SequencerModel, SimFrontend};
use ouro_core::board::BoardConfig;
use ouro_core::protocol::{
    Failure, Register, Request, Response, RunState, VERSION_MAJOR, VERSION_MINOR,
};
use ouro_core::Polarity;
use ouro_sim::device::DeviceConfig;
use ouro_verilated::{require_verilator, TopSim};

/// Cycles to wait for an answer (a full FETCH is 1,028 bytes: 123,360 cycles at 12 clocks a bit).
pub const ANSWER: u64 = 400_000;

/// A front end that records the pulses the model applies.
#[derive(Debug)]
pub struct Logged {
    pub inner: SimFrontend,
    pub pulses: Vec<(Polarity, u16, u32)>,
}

impl Frontend for Logged {
    fn select(&mut self, row: u8, col: u8) -> u32 {
        self.inner.select(row, col)
    }
    fn read(&mut self, reads_log2: u8) -> (u16, u32) {
        self.inner.read(reads_log2)
    }
    fn pulse(&mut self, polarity: Polarity, dac_code: u16, cycles: u32) -> PulseResult {
        let r = self.inner.pulse(polarity, dac_code, cycles);
        if r.refused.is_none() {
            self.pulses.push((polarity, dac_code, cycles));
        }
        r
    }
}

pub fn crossbar(board: &BoardConfig, device: &str, seed: u64) -> SimFrontend {
    let dev = DeviceConfig::preset(device);
    let mut fe =
        SimFrontend::new(board, &dev, Interlock::of_board(board), 32, 32, seed, 0).unwrap();
    for (i, cell) in fe.cells_mut().iter_mut().enumerate() {
        cell.set_conductance_us(150.0 + (i * 37 % 300) as f64)
            .unwrap();
    }
    fe
}

/// The host end of the link to a verilated board top.
#[derive(Debug)]
pub struct Host {
    pub sim: TopSim,
    pub tag: u8,
}

impl Host {
    pub fn ask(&mut self, r: Request) -> Response {
        let payload = r.encode().expect("encodable request");
        let answer = self.sim.request(&payload, ANSWER).expect("an answer");
        let resp = Response::decode(&answer).expect("a well-formed response");
        assert_eq!(resp.tag(), r.tag(), "the answer carries the request's tag");
        resp
    }

    pub fn tag(&mut self) -> u8 {
        self.tag = self.tag.wrapping_add(1);
        self.tag
    }

    pub fn hello(&mut self) {
        let tag = self.tag();
        let r = self.ask(Request::Hello {
            tag,
            major: VERSION_MAJOR,
            minor: VERSION_MINOR,
        });
        assert_eq!(
            r,
            Response::Hello {
                tag,
                major: VERSION_MAJOR,
                minor: VERSION_MINOR
            }
        );
    }

    pub fn configure(&mut self, writes: &[(u8, u32)]) {
        let tag = self.tag();
        let writes = writes
            .iter()
            .map(|&(id, v)| (Register::from_code(id).expect("a register"), v))
            .collect();
        let r = self.ask(Request::Configure { tag, writes });
        assert_eq!(r, Response::Configure { tag });
    }

    /// Program `jobs` and fetch their records once the board is idle.
    pub fn program(&mut self, jobs: &[Job]) -> Vec<Record> {
        for chunk in jobs.chunks(170) {
            let tag = self.tag();
            let cells = chunk
                .iter()
                .map(|j| (j.row, j.col, j.target, j.tolerance))
                .collect();
            let r = self.ask(Request::Program { tag, cells });
            assert_eq!(
                r,
                Response::Program {
                    tag,
                    accepted: chunk.len() as u16
                }
            );
        }
        loop {
            self.sim.run(20_000);
            let tag = self.tag();
            if let Response::Status {
                state: RunState::Idle,
                queued: 0,
                ..
            } = self.ask(Request::Status { tag })
            {
                break;
            }
            assert!(
                self.sim.cycle() < 2_000_000_000,
                "the board never goes idle"
            );
        }
        let mut out = Vec::new();
        while out.len() < jobs.len() {
            let tag = self.tag();
            match self.ask(Request::Fetch { tag, max: 51 }) {
                Response::Fetch { records, .. } => {
                    assert!(!records.is_empty(), "records missing");
                    out.extend(records);
                }
                r => panic!("FETCH answered {r:?}"),
            }
        }
        out
    }
}

pub fn host(board: &BoardConfig, device: &str, seed: u64) -> Option<Host> {
    if !require_verilator("board top at the pins") {
        return None;
    }
    let sim = TopSim::new(board, crossbar(board, device, seed)).expect("verilated top");
    let mut h = Host { sim, tag: 0 };
    h.hello();
    Some(h)
}

pub fn jobs(n: u16, board: &BoardConfig, tol_permille: u16) -> Vec<Job> {
    let lo = board.code_of_us(120.0);
    let hi = board.code_of_us(520.0);
    (0..n)
        .map(|i| {
            let target = lo + ((u32::from(i) * 7919) % u32::from(hi - lo)) as u16;
            Job {
                row: (i * 5 / 32 % 32) as u8,
                col: (i * 5 % 32) as u8,
                target,
                tolerance: (u32::from(target) * u32::from(tol_permille) / 1000) as u16,
            }
        })
        .collect()
}

pub fn amplitudes(board: &BoardConfig, device: &str) -> Vec<(u8, u32)> {
    let dev = DeviceConfig::preset(device);
    let set = u32::from(board.dac_code_of_v(dev.set_amplitude_v));
    let reset = u32::from(board.dac_code_of_v(dev.reset_amplitude_v));
    vec![(0x10, set), (0x18, reset), (0x06, set), (0x07, reset)]
}

/// Program `jobs` with `settings` through the pins and through the model on a twin crossbar;
/// the records and the pulses must be equal.
pub fn compare(
    h: &mut Host,
    device: &str,
    seed: u64,
    settings: &[(u8, u32)],
    jobs: &[Job],
) -> Vec<Record> {
    let model =
        SequencerModel::new(&ouro_nn::defaults::qpredictor(), ouro_hdl::top::BOARD_LANES).unwrap();
    compare_with(h, model, device, seed, settings, jobs)
}

/// As [`compare`] with the model of the board's build.
pub fn compare_with(
    h: &mut Host,
    mut model: SequencerModel,
    device: &str,
    seed: u64,
    settings: &[(u8, u32)],
    jobs: &[Job],
) -> Vec<Record> {
    let board = BoardConfig::default_board();
    for &(id, v) in settings {
        model.write(id, v).unwrap();
    }
    let mut twin = Logged {
        inner: crossbar(&board, device, seed),
        pulses: Vec::new(),
    };
    // The twin must start where the board's cells are now (earlier runs moved them).
    twin.inner = h.sim.frontend().clone();
    let want: Vec<Record> = jobs.iter().map(|&j| model.program(&mut twin, j)).collect();
    let before = h.sim.pulses().len();
    h.configure(settings);
    let got = h.program(jobs);
    assert_eq!(got.len(), want.len());
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "cell {k}: the board's record vs the model's");
    }
    let at_pins: Vec<(Polarity, u16, u32)> = h.sim.pulses()[before..]
        .iter()
        .map(|p| (p.polarity, p.dac_code, p.cycles))
        .collect();
    assert_eq!(
        at_pins, twin.pulses,
        "the pulses at the pins vs the model's"
    );
    let problems = h.sim.problems();
    assert!(
        problems.is_empty(),
        "{} problems, first: {}",
        problems.len(),
        problems[0]
    );
    want
}

/// Send raw payload bytes (not necessarily a valid request) and decode the answer.
pub fn raw(h: &mut Host, payload: &[u8]) -> Response {
    let answer = h.sim.request(payload, ANSWER).expect("an answer");
    Response::decode(&answer).expect("a well-formed response")
}

pub fn failed(op: u8, tag: u8, failure: Failure) -> Response {
    Response::Failed {
        opcode: op,
        tag,
        failure,
    }
}
