//! What [`super::Scale`] scales, chosen by the sequencer's state: the engine's duration with the
//! loop's gain, a probe's `2^k` cycles, or in a decision the adaptive write-and-verify
//! duration. A block of its own so that every input of `Scale` (and of this block) is a plain
//! copy of a register or a port: the sequencer's always-block reads `Scale`'s output, and
//! Verilator orders blocks, not statements.

use super::build::SeqBuild;
use super::{SeqState, GAIN_ONE};
use crate::engine::c;
use rust_hdl::prelude::*;

/// The duration and gain word `Scale` takes, and the probe's exponent (combinational):
/// - in a decision (adaptive write and verify): `start` with gain 1 before the first pulse,
///   else `dur` doubled (the polarity kept) or halved; in the probe modes, the probe's
///   extension, `2^kx - 2^k` cycles with gain 1 (`k` from `plog2`, the probe's word,
///   `kx = min(k + EXTEND_OCTAVES, k_max)`);
/// - after a blind prediction that sizes a probe (probe modes, no pulse yet): `2^k` with gain
///   1, `k = floor(log2) - 1` of the engine's log2 word within `0..=k_max`;
/// - after a history prediction (probe modes): the engine's duration with gain 1;
/// - else (neural modes): the engine's duration with the loop's gain word.
#[derive(LogicBlock)]
pub struct ScaleIn {
    /// The sequencer's state.
    pub state: Signal<In, SeqState>,
    /// `MODE`.
    pub mode: Signal<In, Bits<3>>,
    /// Pulses applied to the cell so far.
    pub pulses: Signal<In, Bits<16>>,
    /// The last reading.
    pub code: Signal<In, Bits<16>>,
    /// The target.
    pub target: Signal<In, Bits<16>>,
    /// The polarity of the last write-and-verify pulse.
    pub last_pol: Signal<In, bool>,
    /// The loop's gain word.
    pub gain: Signal<In, Bits<4>>,
    /// The last adaptive duration.
    pub dur: Signal<In, Bits<24>>,
    /// `ADAPTIVE_START_CYCLES`.
    pub start: Signal<In, Bits<24>>,
    /// The engine's (clamped) duration.
    pub eng_cycles: Signal<In, Bits<24>>,
    /// The engine's log2 duration, Q6.10.
    pub eng_log2: Signal<In, Bits<16>>,
    /// The probe's log2 duration word (`k << 10` after the probe).
    pub plog2: Signal<In, Bits<16>>,
    /// The duration to scale.
    pub cycles: Signal<Out, Bits<24>>,
    /// Its gain word.
    pub gain_out: Signal<Out, Bits<4>>,
    /// The probe's exponent.
    pub k: Signal<Out, Bits<16>>,
    /// The extended probe's exponent `kx`.
    pub kx: Signal<Out, Bits<16>>,
    /// A longer probe is allowed (`kx` above `k`: `k` below `k_max`).
    pub can_ext: Signal<Out, bool>,
    probe: Constant<bool>,
    m_probe_one: Constant<Bits<3>>,
    m_probe_loop: Constant<Bits<3>>,
    code_mask: Constant<Bits<16>>,
    dur_mask: Constant<Bits<24>>,
    k_max: Constant<Bits<16>>,
    ext_oct: Constant<Bits<16>>,
    mask_k: Constant<Bits<16>>,
    one16: Constant<Bits<16>>,
    two16: Constant<Bits<16>>,
    zero16: Constant<Bits<16>>,
    one24: Constant<Bits<24>>,
    gain_one: Constant<Bits<4>>,
    gain_half: Constant<Bits<4>>,
    gain_double: Constant<Bits<4>>,
    pol_now: Signal<Local, bool>,
    probe_mode: Signal<Local, bool>,
    first: Signal<Local, bool>,
    lint: Signal<Local, Bits<16>>,
    kpre: Signal<Local, Bits<16>>,
    kk: Signal<Local, Bits<16>>,
    pk: Signal<Local, Bits<16>>,
    kxx: Signal<Local, Bits<16>>,
    ext_cycles: Signal<Local, Bits<24>>,
}

impl ScaleIn {
    /// The block of a build.
    pub fn new(b: &SeqBuild) -> Self {
        let dur_bits = 32 - b.syn_max.max(1).leading_zeros();
        Self {
            state: Default::default(),
            mode: Default::default(),
            pulses: Default::default(),
            code: Default::default(),
            target: Default::default(),
            last_pol: Default::default(),
            gain: Default::default(),
            dur: Default::default(),
            start: Default::default(),
            eng_cycles: Default::default(),
            eng_log2: Default::default(),
            plog2: Default::default(),
            cycles: Default::default(),
            gain_out: Default::default(),
            k: Default::default(),
            kx: Default::default(),
            can_ext: Default::default(),
            probe: Constant::new(b.probe.is_some()),
            m_probe_one: c(super::mode::PROBE_ONE_SHOT),
            m_probe_loop: c(super::mode::PROBE_LOOP),
            code_mask: c((1u64 << b.adc_bits) - 1),
            dur_mask: c((1u64 << dur_bits) - 1),
            k_max: c(u64::from(b.probe.map_or(0, |p| p.k_max))),
            ext_oct: c(u64::from(ouro_core::probe::EXTEND_OCTAVES)),
            mask_k: c(0x1F),
            one16: c(1),
            two16: c(2),
            zero16: c(0),
            one24: c(1),
            gain_one: c(GAIN_ONE),
            gain_half: c(GAIN_ONE - 1),
            gain_double: c(GAIN_ONE + 1),
            pol_now: Default::default(),
            probe_mode: Default::default(),
            first: Default::default(),
            lint: Default::default(),
            kpre: Default::default(),
            kk: Default::default(),
            pk: Default::default(),
            kxx: Default::default(),
            ext_cycles: Default::default(),
        }
    }
}

impl std::fmt::Debug for ScaleIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScaleIn")
    }
}

impl Logic for ScaleIn {
    #[hdl_gen]
    fn update(&mut self) {
        self.pol_now.next = self.code.val() > (self.target.val() & self.code_mask.val());
        self.probe_mode.next = self.probe.val()
            & ((self.mode.val() == self.m_probe_one.val())
                | (self.mode.val() == self.m_probe_loop.val()));
        self.first.next = self.pulses.val() == self.zero16.val();
        // floor(log2) - 1 within 0..=k_max: 0 for a log2 below 2 (or negative).
        self.lint.next = (self.eng_log2.val() >> 10) & self.mask_k.val();
        self.kpre.next = (self.lint.val() - self.one16.val()) & self.mask_k.val();
        self.kk.next = self.kpre.val();
        if self.kpre.val() > self.k_max.val() {
            self.kk.next = self.k_max.val();
        }
        if self.eng_log2.val().get_bit(15) | (self.lint.val() < self.two16.val()) {
            self.kk.next = self.zero16.val();
        }
        self.k.next = self.kk.val();
        // The extension of a probe of 2^pk cycles to 2^kxx in all.
        self.pk.next = (self.plog2.val() >> 10) & self.mask_k.val();
        self.kxx.next = self.pk.val() + self.ext_oct.val();
        if self.kxx.val() > self.k_max.val() {
            self.kxx.next = self.k_max.val();
        }
        self.kx.next = self.kxx.val();
        // (kx > k: the same as k < k_max, without a comparison with a constant 0 in one-set
        // builds.)
        self.can_ext.next = self.kxx.val() > self.pk.val();
        self.ext_cycles.next =
            (self.one24.val() << self.kxx.val()) - (self.one24.val() << self.pk.val());
        self.cycles.next = self.eng_cycles.val() & self.dur_mask.val();
        self.gain_out.next = self.gain.val();
        if self.probe_mode.val() {
            self.gain_out.next = self.gain_one.val();
            if self.first.val() {
                self.cycles.next = self.one24.val() << self.kk.val();
            }
        }
        if self.state.val() == SeqState::Decide {
            self.cycles.next = self.dur.val();
            self.gain_out.next = self.gain_half.val();
            if self.pol_now.val() == self.last_pol.val() {
                self.gain_out.next = self.gain_double.val();
            }
            if self.first.val() {
                self.cycles.next = self.start.val();
                self.gain_out.next = self.gain_one.val();
            }
            if self.probe_mode.val() {
                self.cycles.next = self.ext_cycles.val() & self.dur_mask.val();
                self.gain_out.next = self.gain_one.val();
            }
        }
    }
}
