//! The UART transmitter (8N1).

use super::{c, checked_cpb};
use rust_hdl::prelude::*;

/// The UART transmitter, 8N1, LSB first, at `clocks_per_bit` clocks per bit (a build
/// parameter). While `busy` is low, `start` high loads `data`: on that edge `tx` goes low for
/// the start bit, then come the 8 data bits and the stop bit (1), each `clocks_per_bit`
/// cycles. `busy` (a register) is high from the edge that loads a byte until the last cycle
/// of its stop bit, in which it is low again, so that a byte started then follows without a
/// gap: back to back, a byte takes exactly `10 * clocks_per_bit` cycles. `tx` idles at 1
/// (stored inverted, so that it powers up idle) and is a register output (no glitches on the
/// line).
#[derive(LogicBlock)]
pub struct UartTx {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// The byte to send, sampled with `start`.
    pub data: Signal<In, Bits<8>>,
    /// Send `data` (ignored while `busy`).
    pub start: Signal<In, bool>,
    /// The serial line.
    pub tx: Signal<Out, bool>,
    /// A byte is being sent and cannot be replaced yet.
    pub busy: Signal<Out, bool>,
    cpb_last: Constant<Bits<16>>,
    zero16: Constant<Bits<16>>,
    one16: Constant<Bits<16>>,
    nine: Constant<Bits<4>>,
    zero4: Constant<Bits<4>>,
    one4: Constant<Bits<4>>,
    bit7: Constant<Bits<8>>,
    tx_n: DFF<bool>,
    busy_r: DFF<bool>,
    sh: DFF<Bits<8>>,
    bits: DFF<Bits<4>>,
    cnt: DFF<Bits<16>>,
}

impl UartTx {
    /// A transmitter at `clocks_per_bit` clocks per bit (4..=65535).
    pub fn new(clocks_per_bit: u32) -> Self {
        let cpb = checked_cpb(clocks_per_bit);
        Self {
            clock: Default::default(),
            data: Default::default(),
            start: Default::default(),
            tx: Default::default(),
            busy: Default::default(),
            cpb_last: c(cpb - 1),
            zero16: c(0),
            one16: c(1),
            nine: c(9),
            zero4: c(0),
            one4: c(1),
            bit7: c(0x80),
            tx_n: Default::default(),
            busy_r: Default::default(),
            sh: Default::default(),
            bits: Default::default(),
            cnt: Default::default(),
        }
    }
}

impl std::fmt::Debug for UartTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UartTx")
    }
}

impl Logic for UartTx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, tx_n, busy_r, sh, bits, cnt);
        self.tx.next = !self.tx_n.q.val();
        self.busy.next = self.busy_r.q.val();
        if !self.busy_r.q.val() {
            if self.start.val() {
                // Start bit now; then the data bits and, shifted in behind them, the stop bit.
                self.tx_n.d.next = true;
                self.sh.d.next = self.data.val();
                self.bits.d.next = self.nine.val();
                self.cnt.d.next = self.cpb_last.val();
                self.busy_r.d.next = true;
            }
        } else if self.cnt.q.val() != self.zero16.val() {
            self.cnt.d.next = self.cnt.q.val() - self.one16.val();
            // Entering the stop bit's last cycle: free for the next byte.
            if (self.bits.q.val() == self.zero4.val()) & (self.cnt.q.val() == self.one16.val()) {
                self.busy_r.d.next = false;
            }
        } else {
            self.tx_n.d.next = !self.sh.q.val().get_bit(0);
            self.sh.d.next = (self.sh.q.val() >> 1) | self.bit7.val();
            self.bits.d.next = self.bits.q.val() - self.one4.val();
            self.cnt.d.next = self.cpb_last.val();
        }
    }
}
