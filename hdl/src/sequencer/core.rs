//! The sequencer with its predictor engine: what the board top puts between the command decoder
//! and the front end.

use super::build::SeqBuild;
use super::Sequencer;
use crate::engine::PredictorEngine;
use ouro_core::schema::QPredictor;
use rust_hdl::prelude::*;

/// [`Sequencer`] wired to a [`PredictorEngine`] (one weight set, or the two of
/// probe-then-predict). The sequencer's settings, job and record ports, its front-end
/// handshakes and its table-memory read port are this block's; the engine's load port is too
/// (weights are loaded through it while the engine is idle). The engine clamps to the
/// sequencer's effective limits (`RT_MIN_CYCLES`/`RT_MAX_CYCLES` through `cfg_*`): its own
/// run-time limit registers are not built, and limit writes on the load port are ignored.
/// Both builds have the same ports.
#[derive(LogicBlock)]
pub struct SequencerCore {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Settings write.
    pub cfg_we: Signal<In, bool>,
    /// Settings register id.
    pub cfg_addr: Signal<In, Bits<8>>,
    /// Settings value.
    pub cfg_data: Signal<In, Bits<24>>,
    /// Engine load port: write.
    pub ld_we: Signal<In, bool>,
    /// Engine load port: address.
    pub ld_addr: Signal<In, Bits<20>>,
    /// Engine load port: data.
    pub ld_data: Signal<In, Bits<32>>,
    /// A job is offered.
    pub job_valid: Signal<In, bool>,
    /// Its row.
    pub job_row: Signal<In, Bits<8>>,
    /// Its column.
    pub job_col: Signal<In, Bits<8>>,
    /// Its target code.
    pub job_target: Signal<In, Bits<16>>,
    /// Its tolerance, codes.
    pub job_tol: Signal<In, Bits<16>>,
    /// The job is taken in this cycle if offered.
    pub job_ready: Signal<Out, bool>,
    /// Select (one cycle).
    pub sel_start: Signal<Out, bool>,
    /// Row.
    pub sel_row: Signal<Out, Bits<8>>,
    /// Column.
    pub sel_col: Signal<Out, Bits<8>>,
    /// Selected.
    pub sel_done: Signal<In, bool>,
    /// Read (one cycle).
    pub rd_start: Signal<Out, bool>,
    /// log2 of the conversions.
    pub rd_reads_log2: Signal<Out, Bits<3>>,
    /// Read done.
    pub rd_done: Signal<In, bool>,
    /// Averaged code.
    pub rd_code: Signal<In, Bits<16>>,
    /// Pulse (one cycle).
    pub pu_start: Signal<Out, bool>,
    /// Polarity.
    pub pu_polarity: Signal<Out, bool>,
    /// DAC code.
    pub pu_dac: Signal<Out, Bits<16>>,
    /// Duration.
    pub pu_cycles: Signal<Out, Bits<24>>,
    /// Pulse done or refused.
    pub pu_done: Signal<In, bool>,
    /// Refused.
    pub pu_refused: Signal<In, bool>,
    /// Refusal reason.
    pub pu_reason: Signal<In, Bits<2>>,
    /// Table memory read (one cycle); the sequencer owns the port whenever it is busy.
    pub tb_rd: Signal<Out, bool>,
    /// Table memory word address.
    pub tb_addr: Signal<Out, Bits<14>>,
    /// Table memory bank (the second only in a two-set build with history input tables).
    pub tb_bank: Signal<Out, bool>,
    /// The word at the address of the last read, from the cycle after it until the next read.
    pub tb_data: Signal<In, Bits<16>>,
    /// Record valid.
    pub res_valid: Signal<Out, bool>,
    /// Row.
    pub res_row: Signal<Out, Bits<8>>,
    /// Column.
    pub res_col: Signal<Out, Bits<8>>,
    /// Target.
    pub res_target: Signal<Out, Bits<16>>,
    /// Last reading.
    pub res_final: Signal<Out, Bits<16>>,
    /// Outcome.
    pub res_outcome: Signal<Out, Bits<2>>,
    /// Refusal reason.
    pub res_reason: Signal<Out, Bits<2>>,
    /// Pulses.
    pub res_pulses: Signal<Out, Bits<16>>,
    /// Pulse cycles.
    pub res_pulse_cycles: Signal<Out, Bits<32>>,
    /// Total cycles.
    pub res_total: Signal<Out, Bits<32>>,
    /// Reads.
    pub res_reads: Signal<Out, Bits<16>>,
    /// Not idle.
    pub busy: Signal<Out, bool>,
    /// The engine is predicting.
    pub eng_busy: Signal<Out, bool>,
    /// The engine's last result: its polarity.
    pub eng_polarity: Signal<Out, bool>,
    /// The engine's last result: log2 of the duration, Q6.10.
    pub eng_log2: Signal<Out, Bits<16>>,
    /// The engine's last result: the clamp raised the duration.
    pub eng_clamp_low: Signal<Out, bool>,
    /// The engine's last result: the clamp lowered the duration.
    pub eng_clamp_high: Signal<Out, bool>,
    seq: Sequencer,
    engine: PredictorEngine,
}

impl SequencerCore {
    /// The sequencer and a one-set engine for `q` with `lanes` lanes: a blind predictor, with
    /// or without input tables ([`super::build::check_one_set`]); it runs
    /// [`super::build::modes::ONE_SET`]. The sequencer's synthesized limits and power-up input
    /// offsets are `q`'s.
    ///
    /// # Errors
    /// As [`PredictorEngine::new`] and [`super::build::check_one_set`].
    pub fn new(q: &QPredictor, lanes: usize) -> Result<Self, crate::HdlError> {
        let b = SeqBuild::one_set(q)?;
        Ok(Self::with(
            &b,
            PredictorEngine::new(q, lanes)?.limits_from_outside(),
        ))
    }

    /// The sequencer and the two-set engine of probe-then-predict with `lanes` lanes: `sets[0]`
    /// the blind predictor embedded into the history-aware one's inputs
    /// (`ouro_nn::embed::embed`), `sets[1]` the history-aware predictor
    /// ([`super::build::check_two_sets`]); it runs every mode ([`super::build::modes::TWO_SETS`]).
    ///
    /// # Errors
    /// As [`PredictorEngine::with_sets`] and [`super::build::check_two_sets`].
    pub fn two_sets(sets: [&QPredictor; 2], lanes: usize) -> Result<Self, crate::HdlError> {
        let b = SeqBuild::two_sets(sets)?;
        Ok(Self::with(
            &b,
            PredictorEngine::with_sets(&sets, lanes)?.limits_from_outside(),
        ))
    }

    /// The `MODE` values this build runs, as a mask (bit `m` for mode `m`; the gateware ignores
    /// a write of another, and the command decoder refuses it).
    pub fn modes(&self) -> u8 {
        self.seq.modes()
    }

    fn with(b: &SeqBuild, engine: PredictorEngine) -> Self {
        Self {
            clock: Default::default(),
            cfg_we: Default::default(),
            cfg_addr: Default::default(),
            cfg_data: Default::default(),
            ld_we: Default::default(),
            ld_addr: Default::default(),
            ld_data: Default::default(),
            job_valid: Default::default(),
            job_row: Default::default(),
            job_col: Default::default(),
            job_target: Default::default(),
            job_tol: Default::default(),
            job_ready: Default::default(),
            sel_start: Default::default(),
            sel_row: Default::default(),
            sel_col: Default::default(),
            sel_done: Default::default(),
            rd_start: Default::default(),
            rd_reads_log2: Default::default(),
            rd_done: Default::default(),
            rd_code: Default::default(),
            pu_start: Default::default(),
            pu_polarity: Default::default(),
            pu_dac: Default::default(),
            pu_cycles: Default::default(),
            pu_done: Default::default(),
            pu_refused: Default::default(),
            pu_reason: Default::default(),
            tb_rd: Default::default(),
            tb_addr: Default::default(),
            tb_bank: Default::default(),
            tb_data: Default::default(),
            res_valid: Default::default(),
            res_row: Default::default(),
            res_col: Default::default(),
            res_target: Default::default(),
            res_final: Default::default(),
            res_outcome: Default::default(),
            res_reason: Default::default(),
            res_pulses: Default::default(),
            res_pulse_cycles: Default::default(),
            res_total: Default::default(),
            res_reads: Default::default(),
            busy: Default::default(),
            eng_busy: Default::default(),
            eng_polarity: Default::default(),
            eng_log2: Default::default(),
            eng_clamp_low: Default::default(),
            eng_clamp_high: Default::default(),
            seq: Sequencer::new(b),
            engine,
        }
    }
}

impl std::fmt::Debug for SequencerCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SequencerCore")
    }
}

impl Logic for SequencerCore {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, seq, engine);
        self.seq.cfg_we.next = self.cfg_we.val();
        self.seq.cfg_addr.next = self.cfg_addr.val();
        self.seq.cfg_data.next = self.cfg_data.val();
        self.seq.job_valid.next = self.job_valid.val();
        self.seq.job_row.next = self.job_row.val();
        self.seq.job_col.next = self.job_col.val();
        self.seq.job_target.next = self.job_target.val();
        self.seq.job_tol.next = self.job_tol.val();
        self.job_ready.next = self.seq.job_ready.val();
        self.sel_start.next = self.seq.sel_start.val();
        self.sel_row.next = self.seq.sel_row.val();
        self.sel_col.next = self.seq.sel_col.val();
        self.seq.sel_done.next = self.sel_done.val();
        self.rd_start.next = self.seq.rd_start.val();
        self.rd_reads_log2.next = self.seq.rd_reads_log2.val();
        self.seq.rd_done.next = self.rd_done.val();
        self.seq.rd_code.next = self.rd_code.val();
        self.pu_start.next = self.seq.pu_start.val();
        self.pu_polarity.next = self.seq.pu_polarity.val();
        self.pu_dac.next = self.seq.pu_dac.val();
        self.pu_cycles.next = self.seq.pu_cycles.val();
        self.seq.pu_done.next = self.pu_done.val();
        self.seq.pu_refused.next = self.pu_refused.val();
        self.seq.pu_reason.next = self.pu_reason.val();
        self.tb_rd.next = self.seq.tb_rd.val();
        self.tb_addr.next = self.seq.tb_addr.val();
        self.tb_bank.next = self.seq.tb_bank.val();
        self.seq.tb_data.next = self.tb_data.val();
        self.engine.in_we.next = self.seq.eng_in_we.val();
        self.engine.in_addr.next = self.seq.eng_in_addr.val();
        self.engine.in_data.next = self.seq.eng_in_data.val();
        self.engine.start.next = self.seq.eng_start.val();
        self.engine.polarity.next = self.seq.eng_polarity.val();
        for s in 0..self.engine.set.len() {
            self.engine.set[s].next = self.seq.eng_set[s].val();
        }
        self.engine.ld_we.next = self.ld_we.val();
        self.engine.ld_addr.next = self.ld_addr.val();
        self.engine.ld_data.next = self.ld_data.val();
        self.engine.ext_min.next = self.seq.eng_min.val();
        self.engine.ext_max.next = self.seq.eng_max.val();
        self.seq.eng_done.next = self.engine.done.val();
        self.seq.eng_cycles.next = self.engine.cycles.val();
        self.seq.eng_log2.next = self.engine.log2_cycles.val();
        self.res_valid.next = self.seq.res_valid.val();
        self.res_row.next = self.seq.res_row.val();
        self.res_col.next = self.seq.res_col.val();
        self.res_target.next = self.seq.res_target.val();
        self.res_final.next = self.seq.res_final.val();
        self.res_outcome.next = self.seq.res_outcome.val();
        self.res_reason.next = self.seq.res_reason.val();
        self.res_pulses.next = self.seq.res_pulses.val();
        self.res_pulse_cycles.next = self.seq.res_pulse_cycles.val();
        self.res_total.next = self.seq.res_total.val();
        self.res_reads.next = self.seq.res_reads.val();
        self.busy.next = self.seq.busy.val();
        self.eng_busy.next = self.engine.busy.val();
        self.eng_polarity.next = self.engine.out_polarity.val();
        self.eng_log2.next = self.engine.log2_cycles.val();
        self.eng_clamp_low.next = self.engine.clamp_low.val();
        self.eng_clamp_high.next = self.engine.clamp_high.val();
    }
}
