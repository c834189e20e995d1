//! The protocol's codes: opcodes, status codes, configuration registers, and the small enums
//! carried in arguments and results. Each converts to its byte and back.

use super::ProtocolError;

macro_rules! byte_enum {
    ($(#[$m:meta])* $name:ident, $err:expr, { $($(#[$vm:meta])* $v:ident = $n:expr,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum $name {
            $($(#[$vm])* $v = $n,)*
        }

        impl $name {
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[$($name::$v,)*];

            /// The code on the wire.
            pub fn code(self) -> u8 {
                self as u8
            }

            /// The value of a code, or `None` for a code not in the protocol.
            pub fn from_code(code: u8) -> Option<Self> {
                match code {
                    $($n => Some(Self::$v),)*
                    _ => None,
                }
            }
        }

        impl TryFrom<u8> for $name {
            type Error = ProtocolError;
            fn try_from(code: u8) -> Result<Self, ProtocolError> {
                Self::from_code(code).ok_or_else(|| $err(code))
            }
        }
    };
}

byte_enum!(
    /// A request's opcode (the response carries `opcode | 0x80`).
    Opcode, ProtocolError::UnknownOpcode, {
    /// Version handshake; required before any command but HELLO and IDENTIFY.
    Hello = 0x01,
    /// The board's build: version, clock, array, engine and limits.
    Identify = 0x02,
    /// Write configuration registers.
    Configure = 0x03,
    /// Write the predictor engine through its load port.
    LoadWeights = 0x04,
    /// Write words of the input table.
    LoadTable = 0x05,
    /// Queue cells to program.
    Program = 0x06,
    /// Read one cell.
    ReadCell = 0x07,
    /// Apply one pulse, within the safety limits.
    RawPulse = 0x08,
    /// Take finished programming records.
    Fetch = 0x09,
    /// The engine's state and counters.
    Status = 0x0A,
});

byte_enum!(
    /// A response's status. Anything but `Ok` means the command changed nothing.
    Status, ProtocolError::UnknownStatus, {
    /// Done; the data follow.
    Ok = 0,
    /// The frame had a bad CRC, was too long or was otherwise unreadable; answered with
    /// opcode byte 0xFF and tag 0.
    BadFrame = 1,
    /// The arguments have the wrong size for the opcode.
    BadLength = 2,
    /// The opcode is not in the protocol.
    UnknownOpcode = 3,
    /// HELLO with another major version; the data carry the board's version.
    VersionMismatch = 4,
    /// A command other than HELLO or IDENTIFY before a successful HELLO.
    NoHandshake = 5,
    /// The queue is full or the engine is busy.
    Busy = 6,
    /// A pulse outside the safety limits; the data carry the [`RefusalReason`].
    RefusedSafety = 7,
    /// A field out of range; the data carry the argument's index.
    BadArgument = 8,
});

byte_enum!(
    /// Why a pulse was refused (the data byte of `REFUSED_SAFETY`).
    RefusalReason, |c| ProtocolError::BadArgument {
        what: "REFUSED_SAFETY",
        index: 0,
        message: format!("refusal reason {c} is not 1..=3"),
    }, {
    /// The duration is above the limit.
    DurationAbove = 1,
    /// The duration is below the limit.
    DurationBelow = 2,
    /// The amplitude (DAC code) is beyond the limit.
    AmplitudeBeyond = 3,
});

byte_enum!(
    /// How a programmed cell ended (a FETCH record's `outcome`).
    Outcome, |c| ProtocolError::BadArgument {
        what: "FETCH record",
        index: 0,
        message: format!("outcome {c} is not 0..=3"),
    }, {
    /// The final code is within the tolerance of the target.
    InTolerance = 0,
    /// The attempt limit was reached first.
    AttemptLimit = 1,
    /// A pulse the predictor asked for was refused by the safety limits.
    RefusedSafety = 2,
    /// The cell did not move (stuck).
    Stuck = 3,
});

byte_enum!(
    /// The engine's state (STATUS).
    RunState, |c| ProtocolError::BadArgument {
        what: "STATUS",
        index: 0,
        message: format!("state {c} is not 0 or 1"),
    }, {
    /// Nothing queued or in progress.
    Idle = 0,
    /// Programming.
    Running = 1,
});

byte_enum!(
    /// The value of the `MODE` register: how queued cells are programmed.
    Mode, |c| ProtocolError::BadArgument {
        what: "MODE",
        index: 0,
        message: format!("mode {c} is not 0..=5"),
    }, {
    /// The predictor chooses every pulse, repeating until in tolerance.
    NeuralLoop = 0,
    /// The predictor chooses one pulse.
    NeuralOneShot = 1,
    /// A probe pulse, then one predicted pulse.
    ProbeOneShot = 2,
    /// A probe pulse, then predicted pulses until in tolerance.
    ProbeLoop = 3,
    /// Write-verify with fixed pulses (`FIXED_*`).
    FixedWriteVerify = 4,
    /// Write-verify with adaptive durations (`ADAPTIVE_START_CYCLES`, `FINE_DAC_*`).
    AdaptiveWriteVerify = 5,
});

byte_enum!(
    /// A configuration register (CONFIGURE's `register` byte). Values are `u32`; the
    /// registers with a range in the protocol are checked by [`Register::check`].
    Register, |c| ProtocolError::BadArgument {
        what: "CONFIGURE",
        index: 0,
        message: format!("register {c:#04x} is not in the protocol"),
    }, {
    /// How cells are programmed: a [`Mode`] (0..=5).
    Mode = 0x01,
    /// Pulses per cell at most (1..=255).
    MaxAttempts = 0x03,
    /// Each verify read averages `2^READS_LOG2` reads (0..=4).
    ReadsLog2 = 0x04,
    /// Fixed write-verify: pulse duration in cycles.
    FixedCycles = 0x05,
    /// Fixed write-verify: SET amplitude (DAC code).
    FixedDacSet = 0x06,
    /// Fixed write-verify: RESET amplitude (DAC code).
    FixedDacReset = 0x07,
    /// Adaptive write-verify: the first pulse's duration in cycles.
    AdaptiveStartCycles = 0x08,
    /// The fine-step SET amplitude (DAC code).
    FineDacSet = 0x09,
    /// The fine-step RESET amplitude (DAC code).
    FineDacReset = 0x0A,
    /// A predicted duration of at most this many cycles goes at the fine amplitude (0: never).
    FineBelowCycles = 0x0B,
    /// SET amplitude of ladder level 0 (DAC code).
    LevelDacSet0 = 0x10,
    /// SET amplitude of ladder level 1.
    LevelDacSet1 = 0x11,
    /// SET amplitude of ladder level 2.
    LevelDacSet2 = 0x12,
    /// SET amplitude of ladder level 3.
    LevelDacSet3 = 0x13,
    /// SET amplitude of ladder level 4.
    LevelDacSet4 = 0x14,
    /// SET amplitude of ladder level 5.
    LevelDacSet5 = 0x15,
    /// SET amplitude of ladder level 6.
    LevelDacSet6 = 0x16,
    /// SET amplitude of ladder level 7.
    LevelDacSet7 = 0x17,
    /// RESET amplitude of ladder level 0 (DAC code).
    LevelDacReset0 = 0x18,
    /// RESET amplitude of ladder level 1.
    LevelDacReset1 = 0x19,
    /// RESET amplitude of ladder level 2.
    LevelDacReset2 = 0x1A,
    /// RESET amplitude of ladder level 3.
    LevelDacReset3 = 0x1B,
    /// RESET amplitude of ladder level 4.
    LevelDacReset4 = 0x1C,
    /// RESET amplitude of ladder level 5.
    LevelDacReset5 = 0x1D,
    /// RESET amplitude of ladder level 6.
    LevelDacReset6 = 0x1E,
    /// RESET amplitude of ladder level 7.
    LevelDacReset7 = 0x1F,
    /// The run-time minimum pulse duration in cycles (tightens the synthesized one).
    RtMinCycles = 0x20,
    /// The run-time maximum pulse duration in cycles (tightens the synthesized one).
    RtMaxCycles = 0x21,
    /// Offset subtracted from the reading (an ADC code) to make the engine's input word 0.
    InputOffset0 = 0x22,
    /// Offset subtracted from the target (an ADC code) to make the engine's input word 1.
    InputOffset1 = 0x23,
    /// Word address of the `LOG2` table (4096 words, `LOG2[x] = log2_word(x)`) in the board's
    /// table memory: the probe modes look the probe's change up in it.
    Log2Base = 0x24,
    /// Word address of the input tables (a predictor with input tables: `4 * 2^adc_bits` words,
    /// the network of polarity `p`'s table of input `i` at `(2p + i) * 2^adc_bits`) in the
    /// board's table memory.
    InputTableBase = 0x25,
    /// The amplitude levels the neural loop may climb (1..=8; 1: level 0 only): a pulse that
    /// leaves more than half of the error goes one level up while the loop's gain is at least 1
    /// and the level is below the one the polarity's last overshoot left it at (or the gain has
    /// reached 4), an overshoot one level down (docs/HDL.md, "Sequencer"); levels at or above
    /// this count are never used.
    NeuralLevels = 0x26,
});

impl Register {
    /// `LEVEL_DAC_SET[level]` (level 0..8).
    pub fn level_dac_set(level: usize) -> Option<Self> {
        u8::try_from(level)
            .ok()
            .filter(|&l| l < 8)
            .and_then(|l| Self::from_code(0x10 + l))
    }

    /// `LEVEL_DAC_RESET[level]` (level 0..8).
    pub fn level_dac_reset(level: usize) -> Option<Self> {
        u8::try_from(level)
            .ok()
            .filter(|&l| l < 8)
            .and_then(|l| Self::from_code(0x18 + l))
    }

    /// The values the protocol allows, as an inclusive range (the board may narrow the DAC
    /// and duration registers to its own limits).
    pub fn range(self) -> std::ops::RangeInclusive<u32> {
        match self {
            Self::Mode => 0..=5,
            Self::MaxAttempts => 1..=255,
            Self::ReadsLog2 => 0..=4,
            Self::NeuralLevels => 1..=8,
            _ => 0..=u32::MAX,
        }
    }

    /// `Ok` when `value` is in [`Register::range`], else why not.
    pub fn check(self, value: u32) -> Result<(), String> {
        let r = self.range();
        if r.contains(&value) {
            Ok(())
        } else {
            Err(format!(
                "{self:?} = {value} is outside {}..={}",
                r.start(),
                r.end()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_rejected() {
        for &o in Opcode::ALL {
            assert_eq!(Opcode::try_from(o.code()).unwrap(), o);
        }
        assert_eq!(Opcode::ALL.len(), 10);
        assert_eq!(Register::ALL.len(), 33);
        for &r in Register::ALL {
            assert_eq!(Register::from_code(r.code()), Some(r));
        }
        for c in 0..=255u8 {
            let known = matches!(c, 0x01 | 0x03..=0x0B | 0x10..=0x26);
            assert_eq!(Register::from_code(c).is_some(), known, "{c:#x}");
        }
        assert_eq!(Register::level_dac_set(7), Some(Register::LevelDacSet7));
        assert_eq!(Register::level_dac_reset(0), Some(Register::LevelDacReset0));
        assert_eq!(Register::level_dac_reset(8), None);
        assert_eq!(Status::try_from(9), Err(ProtocolError::UnknownStatus(9)));
        assert_eq!(Opcode::try_from(0), Err(ProtocolError::UnknownOpcode(0)));
        assert!(Register::MaxAttempts.check(0).is_err());
        assert!(Register::ReadsLog2.check(4).is_ok());
        assert!(Register::ReadsLog2.check(5).is_err());
        assert!(Register::Mode.check(6).is_err());
    }
}
