//! The controller: the state machine that issues one (output group, input) pair per cycle, the
//! layer descriptor ROM and the `weight_frac` table, and the pipeline of the issue's controls
//! down to the lanes and the drain (`docs/HDL.md`, "Architecture" and "Latency").

use super::{c, A};
use crate::layout::EngineShape;
use crate::mem::{Ram, Rom};
use rust_hdl::prelude::*;

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

/// The controller. On `start` (sampled while idle) it walks the layers of the network of
/// `polarity`: for each layer `k`, each group `g` of `lanes` outputs, each input `i`, one issue
/// cycle (stage A) that reads activation `i` of layer `k` (`act_raddr`) and, one cycle later
/// (stage B), weight word `W * n + weight_base(k) + g * in_k + i` and bias word
/// `B * n + bias_base(k) + g` of every lane (`w_addr`, `b_addr`), network `n = polarity` (one
/// weight set) or `n = set * 2 + polarity` (two: `set` is sampled with `start`); with
/// `EngineShape::group_pad(k)` idle cycles before every group but the first and
/// `EngineShape::gap_after(k)` between layers. The accumulator controls follow at stage M
/// (`m_valid`, `m_first`, `m_last`), and a group's description at stage D, on the cycle its sums
/// reach the lanes' hold registers (`grp_done`, `grp_out`, `grp_addr`, `grp_frac`). After the
/// output layer's last issue it waits for `fin`, and is idle from the edge that samples it.
#[derive(LogicBlock)]
pub struct Controller {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Start a prediction (sampled when idle).
    pub start: Signal<In, bool>,
    /// Network select, sampled with `start`: false = set, true = reset.
    pub polarity: Signal<In, bool>,
    /// Weight set select, sampled with `start` (two-set engines only: one entry, else none).
    pub set: Vec<Signal<In, bool>>,
    /// The result is being registered: go idle on this edge (only while draining).
    pub fin: Signal<In, bool>,
    /// Load port: write a `weight_frac` (already gated: only while idle).
    pub frac_we: Signal<In, bool>,
    /// Load port: `weight_frac` table word, `polarity * layers + layer`.
    pub frac_addr: Signal<In, Bits<4>>,
    /// Load port: the `weight_frac`.
    pub frac_data: Signal<In, Bits<4>>,
    /// Waiting for `start`.
    pub idle: Signal<Out, bool>,
    /// The polarity of the prediction running or last run.
    pub pol: Signal<Out, bool>,
    /// The weight set of the prediction running or last run (two-set engines only).
    pub set_out: Vec<Signal<Out, bool>>,
    /// Stage A: activation-RAM read address of the pair being issued.
    pub act_raddr: Signal<Out, Bits<A>>,
    /// Stage B: the lanes' weight-bank address.
    pub w_addr: Signal<Out, Bits<A>>,
    /// Stage B: the lanes' bias-bank address.
    pub b_addr: Signal<Out, Bits<A>>,
    /// Stage M: a product arrives next.
    pub m_valid: Signal<Out, bool>,
    /// Stage M: it is the first of a neuron.
    pub m_first: Signal<Out, bool>,
    /// Stage M: it is the last of a neuron.
    pub m_last: Signal<Out, bool>,
    /// Stage D: a group's sums enter the lanes' hold registers on this edge.
    pub grp_done: Signal<Out, bool>,
    /// Stage D: that group is the output layer's.
    pub grp_out: Signal<Out, bool>,
    /// Stage D: activation-RAM word of its lane 0's result (hidden layers).
    pub grp_addr: Signal<Out, Bits<A>>,
    /// Stage D: its layer's `weight_frac`.
    pub grp_frac: Signal<Out, Bits<4>>,
    frac_ram: Ram<4, 4>,
    desc: Rom<62, 4>,
    one4: Constant<Bits<4>>,
    zero4: Constant<Bits<4>>,
    one12: Constant<Bits<A>>,
    zero12: Constant<Bits<A>>,
    n_lanes: Constant<Bits<A>>,
    start_n1: Constant<bool>,
    start_g1: Constant<bool>,
    pol_frac: Constant<Bits<4>>,
    pol_w: Constant<Bits<A>>,
    pol_b: Constant<Bits<A>>,
    // Two-set engines only (one entry each, else none): the first weight, bias and frac word
    // of networks 2 (set 1, polarity 0) and 3 (set 1, polarity 1).
    set_w0: Vec<Constant<Bits<A>>>,
    set_w1: Vec<Constant<Bits<A>>>,
    set_b0: Vec<Constant<Bits<A>>>,
    set_b1: Vec<Constant<Bits<A>>>,
    set_f0: Vec<Constant<Bits<4>>>,
    set_f1: Vec<Constant<Bits<4>>>,
    // Stage A registers.
    state: DFF<EngineState>,
    pol_r: DFF<bool>,
    set_r: Vec<DFF<bool>>,
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
    // Combinational signals.
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
    f_addr: Signal<Local, Bits<4>>,
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

impl Controller {
    /// The controller of an engine of `shape`, its `weight_frac` table initialised to `fracs`
    /// (`MemImage::fracs`). With one weight set it has no `set` input and no `set_out` output
    /// (its Verilog is that of the one-set controller); with two, one of each.
    pub fn new(shape: &EngineShape, fracs: &[u8]) -> Self {
        let nl = shape.n_layers();
        let extra = shape.sets - 1;
        let words = |n: usize, per: usize| -> Vec<Constant<Bits<A>>> {
            (0..extra).map(|_| c((n * per) as u64)).collect()
        };
        let fr = |n: usize| -> Vec<Constant<Bits<4>>> {
            (0..extra).map(|_| c((n * nl) as u64)).collect()
        };
        Self {
            clock: Default::default(),
            start: Default::default(),
            polarity: Default::default(),
            set: (0..extra).map(|_| Default::default()).collect(),
            fin: Default::default(),
            frac_we: Default::default(),
            frac_addr: Default::default(),
            frac_data: Default::default(),
            idle: Default::default(),
            pol: Default::default(),
            set_out: (0..extra).map(|_| Default::default()).collect(),
            act_raddr: Default::default(),
            w_addr: Default::default(),
            b_addr: Default::default(),
            m_valid: Default::default(),
            m_first: Default::default(),
            m_last: Default::default(),
            grp_done: Default::default(),
            grp_out: Default::default(),
            grp_addr: Default::default(),
            grp_frac: Default::default(),
            frac_ram: Ram::new(
                shape.networks() * nl,
                fracs.iter().map(|&f| u64::from(f)).collect(),
            ),
            desc: Rom::new((0..nl).map(|k| descriptor(shape, k)).collect(), false),
            one4: c(1),
            zero4: c(0),
            one12: c(1),
            zero12: c(0),
            n_lanes: c(shape.lanes as u64),
            start_n1: Constant::new(shape.layers[0].1 == 1),
            start_g1: Constant::new(shape.groups(0) == 1),
            pol_frac: c(nl as u64),
            pol_w: c(shape.weight_words_per_net() as u64),
            pol_b: c(shape.bias_words_per_net() as u64),
            set_w0: words(2, shape.weight_words_per_net()),
            set_w1: words(3, shape.weight_words_per_net()),
            set_b0: words(2, shape.bias_words_per_net()),
            set_b1: words(3, shape.bias_words_per_net()),
            set_f0: fr(2),
            set_f1: fr(3),
            state: Default::default(),
            pol_r: Default::default(),
            set_r: (0..extra).map(|_| Default::default()).collect(),
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
            f_addr: Default::default(),
        }
    }
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Controller")
    }
}

impl Logic for Controller {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, pol_r, k, g, i, ob, waddr, baddr, cnt, gap_last, i_last, g_last,
            v_b, first_b, last_b, out_b, wa_b, waddr_b, baddr_b, v_m, first_m, last_m, out_m, wa_m,
            frac_m, last_c, out_c, wa_c, frac_c, last_d, out_d, wa_d, frac_d
        );
        clock!(self, clock, frac_ram, desc);
        for s in 0..self.set_r.len() {
            self.set_r[s].clock.next = self.clock.val();
            self.set_r[s].d.next = self.set_r[s].q.val();
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
        // The weight_frac table: written through the load port, read at stage A.
        self.frac_ram.write_address.next = self.frac_addr.val();
        self.frac_ram.write_data.next = self.frac_data.val();
        self.frac_ram.write_enable.next = self.frac_we.val();
        // Stage A: addresses of the (group, input) pair being issued.
        self.act_raddr.next = self.d_rb.val() + self.i.q.val();
        self.f_addr.next = self.k.q.val();
        if self.pol_r.q.val() {
            self.f_addr.next = self.k.q.val() + self.pol_frac.val();
        }
        for s in 0..self.set_r.len() {
            if self.set_r[s].q.val() {
                self.f_addr.next = self.k.q.val() + self.set_f0[s].val();
                if self.pol_r.q.val() {
                    self.f_addr.next = self.k.q.val() + self.set_f1[s].val();
                }
            }
        }
        self.frac_ram.read_address.next = self.f_addr.val();
        match self.state.q.val() {
            EngineState::Idle => {
                if self.start.val() {
                    self.state.d.next = EngineState::Issue;
                    self.pol_r.d.next = self.polarity.val();
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
                    for s in 0..self.set.len() {
                        self.set_r[s].d.next = self.set[s].val();
                        if self.set[s].val() {
                            self.waddr.d.next = self.set_w0[s].val();
                            self.baddr.d.next = self.set_b0[s].val();
                            if self.polarity.val() {
                                self.waddr.d.next = self.set_w1[s].val();
                                self.baddr.d.next = self.set_b1[s].val();
                            }
                        }
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
                if self.fin.val() {
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
        // Stage B -> M (the weight_frac arrives from its table).
        self.v_m.d.next = self.v_b.q.val();
        self.first_m.d.next = self.first_b.q.val();
        self.last_m.d.next = self.last_b.q.val();
        self.out_m.d.next = self.out_b.q.val();
        self.wa_m.d.next = self.wa_b.q.val();
        self.frac_m.d.next = self.frac_ram.read_data.val();
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
        // Outputs.
        self.pol.next = self.pol_r.q.val();
        for s in 0..self.set_out.len() {
            self.set_out[s].next = self.set_r[s].q.val();
        }
        self.w_addr.next = self.waddr_b.q.val();
        self.b_addr.next = self.baddr_b.q.val();
        self.m_valid.next = self.v_m.q.val();
        self.m_first.next = self.first_m.q.val();
        self.m_last.next = self.last_m.q.val();
        self.grp_done.next = self.last_d.q.val();
        self.grp_out.next = self.out_d.q.val();
        self.grp_addr.next = self.wa_d.q.val();
        self.grp_frac.next = self.frac_d.q.val();
    }
}
