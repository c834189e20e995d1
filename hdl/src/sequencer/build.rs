//! What a sequencer build runs, checked once for the gateware ([`super::SequencerCore`]) and its
//! model (`ouro_board::SequencerModel`): the predictors it accepts, the modes it runs, and the
//! build constants of probe-then-predict taken from the history-aware predictor.

use crate::HdlError;
use ouro_core::protocol::Mode;
use ouro_core::qformat::{exp2_cycles, exp2_table, Act};
use ouro_core::schema::{Feature, QPredictor};

/// Words of the table memory the sequencer reads through its table port (one 16K x 16 SPRAM).
pub const TABLE_WORDS: usize = 1 << 14;

/// Where the input tables of a two-set build's history-aware predictor are: in a second table
/// memory of [`TABLE_WORDS`] words, above the first (the table port's `tb_bank`), since its four
/// tables of a 12-bit ADC fill one memory and the `LOG2` table is in the first.
pub const HISTORY_TABLES_BANK: usize = TABLE_WORDS;

/// Largest ADC resolution the sequencer runs: the probe's change indexes the 4096-word `LOG2`
/// table, and the input tables of two inputs and two polarities fill the table memory.
pub const MAX_ADC_BITS: u32 = 12;

/// The inputs of a history-aware predictor, in the order the sequencer writes them.
pub const HISTORY_FEATURES: [Feature; 5] = [
    Feature::GNow,
    Feature::GTarget,
    Feature::ProbeLog2Change,
    Feature::ProbeLog2,
    Feature::Level,
];

/// The `MODE` values a build runs, as a mask (bit `m` for mode `m`).
pub mod modes {
    /// One weight set (a blind predictor, with or without input tables): neural loop and one
    /// shot, fixed and adaptive write and verify.
    pub const ONE_SET: u8 = 0b11_0011;
    /// Two weight sets (blind set 0, history-aware set 1): every mode, the probe modes 2 and 3
    /// too.
    pub const TWO_SETS: u8 = 0b11_1111;
}

/// The modes of a mask, in code order.
pub fn modes_of(mask: u8) -> Vec<Mode> {
    Mode::ALL
        .iter()
        .copied()
        .filter(|m| mask >> m.code() & 1 == 1)
        .collect()
}

/// A sequencer build: what [`super::Sequencer`] is synthesized for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqBuild {
    /// The synthesized duration limits, cycles (the engine's).
    pub syn_min: u32,
    /// The synthesized duration limits, cycles (the engine's).
    pub syn_max: u32,
    /// The input offsets at power-up (`INPUT_OFFSET_0/1`).
    pub offsets: [u16; 2],
    /// The ADC's resolution: codes are `adc_bits` wide (the input tables' index).
    pub adc_bits: u32,
    /// The one weight set has input tables: the blind input words come from the table memory.
    pub tables: bool,
    /// The two-set build's history-aware predictor has input tables on its reading and target:
    /// its words 0 and 1 come from the table memory's second bank ([`HISTORY_TABLES_BANK`]).
    pub history_tables: bool,
    /// The two-set build of probe-then-predict and its constants.
    pub probe: Option<ProbeConstants>,
}

impl SeqBuild {
    /// The build around a one-set engine for `q` (see [`check_one_set`]).
    ///
    /// # Errors
    /// As [`check_one_set`].
    pub fn one_set(q: &QPredictor) -> Result<Self, HdlError> {
        let offsets = check_one_set(q)?;
        Ok(Self {
            syn_min: q.min_cycles,
            syn_max: q.max_cycles,
            offsets,
            adc_bits: q.adc_bits,
            tables: !q.networks.set.input_tables.is_empty(),
            history_tables: false,
            probe: None,
        })
    }

    /// The build around the two-set engine of probe-then-predict (see [`check_two_sets`]).
    ///
    /// # Errors
    /// As [`check_two_sets`].
    pub fn two_sets(sets: [&QPredictor; 2]) -> Result<Self, HdlError> {
        let (offsets, probe) = check_two_sets(sets)?;
        Ok(Self {
            syn_min: sets[1].min_cycles,
            syn_max: sets[1].max_cycles,
            offsets,
            adc_bits: sets[1].adc_bits,
            tables: false,
            history_tables: !sets[1].networks.set.input_tables.is_empty(),
            probe: Some(probe),
        })
    }

    /// The modes the build runs ([`modes`]).
    pub fn modes(&self) -> u8 {
        if self.probe.is_some() {
            modes::TWO_SETS
        } else {
            modes::ONE_SET
        }
    }
}

/// Check a one-set build's predictor: blind (inputs: the reading, then the target), input
/// offsets that are ADC codes, input tables only for an ADC of at most [`MAX_ADC_BITS`].
/// Returns the power-up input offsets.
///
/// # Errors
/// [`HdlError::Unsupported`] with the reason.
pub fn check_one_set(q: &QPredictor) -> Result<[u16; 2], HdlError> {
    if q.features != [Feature::GNow, Feature::GTarget] {
        return Err(HdlError::Unsupported(format!(
            "the sequencer's one-set build runs blind predictors (g_now, g_target), not {:?}",
            q.features
        )));
    }
    if !q.networks.set.input_tables.is_empty() && q.adc_bits > MAX_ADC_BITS {
        return Err(HdlError::Unsupported(format!(
            "input tables of a {}-bit ADC do not fit the {TABLE_WORDS}-word table memory (at most {MAX_ADC_BITS} bits)",
            q.adc_bits
        )));
    }
    offsets(q)
}

/// The build constants of probe-then-predict (`docs/HDL.md`, "Sequencer").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeConstants {
    /// The largest probe exponent: the probe lasts at most `2^k_max` cycles
    /// (`ouro_core::probe::probe_exponent_max` of the synthesized maximum).
    pub k_max: u32,
    /// The largest log2 word (Q6.10) whose duration before the clamp is at most
    /// `ouro_core::probe::escalate_above` of the synthesized maximum: a prediction above it is
    /// repeated at the next level.
    pub escalate_word: i16,
    /// Amplitude levels (the history-aware predictor's ladder; 1..=8).
    pub levels: u32,
    /// The probe's smallest change, ADC codes (`probe_floor_codes`).
    pub floor_codes: u32,
}

/// Check the two weight sets of a probe-then-predict build and derive its constants: set 0 the
/// blind predictor embedded into set 1's shape (`ouro_nn::embed::embed`: inputs 2..5 with zero
/// first-layer weights, so that the stale words the sequencer leaves there do not matter), set 1
/// the history-aware predictor with inputs [`HISTORY_FEATURES`], offsets 0 on inputs 2..5 (the
/// sequencer writes those words as they are), a ladder of 1..=8 levels of the same length per
/// polarity and a probe floor; set 0 without input tables (set 1 may have them, on its reading
/// and target: [`HISTORY_TABLES_BANK`]), for an ADC of at most [`MAX_ADC_BITS`]. (The engine
/// checks the shapes and the clamp limits.) Returns the power-up input offsets and the
/// constants.
///
/// # Errors
/// [`HdlError::Unsupported`] with the reason.
pub fn check_two_sets(sets: [&QPredictor; 2]) -> Result<([u16; 2], ProbeConstants), HdlError> {
    let [blind, history] = sets;
    let bad = |why: String| Err(HdlError::Unsupported(why));
    if history.features != HISTORY_FEATURES {
        return bad(format!(
            "set 1 must be a history-aware predictor with inputs {HISTORY_FEATURES:?}, not {:?}",
            history.features
        ));
    }
    if history.input_offsets[2..].iter().any(|&o| o != 0) {
        return bad("set 1's probe and level inputs must have offset 0".into());
    }
    if blind.features != history.features || blind.input_offsets[..2] != history.input_offsets[..2]
    {
        return bad(
            "set 0 must be the blind predictor embedded into set 1's inputs (ouro_nn::embed::embed)"
                .into(),
        );
    }
    for net in [&blind.networks.set, &blind.networks.reset] {
        let first = net.layers.first().map(|l| &l.weights[..]).unwrap_or(&[]);
        if first.iter().any(|row| row.iter().skip(2).any(|&w| w != 0)) {
            return bad(
                "set 0 must ignore inputs 2..5 (zero first-layer weights): it is the blind predictor"
                    .into(),
            );
        }
    }
    if !blind.networks.set.input_tables.is_empty() {
        return bad("set 0 must be the blind predictor without input tables (its input words are the codes minus their offsets)".into());
    }
    for q in sets {
        if q.adc_bits > MAX_ADC_BITS {
            return bad(format!(
                "a {}-bit ADC's probe change does not index the 4096-word LOG2 table",
                q.adc_bits
            ));
        }
    }
    let Some(levels) = &history.levels else {
        return bad("set 1 has no amplitude levels".into());
    };
    let n = levels.set.len();
    if n == 0 || n > 8 || levels.reset.len() != n {
        return bad(format!(
            "set 1's ladder must have 1..=8 levels per polarity, the same for both (has {} and {})",
            n,
            levels.reset.len()
        ));
    }
    let Some(floor_codes) = history.probe_floor_codes else {
        return bad("set 1 has no probe_floor_codes".into());
    };
    let limit = u64::from(ouro_core::probe::escalate_above(history.max_cycles));
    let table = exp2_table();
    let escalate_word = (i16::MIN..=i16::MAX)
        .rev()
        .find(|&w| exp2_cycles(Act::from_bits(w), &table) <= limit)
        .unwrap_or(i16::MIN);
    Ok((
        offsets(history)?,
        ProbeConstants {
            k_max: ouro_core::probe::probe_exponent_max(history.max_cycles),
            escalate_word,
            levels: n as u32,
            floor_codes,
        },
    ))
}

fn offsets(q: &QPredictor) -> Result<[u16; 2], HdlError> {
    let codes = 1i64 << q.adc_bits;
    let off = |i: usize| {
        q.input_offsets
            .get(i)
            .and_then(|&o| u16::try_from(o).ok())
            .filter(|&o| i64::from(o) < codes)
            .ok_or_else(|| HdlError::Unsupported("input offsets must be ADC codes".into()))
    };
    Ok([off(0)?, off(1)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_masks_are_the_modes_of_each_build() {
        assert_eq!(
            modes_of(modes::ONE_SET),
            [
                Mode::NeuralLoop,
                Mode::NeuralOneShot,
                Mode::FixedWriteVerify,
                Mode::AdaptiveWriteVerify
            ]
        );
        assert_eq!(modes_of(modes::TWO_SETS), Mode::ALL);
    }

    #[test]
    fn the_escalation_word_is_the_last_below_the_limit() {
        let q = QPredictor::from_yaml_str(
            include_str!("../../../predictors/history.q.yaml"),
            "history",
        )
        .unwrap();
        let blind = {
            let mut b = q.clone();
            for net in [&mut b.networks.set, &mut b.networks.reset] {
                net.input_tables.clear();
                for row in &mut net.layers[0].weights {
                    row[2..].iter_mut().for_each(|w| *w = 0);
                }
            }
            b
        };
        let (off, c) = check_two_sets([&blind, &q]).unwrap();
        assert_eq!(off, [2048, 2048]);
        assert_eq!((c.k_max, c.levels, c.floor_codes), (15, 4, 1));
        let t = exp2_table();
        let raw = |w: i16| exp2_cycles(Act::from_bits(w), &t);
        assert!(raw(c.escalate_word) <= 16_384 && raw(c.escalate_word + 1) > 16_384);
        // The history predictor as set 0 reads inputs 2..5: refused.
        assert!(check_two_sets([&q, &q]).is_err());
        assert!(check_one_set(&q).is_err());
    }
}
