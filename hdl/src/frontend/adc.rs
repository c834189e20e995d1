//! `AdcSpi`: one conversion of the AD7476A (Pmod AD1), then its quiet time.

use super::timing::{adc_wait, ADC_CLOCKS};
use super::{c, Timing};
use rust_hdl::prelude::*;

/// One AD7476A conversion. SCLK idles high; CS falling starts the conversion and samples the
/// input; the part shifts out 4 leading zeros and 12 data bits, MSB first, each bit after an
/// SCLK falling edge (the first after CS falling). Every SCLK half period is `adc_div` cycles.
/// In phases of one half period from the edge that samples `start` (phase 0, CS falls): SCLK
/// falls in the odd phases 1..31 (16 falling edges) and rises in the even phases 2..32; on the
/// rising edges of phases 2..30 SDATA is shifted in (bit `k` of the frame is sampled one half
/// period after the falling edge that put it out, so t4, the data access time, is met with a
/// half period to spare); the last 12 bits shifted in are the code. CS rises in phase 33;
/// `done` follows by `timing::adc_wait` cycles (t_quiet, at least 1), so CS stays high at least
/// t_quiet between conversions even back to back. Latency: `timing::adc_cycles`. Idle pins: CS
/// and SCLK high.
#[derive(LogicBlock)]
pub struct AdcSpi {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Start a conversion (sampled while idle).
    pub start: Signal<In, bool>,
    /// Pin: serial data from the ADC.
    pub sdata: Signal<In, bool>,
    /// High from the edge that samples `start` until the edge that raises `done`.
    pub busy: Signal<Out, bool>,
    /// One-cycle pulse: `code` holds the new conversion (until the next `done`).
    pub done: Signal<Out, bool>,
    /// The conversion result.
    pub code: Signal<Out, Bits<12>>,
    /// Pin: chip select, active low.
    pub cs_n: Signal<Out, bool>,
    /// Pin: serial clock.
    pub sclk: Signal<Out, bool>,
    div_m1: Constant<Bits<8>>,
    wait_m1: Constant<Bits<24>>,
    last_clk: Constant<Bits<6>>,
    last_sample: Constant<Bits<6>>,
    cs_phase: Constant<Bits<6>>,
    zero6: Constant<Bits<6>>,
    one6: Constant<Bits<6>>,
    zero8: Constant<Bits<8>>,
    one8: Constant<Bits<8>>,
    one12: Constant<Bits<12>>,
    zero24: Constant<Bits<24>>,
    wmask: Constant<Bits<24>>,
    one24: Constant<Bits<24>>,
    act: DFF<bool>,
    wt: DFF<bool>,
    ph: DFF<Bits<6>>,
    hc: DFF<Bits<8>>,
    sr: DFF<Bits<12>>,
    cs: DFF<bool>,
    sclk_lo: DFF<bool>,
    wc: DFF<Bits<24>>,
    code_r: DFF<Bits<12>>,
    done_r: DFF<bool>,
    np: Signal<Local, Bits<6>>,
}

impl AdcSpi {
    /// The converter driver of a board with timing `t`.
    ///
    /// # Panics
    /// If a divider of `t` is outside 1..=255 or a wait is 2^24 cycles or more.
    pub fn new(t: &Timing) -> Self {
        super::check_timing(t);
        Self {
            clock: Default::default(),
            start: Default::default(),
            sdata: Default::default(),
            busy: Default::default(),
            done: Default::default(),
            code: Default::default(),
            cs_n: Default::default(),
            sclk: Default::default(),
            div_m1: c(u64::from(t.adc_div) - 1),
            wait_m1: c(u64::from(adc_wait(t)) - 1),
            last_clk: c(u64::from(2 * ADC_CLOCKS)),
            last_sample: c(u64::from(2 * ADC_CLOCKS - 2)),
            cs_phase: c(u64::from(2 * ADC_CLOCKS + 1)),
            zero6: c(0),
            one6: c(1),
            zero8: c(0),
            one8: c(1),
            one12: c(1),
            zero24: c(0),
            wmask: c(super::low_mask(u64::from(adc_wait(t)) - 1)),
            one24: c(1),
            act: Default::default(),
            wt: Default::default(),
            ph: Default::default(),
            hc: Default::default(),
            sr: Default::default(),
            cs: Default::default(),
            sclk_lo: Default::default(),
            wc: Default::default(),
            code_r: Default::default(),
            done_r: Default::default(),
            np: Default::default(),
        }
    }
}

impl std::fmt::Debug for AdcSpi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdcSpi")
    }
}

impl Logic for AdcSpi {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, act, wt, ph, hc, sr, cs, sclk_lo, wc, code_r, done_r);
        self.np.next = self.ph.q.val() + self.one6.val();
        self.done_r.d.next = false;
        if !self.act.q.val() & !self.wt.q.val() & self.start.val() {
            self.act.d.next = true;
            self.ph.d.next = self.zero6.val();
            self.hc.d.next = self.div_m1.val();
            self.cs.d.next = true;
        }
        if self.act.q.val() {
            if self.hc.q.val() == self.zero8.val() {
                self.hc.d.next = self.div_m1.val();
                self.ph.d.next = self.np.val();
                if self.np.val() <= self.last_clk.val() {
                    if self.np.val().get_bit(0) {
                        self.sclk_lo.d.next = true;
                    } else {
                        self.sclk_lo.d.next = false;
                        if self.np.val() <= self.last_sample.val() {
                            self.sr.d.next = self.sr.q.val() << 1;
                            if self.sdata.val() {
                                self.sr.d.next = (self.sr.q.val() << 1) | self.one12.val();
                            }
                        }
                    }
                }
                if self.np.val() == self.cs_phase.val() {
                    self.cs.d.next = false;
                    self.act.d.next = false;
                    self.wt.d.next = true;
                    self.wc.d.next = self.wait_m1.val();
                }
            } else {
                self.hc.d.next = self.hc.q.val() - self.one8.val();
            }
        }
        if self.wt.q.val() {
            if self.wc.q.val() == self.zero24.val() {
                self.wt.d.next = false;
                self.done_r.d.next = true;
                self.code_r.d.next = self.sr.q.val();
            } else {
                self.wc.d.next = (self.wc.q.val() - self.one24.val()) & self.wmask.val();
            }
        }
        self.busy.next = self.act.q.val() | self.wt.q.val();
        self.done.next = self.done_r.q.val();
        self.code.next = self.code_r.q.val();
        self.cs_n.next = !self.cs.q.val();
        self.sclk.next = !self.sclk_lo.q.val();
    }
}
