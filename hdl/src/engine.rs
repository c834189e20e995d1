//! The predictor MAC engine (see `docs/HDL.md` for the architecture, ports and timing).
//!
//! Arithmetic rules followed here (DESIGN section 7):
//! - the only multiply is `Signed<16> * Signed<16>` assigned straight to the `d` input of a
//!   `Signed<32>` register (`prod`), never wrapped in a cast;
//! - everything else (sign extension, the 40-bit accumulator, the arithmetic shift, saturation)
//!   is done on unsigned `Bits` with explicit two's-complement logic, because rust-hdl emits `>>`
//!   (a logical shift in Verilog) for `Signed` too.

use crate::layout::{EngineShape, MemImage, MEM_ADDR_BITS};
use crate::mem::{Ram, Rom};
use ouro_core::qformat::{exp2_table, ACC_BITS, CYCLE_BITS};
use ouro_core::schema::QPredictor;
use rust_hdl::prelude::*;

const A: usize = MEM_ADDR_BITS;

// The datapath below is written for a 40-bit accumulator (sign bit 39, the saturation test on
// bits 39..15): `qformat::ACC_BITS`.
const _: () = assert!(ACC_BITS == 40);
// The clamp splits the 48-bit exp2 result into two 24-bit halves: `qformat::CYCLE_BITS`.
const _: () = assert!(CYCLE_BITS == 24);

/// One MAC lane: a weight bank, a bias bank, one 16x16 multiplier, a 40-bit accumulator (split
/// in two 20-bit halves, the high half one cycle behind with the low half's carry registered) and
/// a hold register for the finished sum. Lane `l` computes outputs `o` with `o % lanes == l`;
/// its results leave through the shared requantizer (`g`, one lane per cycle).
#[derive(LogicBlock)]
pub struct Lane {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Stage B: the activation, read from the activation RAM and broadcast to every lane; the
    /// lane registers it (stage M) in its SB_MAC16's input register.
    pub x: Signal<In, Signed<16>>,
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
    fn new(index: usize, shape: &EngineShape, image: &MemImage) -> Self {
        let w = image.weights[index].iter().map(|&v| u64::from(v)).collect();
        let b = image.biases[index].iter().map(|&v| u64::from(v)).collect();
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
            wram: Ram::new(2 * shape.weight_words_per_net(), w),
            bram: Ram::new(2 * shape.bias_words_per_net(), b),
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
        self.x_m.d.next = self.x.val();
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

/// The controller's states.
#[derive(Copy, Clone, Debug, PartialEq, Eq, LogicState)]
pub enum EngineState {
    /// Waiting for `start`.
    Idle,
    /// Issuing one (group, input) pair per cycle.
    Issue,
    /// Idle cycles between groups or layers.
    Gap,
    /// Waiting for the output, exp2 and the clamp.
    Drain,
}

/// The predictor engine. Ports are described in `docs/HDL.md`.
#[derive(LogicBlock)]
pub struct PredictorEngine {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Start a prediction (sampled when idle).
    pub start: Signal<In, bool>,
    /// Network select, sampled with `start`: false = set, true = reset.
    pub polarity: Signal<In, bool>,
    /// Input port: write network input `in_addr` (ignored while busy).
    pub in_we: Signal<In, bool>,
    /// Input port: input index.
    pub in_addr: Signal<In, Bits<6>>,
    /// Input port: the raw Q6.10 input word (ADC code minus offset).
    pub in_data: Signal<In, Bits<16>>,
    /// Load port: write enable (ignored while busy).
    pub ld_we: Signal<In, bool>,
    /// Load port: `[19:16]` region, `[15:12]` lane, `[11:0]` word.
    pub ld_addr: Signal<In, Bits<20>>,
    /// Load port: data.
    pub ld_data: Signal<In, Bits<32>>,
    /// High from the edge that samples `start` until the result is ready.
    pub busy: Signal<Out, bool>,
    /// One-cycle pulse: the outputs below hold the new result (until the next one).
    pub done: Signal<Out, bool>,
    /// The polarity the result belongs to.
    pub out_polarity: Signal<Out, bool>,
    /// The network output, log2(cycles) in Q6.10.
    pub log2_cycles: Signal<Out, Bits<16>>,
    /// The clamped pulse duration in cycles.
    pub cycles: Signal<Out, Bits<CYCLE_BITS_USIZE>>,
    /// The duration was raised to the minimum.
    pub clamp_low: Signal<Out, bool>,
    /// The duration was lowered to the maximum.
    pub clamp_high: Signal<Out, bool>,
    lanes: Vec<Lane>,
    act: Ram<16, A>,
    frac_ram: Ram<4, 4>,
    desc: Rom<62, 4>,
    exp2: Rom<16, 8>,
    one4: Constant<Bits<4>>,
    zero4: Constant<Bits<4>>,
    one5: Constant<Bits<5>>,
    zero5: Constant<Bits<5>>,
    one12: Constant<Bits<A>>,
    zero12: Constant<Bits<A>>,
    one16: Constant<Bits<16>>,
    zero16: Constant<Bits<16>>,
    zero25: Constant<Bits<25>>,
    zero40: Constant<Bits<40>>,
    zero48: Constant<Bits<48>>,
    ones25: Constant<Bits<25>>,
    sat_pos: Constant<Bits<16>>,
    sat_neg: Constant<Bits<16>>,
    n_lanes: Constant<Bits<A>>,
    start_n1: Constant<bool>,
    start_g1: Constant<bool>,
    last_slot: Constant<Bits<5>>,
    pol_frac: Constant<Bits<4>>,
    pol_w: Constant<Bits<A>>,
    pol_b: Constant<Bits<A>>,
    syn_min: Constant<Bits<CYCLE_BITS_USIZE>>,
    syn_max: Constant<Bits<CYCLE_BITS_USIZE>>,
    r_weights: Constant<Bits<4>>,
    r_biases: Constant<Bits<4>>,
    r_fracs: Constant<Bits<4>>,
    r_limits: Constant<Bits<4>>,
    // Controller (stage A) registers.
    state: DFF<EngineState>,
    pol: DFF<bool>,
    k: DFF<Bits<4>>,
    g: DFF<Bits<A>>,
    i: DFF<Bits<A>>,
    ob: DFF<Bits<A>>,
    waddr: DFF<Bits<A>>,
    baddr: DFF<Bits<A>>,
    cnt: DFF<Bits<A>>,
    gap_last: DFF<Bits<4>>,
    i_last: DFF<bool>,
    g_last: DFF<bool>,
    // The load and input ports, registered.
    ldw_r: DFF<bool>,
    ldb_r: DFF<bool>,
    ldf_r: DFF<bool>,
    ldl_r: DFF<bool>,
    ld_addr_r: DFF<Bits<20>>,
    ld_data_r: DFF<Bits<32>>,
    in_we_r: DFF<bool>,
    in_addr_r: DFF<Bits<6>>,
    in_data_r: DFF<Bits<16>>,
    // Pipeline registers.
    v_b: DFF<bool>,
    first_b: DFF<bool>,
    last_b: DFF<bool>,
    out_b: DFF<bool>,
    wa_b: DFF<Bits<A>>,
    waddr_b: DFF<Bits<A>>,
    baddr_b: DFF<Bits<A>>,
    v_m: DFF<bool>,
    first_m: DFF<bool>,
    last_m: DFF<bool>,
    out_m: DFF<bool>,
    wa_m: DFF<Bits<A>>,
    frac_m: DFF<Bits<4>>,
    last_c: DFF<bool>,
    out_c: DFF<bool>,
    wa_c: DFF<Bits<A>>,
    frac_c: DFF<Bits<4>>,
    last_d: DFF<bool>,
    out_d: DFF<bool>,
    wa_d: DFF<Bits<A>>,
    frac_d: DFF<Bits<4>>,
    // Drain: slot selection (one-hot), then the slot's address and controls, three stages.
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
    // Output, exp2 and clamp.
    log2_r: DFF<Bits<16>>,
    f4: DFF<bool>,
    f5: DFF<bool>,
    f6: DFF<bool>,
    lt_r: DFF<bool>,
    gt_r: DFF<bool>,
    raw24_r: DFF<Bits<CYCLE_BITS_USIZE>>,
    raw_r: DFF<Bits<48>>,
    cycles_r: DFF<Bits<CYCLE_BITS_USIZE>>,
    low_r: DFF<bool>,
    high_r: DFF<bool>,
    done_r: DFF<bool>,
    outpol_r: DFF<bool>,
    rt_min: DFF<Bits<CYCLE_BITS_USIZE>>,
    rt_max_n: DFF<Bits<CYCLE_BITS_USIZE>>,
    min_gt: DFF<bool>,
    max_lt: DFF<bool>,
    emin_r: DFF<Bits<CYCLE_BITS_USIZE>>,
    tmax_r: DFF<Bits<CYCLE_BITS_USIZE>>,
    emin2: DFF<Bits<CYCLE_BITS_USIZE>>,
    tmax2: DFF<Bits<CYCLE_BITS_USIZE>>,
    lim_gt: DFF<bool>,
    eff_min: DFF<Bits<CYCLE_BITS_USIZE>>,
    eff_max: DFF<Bits<CYCLE_BITS_USIZE>>,
    // Combinational signals.
    idle: Signal<Local, bool>,
    issue: Signal<Local, bool>,
    d_nm2: Signal<Local, Bits<A>>,
    d_gm2: Signal<Local, Bits<A>>,
    d_n1: Signal<Local, bool>,
    d_next_n1: Signal<Local, bool>,
    d_next_g1: Signal<Local, bool>,
    d_rb: Signal<Local, Bits<A>>,
    d_wb: Signal<Local, Bits<A>>,
    d_last: Signal<Local, bool>,
    d_nogap: Signal<Local, bool>,
    d_gap_last: Signal<Local, Bits<4>>,
    d_nopad: Signal<Local, bool>,
    d_pad_last: Signal<Local, Bits<4>>,
    a_raddr: Signal<Local, Bits<A>>,
    frac_addr: Signal<Local, Bits<4>>,
    x_s: Signal<Local, Signed<16>>,
    region: Signal<Local, Bits<4>>,
    bus: Signal<Local, Bits<40>>,
    neg: Signal<Local, bool>,
    smask: Signal<Local, Bits<25>>,
    t: Signal<Local, Bits<25>>,
    over: Signal<Local, bool>,
    low: Signal<Local, Bits<31>>,
    sat: Signal<Local, Bits<16>>,
    res: Signal<Local, Bits<16>>,
    out_now: Signal<Local, bool>,
    int5: Signal<Local, Bits<5>>,
    mant48: Signal<Local, Bits<48>>,
    raw_lo: Signal<Local, Bits<CYCLE_BITS_USIZE>>,
    raw_hi: Signal<Local, Bits<24>>,
    raw_big: Signal<Local, bool>,
    emin: Signal<Local, Bits<CYCLE_BITS_USIZE>>,
    tmax: Signal<Local, Bits<CYCLE_BITS_USIZE>>,
    rt_max: Signal<Local, Bits<CYCLE_BITS_USIZE>>,
}

const CYCLE_BITS_USIZE: usize = CYCLE_BITS as usize;

fn c<const N: usize>(v: u64) -> Constant<Bits<N>> {
    Constant::new(v.into())
}

/// The layer descriptor ROM word of layer `k`: bits 0..11 fan-in - 2, 12..23 groups - 2 (both
/// saturating at 0), 24..35 activation read base, 36..47 activation write base, 48 output layer,
/// 49 no idle cycles after it, 50..53 idle cycles after it - 1, 54 no idle cycles between its
/// groups, 55..58 idle cycles between its groups - 1, 59 fan-in 1, 60 the next layer's fan-in
/// is 1, 61 the next layer has one group.
fn descriptor(shape: &EngineShape, k: usize) -> u64 {
    let ins = shape.layers[k].1;
    let last = k + 1 == shape.n_layers();
    let wb = if last { 0 } else { shape.act_write_base(k) };
    let gap = if last { 0 } else { shape.gap_after(k) };
    let pad = shape.group_pad(k);
    let (next_n1, next_g1) = if last {
        (false, false)
    } else {
        (shape.layers[k + 1].1 == 1, shape.groups(k + 1) == 1)
    };
    (ins.saturating_sub(2) as u64)
        | ((shape.groups(k).saturating_sub(2) as u64) << 12)
        | ((shape.act_read_base(k) as u64) << 24)
        | ((wb as u64) << 36)
        | (u64::from(last) << 48)
        | (u64::from(gap == 0) << 49)
        | ((gap.saturating_sub(1) as u64) << 50)
        | (u64::from(pad == 0) << 54)
        | ((pad.saturating_sub(1) as u64) << 55)
        | (u64::from(ins == 1) << 59)
        | (u64::from(next_n1) << 60)
        | (u64::from(next_g1) << 61)
}

impl PredictorEngine {
    /// Build the engine for a predictor with `lanes` MAC lanes; memories are initialised with
    /// its weights.
    pub fn new(q: &QPredictor, lanes: usize) -> Result<Self, crate::HdlError> {
        let shape = EngineShape::new(q, lanes)?;
        let image = MemImage::new(q, &shape)?;
        let nl = shape.n_layers();
        Ok(Self {
            clock: Default::default(),
            start: Default::default(),
            polarity: Default::default(),
            in_we: Default::default(),
            in_addr: Default::default(),
            in_data: Default::default(),
            ld_we: Default::default(),
            ld_addr: Default::default(),
            ld_data: Default::default(),
            busy: Default::default(),
            done: Default::default(),
            out_polarity: Default::default(),
            log2_cycles: Default::default(),
            cycles: Default::default(),
            clamp_low: Default::default(),
            clamp_high: Default::default(),
            lanes: (0..lanes).map(|l| Lane::new(l, &shape, &image)).collect(),
            act: Ram::new(shape.act_depth(), vec![]),
            frac_ram: Ram::new(2 * nl, image.fracs.iter().map(|&f| u64::from(f)).collect()),
            desc: Rom::new((0..nl).map(|k| descriptor(&shape, k)).collect(), false),
            exp2: Rom::new(exp2_table().iter().map(|&v| u64::from(v)).collect(), true),
            one4: c(1),
            zero4: c(0),
            one5: c(1),
            zero5: c(0),
            one12: c(1),
            zero12: c(0),
            one16: c(1),
            zero16: c(0),
            zero25: c(0),
            zero40: c(0),
            zero48: c(0),
            ones25: c((1 << 25) - 1),
            sat_pos: c(0x7FFF),
            sat_neg: c(0x8000),
            n_lanes: c(lanes as u64),
            start_n1: Constant::new(shape.layers[0].1 == 1),
            start_g1: Constant::new(shape.groups(0) == 1),
            last_slot: c(lanes as u64 - 1),
            pol_frac: c(nl as u64),
            pol_w: c(shape.weight_words_per_net() as u64),
            pol_b: c(shape.bias_words_per_net() as u64),
            syn_min: c(u64::from(q.min_cycles)),
            syn_max: c(u64::from(q.max_cycles)),
            r_weights: c(u64::from(crate::layout::region::WEIGHTS)),
            r_biases: c(u64::from(crate::layout::region::BIASES)),
            r_fracs: c(u64::from(crate::layout::region::FRACS)),
            r_limits: c(u64::from(crate::layout::region::LIMITS)),
            state: Default::default(),
            pol: Default::default(),
            k: Default::default(),
            g: Default::default(),
            i: Default::default(),
            ob: Default::default(),
            waddr: Default::default(),
            baddr: Default::default(),
            cnt: Default::default(),
            gap_last: Default::default(),
            i_last: Default::default(),
            g_last: Default::default(),
            ldw_r: Default::default(),
            ldb_r: Default::default(),
            ldf_r: Default::default(),
            ldl_r: Default::default(),
            ld_addr_r: Default::default(),
            ld_data_r: Default::default(),
            in_we_r: Default::default(),
            in_addr_r: Default::default(),
            in_data_r: Default::default(),
            v_b: Default::default(),
            first_b: Default::default(),
            last_b: Default::default(),
            out_b: Default::default(),
            wa_b: Default::default(),
            waddr_b: Default::default(),
            baddr_b: Default::default(),
            v_m: Default::default(),
            first_m: Default::default(),
            last_m: Default::default(),
            out_m: Default::default(),
            wa_m: Default::default(),
            frac_m: Default::default(),
            last_c: Default::default(),
            out_c: Default::default(),
            wa_c: Default::default(),
            frac_c: Default::default(),
            last_d: Default::default(),
            out_d: Default::default(),
            wa_d: Default::default(),
            frac_d: Default::default(),
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
            log2_r: Default::default(),
            f4: Default::default(),
            f5: Default::default(),
            f6: Default::default(),
            lt_r: Default::default(),
            gt_r: Default::default(),
            raw24_r: Default::default(),
            raw_r: Default::default(),
            cycles_r: Default::default(),
            low_r: Default::default(),
            high_r: Default::default(),
            done_r: Default::default(),
            outpol_r: Default::default(),
            rt_min: Default::default(),
            rt_max_n: Default::default(),
            min_gt: Default::default(),
            max_lt: Default::default(),
            emin_r: Default::default(),
            tmax_r: Default::default(),
            emin2: Default::default(),
            tmax2: Default::default(),
            lim_gt: Default::default(),
            eff_min: Default::default(),
            eff_max: Default::default(),
            idle: Default::default(),
            issue: Default::default(),
            d_nm2: Default::default(),
            d_gm2: Default::default(),
            d_n1: Default::default(),
            d_next_n1: Default::default(),
            d_next_g1: Default::default(),
            d_rb: Default::default(),
            d_wb: Default::default(),
            d_last: Default::default(),
            d_nogap: Default::default(),
            d_gap_last: Default::default(),
            d_nopad: Default::default(),
            d_pad_last: Default::default(),
            a_raddr: Default::default(),
            frac_addr: Default::default(),
            x_s: Default::default(),
            region: Default::default(),
            bus: Default::default(),
            neg: Default::default(),
            smask: Default::default(),
            t: Default::default(),
            over: Default::default(),
            low: Default::default(),
            sat: Default::default(),
            res: Default::default(),
            out_now: Default::default(),
            int5: Default::default(),
            mant48: Default::default(),
            raw_lo: Default::default(),
            raw_hi: Default::default(),
            raw_big: Default::default(),
            emin: Default::default(),
            tmax: Default::default(),
            rt_max: Default::default(),
        })
    }
}

impl std::fmt::Debug for PredictorEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PredictorEngine({} lanes)", self.lanes.len())
    }
}

impl Logic for PredictorEngine {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, pol, k, g, i, ob, waddr, baddr, cnt, gap_last, i_last, g_last,
            ldw_r, ldb_r, ldf_r, ldl_r, ld_addr_r, ld_data_r, in_we_r, in_addr_r, in_data_r, v_b,
            first_b, last_b, out_b, wa_b, waddr_b, baddr_b, v_m, first_m, last_m, out_m, wa_m,
            frac_m, last_c, out_c, wa_c, frac_c, last_d, out_d, wa_d, frac_d, dsel, s0_act,
            s0_first, s0_out, s0_cnt, s0_addr, s0_frac, s1_act, s1_first, s1_out, s1_addr, s1_frac,
            s2_act, s2_first, s2_out, s2_addr, s2_frac, s2_hmask, bus_r, s3_act, s3_first, s3_out,
            s3_addr, q_low, q_over, q_neg, log2_r, f4, f5, f6, lt_r, gt_r, raw24_r, raw_r,
            cycles_r, low_r, high_r, done_r, outpol_r, rt_min, rt_max_n, min_gt, max_lt, emin_r,
            tmax_r, emin2, tmax2, lim_gt, eff_min, eff_max
        );
        clock!(self, clock, act, frac_ram, desc, exp2);
        for l in 0..self.lanes.len() {
            self.lanes[l].clock.next = self.clock.val();
        }
        self.idle.next = self.state.q.val() == EngineState::Idle;
        self.issue.next = self.state.q.val() == EngineState::Issue;
        // Layer descriptor.
        self.desc.address.next = self.k.q.val();
        self.d_nm2.next = self.desc.data.val().get_bits::<A>(0);
        self.d_gm2.next = self.desc.data.val().get_bits::<A>(12);
        self.d_n1.next = self.desc.data.val().get_bit(59);
        self.d_next_n1.next = self.desc.data.val().get_bit(60);
        self.d_next_g1.next = self.desc.data.val().get_bit(61);
        self.d_rb.next = self.desc.data.val().get_bits::<A>(24);
        self.d_wb.next = self.desc.data.val().get_bits::<A>(36);
        self.d_last.next = self.desc.data.val().get_bit(48);
        self.d_nogap.next = self.desc.data.val().get_bit(49);
        self.d_gap_last.next = self.desc.data.val().get_bits::<4>(50);
        self.d_nopad.next = self.desc.data.val().get_bit(54);
        self.d_pad_last.next = self.desc.data.val().get_bits::<4>(55);
        // Load port (ignored while busy).
        // The load and input ports are registered (the region decoded) and act one cycle
        // later, if the engine is then idle: the port's decoding and routing is not in series
        // with the state decode and the memories' write enables.
        self.region.next = self.ld_addr.val().get_bits::<4>(16);
        self.ldw_r.d.next = self.ld_we.val() & (self.region.val() == self.r_weights.val());
        self.ldb_r.d.next = self.ld_we.val() & (self.region.val() == self.r_biases.val());
        self.ldf_r.d.next = self.ld_we.val() & (self.region.val() == self.r_fracs.val());
        self.ldl_r.d.next = self.ld_we.val() & (self.region.val() == self.r_limits.val());
        self.ld_addr_r.d.next = self.ld_addr.val();
        self.ld_data_r.d.next = self.ld_data.val();
        self.in_we_r.d.next = self.in_we.val();
        self.in_addr_r.d.next = self.in_addr.val();
        self.in_data_r.d.next = self.in_data.val();
        self.frac_ram.write_address.next = self.ld_addr_r.q.val().get_bits::<4>(0);
        self.frac_ram.write_data.next = self.ld_data_r.q.val().get_bits::<4>(0);
        self.frac_ram.write_enable.next = self.ldf_r.q.val() & self.idle.val();
        if self.ldl_r.q.val() & self.idle.val() {
            if self.ld_addr_r.q.val().get_bit(0) {
                self.rt_max_n.d.next = !self.ld_data_r.q.val().get_bits::<CYCLE_BITS_USIZE>(0);
            } else {
                self.rt_min.d.next = self.ld_data_r.q.val().get_bits::<CYCLE_BITS_USIZE>(0);
            }
        }
        // Stage A: addresses of the (group, input) pair being issued.
        self.a_raddr.next = self.d_rb.val() + self.i.q.val();
        self.act.read_address.next = self.a_raddr.val();
        self.frac_addr.next = self.k.q.val();
        if self.pol.q.val() {
            self.frac_addr.next = self.k.q.val() + self.pol_frac.val();
        }
        self.frac_ram.read_address.next = self.frac_addr.val();
        for l in 0..self.lanes.len() {
            self.lanes[l].w_addr.next = self.waddr_b.q.val();
            self.lanes[l].b_addr.next = self.baddr_b.q.val();
            self.lanes[l].ld_we_w.next = self.ldw_r.q.val() & self.idle.val();
            self.lanes[l].ld_we_b.next = self.ldb_r.q.val() & self.idle.val();
            self.lanes[l].ld_lane.next = self.ld_addr_r.q.val().get_bits::<4>(12);
            self.lanes[l].ld_word.next = self.ld_addr_r.q.val().get_bits::<A>(0);
            self.lanes[l].ld_data.next = self.ld_data_r.q.val();
        }
        // The controller.
        match self.state.q.val() {
            EngineState::Idle => {
                if self.start.val() {
                    self.state.d.next = EngineState::Issue;
                    self.pol.d.next = self.polarity.val();
                    self.outpol_r.d.next = self.polarity.val();
                    self.k.d.next = self.zero4.val();
                    self.g.d.next = self.zero12.val();
                    self.i.d.next = self.zero12.val();
                    self.ob.d.next = self.zero12.val();
                    self.i_last.d.next = self.start_n1.val();
                    self.g_last.d.next = self.start_g1.val();
                    self.waddr.d.next = self.zero12.val();
                    self.baddr.d.next = self.zero12.val();
                    if self.polarity.val() {
                        self.waddr.d.next = self.pol_w.val();
                        self.baddr.d.next = self.pol_b.val();
                    }
                }
            }
            EngineState::Issue => {
                self.waddr.d.next = self.waddr.q.val() + self.one12.val();
                // `i_last` and `g_last` (the pair is the last input of its group, the last group
                // of its layer) are registered one cycle ahead from the descriptor, so that no
                // comparison is in series with the controller's decisions.
                if self.i_last.q.val() {
                    self.i.d.next = self.zero12.val();
                    self.i_last.d.next = self.d_n1.val();
                    self.baddr.d.next = self.baddr.q.val() + self.one12.val();
                    self.cnt.d.next = self.zero12.val();
                    if self.g_last.q.val() {
                        self.g.d.next = self.zero12.val();
                        self.ob.d.next = self.zero12.val();
                        self.i_last.d.next = self.d_next_n1.val();
                        self.g_last.d.next = self.d_next_g1.val();
                        if self.d_last.val() {
                            self.state.d.next = EngineState::Drain;
                        } else {
                            self.k.d.next = self.k.q.val() + self.one4.val();
                            self.gap_last.d.next = self.d_gap_last.val();
                            if !self.d_nogap.val() {
                                self.state.d.next = EngineState::Gap;
                            }
                        }
                    } else {
                        self.g.d.next = self.g.q.val() + self.one12.val();
                        self.g_last.d.next = self.g.q.val() == self.d_gm2.val();
                        self.ob.d.next = self.ob.q.val() + self.n_lanes.val();
                        self.gap_last.d.next = self.d_pad_last.val();
                        if !self.d_nopad.val() {
                            self.state.d.next = EngineState::Gap;
                        }
                    }
                } else {
                    self.i.d.next = self.i.q.val() + self.one12.val();
                    self.i_last.d.next = self.i.q.val() == self.d_nm2.val();
                }
            }
            EngineState::Gap => {
                self.cnt.d.next = self.cnt.q.val() + self.one12.val();
                if self.cnt.q.val().get_bits::<4>(0) == self.gap_last.q.val() {
                    self.state.d.next = EngineState::Issue;
                }
            }
            EngineState::Drain => {
                if self.f6.q.val() {
                    self.state.d.next = EngineState::Idle;
                }
            }
        }
        // Stage A -> B.
        self.v_b.d.next = self.issue.val();
        self.first_b.d.next = self.i.q.val() == self.zero12.val();
        self.last_b.d.next = self.issue.val() & self.i_last.q.val();
        self.out_b.d.next = self.d_last.val();
        self.wa_b.d.next = self.d_wb.val() + self.ob.q.val();
        self.waddr_b.d.next = self.waddr.q.val();
        self.baddr_b.d.next = self.baddr.q.val();
        // Stage B: the activation RAM's word is broadcast to the lanes as it is (no
        // multiplexer: network inputs and hidden activations share the one RAM); the lanes
        // register it.
        self.x_s.next = signed_cast(self.act.read_data.val());
        for l in 0..self.lanes.len() {
            self.lanes[l].x.next = self.x_s.val();
        }
        // Stage B -> M.
        self.v_m.d.next = self.v_b.q.val();
        self.first_m.d.next = self.first_b.q.val();
        self.last_m.d.next = self.last_b.q.val();
        self.out_m.d.next = self.out_b.q.val();
        self.wa_m.d.next = self.wa_b.q.val();
        self.frac_m.d.next = self.frac_ram.read_data.val();
        for l in 0..self.lanes.len() {
            self.lanes[l].valid_m.next = self.v_m.q.val();
            self.lanes[l].first_m.next = self.first_m.q.val();
            self.lanes[l].last_m.next = self.last_m.q.val();
        }
        // Stage M -> C.
        self.last_c.d.next = self.last_m.q.val();
        self.out_c.d.next = self.out_m.q.val();
        self.wa_c.d.next = self.wa_m.q.val();
        self.frac_c.d.next = self.frac_m.q.val();
        // Stage C -> D (the lanes' sums are complete at stage D).
        self.last_d.d.next = self.last_c.q.val();
        self.out_d.d.next = self.out_c.q.val();
        self.wa_d.d.next = self.wa_c.q.val();
        self.frac_d.d.next = self.frac_c.q.val();
        // Drain. On the edge that puts a group's sums into the lanes' hold registers, slot 0
        // starts: slot `l` selects lane `l` (`dsel`, one-hot) and carries the write address
        // `wa + l`; the lane's gated word (s1), the ORed bus register (s2), then the shared
        // requantizer writes it back.
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
        if self.last_d.q.val() {
            self.dsel.d.next = self.one16.val();
            self.s0_act.d.next = true;
            self.s0_first.d.next = true;
            self.s0_out.d.next = self.out_d.q.val();
            self.s0_cnt.d.next = self.last_slot.val();
            self.s0_addr.d.next = self.wa_d.q.val();
            self.s0_frac.d.next = self.frac_d.q.val();
        }
        for l in 0..self.lanes.len() {
            self.lanes[l].drain.next = self.dsel.q.val().get_bit(l);
        }
        self.s1_act.d.next = self.s0_act.q.val();
        self.s1_first.d.next = self.s0_first.q.val();
        self.s1_out.d.next = self.s0_out.q.val();
        self.s1_addr.d.next = self.s0_addr.q.val();
        self.s1_frac.d.next = self.s0_frac.q.val();
        self.bus.next = self.zero40.val();
        for l in 0..self.lanes.len() {
            self.bus.next = self.bus.val() | self.lanes[l].g.val();
        }
        self.bus_r.d.next = self.bus.val();
        self.s2_act.d.next = self.s1_act.q.val();
        self.s2_first.d.next = self.s1_first.q.val();
        self.s2_out.d.next = self.s1_out.q.val();
        self.s2_addr.d.next = self.s1_addr.q.val();
        self.s2_frac.d.next = self.s1_frac.q.val();
        self.s2_hmask.d.next = self.ones25.val() << self.s1_frac.q.val();
        // The shared requantizer: arithmetic shift right by weight_frac (floor), saturation to
        // 16 bits, ReLU, without a 40-bit barrel shifter and without inverting the sum. With a
        // the sum and f <= 15: floor(a / 2^f) fits 16 bits iff a[39:15+f] are all equal to the
        // sign a[39] (t = a[39:15] ^ sign, masked by s2_hmask = ones << f, is zero), and then its
        // 16 bits are a[15+f:f], i.e. (a[30:0] >> f)[15:0] (a logical shift is enough: no bit
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
        // Write-back of hidden activations; while idle, the input port writes the network
        // inputs (the input region of the same RAM).
        self.act.write_address.next = self.s3_addr.q.val();
        self.act.write_data.next = self.res.val();
        self.act.write_enable.next = self.s3_act.q.val() & !self.s3_out.q.val();
        if self.idle.val() {
            self.act.write_address.next = bit_cast::<A, 6>(self.in_addr_r.q.val());
            self.act.write_data.next = self.in_data_r.q.val();
            self.act.write_enable.next = self.in_we_r.q.val();
        }
        // The output layer's result (slot 0 of its only group). The exp2 table is addressed by
        // it directly, so that the table read happens on the same edge as `log2_r`.
        self.out_now.next = self.s3_act.q.val() & self.s3_out.q.val() & self.s3_first.q.val();
        if self.out_now.val() {
            self.log2_r.d.next = self.res.val();
        }
        self.f4.d.next = self.out_now.val();
        self.f5.d.next = self.f4.q.val();
        self.f6.d.next = self.f5.q.val();
        // exp2: table read (with log2_r, f4), shift (f5), clamp (compare f6, select).
        self.exp2.address.next = self.res.val().get_bits::<8>(2);
        self.int5.next = self.log2_r.q.val().get_bits::<5>(10);
        self.mant48.next = bit_cast::<48, 16>(self.exp2.data.val());
        if self.f4.q.val() {
            self.raw_r.d.next = (self.mant48.val() << self.int5.val()) >> 15;
            if self.log2_r.q.val().get_bit(15) {
                self.raw_r.d.next = self.zero48.val();
            }
        }
        // Effective limits: the run-time registers may only tighten the synthesized ones.
        // Four register stages (compare with the synthesized limits, select, compare the two,
        // select), so that no comparison is in series with a multiplexer: the limits only
        // change on a load-port write while idle, at least 10 cycles before a clamp uses them.
        // Between a write and the second stage a selected limit can mix the new value with the
        // old comparison for one cycle; it has settled long before it is used.
        self.rt_max.next = !self.rt_max_n.q.val();
        self.min_gt.d.next = self.rt_min.q.val() > self.syn_min.val();
        self.max_lt.d.next = self.rt_max.val() < self.syn_max.val();
        self.emin.next = self.syn_min.val();
        if self.min_gt.q.val() {
            self.emin.next = self.rt_min.q.val();
        }
        self.tmax.next = self.syn_max.val();
        if self.max_lt.q.val() {
            self.tmax.next = self.rt_max.val();
        }
        self.emin_r.d.next = self.emin.val();
        self.tmax_r.d.next = self.tmax.val();
        self.emin2.d.next = self.emin_r.q.val();
        self.tmax2.d.next = self.tmax_r.q.val();
        self.lim_gt.d.next = self.emin_r.q.val() > self.tmax_r.q.val();
        self.eff_min.d.next = self.emin2.q.val();
        self.eff_max.d.next = self.tmax2.q.val();
        if self.lim_gt.q.val() {
            self.eff_max.d.next = self.emin2.q.val();
        }
        // The clamp: compare (f5), then select (f6), so that the two 48-bit comparisons and the
        // multiplexer are not in series.
        // The limits are 24 bits: the 48-bit duration is below the minimum iff its high half is
        // zero and its low half is below, above the maximum iff its high half is not zero or
        // its low half is above (two 24-bit comparisons, not 48-bit ones).
        self.raw_lo.next = self.raw_r.q.val().get_bits::<CYCLE_BITS_USIZE>(0);
        self.raw_hi.next = self.raw_r.q.val().get_bits::<24>(24);
        self.raw_big.next = self.raw_hi.val().any();
        self.lt_r.d.next = !self.raw_big.val() & (self.raw_lo.val() < self.eff_min.q.val());
        self.gt_r.d.next = self.raw_big.val() | (self.raw_lo.val() > self.eff_max.q.val());
        self.raw24_r.d.next = self.raw_r.q.val().get_bits::<CYCLE_BITS_USIZE>(0);
        if self.f6.q.val() {
            self.cycles_r.d.next = self.raw24_r.q.val();
            self.low_r.d.next = false;
            self.high_r.d.next = false;
            if self.lt_r.q.val() {
                self.cycles_r.d.next = self.eff_min.q.val();
                self.low_r.d.next = true;
            }
            if self.gt_r.q.val() {
                self.cycles_r.d.next = self.eff_max.q.val();
                self.high_r.d.next = true;
            }
        }
        self.done_r.d.next = self.f6.q.val();
        // Outputs.
        self.busy.next = !self.idle.val();
        self.done.next = self.done_r.q.val();
        self.out_polarity.next = self.outpol_r.q.val();
        self.log2_cycles.next = self.log2_r.q.val();
        self.cycles.next = self.cycles_r.q.val();
        self.clamp_low.next = self.low_r.q.val();
        self.clamp_high.next = self.high_r.q.val();
    }
}
