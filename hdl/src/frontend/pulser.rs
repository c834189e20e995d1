//! `Pulser`: the pulse with its safety interlock (duration and per-polarity amplitude limits).

use super::{c, DacSpi, Timing};
use ouro_core::board::BoardConfig;
use rust_hdl::prelude::*;

/// The synthesized limits of a [`Pulser`]: the run-time limit registers can only tighten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PulseLimits {
    /// Shortest pulse, cycles (at least 1).
    pub min_cycles: u32,
    /// Longest pulse, cycles (below 2^24).
    pub max_cycles: u32,
    /// Largest DAC code of a SET pulse (polarity low).
    pub max_code_set: u16,
    /// Largest DAC code of a RESET pulse (polarity high).
    pub max_code_reset: u16,
}

impl PulseLimits {
    /// A board's limits: `min_pulse_cycles`, `max_pulse_cycles` and the DAC codes of
    /// `dac.limit_set_v` and `dac.limit_reset_v` (`BoardConfig::dac_limit_codes`).
    pub fn of_board(board: &BoardConfig) -> Self {
        let (max_code_set, max_code_reset) = board.dac_limit_codes();
        Self {
            min_cycles: board.min_pulse_cycles,
            max_cycles: board.max_pulse_cycles,
            max_code_set,
            max_code_reset,
        }
    }
}

/// Refusal code: the duration is above the maximum.
pub const REFUSED_LONG: u8 = 1;
/// Refusal code: the duration is below the minimum.
pub const REFUSED_SHORT: u8 = 2;
/// Refusal code: the DAC code is beyond the polarity's maximum.
pub const REFUSED_AMPLITUDE: u8 = 3;

/// Applies one pulse: `cycles` clock cycles at DAC code `dac_code` (the magnitude) with polarity
/// `polarity` (low = SET, high = RESET), all sampled with `start`.
///
/// The interlock: the request is checked against the synthesized limits ([`PulseLimits`],
/// constants) and against the run-time registers, each compare separate, so that no register
/// value can widen a synthesized limit. A request with `cycles` above either maximum is
/// refused with `error` 1, else below either minimum with 2, else with a code above either
/// maximum code of its polarity with 3: nothing is applied (no pin moves) and `done` comes on
/// edge `timing::REFUSE_CYCLES` with `error` set. An accepted request: the polarity line is set
/// and the DAC written ([`DacSpi`], started on edge 3), the gate rises on the edge after the
/// write's `done` (`timing::pulse_gate_edge`) and stays high exactly `cycles` cycles; on the
/// edge it falls the DAC is written back to code 0, and `done` (with `error` 0) comes one cycle
/// after that write's; the polarity line returns low with `done`. Latency:
/// `timing::pulse_cycles`.
///
/// Run-time limits: a write (`lim_we`, any time) sets register `lim_sel` (0 = minimum cycles,
/// 1 = maximum cycles, 2 = maximum SET code, 3 = maximum RESET code, codes from the low 16 bits
/// of `lim_data`). A write on the edge that samples `start`, or before, applies to that request.
/// At power-up the registers do not tighten anything (minimum 0, maxima all ones).
#[derive(LogicBlock)]
pub struct Pulser {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Start a pulse (sampled while idle).
    pub start: Signal<In, bool>,
    /// Polarity: false = SET, true = RESET.
    pub polarity: Signal<In, bool>,
    /// The pulse's DAC code (its magnitude).
    pub dac_code: Signal<In, Bits<16>>,
    /// The pulse's duration, cycles.
    pub cycles: Signal<In, Bits<24>>,
    /// Write a run-time limit.
    pub lim_we: Signal<In, bool>,
    /// Which limit (see the type's documentation).
    pub lim_sel: Signal<In, Bits<2>>,
    /// The limit's value.
    pub lim_data: Signal<In, Bits<24>>,
    /// High from the edge that samples `start` until the edge that raises `done`.
    pub busy: Signal<Out, bool>,
    /// One-cycle pulse: the request is finished (applied, or refused).
    pub done: Signal<Out, bool>,
    /// 0: applied; 1, 2, 3: refused (see the type's documentation). Held until the next `done`.
    pub error: Signal<Out, Bits<2>>,
    /// Pin: the pulse gate (connects the DAC's output stage to the selected cell).
    pub gate: Signal<Out, bool>,
    /// Pin: the polarity line.
    pub pol: Signal<Out, bool>,
    /// Pin: DAC chip select, active low.
    pub dac_cs_n: Signal<Out, bool>,
    /// Pin: DAC serial clock.
    pub dac_sclk: Signal<Out, bool>,
    /// Pin: DAC serial data.
    pub dac_din: Signal<Out, bool>,
    /// Pin: DAC load, active low.
    pub dac_ldac_n: Signal<Out, bool>,
    dac: DacSpi,
    syn_min: Constant<Bits<24>>,
    syn_max: Constant<Bits<24>>,
    syn_code_set: Constant<Bits<16>>,
    syn_code_reset: Constant<Bits<16>>,
    sel_min: Constant<Bits<2>>,
    sel_max: Constant<Bits<2>>,
    sel_set: Constant<Bits<2>>,
    err_long: Constant<Bits<2>>,
    err_short: Constant<Bits<2>>,
    err_amp: Constant<Bits<2>>,
    zero2: Constant<Bits<2>>,
    zero16: Constant<Bits<16>>,
    zero24: Constant<Bits<24>>,
    wmask: Constant<Bits<24>>,
    one24: Constant<Bits<24>>,
    rt_min: DFF<Bits<24>>,
    rt_max_n: DFF<Bits<24>>,
    rt_set_n: DFF<Bits<16>>,
    rt_reset_n: DFF<Bits<16>>,
    req_pol: DFF<bool>,
    req_code: DFF<Bits<16>>,
    req_cycles: DFF<Bits<24>>,
    chk: DFF<bool>,
    dec: DFF<bool>,
    long_r: DFF<bool>,
    short_r: DFF<bool>,
    amp_r: DFF<bool>,
    arm: DFF<bool>,
    gate_r: DFF<bool>,
    gc: DFF<Bits<24>>,
    ret: DFF<bool>,
    back: DFF<bool>,
    pol_r: DFF<bool>,
    err_r: DFF<Bits<2>>,
    done_r: DFF<bool>,
    code_max: Signal<Local, Bits<16>>,
    rt_code: Signal<Local, Bits<16>>,
    go: Signal<Local, bool>,
}

impl Pulser {
    /// The pulser of a board with timing `t` and synthesized limits `lim`.
    ///
    /// # Panics
    /// If `lim` is not `1 <= min_cycles <= max_cycles < 2^24`, or as [`DacSpi::new`].
    pub fn new(t: &Timing, lim: &PulseLimits) -> Self {
        assert!(
            1 <= lim.min_cycles && lim.min_cycles <= lim.max_cycles && lim.max_cycles < 1 << 24,
            "pulse limits {lim:?}"
        );
        Self {
            clock: Default::default(),
            start: Default::default(),
            polarity: Default::default(),
            dac_code: Default::default(),
            cycles: Default::default(),
            lim_we: Default::default(),
            lim_sel: Default::default(),
            lim_data: Default::default(),
            busy: Default::default(),
            done: Default::default(),
            error: Default::default(),
            gate: Default::default(),
            pol: Default::default(),
            dac_cs_n: Default::default(),
            dac_sclk: Default::default(),
            dac_din: Default::default(),
            dac_ldac_n: Default::default(),
            dac: DacSpi::new(t),
            syn_min: c(u64::from(lim.min_cycles)),
            syn_max: c(u64::from(lim.max_cycles)),
            syn_code_set: c(u64::from(lim.max_code_set)),
            syn_code_reset: c(u64::from(lim.max_code_reset)),
            sel_min: c(0),
            sel_max: c(1),
            sel_set: c(2),
            err_long: c(u64::from(REFUSED_LONG)),
            err_short: c(u64::from(REFUSED_SHORT)),
            err_amp: c(u64::from(REFUSED_AMPLITUDE)),
            zero2: c(0),
            zero16: c(0),
            zero24: c(0),
            wmask: c(super::low_mask(u64::from(lim.max_cycles))),
            one24: c(1),
            rt_min: Default::default(),
            rt_max_n: Default::default(),
            rt_set_n: Default::default(),
            rt_reset_n: Default::default(),
            req_pol: Default::default(),
            req_code: Default::default(),
            req_cycles: Default::default(),
            chk: Default::default(),
            dec: Default::default(),
            long_r: Default::default(),
            short_r: Default::default(),
            amp_r: Default::default(),
            arm: Default::default(),
            gate_r: Default::default(),
            gc: Default::default(),
            ret: Default::default(),
            back: Default::default(),
            pol_r: Default::default(),
            err_r: Default::default(),
            done_r: Default::default(),
            code_max: Default::default(),
            rt_code: Default::default(),
            go: Default::default(),
        }
    }
}

impl std::fmt::Debug for Pulser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pulser")
    }
}

impl Logic for Pulser {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, rt_min, rt_max_n, rt_set_n, rt_reset_n, req_pol, req_code, req_cycles,
            chk, dec, long_r, short_r, amp_r, arm, gate_r, gc, ret, back, pol_r, err_r, done_r
        );
        clock!(self, clock, dac);
        // The run-time registers (the maxima stored inverted: all ones at power-up).
        if self.lim_we.val() {
            if self.lim_sel.val() == self.sel_min.val() {
                self.rt_min.d.next = self.lim_data.val();
            } else if self.lim_sel.val() == self.sel_max.val() {
                self.rt_max_n.d.next = !self.lim_data.val();
            } else if self.lim_sel.val() == self.sel_set.val() {
                self.rt_set_n.d.next = !self.lim_data.val().get_bits::<16>(0);
            } else {
                self.rt_reset_n.d.next = !self.lim_data.val().get_bits::<16>(0);
            }
        }
        self.done_r.d.next = false;
        self.dac.start.next = false;
        self.dac.code.next = self.req_code.q.val();
        // Edge 1: take the request.
        self.go.next = !self.chk.q.val()
            & !self.dec.q.val()
            & !self.arm.q.val()
            & !self.gate_r.q.val()
            & !self.ret.q.val()
            & !self.back.q.val();
        if self.go.val() & self.start.val() {
            self.chk.d.next = true;
            self.req_pol.d.next = self.polarity.val();
            self.req_code.d.next = self.dac_code.val();
            self.req_cycles.d.next = self.cycles.val();
        }
        // Edge 2: every compare, each against one limit (synthesized or run-time) alone.
        self.code_max.next = self.syn_code_set.val();
        self.rt_code.next = !self.rt_set_n.q.val();
        if self.req_pol.q.val() {
            self.code_max.next = self.syn_code_reset.val();
            self.rt_code.next = !self.rt_reset_n.q.val();
        }
        if self.chk.q.val() {
            self.chk.d.next = false;
            self.dec.d.next = true;
            self.long_r.d.next = (self.req_cycles.q.val() > self.syn_max.val())
                | (self.req_cycles.q.val() > !self.rt_max_n.q.val());
            self.short_r.d.next = (self.req_cycles.q.val() < self.syn_min.val())
                | (self.req_cycles.q.val() < self.rt_min.q.val());
            self.amp_r.d.next = (self.req_code.q.val() > self.code_max.val())
                | (self.req_code.q.val() > self.rt_code.val());
        }
        // Edge 3: refuse, or set the polarity and start the DAC write.
        if self.dec.q.val() {
            self.dec.d.next = false;
            if self.long_r.q.val() {
                self.err_r.d.next = self.err_long.val();
                self.done_r.d.next = true;
            } else if self.short_r.q.val() {
                self.err_r.d.next = self.err_short.val();
                self.done_r.d.next = true;
            } else if self.amp_r.q.val() {
                self.err_r.d.next = self.err_amp.val();
                self.done_r.d.next = true;
            } else {
                self.arm.d.next = true;
                self.pol_r.d.next = self.req_pol.q.val();
                self.dac.start.next = true;
            }
        }
        // The gate, for exactly `cycles` cycles from the edge after the write's `done`.
        if self.arm.q.val() & self.dac.done.val() {
            self.arm.d.next = false;
            self.gate_r.d.next = true;
            self.gc.d.next = (self.req_cycles.q.val() - self.one24.val()) & self.wmask.val();
        }
        if self.gate_r.q.val() {
            if self.gc.q.val() == self.zero24.val() {
                self.gate_r.d.next = false;
                self.ret.d.next = true;
            } else {
                self.gc.d.next = (self.gc.q.val() - self.one24.val()) & self.wmask.val();
            }
        }
        // The DAC back to 0 V, then done.
        if self.ret.q.val() {
            self.ret.d.next = false;
            self.back.d.next = true;
            self.dac.start.next = true;
            self.dac.code.next = self.zero16.val();
        }
        if self.back.q.val() & self.dac.done.val() {
            self.back.d.next = false;
            self.pol_r.d.next = false;
            self.err_r.d.next = self.zero2.val();
            self.done_r.d.next = true;
        }
        self.busy.next = !self.go.val() | self.dac.busy.val();
        self.done.next = self.done_r.q.val();
        self.error.next = self.err_r.q.val();
        self.gate.next = self.gate_r.q.val();
        self.pol.next = self.pol_r.q.val();
        self.dac_cs_n.next = self.dac.cs_n.val();
        self.dac_sclk.next = self.dac.sclk.val();
        self.dac_din.next = self.dac.din.val();
        self.dac_ldac_n.next = self.dac.ldac_n.val();
    }
}
