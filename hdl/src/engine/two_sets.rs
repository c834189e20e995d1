//! The two-set engine's top: the ports of [`PredictorEngine`] plus `set` and `out_set`, passed
//! through to a [`PredictorEngine`] built with two weight sets (`docs/HDL.md`, "Two weight
//! sets").

use super::{PredictorEngine, CYCLE_BITS_USIZE};
use ouro_core::schema::QPredictor;
use rust_hdl::prelude::*;

/// The predictor engine with two weight sets: set 0 and set 1, each a set and a reset network
/// of the same shape, selected per prediction by `set` (sampled with `start`, like
/// `polarity`). Only wiring: every register is in the inner [`PredictorEngine`], whose optional
/// `set`/`out_set` ports (one entry each) this block names `set` and `out_set`.
#[derive(LogicBlock)]
pub struct TwoSetEngine {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Start a prediction (sampled when idle).
    pub start: Signal<In, bool>,
    /// Network select, sampled with `start`: false = set, true = reset.
    pub polarity: Signal<In, bool>,
    /// Weight set select, sampled with `start`: network `set * 2 + polarity`.
    pub set: Signal<In, bool>,
    /// Input port: write network input `in_addr` (ignored while busy).
    pub in_we: Signal<In, bool>,
    /// Input port: input index.
    pub in_addr: Signal<In, Bits<6>>,
    /// Input port: the raw Q6.10 input word.
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
    /// The weight set the result belongs to.
    pub out_set: Signal<Out, bool>,
    /// The network output, log2(cycles) in Q6.10.
    pub log2_cycles: Signal<Out, Bits<16>>,
    /// The clamped pulse duration in cycles.
    pub cycles: Signal<Out, Bits<CYCLE_BITS_USIZE>>,
    /// The duration was raised to the minimum.
    pub clamp_low: Signal<Out, bool>,
    /// The duration was lowered to the maximum.
    pub clamp_high: Signal<Out, bool>,
    engine: PredictorEngine,
    // The engine keeps its own run-time limits: the outside ones are not read.
    no_limits: Constant<Bits<CYCLE_BITS_USIZE>>,
}

impl TwoSetEngine {
    /// The engine holding `sets[0]` as set 0 and `sets[1]` as set 1 (same shape and clamp
    /// limits), with `lanes` MAC lanes.
    pub fn new(sets: [&QPredictor; 2], lanes: usize) -> Result<Self, crate::HdlError> {
        Ok(Self {
            clock: Default::default(),
            start: Default::default(),
            polarity: Default::default(),
            set: Default::default(),
            in_we: Default::default(),
            in_addr: Default::default(),
            in_data: Default::default(),
            ld_we: Default::default(),
            ld_addr: Default::default(),
            ld_data: Default::default(),
            busy: Default::default(),
            done: Default::default(),
            out_polarity: Default::default(),
            out_set: Default::default(),
            log2_cycles: Default::default(),
            cycles: Default::default(),
            clamp_low: Default::default(),
            clamp_high: Default::default(),
            engine: PredictorEngine::with_sets(&sets, lanes)?,
            no_limits: Constant::new(0.into()),
        })
    }
}

impl std::fmt::Debug for TwoSetEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TwoSetEngine({:?})", self.engine)
    }
}

impl Logic for TwoSetEngine {
    #[hdl_gen]
    fn update(&mut self) {
        self.engine.clock.next = self.clock.val();
        self.engine.start.next = self.start.val();
        self.engine.polarity.next = self.polarity.val();
        self.engine.set[0].next = self.set.val();
        self.engine.in_we.next = self.in_we.val();
        self.engine.in_addr.next = self.in_addr.val();
        self.engine.in_data.next = self.in_data.val();
        self.engine.ld_we.next = self.ld_we.val();
        self.engine.ld_addr.next = self.ld_addr.val();
        self.engine.ld_data.next = self.ld_data.val();
        self.engine.ext_min.next = self.no_limits.val();
        self.engine.ext_max.next = self.no_limits.val();
        self.busy.next = self.engine.busy.val();
        self.done.next = self.engine.done.val();
        self.out_polarity.next = self.engine.out_polarity.val();
        self.out_set.next = self.engine.out_set[0].val();
        self.log2_cycles.next = self.engine.log2_cycles.val();
        self.cycles.next = self.engine.cycles.val();
        self.clamp_low.next = self.engine.clamp_low.val();
        self.clamp_high.next = self.engine.clamp_high.val();
    }
}
