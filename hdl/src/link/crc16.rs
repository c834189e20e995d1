//! The link's CRC-16/IBM-3740 (CCITT-FALSE), one byte per cycle.

use super::c;
use rust_hdl::prelude::*;

/// CRC-16/IBM-3740 (poly 0x1021, init 0xFFFF, not reflected, xorout 0), one byte per cycle,
/// as `ouro_core::protocol::crc16`. The register starts at 0xFFFF (stored inverted, so that
/// its power-up value is the initial value). On an edge with `clear`, it returns to 0xFFFF;
/// with `enable`, `data` is folded in (after the clear, when both are high). `crc_hi`/`crc_lo`
/// show the register: the CRC of the bytes folded in since the last clear. Appending it
/// big-endian to those bytes and folding it in too leaves 0 (what the frame receiver checks).
///
/// One step of the byte-wise update, with `t = crc[15:8] ^ data` and `y = t ^ (t >> 4)`:
/// `crc' = (crc << 8) ^ (y << 12) ^ (y << 5) ^ y`, computed on the two bytes separately
/// (`hi' = lo ^ (y << 4) ^ (y >> 3)`, `lo' = (y << 5) ^ y`), so that no 8-bit value is widened.
#[derive(LogicBlock)]
pub struct Crc16 {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Return to 0xFFFF on this edge.
    pub clear: Signal<In, bool>,
    /// Fold `data` in on this edge.
    pub enable: Signal<In, bool>,
    /// The byte to fold in.
    pub data: Signal<In, Bits<8>>,
    /// The CRC's high byte (sent first).
    pub crc_hi: Signal<Out, Bits<8>>,
    /// The CRC's low byte.
    pub crc_lo: Signal<Out, Bits<8>>,
    ones: Constant<Bits<8>>,
    zero: Constant<Bits<8>>,
    hi_n: DFF<Bits<8>>,
    lo_n: DFF<Bits<8>>,
    cur_hi: Signal<Local, Bits<8>>,
    cur_lo: Signal<Local, Bits<8>>,
    t: Signal<Local, Bits<8>>,
    y: Signal<Local, Bits<8>>,
}

impl Crc16 {
    /// A CRC register at 0xFFFF.
    pub fn new() -> Self {
        Self {
            clock: Default::default(),
            clear: Default::default(),
            enable: Default::default(),
            data: Default::default(),
            crc_hi: Default::default(),
            crc_lo: Default::default(),
            ones: c(0xFF),
            zero: c(0),
            hi_n: Default::default(),
            lo_n: Default::default(),
            cur_hi: Default::default(),
            cur_lo: Default::default(),
            t: Default::default(),
            y: Default::default(),
        }
    }
}

impl Default for Crc16 {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Crc16 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Crc16")
    }
}

impl Logic for Crc16 {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, hi_n, lo_n);
        self.crc_hi.next = !self.hi_n.q.val();
        self.crc_lo.next = !self.lo_n.q.val();
        self.cur_hi.next = !self.hi_n.q.val();
        self.cur_lo.next = !self.lo_n.q.val();
        if self.clear.val() {
            self.cur_hi.next = self.ones.val();
            self.cur_lo.next = self.ones.val();
            self.hi_n.d.next = self.zero.val();
            self.lo_n.d.next = self.zero.val();
        }
        self.t.next = self.cur_hi.val() ^ self.data.val();
        self.y.next = self.t.val() ^ (self.t.val() >> 4);
        if self.enable.val() {
            self.hi_n.d.next = !(self.cur_lo.val() ^ (self.y.val() << 4) ^ (self.y.val() >> 3));
            self.lo_n.d.next = !((self.y.val() << 5) ^ self.y.val());
        }
    }
}
