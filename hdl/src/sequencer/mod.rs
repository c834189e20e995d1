//! The pulse sequencer: per cell, select -> read -> decide -> (predict) -> pulse -> read ... ->
//! report, as `ouro_board::sequencer` describes and models cycle for cycle (`docs/HDL.md`,
//! "Sequencer"). Its front-end operations (select, read, pulse) and the predictor engine are
//! handshakes: the sequencer raises a one-cycle `start` and waits for the one-cycle `done`.

mod core;
mod regs;
mod scale;

pub use self::core::SequencerCore;
pub use regs::{id, SeqRegs};
pub use scale::{Scale, GAIN_ONE};

use crate::engine::c;
use rust_hdl::prelude::*;

/// The sequencer's states.
#[derive(Copy, Clone, Debug, PartialEq, Eq, LogicState)]
pub enum SeqState {
    /// Waiting for a job.
    Idle,
    /// Waiting for the cell select.
    Select,
    /// Waiting for a read.
    Read,
    /// Tolerance, attempt limit, the next pulse.
    Decide,
    /// Writing the engine's second input word.
    Predict1,
    /// Starting the engine.
    PredictGo,
    /// Waiting for the prediction.
    PredictWait,
    /// Waiting for the pulse.
    Pulse,
    /// Writing the record.
    Report,
}

/// Mode values (the `MODE` register).
pub mod mode {
    /// Neural closed loop.
    pub const NEURAL_LOOP: u64 = 0;
    /// Neural one shot.
    pub const NEURAL_ONE_SHOT: u64 = 1;
    /// Fixed write and verify.
    pub const FIXED_WV: u64 = 4;
    /// Adaptive write and verify.
    pub const ADAPTIVE_WV: u64 = 5;
}

/// The sequencer. Jobs come in on `job_*` (taken in a cycle where `job_valid` and `job_ready`
/// are high); records leave on `res_*` (valid in the one cycle `res_valid` is high).
#[derive(LogicBlock)]
pub struct Sequencer {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Settings write (see [`SeqRegs`]).
    pub cfg_we: Signal<In, bool>,
    /// Settings register id.
    pub cfg_addr: Signal<In, Bits<8>>,
    /// Settings value.
    pub cfg_data: Signal<In, Bits<24>>,
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
    /// The sequencer takes a job in this cycle if one is offered (it is idle).
    pub job_ready: Signal<Out, bool>,
    /// Select the cell (one cycle).
    pub sel_start: Signal<Out, bool>,
    /// Row to select.
    pub sel_row: Signal<Out, Bits<8>>,
    /// Column to select.
    pub sel_col: Signal<Out, Bits<8>>,
    /// The cell is selected.
    pub sel_done: Signal<In, bool>,
    /// Read the cell (one cycle).
    pub rd_start: Signal<Out, bool>,
    /// log2 of the conversions to average.
    pub rd_reads_log2: Signal<Out, Bits<3>>,
    /// The read is done.
    pub rd_done: Signal<In, bool>,
    /// The averaged code (with `rd_done`).
    pub rd_code: Signal<In, Bits<16>>,
    /// Pulse (one cycle).
    pub pu_start: Signal<Out, bool>,
    /// Polarity: false SET, true RESET.
    pub pu_polarity: Signal<Out, bool>,
    /// DAC code.
    pub pu_dac: Signal<Out, Bits<16>>,
    /// Duration, cycles.
    pub pu_cycles: Signal<Out, Bits<24>>,
    /// The pulse is done (or refused).
    pub pu_done: Signal<In, bool>,
    /// The interlock refused it (with `pu_done`).
    pub pu_refused: Signal<In, bool>,
    /// Why (with `pu_done`): 1 duration above, 2 below, 3 amplitude.
    pub pu_reason: Signal<In, Bits<2>>,
    /// Engine input write.
    pub eng_in_we: Signal<Out, bool>,
    /// Engine input index.
    pub eng_in_addr: Signal<Out, Bits<6>>,
    /// Engine input word.
    pub eng_in_data: Signal<Out, Bits<16>>,
    /// Start the engine.
    pub eng_start: Signal<Out, bool>,
    /// The engine's network: false SET, true RESET.
    pub eng_polarity: Signal<Out, bool>,
    /// The engine's prediction is ready.
    pub eng_done: Signal<In, bool>,
    /// The engine's (clamped) duration.
    pub eng_cycles: Signal<In, Bits<24>>,
    /// A record is on `res_*` in this cycle.
    pub res_valid: Signal<Out, bool>,
    /// Row.
    pub res_row: Signal<Out, Bits<8>>,
    /// Column.
    pub res_col: Signal<Out, Bits<8>>,
    /// Target.
    pub res_target: Signal<Out, Bits<16>>,
    /// Last reading.
    pub res_final: Signal<Out, Bits<16>>,
    /// 0 in tolerance, 1 attempt limit, 2 refused.
    pub res_outcome: Signal<Out, Bits<2>>,
    /// The refusal's reason (0 when not refused).
    pub res_reason: Signal<Out, Bits<2>>,
    /// Pulses applied.
    pub res_pulses: Signal<Out, Bits<16>>,
    /// Their total duration, cycles (saturating).
    pub res_pulse_cycles: Signal<Out, Bits<32>>,
    /// Cycles from accept to report, both included (saturating).
    pub res_total: Signal<Out, Bits<32>>,
    /// Reads made.
    pub res_reads: Signal<Out, Bits<16>>,
    /// Not idle.
    pub busy: Signal<Out, bool>,
    regs: SeqRegs,
    scale: Scale,
    m_loop: Constant<Bits<3>>,
    m_one: Constant<Bits<3>>,
    m_adapt: Constant<Bits<3>>,
    one16: Constant<Bits<16>>,
    one32: Constant<Bits<32>>,
    all32: Constant<Bits<32>>,
    zero16: Constant<Bits<16>>,
    zero32: Constant<Bits<32>>,
    gain_one: Constant<Bits<4>>,
    gain_min: Constant<Bits<4>>,
    gain_max: Constant<Bits<4>>,
    gain_step: Constant<Bits<4>>,
    in0: Constant<Bits<6>>,
    in1: Constant<Bits<6>>,
    out_ok: Constant<Bits<2>>,
    out_limit: Constant<Bits<2>>,
    out_refused: Constant<Bits<2>>,
    zero2: Constant<Bits<2>>,
    state: DFF<SeqState>,
    row: DFF<Bits<8>>,
    col: DFF<Bits<8>>,
    target: DFF<Bits<16>>,
    tol: DFF<Bits<16>>,
    code: DFF<Bits<16>>,
    pulses: DFF<Bits<16>>,
    pulse_cycles: DFF<Bits<32>>,
    total: DFF<Bits<32>>,
    reads: DFF<Bits<16>>,
    dur: DFF<Bits<24>>,
    pol: DFF<bool>,
    last_pol: DFF<bool>,
    last_err: DFF<Bits<16>>,
    gain: DFF<Bits<4>>,
    outcome: DFF<Bits<2>>,
    reason: DFF<Bits<2>>,
    sel_start_r: DFF<bool>,
    rd_start_r: DFF<bool>,
    pu_start_r: DFF<bool>,
    pu_pol_r: DFF<bool>,
    pu_dac_r: DFF<Bits<16>>,
    pu_cycles_r: DFF<Bits<24>>,
    in_we_r: DFF<bool>,
    in_addr_r: DFF<Bits<6>>,
    in_data_r: DFF<Bits<16>>,
    eng_start_r: DFF<bool>,
    err: Signal<Local, Bits<16>>,
    within_tol: Signal<Local, bool>,
    pol_now: Signal<Local, bool>,
    attempts: Signal<Local, Bits<16>>,
    limit_hit: Signal<Local, bool>,
    neural: Signal<Local, bool>,
    more: Signal<Local, bool>,
    gain_next: Signal<Local, Bits<4>>,
    dur_next: Signal<Local, Bits<24>>,
    sum32: Signal<Local, Bits<32>>,
    fixed_dac: Signal<Local, Bits<16>>,
    fine_dac: Signal<Local, Bits<16>>,
    level0_dac: Signal<Local, Bits<16>>,
}

impl Sequencer {
    /// The sequencer of an engine whose synthesized duration limits are `syn_min..=syn_max`
    /// cycles and whose input offsets are `offsets` at power-up.
    pub fn new(syn_min: u32, syn_max: u32, offsets: [u16; 2]) -> Self {
        Self {
            clock: Default::default(),
            cfg_we: Default::default(),
            cfg_addr: Default::default(),
            cfg_data: Default::default(),
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
            eng_in_we: Default::default(),
            eng_in_addr: Default::default(),
            eng_in_data: Default::default(),
            eng_start: Default::default(),
            eng_polarity: Default::default(),
            eng_done: Default::default(),
            eng_cycles: Default::default(),
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
            regs: SeqRegs::new(syn_min, syn_max, offsets),
            scale: Scale::new(),
            m_loop: c(mode::NEURAL_LOOP),
            m_one: c(mode::NEURAL_ONE_SHOT),
            m_adapt: c(mode::ADAPTIVE_WV),
            one16: c(1),
            one32: c(1),
            all32: c(0xFFFF_FFFF),
            zero16: c(0),
            zero32: c(0),
            gain_one: c(GAIN_ONE),
            gain_min: c(0),
            gain_max: c(11),
            gain_step: c(1),
            in0: c(0),
            in1: c(1),
            out_ok: c(0),
            out_limit: c(1),
            out_refused: c(2),
            zero2: c(0),
            state: Default::default(),
            row: Default::default(),
            col: Default::default(),
            target: Default::default(),
            tol: Default::default(),
            code: Default::default(),
            pulses: Default::default(),
            pulse_cycles: Default::default(),
            total: Default::default(),
            reads: Default::default(),
            dur: Default::default(),
            pol: Default::default(),
            last_pol: Default::default(),
            last_err: Default::default(),
            gain: Default::default(),
            outcome: Default::default(),
            reason: Default::default(),
            sel_start_r: Default::default(),
            rd_start_r: Default::default(),
            pu_start_r: Default::default(),
            pu_pol_r: Default::default(),
            pu_dac_r: Default::default(),
            pu_cycles_r: Default::default(),
            in_we_r: Default::default(),
            in_addr_r: Default::default(),
            in_data_r: Default::default(),
            eng_start_r: Default::default(),
            err: Default::default(),
            within_tol: Default::default(),
            pol_now: Default::default(),
            attempts: Default::default(),
            limit_hit: Default::default(),
            neural: Default::default(),
            more: Default::default(),
            gain_next: Default::default(),
            dur_next: Default::default(),
            sum32: Default::default(),
            fixed_dac: Default::default(),
            fine_dac: Default::default(),
            level0_dac: Default::default(),
        }
    }
}

impl std::fmt::Debug for Sequencer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sequencer")
    }
}

impl Logic for Sequencer {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            state,
            row,
            col,
            target,
            tol,
            code,
            pulses,
            pulse_cycles,
            total,
            reads,
            dur,
            pol,
            last_pol,
            last_err,
            gain,
            outcome,
            reason,
            sel_start_r,
            rd_start_r,
            pu_start_r,
            pu_pol_r,
            pu_dac_r,
            pu_cycles_r,
            in_we_r,
            in_addr_r,
            in_data_r,
            eng_start_r
        );
        clock!(self, clock, regs);
        self.regs.we.next = self.cfg_we.val();
        self.regs.addr.next = self.cfg_addr.val();
        self.regs.data.next = self.cfg_data.val();
        // One-cycle strobes.
        self.sel_start_r.d.next = false;
        self.rd_start_r.d.next = false;
        self.pu_start_r.d.next = false;
        self.in_we_r.d.next = false;
        self.eng_start_r.d.next = false;
        // The decision's inputs.
        self.err.next = self.code.q.val() - self.target.q.val();
        if self.target.q.val() > self.code.q.val() {
            self.err.next = self.target.q.val() - self.code.q.val();
        }
        self.within_tol.next = self.err.val() <= self.tol.q.val();
        self.pol_now.next = self.code.q.val() > self.target.q.val();
        self.attempts.next = self.regs.max_attempts.val();
        if self.regs.mode.val() == self.m_one.val() {
            self.attempts.next = self.one16.val();
        }
        self.limit_hit.next = self.pulses.q.val() >= self.attempts.val();
        self.neural.next = (self.regs.mode.val() == self.m_loop.val())
            | (self.regs.mode.val() == self.m_one.val());
        // 2 err > last_err, i.e. err > floor(last_err / 2).
        self.more.next = self.err.val() > (self.last_err.q.val() >> 1);
        self.gain_next.next = self.gain.q.val();
        if self.pol_now.val() != self.last_pol.q.val() {
            if self.gain.q.val() != self.gain_min.val() {
                self.gain_next.next = self.gain.q.val() - self.gain_step.val();
            }
        } else if self.more.val() & (self.gain.q.val() != self.gain_max.val()) {
            self.gain_next.next = self.gain.q.val() + self.gain_step.val();
        }
        // Adaptive write and verify: the first duration, doubled, or halved.
        self.dur_next.next = self.regs.adaptive_start.val();
        if self.regs.adaptive_start.val() < self.regs.eff_min.val() {
            self.dur_next.next = self.regs.eff_min.val();
        }
        if self.regs.adaptive_start.val() > self.regs.eff_max.val() {
            self.dur_next.next = self.regs.eff_max.val();
        }
        if self.pulses.q.val() != self.zero16.val() {
            if self.pol_now.val() == self.last_pol.q.val() {
                // min(2 dur, max): 2 dur > max iff dur > floor(max / 2), and then no overflow.
                self.dur_next.next = self.dur.q.val() << 1;
                if self.dur.q.val() > (self.regs.eff_max.val() >> 1) {
                    self.dur_next.next = self.regs.eff_max.val();
                }
            } else {
                self.dur_next.next = self.dur.q.val() >> 1;
                if (self.dur.q.val() >> 1) < self.regs.eff_min.val() {
                    self.dur_next.next = self.regs.eff_min.val();
                }
            }
        }
        self.fixed_dac.next = self.regs.fixed_dac_set.val();
        self.fine_dac.next = self.regs.fine_dac_set.val();
        self.level0_dac.next = self.regs.level0_set.val();
        if self.pol.q.val() {
            self.fine_dac.next = self.regs.fine_dac_reset.val();
            self.level0_dac.next = self.regs.level0_reset.val();
        }
        if self.pol_now.val() {
            self.fixed_dac.next = self.regs.fixed_dac_reset.val();
        }
        // The gain and the limits applied to the engine's duration.
        self.scale.cycles.next = self.eng_cycles.val();
        self.scale.gain.next = self.gain.q.val();
        self.scale.min.next = self.regs.eff_min.val();
        self.scale.max.next = self.regs.eff_max.val();
        // Counters.
        if (self.state.q.val() != SeqState::Idle) & (self.total.q.val() != self.all32.val()) {
            self.total.d.next = self.total.q.val() + self.one32.val();
        }
        self.sum32.next = self.pulse_cycles.q.val() + bit_cast::<32, 24>(self.pu_cycles_r.q.val());
        match self.state.q.val() {
            SeqState::Idle => {
                if self.job_valid.val() {
                    self.row.d.next = self.job_row.val();
                    self.col.d.next = self.job_col.val();
                    self.target.d.next = self.job_target.val();
                    self.tol.d.next = self.job_tol.val();
                    self.pulses.d.next = self.zero16.val();
                    self.pulse_cycles.d.next = self.zero32.val();
                    self.total.d.next = self.one32.val();
                    self.reads.d.next = self.zero16.val();
                    self.gain.d.next = self.gain_one.val();
                    self.reason.d.next = self.zero2.val();
                    self.sel_start_r.d.next = true;
                    self.state.d.next = SeqState::Select;
                }
            }
            SeqState::Select => {
                if self.sel_done.val() {
                    self.rd_start_r.d.next = true;
                    self.state.d.next = SeqState::Read;
                }
            }
            SeqState::Read => {
                if self.rd_done.val() {
                    self.code.d.next = self.rd_code.val();
                    self.reads.d.next = self.reads.q.val() + self.one16.val();
                    self.state.d.next = SeqState::Decide;
                }
            }
            SeqState::Decide => {
                if self.within_tol.val() {
                    self.outcome.d.next = self.out_ok.val();
                    self.state.d.next = SeqState::Report;
                } else if self.limit_hit.val() {
                    self.outcome.d.next = self.out_limit.val();
                    self.state.d.next = SeqState::Report;
                } else if self.neural.val() {
                    self.pol.d.next = self.pol_now.val();
                    if self.pulses.q.val() != self.zero16.val() {
                        self.gain.d.next = self.gain_next.val();
                    }
                    self.last_pol.d.next = self.pol_now.val();
                    self.last_err.d.next = self.err.val();
                    self.in_we_r.d.next = true;
                    self.in_addr_r.d.next = self.in0.val();
                    self.in_data_r.d.next = self.code.q.val() - self.regs.offset0.val();
                    self.state.d.next = SeqState::Predict1;
                } else {
                    self.pol.d.next = self.pol_now.val();
                    self.pu_pol_r.d.next = self.pol_now.val();
                    self.pu_dac_r.d.next = self.fixed_dac.val();
                    self.pu_cycles_r.d.next = self.regs.fixed_cycles.val();
                    if self.regs.mode.val() == self.m_adapt.val() {
                        self.dur.d.next = self.dur_next.val();
                        self.last_pol.d.next = self.pol_now.val();
                        self.pu_cycles_r.d.next = self.dur_next.val();
                    }
                    self.pu_start_r.d.next = true;
                    self.state.d.next = SeqState::Pulse;
                }
            }
            SeqState::Predict1 => {
                self.in_we_r.d.next = true;
                self.in_addr_r.d.next = self.in1.val();
                self.in_data_r.d.next = self.target.q.val() - self.regs.offset1.val();
                self.state.d.next = SeqState::PredictGo;
            }
            SeqState::PredictGo => {
                self.eng_start_r.d.next = true;
                self.state.d.next = SeqState::PredictWait;
            }
            SeqState::PredictWait => {
                if self.eng_done.val() {
                    self.pu_pol_r.d.next = self.pol.q.val();
                    self.pu_cycles_r.d.next = self.scale.out.val();
                    self.pu_dac_r.d.next = self.level0_dac.val();
                    if self.scale.out.val() <= self.regs.fine_below.val() {
                        self.pu_dac_r.d.next = self.fine_dac.val();
                    }
                    self.pu_start_r.d.next = true;
                    self.state.d.next = SeqState::Pulse;
                }
            }
            SeqState::Pulse => {
                if self.pu_done.val() {
                    if self.pu_refused.val() {
                        self.outcome.d.next = self.out_refused.val();
                        self.reason.d.next = self.pu_reason.val();
                        self.state.d.next = SeqState::Report;
                    } else {
                        self.pulses.d.next = self.pulses.q.val() + self.one16.val();
                        // Saturating: the sum wrapped iff it is below the old total.
                        self.pulse_cycles.d.next = self.sum32.val();
                        if self.sum32.val() < self.pulse_cycles.q.val() {
                            self.pulse_cycles.d.next = self.all32.val();
                        }
                        self.rd_start_r.d.next = true;
                        self.state.d.next = SeqState::Read;
                    }
                }
            }
            SeqState::Report => {
                self.state.d.next = SeqState::Idle;
            }
            _ => {
                self.state.d.next = SeqState::Idle;
            }
        }
        // Outputs.
        self.job_ready.next = self.state.q.val() == SeqState::Idle;
        self.busy.next = self.state.q.val() != SeqState::Idle;
        self.sel_start.next = self.sel_start_r.q.val();
        self.sel_row.next = self.row.q.val();
        self.sel_col.next = self.col.q.val();
        self.rd_start.next = self.rd_start_r.q.val();
        self.rd_reads_log2.next = self.regs.reads_log2.val();
        self.pu_start.next = self.pu_start_r.q.val();
        self.pu_polarity.next = self.pu_pol_r.q.val();
        self.pu_dac.next = self.pu_dac_r.q.val();
        self.pu_cycles.next = self.pu_cycles_r.q.val();
        self.eng_in_we.next = self.in_we_r.q.val();
        self.eng_in_addr.next = self.in_addr_r.q.val();
        self.eng_in_data.next = self.in_data_r.q.val();
        self.eng_start.next = self.eng_start_r.q.val();
        self.eng_polarity.next = self.pol.q.val();
        self.res_valid.next = self.state.q.val() == SeqState::Report;
        self.res_row.next = self.row.q.val();
        self.res_col.next = self.col.q.val();
        self.res_target.next = self.target.q.val();
        self.res_final.next = self.code.q.val();
        self.res_outcome.next = self.outcome.q.val();
        self.res_reason.next = self.reason.q.val();
        self.res_pulses.next = self.pulses.q.val();
        self.res_pulse_cycles.next = self.pulse_cycles.q.val();
        self.res_total.next = self.total.q.val() + self.one32.val();
        if self.total.q.val() == self.all32.val() {
            self.res_total.next = self.all32.val();
        }
        self.res_reads.next = self.reads.q.val();
    }
}
