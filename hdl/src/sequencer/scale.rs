//! The neural loop's per-cell gain applied to a predicted duration: a shift by a power of two,
//! saturating, then clamped to the effective limits (`ouro_board::sequencer::scale`).

use crate::engine::c;
use rust_hdl::prelude::*;

/// Gain word of a gain of 1 (the word is the gain's log2 plus this).
pub const GAIN_ONE: u64 = 4;

/// `out = clamp(cycles * 2^(gain - 4), min, max)`, combinational: `gain` is 0..=11 (a power of
/// two from 2^-4 to 2^7); a left shift saturates at 2^24 - 1, a right shift drops the
/// remainder.
#[derive(LogicBlock)]
pub struct Scale {
    /// The duration, cycles.
    pub cycles: Signal<In, Bits<24>>,
    /// The gain word (log2 of the gain plus 4).
    pub gain: Signal<In, Bits<4>>,
    /// Effective minimum, cycles.
    pub min: Signal<In, Bits<24>>,
    /// Effective maximum, cycles.
    pub max: Signal<In, Bits<24>>,
    /// The scaled and clamped duration.
    pub out: Signal<Out, Bits<24>>,
    one: Constant<Bits<4>>,
    all24: Constant<Bits<24>>,
    zero8: Constant<Bits<8>>,
    sh_up: Signal<Local, Bits<4>>,
    sh_down: Signal<Local, Bits<4>>,
    wide: Signal<Local, Bits<32>>,
    up: Signal<Local, Bits<24>>,
    down: Signal<Local, Bits<24>>,
    shifted: Signal<Local, Bits<24>>,
}

impl Scale {
    /// The block.
    pub fn new() -> Self {
        Self {
            cycles: Default::default(),
            gain: Default::default(),
            min: Default::default(),
            max: Default::default(),
            out: Default::default(),
            one: c(GAIN_ONE),
            all24: c(0xFF_FFFF),
            zero8: c(0),
            sh_up: Default::default(),
            sh_down: Default::default(),
            wide: Default::default(),
            up: Default::default(),
            down: Default::default(),
            shifted: Default::default(),
        }
    }
}

impl Default for Scale {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Scale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scale")
    }
}

impl Logic for Scale {
    #[hdl_gen]
    fn update(&mut self) {
        self.sh_up.next = self.gain.val() - self.one.val();
        self.sh_down.next = self.one.val() - self.gain.val();
        self.wide.next = bit_cast::<32, 24>(self.cycles.val()) << self.sh_up.val();
        self.up.next = self.wide.val().get_bits::<24>(0);
        if self.wide.val().get_bits::<8>(24) != self.zero8.val() {
            self.up.next = self.all24.val();
        }
        self.down.next = self.cycles.val() >> self.sh_down.val();
        self.shifted.next = self.up.val();
        if self.gain.val() < self.one.val() {
            self.shifted.next = self.down.val();
        }
        self.out.next = self.shifted.val();
        if self.shifted.val() < self.min.val() {
            self.out.next = self.min.val();
        }
        if self.shifted.val() > self.max.val() {
            self.out.next = self.max.val();
        }
    }
}
