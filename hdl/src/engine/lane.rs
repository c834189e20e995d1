//! One MAC lane: a weight bank, a bias bank, one 16x16 multiplier, a 40-bit accumulator and a
//! hold register for the finished sum (`docs/HDL.md`, "Architecture").

use super::A;
use crate::mem::Ram;
use rust_hdl::prelude::*;

/// One MAC lane: a weight bank, a bias bank, one 16x16 multiplier, a 40-bit accumulator (split
/// in two 20-bit halves, the high half one cycle behind with the low half's carry registered) and
/// a hold register for the finished sum. Lane `l` computes outputs `o` with `o % lanes == l`;
/// its results leave through the shared requantizer ([`super::Drain`], one lane per cycle).
///
/// Timing, with `x`, `w_addr` and `b_addr` presented in cycle B of a product: `valid_m`,
/// `first_m` and `last_m` in the next cycle (M); a neuron's sum enters the hold register on the
/// edge that ends cycle D = M + 2 of its last product; `g` shows the hold register in the cycle
/// after one with `drain` high, and is 0 after one with `drain` low.
///
/// Arithmetic: the only multiply is `Signed<16> * Signed<16>` assigned straight to the `d` input
/// of a `Signed<32>` register (`prod`), never wrapped in a cast (Verilog would evaluate a cast
/// product at 16 bits); sign extension and accumulation are unsigned `Bits` logic.
#[derive(LogicBlock)]
pub struct Lane {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Stage B: the activation (Q6.10 bits), read from the activation RAM and broadcast to every
    /// lane; the lane registers it (stage M) in its SB_MAC16's input register.
    pub x: Signal<In, Bits<16>>,
    /// Stage B: weight-bank read address.
    pub w_addr: Signal<In, Bits<A>>,
    /// Stage B: bias-bank read address.
    pub b_addr: Signal<In, Bits<A>>,
    /// Stage M: a product arrives next (the lane registers its own copy).
    pub valid_m: Signal<In, bool>,
    /// Stage M: it is the first of a neuron (start from the bias).
    pub first_m: Signal<In, bool>,
    /// Stage M: it is the last of a neuron (the sum goes to the hold register).
    pub last_m: Signal<In, bool>,
    /// Drain: this lane's slot; the hold register goes to `g` on the next edge.
    pub drain: Signal<In, bool>,
    /// Load port: write a weight word (lane decoded here).
    pub ld_we_w: Signal<In, bool>,
    /// Load port: write a bias word (lane decoded here).
    pub ld_we_b: Signal<In, bool>,
    /// Load port: lane field.
    pub ld_lane: Signal<In, Bits<4>>,
    /// Load port: word field.
    pub ld_word: Signal<In, Bits<A>>,
    /// Load port: data.
    pub ld_data: Signal<In, Bits<32>>,
    /// The hold register in this lane's drain slot, else 0 (the lanes' words are ORed).
    pub g: Signal<Out, Bits<40>>,
    index: Constant<Bits<4>>,
    sext: Constant<Bits<40>>,
    zero40: Constant<Bits<40>>,
    m20: Constant<Bits<21>>,
    one21: Constant<Bits<21>>,
    hit_w: Signal<Local, bool>,
    hit_b: Signal<Local, bool>,
    w_s: Signal<Local, Signed<16>>,
    prod_u: Signal<Local, Bits<32>>,
    prod_ext: Signal<Local, Bits<40>>,
    bias_ext: Signal<Local, Bits<40>>,
    base_lo: Signal<Local, Bits<21>>,
    sum_lo: Signal<Local, Bits<21>>,
    hi_y_next: Signal<Local, Bits<21>>,
    base_hi: Signal<Local, Bits<21>>,
    sum_hi: Signal<Local, Bits<21>>,
    acc_hi20: Signal<Local, Bits<20>>,
    lo20: Signal<Local, Bits<20>>,
    x_m: DFF<Signed<16>>,
    prod: DFF<Signed<32>>,
    valid_c: DFF<bool>,
    first_c: DFF<bool>,
    last_c: DFF<bool>,
    bias_c: DFF<Bits<32>>,
    acc_lo: DFF<Bits<21>>,
    valid_d: DFF<bool>,
    first_d: DFF<bool>,
    last_d: DFF<bool>,
    hi_y: DFF<Bits<21>>,
    hi_b: DFF<Bits<21>>,
    acc_hi: DFF<Bits<21>>,
    hold: DFF<Bits<40>>,
    gate: DFF<Bits<40>>,
    wram: Ram<16, A>,
    bram: Ram<32, A>,
}

impl Lane {
    /// Lane `index` (load-port lane field) with its weight and bias banks initialised to
    /// `weights` and `biases` (raw words; each bank as deep as its contents).
    pub fn new(index: usize, weights: &[u16], biases: &[u32]) -> Self {
        let w: Vec<u64> = weights.iter().map(|&v| u64::from(v)).collect();
        let b: Vec<u64> = biases.iter().map(|&v| u64::from(v)).collect();
        Self {
            clock: Default::default(),
            x: Default::default(),
            w_addr: Default::default(),
            b_addr: Default::default(),
            valid_m: Default::default(),
            first_m: Default::default(),
            last_m: Default::default(),
            drain: Default::default(),
            ld_we_w: Default::default(),
            ld_we_b: Default::default(),
            ld_lane: Default::default(),
            ld_word: Default::default(),
            ld_data: Default::default(),
            g: Default::default(),
            index: Constant::new((index as u64).into()),
            sext: Constant::new(0xFF_0000_0000u64.into()),
            zero40: Constant::new(0u64.into()),
            m20: Constant::new(0xF_FFFFu64.into()),
            one21: Constant::new(1u64.into()),
            hit_w: Default::default(),
            hit_b: Default::default(),
            w_s: Default::default(),
            prod_u: Default::default(),
            prod_ext: Default::default(),
            bias_ext: Default::default(),
            base_lo: Default::default(),
            sum_lo: Default::default(),
            hi_y_next: Default::default(),
            base_hi: Default::default(),
            sum_hi: Default::default(),
            acc_hi20: Default::default(),
            lo20: Default::default(),
            x_m: Default::default(),
            prod: Default::default(),
            valid_c: Default::default(),
            first_c: Default::default(),
            last_c: Default::default(),
            bias_c: Default::default(),
            acc_lo: Default::default(),
            valid_d: Default::default(),
            first_d: Default::default(),
            last_d: Default::default(),
            hi_y: Default::default(),
            hi_b: Default::default(),
            acc_hi: Default::default(),
            hold: Default::default(),
            gate: Default::default(),
            wram: Ram::new(w.len(), w),
            bram: Ram::new(b.len(), b),
        }
    }
}

impl std::fmt::Debug for Lane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lane")
    }
}

impl Logic for Lane {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, x_m, prod, valid_c, first_c, last_c, bias_c, acc_lo, valid_d, first_d,
            last_d, hi_y, hi_b, acc_hi, hold, gate
        );
        clock!(self, clock, wram, bram);
        // Stage B: weight and bias reads (the data arrive with `x_m`).
        self.wram.read_address.next = self.w_addr.val();
        self.bram.read_address.next = self.b_addr.val();
        // Load port.
        self.hit_w.next = self.ld_we_w.val() & (self.ld_lane.val() == self.index.val());
        self.hit_b.next = self.ld_we_b.val() & (self.ld_lane.val() == self.index.val());
        self.wram.write_address.next = self.ld_word.val();
        self.wram.write_data.next = self.ld_data.val().get_bits::<16>(0);
        self.wram.write_enable.next = self.hit_w.val();
        self.bram.write_address.next = self.ld_word.val();
        self.bram.write_data.next = self.ld_data.val();
        self.bram.write_enable.next = self.hit_b.val();
        // Stage M: the broadcast activation, registered in the lane (the SB_MAC16's input
        // register), and the lane's own copies of the accumulator controls, so that neither the
        // broadcast net nor the controls' fan-out to all lanes is in series with the multiplier
        // or the carry chain. The copies differ per lane only while the engine is idle (the
        // load port is ignored while busy, and no product is then in flight): that keeps the
        // synthesis tool from merging them back into one register.
        self.x_m.d.next = signed_cast(self.x.val());
        self.valid_c.d.next = self.valid_m.val() | self.hit_w.val();
        self.first_c.d.next = self.first_m.val() | self.hit_w.val();
        self.last_c.d.next = self.last_m.val() | self.hit_w.val();
        // Stage M -> C: the product, straight into a Signed<32> register (`x_m` and the weight
        // are both registered: the lane's input register and the weight bank's read port).
        self.w_s.next = signed_cast(self.wram.read_data.val());
        self.prod.d.next = self.x_m.q.val() * self.w_s.val();
        self.bias_c.d.next = self.bram.read_data.val();
        // Stage C: sign-extend product and bias to 40 bits and accumulate, in two halves so
        // that no carry chain is longer than 21 bits. The low half (bits 19..0, in a 21-bit
        // adder whose bit 20 is the carry out) is added at stage C, the high half (bits 39..20)
        // one cycle later (stage D) from registered copies of the product's and bias's high
        // halves, with the low half's carry as carry in. The carry in is added as the low bit
        // of a 21-bit add whose other operand has that bit set: {x, 1} + {y, c} = {x + y + c,
        // !c}. The sum of a neuron is complete at stage D, where the hold register takes it
        // (the high half from the adder, the low half from its register).
        self.prod_u.next = unsigned_cast(self.prod.q.val());
        self.prod_ext.next = bit_cast::<40, 32>(self.prod_u.val());
        if self.prod_u.val().get_bit(31) {
            self.prod_ext.next = bit_cast::<40, 32>(self.prod_u.val()) | self.sext.val();
        }
        self.bias_ext.next = bit_cast::<40, 32>(self.bias_c.q.val());
        if self.bias_c.q.val().get_bit(31) {
            self.bias_ext.next = bit_cast::<40, 32>(self.bias_c.q.val()) | self.sext.val();
        }
        self.base_lo.next = self.acc_lo.q.val() & self.m20.val();
        if self.first_c.q.val() {
            self.base_lo.next = self.bias_c.q.val().get_bits::<21>(0) & self.m20.val();
        }
        self.sum_lo.next =
            self.base_lo.val() + (self.prod_u.val().get_bits::<21>(0) & self.m20.val());
        if self.valid_c.q.val() {
            self.acc_lo.d.next = self.sum_lo.val();
        }
        self.hi_y_next.next = self.prod_ext.val().get_bits::<21>(19) & !self.one21.val();
        if self.sum_lo.val().get_bit(20) {
            self.hi_y_next.next =
                (self.prod_ext.val().get_bits::<21>(19) & !self.one21.val()) | self.one21.val();
        }
        self.hi_y.d.next = self.hi_y_next.val();
        self.hi_b.d.next = self.bias_ext.val().get_bits::<21>(19) | self.one21.val();
        self.valid_d.d.next = self.valid_c.q.val();
        self.first_d.d.next = self.first_c.q.val();
        self.last_d.d.next = self.valid_c.q.val() & self.last_c.q.val();
        // Stage D: the high half.
        self.base_hi.next = self.acc_hi.q.val() | self.one21.val();
        if self.first_d.q.val() {
            self.base_hi.next = self.hi_b.q.val();
        }
        self.sum_hi.next = self.base_hi.val() + self.hi_y.q.val();
        if self.valid_d.q.val() {
            self.acc_hi.d.next = self.sum_hi.val();
        }
        // The last sum of a neuron goes to the hold register with its high half.
        self.acc_hi20.next = self.sum_hi.val().get_bits::<20>(1);
        self.lo20.next = self.acc_lo.q.val().get_bits::<20>(0);
        if self.last_d.q.val() {
            self.hold.d.next = bit_cast::<40, 20>(self.lo20.val())
                | (bit_cast::<40, 20>(self.acc_hi20.val()) << 20);
        }
        // Drain: in its slot the hold register goes out (a register with a synchronous reset:
        // zero outside the slot, so that the controller just ORs the lanes' words).
        self.gate.d.next = self.zero40.val();
        if self.drain.val() {
            self.gate.d.next = self.hold.q.val();
        }
        self.g.next = self.gate.q.val();
    }
}
