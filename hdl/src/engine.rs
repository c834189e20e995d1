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

// The lane datapath below is written for a 40-bit accumulator (sign bit 39, the saturation
// test on bits 39..15): `qformat::ACC_BITS`.
const _: () = assert!(ACC_BITS == 40);

/// One MAC lane: a weight bank, a bias bank, an activation bank, one 16x16 multiplier and a
/// 40-bit accumulator, plus the requantizer. Lane `l` computes outputs `o` with `o % lanes == l`.
#[derive(LogicBlock)]
pub struct Lane {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Stage M: the registered activation broadcast to every lane.
    pub x: Signal<In, Signed<16>>,
    /// Stage B: weight-bank read address (one stage after the activation read).
    pub w_addr: Signal<In, Bits<A>>,
    /// Stage B: bias-bank read address.
    pub b_addr: Signal<In, Bits<A>>,
    /// Stage A: activation-bank read address.
    pub a_raddr: Signal<In, Bits<A>>,
    /// Stage C: a product arrives.
    pub valid_c: Signal<In, bool>,
    /// Stage C: it is the first of a neuron (start from the bias).
    pub first_c: Signal<In, bool>,
    /// Stage D: the layer's weight_frac.
    pub frac_d: Signal<In, Bits<4>>,
    /// Stage D: `!0 << weight_frac` (the bits of the shifted accumulator that must be zero).
    pub hmask_d: Signal<In, Bits<25>>,
    /// Stage E: apply ReLU (hidden layer).
    pub relu_e: Signal<In, bool>,
    /// Stage E: write the result to the activation bank.
    pub a_we_e: Signal<In, bool>,
    /// Stage E: activation-bank write address.
    pub a_waddr_e: Signal<In, Bits<A>>,
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
    /// Stage B: this lane's activation bank holds the activation to broadcast.
    pub sel: Signal<In, bool>,
    /// Stage B: the activation bank's word if `sel`, else 0 (the lanes' words are ORed).
    pub a_m: Signal<Out, Bits<16>>,
    /// Stage E: the requantized (and, for hidden layers, rectified) result.
    pub y: Signal<Out, Bits<16>>,
    index: Constant<Bits<4>>,
    sext: Constant<Bits<40>>,
    sat_pos: Constant<Bits<16>>,
    sat_neg: Constant<Bits<16>>,
    zero16: Constant<Bits<16>>,
    zero40: Constant<Bits<40>>,
    w_s: Signal<Local, Signed<16>>,
    prod_u: Signal<Local, Bits<32>>,
    prod_ext: Signal<Local, Bits<40>>,
    bias_ext: Signal<Local, Bits<40>>,
    base: Signal<Local, Bits<40>>,
    smask: Signal<Local, Bits<40>>,
    t: Signal<Local, Bits<40>>,
    low: Signal<Local, Bits<31>>,
    over: Signal<Local, bool>,
    sat: Signal<Local, Bits<16>>,
    res: Signal<Local, Bits<16>>,
    prod: DFF<Signed<32>>,
    q_low: DFF<Bits<16>>,
    q_over: DFF<bool>,
    q_neg: DFF<bool>,
    bias_c: DFF<Bits<32>>,
    acc: DFF<Bits<40>>,
    wram: Ram<16, A>,
    bram: Ram<32, A>,
    aram: Ram<16, A>,
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
            a_raddr: Default::default(),
            valid_c: Default::default(),
            first_c: Default::default(),
            frac_d: Default::default(),
            hmask_d: Default::default(),
            relu_e: Default::default(),
            a_we_e: Default::default(),
            a_waddr_e: Default::default(),
            ld_we_w: Default::default(),
            ld_we_b: Default::default(),
            ld_lane: Default::default(),
            ld_word: Default::default(),
            ld_data: Default::default(),
            sel: Default::default(),
            a_m: Default::default(),
            y: Default::default(),
            index: Constant::new((index as u64).into()),
            sext: Constant::new(0xFF_0000_0000u64.into()),
            sat_pos: Constant::new(0x7FFFu64.into()),
            sat_neg: Constant::new(0x8000u64.into()),
            zero16: Constant::new(0u64.into()),
            zero40: Constant::new(0u64.into()),
            w_s: Default::default(),
            prod_u: Default::default(),
            prod_ext: Default::default(),
            bias_ext: Default::default(),
            base: Default::default(),
            smask: Default::default(),
            t: Default::default(),
            low: Default::default(),
            over: Default::default(),
            sat: Default::default(),
            res: Default::default(),
            prod: Default::default(),
            q_low: Default::default(),
            q_over: Default::default(),
            q_neg: Default::default(),
            bias_c: Default::default(),
            acc: Default::default(),
            wram: Ram::new(2 * shape.weight_words_per_net(), w),
            bram: Ram::new(2 * shape.bias_words_per_net(), b),
            aram: Ram::new(shape.act_depth(), vec![]),
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
        dff_setup!(self, clock, prod, q_low, q_over, q_neg, bias_c, acc);
        clock!(self, clock, wram, bram, aram);
        // Stage A: reads.
        self.wram.read_address.next = self.w_addr.val();
        self.bram.read_address.next = self.b_addr.val();
        self.aram.read_address.next = self.a_raddr.val();
        self.a_m.next = self.zero16.val();
        if self.sel.val() {
            self.a_m.next = self.aram.read_data.val();
        }
        // Load port.
        self.wram.write_address.next = self.ld_word.val();
        self.wram.write_data.next = self.ld_data.val().get_bits::<16>(0);
        self.wram.write_enable.next = self.ld_we_w.val() & (self.ld_lane.val() == self.index.val());
        self.bram.write_address.next = self.ld_word.val();
        self.bram.write_data.next = self.ld_data.val();
        self.bram.write_enable.next = self.ld_we_b.val() & (self.ld_lane.val() == self.index.val());
        // Stage M: the product, straight into a Signed<32> register (`x` and the weight are
        // both registered: the broadcast register and the weight bank's read port).
        self.w_s.next = signed_cast(self.wram.read_data.val());
        self.prod.d.next = self.x.val() * self.w_s.val();
        self.bias_c.d.next = self.bram.read_data.val();
        // Stage C: sign-extend product and bias to 40 bits, accumulate.
        self.prod_u.next = unsigned_cast(self.prod.q.val());
        self.prod_ext.next = bit_cast::<40, 32>(self.prod_u.val());
        if self.prod_u.val().get_bit(31) {
            self.prod_ext.next = bit_cast::<40, 32>(self.prod_u.val()) | self.sext.val();
        }
        self.bias_ext.next = bit_cast::<40, 32>(self.bias_c.q.val());
        if self.bias_c.q.val().get_bit(31) {
            self.bias_ext.next = bit_cast::<40, 32>(self.bias_c.q.val()) | self.sext.val();
        }
        self.base.next = self.acc.q.val();
        if self.first_c.val() {
            self.base.next = self.bias_ext.val();
        }
        if self.valid_c.val() {
            self.acc.d.next = self.base.val() + self.prod_ext.val();
        }
        // Stage D: arithmetic shift right by weight_frac (floor) and the overflow test; stage E:
        // saturate to 16 bits, ReLU, write back.
        // Requantize without a 40-bit barrel shifter. With s the sign of the accumulator a
        // replicated and t = a ^ s (so t >= 0), floor(a / 2^f) = (t >> f) ^ s. It fits 16 bits
        // iff t[39:15+f] is all zero (hmask_d = ones << f, shared by all lanes), and then its low
        // 16 bits are (t[30:0] >> f)[15:0] ^ s[15:0]; otherwise it saturates to s ? -32768 :
        // 32767.
        self.smask.next = self.zero40.val();
        if self.acc.q.val().get_bit(39) {
            self.smask.next = !self.zero40.val();
        }
        self.t.next = self.acc.q.val() ^ self.smask.val();
        self.low.next = self.t.val().get_bits::<31>(0) >> self.frac_d.val();
        self.over.next = (self.t.val().get_bits::<25>(15) & self.hmask_d.val()).any();
        self.q_low.d.next = self.low.val().get_bits::<16>(0) ^ self.smask.val().get_bits::<16>(0);
        self.q_over.d.next = self.over.val();
        self.q_neg.d.next = self.acc.q.val().get_bit(39);
        self.sat.next = self.q_low.q.val();
        if self.q_over.q.val() {
            if self.q_neg.q.val() {
                self.sat.next = self.sat_neg.val();
            } else {
                self.sat.next = self.sat_pos.val();
            }
        }
        self.res.next = self.sat.val();
        if self.relu_e.val() & self.sat.val().get_bit(15) {
            self.res.next = self.zero16.val();
        }
        self.y.next = self.res.val();
        self.aram.write_address.next = self.a_waddr_e.val();
        self.aram.write_data.next = self.res.val();
        self.aram.write_enable.next = self.a_we_e.val();
    }
}

/// The controller's states.
#[derive(Copy, Clone, Debug, PartialEq, Eq, LogicState)]
pub enum EngineState {
    /// Waiting for `start`.
    Idle,
    /// Issuing one (group, input) pair per cycle.
    Issue,
    /// Waiting for the previous layer's last results.
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
    xram: Ram<16, 6>,
    frac_ram: Ram<4, 4>,
    desc: Rom<54, 4>,
    exp2: Rom<16, 8>,
    one4: Constant<Bits<4>>,
    zero4: Constant<Bits<4>>,
    one12: Constant<Bits<A>>,
    zero12: Constant<Bits<A>>,
    one16: Constant<Bits<16>>,
    zero16: Constant<Bits<16>>,
    zero48: Constant<Bits<48>>,
    ones25: Constant<Bits<25>>,
    pol_frac: Constant<Bits<4>>,
    pol_w: Constant<Bits<A>>,
    pol_b: Constant<Bits<A>>,
    lane_wrap: Constant<Bits<16>>,
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
    i_lo: DFF<Bits<16>>,
    i_hi: DFF<Bits<A>>,
    waddr: DFF<Bits<A>>,
    baddr: DFF<Bits<A>>,
    cnt: DFF<Bits<A>>,
    // Pipeline registers.
    v_b: DFF<bool>,
    first_b: DFF<bool>,
    last_b: DFF<bool>,
    fromx_b: DFF<bool>,
    out_b: DFF<bool>,
    sel_b: DFF<Bits<16>>,
    wa_b: DFF<Bits<A>>,
    waddr_b: DFF<Bits<A>>,
    baddr_b: DFF<Bits<A>>,
    x_r: DFF<Signed<16>>,
    v_m: DFF<bool>,
    first_m: DFF<bool>,
    last_m: DFF<bool>,
    out_m: DFF<bool>,
    wa_m: DFF<Bits<A>>,
    frac_m: DFF<Bits<4>>,
    v_c: DFF<bool>,
    first_c: DFF<bool>,
    last_c: DFF<bool>,
    out_c: DFF<bool>,
    wa_c: DFF<Bits<A>>,
    frac_c: DFF<Bits<4>>,
    last_d: DFF<bool>,
    out_d: DFF<bool>,
    wa_d: DFF<Bits<A>>,
    frac_d: DFF<Bits<4>>,
    last_e: DFF<bool>,
    out_e: DFF<bool>,
    wa_e: DFF<Bits<A>>,
    // Output, exp2 and clamp.
    log2_r: DFF<Bits<16>>,
    f4: DFF<bool>,
    f5: DFF<bool>,
    f6: DFF<bool>,
    f7: DFF<bool>,
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
    emin_r: DFF<Bits<CYCLE_BITS_USIZE>>,
    tmax_r: DFF<Bits<CYCLE_BITS_USIZE>>,
    eff_min: DFF<Bits<CYCLE_BITS_USIZE>>,
    eff_max: DFF<Bits<CYCLE_BITS_USIZE>>,
    // Combinational signals.
    idle: Signal<Local, bool>,
    issue: Signal<Local, bool>,
    d_n: Signal<Local, Bits<A>>,
    d_g: Signal<Local, Bits<A>>,
    d_rb: Signal<Local, Bits<A>>,
    d_wb: Signal<Local, Bits<A>>,
    d_fromx: Signal<Local, bool>,
    d_last: Signal<Local, bool>,
    d_nogap: Signal<Local, bool>,
    d_gap_last: Signal<Local, Bits<3>>,
    a_raddr: Signal<Local, Bits<A>>,
    frac_addr: Signal<Local, Bits<4>>,
    x_bits: Signal<Local, Bits<16>>,
    x_s: Signal<Local, Signed<16>>,
    we_ok: Signal<Local, bool>,
    hmask: Signal<Local, Bits<25>>,
    region: Signal<Local, Bits<4>>,
    int5: Signal<Local, Bits<5>>,
    mant48: Signal<Local, Bits<48>>,
    raw_min: Signal<Local, Bits<48>>,
    raw_max: Signal<Local, Bits<48>>,
    emin: Signal<Local, Bits<CYCLE_BITS_USIZE>>,
    tmax: Signal<Local, Bits<CYCLE_BITS_USIZE>>,
    rt_max: Signal<Local, Bits<CYCLE_BITS_USIZE>>,
}

const CYCLE_BITS_USIZE: usize = CYCLE_BITS as usize;

fn c<const N: usize>(v: u64) -> Constant<Bits<N>> {
    Constant::new(v.into())
}

fn descriptor(shape: &EngineShape, k: usize) -> u64 {
    let (outs, ins) = shape.layers[k];
    let _ = outs;
    let last = k + 1 == shape.n_layers();
    let wb = if last { 0 } else { shape.act_write_base(k) };
    // Bit 50: no idle cycles after this layer; bits 51..53: idle cycles before it, minus one.
    let nogap = !last && shape.gap_after(k) == 0;
    let gap_before = if k == 0 { 0 } else { shape.gap_after(k - 1) };
    (ins as u64 - 1)
        | ((shape.groups(k) as u64 - 1) << 12)
        | ((shape.act_read_base(k) as u64) << 24)
        | ((wb as u64) << 36)
        | (u64::from(k == 0) << 48)
        | (u64::from(last) << 49)
        | (u64::from(nogap) << 50)
        | ((gap_before.saturating_sub(1) as u64) << 51)
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
            xram: Ram::new(shape.inputs, vec![]),
            frac_ram: Ram::new(2 * nl, image.fracs.iter().map(|&f| u64::from(f)).collect()),
            desc: Rom::new((0..nl).map(|k| descriptor(&shape, k)).collect(), false),
            exp2: Rom::new(exp2_table().iter().map(|&v| u64::from(v)).collect(), true),
            one4: c(1),
            zero4: c(0),
            one12: c(1),
            zero12: c(0),
            one16: c(1),
            zero16: c(0),
            zero48: c(0),
            ones25: c((1 << 25) - 1),
            pol_frac: c(nl as u64),
            pol_w: c(shape.weight_words_per_net() as u64),
            pol_b: c(shape.bias_words_per_net() as u64),
            lane_wrap: c(1 << (lanes - 1)),
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
            i_lo: Default::default(),
            i_hi: Default::default(),
            waddr: Default::default(),
            baddr: Default::default(),
            cnt: Default::default(),
            v_b: Default::default(),
            first_b: Default::default(),
            last_b: Default::default(),
            fromx_b: Default::default(),
            out_b: Default::default(),
            sel_b: Default::default(),
            wa_b: Default::default(),
            waddr_b: Default::default(),
            baddr_b: Default::default(),
            x_r: Default::default(),
            v_m: Default::default(),
            first_m: Default::default(),
            last_m: Default::default(),
            out_m: Default::default(),
            wa_m: Default::default(),
            frac_m: Default::default(),
            v_c: Default::default(),
            first_c: Default::default(),
            last_c: Default::default(),
            out_c: Default::default(),
            wa_c: Default::default(),
            frac_c: Default::default(),
            last_d: Default::default(),
            out_d: Default::default(),
            wa_d: Default::default(),
            frac_d: Default::default(),
            last_e: Default::default(),
            out_e: Default::default(),
            wa_e: Default::default(),
            log2_r: Default::default(),
            f4: Default::default(),
            f5: Default::default(),
            f6: Default::default(),
            f7: Default::default(),
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
            emin_r: Default::default(),
            tmax_r: Default::default(),
            eff_min: Default::default(),
            eff_max: Default::default(),
            idle: Default::default(),
            issue: Default::default(),
            d_n: Default::default(),
            d_g: Default::default(),
            d_rb: Default::default(),
            d_wb: Default::default(),
            d_fromx: Default::default(),
            d_last: Default::default(),
            d_nogap: Default::default(),
            d_gap_last: Default::default(),
            a_raddr: Default::default(),
            frac_addr: Default::default(),
            x_bits: Default::default(),
            x_s: Default::default(),
            we_ok: Default::default(),
            hmask: Default::default(),
            region: Default::default(),
            int5: Default::default(),
            mant48: Default::default(),
            raw_min: Default::default(),
            raw_max: Default::default(),
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
            self, clock, state, pol, k, g, i, i_lo, i_hi, waddr, baddr, cnt, v_b, first_b, last_b,
            fromx_b, out_b, sel_b, wa_b, waddr_b, baddr_b, x_r, v_m, first_m, last_m, out_m, wa_m,
            frac_m, last_e, out_e, wa_e, v_c, first_c, last_c, out_c, wa_c, frac_c, last_d, out_d,
            wa_d, frac_d, log2_r, f4, f5, f6, f7, lt_r, gt_r, raw24_r, raw_r, cycles_r, low_r,
            high_r, done_r, outpol_r, rt_min, rt_max_n, emin_r, tmax_r, eff_min, eff_max
        );
        clock!(self, clock, xram, frac_ram, desc, exp2);
        for l in 0..self.lanes.len() {
            self.lanes[l].clock.next = self.clock.val();
        }
        self.idle.next = self.state.q.val() == EngineState::Idle;
        self.issue.next = self.state.q.val() == EngineState::Issue;
        // Layer descriptor.
        self.desc.address.next = self.k.q.val();
        self.d_n.next = self.desc.data.val().get_bits::<A>(0);
        self.d_g.next = self.desc.data.val().get_bits::<A>(12);
        self.d_rb.next = self.desc.data.val().get_bits::<A>(24);
        self.d_wb.next = self.desc.data.val().get_bits::<A>(36);
        self.d_fromx.next = self.desc.data.val().get_bit(48);
        self.d_last.next = self.desc.data.val().get_bit(49);
        self.d_nogap.next = self.desc.data.val().get_bit(50);
        self.d_gap_last.next = self.desc.data.val().get_bits::<3>(51);
        // Input port and load port (both ignored while busy).
        self.xram.write_address.next = self.in_addr.val();
        self.xram.write_data.next = self.in_data.val();
        self.xram.write_enable.next = self.in_we.val() & self.idle.val();
        self.we_ok.next = self.ld_we.val() & self.idle.val();
        self.region.next = self.ld_addr.val().get_bits::<4>(16);
        self.frac_ram.write_address.next = self.ld_addr.val().get_bits::<4>(0);
        self.frac_ram.write_data.next = self.ld_data.val().get_bits::<4>(0);
        self.frac_ram.write_enable.next =
            self.we_ok.val() & (self.region.val() == self.r_fracs.val());
        if self.we_ok.val() & (self.region.val() == self.r_limits.val()) {
            if self.ld_addr.val().get_bit(0) {
                self.rt_max_n.d.next = !self.ld_data.val().get_bits::<CYCLE_BITS_USIZE>(0);
            } else {
                self.rt_min.d.next = self.ld_data.val().get_bits::<CYCLE_BITS_USIZE>(0);
            }
        }
        // Stage A: addresses of the (group, input) pair being issued.
        self.a_raddr.next = self.d_rb.val() + self.i_hi.q.val();
        self.frac_addr.next = self.k.q.val();
        if self.pol.q.val() {
            self.frac_addr.next = self.k.q.val() + self.pol_frac.val();
        }
        self.frac_ram.read_address.next = self.frac_addr.val();
        self.xram.read_address.next = self.i.q.val().get_bits::<6>(0);
        for l in 0..self.lanes.len() {
            self.lanes[l].w_addr.next = self.waddr_b.q.val();
            self.lanes[l].b_addr.next = self.baddr_b.q.val();
            self.lanes[l].a_raddr.next = self.a_raddr.val();
            self.lanes[l].ld_we_w.next =
                self.we_ok.val() & (self.region.val() == self.r_weights.val());
            self.lanes[l].ld_we_b.next =
                self.we_ok.val() & (self.region.val() == self.r_biases.val());
            self.lanes[l].ld_lane.next = self.ld_addr.val().get_bits::<4>(12);
            self.lanes[l].ld_word.next = self.ld_addr.val().get_bits::<A>(0);
            self.lanes[l].ld_data.next = self.ld_data.val();
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
                    self.i_lo.d.next = self.one16.val();
                    self.i_hi.d.next = self.zero12.val();
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
                if self.i.q.val() == self.d_n.val() {
                    self.i.d.next = self.zero12.val();
                    self.i_lo.d.next = self.one16.val();
                    self.i_hi.d.next = self.zero12.val();
                    self.baddr.d.next = self.baddr.q.val() + self.one12.val();
                    if self.g.q.val() == self.d_g.val() {
                        self.g.d.next = self.zero12.val();
                        if self.d_last.val() {
                            self.state.d.next = EngineState::Drain;
                        } else {
                            self.k.d.next = self.k.q.val() + self.one4.val();
                            self.cnt.d.next = self.zero12.val();
                            if !self.d_nogap.val() {
                                self.state.d.next = EngineState::Gap;
                            }
                        }
                    } else {
                        self.g.d.next = self.g.q.val() + self.one12.val();
                    }
                } else {
                    self.i.d.next = self.i.q.val() + self.one12.val();
                    if (self.i_lo.q.val() & self.lane_wrap.val()).any() {
                        self.i_lo.d.next = self.one16.val();
                        self.i_hi.d.next = self.i_hi.q.val() + self.one12.val();
                    } else {
                        self.i_lo.d.next = self.i_lo.q.val() << 1;
                    }
                }
            }
            EngineState::Gap => {
                self.cnt.d.next = self.cnt.q.val() + self.one12.val();
                // `k` is already the next layer: its descriptor holds the gap before it.
                if self.cnt.q.val().get_bits::<3>(0) == self.d_gap_last.val() {
                    self.state.d.next = EngineState::Issue;
                }
            }
            EngineState::Drain => {
                if self.f7.q.val() {
                    self.state.d.next = EngineState::Idle;
                }
            }
        }
        // Stage A -> B.
        self.v_b.d.next = self.issue.val();
        self.first_b.d.next = self.i.q.val() == self.zero12.val();
        self.last_b.d.next = self.issue.val() & (self.i.q.val() == self.d_n.val());
        self.fromx_b.d.next = self.d_fromx.val();
        self.out_b.d.next = self.d_last.val();
        self.sel_b.d.next = self.i_lo.q.val();
        if self.d_fromx.val() {
            self.sel_b.d.next = self.zero16.val();
        }
        self.wa_b.d.next = self.d_wb.val() + self.g.q.val();
        // The weight and bias banks are read one stage later than the activations, so that the
        // weight arrives together with the registered broadcast `x_r`.
        self.waddr_b.d.next = self.waddr.q.val();
        self.baddr_b.d.next = self.baddr.q.val();
        // Stage B: select the activation and broadcast it. The selects are one-hot (the lane
        // `i % lanes`, or none for the first layer, which reads the input RAM), so the
        // multiplexer is an AND-OR tree (each lane gates its own word) rather than a priority
        // chain: it is on the critical path into the multipliers.
        self.x_bits.next = self.zero16.val();
        if self.fromx_b.q.val() {
            self.x_bits.next = self.xram.read_data.val();
        }
        for l in 0..self.lanes.len() {
            self.lanes[l].sel.next = self.sel_b.q.val().get_bit(l);
            self.x_bits.next = self.x_bits.val() | self.lanes[l].a_m.val();
        }
        self.x_s.next = signed_cast(self.x_bits.val());
        // Stage B -> M: the broadcast is registered, so that neither the multiplexer nor the
        // broadcast net is in series with the multipliers.
        self.x_r.d.next = self.x_s.val();
        for l in 0..self.lanes.len() {
            self.lanes[l].x.next = self.x_r.q.val();
        }
        self.v_m.d.next = self.v_b.q.val();
        self.first_m.d.next = self.first_b.q.val();
        self.last_m.d.next = self.last_b.q.val();
        self.out_m.d.next = self.out_b.q.val();
        self.wa_m.d.next = self.wa_b.q.val();
        self.frac_m.d.next = self.frac_ram.read_data.val();
        // Stage M -> C.
        self.v_c.d.next = self.v_m.q.val();
        self.first_c.d.next = self.first_m.q.val();
        self.last_c.d.next = self.last_m.q.val();
        self.out_c.d.next = self.out_m.q.val();
        self.wa_c.d.next = self.wa_m.q.val();
        self.frac_c.d.next = self.frac_m.q.val();
        for l in 0..self.lanes.len() {
            self.lanes[l].valid_c.next = self.v_c.q.val();
            self.lanes[l].first_c.next = self.first_c.q.val();
        }
        // Stage C -> D.
        self.last_d.d.next = self.last_c.q.val();
        self.out_d.d.next = self.out_c.q.val();
        self.wa_d.d.next = self.wa_c.q.val();
        self.frac_d.d.next = self.frac_c.q.val();
        self.hmask.next = self.ones25.val() << self.frac_d.q.val();
        for l in 0..self.lanes.len() {
            self.lanes[l].frac_d.next = self.frac_d.q.val();
            self.lanes[l].hmask_d.next = self.hmask.val();
            self.lanes[l].relu_e.next = !self.out_e.q.val();
            self.lanes[l].a_we_e.next = self.last_e.q.val() & !self.out_e.q.val();
            self.lanes[l].a_waddr_e.next = self.wa_e.q.val();
        }
        // Stage D -> E.
        self.last_e.d.next = self.last_d.q.val();
        self.out_e.d.next = self.out_d.q.val();
        self.wa_e.d.next = self.wa_d.q.val();
        // Stage E: the output layer's result.
        if self.last_e.q.val() & self.out_e.q.val() {
            self.log2_r.d.next = self.lanes[0].y.val();
        }
        self.f4.d.next = self.last_e.q.val() & self.out_e.q.val();
        self.f5.d.next = self.f4.q.val();
        self.f6.d.next = self.f5.q.val();
        // exp2: table read (f4), shift (f5), clamp (f6, f7).
        self.exp2.address.next = self.log2_r.q.val().get_bits::<8>(2);
        self.int5.next = self.log2_r.q.val().get_bits::<5>(10);
        self.mant48.next = bit_cast::<48, 16>(self.exp2.data.val());
        if self.f5.q.val() {
            self.raw_r.d.next = (self.mant48.val() << self.int5.val()) >> 15;
            if self.log2_r.q.val().get_bit(15) {
                self.raw_r.d.next = self.zero48.val();
            }
        }
        // Effective limits: the run-time registers may only tighten the synthesized ones.
        self.rt_max.next = !self.rt_max_n.q.val();
        self.emin.next = self.syn_min.val();
        if self.rt_min.q.val() > self.syn_min.val() {
            self.emin.next = self.rt_min.q.val();
        }
        self.tmax.next = self.syn_max.val();
        if self.rt_max.val() < self.syn_max.val() {
            self.tmax.next = self.rt_max.val();
        }
        // Two register stages (the limits only change on a load-port write while idle, at least
        // 7 cycles before a clamp uses them), to keep the comparisons off the critical path.
        self.emin_r.d.next = self.emin.val();
        self.tmax_r.d.next = self.tmax.val();
        self.eff_min.d.next = self.emin_r.q.val();
        self.eff_max.d.next = self.tmax_r.q.val();
        if self.emin_r.q.val() > self.tmax_r.q.val() {
            self.eff_max.d.next = self.emin_r.q.val();
        }
        self.raw_min.next = bit_cast::<48, CYCLE_BITS_USIZE>(self.eff_min.q.val());
        self.raw_max.next = bit_cast::<48, CYCLE_BITS_USIZE>(self.eff_max.q.val());
        // The clamp: compare (f6), then select (f7), so that the two 48-bit comparisons and the
        // multiplexer are not in series.
        self.lt_r.d.next = self.raw_r.q.val() < self.raw_min.val();
        self.gt_r.d.next = self.raw_r.q.val() > self.raw_max.val();
        self.raw24_r.d.next = self.raw_r.q.val().get_bits::<CYCLE_BITS_USIZE>(0);
        self.f7.d.next = self.f6.q.val();
        if self.f7.q.val() {
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
        self.done_r.d.next = self.f7.q.val();
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
