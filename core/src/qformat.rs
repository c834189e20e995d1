//! The predictor's fixed-point arithmetic: formats, widths and the exp2 table. This module is
//! the single definition that the golden model (`ouro-sim`) and the gateware (`ouro-hdl`) both
//! follow; it is documented in `docs/FIXED_POINT.md`.
//!
//! - **Activations** (network inputs, hidden units, the output) are `Signed<16>` in Q6.10:
//!   [`Act`] = `FixedI16<U10>`, range [-32, 32), step 1/1024.
//! - **Inputs** are ADC codes minus a per-input offset, taken as raw Q6.10 bits: a 12-bit code
//!   centred on 2048 becomes a value in [-2, 2). Normalisation is folded into the first layer.
//! - **Weights** are `Signed<16>` with a per-layer number of fraction bits `weight_frac`
//!   (0..=[`MAX_WEIGHT_FRAC`]); **biases** are `Signed<32>` at the product scale
//!   (`ACT_FRAC + weight_frac` fraction bits).
//! - **Products** are `Signed<16> x Signed<16> -> Signed<32>` (one SB_MAC16 each), exact.
//! - **Accumulation** is exact in [`ACC_BITS`] bits: with at most [`MAX_FANIN`] terms of
//!   magnitude <= 2^30 plus a bias < 2^31 the sum stays below 2^39, so it never overflows and
//!   needs no saturation.
//! - **Requantization**: arithmetic shift right by `weight_frac` (floor, like Verilog `>>>`),
//!   then saturation to `Signed<16>`. Hidden layers then apply ReLU by the sign bit; the output
//!   layer is linear.
//! - **Output**: log2 of the pulse duration in clock cycles, in Q6.10.
//! - **exp2**: `cycles = (EXP2_TABLE[frac >> (10 - EXP2_INDEX_BITS)] << int) >> 15`, where `int`
//!   and `frac` are the integer (floor) and fraction parts of the output; a negative `int` gives
//!   0 cycles. The result is then clamped to `[min_cycles, max_cycles]` (the safety clamp), and
//!   the clamp is reported.

use fixed::types::extra::U10;
use fixed::FixedI16;

/// Fraction bits of every activation.
pub const ACT_FRAC: u32 = 10;
/// The activation format, Q6.10.
pub type Act = FixedI16<U10>;
/// Largest number of fraction bits a layer's weights may have.
pub const MAX_WEIGHT_FRAC: u32 = 15;
/// Width of the accumulator in the gateware (the golden model uses `i64`).
pub const ACC_BITS: u32 = 40;
/// Most inputs one neuron may have (so that the accumulator cannot overflow, see module docs).
pub const MAX_FANIN: usize = 64;

/// Most layers a network may have (hidden layers plus the output layer): the predictor
/// engine's limit, which training checks before it starts.
pub const MAX_LAYERS: usize = 8;
/// Bits of the log2 fraction that index the exp2 table.
pub const EXP2_INDEX_BITS: u32 = 8;
/// Entries in the exp2 table.
pub const EXP2_ENTRIES: usize = 1 << EXP2_INDEX_BITS;
/// Fraction bits of the exp2 mantissas (values in [2^15, 2^16)).
pub const EXP2_MANT_FRAC: u32 = 15;
/// Width of the gateware's pulse-duration counter; no duration may exceed `2^CYCLE_BITS - 1`.
pub const CYCLE_BITS: u32 = 24;
/// The largest duration, in cycles, that any build can command.
pub const MAX_CYCLES_LIMIT: u32 = (1 << CYCLE_BITS) - 1;

/// The exp2 mantissa table: entry `i` is `round(2^(i / 256) * 2^15)`, in [32768, 65535].
///
/// ```
/// let t = ouro_core::qformat::exp2_table();
/// assert_eq!(t[0], 32768);
/// assert_eq!(t[128], 46341); // sqrt(2) * 32768 = 46340.95
/// ```
pub fn exp2_table() -> [u16; EXP2_ENTRIES] {
    let mut t = [0u16; EXP2_ENTRIES];
    for (i, v) in t.iter_mut().enumerate() {
        let x = (i as f64 / EXP2_ENTRIES as f64).exp2() * f64::from(1u32 << EXP2_MANT_FRAC);
        *v = x.round() as u16;
    }
    t
}

/// `log2(x)` in Q6.10, rounded: the word of [`crate::schema::Feature::ProbeLog2Change`] for a
/// change of `x` ADC codes (the sequencer holds it as a table over the codes). `x` is at least 1.
///
/// ```
/// use ouro_core::qformat::log2_word;
/// assert_eq!(log2_word(1), 0);
/// assert_eq!(log2_word(8), 3 << 10);
/// assert_eq!(log2_word(3), 1623); // log2(3) * 1024 = 1622.9
/// ```
pub fn log2_word(x: u32) -> i16 {
    ((f64::from(x.max(1))).log2() * f64::from(1u32 << ACT_FRAC)).round() as i16
}

/// The fixed word of [`crate::schema::Feature::ProbeLog2Change`]: the probe's change in codes
/// along its polarity (`after - before` for SET, `before - after` for RESET), at least
/// `floor_codes`, as [`log2_word`].
pub fn probe_change_word(set: bool, before: u16, after: u16, floor_codes: u32) -> i16 {
    let d = i32::from(after) - i32::from(before);
    let along = if set { d } else { -d };
    log2_word((along.max(0) as u32).max(floor_codes))
}

/// Turn a Q6.10 log2(cycles) into a cycle count through the exp2 table, before the clamp.
/// Exact integer arithmetic; the largest result is below 2^48.
pub fn exp2_cycles(log2_cycles: Act, table: &[u16; EXP2_ENTRIES]) -> u64 {
    let bits = log2_cycles.to_bits();
    let int = i32::from(bits >> ACT_FRAC); // floor
    let index = ((bits as u16 & ((1 << ACT_FRAC) - 1)) >> (ACT_FRAC - EXP2_INDEX_BITS)) as usize;
    if int < 0 {
        return 0;
    }
    (u64::from(table[index]) << int) >> EXP2_MANT_FRAC
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp2_table_is_monotone_and_exact() {
        let t = exp2_table();
        assert!(t.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(t[255], 65359); // 2^(255/256) * 32768 = 65358.6
    }

    #[test]
    fn exp2_cycles_floor_and_ranges() {
        let t = exp2_table();
        let f = |v: f64| exp2_cycles(Act::from_num(v), &t);
        assert_eq!(f(0.0), 1);
        assert_eq!(f(10.0), 1024);
        assert_eq!(f(10.5), 1448); // 46341 * 1024 / 32768 = 1448.16
        assert_eq!(f(-0.5), 0);
        assert_eq!(f(-32.0), 0);
        assert_eq!(f(31.999), (65359u64 << 31) >> 15);
        // The two fraction bits below the table index do not matter.
        assert_eq!(
            exp2_cycles(Act::from_bits(0x2801), &t),
            exp2_cycles(Act::from_bits(0x2803), &t)
        );
    }

    #[test]
    fn accumulator_bound_holds() {
        let worst = MAX_FANIN as i128 * (1i128 << 30) + (1i128 << 31);
        assert!(worst < 1i128 << (ACC_BITS - 1));
    }
}
