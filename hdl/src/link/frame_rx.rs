//! The frame receiver: bytes in, unstuffed and checked payloads out of a buffer.

use super::{c, Crc16, BUF_ADDR_BITS as AB, LEN_BITS as LB};
use crate::mem::Ram;
use ouro_core::protocol::{ESCAPE, ESCAPE_XOR, FLAG, MAX_PAYLOAD};
use rust_hdl::prelude::*;

/// The frame receiver, with the same rules as `ouro_core::protocol::Deframer`: it takes the
/// UART's bytes (`valid`, `data`) and its framing errors (`line_error`), unstuffs each frame,
/// checks its length and CRC, and keeps the payload of a good frame in a RAM of
/// `MAX_PAYLOAD` bytes (one EBR pair) until the consumer releases it.
///
/// Every flag closes the frame before it and opens the next one. Before the first flag all
/// bytes are ignored. A frame is bad when it holds an escape (0x7D) followed by a byte other
/// than 0x5E/0x5D or by the flag, a byte lost to a framing error, more than `MAX_PAYLOAD + 2`
/// unstuffed bytes, fewer than 2, or a CRC that does not check (the CRC of the whole
/// unstuffed frame, payload and CRC bytes, must be 0). An empty frame (two flags in a row) is
/// ignored. Every unstuffed byte is folded into the CRC as it arrives, and written to the RAM
/// two bytes late, so that the CRC bytes at the end never reach it.
///
/// At the closing flag (the edge that samples its `valid`), a good frame sets `ready` and
/// `length` (its payload bytes, 0..=1024) from the next cycle on; a bad one pulses `bad` for
/// one cycle instead. While `ready`, the consumer reads the payload through the read port
/// (`rd_data` holds byte `rd_addr` of the previous edge: address in, data next cycle) and
/// pulses `release_buf` when done (`release` is a Verilog keyword); `ready` falls on that
/// edge. A frame with any byte arriving while
/// the buffer is held is not stored and is dropped at its closing flag with a one-cycle
/// `overrun` pulse (instead of `bad` or `ready`); the held payload is untouched.
#[derive(LogicBlock)]
pub struct FrameRx {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// A byte from the UART.
    pub data: Signal<In, Bits<8>>,
    /// `data` is a new byte (one cycle).
    pub valid: Signal<In, bool>,
    /// The UART lost a byte to a framing error (one cycle).
    pub line_error: Signal<In, bool>,
    /// Read port: payload byte address.
    pub rd_addr: Signal<In, Bits<AB>>,
    /// Read port: the byte at the previous edge's `rd_addr`.
    pub rd_data: Signal<Out, Bits<8>>,
    /// The consumer is done with the payload (ignored unless `ready`).
    pub release_buf: Signal<In, bool>,
    /// A good frame's payload is in the buffer.
    pub ready: Signal<Out, bool>,
    /// Its length in bytes (valid while `ready`).
    pub length: Signal<Out, Bits<LB>>,
    /// One cycle: a bad frame was discarded.
    pub bad: Signal<Out, bool>,
    /// One cycle: a frame arrived while the buffer was held, and was dropped.
    pub overrun: Signal<Out, bool>,
    ram: Ram<8, AB>,
    crc: Crc16,
    flag: Constant<Bits<8>>,
    escape: Constant<Bits<8>>,
    esc_flag: Constant<Bits<8>>,
    esc_escape: Constant<Bits<8>>,
    zero8: Constant<Bits<8>>,
    zero_len: Constant<Bits<LB>>,
    one_len: Constant<Bits<LB>>,
    two_len: Constant<Bits<LB>>,
    full_len: Constant<Bits<LB>>,
    synced: DFF<bool>,
    esc: DFF<bool>,
    broken: DFF<bool>,
    dropping: DFF<bool>,
    held: DFF<bool>,
    count: DFF<Bits<LB>>,
    h0: DFF<Bits<8>>,
    h1: DFF<Bits<8>>,
    len_r: DFF<Bits<LB>>,
    bad_r: DFF<bool>,
    over_r: DFF<bool>,
    ubyte: Signal<Local, Bits<8>>,
    store: Signal<Local, bool>,
    is_flag: Signal<Local, bool>,
    wa: Signal<Local, Bits<LB>>,
}

impl FrameRx {
    /// A frame receiver with an empty buffer, hunting for its first flag.
    pub fn new() -> Self {
        Self {
            clock: Default::default(),
            data: Default::default(),
            valid: Default::default(),
            line_error: Default::default(),
            rd_addr: Default::default(),
            rd_data: Default::default(),
            release_buf: Default::default(),
            ready: Default::default(),
            length: Default::default(),
            bad: Default::default(),
            overrun: Default::default(),
            ram: Ram::new(MAX_PAYLOAD, vec![]),
            crc: Crc16::new(),
            flag: c(u64::from(FLAG)),
            escape: c(u64::from(ESCAPE)),
            esc_flag: c(u64::from(FLAG ^ ESCAPE_XOR)),
            esc_escape: c(u64::from(ESCAPE ^ ESCAPE_XOR)),
            zero8: c(0),
            zero_len: c(0),
            one_len: c(1),
            two_len: c(2),
            full_len: c(MAX_PAYLOAD as u64 + 2),
            synced: Default::default(),
            esc: Default::default(),
            broken: Default::default(),
            dropping: Default::default(),
            held: Default::default(),
            count: Default::default(),
            h0: Default::default(),
            h1: Default::default(),
            len_r: Default::default(),
            bad_r: Default::default(),
            over_r: Default::default(),
            ubyte: Default::default(),
            store: Default::default(),
            is_flag: Default::default(),
            wa: Default::default(),
        }
    }
}

impl Default for FrameRx {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for FrameRx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FrameRx")
    }
}

impl Logic for FrameRx {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, ram, crc);
        dff_setup!(
            self, clock, synced, esc, broken, dropping, held, count, h0, h1, len_r, bad_r, over_r
        );
        self.ram.read_address.next = self.rd_addr.val();
        self.rd_data.next = self.ram.read_data.val();
        self.ready.next = self.held.q.val();
        self.length.next = self.len_r.q.val();
        self.bad.next = self.bad_r.q.val();
        self.overrun.next = self.over_r.q.val();
        self.bad_r.d.next = false;
        self.over_r.d.next = false;
        self.wa.next = self.count.q.val() - self.two_len.val();
        self.ram.write_address.next = self.wa.val().get_bits::<AB>(0);
        self.ram.write_data.next = self.h0.q.val();
        self.ram.write_enable.next = false;
        self.crc.clear.next = false;
        self.crc.enable.next = false;
        self.is_flag.next = self.data.val() == self.flag.val();
        if self.release_buf.val() {
            self.held.d.next = false;
        }
        if self.line_error.val() & self.synced.q.val() {
            self.broken.d.next = true;
        }
        // Unstuffing: which byte (if any) this cycle stores.
        self.ubyte.next = self.data.val();
        self.store.next = false;
        if self.valid.val() & !self.is_flag.val() & self.synced.q.val() & !self.broken.q.val() {
            if self.esc.q.val() {
                self.esc.d.next = false;
                if self.data.val() == self.esc_flag.val() {
                    self.ubyte.next = self.flag.val();
                    self.store.next = true;
                } else if self.data.val() == self.esc_escape.val() {
                    self.ubyte.next = self.escape.val();
                    self.store.next = true;
                } else {
                    self.broken.d.next = true;
                }
            } else if self.data.val() == self.escape.val() {
                self.esc.d.next = true;
            } else {
                self.store.next = true;
            }
        }
        self.crc.data.next = self.ubyte.val();
        if self.store.val() {
            if self.held.q.val() {
                self.dropping.d.next = true;
            } else if self.count.q.val() == self.full_len.val() {
                self.broken.d.next = true;
            } else {
                self.crc.enable.next = true;
                self.h0.d.next = self.h1.q.val();
                self.h1.d.next = self.ubyte.val();
                self.ram.write_enable.next = self.count.q.val() >= self.two_len.val();
                self.count.d.next = self.count.q.val() + self.one_len.val();
            }
        }
        // A flag closes the frame before it and opens the next.
        if self.valid.val() & self.is_flag.val() {
            if self.synced.q.val() {
                if self.dropping.q.val() {
                    self.over_r.d.next = true;
                } else if self.broken.q.val() | self.esc.q.val() {
                    self.bad_r.d.next = true;
                } else if self.count.q.val() != self.zero_len.val() {
                    // (An empty frame is ignored.)
                    if (self.count.q.val() == self.one_len.val())
                        | (self.crc.crc_hi.val() != self.zero8.val())
                        | (self.crc.crc_lo.val() != self.zero8.val())
                    {
                        self.bad_r.d.next = true;
                    } else {
                        self.held.d.next = true;
                        self.len_r.d.next = self.wa.val();
                    }
                }
            }
            self.synced.d.next = true;
            self.esc.d.next = false;
            self.broken.d.next = false;
            self.dropping.d.next = false;
            self.count.d.next = self.zero_len.val();
            self.crc.clear.next = true;
        }
    }
}
