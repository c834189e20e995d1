//! `CellReader`: the read path's settling, `2^k` conversions, their average.

use super::timing::MAX_READS_LOG2;
use super::{c, AdcSpi, Timing};
use rust_hdl::prelude::*;

/// Reads the selected cell: waits the read path's settling (`read_settle` cycles, counted from
/// the edge that samples `start`), makes `2^k` conversions back to back with an [`AdcSpi`]
/// (each started in the previous one's `done` cycle), and outputs their sum shifted right by
/// `k`, the remainder dropped (`k = reads_log2`, values above 4 taken as 4). The first
/// conversion's CS falls on edge `read_settle + 2`; `done` comes one cycle after the last
/// conversion's. Latency: `timing::read_cycles`. Pins: the converter's, passed through.
#[derive(LogicBlock)]
pub struct CellReader {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Start a read (sampled while idle).
    pub start: Signal<In, bool>,
    /// log2 of the number of conversions (0..=4), sampled with `start`.
    pub reads_log2: Signal<In, Bits<3>>,
    /// Pin: serial data from the ADC.
    pub sdata: Signal<In, bool>,
    /// High from the edge that samples `start` until the edge that raises `done`.
    pub busy: Signal<Out, bool>,
    /// One-cycle pulse: `code` holds the new average (until the next `done`).
    pub done: Signal<Out, bool>,
    /// The average code.
    pub code: Signal<Out, Bits<12>>,
    /// Pin: the ADC's chip select, active low.
    pub cs_n: Signal<Out, bool>,
    /// Pin: the ADC's serial clock.
    pub sclk: Signal<Out, bool>,
    adc: AdcSpi,
    settle: Constant<Bits<24>>,
    max_k: Constant<Bits<3>>,
    zero5: Constant<Bits<5>>,
    one5: Constant<Bits<5>>,
    zero16: Constant<Bits<16>>,
    zero24: Constant<Bits<24>>,
    wmask: Constant<Bits<24>>,
    one24: Constant<Bits<24>>,
    setl: DFF<bool>,
    conv: DFF<bool>,
    wc: DFF<Bits<24>>,
    left: DFF<Bits<5>>,
    k: DFF<Bits<3>>,
    sum: DFF<Bits<16>>,
    code_r: DFF<Bits<12>>,
    done_r: DFF<bool>,
    k_in: Signal<Local, Bits<3>>,
    total: Signal<Local, Bits<16>>,
    avg: Signal<Local, Bits<16>>,
}

impl CellReader {
    /// The reader of a board with timing `t`.
    ///
    /// # Panics
    /// If a divider of `t` is outside 1..=255 or a wait is 2^24 cycles or more.
    pub fn new(t: &Timing) -> Self {
        super::check_timing(t);
        Self {
            clock: Default::default(),
            start: Default::default(),
            reads_log2: Default::default(),
            sdata: Default::default(),
            busy: Default::default(),
            done: Default::default(),
            code: Default::default(),
            cs_n: Default::default(),
            sclk: Default::default(),
            adc: AdcSpi::new(t),
            settle: c(u64::from(t.read_settle)),
            max_k: c(u64::from(MAX_READS_LOG2)),
            zero5: c(0),
            one5: c(1),
            zero16: c(0),
            zero24: c(0),
            wmask: c(super::low_mask(u64::from(t.read_settle))),
            one24: c(1),
            setl: Default::default(),
            conv: Default::default(),
            wc: Default::default(),
            left: Default::default(),
            k: Default::default(),
            sum: Default::default(),
            code_r: Default::default(),
            done_r: Default::default(),
            k_in: Default::default(),
            total: Default::default(),
            avg: Default::default(),
        }
    }
}

impl std::fmt::Debug for CellReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CellReader")
    }
}

impl Logic for CellReader {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, setl, conv, wc, left, k, sum, code_r, done_r);
        clock!(self, clock, adc);
        self.adc.sdata.next = self.sdata.val();
        self.k_in.next = self.reads_log2.val();
        if self.reads_log2.val() > self.max_k.val() {
            self.k_in.next = self.max_k.val();
        }
        self.total.next = self.sum.q.val() + bit_cast::<16, 12>(self.adc.code.val());
        // The average: below 2^12 since each code is.
        self.avg.next = self.total.val() >> self.k.q.val();
        self.done_r.d.next = false;
        self.adc.start.next = false;
        if !self.setl.q.val() & !self.conv.q.val() & self.start.val() {
            self.setl.d.next = true;
            self.wc.d.next = self.settle.val();
            self.k.d.next = self.k_in.val();
            self.left.d.next = (self.one5.val() << self.k_in.val()) - self.one5.val();
            self.sum.d.next = self.zero16.val();
        }
        if self.setl.q.val() {
            if self.wc.q.val() == self.zero24.val() {
                self.setl.d.next = false;
                self.conv.d.next = true;
                self.adc.start.next = true;
            } else {
                self.wc.d.next = (self.wc.q.val() - self.one24.val()) & self.wmask.val();
            }
        }
        if self.conv.q.val() & self.adc.done.val() {
            self.sum.d.next = self.total.val();
            if self.left.q.val() == self.zero5.val() {
                self.conv.d.next = false;
                self.done_r.d.next = true;
                self.code_r.d.next = self.avg.val().get_bits::<12>(0);
            } else {
                self.left.d.next = self.left.q.val() - self.one5.val();
                self.adc.start.next = true;
            }
        }
        self.busy.next = self.setl.q.val() | self.conv.q.val() | self.adc.busy.val();
        self.done.next = self.done_r.q.val();
        self.code.next = self.code_r.q.val();
        self.cs_n.next = self.adc.cs_n.val();
        self.sclk.next = self.adc.sclk.val();
    }
}
