//! The safety clamp and its limits: the run-time limit registers, which can only tighten the
//! synthesized limits ([`Limits`]), and the clamp with the result register ([`Clamp`])
//! (`docs/HDL.md`, "Architecture" and "Ports").

use super::CYCLE_BITS_USIZE as CB;
use rust_hdl::prelude::*;

/// The effective duration limits: the synthesized ones (the predictor's `min_cycles` and
/// `max_cycles`), tightened by the run-time registers exactly as `Limits::tighten`:
/// `min = max(syn_min, min(rt_min, syn_max))`, `max = max(min(syn_max, rt_max), min)`, so that
/// `syn_min <= min <= max <= syn_max` whatever is written. The run-time minimum is clamped to
/// the synthesized maximum as it is written (a write of the minimum registers
/// `min(data, syn_max)`: one compare with a constant on the write path), so the run-time
/// minimum register never holds more than `syn_max`. The run-time registers start at "no
/// tightening" (0 and 0xFFFFFF: the maximum is stored inverted, so that its initial value is
/// all ones). A write (`we` high; `sel` 0 = minimum, 1 = maximum) reaches
/// `min`/`max` on the fourth edge after the one that samples it, through four register stages
/// (compare with the synthesized limits; select; compare the two; select), so that no
/// comparison is in series with a multiplexer. Between a write and the second stage a selected
/// limit can mix the new value with the old comparison for one cycle; it settles before
/// `min`/`max` change. At power-up the stages start at 0: `min`/`max` are the synthesized
/// limits from the third edge on.
#[derive(LogicBlock)]
pub struct Limits {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Write a run-time limit (already gated: only while idle).
    pub we: Signal<In, bool>,
    /// Which: false = minimum, true = maximum.
    pub sel: Signal<In, bool>,
    /// The limit, in cycles.
    pub data: Signal<In, Bits<CB>>,
    /// The effective minimum.
    pub min: Signal<Out, Bits<CB>>,
    /// The effective maximum (never below `min`).
    pub max: Signal<Out, Bits<CB>>,
    syn_min: Constant<Bits<CB>>,
    syn_max: Constant<Bits<CB>>,
    rt_min: DFF<Bits<CB>>,
    rt_max_n: DFF<Bits<CB>>,
    min_gt: DFF<bool>,
    max_lt: DFF<bool>,
    emin_r: DFF<Bits<CB>>,
    tmax_r: DFF<Bits<CB>>,
    emin2: DFF<Bits<CB>>,
    tmax2: DFF<Bits<CB>>,
    lim_gt: DFF<bool>,
    eff_min: DFF<Bits<CB>>,
    eff_max: DFF<Bits<CB>>,
    rt_max: Signal<Local, Bits<CB>>,
    emin: Signal<Local, Bits<CB>>,
    tmax: Signal<Local, Bits<CB>>,
}

impl Limits {
    /// The limits of an engine synthesized with `syn_min..=syn_max` cycles.
    pub fn new(syn_min: u32, syn_max: u32) -> Self {
        Self {
            clock: Default::default(),
            we: Default::default(),
            sel: Default::default(),
            data: Default::default(),
            min: Default::default(),
            max: Default::default(),
            syn_min: Constant::new(u64::from(syn_min).into()),
            syn_max: Constant::new(u64::from(syn_max).into()),
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
            rt_max: Default::default(),
            emin: Default::default(),
            tmax: Default::default(),
        }
    }
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limits")
    }
}

impl Logic for Limits {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, rt_min, rt_max_n, min_gt, max_lt, emin_r, tmax_r, emin2, tmax2, lim_gt,
            eff_min, eff_max
        );
        if self.we.val() {
            if self.sel.val() {
                self.rt_max_n.d.next = !self.data.val();
            } else {
                // Clamped to the synthesized maximum as it is written: a minimum above it
                // would otherwise push both effective limits past it.
                self.rt_min.d.next = self.data.val();
                if self.data.val() > self.syn_max.val() {
                    self.rt_min.d.next = self.syn_max.val();
                }
            }
        }
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
        self.min.next = self.eff_min.q.val();
        self.max.next = self.eff_max.q.val();
    }
}

/// The clamp and the result register. In the cycle with `valid` high it compares `raw` with
/// the limits (the 48-bit duration against the 24-bit limits: its high half zero or not, and two
/// 24-bit comparisons of its low half); in the next cycle (`fin` high) it selects, and on the
/// edge that ends it every result output (`cycles`, the clamp flags, and `log2` and `polarity`
/// as `log2_cycles` and `out_polarity`) is registered, together with the edge that raises
/// `done`: they hold the result from `done` until the next `done`. `min` and `max` must hold
/// over both cycles, `log2` and `polarity` over the `fin` cycle. A two-set engine's clamp also
/// registers `set` as `out_set` (one entry each; none in a one-set engine).
#[derive(LogicBlock)]
pub struct Clamp {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// The duration before the clamp.
    pub raw: Signal<In, Bits<48>>,
    /// `raw` is the new result's (compare now, select in the next cycle).
    pub valid: Signal<In, bool>,
    /// The effective minimum.
    pub min: Signal<In, Bits<CB>>,
    /// The effective maximum.
    pub max: Signal<In, Bits<CB>>,
    /// The network output the duration comes from (Q6.10 bits).
    pub log2: Signal<In, Bits<16>>,
    /// The polarity of the prediction.
    pub polarity: Signal<In, bool>,
    /// The weight set of the prediction (two-set engines only).
    pub set: Vec<Signal<In, bool>>,
    /// The result is registered on the edge that ends this cycle (the controller goes idle on
    /// it).
    pub fin: Signal<Out, bool>,
    /// One-cycle pulse: the result outputs hold a new result.
    pub done: Signal<Out, bool>,
    /// The clamped duration in cycles.
    pub cycles: Signal<Out, Bits<CB>>,
    /// The duration was raised to the minimum.
    pub clamp_low: Signal<Out, bool>,
    /// The duration was lowered to the maximum.
    pub clamp_high: Signal<Out, bool>,
    /// The network output of the result.
    pub log2_cycles: Signal<Out, Bits<16>>,
    /// The polarity of the result.
    pub out_polarity: Signal<Out, bool>,
    /// The weight set of the result (two-set engines only).
    pub out_set: Vec<Signal<Out, bool>>,
    set_o: Vec<DFF<bool>>,
    f6: DFF<bool>,
    lt_r: DFF<bool>,
    gt_r: DFF<bool>,
    raw24_r: DFF<Bits<CB>>,
    cycles_r: DFF<Bits<CB>>,
    low_r: DFF<bool>,
    high_r: DFF<bool>,
    log2_o: DFF<Bits<16>>,
    pol_o: DFF<bool>,
    done_r: DFF<bool>,
    raw_lo: Signal<Local, Bits<CB>>,
    raw_hi: Signal<Local, Bits<24>>,
    raw_big: Signal<Local, bool>,
}

impl Clamp {
    /// A clamp (of a one-set engine).
    pub fn new() -> Self {
        Self::with_sets(1)
    }

    /// The clamp of an engine with `sets` weight sets (1 or 2).
    pub fn with_sets(sets: usize) -> Self {
        let extra = sets.saturating_sub(1);
        Self {
            clock: Default::default(),
            raw: Default::default(),
            valid: Default::default(),
            min: Default::default(),
            max: Default::default(),
            log2: Default::default(),
            polarity: Default::default(),
            set: (0..extra).map(|_| Default::default()).collect(),
            fin: Default::default(),
            done: Default::default(),
            cycles: Default::default(),
            clamp_low: Default::default(),
            clamp_high: Default::default(),
            log2_cycles: Default::default(),
            out_polarity: Default::default(),
            out_set: (0..extra).map(|_| Default::default()).collect(),
            set_o: (0..extra).map(|_| Default::default()).collect(),
            f6: Default::default(),
            lt_r: Default::default(),
            gt_r: Default::default(),
            raw24_r: Default::default(),
            cycles_r: Default::default(),
            low_r: Default::default(),
            high_r: Default::default(),
            log2_o: Default::default(),
            pol_o: Default::default(),
            done_r: Default::default(),
            raw_lo: Default::default(),
            raw_hi: Default::default(),
            raw_big: Default::default(),
        }
    }
}

impl Default for Clamp {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Clamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clamp")
    }
}

impl Logic for Clamp {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, f6, lt_r, gt_r, raw24_r, cycles_r, low_r, high_r, log2_o, pol_o, done_r
        );
        // Compare (valid), then select (f6), so that the two comparisons and the multiplexer
        // are not in series. The duration is below the minimum iff its high half is zero and its
        // low half is below, above the maximum iff its high half is not zero or its low half is
        // above.
        self.f6.d.next = self.valid.val();
        self.raw_lo.next = self.raw.val().get_bits::<CB>(0);
        self.raw_hi.next = self.raw.val().get_bits::<24>(24);
        self.raw_big.next = self.raw_hi.val().any();
        self.lt_r.d.next = !self.raw_big.val() & (self.raw_lo.val() < self.min.val());
        self.gt_r.d.next = self.raw_big.val() | (self.raw_lo.val() > self.max.val());
        self.raw24_r.d.next = self.raw.val().get_bits::<CB>(0);
        // The result register: every result output is loaded on the edge that raises `done`.
        if self.f6.q.val() {
            self.cycles_r.d.next = self.raw24_r.q.val();
            self.low_r.d.next = false;
            self.high_r.d.next = false;
            if self.lt_r.q.val() {
                self.cycles_r.d.next = self.min.val();
                self.low_r.d.next = true;
            }
            if self.gt_r.q.val() {
                self.cycles_r.d.next = self.max.val();
                self.high_r.d.next = true;
            }
            self.log2_o.d.next = self.log2.val();
            self.pol_o.d.next = self.polarity.val();
        }
        for s in 0..self.set_o.len() {
            self.set_o[s].clock.next = self.clock.val();
            self.set_o[s].d.next = self.set_o[s].q.val();
            if self.f6.q.val() {
                self.set_o[s].d.next = self.set[s].val();
            }
            self.out_set[s].next = self.set_o[s].q.val();
        }
        self.done_r.d.next = self.f6.q.val();
        self.fin.next = self.f6.q.val();
        self.done.next = self.done_r.q.val();
        self.cycles.next = self.cycles_r.q.val();
        self.clamp_low.next = self.low_r.q.val();
        self.clamp_high.next = self.high_r.q.val();
        self.log2_cycles.next = self.log2_o.q.val();
        self.out_polarity.next = self.pol_o.q.val();
    }
}
