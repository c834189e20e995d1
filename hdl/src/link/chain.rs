//! The receive chain: the UART receiver feeding the frame receiver.

use super::{FrameRx, UartRx, BUF_ADDR_BITS as AB, LEN_BITS as LB};
use rust_hdl::prelude::*;

/// The link's receive side: the serial line through [`UartRx`] into [`FrameRx`], whose ports
/// it exposes (the UART's framing errors make the frame in progress bad).
#[derive(LogicBlock)]
pub struct RxChain {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// The serial line from the host.
    pub rx: Signal<In, bool>,
    /// Read port: payload byte address.
    pub rd_addr: Signal<In, Bits<AB>>,
    /// Read port: the byte at the previous edge's `rd_addr`.
    pub rd_data: Signal<Out, Bits<8>>,
    /// The consumer is done with the payload.
    pub release_buf: Signal<In, bool>,
    /// A good frame's payload is in the buffer.
    pub ready: Signal<Out, bool>,
    /// Its length in bytes.
    pub length: Signal<Out, Bits<LB>>,
    /// One cycle: a bad frame was discarded.
    pub bad: Signal<Out, bool>,
    /// One cycle: a frame arrived while the buffer was held, and was dropped.
    pub overrun: Signal<Out, bool>,
    uart: UartRx,
    frames: FrameRx,
}

impl RxChain {
    /// The receive chain at `clocks_per_bit` clocks per bit.
    pub fn new(clocks_per_bit: u32) -> Self {
        Self {
            clock: Default::default(),
            rx: Default::default(),
            rd_addr: Default::default(),
            rd_data: Default::default(),
            release_buf: Default::default(),
            ready: Default::default(),
            length: Default::default(),
            bad: Default::default(),
            overrun: Default::default(),
            uart: UartRx::new(clocks_per_bit),
            frames: FrameRx::new(),
        }
    }
}

impl std::fmt::Debug for RxChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RxChain")
    }
}

impl Logic for RxChain {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, uart, frames);
        self.uart.rx.next = self.rx.val();
        self.frames.data.next = self.uart.data.val();
        self.frames.valid.next = self.uart.valid.val();
        self.frames.line_error.next = self.uart.framing_error.val();
        self.frames.rd_addr.next = self.rd_addr.val();
        self.frames.release_buf.next = self.release_buf.val();
        self.rd_data.next = self.frames.rd_data.val();
        self.ready.next = self.frames.ready.val();
        self.length.next = self.frames.length.val();
        self.bad.next = self.frames.bad.val();
        self.overrun.next = self.frames.overrun.val();
    }
}
