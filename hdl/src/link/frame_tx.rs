//! The frame transmitter: payload bytes in, a framed, stuffed, CRC-checked UART stream out.

use super::{c, Crc16, UartTx};
use ouro_core::protocol::{ESCAPE, ESCAPE_XOR, FLAG};
use rust_hdl::prelude::*;

/// The frame transmitter: the consumer offers payload bytes (`data`, `valid`, with `last` on
/// the frame's final byte) and this block sends `FLAG, stuffed(payload ++ crc_be), FLAG`
/// through its own [`UartTx`] on `tx`, exactly as `ouro_core::protocol::frame` encodes it.
///
/// Handshake: a byte moves on an edge where `valid` and `ready` are both high; the consumer
/// keeps `data`, `valid` and `last` steady until then. `valid` while idle starts a frame: the
/// opening flag goes out first, and `ready` rises only when the UART can take the first
/// payload byte (`ready` is never high while the UART is busy or an escaped byte is pending).
/// After the byte with `last`, the block sends the two CRC bytes (stuffed too) and the closing
/// flag, then takes the next frame. A payload needs at least one byte. `busy` is high from
/// the opening flag until the closing flag's stop bit is out.
#[derive(LogicBlock)]
pub struct FrameTx {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// The payload byte offered.
    pub data: Signal<In, Bits<8>>,
    /// `data` is offered.
    pub valid: Signal<In, bool>,
    /// `data` is the frame's last payload byte.
    pub last: Signal<In, bool>,
    /// The byte offered is taken on this edge (with `valid`).
    pub ready: Signal<Out, bool>,
    /// The serial line.
    pub tx: Signal<Out, bool>,
    /// A frame is being sent.
    pub busy: Signal<Out, bool>,
    uart: UartTx,
    crc: Crc16,
    flag: Constant<Bits<8>>,
    escape: Constant<Bits<8>>,
    esc_xor: Constant<Bits<8>>,
    st_idle: Constant<Bits<3>>,
    st_payload: Constant<Bits<3>>,
    st_crc_hi: Constant<Bits<3>>,
    st_crc_lo: Constant<Bits<3>>,
    st_close: Constant<Bits<3>>,
    state: DFF<Bits<3>>,
    esc_pending: DFF<bool>,
    esc_byte: DFF<Bits<8>>,
    sel: Signal<Local, Bits<8>>,
    emit: Signal<Local, bool>,
    free: Signal<Local, bool>,
}

impl FrameTx {
    /// A frame transmitter whose UART runs at `clocks_per_bit` clocks per bit (4..=65535).
    pub fn new(clocks_per_bit: u32) -> Self {
        Self {
            clock: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            last: Default::default(),
            ready: Default::default(),
            tx: Default::default(),
            busy: Default::default(),
            uart: UartTx::new(clocks_per_bit),
            crc: Crc16::new(),
            flag: c(u64::from(FLAG)),
            escape: c(u64::from(ESCAPE)),
            esc_xor: c(u64::from(ESCAPE_XOR)),
            st_idle: c(0),
            st_payload: c(1),
            st_crc_hi: c(2),
            st_crc_lo: c(3),
            st_close: c(4),
            state: Default::default(),
            esc_pending: Default::default(),
            esc_byte: Default::default(),
            sel: Default::default(),
            emit: Default::default(),
            free: Default::default(),
        }
    }
}

impl std::fmt::Debug for FrameTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FrameTx")
    }
}

impl Logic for FrameTx {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, uart, crc);
        dff_setup!(self, clock, state, esc_pending, esc_byte);
        self.tx.next = self.uart.tx.val();
        self.free.next = !self.uart.busy.val();
        self.busy.next = (self.state.q.val() != self.st_idle.val())
            | self.esc_pending.q.val()
            | self.uart.busy.val();
        self.ready.next = false;
        self.uart.start.next = false;
        self.uart.data.next = self.flag.val();
        self.crc.clear.next = false;
        self.crc.enable.next = false;
        self.crc.data.next = self.data.val();
        self.sel.next = self.data.val();
        self.emit.next = false;
        if self.free.val() {
            if self.esc_pending.q.val() {
                // The second byte of an escape.
                self.uart.data.next = self.esc_byte.q.val();
                self.uart.start.next = true;
                self.esc_pending.d.next = false;
            } else if self.state.q.val() == self.st_idle.val() {
                if self.valid.val() {
                    // The opening flag (uart.data is the flag by default).
                    self.uart.start.next = true;
                    self.crc.clear.next = true;
                    self.state.d.next = self.st_payload.val();
                }
            } else if self.state.q.val() == self.st_payload.val() {
                self.ready.next = true;
                if self.valid.val() {
                    self.emit.next = true;
                    self.crc.enable.next = true;
                    if self.last.val() {
                        self.state.d.next = self.st_crc_hi.val();
                    }
                }
            } else if self.state.q.val() == self.st_crc_hi.val() {
                self.sel.next = self.crc.crc_hi.val();
                self.emit.next = true;
                self.state.d.next = self.st_crc_lo.val();
            } else if self.state.q.val() == self.st_crc_lo.val() {
                self.sel.next = self.crc.crc_lo.val();
                self.emit.next = true;
                self.state.d.next = self.st_close.val();
            } else {
                // The closing flag.
                self.uart.start.next = true;
                self.state.d.next = self.st_idle.val();
            }
        }
        // A payload or CRC byte: itself, or the escape now and the byte ^ 0x20 next.
        if self.emit.val() {
            self.uart.start.next = true;
            self.uart.data.next = self.sel.val();
            if (self.sel.val() == self.flag.val()) | (self.sel.val() == self.escape.val()) {
                self.uart.data.next = self.escape.val();
                self.esc_pending.d.next = true;
                self.esc_byte.d.next = self.sel.val() ^ self.esc_xor.val();
            }
        }
    }
}
