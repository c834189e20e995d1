//! The neural loop's per-cell gain applied to a predicted duration: a shift by a power of two,
//! saturating, then clamped to the effective limits (`ouro_board::sequencer::scale`).

use crate::engine::c;
use rust_hdl::prelude::*;

/// Gain word of a gain of 1 (the word is the gain's log2 plus this).
pub const GAIN_ONE: u64 = 4;

/// `out = clamp(cycles * 2^(gain - 4), min, max)`, combinational: `gain` is 0..=11 (a power of
/// two from 2^-4 to 2^7); a product of 2^24 or more saturates at 2^24 - 1, a division drops the
/// remainder. One left shift computes both: `(cycles << gain) >> 4` on 36 bits, whose bits
/// 35..28 tell the saturation.
///
/// A block built [`Scale::bounded`] to `b` bits (`max` is then below `2^b`, as the effective
/// limits are) only needs the product's `b` low bits and whether it is `2^b` or more (then the
/// result is `max`, as with the saturated product), so synthesis drops the rest of the shift
/// and of the compares; its results are the same.
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
    zero8: Constant<Bits<8>>,
    zero24: Constant<Bits<24>>,
    mask: Constant<Bits<24>>,
    above: Constant<Bits<24>>,
    wide: Signal<Local, Bits<36>>,
    shifted: Signal<Local, Bits<24>>,
}

impl Scale {
    /// The block.
    pub fn new() -> Self {
        Self::bounded(24)
    }

    /// The block for limits below `2^bits` (`bits` at most 24).
    pub fn bounded(bits: u32) -> Self {
        let mask = (1u64 << bits.min(24)) - 1;
        Self {
            cycles: Default::default(),
            gain: Default::default(),
            min: Default::default(),
            max: Default::default(),
            out: Default::default(),
            zero8: c(0),
            zero24: c(0),
            mask: c(mask),
            above: c(0xFF_FFFF & !mask),
            wide: Default::default(),
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
        self.wide.next = bit_cast::<36, 24>(self.cycles.val()) << self.gain.val();
        self.shifted.next = self.wide.val().get_bits::<24>(4) & self.mask.val();
        if (self.wide.val().get_bits::<8>(28) != self.zero8.val())
            | ((self.wide.val().get_bits::<24>(4) & self.above.val()) != self.zero24.val())
        {
            self.shifted.next = self.mask.val();
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
