//! The sequencer's settings: its mode and the registers the host writes (`CONFIGURE`, with the
//! ids of [`ouro_core::protocol::Register`]).

use crate::BoardError;
use ouro_core::protocol::{Mode, Register};
use ouro_core::Polarity;

/// Whether the engine predicts the pulses of `mode`.
pub fn is_neural(mode: Mode) -> bool {
    !matches!(mode, Mode::FixedWriteVerify | Mode::AdaptiveWriteVerify)
}

/// Largest duration a register holds (the gateware's 24-bit counters).
pub const MAX_CYCLES: u32 = (1 << 24) - 1;

/// Words of the board's table memory (one 16K x 16 SPRAM), which holds the `LOG2` table and
/// the input tables (`LOAD_TABLE`).
pub const TABLE_WORDS: u32 = 16_384;

/// The modes of a build with one weight set (blind, or with input tables).
pub const ONE_SET_MODES: &[Mode] = &[
    Mode::NeuralLoop,
    Mode::NeuralOneShot,
    Mode::FixedWriteVerify,
    Mode::AdaptiveWriteVerify,
];

/// The modes of the two-set build (blind set 0, history-aware set 1): every mode.
pub const TWO_SET_MODES: &[Mode] = Mode::ALL;

/// The sequencer's settings. [`SeqConfig::write`] checks every value as the gateware's command
/// decoder does, so a refused write changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeqConfig {
    /// The mode.
    pub mode: Mode,
    /// Most pulses per cell, 1..=255.
    pub max_attempts: u8,
    /// log2 of the conversions per read, 0..=4.
    pub reads_log2: u8,
    /// Fixed write-and-verify duration, cycles.
    pub fixed_cycles: u32,
    /// Write-and-verify DAC codes, by polarity (SET, RESET).
    pub fixed_dac: [u16; 2],
    /// First adaptive duration, cycles.
    pub adaptive_start_cycles: u32,
    /// Fine-correction DAC codes, by polarity.
    pub fine_dac: [u16; 2],
    /// Predictions of at most this many cycles go at the fine amplitude (0: never).
    pub fine_below_cycles: u32,
    /// Amplitude levels' DAC codes, by polarity.
    pub level_dac: [[u16; 8]; 2],
    /// Run-time minimum duration, cycles.
    pub runtime_min_cycles: u32,
    /// Run-time maximum duration, cycles.
    pub runtime_max_cycles: u32,
    /// Engine input offsets (reading, target), ADC codes.
    pub input_offsets: [u16; 2],
    /// Word address of the `LOG2` table in the table memory.
    pub log2_base: u16,
    /// Word address of the input tables in the table memory.
    pub input_table_base: u16,
    /// The amplitude levels the neural loop may climb (`NEURAL_LEVELS`, 1..=8; the sequencer
    /// uses at most the levels its build holds).
    pub neural_levels: u8,
    /// The modes the build runs: a `MODE` write of any other is refused.
    pub modes: &'static [Mode],
}

/// Index of a polarity in the per-polarity arrays.
pub(crate) fn pi(p: Polarity) -> usize {
    match p {
        Polarity::Set => 0,
        Polarity::Reset => 1,
    }
}

impl SeqConfig {
    /// The power-up settings of a build with one weight set ([`ONE_SET_MODES`]): neural closed
    /// loop, 16 attempts, one conversion per read, all DAC codes 0 (the host configures the
    /// amplitudes before programming), adaptive and fixed durations of one cycle, no fine
    /// corrections, no run-time tightening, offsets `input_offsets`, both table bases 0.
    pub fn power_up(input_offsets: [u16; 2]) -> Self {
        Self::power_up_with(input_offsets, ONE_SET_MODES)
    }

    /// The power-up settings of a build that runs `modes` (as [`SeqConfig::power_up`]).
    pub fn power_up_with(input_offsets: [u16; 2], modes: &'static [Mode]) -> Self {
        Self {
            mode: Mode::NeuralLoop,
            max_attempts: 16,
            reads_log2: 0,
            fixed_cycles: 1,
            fixed_dac: [0; 2],
            adaptive_start_cycles: 1,
            fine_dac: [0; 2],
            fine_below_cycles: 0,
            level_dac: [[0; 8]; 2],
            runtime_min_cycles: 0,
            runtime_max_cycles: MAX_CYCLES,
            input_offsets,
            log2_base: 0,
            input_table_base: 0,
            neural_levels: 1,
            modes,
        }
    }

    /// Write register `id`. `adc_bits` bounds the offsets and sizes the input tables.
    ///
    /// # Errors
    /// [`BoardError::Setting`] for an unknown register, a value outside its range, a mode the
    /// build does not run, or a table base whose table would end past the table memory
    /// ([`TABLE_WORDS`]); nothing is changed then.
    pub fn write(&mut self, id: u8, value: u32, adc_bits: u32) -> Result<(), BoardError> {
        let bad = |name: &'static str, why: String| BoardError::Setting {
            name,
            value: u64::from(value),
            why,
        };
        let reg = Register::from_code(id).ok_or_else(|| {
            bad(
                "register",
                format!("there is no register 0x{id:02x} (see docs/PROTOCOL.md)"),
            )
        })?;
        let codes = 1u32 << adc_bits;
        let u16v =
            |name| u16::try_from(value).map_err(|_| bad(name, "a DAC code is 0..=65535".into()));
        let cycles = |name, min: u32| {
            if (min..=MAX_CYCLES).contains(&value) {
                Ok(value)
            } else {
                Err(bad(name, format!("cycles are {min}..={MAX_CYCLES}")))
            }
        };
        let offset = |name| {
            if value < codes {
                Ok(value as u16)
            } else {
                Err(bad(name, format!("0..{codes} ADC codes")))
            }
        };
        let base = |name, len: u32| {
            if u64::from(value) + u64::from(len) <= u64::from(TABLE_WORDS) {
                Ok(value as u16)
            } else {
                Err(bad(
                    name,
                    format!(
                        "the table of {len} words must end within the {TABLE_WORDS}-word table memory: 0..={}",
                        TABLE_WORDS - len
                    ),
                ))
            }
        };
        match reg {
            Register::Mode => {
                let modes = self.modes;
                self.mode = u8::try_from(value)
                    .ok()
                    .and_then(Mode::from_code)
                    .filter(|m| modes.contains(m))
                    .ok_or_else(|| {
                        let runs: Vec<String> = modes
                            .iter()
                            .map(|m| format!("{} {m:?}", m.code()))
                            .collect();
                        bad("MODE", format!("this build runs {}", runs.join(", ")))
                    })?
            }
            Register::Log2Base => {
                self.log2_base = base("LOG2_BASE", ouro_core::probe::LOG2_TABLE_WORDS as u32)?
            }
            Register::InputTableBase => {
                self.input_table_base = base("INPUT_TABLE_BASE", input_tables_words(adc_bits))?
            }
            Register::MaxAttempts => {
                if !(1..=255).contains(&value) {
                    return Err(bad("MAX_ATTEMPTS", "1..=255".into()));
                }
                self.max_attempts = value as u8;
            }
            Register::ReadsLog2 => {
                if value > 4 {
                    return Err(bad("READS_LOG2", "0..=4 (1 to 16 conversions)".into()));
                }
                self.reads_log2 = value as u8;
            }
            Register::FixedCycles => self.fixed_cycles = cycles("FIXED_CYCLES", 1)?,
            Register::FixedDacSet => self.fixed_dac[0] = u16v("FIXED_DAC_SET")?,
            Register::FixedDacReset => self.fixed_dac[1] = u16v("FIXED_DAC_RESET")?,
            Register::AdaptiveStartCycles => {
                self.adaptive_start_cycles = cycles("ADAPTIVE_START_CYCLES", 1)?
            }
            Register::FineDacSet => self.fine_dac[0] = u16v("FINE_DAC_SET")?,
            Register::FineDacReset => self.fine_dac[1] = u16v("FINE_DAC_RESET")?,
            Register::FineBelowCycles => self.fine_below_cycles = cycles("FINE_BELOW_CYCLES", 0)?,
            Register::RtMinCycles => self.runtime_min_cycles = cycles("RT_MIN_CYCLES", 0)?,
            Register::RtMaxCycles => self.runtime_max_cycles = cycles("RT_MAX_CYCLES", 0)?,
            Register::InputOffset0 => self.input_offsets[0] = offset("INPUT_OFFSET_0")?,
            Register::InputOffset1 => self.input_offsets[1] = offset("INPUT_OFFSET_1")?,
            Register::NeuralLevels => {
                if !(1..=8).contains(&value) {
                    return Err(bad("NEURAL_LEVELS", "1..=8 levels".into()));
                }
                self.neural_levels = value as u8;
            }
            // The amplitude ladder, 0x10..=0x17 (SET) and 0x18..=0x1F (RESET).
            _ => {
                let level = usize::from(id & 7);
                let p = usize::from(id >= 0x18);
                self.level_dac[p][level] = u16v("LEVEL_DAC")?;
            }
        }
        Ok(())
    }
}

/// Words of the input tables of a predictor with them, for an ADC of `adc_bits`: one table of
/// `2^adc_bits` words per input (the reading and the target) and polarity.
pub fn input_tables_words(adc_bits: u32) -> u32 {
    4u32.checked_shl(adc_bits).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_register_is_taken_and_others_are_refused() {
        let mut c = SeqConfig::power_up([2048, 2048]);
        for &r in Register::ALL {
            let v = match r {
                Register::Mode => 4,
                Register::InputTableBase => 0,
                _ => 1,
            };
            c.write(r.code(), v, 12).unwrap();
        }
        let before = c.clone();
        for (id, v) in [
            (0x00, 0),
            (0x01, 2),
            (0x02, 0),
            (0x03, 0),
            (0x03, 256),
            (0x04, 5),
            (0x05, 0),
            (0x05, 1 << 24),
            (0x06, 65536),
            (0x22, 4096),
            (0x24, 12_289),
            (0x25, 1),
            (0x26, 0),
            (0x26, 9),
            (0x27, 1),
            (0x30, 1),
        ] {
            assert!(c.write(id, v, 12).is_err(), "{id:#x} = {v}");
        }
        assert_eq!(c, before, "a refused write changes nothing");
        c.write(0x01, 5, 12).unwrap();
        c.write(0x19, 1234, 12).unwrap();
        assert_eq!(c.mode, Mode::AdaptiveWriteVerify);
        assert_eq!(c.level_dac[1][1], 1234);
        c.write(0x24, 12_288, 12).unwrap();
        c.write(0x25, 0, 12).unwrap();
        assert_eq!((c.log2_base, c.input_table_base), (12_288, 0));
        // A smaller ADC's tables leave room above them.
        c.write(0x25, 12_288, 10).unwrap();
        assert!(c.write(0x25, 12_289, 10).is_err());
    }

    #[test]
    fn a_build_refuses_the_modes_it_does_not_run() {
        let mut one = SeqConfig::power_up([2048, 2048]);
        let mut two = SeqConfig::power_up_with([2048, 2048], TWO_SET_MODES);
        for m in Mode::ALL {
            let runs = ONE_SET_MODES.contains(m);
            assert_eq!(
                one.write(0x01, u32::from(m.code()), 12).is_ok(),
                runs,
                "{m:?}"
            );
            two.write(0x01, u32::from(m.code()), 12).unwrap();
            assert_eq!(two.mode, *m);
        }
        let before = one.clone();
        let err = one.write(0x01, 2, 12).unwrap_err().to_string();
        assert!(err.contains("this build runs 0 NeuralLoop"), "{err}");
        assert_eq!(one, before);
        assert!(two.write(0x01, 6, 12).is_err());
    }
}
