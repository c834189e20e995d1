//! The integer rules of probe-then-predict that the host's method (`ouro_host::probe`), the
//! sequencer's model (`ouro_board::SequencerModel`) and the gateware sequencer share: how the
//! probe is sized from the blind prediction, when a prediction is repeated at the next amplitude
//! level, and the `LOG2` table of the probe's change.

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
