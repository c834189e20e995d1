//! The result store: the sequencer's records, in one SPRAM, until the host fetches them.

use super::{b, RESULT_CAPACITY};
use crate::mem::Spram;
use rust_hdl::prelude::*;

/// A first-in first-out store of up to [`RESULT_CAPACITY`] records. A record (the sequencer's
/// `res_*` outputs in a cycle with `res_valid`) is counted at once and written in the ten
/// cycles after, from the `res_*` outputs (the sequencer holds them until it takes its next job,
/// and it takes none while `room` is low, which it is while a record is being written; only
/// `res_total`, which goes on counting, is kept from the `res_valid` cycle), as the
/// ten little-endian words of its 20 protocol bytes (`Record` on the wire: row and col, target,
/// final code, outcome and refusal reason, pulses, pulse cycles low and high, total cycles low
/// and high, reads) in a sixteen-word slot.
///
/// Reading: a one-cycle `rd_req` asks for the next word of the oldest record (word 0 after a
/// `pop` or at the start); the read takes place in that cycle or, while a record is being
/// written, in the first cycle after it, and its word is on `rd_data` in the next cycle, with
/// `rd_valid` (one cycle). `pop` forgets the oldest record.
#[derive(LogicBlock)]
pub struct ResultStore {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// A record is on `res_*`.
    pub res_valid: Signal<In, bool>,
    /// Row.
    pub res_row: Signal<In, Bits<8>>,
    /// Column.
    pub res_col: Signal<In, Bits<8>>,
    /// Target.
    pub res_target: Signal<In, Bits<16>>,
    /// Last reading.
    pub res_final: Signal<In, Bits<16>>,
    /// Outcome.
    pub res_outcome: Signal<In, Bits<2>>,
    /// Refusal reason.
    pub res_reason: Signal<In, Bits<2>>,
    /// Pulses.
    pub res_pulses: Signal<In, Bits<16>>,
    /// Pulse cycles.
    pub res_pulse_cycles: Signal<In, Bits<32>>,
    /// Total cycles.
    pub res_total: Signal<In, Bits<32>>,
    /// Reads.
    pub res_reads: Signal<In, Bits<16>>,
    /// Ask for the next word of the oldest record (one cycle).
    pub rd_req: Signal<In, bool>,
    /// The word asked for in the previous cycle is on `rd_data`.
    pub rd_valid: Signal<Out, bool>,
    /// The word.
    pub rd_data: Signal<Out, Bits<16>>,
    /// Forget the oldest record.
    pub pop: Signal<In, bool>,
    /// Records held.
    pub count: Signal<Out, Bits<11>>,
    /// There is room for a record, and none is being written.
    pub room: Signal<Out, bool>,
    ram: Spram,
    wphase: DFF<Bits<4>>,
    wptr: DFF<Bits<14>>,
    rbase: DFF<Bits<14>>,
    rptr: DFF<Bits<14>>,
    n: DFF<Bits<11>>,
    rd_valid_r: DFF<bool>,
    pend: DFF<bool>,
    total: DFF<Bits<32>>,
    k0_4: Constant<Bits<4>>,
    k1_4: Constant<Bits<4>>,
    k2_4: Constant<Bits<4>>,
    k3_4: Constant<Bits<4>>,
    k4_4: Constant<Bits<4>>,
    k5_4: Constant<Bits<4>>,
    k6_4: Constant<Bits<4>>,
    k7_4: Constant<Bits<4>>,
    k8_4: Constant<Bits<4>>,
    k9_4: Constant<Bits<4>>,
    k10_4: Constant<Bits<4>>,
    k1_14: Constant<Bits<14>>,
    k7_14: Constant<Bits<14>>,
    k16_14: Constant<Bits<14>>,
    k1_11: Constant<Bits<11>>,
    cap: Constant<Bits<11>>,
    writing: Signal<Local, bool>,
    read: Signal<Local, bool>,
    w0: Signal<Local, Bits<16>>,
    w3: Signal<Local, Bits<16>>,
}

impl ResultStore {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            clock: Default::default(),
            res_valid: Default::default(),
            res_row: Default::default(),
            res_col: Default::default(),
            res_target: Default::default(),
            res_final: Default::default(),
            res_outcome: Default::default(),
            res_reason: Default::default(),
            res_pulses: Default::default(),
            res_pulse_cycles: Default::default(),
            res_total: Default::default(),
            res_reads: Default::default(),
            rd_req: Default::default(),
            rd_valid: Default::default(),
            rd_data: Default::default(),
            pop: Default::default(),
            count: Default::default(),
            room: Default::default(),
            ram: Spram::new(),
            wphase: Default::default(),
            wptr: Default::default(),
            rbase: Default::default(),
            rptr: Default::default(),
            n: Default::default(),
            rd_valid_r: Default::default(),
            pend: Default::default(),
            total: Default::default(),
            k0_4: b(0),
            k1_4: b(1),
            k2_4: b(2),
            k3_4: b(3),
            k4_4: b(4),
            k5_4: b(5),
            k6_4: b(6),
            k7_4: b(7),
            k8_4: b(8),
            k9_4: b(9),
            k10_4: b(10),
            k1_14: b(1),
            k7_14: b(7),
            k16_14: b(16),
            k1_11: b(1),
            cap: b(RESULT_CAPACITY as u64),
            writing: Default::default(),
            read: Default::default(),
            w0: Default::default(),
            w3: Default::default(),
        }
    }
}

impl Default for ResultStore {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ResultStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResultStore")
    }
}

impl Logic for ResultStore {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, wphase, wptr, rbase, rptr, n, rd_valid_r, pend, total);
        clock!(self, clock, ram);
        self.writing.next = self.wphase.q.val() != self.k0_4.val();
        self.read.next = (self.rd_req.val() | self.pend.q.val()) & !self.writing.val();
        self.pend.d.next = (self.rd_req.val() | self.pend.q.val()) & self.writing.val();
        // The record's byte pairs.
        self.w0.next =
            bit_cast::<16, 8>(self.res_row.val()) | (bit_cast::<16, 8>(self.res_col.val()) << 8);
        self.w3.next = bit_cast::<16, 2>(self.res_outcome.val())
            | (bit_cast::<16, 2>(self.res_reason.val()) << 8);
        self.ram.write_enable.next = self.writing.val();
        self.ram.write_data.next = self.w0.val();
        if self.wphase.q.val() == self.k2_4.val() {
            self.ram.write_data.next = self.res_target.val();
        }
        if self.wphase.q.val() == self.k3_4.val() {
            self.ram.write_data.next = self.res_final.val();
        }
        if self.wphase.q.val() == self.k4_4.val() {
            self.ram.write_data.next = self.w3.val();
        }
        if self.wphase.q.val() == self.k5_4.val() {
            self.ram.write_data.next = self.res_pulses.val();
        }
        if self.wphase.q.val() == self.k6_4.val() {
            self.ram.write_data.next = self.res_pulse_cycles.val().get_bits::<16>(0);
        }
        if self.wphase.q.val() == self.k7_4.val() {
            self.ram.write_data.next = self.res_pulse_cycles.val().get_bits::<16>(16);
        }
        if self.wphase.q.val() == self.k8_4.val() {
            self.ram.write_data.next = self.total.q.val().get_bits::<16>(0);
        }
        if self.wphase.q.val() == self.k9_4.val() {
            self.ram.write_data.next = self.total.q.val().get_bits::<16>(16);
        }
        if self.wphase.q.val() == self.k10_4.val() {
            self.ram.write_data.next = self.res_reads.val();
        }
        self.ram.address.next = self.rptr.q.val();
        if self.writing.val() {
            self.ram.address.next = self.wptr.q.val();
        }
        self.rd_valid_r.d.next = self.read.val();
        if self.read.val() {
            self.rptr.d.next = self.rptr.q.val() + self.k1_14.val();
        }
        // Writing: phases 1..10 write words 0..9; the next slot is six words on.
        if self.writing.val() {
            self.wphase.d.next = self.wphase.q.val() + self.k1_4.val();
            self.wptr.d.next = self.wptr.q.val() + self.k1_14.val();
            if self.wphase.q.val() == self.k10_4.val() {
                self.wphase.d.next = self.k0_4.val();
                self.wptr.d.next = self.wptr.q.val() + self.k7_14.val();
            }
        } else if self.res_valid.val() {
            self.wphase.d.next = self.k1_4.val();
            self.total.d.next = self.res_total.val();
        }
        if self.pop.val() {
            self.rbase.d.next = self.rbase.q.val() + self.k16_14.val();
            self.rptr.d.next = self.rbase.q.val() + self.k16_14.val();
        }
        if self.res_valid.val() & !self.pop.val() {
            self.n.d.next = self.n.q.val() + self.k1_11.val();
        }
        if !self.res_valid.val() & self.pop.val() {
            self.n.d.next = self.n.q.val() - self.k1_11.val();
        }
        self.rd_valid.next = self.rd_valid_r.q.val();
        self.rd_data.next = self.ram.read_data.val();
        self.count.next = self.n.q.val();
        self.room.next = (self.n.q.val() < self.cap.val()) & !self.writing.val();
    }
}
