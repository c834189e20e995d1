//! The integer rules of probe-then-predict that the host's method (`ouro_host::probe`), the
//! sequencer's model (`ouro_board::SequencerModel`) and the gateware sequencer share: how the
//! probe is sized from the blind prediction, when it is extended, when a prediction is
//! repeated at the next amplitude level, and the `LOG2` table of the probe's change.

use crate::qformat::{log2_word, ACT_FRAC};

/// The probe lasts `2^(floor(log2 d) - PROBE_SHIFT)` cycles for a blind duration of `d` cycles
/// to the target: between a quarter and a half of it. Shorter probes tell less (measured in
/// `docs/BENCHMARKS.md`: a 1/32 probe lands 9 points fewer cells within ±50 %).
pub const PROBE_SHIFT: i32 = 1;

/// The probe lasts at most this fraction of the longest pulse.
pub const PROBE_MAX_FRACTION: u32 = 4;

/// A pulse is predicted again at the next amplitude level while it would last longer than
/// `1/ESCALATE` of the longest pulse: a faster level for slow cells (the accuracy is the same,
/// the pulse time a fifth).
pub const ESCALATE: u32 = 8;

/// A probe that moved the reading by fewer than this many ADC codes along its polarity (and
/// left the target ahead) is extended ([`extension`]): a slow cell, which a probe sized for a
/// nominal one barely moves, so that its change says little about its speed.
pub const EXTEND_BELOW_CODES: u32 = 4;

/// An extended probe lasts `2^EXTEND_OCTAVES` times as long as its first part in all (at most
/// [`probe_exponent_max`]): the extension is one more pulse of `2^kx - 2^k` cycles at the same
/// amplitude, so the two together are one probe of `2^kx` cycles to the network.
pub const EXTEND_OCTAVES: u32 = 6;

/// Words of the `LOG2` table: one per change of a 12-bit ADC's codes.
pub const LOG2_TABLE_WORDS: usize = 4096;

/// The largest probe exponent for pulses of at most `max_cycles`: the probe lasts at most
/// `max_cycles / PROBE_MAX_FRACTION` cycles (and at least one).
pub fn probe_exponent_max(max_cycles: u32) -> u32 {
    (max_cycles / PROBE_MAX_FRACTION).max(1).ilog2()
}

/// The probe's exponent `k` (the probe lasts `2^k` cycles) for a move the blind predictor gives
/// `log2_cycles` (Q6.10 bits) for: `floor(log2_cycles) - PROBE_SHIFT`, within
/// `0..=probe_exponent_max(max_cycles)`.
///
/// ```
/// use ouro_core::probe::probe_exponent;
/// assert_eq!(probe_exponent(12 << 10 | 512, 131_072), 11); // 2^12.5 cycles: 2^11
/// assert_eq!(probe_exponent(-2048, 131_072), 0);
/// assert_eq!(probe_exponent(20 << 10, 131_072), 15); // at most 131072 / 4 = 2^15
/// ```
pub fn probe_exponent(log2_cycles: i16, max_cycles: u32) -> u32 {
    let k = (i32::from(log2_cycles) >> ACT_FRAC) - PROBE_SHIFT;
    (k.max(0) as u32).min(probe_exponent_max(max_cycles))
}

/// The extended probe's exponent `kx` when a probe of `2^k` cycles of polarity SET (`set`) or
/// RESET took the reading from `code0` to `code1` on the way to `target` and moved it by fewer
/// than [`EXTEND_BELOW_CODES`] codes along its polarity, while the target is still ahead and a
/// longer probe is allowed: `kx = min(k + EXTEND_OCTAVES, probe_exponent_max(max_cycles))`, the
/// extension lasting `2^kx - 2^k` cycles ([`extension_cycles`]). `None`: no extension.
///
/// ```
/// use ouro_core::probe::extension;
/// // SET from code 1000 towards 2000: moved 3 codes, extended from 2^8 to 2^14 cycles.
/// assert_eq!(extension(8, true, (1000, 1003, 2000), 131_072), Some(14));
/// assert_eq!(extension(8, true, (1000, 1004, 2000), 131_072), None); // moved enough
/// assert_eq!(extension(12, false, (2000, 1999, 1000), 131_072), Some(15)); // capped: 2^15
/// assert_eq!(extension(15, false, (2000, 1999, 1000), 131_072), None); // already the longest
/// assert_eq!(extension(8, true, (1000, 1002, 1001), 131_072), None); // past the target
/// assert_eq!(extension(8, true, (1000, 990, 2000), 131_072), Some(14)); // the wrong way
/// ```
pub fn extension(
    k: u32,
    set: bool,
    (code0, code1, target): (u16, u16, u16),
    max_cycles: u32,
) -> Option<u32> {
    let (c0, c1) = (i32::from(code0), i32::from(code1));
    let along = if set { c1 - c0 } else { c0 - c1 };
    let ahead = if set { code1 < target } else { code1 > target };
    let kx = (k + EXTEND_OCTAVES).min(probe_exponent_max(max_cycles));
    (ahead && along < EXTEND_BELOW_CODES as i32 && kx > k).then_some(kx)
}

/// The extension's duration, cycles: `2^kx - 2^k`.
///
/// ```
/// assert_eq!(ouro_core::probe::extension_cycles(8, 14), 16_128);
/// ```
pub fn extension_cycles(k: u32, kx: u32) -> u32 {
    (1u32 << kx) - (1u32 << k)
}

/// A prediction whose duration before the clamp is above this many cycles is repeated at the
/// next amplitude level (when there is one): `max_cycles / ESCALATE`.
pub fn escalate_above(max_cycles: u32) -> u32 {
    max_cycles / ESCALATE
}

/// The `LOG2` table the sequencer looks the probe's change up in: `LOG2[x] = log2_word(x)`
/// ([`crate::qformat::log2_word`], Q6.10) for `x` in `0..4096`, as the 16-bit words the host
/// loads into the board's table memory (`LOAD_TABLE`).
pub fn log2_table() -> Vec<u16> {
    (0..LOG2_TABLE_WORDS as u32)
        .map(|x| log2_word(x) as u16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_is_a_power_of_two_a_quarter_to_a_half_of_the_blind_duration() {
        let one = 1 << ACT_FRAC;
        let k = |log2: i16| probe_exponent(log2, 131_072);
        assert_eq!(k(12 * one + one / 2), 11);
        assert_eq!(k(3 * one), 2);
        assert_eq!(k(one), 0);
        assert_eq!(k(-2 * one), 0);
        assert_eq!(k(20 * one), 15);
        assert_eq!(probe_exponent_max(3), 0);
        assert_eq!(escalate_above(131_072), 16_384);
    }

    #[test]
    fn the_log2_table_is_log2_word() {
        let t = log2_table();
        assert_eq!(t.len(), 4096);
        assert_eq!((t[0], t[1], t[2], t[3]), (0, 0, 1024, 1623));
        assert_eq!(t[4095], log2_word(4095) as u16);
        assert!(t.windows(2).all(|w| w[0] <= w[1]));
    }
}
