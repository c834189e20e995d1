//! The board description: clock, ADC and DAC, transimpedance amplifier, timing. The simulated
//! board and the gateware read the same file. Shipped boards are embedded by name.

use crate::yaml;
use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Shipped board files, by name.
pub const BUILTIN_BOARDS: &[(&str, &str)] = &[
    ("icebreaker", include_str!("../../boards/icebreaker.yaml")),
    ("ideal", include_str!("../../boards/ideal.yaml")),
];

/// A board: the FPGA clock, the analog front end and its timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardConfig {
    /// A short name.
    pub name: String,
    /// FPGA clock, Hz.
    pub clock_hz: u64,
    /// Read voltage across the cell, volts.
    pub read_voltage_v: f64,
    /// Transimpedance gain of the read amplifier, ohms (volts out per ampere of cell current).
    pub tia_gain_ohm: f64,
    /// The ADC that digitises the amplifier output.
    pub adc: AdcConfig,
    /// The DAC that sets the pulse amplitude.
    pub dac: DacConfig,
    /// Standard deviation of the read noise, as an equivalent conductance in microsiemens,
    /// added before the ADC.
    pub read_noise_us: f64,
    /// Shortest pulse the gateware may command, in clock cycles (at least 1).
    pub min_pulse_cycles: u32,
    /// Longest pulse the gateware may command, in clock cycles (the synthesized safety maximum).
    pub max_pulse_cycles: u32,
}

/// ADC facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdcConfig {
    /// Resolution, bits (8..=16).
    pub bits: u32,
    /// Input full scale, volts; code = floor(v / full_scale * 2^bits), clamped.
    pub full_scale_v: f64,
    /// Conversion time, ns.
    pub conversion_ns: u32,
    /// Settling time of the read path before a conversion, ns.
    pub settling_ns: u32,
}

/// DAC facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DacConfig {
    /// Resolution, bits.
    pub bits: u32,
    /// Output full scale, volts (the code spans -full_scale..+full_scale).
    pub full_scale_v: f64,
    /// Settling time after a code change, ns.
    pub settling_ns: u32,
}

impl BoardConfig {
    /// Load a shipped board by name or a board YAML file by path.
    pub fn load(spec: &str) -> Result<Self, CoreError> {
        let board: Self = if let Some((name, text)) =
            BUILTIN_BOARDS.iter().find(|(n, _)| *n == spec)
        {
            yaml::from_str(text, "board YAML", &format!("<builtin {name}>"))?
        } else if Path::new(spec).exists() || spec.ends_with(".yaml") || spec.ends_with(".yml") {
            yaml::load(Path::new(spec), "board YAML")?
        } else {
            let names: Vec<_> = BUILTIN_BOARDS.iter().map(|(n, _)| *n).collect();
            return Err(CoreError::Parse {
                what: "board".into(),
                path: spec.into(),
                message: format!(
                    "unknown board `{spec}`: use {} or a path to a .yaml file",
                    names.join(", ")
                ),
            });
        };
        board.validate().map_err(|e| CoreError::Parse {
            what: "board YAML".into(),
            path: spec.into(),
            message: e.detail(),
        })?;
        Ok(board)
    }

    /// The shipped default board (iCEBreaker).
    pub fn default_board() -> Self {
        Self::load("icebreaker").expect("the shipped board file is valid")
    }

    /// Check ranges; the message names the field and the allowed range.
    pub fn validate(&self) -> Result<(), CoreError> {
        self.check().map_err(|message| CoreError::Invalid {
            what: "board",
            message,
        })
    }

    fn check(&self) -> Result<(), String> {
        let pos = |v: f64, name: &str| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("{name} must be positive, got {v}"))
            }
        };
        pos(self.clock_hz as f64, "clock_hz")?;
        pos(self.read_voltage_v, "read_voltage_v")?;
        pos(self.tia_gain_ohm, "tia_gain_ohm")?;
        pos(self.adc.full_scale_v, "adc.full_scale_v")?;
        pos(self.dac.full_scale_v, "dac.full_scale_v")?;
        if !(8..=16).contains(&self.adc.bits) {
            return Err(format!("adc.bits must be in 8..=16, got {}", self.adc.bits));
        }
        if !(4..=16).contains(&self.dac.bits) {
            return Err(format!("dac.bits must be in 4..=16, got {}", self.dac.bits));
        }
        if !(self.read_noise_us.is_finite() && self.read_noise_us >= 0.0) {
            return Err(format!(
                "read_noise_us must be >= 0, got {}",
                self.read_noise_us
            ));
        }
        if self.min_pulse_cycles == 0
            || self.min_pulse_cycles > self.max_pulse_cycles
            || self.max_pulse_cycles > crate::qformat::MAX_CYCLES_LIMIT
        {
            return Err(format!(
                "need 1 <= min_pulse_cycles <= max_pulse_cycles <= {}, got {} and {}",
                crate::qformat::MAX_CYCLES_LIMIT,
                self.min_pulse_cycles,
                self.max_pulse_cycles
            ));
        }
        Ok(())
    }

    /// Largest ADC code.
    pub fn adc_max_code(&self) -> u16 {
        ((1u32 << self.adc.bits) - 1) as u16
    }

    /// ADC codes per microsiemens of cell conductance.
    pub fn codes_per_us(&self) -> f64 {
        1e-6 * self.read_voltage_v * self.tia_gain_ohm / self.adc.full_scale_v
            * f64::from(1u32 << self.adc.bits)
    }

    /// The code the ADC gives for a conductance (noise-free): floor, clamped to the code range.
    pub fn code_of_us(&self, g_us: f64) -> u16 {
        let c = (g_us * self.codes_per_us()).floor();
        c.clamp(0.0, f64::from(self.adc_max_code())) as u16
    }

    /// The conductance at the centre of a code's bin, microsiemens.
    pub fn us_of_code(&self, code: u16) -> f64 {
        (f64::from(code) + 0.5) / self.codes_per_us()
    }

    /// One clock period, seconds.
    pub fn clock_period_s(&self) -> f64 {
        1.0 / self.clock_hz as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_board_loads_and_codes_round_trip() {
        let b = BoardConfig::default_board();
        assert_eq!(b.clock_hz, 12_000_000);
        // The whole conductance window (94..560 uS) fits the ADC range.
        assert!(b.code_of_us(560.0) < b.adc_max_code());
        for g in [94.5, 200.0, 353.0, 559.3] {
            let c = b.code_of_us(g);
            assert!((b.us_of_code(c) - g).abs() <= 0.5 / b.codes_per_us() + 1e-9);
        }
    }

    #[test]
    fn bad_boards_are_named() {
        let e = BoardConfig::load("nosuch").unwrap_err().to_string();
        assert!(
            e.contains("unknown board `nosuch`") && e.contains("icebreaker"),
            "{e}"
        );
        let e = BoardConfig::load("/nonexistent/b.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read"), "{e}");
        let mut b = BoardConfig::default_board();
        b.adc.bits = 20;
        assert!(b.validate().unwrap_err().to_string().contains("adc.bits"));
    }
}
