//! exp2: the network output (log2 of the duration, Q6.10) to a duration in cycles through a
//! 256-entry mantissa table (`docs/FIXED_POINT.md` section 4, `qformat::exp2_cycles`).

use super::c;
use crate::mem::Rom;
use ouro_core::qformat::exp2_table;
use rust_hdl::prelude::*;

/// exp2 in two register stages. On an edge with `load` high, `log2` goes to the `log2` output
/// register and its bits 9..2 address the table (a synchronous 256 x 16 ROM, read on the same
/// edge); on the next edge `raw = (table[log2[9:2]] << log2[14:10]) >> 15` (0 for a negative
/// log2) is registered in a 48-bit datapath, and `valid` is high in the cycle after that one.
#[derive(LogicBlock)]
pub struct Exp2 {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// log2 of the duration in cycles, Q6.10 bits.
    pub log2_in: Signal<In, Bits<16>>,
    /// Take `log2_in` on this edge.
    pub load: Signal<In, bool>,
    /// The last `log2_in` taken (held until the next `load`).
    pub log2: Signal<Out, Bits<16>>,
    /// The duration in cycles, before the clamp (below 2^48).
    pub raw: Signal<Out, Bits<48>>,
    /// `raw` belongs to the last `log2` taken (one cycle, two edges after the `load` edge).
    pub valid: Signal<Out, bool>,
    zero48: Constant<Bits<48>>,
    exp2: Rom<16, 8>,
    log2_r: DFF<Bits<16>>,
    f4: DFF<bool>,
    raw_r: DFF<Bits<48>>,
    f5: DFF<bool>,
    int5: Signal<Local, Bits<5>>,
    mant48: Signal<Local, Bits<48>>,
}

impl Exp2 {
    /// exp2 with the table `ouro_core::qformat::exp2_table()`.
    pub fn new() -> Self {
        Self {
            clock: Default::default(),
            log2_in: Default::default(),
            load: Default::default(),
            log2: Default::default(),
            raw: Default::default(),
            valid: Default::default(),
            zero48: c(0),
            exp2: Rom::new(exp2_table().iter().map(|&v| u64::from(v)).collect(), true),
            log2_r: Default::default(),
            f4: Default::default(),
            raw_r: Default::default(),
            f5: Default::default(),
            int5: Default::default(),
            mant48: Default::default(),
        }
    }
}

impl Default for Exp2 {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Exp2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exp2")
    }
}

impl Logic for Exp2 {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, log2_r, f4, raw_r, f5);
        clock!(self, clock, exp2);
        // The table is addressed by the incoming word, so that it is read on the same edge as
        // `log2_r` takes it.
        self.exp2.address.next = self.log2_in.val().get_bits::<8>(2);
        if self.load.val() {
            self.log2_r.d.next = self.log2_in.val();
        }
        self.f4.d.next = self.load.val();
        self.int5.next = self.log2_r.q.val().get_bits::<5>(10);
        self.mant48.next = bit_cast::<48, 16>(self.exp2.data.val());
        if self.f4.q.val() {
            self.raw_r.d.next = (self.mant48.val() << self.int5.val()) >> 15;
            if self.log2_r.q.val().get_bit(15) {
                self.raw_r.d.next = self.zero48.val();
            }
        }
        self.f5.d.next = self.f4.q.val();
        self.log2.next = self.log2_r.q.val();
        self.raw.next = self.raw_r.q.val();
        self.valid.next = self.f5.q.val();
    }
}
