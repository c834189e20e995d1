//! The first cells' conductance trajectories per method, from the sequencer model (which the
//! gateware equals): the reading after each step against the front end's time.

use super::runner::{chooser, model_sequencer, plan, start_read};
use super::{BenchSettings, Method};
use crate::report::plots::Trajectory;
use crate::HostError;
use ouro_board::sequencer::PulseResult;
use ouro_board::{Frontend, SimFrontend};
use ouro_core::board::BoardConfig;
use ouro_core::Polarity;
use ouro_sim::device::Cell;

/// A front end that logs the readings and the time for the trajectories.
struct Traced<'a> {
    inner: &'a mut SimFrontend,
    clock_hz: f64,
    cycles: u64,
    points: Vec<(f64, f64)>,
    board: &'a BoardConfig,
}

impl Frontend for Traced<'_> {
    fn select(&mut self, row: u8, col: u8) -> u32 {
        let l = self.inner.select(row, col);
        self.cycles += u64::from(l) + 1;
        l
    }
    fn read(&mut self, reads_log2: u8) -> (u16, u32) {
        let (code, l) = self.inner.read(reads_log2);
        self.cycles += u64::from(l) + 1;
        self.points.push((
            self.cycles as f64 / self.clock_hz * 1e6,
            self.board.us_of_code(code),
        ));
        (code, l)
    }
    fn pulse(&mut self, polarity: Polarity, dac_code: u16, cycles: u32) -> PulseResult {
        let r = self.inner.pulse(polarity, dac_code, cycles);
        self.cycles += u64::from(r.latency) + 1;
        r
    }
    fn cell(&self) -> Option<&Cell> {
        self.inner.cell()
    }
}

/// The first cells' trajectories of `method`, from the sequencer model (which the gateware
/// equals): the reading after each step against the front end's time.
/// The methods whose trajectories are drawn: one of each kind, so that the plot stays readable.
const TRACED: [Method; 4] = [
    Method::AdaptiveWv,
    Method::NeuralLoop,
    Method::ProbeNeuralLoop,
    Method::OracleLoop,
];

pub(super) fn trajectories(
    s: &BenchSettings,
    method: Method,
) -> Result<Vec<Trajectory>, HostError> {
    if s.trajectories == 0 || !TRACED.contains(&method) {
        return Ok(Vec::new());
    }
    let plan = plan(s);
    let n = s.trajectories.min(s.cells).min(plan.per_crossbar());
    let (mut fe, targets) = plan.crossbar(0, n).map_err(HostError::Setting)?;
    let m = model_sequencer(s, method)?;
    let mut ch = chooser(s, method);
    let mut out = Vec::new();
    for t in &targets {
        let start = start_read(&mut fe, &t.job);
        let mut tr = Traced {
            inner: &mut fe,
            clock_hz: s.board.clock_hz as f64,
            cycles: 0,
            points: Vec::new(),
            board: &s.board,
        };
        match ch.as_deref_mut() {
            Some(c) => m.program_with(&mut tr, t.job, c),
            None => m.program(&mut tr, t.job),
        };
        // From the reading before programming, then the sequencer's own readings.
        let mut points = tr.points;
        points.insert(0, (0.0, s.board.us_of_code(start)));
        out.push(Trajectory {
            method: method.name().into(),
            cell: t.cell,
            target_us: t.target_us,
            tolerance: s.tolerance,
            points,
        });
    }
    Ok(out)
}
