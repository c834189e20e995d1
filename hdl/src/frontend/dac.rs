//! `DacSpi`: one write to the AD5541A (Pmod DA3), LDAC pulsed, then its settling time.

use super::timing::{dac_wait, DAC_BITS};
use super::{c, Timing};
use rust_hdl::prelude::*;

/// A 16-bit write to the AD5541A. SPI mode 0: SCLK idles low and the DAC samples DIN on SCLK's
/// rising edge; every SCLK half period is `dac_div` cycles. In phases of one half period,
/// counted from the edge that samples `start` (phase 0): CS falls and DIN shows bit 15 (phase
/// 0); SCLK rises in the odd phases 1..31 and falls in the even phases 2..32, DIN moving to the
/// next bit as it falls (0 after bit 0); CS rises in phase 33; LDAC falls in phase 34 (the
/// output changes) and rises one half period later; `done` follows LDAC's fall by
/// `timing::dac_wait` cycles (the settling time). Latency: `timing::dac_write_cycles`. The
/// code is sampled with `start`. Idle pins: CS and LDAC high, SCLK and DIN low.
#[derive(LogicBlock)]
pub struct DacSpi {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Start a write (sampled while idle).
    pub start: Signal<In, bool>,
    /// The code, sampled with `start`.
    pub code: Signal<In, Bits<16>>,
    /// High from the edge that samples `start` until the edge that raises `done`.
    pub busy: Signal<Out, bool>,
    /// One-cycle pulse: the output has settled to the code.
    pub done: Signal<Out, bool>,
    /// Pin: chip select, active low.
    pub cs_n: Signal<Out, bool>,
    /// Pin: serial clock.
    pub sclk: Signal<Out, bool>,
    /// Pin: serial data.
    pub din: Signal<Out, bool>,
    /// Pin: load DAC, active low.
    pub ldac_n: Signal<Out, bool>,
    div_m1: Constant<Bits<8>>,
    wait_m1: Constant<Bits<24>>,
    ldac_off: Constant<Bits<24>>,
    last_clk: Constant<Bits<6>>,
    cs_phase: Constant<Bits<6>>,
    ldac_phase: Constant<Bits<6>>,
    zero6: Constant<Bits<6>>,
    one6: Constant<Bits<6>>,
    zero8: Constant<Bits<8>>,
    one8: Constant<Bits<8>>,
    zero24: Constant<Bits<24>>,
    wmask: Constant<Bits<24>>,
    one24: Constant<Bits<24>>,
    act: DFF<bool>,
    wt: DFF<bool>,
    ph: DFF<Bits<6>>,
    hc: DFF<Bits<8>>,
    sr: DFF<Bits<16>>,
    cs: DFF<bool>,
    sclk_r: DFF<bool>,
    ldac: DFF<bool>,
    wc: DFF<Bits<24>>,
    done_r: DFF<bool>,
    np: Signal<Local, Bits<6>>,
}

impl DacSpi {
    /// The writer of a board with timing `t`.
    ///
    /// # Panics
    /// If a divider of `t` is outside 1..=255 or a wait is 2^24 cycles or more.
    pub fn new(t: &Timing) -> Self {
        super::check_timing(t);
        let w = u64::from(dac_wait(t));
        let d = u64::from(t.dac_div);
        Self {
            clock: Default::default(),
            start: Default::default(),
            code: Default::default(),
            busy: Default::default(),
            done: Default::default(),
            cs_n: Default::default(),
            sclk: Default::default(),
            din: Default::default(),
            ldac_n: Default::default(),
            div_m1: c(d - 1),
            wait_m1: c(w - 1),
            ldac_off: c(w - d),
            last_clk: c(u64::from(2 * DAC_BITS)),
            cs_phase: c(u64::from(2 * DAC_BITS + 1)),
            ldac_phase: c(u64::from(2 * DAC_BITS + 2)),
            zero6: c(0),
            one6: c(1),
            zero8: c(0),
            one8: c(1),
            zero24: c(0),
            wmask: c(super::low_mask(w - 1)),
            one24: c(1),
            act: Default::default(),
            wt: Default::default(),
            ph: Default::default(),
            hc: Default::default(),
            sr: Default::default(),
            cs: Default::default(),
            sclk_r: Default::default(),
            ldac: Default::default(),
            wc: Default::default(),
            done_r: Default::default(),
            np: Default::default(),
        }
    }
}

impl std::fmt::Debug for DacSpi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DacSpi")
    }
}

impl Logic for DacSpi {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, act, wt, ph, hc, sr, cs, sclk_r, ldac, wc, done_r);
        self.np.next = self.ph.q.val() + self.one6.val();
        self.done_r.d.next = false;
        if !self.act.q.val() & !self.wt.q.val() & self.start.val() {
            self.act.d.next = true;
            self.ph.d.next = self.zero6.val();
            self.hc.d.next = self.div_m1.val();
            self.sr.d.next = self.code.val();
            self.cs.d.next = true;
        }
        if self.act.q.val() {
            if self.hc.q.val() == self.zero8.val() {
                // A new phase: SCLK rises (odd), or falls and DIN moves on (even); then CS
                // rises and LDAC falls.
                self.hc.d.next = self.div_m1.val();
                self.ph.d.next = self.np.val();
                if self.np.val() <= self.last_clk.val() {
                    if self.np.val().get_bit(0) {
                        self.sclk_r.d.next = true;
                    } else {
                        self.sclk_r.d.next = false;
                        self.sr.d.next = self.sr.q.val() << 1;
                    }
                }
                if self.np.val() == self.cs_phase.val() {
                    self.cs.d.next = false;
                }
                if self.np.val() == self.ldac_phase.val() {
                    self.ldac.d.next = true;
                    self.act.d.next = false;
                    self.wt.d.next = true;
                    self.wc.d.next = self.wait_m1.val();
                }
            } else {
                self.hc.d.next = self.hc.q.val() - self.one8.val();
            }
        }
        if self.wt.q.val() {
            if self.wc.q.val() == self.ldac_off.val() {
                self.ldac.d.next = false;
            }
            if self.wc.q.val() == self.zero24.val() {
                self.wt.d.next = false;
                self.done_r.d.next = true;
            } else {
                self.wc.d.next = (self.wc.q.val() - self.one24.val()) & self.wmask.val();
            }
        }
        self.busy.next = self.act.q.val() | self.wt.q.val();
        self.done.next = self.done_r.q.val();
        self.cs_n.next = !self.cs.q.val();
        self.sclk.next = self.sclk_r.q.val();
        self.din.next = self.sr.q.val().get_bit(15);
        self.ldac_n.next = !self.ldac.q.val();
    }
}
