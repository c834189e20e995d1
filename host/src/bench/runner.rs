//! The run: per method, crossbar by crossbar, the cells programmed on the board (or in the
//! sequencer model for the methods no board runs) and one [`CellRow`] per cell.

use super::cells::{CellPlan, Target};
use super::host_wv::HostWv;
use super::reference::{Amplitudes, Inversion, Oracle};
use super::{BenchSettings, Method, Runs};
use crate::board::{Board, LinkError, ModelBoard, Session, SimBoard};
use crate::report::plots::Trajectory;
use crate::report::{summaries, CellOutcome, CellRow, Report};
use crate::HostError;
use ouro_board::frontend::FrontTiming;
use ouro_board::sequencer::{Chooser, Outcome, PulseResult};
use ouro_board::{BoardModel, Frontend, Job, Record, SequencerModel, SimFrontend};
use ouro_core::board::BoardConfig;
use ouro_core::protocol::{Mode, Register};
use ouro_core::schema::QPredictor;
use ouro_core::Polarity;
use ouro_sim::device::Cell;
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

/// Reads averaged into the reading before programming (2^4 = 16).
const START_READS_LOG2: u8 = 4;

fn link(e: LinkError) -> HostError {
    HostError::Setting(e.0)
}

/// The ladder, fine step and DAC codes of a run.
fn amplitudes(s: &BenchSettings) -> Amplitudes {
    let levels = s
        .history
        .as_ref()
        .and_then(|h| h.levels.clone())
        .unwrap_or_else(|| s.device.amplitude_levels(1));
    let code = |v: f64| s.board.dac_code_of_v(v);
    Amplitudes {
        levels: [
            levels.set.iter().map(|&v| code(v)).collect(),
            levels.reset.iter().map(|&v| code(v)).collect(),
        ],
        fine: [code(s.fine_v.0), code(s.fine_v.1)],
        fine_below_cycles: s.fine_below_cycles,
    }
}

/// The sequencer's registers for `method`.
fn registers(s: &BenchSettings, method: Method, mode: Mode) -> Vec<(Register, u32)> {
    let a = amplitudes(s);
    let mut w = vec![
        (Register::Mode, u32::from(mode.code())),
        (Register::MaxAttempts, u32::from(s.max_attempts)),
        (Register::ReadsLog2, u32::from(method.reads_log2())),
        (Register::FixedCycles, s.fixed_cycles),
        (Register::FixedDacSet, u32::from(a.levels[0][0])),
        (Register::FixedDacReset, u32::from(a.levels[1][0])),
        (Register::AdaptiveStartCycles, s.adaptive_start_cycles),
        (Register::FineDacSet, u32::from(a.fine[0])),
        (Register::FineDacReset, u32::from(a.fine[1])),
        (Register::FineBelowCycles, s.fine_below_cycles),
    ];
    for (k, (&set, &reset)) in a.levels[0].iter().zip(&a.levels[1]).enumerate() {
        if let (Some(rs), Some(rr)) = (Register::level_dac_set(k), Register::level_dac_reset(k)) {
            w.push((rs, u32::from(set)));
            w.push((rr, u32::from(reset)));
        }
    }
    w
}

/// The predictor the verilated top of `q`'s kind was built with, and the block's name.
fn sim_build(q: &QPredictor) -> (QPredictor, &'static str) {
    if q.networks.set.input_tables.is_empty() {
        (ouro_nn::defaults::qpredictor(), ouro_verilated::TOP_BLOCK)
    } else {
        (
            QPredictor::from_yaml_str(
                include_str!("../../../predictors/nominal.q.yaml"),
                "predictors/nominal.q.yaml",
            )
            .expect("the shipped nominal predictor is valid"),
            ouro_verilated::TOP_NOMINAL_BLOCK,
        )
    }
}

/// A board of `kind` holding the crossbar `fe`, built as the verilated top of the run's
/// predictor's kind is (the shipped default, or the shipped `nominal` with input tables).
enum AnyBoard {
    Model(Box<ModelBoard>),
    Sim(Box<SimBoard>),
}

impl AnyBoard {
    fn new(kind: BoardKind, s: &BenchSettings, fe: SimFrontend) -> Result<Self, HostError> {
        let (build, block) = sim_build(&s.predictor);
        Ok(match kind {
            BoardKind::Model => {
                let m = BoardModel::new(&build, &s.board, &s.device, ouro_hdl::top::BOARD_LANES, 0)
                    .map_err(|e| HostError::Mismatch(e.to_string()))?;
                let mut b = ModelBoard::new(m);
                b.set_frontend(fe);
                Self::Model(Box::new(b))
            }
            BoardKind::Sim => {
                Self::Sim(Box::new(SimBoard::new(block, &s.board, fe).map_err(link)?))
            }
        })
    }

    fn board(&mut self) -> &mut dyn Board {
        match self {
            Self::Model(b) => b.as_mut(),
            Self::Sim(b) => b.as_mut(),
        }
    }

    fn cells(&self) -> &[Cell] {
        match self {
            Self::Model(b) => b.model().cells(),
            Self::Sim(b) => b.sim().frontend().cells(),
        }
    }
}

/// A simulated board of `kind` holding the crossbar `fe`, built as the verilated top of the
/// run's predictor's kind is (the shipped default, or the shipped `nominal` with input
/// tables); [`prepare_board`] loads the run's own weights into it.
///
/// # Errors
/// [`HostError`] when the board cannot be built (no Verilator in this build, for `sim`).
pub fn simulated_board(
    kind: BoardKind,
    s: &BenchSettings,
    fe: SimFrontend,
) -> Result<Box<dyn Board>, HostError> {
    Ok(match AnyBoard::new(kind, s, fe)? {
        AnyBoard::Model(b) => b,
        AnyBoard::Sim(b) => b,
    })
}

/// Bring a session to the run's predictor: its weights over LOAD_WEIGHTS when the build's
/// differ, its input tables over LOAD_TABLE.
fn load_predictor(sess: &mut Session<'_>, s: &BenchSettings) -> Result<(), HostError> {
    let (build, _) = sim_build(&s.predictor);
    if s.predictor != build {
        let lanes = ouro_hdl::top::BOARD_LANES;
        let shape = ouro_hdl::EngineShape::new(&s.predictor, lanes)
            .map_err(|e| HostError::Mismatch(e.to_string()))?;
        let build_shape = ouro_hdl::EngineShape::new(&build, lanes)
            .map_err(|e| HostError::Mismatch(e.to_string()))?;
        if shape != build_shape
            || (s.predictor.min_cycles, s.predictor.max_cycles)
                != (build.min_cycles, build.max_cycles)
        {
            return Err(HostError::Mismatch(
                "the predictor's network has another shape or other duration limits than the \
                 board's build (the shipped default's, or nominal's with input tables): build a \
                 board for it (ouro hdl synth --predictor ...) or quantize one of that shape"
                    .into(),
            ));
        }
        let image = ouro_hdl::MemImage::new(&s.predictor, &shape)
            .map_err(|e| HostError::Mismatch(e.to_string()))?;
        sess.load_weights(&image.load_writes()).map_err(link)?;
    }
    if !s.predictor.networks.set.input_tables.is_empty() {
        let words = ouro_hdl::input_table_words(&s.predictor).ok_or_else(|| {
            HostError::Mismatch("the predictor's input tables do not fit the table memory".into())
        })?;
        sess.load_table(0, &words).map_err(link)?;
    }
    Ok(())
}

/// What a row needs besides the record.
struct RowCtx<'a> {
    s: &'a BenchSettings,
    method: Method,
    board: &'a str,
    timing: FrontTiming,
}

impl RowCtx<'_> {
    fn us(&self, cycles: f64) -> f64 {
        cycles / self.s.board.clock_hz as f64 * 1e6
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &self,
        t: &Target,
        start_code: u16,
        outcome: Outcome,
        final_code: u16,
        pulses: u32,
        reads: u32,
        pulse_cycles: u64,
        board_cycles: u64,
        link_us: f64,
        g_true_us: f64,
    ) -> CellRow {
        let b = &self.s.board;
        let start_us = b.us_of_code(start_code);
        let final_us = b.us_of_code(final_code);
        let read_cycles =
            u64::from(reads) * u64::from(self.timing.read(self.method.reads_log2()) + 1);
        let pulse_step = pulse_cycles
            + u64::from(pulses)
                * u64::from(self.timing.pulse_setup + self.timing.pulse_teardown + 1);
        let other = board_cycles.saturating_sub(read_cycles + pulse_step);
        CellRow {
            cell: t.cell,
            row: t.job.row,
            col: t.job.col,
            method: self.method.name().into(),
            board: self.board.into(),
            target_us: t.target_us,
            tolerance: self.s.tolerance,
            start_us,
            final_us,
            g_true_us,
            rpd_target: (final_us - t.target_us) / t.target_us,
            rpd_update: (final_us - t.target_us) / (t.target_us - start_us),
            pulses,
            reads,
            pulse_us: self.us(pulse_cycles as f64),
            latency_us: self.us(board_cycles as f64) + link_us,
            read_us: self.us(read_cycles as f64),
            pulse_step_us: self.us(pulse_step as f64),
            predict_us: self.us(other as f64),
            link_us,
            outcome: match outcome {
                Outcome::InTolerance => CellOutcome::InTolerance,
                Outcome::AttemptLimit => CellOutcome::AttemptLimit,
                Outcome::RefusedSafety => CellOutcome::RefusedSafety,
                Outcome::Stuck => CellOutcome::Stuck,
            },
        }
    }

    fn of_record(&self, t: &Target, start: u16, r: &Record, g_true_us: f64) -> CellRow {
        self.row(
            t,
            start,
            r.outcome,
            r.final_code,
            u32::from(r.pulses),
            u32::from(r.reads),
            u64::from(r.pulse_cycles),
            u64::from(r.total_cycles),
            0.0,
            g_true_us,
        )
    }
}

/// The sequencer model a model-only method runs on, configured.
fn model_sequencer(s: &BenchSettings, method: Method) -> Result<SequencerModel, HostError> {
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

fn chooser(s: &BenchSettings, method: Method) -> Option<Box<dyn Chooser + Send>> {
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

/// Configure the board behind `sess` for `method` (a board or host-driven method): the
/// sequencer's registers, and the run's predictor (its weights over LOAD_WEIGHTS when they
/// differ from the build's, its input tables over LOAD_TABLE).
///
/// # Errors
/// [`HostError`] from the link, or a predictor the board cannot take.
pub fn prepare_board(
    sess: &mut Session<'_>,
    s: &BenchSettings,
    method: Method,
) -> Result<(), HostError> {
    // The host-driven method configures the board as adaptive write and verify (its raw
    // commands only use the reads and the limits).
    let mode = match method.runs() {
        Runs::Board(mode) => mode,
        Runs::Host => Mode::AdaptiveWriteVerify,
        Runs::Model => {
            return Err(HostError::Setting(format!(
                "{} runs only in the sequencer model: no board built today runs it",
                method.name()
            )))
        }
    };
    sess.configure(&registers(s, method, mode)).map_err(link)?;
    load_predictor(sess, s)
}

/// Program `targets` with `method` on the board behind `sess` (configured with
/// [`prepare_board`]), a batch of at most the board's result capacity at a time: read each
/// cell (16 conversions), program the batch, and hand `on_row` a row per cell as its record
/// arrives, in the order of `targets` (`g_true_us` NaN: the host does not see the cells).
///
/// # Errors
/// [`HostError`] from the link, or from `on_row`.
pub fn program_on_board(
    sess: &mut Session<'_>,
    s: &BenchSettings,
    method: Method,
    targets: &[Target],
    on_row: &mut dyn FnMut(CellRow) -> Result<(), HostError>,
) -> Result<(), HostError> {
    let name = sess.name();
    let ctx = RowCtx {
        s,
        method,
        board: &name,
        timing: FrontTiming::of_board(&s.board),
    };
    let batch = usize::from(sess.identity().result_capacity).max(1);
    for chunk in targets.chunks(batch) {
        let mut starts = Vec::with_capacity(chunk.len());
        for t in chunk {
            starts.push(
                sess.read_cell(t.job.row, t.job.col, START_READS_LOG2)
                    .map_err(link)?,
            );
        }
        if method == Method::HostAdaptiveWv {
            let a = amplitudes(s);
            let h = HostWv {
                reads_log2: method.reads_log2(),
                max_attempts: s.max_attempts,
                start_cycles: s.adaptive_start_cycles,
                dac: [a.levels[0][0], a.levels[1][0]],
                min_cycles: s.board.min_pulse_cycles,
                max_cycles: s.board.max_pulse_cycles,
                timing: ctx.timing,
                latency_timer_us: s.latency_timer_us,
            };
            for (t, &start) in chunk.iter().zip(&starts) {
                let c = h
                    .program(sess, t.job.row, t.job.col, t.job.target, t.job.tolerance)
                    .map_err(link)?;
                let row = ctx.row(
                    t,
                    start,
                    c.outcome,
                    c.final_code,
                    c.pulses,
                    c.reads,
                    c.pulse_cycles,
                    c.board_cycles,
                    c.link_us,
                    f64::NAN,
                );
                on_row(row)?;
            }
            continue;
        }
        let jobs: Vec<Job> = chunk.iter().map(|t| t.job).collect();
        let mut i = 0usize;
        let mut failure: Option<HostError> = None;
        let done = sess.program(&jobs, |r| {
            let j = &jobs[i];
            if (r.row, r.col, r.target) != (j.row, j.col, j.target) {
                return Err(LinkError(format!(
                    "the board's record {i} is for cell ({}, {}), the job for ({}, {}): the \
                     board lost or reordered a job",
                    r.row, r.col, j.row, j.col
                )));
            }
            let row = ctx.of_record(&chunk[i], starts[i], &r, f64::NAN);
            i += 1;
            on_row(row).map_err(|e| {
                let m = LinkError(e.to_string());
                failure = Some(e);
                m
            })
        });
        if let Some(e) = failure {
            return Err(e);
        }
        done.map_err(link)?;
    }
    Ok(())
}

fn index_of(s: &BenchSettings, j: &Job) -> usize {
    usize::from(j.row) * s.board.mux.cols as usize + usize::from(j.col)
}

/// The reading before programming, as READ_CELL takes it.
fn start_read(fe: &mut SimFrontend, j: &Job) -> u16 {
    fe.select(j.row, j.col);
    fe.read(START_READS_LOG2).0
}

fn plan(s: &BenchSettings) -> CellPlan<'_> {
    CellPlan {
        device: &s.device,
        board: &s.board,
        seed: s.seed,
        age_pulses: s.age_pulses,
        tolerance: s.tolerance,
        target_range_us: s.target_range_us,
    }
}

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
fn trajectories(s: &BenchSettings, method: Method) -> Result<Vec<Trajectory>, HostError> {
    if s.trajectories == 0 || method == Method::HostAdaptiveWv {
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
        notes.push(
            "probe-neural and probe-neural-loop left out: no history-aware predictor (give \
             --history)"
                .to_string(),
        );
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
