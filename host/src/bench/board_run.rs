//! The board's methods on a board: configuring it for a method and the run's predictor,
//! programming cells over the link and turning the board's records into [`CellRow`]s.

use super::cells::Target;
use super::host_wv::HostWv;
use super::reference::Amplitudes;
use super::{BenchSettings, BoardKind, Method, Runs};
use crate::board::{Board, LinkError, ModelBoard, Session, SimBoard};
use crate::report::{CellOutcome, CellRow};
use crate::HostError;
use ouro_board::frontend::FrontTiming;
use ouro_board::sequencer::Outcome;
use ouro_board::{BoardModel, Job, Record, SimFrontend};
use ouro_core::protocol::{Mode, Register};
use ouro_core::schema::QPredictor;
use ouro_sim::device::Cell;

/// Reads averaged into the reading before programming (2^4 = 16).
pub(super) const START_READS_LOG2: u8 = 4;

pub(super) fn link(e: LinkError) -> HostError {
    HostError::Setting(e.0)
}

/// The ladder (the history-aware predictor's, else the device's four levels), fine step and DAC
/// codes of a run.
pub(super) fn amplitudes(s: &BenchSettings) -> Amplitudes {
    let levels = s
        .history
        .as_ref()
        .and_then(|h| h.levels.clone())
        .unwrap_or_else(|| s.device.amplitude_levels(ouro_sim::device::DEFAULT_LEVELS));
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
pub(super) fn registers(s: &BenchSettings, method: Method, mode: Mode) -> Vec<(Register, u32)> {
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
        // The neural loop climbs the whole ladder (at most the eight LEVEL_DAC registers).
        (Register::NeuralLevels, a.levels[0].len().clamp(1, 8) as u32),
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
pub(super) fn sim_build(q: &QPredictor) -> (QPredictor, &'static str) {
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
pub(super) enum AnyBoard {
    /// The model.
    Model(Box<ModelBoard>),
    /// The verilated top.
    Sim(Box<SimBoard>),
}

impl AnyBoard {
    pub(super) fn new(
        kind: BoardKind,
        s: &BenchSettings,
        fe: SimFrontend,
    ) -> Result<Self, HostError> {
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

    pub(super) fn board(&mut self) -> &mut dyn Board {
        match self {
            Self::Model(b) => b.as_mut(),
            Self::Sim(b) => b.as_mut(),
        }
    }

    pub(super) fn cells(&self) -> &[Cell] {
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
pub(super) fn load_predictor(sess: &mut Session<'_>, s: &BenchSettings) -> Result<(), HostError> {
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
pub(super) struct RowCtx<'a> {
    pub(super) s: &'a BenchSettings,
    pub(super) method: Method,
    pub(super) board: &'a str,
    pub(super) timing: FrontTiming,
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

    pub(super) fn of_record(&self, t: &Target, start: u16, r: &Record, g_true_us: f64) -> CellRow {
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
