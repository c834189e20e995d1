//! The sequencer's state machine: per cell, select -> read -> decide -> (predict) -> pulse ->
//! read ... -> report, in every mode of its build (`docs/HDL.md`, "Sequencer").

use super::build::SeqBuild;
use super::{Scale, ScaleIn, SeqRegs, SeqState, GAIN_ONE};
use crate::engine::c;
use rust_hdl::prelude::*;

/// The sequencer. Jobs come in on `job_*` (taken in a cycle where `job_valid` and `job_ready`
/// are high); records leave on `res_*` (valid in the one cycle `res_valid` is high). The engine's
/// ports (`eng_*`) go to a predictor engine built for the same [`SeqBuild`] (`eng_set` has one
/// entry with two weight sets, none with one), the table port (`tb_*`) to the table memory.
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
    /// Table memory read (one cycle): the word at `tb_addr` is on `tb_data` from the next
    /// cycle until the next read.
    pub tb_rd: Signal<Out, bool>,
    /// Table memory word address.
    pub tb_addr: Signal<Out, Bits<14>>,
    /// Table memory bank, with `tb_addr`: the second bank, which only a two-set build with
    /// history input tables reads (its input tables).
    pub tb_bank: Signal<Out, bool>,
    /// Table memory word.
    pub tb_data: Signal<In, Bits<16>>,
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
    /// The engine's weight set (two-set builds only): false blind, true history-aware.
    pub eng_set: Vec<Signal<Out, bool>>,
    /// The engine's prediction is ready.
    pub eng_done: Signal<In, bool>,
    /// The engine's (clamped) duration.
    pub eng_cycles: Signal<In, Bits<24>>,
    /// The engine's log2 duration, Q6.10.
    pub eng_log2: Signal<In, Bits<16>>,
    /// The effective duration limits (the settings registers'), for the engine's clamp.
    pub eng_min: Signal<Out, Bits<24>>,
    /// The effective maximum duration.
    pub eng_max: Signal<Out, Bits<24>>,
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
    // The decision's inputs, registered with the reading they belong to.
    err_r: DFF<Bits<16>>,
    pol_r: DFF<bool>,
    err_new: Signal<Local, Bits<16>>,
    code_new: Signal<Local, Bits<16>>,
    // The duration's two register stages: ScaleIn's choice, then Scale's result.
    sc_cyc_r: DFF<Bits<24>>,
    sc_gain_r: DFF<Bits<4>>,
    sout_r: DFF<Bits<24>>,
    // The pulse being issued is write and verify's.
    wv: DFF<bool>,
    scale_in: ScaleIn,
    scale: Scale,
    // Build constants.
    probe: Constant<bool>,
    tables: Constant<bool>,
    htables: Constant<bool>,
    code_mask: Constant<Bits<16>>,
    dur_mask: Constant<Bits<24>>,
    esc_word: Constant<Bits<16>>,
    floor: Constant<Bits<14>>,
    ext_below: Constant<Bits<14>>,
    level_top: Constant<Bits<3>>,
    toff_in0: Constant<Bits<14>>,
    toff_in1: Constant<Bits<14>>,
    toff_reset: Constant<Bits<14>>,
    m_one: Constant<Bits<3>>,
    m_probe_one: Constant<Bits<3>>,
    one16: Constant<Bits<16>>,
    two16: Constant<Bits<16>>,
    three16: Constant<Bits<16>>,
    one32: Constant<Bits<32>>,
    two32: Constant<Bits<32>>,
    all32: Constant<Bits<32>>,
    zero16: Constant<Bits<16>>,
    zero14: Constant<Bits<14>>,
    zero32: Constant<Bits<32>>,
    sign16: Constant<Bits<16>>,
    mask_count: Constant<Bits<16>>,
    mask_reads: Constant<Bits<16>>,
    gain_one: Constant<Bits<4>>,
    gain_min: Constant<Bits<4>>,
    gain_max: Constant<Bits<4>>,
    gain_step: Constant<Bits<4>>,
    one3: Constant<Bits<3>>,
    seven3: Constant<Bits<3>>,
    gain_uncap: Constant<Bits<4>>,
    fixed_addr: Constant<Bits<5>>,
    fixed_addr_reset: Constant<Bits<5>>,
    reset_addr: Constant<Bits<5>>,
    zero3: Constant<Bits<3>>,
    w_one: Constant<Bits<6>>,
    w_two: Constant<Bits<6>>,
    w_three: Constant<Bits<6>>,
    w_four: Constant<Bits<6>>,
    zero6: Constant<Bits<6>>,
    out_ok: Constant<Bits<2>>,
    out_limit: Constant<Bits<2>>,
    out_refused: Constant<Bits<2>>,
    zero2: Constant<Bits<2>>,
    // The job and its progress.
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
    outcome: DFF<Bits<2>>,
    reason: DFF<Bits<2>>,
    // Decisions: the polarity, the loop's gain, the adaptive duration.
    pol: DFF<bool>,
    last_pol: DFF<bool>,
    last_err: DFF<Bits<16>>,
    gain: DFF<Bits<4>>,
    dur: DFF<Bits<24>>,
    // The neural loop's amplitude level per polarity.
    nlv_set: DFF<Bits<3>>,
    nlv_reset: DFF<Bits<3>>,
    // The level each polarity's last overshoot left it at (7: none).
    cap_set: DFF<Bits<3>>,
    cap_reset: DFF<Bits<3>>,
    // Probe-then-predict: the last pulse (the probe, then each predicted one) as the next
    // prediction's history: the reading before it, its polarity, its log2 duration word; and
    // the amplitude level.
    code0: DFF<Bits<16>>,
    probe_pol: DFF<bool>,
    plog2: DFF<Bits<16>>,
    level: DFF<Bits<3>>,
    // The probe was extended (one more pulse allowed in the probe one shot).
    extended: DFF<bool>,
    // The LOG2 table's index (the last pulse's change), held from the decision for the read
    // after the input tables' (the decision replaces `code0` and `probe_pol`).
    ch_r: DFF<Bits<14>>,
    // The engine's input words: the next index and the last.
    widx: DFF<Bits<6>>,
    wlast: DFF<Bits<6>>,
    // Registered outputs.
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
    tb_rd_r: DFF<bool>,
    tb_addr_r: DFF<Bits<14>>,
    tb_bank_r: DFF<bool>,
    // Combinational.
    tgt: Signal<Local, Bits<16>>,
    err: Signal<Local, Bits<16>>,
    within_tol: Signal<Local, bool>,
    pol_now: Signal<Local, bool>,
    attempts: Signal<Local, Bits<16>>,
    limit_hit: Signal<Local, bool>,
    probe_mode: Signal<Local, bool>,
    probe_phase: Signal<Local, bool>,
    ext_go: Signal<Local, bool>,
    hist_phase: Signal<Local, bool>,
    tab: Signal<Local, bool>,
    use_log2: Signal<Local, bool>,
    more: Signal<Local, bool>,
    gain_next: Signal<Local, Bits<4>>,
    nlv_p: Signal<Local, Bits<3>>,
    cap_p: Signal<Local, Bits<3>>,
    under_cap: Signal<Local, bool>,
    cap_set_next: Signal<Local, Bits<3>>,
    cap_reset_next: Signal<Local, Bits<3>>,
    nlv_set_next: Signal<Local, Bits<3>>,
    nlv_reset_next: Signal<Local, Bits<3>>,
    nlv_sel: Signal<Local, Bits<3>>,
    sum32: Signal<Local, Bits<32>>,
    word: Signal<Local, Bits<16>>,
    above: Signal<Local, bool>,
    ch_hi: Signal<Local, Bits<14>>,
    ch_lo: Signal<Local, Bits<14>>,
    along: Signal<Local, Bits<14>>,
    ch_x: Signal<Local, Bits<14>>,
    toff_in: Signal<Local, Bits<14>>,
    toff: Signal<Local, Bits<14>>,
    sout: Signal<Local, Bits<24>>,
    tcode: Signal<Local, Bits<14>>,
    dac_pol: Signal<Local, bool>,
    dac: Signal<Local, Bits<16>>,
    tb_off: Signal<Local, Bits<14>>,
    tb_base: Signal<Local, Bits<14>>,
    bank: Signal<Local, bool>,
}

impl Sequencer {
    /// The sequencer of a build.
    pub fn new(b: &SeqBuild) -> Self {
        let probe = b.probe.unwrap_or(super::build::ProbeConstants {
            k_max: 0,
            escalate_word: 0,
            levels: 1,
            floor_codes: 1,
        });
        let dur_bits = 32 - b.syn_max.max(1).leading_zeros();
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
            tb_rd: Default::default(),
            tb_addr: Default::default(),
            tb_bank: Default::default(),
            tb_data: Default::default(),
            eng_in_we: Default::default(),
            eng_in_addr: Default::default(),
            eng_in_data: Default::default(),
            eng_start: Default::default(),
            eng_polarity: Default::default(),
            eng_set: (0..usize::from(b.probe.is_some()))
                .map(|_| Default::default())
                .collect(),
            eng_done: Default::default(),
            eng_cycles: Default::default(),
            eng_log2: Default::default(),
            eng_min: Default::default(),
            eng_max: Default::default(),
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
            regs: SeqRegs::new(b),
            err_r: Default::default(),
            pol_r: Default::default(),
            err_new: Default::default(),
            code_new: Default::default(),
            sc_cyc_r: Default::default(),
            sc_gain_r: Default::default(),
            sout_r: Default::default(),
            wv: Default::default(),
            scale_in: ScaleIn::new(b),
            scale: Scale::bounded(dur_bits),
            probe: Constant::new(b.probe.is_some()),
            tables: Constant::new(b.tables),
            htables: Constant::new(b.history_tables),
            code_mask: c((1u64 << b.adc_bits) - 1),
            dur_mask: c((1u64 << dur_bits) - 1),
            // Signed words compare as unsigned ones with the sign bit flipped.
            esc_word: c(u64::from(probe.escalate_word as u16 ^ 0x8000)),
            floor: c(u64::from(probe.floor_codes)),
            ext_below: c(u64::from(ouro_core::probe::EXTEND_BELOW_CODES)),
            level_top: c(u64::from(probe.levels - 1)),
            toff_in0: c(0),
            // The input tables' offsets (a build with them has an ADC of at most 12 bits).
            toff_in1: c(if b.tables | b.history_tables {
                1 << b.adc_bits
            } else {
                0
            }),
            toff_reset: c(if b.tables | b.history_tables {
                2 << b.adc_bits
            } else {
                0
            }),
            m_one: c(super::mode::NEURAL_ONE_SHOT),
            m_probe_one: c(super::mode::PROBE_ONE_SHOT),
            one16: c(1),
            two16: c(2),
            three16: c(3),
            one32: c(1),
            two32: c(2),
            all32: c(0xFFFF_FFFF),
            zero16: c(0),
            zero14: c(0),
            zero32: c(0),
            sign16: c(0x8000),
            mask_count: c(0xFF),
            mask_reads: c(0x1FF),
            gain_one: c(GAIN_ONE),
            gain_min: c(0),
            gain_max: c(11),
            gain_step: c(1),
            one3: c(1),
            seven3: c(7),
            gain_uncap: c(GAIN_ONE + 2),
            fixed_addr: c(16),
            fixed_addr_reset: c(17),
            reset_addr: c(8),
            zero3: c(0),
            w_one: c(1),
            w_two: c(2),
            w_three: c(3),
            w_four: c(4),
            zero6: c(0),
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
            outcome: Default::default(),
            reason: Default::default(),
            pol: Default::default(),
            last_pol: Default::default(),
            last_err: Default::default(),
            gain: Default::default(),
            dur: Default::default(),
            nlv_set: Default::default(),
            nlv_reset: Default::default(),
            cap_set: Default::default(),
            cap_reset: Default::default(),
            code0: Default::default(),
            ch_r: Default::default(),
            probe_pol: Default::default(),
            plog2: Default::default(),
            level: Default::default(),
            extended: Default::default(),
            widx: Default::default(),
            wlast: Default::default(),
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
            tb_rd_r: Default::default(),
            tb_addr_r: Default::default(),
            tb_bank_r: Default::default(),
            tgt: Default::default(),
            err: Default::default(),
            within_tol: Default::default(),
            pol_now: Default::default(),
            attempts: Default::default(),
            limit_hit: Default::default(),
            probe_mode: Default::default(),
            probe_phase: Default::default(),
            ext_go: Default::default(),
            hist_phase: Default::default(),
            tab: Default::default(),
            use_log2: Default::default(),
            more: Default::default(),
            gain_next: Default::default(),
            nlv_p: Default::default(),
            cap_p: Default::default(),
            under_cap: Default::default(),
            cap_set_next: Default::default(),
            cap_reset_next: Default::default(),
            nlv_set_next: Default::default(),
            nlv_reset_next: Default::default(),
            nlv_sel: Default::default(),
            sum32: Default::default(),
            word: Default::default(),
            above: Default::default(),
            ch_hi: Default::default(),
            ch_lo: Default::default(),
            along: Default::default(),
            ch_x: Default::default(),
            toff_in: Default::default(),
            toff: Default::default(),
            sout: Default::default(),
            tcode: Default::default(),
            dac_pol: Default::default(),
            dac: Default::default(),
            tb_off: Default::default(),
            tb_base: Default::default(),
            bank: Default::default(),
        }
    }
}

impl Sequencer {
    /// The `MODE` values the build runs, as a mask (bit `m` for mode `m`).
    pub fn modes(&self) -> u8 {
        if self.eng_set.is_empty() {
            super::build::modes::ONE_SET
        } else {
            super::build::modes::TWO_SETS
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
            err_r,
            pol_r,
            sc_cyc_r,
            sc_gain_r,
            sout_r,
            wv,
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
            outcome,
            reason,
            pol,
            last_pol,
            last_err,
            gain,
            nlv_set,
            nlv_reset,
            cap_set,
            cap_reset,
            dur,
            code0,
            ch_r,
            probe_pol,
            plog2,
            level,
            extended,
            widx,
            wlast,
            sel_start_r,
            rd_start_r,
            pu_start_r,
            pu_pol_r,
            pu_dac_r,
            pu_cycles_r,
            in_we_r,
            in_addr_r,
            in_data_r,
            eng_start_r,
            tb_rd_r,
            tb_addr_r,
            tb_bank_r
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
        self.tb_rd_r.d.next = false;
        // The decision's inputs (codes are adc_bits wide).
        self.tgt.next = self.target.q.val() & self.code_mask.val();
        // |code - target| and the polarity towards the target are registered with the reading
        // (the only way into `Decide` is a read, and the code changes only there).
        self.code_new.next = self.rd_code.val() & self.code_mask.val();
        self.err_new.next = self.code_new.val() - self.tgt.val();
        if self.tgt.val() > self.code_new.val() {
            self.err_new.next = self.tgt.val() - self.code_new.val();
        }
        self.err.next = self.err_r.q.val();
        self.within_tol.next = self.err.val() <= self.tol.q.val();
        self.pol_now.next = self.pol_r.q.val();
        self.attempts.next = self.regs.max_attempts.val();
        if self.regs.mode.val() == self.m_one.val() {
            self.attempts.next = self.one16.val();
        }
        if self.regs.mode.val() == self.m_probe_one.val() {
            self.attempts.next = self.two16.val();
            if self.extended.q.val() {
                self.attempts.next = self.three16.val();
            }
        }
        self.limit_hit.next = self.pulses.q.val() >= self.attempts.val();
        // Modes 2 and 3 (two-set builds only): the first decision sizes the probe, the second
        // predicts from it; mode 3 then goes on as the neural loop.
        self.probe_mode.next =
            self.probe.val() & !self.regs.mode.val().get_bit(2) & self.regs.mode.val().get_bit(1);
        self.probe_phase.next = self.probe_mode.val() & (self.pulses.q.val() == self.zero16.val());
        self.hist_phase.next = self.probe_mode.val() & (self.pulses.q.val() != self.zero16.val());
        // This prediction's reading and target words come from input tables: always with one
        // set that has them; in the history phase of a two-set build whose set 1 has them.
        self.tab.next = self.tables.val() | (self.htables.val() & self.hist_phase.val());
        // 2 err > last_err, i.e. err > floor(last_err / 2).
        self.more.next = self.err.val() > (self.last_err.q.val() >> 1);
        // The neural loop after a pulse (`ouro_board::sequencer::LoopGain::after`): an
        // overshoot halves the gain and takes the last polarity's level one down, which becomes
        // its cap; a pulse that left more than half of the error takes the level of the polarity
        // one up while the gain is at least 1, a level is left and the level is below its cap
        // (or the gain is at least 4), else doubles the gain.
        self.gain_next.next = self.gain.q.val();
        self.nlv_set_next.next = self.nlv_set.q.val();
        self.nlv_reset_next.next = self.nlv_reset.q.val();
        self.cap_set_next.next = self.cap_set.q.val();
        self.cap_reset_next.next = self.cap_reset.q.val();
        self.nlv_p.next = self.nlv_set.q.val();
        self.cap_p.next = self.cap_set.q.val();
        if self.pol_now.val() {
            self.nlv_p.next = self.nlv_reset.q.val();
            self.cap_p.next = self.cap_reset.q.val();
        }
        self.under_cap.next =
            (self.nlv_p.val() < self.cap_p.val()) | (self.gain.q.val() >= self.gain_uncap.val());
        if self.pol_now.val() != self.last_pol.q.val() {
            if self.gain.q.val() != self.gain_min.val() {
                self.gain_next.next = self.gain.q.val() - self.gain_step.val();
            }
            if self.last_pol.q.val() {
                if self.nlv_reset.q.val() != self.zero3.val() {
                    self.nlv_reset_next.next = self.nlv_reset.q.val() - self.one3.val();
                }
                self.cap_reset_next.next = self.nlv_reset_next.val();
            } else {
                if self.nlv_set.q.val() != self.zero3.val() {
                    self.nlv_set_next.next = self.nlv_set.q.val() - self.one3.val();
                }
                self.cap_set_next.next = self.nlv_set_next.val();
            }
        } else if self.more.val() {
            if (self.gain.q.val() >= self.gain_one.val())
                & (self.nlv_p.val() < self.regs.neural_top.val())
                & self.under_cap.val()
            {
                if self.pol_now.val() {
                    self.nlv_reset_next.next = self.nlv_reset.q.val() + self.one3.val();
                } else {
                    self.nlv_set_next.next = self.nlv_set.q.val() + self.one3.val();
                }
            } else if self.gain.q.val() != self.gain_max.val() {
                self.gain_next.next = self.gain.q.val() + self.gain_step.val();
            }
        }
        // The level of the next pulse's polarity: after the update but before the first pulse.
        self.nlv_sel.next = self.nlv_p.val();
        if self.pulses.q.val() != self.zero16.val() {
            self.nlv_sel.next = self.nlv_set_next.val();
            if self.pol_now.val() {
                self.nlv_sel.next = self.nlv_reset_next.val();
            }
        }
        // The history prediction is above max_cycles / ESCALATE (signed compare).
        self.above.next = (self.eng_log2.val() ^ self.sign16.val()) > self.esc_word.val();
        // The table address: the probe's change along its polarity, at least the floor, in the
        // LOG2 table; or an input's table at the code.
        self.ch_hi.next = self.code.q.val().get_bits::<14>(0);
        self.ch_lo.next = self.code0.q.val().get_bits::<14>(0);
        if self.probe_pol.q.val() {
            self.ch_hi.next = self.code0.q.val().get_bits::<14>(0);
            self.ch_lo.next = self.code.q.val().get_bits::<14>(0);
        }
        self.along.next = self.zero14.val();
        if self.ch_hi.val() > self.ch_lo.val() {
            self.along.next = self.ch_hi.val() - self.ch_lo.val();
        }
        // Right after the probe: extend it when it moved the reading fewer than
        // EXTEND_BELOW_CODES codes along its polarity, the target is still ahead (the polarity
        // towards it is the probe's) and a longer probe is allowed.
        self.ext_go.next = self.probe_mode.val()
            & (self.pulses.q.val() == self.one16.val())
            & (self.along.val() < self.ext_below.val())
            & (self.pol_now.val() == self.probe_pol.q.val())
            & self.scale_in.can_ext.val();
        self.ch_x.next = self.along.val();
        if self.along.val() < self.floor.val() {
            self.ch_x.next = self.floor.val();
        }
        self.toff_in.next = self.toff_in0.val();
        self.tcode.next = self.code.q.val().get_bits::<14>(0);
        if self.state.q.val() == SeqState::TableWait {
            self.toff_in.next = self.toff_in1.val();
            self.tcode.next = self.tgt.val().get_bits::<14>(0);
        }
        self.toff.next = self.toff_in.val();
        if self.pol_now.val() {
            self.toff.next = self.toff_in.val() | self.toff_reset.val();
        }
        self.tb_off.next = self.toff.val() | self.tcode.val();
        self.tb_base.next = self.regs.table_base.val();
        self.bank.next = self.htables.val();
        // The LOG2 read of a two-set build: in the decision, or, after the two input-table
        // reads of a history prediction with them, in its first `Feed` cycle.
        self.use_log2.next =
            self.probe.val() & (!self.htables.val() | (self.state.q.val() == SeqState::Feed));
        if self.use_log2.val() {
            self.tb_off.next = self.ch_x.val();
            if self.htables.val() {
                self.tb_off.next = self.ch_r.q.val();
            }
            self.tb_base.next = self.regs.log2_base.val();
            self.bank.next = false;
        }
        // The engine's input word `widx`: the reading and the target (minus their offsets, or
        // from their tables), the LOG2 word, the probe's exponent, the level, Q6.10.
        self.word.next = self.code.q.val() - self.regs.offset0.val();
        if self.widx.q.val() == self.w_one.val() {
            self.word.next = self.tgt.val() - self.regs.offset1.val();
        }
        if self.tab.val() | (self.probe.val() & (self.widx.q.val() == self.w_two.val())) {
            self.word.next = self.tb_data.val();
        }
        if self.probe.val() & (self.widx.q.val() == self.w_three.val()) {
            self.word.next = self.plog2.q.val();
        }
        if self.probe.val() & (self.widx.q.val() == self.w_four.val()) {
            self.word.next = bit_cast::<16, 3>(self.level.q.val()) << 10;
        }
        // The duration: the engine's times the gain (a probe: 2^k; the history network's: as
        // predicted), or in the decision the adaptive one, each within the effective limits.
        self.scale_in.state.next = self.state.q.val();
        self.scale_in.mode.next = self.regs.mode.val();
        self.scale_in.pulses.next = self.pulses.q.val();
        self.scale_in.code.next = self.code.q.val();
        self.scale_in.target.next = self.target.q.val();
        self.scale_in.last_pol.next = self.last_pol.q.val();
        self.scale_in.gain.next = self.gain.q.val();
        self.scale_in.dur.next = self.dur.q.val();
        self.scale_in.start.next = self.regs.adaptive_start.val();
        self.scale_in.eng_cycles.next = self.eng_cycles.val();
        self.scale_in.eng_log2.next = self.eng_log2.val();
        self.scale_in.plog2.next = self.plog2.q.val();
        self.sc_cyc_r.d.next = self.scale_in.cycles.val();
        self.sc_gain_r.d.next = self.scale_in.gain_out.val();
        self.scale.cycles.next = self.sc_cyc_r.q.val();
        self.scale.gain.next = self.sc_gain_r.q.val();
        self.eng_min.next = self.regs.eff_min.val();
        self.eng_max.next = self.regs.eff_max.val();
        self.scale.min.next = self.regs.eff_min.val();
        self.scale.max.next = self.regs.eff_max.val();
        // Within the limits: no bit above the synthesized maximum's. Registered: `sout` is the
        // duration of ScaleIn's choice two edges before.
        self.sout_r.d.next = self.scale.out.val() & self.dur_mask.val();
        self.sout.next = self.sout_r.q.val();
        // The DAC code of the pulse being issued: write and verify's (`wv`), else the level's of
        // the polarity (the neural loop's level of that polarity, or the history prediction's),
        // or the fine one for a short neural pulse at level 0.
        // The DAC registers are a RAM in `regs`: name the register in every cycle from the
        // pulse's polarity, level and kind (all registered before `Scale`), so that its code is
        // there in `Issue`.
        self.dac_pol.next = self.pol.q.val();
        self.regs.dac_addr.next = bit_cast::<5, 3>(self.level.q.val());
        if self.dac_pol.val() {
            self.regs.dac_addr.next = bit_cast::<5, 3>(self.level.q.val()) | self.reset_addr.val();
        }
        if self.wv.q.val() {
            self.regs.dac_addr.next = self.fixed_addr.val();
            if self.dac_pol.val() {
                self.regs.dac_addr.next = self.fixed_addr_reset.val();
            }
        }
        self.dac.next = self.regs.dac.val();
        if !self.wv.q.val()
            & !self.probe_mode.val()
            & (self.level.q.val() == self.zero3.val())
            & (self.sout.val() <= self.regs.fine_below.val())
        {
            self.dac.next = self.regs.fine_dac_set.val();
            if self.dac_pol.val() {
                self.dac.next = self.regs.fine_dac_reset.val();
            }
        }
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
                    // The accept cycle and this one: `total` is the report cycle's count then.
                    self.total.d.next = self.two32.val();
                    self.reads.d.next = self.zero16.val();
                    self.gain.d.next = self.gain_one.val();
                    self.nlv_set.d.next = self.zero3.val();
                    self.nlv_reset.d.next = self.zero3.val();
                    self.cap_set.d.next = self.seven3.val();
                    self.cap_reset.d.next = self.seven3.val();
                    self.reason.d.next = self.zero2.val();
                    self.extended.d.next = false;
                    self.widx.d.next = self.zero6.val();
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
                    self.code.d.next = self.code_new.val();
                    self.err_r.d.next = self.err_new.val();
                    self.pol_r.d.next = self.code_new.val() > self.tgt.val();
                    self.reads.d.next =
                        (self.reads.q.val() + self.one16.val()) & self.mask_reads.val();
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
                } else if self.regs.mode.val().get_bit(2) {
                    // Write and verify: fixed (4) or adaptive (5) duration, issued once scaled.
                    self.pol.d.next = self.pol_now.val();
                    self.last_pol.d.next = self.pol_now.val();
                    self.wv.d.next = true;
                    self.state.d.next = SeqState::Scale;
                } else if self.ext_go.val() {
                    // The probe's extension at level 0: `2^kx - 2^k` cycles (ScaleIn's in this
                    // decision), issued once scaled; the probe is then `2^kx` cycles.
                    self.pol.d.next = self.pol_now.val();
                    self.last_pol.d.next = self.pol_now.val();
                    self.level.d.next = self.zero3.val();
                    self.wv.d.next = false;
                    self.extended.d.next = true;
                    self.plog2.d.next = self.scale_in.kx.val() << 10;
                    self.state.d.next = SeqState::Scale;
                } else {
                    // A prediction: the blind network (or the history-aware one after a probe).
                    self.pol.d.next = self.pol_now.val();
                    self.last_pol.d.next = self.pol_now.val();
                    self.last_err.d.next = self.err.val();
                    self.level.d.next = self.zero3.val();
                    if !self.probe_mode.val() {
                        self.level.d.next = self.nlv_sel.val();
                    }
                    if (self.pulses.q.val() != self.zero16.val()) & !self.hist_phase.val() {
                        self.gain.d.next = self.gain_next.val();
                        self.nlv_set.d.next = self.nlv_set_next.val();
                        self.nlv_reset.d.next = self.nlv_reset_next.val();
                        self.cap_set.d.next = self.cap_set_next.val();
                        self.cap_reset.d.next = self.cap_reset_next.val();
                    }
                    self.ch_r.d.next = self.ch_x.val();
                    if self.probe_mode.val() {
                        self.code0.d.next = self.code.q.val();
                        self.probe_pol.d.next = self.pol_now.val();
                    }
                    self.wlast.d.next = self.w_one.val();
                    if self.hist_phase.val() {
                        self.wlast.d.next = self.w_four.val();
                    }
                    self.tb_rd_r.d.next = self.hist_phase.val() | self.tables.val();
                    self.tb_addr_r.d.next = self.tb_base.val() + self.tb_off.val();
                    self.tb_bank_r.d.next = self.bank.val();
                    if self.tab.val() {
                        self.state.d.next = SeqState::TableWait;
                    } else {
                        self.in_we_r.d.next = true;
                        self.in_addr_r.d.next = self.widx.q.val();
                        self.in_data_r.d.next = self.word.val();
                        self.widx.d.next = self.w_one.val();
                        self.state.d.next = SeqState::Feed;
                    }
                }
            }
            SeqState::TableWait => {
                self.tb_rd_r.d.next = true;
                self.tb_addr_r.d.next = self.tb_base.val() + self.tb_off.val();
                self.tb_bank_r.d.next = self.bank.val();
                self.state.d.next = SeqState::Feed;
            }
            SeqState::Feed => {
                // A history prediction from input tables: the LOG2 read, for word 2.
                if self.tab.val() & self.probe.val() & (self.widx.q.val() == self.zero6.val()) {
                    self.tb_rd_r.d.next = true;
                    self.tb_addr_r.d.next = self.tb_base.val() + self.tb_off.val();
                    self.tb_bank_r.d.next = self.bank.val();
                }
                self.in_we_r.d.next = true;
                self.in_addr_r.d.next = self.widx.q.val();
                self.in_data_r.d.next = self.word.val();
                self.widx.d.next = self.widx.q.val() + self.w_one.val();
                if self.widx.q.val() == self.wlast.q.val() {
                    self.state.d.next = SeqState::PredictGo;
                }
            }
            SeqState::PredictGo => {
                self.eng_start_r.d.next = true;
                self.widx.d.next = self.zero6.val();
                self.state.d.next = SeqState::PredictWait;
            }
            SeqState::PredictWait => {
                if self.eng_done.val() {
                    if self.hist_phase.val()
                        & self.above.val()
                        & (self.level.q.val() != self.level_top.val())
                    {
                        // Again at the next level: write its word, start.
                        self.level.d.next = self.level.q.val() + self.one3.val();
                        self.widx.d.next = self.w_four.val();
                        self.state.d.next = SeqState::Feed;
                    } else {
                        self.plog2.d.next = self.eng_log2.val();
                        if self.probe_phase.val() {
                            self.plog2.d.next = self.scale_in.k.val() << 10;
                        }
                        self.wv.d.next = false;
                        self.state.d.next = SeqState::Scale;
                    }
                }
            }
            SeqState::Scale => {
                self.state.d.next = SeqState::Issue;
            }
            SeqState::Issue => {
                // The duration chosen in the decision (write and verify) or at the prediction's
                // `done`, scaled and within the limits; the DAC code for it.
                self.pu_pol_r.d.next = self.pol.q.val();
                self.pu_dac_r.d.next = self.dac.val();
                self.pu_cycles_r.d.next = self.sout.val();
                if self.wv.q.val() {
                    self.dur.d.next = self.sout.val();
                    if !self.regs.mode.val().get_bit(0) {
                        self.pu_cycles_r.d.next = self.regs.fixed_cycles.val();
                    }
                }
                self.pu_start_r.d.next = true;
                self.state.d.next = SeqState::Pulse;
            }
            SeqState::Pulse => {
                if self.pu_done.val() {
                    if self.pu_refused.val() {
                        self.outcome.d.next = self.out_refused.val();
                        self.reason.d.next = self.pu_reason.val();
                        self.state.d.next = SeqState::Report;
                    } else {
                        self.pulses.d.next =
                            (self.pulses.q.val() + self.one16.val()) & self.mask_count.val();
                        // Saturating: the sum of a total of 2^31 or more and a duration below
                        // 2^24 wrapped iff its bit 31 is clear.
                        self.pulse_cycles.d.next = self.sum32.val();
                        if self.pulse_cycles.q.val().get_bit(31) & !self.sum32.val().get_bit(31) {
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
        self.tb_rd.next = self.tb_rd_r.q.val();
        self.tb_addr.next = self.tb_addr_r.q.val();
        self.tb_bank.next = self.tb_bank_r.q.val();
        self.eng_in_we.next = self.in_we_r.q.val();
        self.eng_in_addr.next = self.in_addr_r.q.val();
        self.eng_in_data.next = self.in_data_r.q.val();
        self.eng_start.next = self.eng_start_r.q.val();
        self.eng_polarity.next = self.pol.q.val();
        for s in 0..self.eng_set.len() {
            self.eng_set[s].next = self.hist_phase.val();
        }
        self.res_valid.next = self.state.q.val() == SeqState::Report;
        self.res_row.next = self.row.q.val();
        self.res_col.next = self.col.q.val();
        self.res_target.next = self.target.q.val();
        self.res_final.next = self.code.q.val();
        self.res_outcome.next = self.outcome.q.val();
        self.res_reason.next = self.reason.q.val();
        self.res_pulses.next = self.pulses.q.val();
        self.res_pulse_cycles.next = self.pulse_cycles.q.val();
        self.res_total.next = self.total.q.val();
        self.res_reads.next = self.reads.q.val();
    }
}
