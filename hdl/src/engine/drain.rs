//! The drain and the shared requantizer: a group's sums leave the lanes' hold registers one lane
//! per cycle and are requantized to Q6.10 by one shifter and saturator for all lanes
//! (`docs/HDL.md`, "Architecture").

use super::{c, A};
use rust_hdl::prelude::*;

/// The drain and the shared requantizer. When `grp_done` is high (a group's sums enter the
/// lanes' hold registers on this edge), slot 0 starts on the next edge: in slot `l`, `slot` has
/// bit `l` set, lane `l` puts its hold register on its `g` output one edge later, and the top
/// ORs the lanes' words into `bus`. Each sum is then requantized in two register stages (shift
/// and overflow test; saturation and ReLU): `res` carries lane `l`'s result 4 + `l` cycles after
/// the cycle with `grp_done`, with `wb_we` and `wb_addr = grp_addr + l` for a hidden layer's
/// write-back, or `out_we` (lane 0 of the output layer's group: the network output, no ReLU).
#[derive(LogicBlock)]
pub struct Drain {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// A group's sums enter the lanes' hold registers on this edge.
    pub grp_done: Signal<In, bool>,
    /// That group is the output layer's.
    pub grp_out: Signal<In, bool>,
    /// Activation-RAM word of its lane 0's result.
    pub grp_addr: Signal<In, Bits<A>>,
    /// Its layer's `weight_frac` (0..=15).
    pub grp_frac: Signal<In, Bits<4>>,
    /// The OR of the lanes' gated hold registers: the sum of the previous cycle's slot.
    pub bus: Signal<In, Bits<40>>,
    /// One-hot drain slot: bit `l` is lane `l`'s (it shifts on through the bits of lanes that
    /// do not exist, selecting nothing, until the next group or out of the register).
    pub slot: Signal<Out, Bits<16>>,
    /// The requantized result (Q6.10 bits; ReLU applied for hidden layers).
    pub res: Signal<Out, Bits<16>>,
    /// Write `res` to the activation RAM at `wb_addr` (a hidden layer's result).
    pub wb_we: Signal<Out, bool>,
    /// Activation-RAM address of `res`.
    pub wb_addr: Signal<Out, Bits<A>>,
    /// `res` is the network output (lane 0 of the output layer's group).
    pub out_we: Signal<Out, bool>,
    one5: Constant<Bits<5>>,
    zero5: Constant<Bits<5>>,
    one12: Constant<Bits<A>>,
    one16: Constant<Bits<16>>,
    zero16: Constant<Bits<16>>,
    zero25: Constant<Bits<25>>,
    ones25: Constant<Bits<25>>,
    sat_pos: Constant<Bits<16>>,
    sat_neg: Constant<Bits<16>>,
    last_slot: Constant<Bits<5>>,
    // Slot selection (one-hot), then the slot's address and controls, three stages.
    dsel: DFF<Bits<16>>,
    s0_act: DFF<bool>,
    s0_first: DFF<bool>,
    s0_out: DFF<bool>,
    s0_cnt: DFF<Bits<5>>,
    s0_addr: DFF<Bits<A>>,
    s0_frac: DFF<Bits<4>>,
    s1_act: DFF<bool>,
    s1_first: DFF<bool>,
    s1_out: DFF<bool>,
    s1_addr: DFF<Bits<A>>,
    s1_frac: DFF<Bits<4>>,
    s2_act: DFF<bool>,
    s2_first: DFF<bool>,
    s2_out: DFF<bool>,
    s2_addr: DFF<Bits<A>>,
    s2_frac: DFF<Bits<4>>,
    s2_hmask: DFF<Bits<25>>,
    bus_r: DFF<Bits<40>>,
    s3_act: DFF<bool>,
    s3_first: DFF<bool>,
    s3_out: DFF<bool>,
    s3_addr: DFF<Bits<A>>,
    q_low: DFF<Bits<16>>,
    q_over: DFF<bool>,
    q_neg: DFF<bool>,
    neg: Signal<Local, bool>,
    smask: Signal<Local, Bits<25>>,
    t: Signal<Local, Bits<25>>,
    over: Signal<Local, bool>,
    low: Signal<Local, Bits<31>>,
    sat: Signal<Local, Bits<16>>,
}

impl Drain {
    /// The drain of an engine with `lanes` lanes (1..=16).
    pub fn new(lanes: usize) -> Self {
        Self {
            clock: Default::default(),
            grp_done: Default::default(),
            grp_out: Default::default(),
            grp_addr: Default::default(),
            grp_frac: Default::default(),
            bus: Default::default(),
            slot: Default::default(),
            res: Default::default(),
            wb_we: Default::default(),
            wb_addr: Default::default(),
            out_we: Default::default(),
            one5: c(1),
            zero5: c(0),
            one12: c(1),
            one16: c(1),
            zero16: c(0),
            zero25: c(0),
            ones25: c((1 << 25) - 1),
            sat_pos: c(0x7FFF),
            sat_neg: c(0x8000),
            last_slot: c(lanes as u64 - 1),
            dsel: Default::default(),
            s0_act: Default::default(),
            s0_first: Default::default(),
            s0_out: Default::default(),
            s0_cnt: Default::default(),
            s0_addr: Default::default(),
            s0_frac: Default::default(),
            s1_act: Default::default(),
            s1_first: Default::default(),
            s1_out: Default::default(),
            s1_addr: Default::default(),
            s1_frac: Default::default(),
            s2_act: Default::default(),
            s2_first: Default::default(),
            s2_out: Default::default(),
            s2_addr: Default::default(),
            s2_frac: Default::default(),
            s2_hmask: Default::default(),
            bus_r: Default::default(),
            s3_act: Default::default(),
            s3_first: Default::default(),
            s3_out: Default::default(),
            s3_addr: Default::default(),
            q_low: Default::default(),
            q_over: Default::default(),
            q_neg: Default::default(),
            neg: Default::default(),
            smask: Default::default(),
            t: Default::default(),
            over: Default::default(),
            low: Default::default(),
            sat: Default::default(),
        }
    }
}

impl std::fmt::Debug for Drain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Drain")
    }
}

impl Logic for Drain {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, dsel, s0_act, s0_first, s0_out, s0_cnt, s0_addr, s0_frac, s1_act,
            s1_first, s1_out, s1_addr, s1_frac, s2_act, s2_first, s2_out, s2_addr, s2_frac,
            s2_hmask, bus_r, s3_act, s3_first, s3_out, s3_addr, q_low, q_over, q_neg
        );
        // On the edge that puts a group's sums into the lanes' hold registers, slot 0 starts:
        // slot `l` selects lane `l` (`dsel`, one-hot) and carries the write address `wa + l`;
        // the lane's gated word (s1), the ORed bus register (s2), then the requantizer.
        self.dsel.d.next = self.dsel.q.val() << 1;
        self.s0_first.d.next = false;
        if self.s0_act.q.val() {
            if self.s0_cnt.q.val() == self.zero5.val() {
                self.s0_act.d.next = false;
            } else {
                self.s0_cnt.d.next = self.s0_cnt.q.val() - self.one5.val();
                self.s0_addr.d.next = self.s0_addr.q.val() + self.one12.val();
            }
        }
        if self.grp_done.val() {
            self.dsel.d.next = self.one16.val();
            self.s0_act.d.next = true;
            self.s0_first.d.next = true;
            self.s0_out.d.next = self.grp_out.val();
            self.s0_cnt.d.next = self.last_slot.val();
            self.s0_addr.d.next = self.grp_addr.val();
            self.s0_frac.d.next = self.grp_frac.val();
        }
        self.slot.next = self.dsel.q.val();
        self.s1_act.d.next = self.s0_act.q.val();
        self.s1_first.d.next = self.s0_first.q.val();
        self.s1_out.d.next = self.s0_out.q.val();
        self.s1_addr.d.next = self.s0_addr.q.val();
        self.s1_frac.d.next = self.s0_frac.q.val();
        self.bus_r.d.next = self.bus.val();
        self.s2_act.d.next = self.s1_act.q.val();
        self.s2_first.d.next = self.s1_first.q.val();
        self.s2_out.d.next = self.s1_out.q.val();
        self.s2_addr.d.next = self.s1_addr.q.val();
        self.s2_frac.d.next = self.s1_frac.q.val();
        self.s2_hmask.d.next = self.ones25.val() << self.s1_frac.q.val();
        // The requantizer: arithmetic shift right by weight_frac (floor), saturation to 16
        // bits, ReLU, without a 40-bit barrel shifter and without inverting the sum. With a the
        // sum and f <= 15: floor(a / 2^f) fits 16 bits iff a[39:15+f] are all equal to the sign
        // a[39] (t = a[39:15] ^ sign, masked by s2_hmask = ones << f, is zero), and then its 16
        // bits are a[15+f:f], i.e. (a[30:0] >> f)[15:0] (a logical shift is enough: no bit
        // above 30 is used). Otherwise it saturates to -32768 (a < 0) or 32767. The result is
        // negative iff a is, so ReLU zeroes it iff a[39].
        self.neg.next = self.bus_r.q.val().get_bit(39);
        self.smask.next = self.zero25.val();
        if self.neg.val() {
            self.smask.next = self.ones25.val();
        }
        self.t.next = self.bus_r.q.val().get_bits::<25>(15) ^ self.smask.val();
        self.over.next = (self.t.val() & self.s2_hmask.q.val()).any();
        self.low.next = self.bus_r.q.val().get_bits::<31>(0) >> self.s2_frac.q.val();
        // Two stages: the shift and the overflow test (s2 -> s3), then saturation and ReLU.
        self.q_low.d.next = self.low.val().get_bits::<16>(0);
        self.q_over.d.next = self.over.val();
        self.q_neg.d.next = self.neg.val();
        self.s3_act.d.next = self.s2_act.q.val();
        self.s3_first.d.next = self.s2_first.q.val();
        self.s3_out.d.next = self.s2_out.q.val();
        self.s3_addr.d.next = self.s2_addr.q.val();
        self.sat.next = self.q_low.q.val();
        if self.q_over.q.val() {
            if self.q_neg.q.val() {
                self.sat.next = self.sat_neg.val();
            } else {
                self.sat.next = self.sat_pos.val();
            }
        }
        self.res.next = self.sat.val();
        if !self.s3_out.q.val() & self.q_neg.q.val() {
            self.res.next = self.zero16.val();
        }
        self.wb_we.next = self.s3_act.q.val() & !self.s3_out.q.val();
        self.wb_addr.next = self.s3_addr.q.val();
        self.out_we.next = self.s3_act.q.val() & self.s3_out.q.val() & self.s3_first.q.val();
    }
}
