//! The sequencer's settings: its mode and the registers the host writes (`CONFIGURE`, with the
//! ids of [`ouro_core::protocol::Register`]).

use crate::BoardError;
use ouro_core::protocol::{Mode, Register};
use ouro_core::Polarity;

/// Whether the engine predicts the pulses of `mode`.
pub fn is_neural(mode: Mode) -> bool {
    matches!(mode, Mode::NeuralLoop | Mode::NeuralOneShot)
}

/// Largest duration a register holds (the gateware's 24-bit counters).
pub const MAX_CYCLES: u32 = (1 << 24) - 1;

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
}

/// Index of a polarity in the per-polarity arrays.
pub(crate) fn pi(p: Polarity) -> usize {
    match p {
        Polarity::Set => 0,
        Polarity::Reset => 1,
    }
}

impl SeqConfig {
    /// The power-up settings: neural closed loop, 16 attempts, one conversion per
    /// read, all DAC codes 0 (the host configures the amplitudes before programming), adaptive and
    /// fixed durations of one cycle, no fine corrections, no run-time tightening, offsets
    /// `input_offsets`.
    pub fn power_up(input_offsets: [u16; 2]) -> Self {
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
        }
    }

    /// Write register `id`. `adc_bits` bounds the tolerance and the offsets.
    ///
    /// # Errors
    /// [`BoardError::Setting`] for an unknown register or a value outside its range; nothing is
    /// changed then.
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
        match reg {
            Register::Mode => {
                self.mode = u8::try_from(value)
                    .ok()
                    .and_then(Mode::from_code)
                    .filter(|m| !matches!(m, Mode::ProbeOneShot | Mode::ProbeLoop))
                    .ok_or_else(|| {
                        bad(
                            "MODE",
                            "0 neural-loop, 1 neural-one-shot, 4 fixed-wv, 5 adaptive-wv (the probe modes 2 and 3 are not in the sequencer yet)".into(),
                        )
                    })?
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_register_is_taken_and_others_are_refused() {
        let mut c = SeqConfig::power_up([2048, 2048]);
        for &r in Register::ALL {
            let v = if r == Register::Mode { 4 } else { 1 };
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
            (0x30, 1),
        ] {
            assert!(c.write(id, v, 12).is_err(), "{id:#x} = {v}");
        }
        assert_eq!(c, before, "a refused write changes nothing");
        c.write(0x01, 5, 12).unwrap();
        c.write(0x19, 1234, 12).unwrap();
        assert_eq!(c.mode, Mode::AdaptiveWriteVerify);
        assert_eq!(c.level_dac[1][1], 1234);
    }
}
