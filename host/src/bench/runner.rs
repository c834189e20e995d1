//! The run: per method, crossbar by crossbar, the cells programmed on the board (or in the
//! sequencer model for the methods no board runs) and one [`CellRow`] per cell.

use super::board_run::{
    amplitudes, link, prepare_board, program_on_board, registers, AnyBoard, RowCtx,
    START_READS_LOG2,
};
use super::cells::CellPlan;
use super::reference::{Inversion, Oracle};
use super::trajectory::trajectories;
use super::{BenchSettings, Method, Runs};
use crate::board::Session;
use crate::report::plots::Trajectory;
use crate::report::{summaries, CellRow, Report};
use crate::HostError;
use ouro_board::frontend::FrontTiming;
use ouro_board::sequencer::Chooser;
use ouro_board::{Frontend, Job, SequencerModel, SimFrontend};
use ouro_core::protocol::Mode;
use rayon::prelude::*;

/// Which board runs the board's methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardKind {
    /// The board's transaction-level model.
    Model,
    /// The verilated board top at its pins.
    Sim,
}

impl BoardKind {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::Sim => "sim",
        }
    }
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct BenchRun {
    /// One row per cell and method, method by method, cells in order.
    pub rows: Vec<CellRow>,
    /// The first cells' trajectories per method.
    pub trajectories: Vec<Trajectory>,
    /// The summary.
    pub report: Report,
    /// Notes for the user (methods left out and why).
    pub notes: Vec<String>,
}

/// The sequencer model a model-only method runs on, configured.
pub(super) fn model_sequencer(
    s: &BenchSettings,
    method: Method,
) -> Result<SequencerModel, HostError> {
    let lanes = ouro_hdl::top::BOARD_LANES;
    let err = |e: ouro_board::BoardError| HostError::Mismatch(e.to_string());
    let (mut m, mode) = match method {
        Method::ProbeNeural | Method::ProbeNeuralLoop => {
            let h = s.history.as_ref().expect("runnable: a history predictor");
            let blind = ouro_nn::embed::embed(&s.predictor, h)
                .map_err(|e| HostError::Mismatch(e.to_string()))?;
            let mut m = SequencerModel::two_sets([&blind, h], lanes).map_err(err)?;
            m.load_table(0, &ouro_core::probe::log2_table())
                .map_err(err)?;
            if let Some(words) = ouro_hdl::input_table_words(h) {
                // The history predictor's input tables: the table memory's second bank.
                let bank = ouro_hdl::sequencer::build::HISTORY_TABLES_BANK as u16;
                m.load_table(bank, &words).map_err(err)?;
            }
            let mode = if method == Method::ProbeNeural {
                Mode::ProbeOneShot
            } else {
                Mode::ProbeLoop
            };
            (m, mode)
        }
        _ => {
            let mut m = SequencerModel::new(&s.predictor, lanes).map_err(err)?;
            if !s.predictor.networks.set.input_tables.is_empty() {
                let words = ouro_hdl::input_table_words(&s.predictor).ok_or_else(|| {
                    HostError::Mismatch(
                        "the predictor's input tables do not fit the table memory".into(),
                    )
                })?;
                m.load_table(0, &words).map_err(err)?;
            }
            let mode = match method.runs() {
                Runs::Board(mode) => mode,
                _ => Mode::NeuralLoop,
            };
            (m, mode)
        }
    };
    for (r, v) in registers(s, method, mode) {
        m.write(r.code(), v).map_err(err)?;
    }
    Ok(m)
}

pub(super) fn chooser(s: &BenchSettings, method: Method) -> Option<Box<dyn Chooser + Send>> {
    match method {
        Method::InversionLoop => Some(Box::new(Inversion::new(&s.device, &s.board, amplitudes(s)))),
        Method::OracleLoop => Some(Box::new(Oracle::new(&s.device, &s.board, amplitudes(s)))),
        _ => None,
    }
}

/// Run one method over every cell; rows in cell order.
fn run_method(
    s: &BenchSettings,
    kind: BoardKind,
    method: Method,
    on_cell: &(dyn Fn() + Sync),
) -> Result<Vec<CellRow>, HostError> {
    let plan = plan(s);
    let per = plan.per_crossbar();
    let timing = FrontTiming::of_board(&s.board);
    let mut rows = Vec::with_capacity(s.cells);
    for k in 0..s.cells.div_ceil(per) {
        let n = per.min(s.cells - k * per);
        let (mut fe, targets) = plan.crossbar(k, n).map_err(HostError::Setting)?;
        match method.runs() {
            Runs::Model => {
                let ctx = RowCtx {
                    s,
                    method,
                    board: "model",
                    timing,
                };
                let m = model_sequencer(s, method)?;
                let mut ch = chooser(s, method);
                for t in &targets {
                    let start = start_read(&mut fe, &t.job);
                    let r = match ch.as_deref_mut() {
                        Some(c) => m.program_with(&mut fe, t.job, c),
                        None => m.program(&mut fe, t.job),
                    };
                    let g = fe.cells()[index_of(s, &t.job)].conductance_us();
                    rows.push(ctx.of_record(t, start, &r, g));
                    on_cell();
                }
            }
            Runs::Board(_) | Runs::Host => {
                let mut b = AnyBoard::new(kind, s, fe)?;
                let mut got = Vec::with_capacity(targets.len());
                {
                    let mut sess = Session::open(b.board()).map_err(link)?;
                    prepare_board(&mut sess, s, method)?;
                    program_on_board(&mut sess, s, method, &targets, &mut |r| {
                        got.push(r);
                        on_cell();
                        Ok(())
                    })?;
                }
                let cells = b.cells();
                for mut r in got {
                    r.g_true_us = cells
                        [usize::from(r.row) * s.board.mux.cols as usize + usize::from(r.col)]
                    .conductance_us();
                    rows.push(r);
                }
                if let AnyBoard::Sim(sb) = &b {
                    let problems = sb.problems();
                    if let Some(p) = problems.first() {
                        return Err(HostError::Mismatch(format!(
                            "the simulated board broke a part's datasheet timing ({} times; first: \
                             {p}): a gateware bug, please report it",
                            problems.len()
                        )));
                    }
                }
            }
        }
    }
    Ok(rows)
}

fn index_of(s: &BenchSettings, j: &Job) -> usize {
    usize::from(j.row) * s.board.mux.cols as usize + usize::from(j.col)
}

/// The reading before programming, as READ_CELL takes it.
pub(super) fn start_read(fe: &mut SimFrontend, j: &Job) -> u16 {
    fe.select(j.row, j.col);
    fe.read(START_READS_LOG2).0
}

pub(super) fn plan(s: &BenchSettings) -> CellPlan<'_> {
    CellPlan {
        device: &s.device,
        board: &s.board,
        seed: s.seed,
        age_pulses: s.age_pulses,
        tolerance: s.tolerance,
        target_range_us: s.target_range_us,
    }
}

/// Run every runnable method of `s` on a board of `kind`; `on_cell` is called once per cell
/// programmed (from several threads: methods run in parallel).
///
/// # Errors
/// [`HostError`] from the settings' check, the board, or the link.
pub fn run(
    s: &BenchSettings,
    kind: BoardKind,
    on_cell: &(dyn Fn() + Sync),
) -> Result<BenchRun, HostError> {
    s.check()?;
    let methods = s.runnable_methods();
    let mut notes = Vec::new();
    if methods.len() < s.methods.len() {
        notes.push(if s.history.is_none() {
            "probe-neural and probe-neural-loop left out: no history-aware predictor for this \
             device's amplitudes (give --history)"
                .to_string()
        } else {
            "probe-neural and probe-neural-loop left out: the predictor has input tables, and \
             the two-set engine of probe-then-predict takes the blind network's inputs from the \
             codes"
                .to_string()
        });
    }
    if kind == BoardKind::Sim && methods.iter().any(|m| m.runs() == Runs::Model) {
        notes.push(
            "inversion-loop, oracle-loop and the probe methods run in the sequencer model: no \
             board built today runs them (the probe modes need the two-set engine, which does \
             not fit the iCE40UP5K beside the rest)"
                .to_string(),
        );
    }
    type MethodRun = Result<(Vec<CellRow>, Vec<Trajectory>), HostError>;
    let per_method: Vec<MethodRun> = methods
        .par_iter()
        .map(|&m| Ok((run_method(s, kind, m, on_cell)?, trajectories(s, m)?)))
        .collect();
    let mut rows = Vec::with_capacity(s.cells * methods.len());
    let mut trs = Vec::new();
    for r in per_method {
        let (r, t) = r?;
        rows.extend(r);
        trs.extend(t);
    }
    let report = Report {
        device: s.device_name.clone(),
        board: kind.name().into(),
        cells: s.cells,
        seed: Some(s.seed),
        tolerance: s.tolerance,
        clock_hz: s.board.clock_hz,
        methods: summaries(&rows),
    };
    Ok(BenchRun {
        rows,
        trajectories: trs,
        report,
        notes,
    })
}
