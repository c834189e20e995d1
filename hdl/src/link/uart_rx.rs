//! The UART receiver (8N1).

use super::{c, checked_cpb};
use rust_hdl::prelude::*;

/// The UART receiver, 8N1, LSB first, at `clocks_per_bit` clocks per bit (a build parameter).
///
/// `rx` passes a two-flop synchroniser (stored inverted, so that both flops and the edge
/// detector power up at the idle level 1). A falling edge of the synchronised line starts a
/// byte; the start bit is sampled again `clocks_per_bit / 2` cycles later (mid-bit): still 0,
/// the byte is received, else it was a glitch and the receiver waits for the next falling
/// edge. Data bits are sampled every `clocks_per_bit` cycles after that, then the stop bit.
/// The sample point is `clocks_per_bit / 2` to `clocks_per_bit / 2 + 1` cycles after the
/// line's true edge (the synchroniser delays the edge and the samples alike).
///
/// At the stop bit's sample: 1, `data` takes the byte and `valid` is high for one cycle;
/// 0, `framing_error` is high for one cycle and the byte is discarded. Either way the receiver
/// then waits for a falling edge, so a line held low (a break) yields one framing error.
/// Both strobes rise on the edge after the stop bit's sample, about 9.5 bit times after the
/// start bit's falling edge; `data` holds until the next byte.
#[derive(LogicBlock)]
pub struct UartRx {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// The serial line (asynchronous).
    pub rx: Signal<In, bool>,
    /// The last byte received.
    pub data: Signal<Out, Bits<8>>,
    /// One cycle: `data` is a new byte.
    pub valid: Signal<Out, bool>,
    /// One cycle: a byte's stop bit was 0 (the byte is discarded).
    pub framing_error: Signal<Out, bool>,
    cpb_last: Constant<Bits<16>>,
    half_last: Constant<Bits<16>>,
    zero16: Constant<Bits<16>>,
    one16: Constant<Bits<16>>,
    seven: Constant<Bits<3>>,
    one3: Constant<Bits<3>>,
    zero3: Constant<Bits<3>>,
    bit7: Constant<Bits<8>>,
    st_idle: Constant<Bits<2>>,
    st_start: Constant<Bits<2>>,
    st_data: Constant<Bits<2>>,
    st_stop: Constant<Bits<2>>,
    s1_n: DFF<bool>,
    s2_n: DFF<bool>,
    prev_n: DFF<bool>,
    state: DFF<Bits<2>>,
    cnt: DFF<Bits<16>>,
    nbit: DFF<Bits<3>>,
    sh: DFF<Bits<8>>,
    data_r: DFF<Bits<8>>,
    valid_r: DFF<bool>,
    ferr_r: DFF<bool>,
    line: Signal<Local, bool>,
    fell: Signal<Local, bool>,
}

impl UartRx {
    /// A receiver at `clocks_per_bit` clocks per bit (4..=65535).
    pub fn new(clocks_per_bit: u32) -> Self {
        let cpb = checked_cpb(clocks_per_bit);
        Self {
            clock: Default::default(),
            rx: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            framing_error: Default::default(),
            cpb_last: c(cpb - 1),
            half_last: c(cpb / 2 - 1),
            zero16: c(0),
            one16: c(1),
            seven: c(7),
            one3: c(1),
            zero3: c(0),
            bit7: c(0x80),
            st_idle: c(0),
            st_start: c(1),
            st_data: c(2),
            st_stop: c(3),
            s1_n: Default::default(),
            s2_n: Default::default(),
            prev_n: Default::default(),
            state: Default::default(),
            cnt: Default::default(),
            nbit: Default::default(),
            sh: Default::default(),
            data_r: Default::default(),
            valid_r: Default::default(),
            ferr_r: Default::default(),
            line: Default::default(),
            fell: Default::default(),
        }
    }
}

impl std::fmt::Debug for UartRx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UartRx")
    }
}

impl Logic for UartRx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, s1_n, s2_n, prev_n, state, cnt, nbit, sh, data_r, valid_r, ferr_r);
        // The synchroniser and the edge detector, inverted (power-up value = idle line).
        self.s1_n.d.next = !self.rx.val();
        self.s2_n.d.next = self.s1_n.q.val();
        self.prev_n.d.next = self.s2_n.q.val();
        self.line.next = !self.s2_n.q.val();
        self.fell.next = !self.prev_n.q.val() & self.s2_n.q.val();
        self.valid_r.d.next = false;
        self.ferr_r.d.next = false;
        self.data.next = self.data_r.q.val();
        self.valid.next = self.valid_r.q.val();
        self.framing_error.next = self.ferr_r.q.val();
        if self.state.q.val() == self.st_idle.val() {
            if self.fell.val() {
                self.state.d.next = self.st_start.val();
                self.cnt.d.next = self.half_last.val();
            }
        } else if self.cnt.q.val() != self.zero16.val() {
            self.cnt.d.next = self.cnt.q.val() - self.one16.val();
        } else {
            self.cnt.d.next = self.cpb_last.val();
            if self.state.q.val() == self.st_start.val() {
                // Mid start bit: still low, a byte; high again, a glitch.
                if self.line.val() {
                    self.state.d.next = self.st_idle.val();
                } else {
                    self.state.d.next = self.st_data.val();
                    self.nbit.d.next = self.zero3.val();
                }
            } else if self.state.q.val() == self.st_data.val() {
                self.sh.d.next = self.sh.q.val() >> 1;
                if self.line.val() {
                    self.sh.d.next = (self.sh.q.val() >> 1) | self.bit7.val();
                }
                self.nbit.d.next = self.nbit.q.val() + self.one3.val();
                if self.nbit.q.val() == self.seven.val() {
                    self.state.d.next = self.st_stop.val();
                }
            } else {
                self.state.d.next = self.st_idle.val();
                if self.line.val() {
                    self.data_r.d.next = self.sh.q.val();
                    self.valid_r.d.next = true;
                } else {
                    self.ferr_r.d.next = true;
                }
            }
        }
    }
}
