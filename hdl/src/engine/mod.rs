//! The predictor MAC engine (see `docs/HDL.md` for the architecture, ports and timing), built
//! from small blocks the way rust-hdl's own widgets are: the write [`Ports`], the
//! [`Controller`], the MAC [`Lane`]s, the [`Drain`] with the shared requantizer, [`Exp2`], the
//! run-time [`Limits`] and the [`Clamp`] with the result register. [`PredictorEngine`] only
//! composes them with the activation RAM they share; each block can be turned into Verilog
//! alone ([`crate::block_verilog`]) and is tested alone in Verilator (`ouro-verilated`'s
//! `tests/blocks.rs`).
//!
//! Arithmetic rules followed by every block:
//! - the only multiply is `Signed<16> * Signed<16>` assigned straight to the `d` input of a
//!   `Signed<32>` register ([`Lane`]), never wrapped in a cast: Verilog sizes `$signed(a * b)`
//!   by its operands, so a cast product would be computed at 16 bits;
//! - everything else (sign extension, the 40-bit accumulator, the arithmetic shift, saturation)
//!   is done on unsigned `Bits` with explicit two's-complement logic, because rust-hdl emits `>>`
//!   (a logical shift in Verilog) for `Signed` too.

mod clamp;
mod controller;
mod drain;
mod exp2;
mod lane;
mod ports;
mod two_sets;

pub use clamp::{Clamp, Limits};
pub use controller::{Controller, EngineState};
pub use drain::Drain;
pub use exp2::Exp2;
pub use lane::Lane;
pub use ports::Ports;
pub use two_sets::TwoSetEngine;

use crate::layout::{EngineShape, MemImage, MEM_ADDR_BITS};
use crate::mem::Ram;
use ouro_core::qformat::{ACC_BITS, CYCLE_BITS};
use ouro_core::schema::QPredictor;
use rust_hdl::prelude::*;

/// Address bits of every engine memory.
const A: usize = MEM_ADDR_BITS;
/// Width of a duration in cycles.
const CYCLE_BITS_USIZE: usize = CYCLE_BITS as usize;

// The datapath is written for a 40-bit accumulator (sign bit 39, the saturation test on bits
// 39..15): `qformat::ACC_BITS`.
const _: () = assert!(ACC_BITS == 40);
// The clamp splits the 48-bit exp2 result into two 24-bit halves: `qformat::CYCLE_BITS`.
const _: () = assert!(CYCLE_BITS == 24);

pub(crate) fn c<const N: usize>(v: u64) -> Constant<Bits<N>> {
    Constant::new(v.into())
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
    /// Weight set select, sampled with `start` (two-set engines only: one entry, else none;
    /// [`TwoSetEngine`] names it `set`).
    pub set: Vec<Signal<In, bool>>,
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
    /// One-cycle pulse: the outputs below hold the new result, until the next `done`.
    pub done: Signal<Out, bool>,
    /// The polarity the result belongs to.
    pub out_polarity: Signal<Out, bool>,
    /// The weight set the result belongs to (two-set engines only).
    pub out_set: Vec<Signal<Out, bool>>,
    /// The network output, log2(cycles) in Q6.10.
    pub log2_cycles: Signal<Out, Bits<16>>,
    /// The clamped pulse duration in cycles.
    pub cycles: Signal<Out, Bits<CYCLE_BITS_USIZE>>,
    /// The duration was raised to the minimum.
    pub clamp_low: Signal<Out, bool>,
    /// The duration was lowered to the maximum.
    pub clamp_high: Signal<Out, bool>,
    /// The effective minimum duration from outside, for an engine built with
    /// [`PredictorEngine::limits_from_outside`] (else not read).
    pub ext_min: Signal<In, Bits<CYCLE_BITS_USIZE>>,
    /// The effective maximum duration from outside (as `ext_min`).
    pub ext_max: Signal<In, Bits<CYCLE_BITS_USIZE>>,
    ports: Ports,
    ctrl: Controller,
    act: Ram<16, A>,
    lanes: Vec<Lane>,
    drain: Drain,
    exp2: Exp2,
    limits: Limits,
    clamp: Clamp,
    external: Constant<bool>,
    zero40: Constant<Bits<40>>,
    bus: Signal<Local, Bits<40>>,
}

impl PredictorEngine {
    /// Build the engine for a predictor with `lanes` MAC lanes; memories are initialised with
    /// its weights.
    pub fn new(q: &QPredictor, lanes: usize) -> Result<Self, crate::HdlError> {
        Self::with_sets(&[q], lanes)
    }

    /// Build the engine holding one weight set per predictor of `sets` (1 or 2, the same shape
    /// and clamp limits: [`EngineShape::with_sets`]) with `lanes` MAC lanes; memories are
    /// initialised with their weights. With one set it is [`PredictorEngine::new`]'s engine,
    /// Verilog and latency unchanged; with two it has a `set` input and an `out_set` output
    /// (one entry each; [`TwoSetEngine`] gives them their names) and the same latency.
    pub fn with_sets(sets: &[&QPredictor], lanes: usize) -> Result<Self, crate::HdlError> {
        let shape = EngineShape::with_sets(sets, lanes)?;
        let image = MemImage::with_sets(sets, &shape)?;
        let q = sets[0];
        let extra = shape.sets - 1;
        Ok(Self {
            clock: Default::default(),
            start: Default::default(),
            polarity: Default::default(),
            set: (0..extra).map(|_| Default::default()).collect(),
            in_we: Default::default(),
            in_addr: Default::default(),
            in_data: Default::default(),
            ld_we: Default::default(),
            ld_addr: Default::default(),
            ld_data: Default::default(),
            busy: Default::default(),
            done: Default::default(),
            out_polarity: Default::default(),
            out_set: (0..extra).map(|_| Default::default()).collect(),
            log2_cycles: Default::default(),
            cycles: Default::default(),
            clamp_low: Default::default(),
            clamp_high: Default::default(),
            ext_min: Default::default(),
            ext_max: Default::default(),
            ports: Ports::new(),
            ctrl: Controller::new(&shape, &image.fracs),
            act: Ram::new(shape.act_depth(), vec![]),
            lanes: (0..lanes)
                .map(|l| Lane::new(l, &image.weights[l], &image.biases[l]))
                .collect(),
            drain: Drain::new(lanes),
            exp2: Exp2::new(),
            limits: Limits::new(q.min_cycles, q.max_cycles),
            clamp: Clamp::with_sets(shape.sets),
            external: Constant::new(false),
            zero40: c(0),
            bus: Default::default(),
        })
    }
}

impl PredictorEngine {
    /// The same engine, clamping to the effective limits on `ext_min`/`ext_max` instead of its
    /// own run-time limit registers: for a sequencer that holds the same limits already (its
    /// settings registers tighten the same synthesized limits with the same run-time values).
    /// The load port's limit writes are then ignored, and synthesis removes the engine's
    /// [`Limits`] (a constant selects the outside ones).
    pub fn limits_from_outside(mut self) -> Self {
        self.external = Constant::new(true);
        self
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
        clock!(self, clock, ports, ctrl, act, drain, exp2, limits, clamp);
        for l in 0..self.lanes.len() {
            self.lanes[l].clock.next = self.clock.val();
        }
        // The write ports, registered; performed only while idle.
        self.ports.idle.next = self.ctrl.idle.val();
        self.ports.ld_we.next = self.ld_we.val();
        self.ports.ld_addr.next = self.ld_addr.val();
        self.ports.ld_data.next = self.ld_data.val();
        self.ports.in_we.next = self.in_we.val();
        self.ports.in_addr.next = self.in_addr.val();
        self.ports.in_data.next = self.in_data.val();
        // The controller; the weight_frac table is in it.
        self.ctrl.start.next = self.start.val();
        self.ctrl.polarity.next = self.polarity.val();
        for s in 0..self.set.len() {
            self.ctrl.set[s].next = self.set[s].val();
            self.clamp.set[s].next = self.ctrl.set_out[s].val();
            self.out_set[s].next = self.clamp.out_set[s].val();
        }
        self.ctrl.fin.next = self.clamp.fin.val();
        self.ctrl.frac_we.next = self.ports.frac_we.val();
        self.ctrl.frac_addr.next = self.ports.word.val().get_bits::<4>(0);
        self.ctrl.frac_data.next = self.ports.data.val().get_bits::<4>(0);
        // The one activation RAM: read at stage A, its word broadcast to the lanes as it is;
        // written by the requantizer (hidden layers), or while idle by the input port.
        self.act.read_address.next = self.ctrl.act_raddr.val();
        self.act.write_address.next = self.drain.wb_addr.val();
        self.act.write_data.next = self.drain.res.val();
        self.act.write_enable.next = self.drain.wb_we.val();
        if self.ctrl.idle.val() {
            self.act.write_address.next = self.ports.input_addr.val();
            self.act.write_data.next = self.ports.input_data.val();
            self.act.write_enable.next = self.ports.input_we.val();
        }
        // The lanes, and the bus: the OR of their gated hold registers.
        self.bus.next = self.zero40.val();
        for l in 0..self.lanes.len() {
            self.lanes[l].x.next = self.act.read_data.val();
            self.lanes[l].w_addr.next = self.ctrl.w_addr.val();
            self.lanes[l].b_addr.next = self.ctrl.b_addr.val();
            self.lanes[l].valid_m.next = self.ctrl.m_valid.val();
            self.lanes[l].first_m.next = self.ctrl.m_first.val();
            self.lanes[l].last_m.next = self.ctrl.m_last.val();
            self.lanes[l].drain.next = self.drain.slot.val().get_bit(l);
            self.lanes[l].ld_we_w.next = self.ports.weight_we.val();
            self.lanes[l].ld_we_b.next = self.ports.bias_we.val();
            self.lanes[l].ld_lane.next = self.ports.lane.val();
            self.lanes[l].ld_word.next = self.ports.word.val();
            self.lanes[l].ld_data.next = self.ports.data.val();
            self.bus.next = self.bus.val() | self.lanes[l].g.val();
        }
        // Drain and requantizer, exp2, limits and clamp.
        self.drain.grp_done.next = self.ctrl.grp_done.val();
        self.drain.grp_out.next = self.ctrl.grp_out.val();
        self.drain.grp_addr.next = self.ctrl.grp_addr.val();
        self.drain.grp_frac.next = self.ctrl.grp_frac.val();
        self.drain.bus.next = self.bus.val();
        self.exp2.log2_in.next = self.drain.res.val();
        self.exp2.load.next = self.drain.out_we.val();
        self.limits.we.next = self.ports.limit_we.val();
        self.limits.sel.next = self.ports.word.val().get_bit(0);
        self.limits.data.next = self.ports.data.val().get_bits::<CYCLE_BITS_USIZE>(0);
        self.clamp.raw.next = self.exp2.raw.val();
        self.clamp.valid.next = self.exp2.valid.val();
        self.clamp.min.next = self.limits.min.val();
        self.clamp.max.next = self.limits.max.val();
        if self.external.val() {
            self.clamp.min.next = self.ext_min.val();
            self.clamp.max.next = self.ext_max.val();
        }
        self.clamp.log2.next = self.exp2.log2.val();
        self.clamp.polarity.next = self.ctrl.pol.val();
        // Outputs.
        self.busy.next = !self.ctrl.idle.val();
        self.done.next = self.clamp.done.val();
        self.out_polarity.next = self.clamp.out_polarity.val();
        self.log2_cycles.next = self.clamp.log2_cycles.val();
        self.cycles.next = self.clamp.cycles.val();
        self.clamp_low.next = self.clamp.clamp_low.val();
        self.clamp_high.next = self.clamp.clamp_high.val();
    }
}
