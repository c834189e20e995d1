//! The board description: clock, ADC and DAC, the cell-select multiplexers, transimpedance
//! amplifier, timing (the front end's parts and their timing in clock cycles are in
//! [`crate::frontend`]). The simulated board and the gateware read the same file. Shipped boards are embedded by name.

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
    /// FPGA system clock, Hz: the clock the gateware runs at (every cycle count is of it).
    pub clock_hz: u64,
    /// The board's oscillator, Hz: the FPGA's clock input. When it differs from `clock_hz`, the
    /// board top makes `clock_hz` from it with the FPGA's PLL.
    pub oscillator_hz: u64,
    /// Read voltage across the cell, volts.
    pub read_voltage_v: f64,
    /// Transimpedance gain of the read amplifier, ohms (volts out per ampere of cell current).
    pub tia_gain_ohm: f64,
    /// The ADC that digitises the amplifier output.
    pub adc: AdcConfig,
    /// The DAC that sets the pulse amplitude.
    pub dac: DacConfig,
    /// The multiplexers that select a cell of the crossbar.
    pub mux: crate::frontend::MuxConfig,
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
    /// The part.
    pub part: String,
    /// Resolution, bits (8..=16).
    pub bits: u32,
    /// Input full scale, volts; code = floor(v / full_scale * 2^bits), clamped.
    pub full_scale_v: f64,
    /// Conversion time, ns.
    pub conversion_ns: u32,
    /// Settling time of the read path before a conversion, ns.
    pub settling_ns: u32,
    /// SPI clock divider: SCLK = clock_hz / (2 * sclk_div).
    pub sclk_div: u32,
    /// The part's fastest SCLK, Hz.
    pub max_sclk_hz: u64,
    /// The datasheet's t_quiet: chip select high between two conversions, ns.
    pub t_quiet_ns: u32,
}

/// DAC facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DacConfig {
    /// The part.
    pub part: String,
    /// Resolution, bits.
    pub bits: u32,
    /// Output full scale at the cell, volts: the code is the pulse's magnitude, `0..2^bits`
    /// onto `0..full_scale_v`, and the polarity line gives its sign, so pulses span
    /// -full_scale..+full_scale.
    pub full_scale_v: f64,
    /// The DAC's reference, volts (its own output spans `0..reference_v`; the output stage
    /// scales that to `0..full_scale_v`).
    pub reference_v: f64,
    /// Settling time after a code change (LDAC), ns.
    pub settling_ns: u32,
    /// SPI clock divider: SCLK = clock_hz / (2 * sclk_div).
    pub sclk_div: u32,
    /// The part's fastest SCLK, Hz.
    pub max_sclk_hz: u64,
    /// The largest SET pulse magnitude the gateware lets through (synthesized interlock), volts.
    pub limit_set_v: f64,
    /// The largest RESET pulse magnitude the gateware lets through, volts.
    pub limit_reset_v: f64,
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
            return Err(CoreError::Value(format!(
                "unknown board `{spec}`: use {} or a path to a .yaml file",
                names.join(", ")
            )));
        };
        board.validate().map_err(|e| CoreError::InvalidFile {
            what: "board YAML".into(),
            path: spec.into(),
            message: format!("{}: fix that value", e.detail()),
        })?;
        Ok(board)
    }

    /// The shipped default board (iCEBreaker).
    pub fn default_board() -> Self {
        Self::load("icebreaker").expect("the shipped board file is valid")
    }

    /// Check every field against its documented range (`boards/icebreaker.yaml`), for a device
    /// whose conductance window is the nominal one ([`NOMINAL_WINDOW_US`]); the message names the
    /// field, its value and the allowed range.
    pub fn validate(&self) -> Result<(), CoreError> {
        self.validate_for(NOMINAL_WINDOW_US)
    }

    /// As [`validate`](Self::validate), for a device whose conductance window (microsiemens, at
    /// this board's read voltage) is `window_us`: the read path must resolve it into at least
    /// [`MIN_WINDOW_CODES`] ADC codes without clipping its top.
    pub fn validate_for(&self, window_us: (f64, f64)) -> Result<(), CoreError> {
        self.check(window_us).map_err(|message| CoreError::Invalid {
            what: "board",
            message,
        })
    }

    fn check(&self, (glo, ghi): (f64, f64)) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name is empty: give the board a name".into());
        }
        let (clo, chi) = CLOCK_HZ_RANGE;
        if !(clo..=chi).contains(&self.clock_hz) {
            return Err(format!(
                "clock_hz = {} is outside the allowed range [{clo}, {chi}] Hz (1 MHz to 500 MHz)",
                self.clock_hz
            ));
        }
        if !(clo..=chi).contains(&self.oscillator_hz) {
            return Err(format!(
                "oscillator_hz = {} is outside the allowed range [{clo}, {chi}] Hz (1 MHz to 500 MHz)",
                self.oscillator_hz
            ));
        }
        in_range(
            "read_voltage_v",
            self.read_voltage_v,
            READ_VOLTAGE_RANGE_V,
            "V",
        )?;
        if !(self.tia_gain_ohm.is_finite() && self.tia_gain_ohm > 0.0) {
            return Err(format!(
                "tia_gain_ohm = {} must be a positive number of ohms",
                self.tia_gain_ohm
            ));
        }
        if !(8..=16).contains(&self.adc.bits) {
            return Err(format!("adc.bits must be in 8..=16, got {}", self.adc.bits));
        }
        in_range(
            "adc.full_scale_v",
            self.adc.full_scale_v,
            FULL_SCALE_RANGE_V,
            "V",
        )?;
        let (tlo, thi) = CONVERSION_NS_RANGE;
        if !(tlo..=thi).contains(&self.adc.conversion_ns) {
            return Err(format!(
                "adc.conversion_ns = {} is outside the allowed range [{tlo}, {thi}] ns",
                self.adc.conversion_ns
            ));
        }
        for (name, ns) in [
            ("adc.settling_ns", self.adc.settling_ns),
            ("dac.settling_ns", self.dac.settling_ns),
        ] {
            if ns > MAX_SETTLING_NS {
                return Err(format!(
                    "{name} = {ns} is outside the allowed range [0, {MAX_SETTLING_NS}] ns"
                ));
            }
        }
        if !(4..=16).contains(&self.dac.bits) {
            return Err(format!("dac.bits must be in 4..=16, got {}", self.dac.bits));
        }
        in_range(
            "dac.full_scale_v",
            self.dac.full_scale_v,
            FULL_SCALE_RANGE_V,
            "V",
        )?;
        self.check_front_end()?;
        let max_noise = MAX_NOISE_FRACTION * (ghi - glo);
        if !(self.read_noise_us.is_finite() && (0.0..=max_noise).contains(&self.read_noise_us)) {
            return Err(format!(
                "read_noise_us = {} is outside the allowed range [0, {max_noise:.2}] uS (a tenth of the device window)",
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
        let shortest = f64::from(self.min_pulse_cycles) * self.clock_period_s();
        if shortest > MAX_SHORTEST_PULSE_S {
            return Err(format!(
                "min_pulse_cycles = {} is {} at {} Hz: the shortest pulse must be at most 1 us",
                self.min_pulse_cycles,
                crate::units::format_duration(shortest),
                self.clock_hz
            ));
        }
        let longest = f64::from(self.max_pulse_cycles) * self.clock_period_s();
        let (llo, lhi) = LONGEST_PULSE_RANGE_S;
        if !(llo..=lhi).contains(&longest) {
            return Err(format!(
                "max_pulse_cycles = {} is {} at {} Hz: the longest pulse must be in [100 us, 1 s]",
                self.max_pulse_cycles,
                crate::units::format_duration(longest),
                self.clock_hz
            ));
        }
        let codes = (ghi - glo) * self.codes_per_us();
        if codes.is_nan() || codes < MIN_WINDOW_CODES {
            return Err(format!(
                "tia_gain_ohm = {} maps the device window [{glo:.2}, {ghi:.2}] uS to {codes:.1} codes of the {}-bit ADC (full scale {} V): at least {MIN_WINDOW_CODES} are needed, raise tia_gain_ohm",
                self.tia_gain_ohm, self.adc.bits, self.adc.full_scale_v
            ));
        }
        let top_v = ghi * 1e-6 * self.read_voltage_v * self.tia_gain_ohm;
        if ghi * self.codes_per_us() >= f64::from(1u32 << self.adc.bits) {
            return Err(format!(
                "tia_gain_ohm = {} puts the top of the device window ({ghi:.2} uS) at {top_v:.3} V, beyond adc.full_scale_v = {} V: the ADC would clip it, lower tia_gain_ohm",
                self.tia_gain_ohm, self.adc.full_scale_v
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

/// The device's conductance window (microsiemens) at the nominal 0.2 V read: the states
/// `N = 0.06..1.98975` of the simplified JART VCM v1b model (`ouro_sim::device::window_conductance_us`,
/// which a test in `ouro-sim` holds equal to this; core cannot depend on sim).
pub const NOMINAL_WINDOW_US: (f64, f64) = (94.453, 559.30038);
/// The fewest ADC codes the device window may span. At 64 codes over the nominal window one code
/// is 7.3 uS, and half a code (the quantization error of a reading) is 3.9 % of the window's
/// lowest conductance: still inside the tightest tolerance `ouro eval` reports (5 %). Below that
/// a reading cannot tell a target from its neighbours within that tolerance.
pub const MIN_WINDOW_CODES: f64 = 64.0;
/// The allowed FPGA clock and oscillator, Hz. An iCE40 UP5K runs designs like this one at 12 to about 50 MHz and
/// larger FPGAs at a few hundred MHz; 500 MHz is beyond any fabric clock ouro targets. Below 1 MHz
/// a clock cycle (1 us) is longer than the fastest cells' whole 200 -> 400 uS move.
pub const CLOCK_HZ_RANGE: (u64, u64) = (1_000_000, 500_000_000);
/// The allowed read voltage across the cell, volts: the device model's own read range
/// (`ouro_sim::device::READ_VOLTAGE_RANGE_V`, held equal by a test in `ouro-sim`).
pub const READ_VOLTAGE_RANGE_V: (f64, f64) = (0.1, 0.3);
/// The allowed ADC and DAC full scales, volts: converters of this kind have references of about
/// 1 to 5 V.
pub const FULL_SCALE_RANGE_V: (f64, f64) = (0.5, 10.0);
/// The allowed ADC conversion time, ns: a conversion takes time, and one longer than 1 ms would
/// be ten times the nominal 200 -> 400 uS SET (90 us) it verifies (more likely a unit mistake).
pub const CONVERSION_NS_RANGE: (u32, u32) = (1, 1_000_000);
/// The longest allowed settling time, ns (as for the conversion time).
pub const MAX_SETTLING_NS: u32 = 1_000_000;
/// The largest allowed read noise, as a fraction of the device window's span.
pub const MAX_NOISE_FRACTION: f64 = 0.1;
/// The longest allowed shortest pulse, seconds: the fastest cells of the `realistic` device move
/// from 200 to 400 uS in about 0.82 us (docs/DEVICE.md, section 6).
pub const MAX_SHORTEST_PULSE_S: f64 = 1e-6;
/// The allowed longest pulse, seconds: at least the 90 us of a nominal 200 -> 400 uS SET
/// (rounded up), at most 1 s, a hundred times a whole-window crossing (about 9.9 ms).
pub const LONGEST_PULSE_RANGE_S: (f64, f64) = (100e-6, 1.0);

/// `value` (finite) in `[lo, hi]`, or a message naming `name`, the value and the range.
pub(crate) fn in_range(
    name: &str,
    value: f64,
    (lo, hi): (f64, f64),
    unit: &str,
) -> Result<(), String> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{name} = {value} is outside the allowed range [{lo}, {hi}] {unit}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_board_loads_and_codes_round_trip() {
        let b = BoardConfig::default_board();
        assert_eq!(b.clock_hz, 12_000_000);
        assert_eq!(b.oscillator_hz, 12_000_000);
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

    #[test]
    fn shipped_boards_are_valid_and_the_bounds_are_inclusive() {
        for (name, _) in BUILTIN_BOARDS {
            BoardConfig::load(name).unwrap().validate().unwrap();
        }
        let ok = |f: &dyn Fn(&mut BoardConfig)| {
            let mut b = BoardConfig::default_board();
            f(&mut b);
            b.validate().unwrap_or_else(|e| panic!("{b:?}: {e}"));
        };
        ok(&|b| b.clock_hz = 1_000_000);
        ok(&|b| b.oscillator_hz = 1_000_000);
        ok(&|b| b.oscillator_hz = 500_000_000);
        ok(&|b| {
            b.clock_hz = 500_000_000;
            b.max_pulse_cycles = 500_000;
            b.adc.sclk_div = 13;
            b.dac.sclk_div = 5;
            b.mux.sclk_div = 9;
        });
        // SCLK at exactly the part's maximum, the longest quiet and switching times, the
        // interlock at full scale, the smallest and largest crossbars.
        ok(&|b| {
            b.clock_hz = 40_000_000;
            b.max_pulse_cycles = 40_000;
            b.adc.sclk_div = 1;
            b.dac.sclk_div = 1;
            b.mux.sclk_div = 1;
            b.adc.max_sclk_hz = 20_000_000;
        });
        ok(&|b| {
            b.adc.sclk_div = 255;
            b.adc.t_quiet_ns = 100_000;
            b.mux.switch_ns = 1_000_000;
            b.dac.limit_set_v = 1.0;
            b.mux.rows = 1;
            b.mux.cols = 32;
        });
        ok(&|b| b.read_voltage_v = 0.1);
        ok(&|b| {
            b.read_voltage_v = 0.3;
            b.tia_gain_ohm = 15_000.0;
        });
        ok(&|b| b.adc.bits = 8);
        ok(&|b| b.read_noise_us = 46.0);
        ok(&|b| b.adc.settling_ns = 0);
    }

    #[test]
    fn every_bad_field_is_refused_by_name() {
        type Edit = fn(&mut BoardConfig);
        let cases: [(&str, Edit); 40] = [
            ("name", |b| b.name = " ".into()),
            ("clock_hz", |b| b.clock_hz = 0),
            ("clock_hz", |b| b.clock_hz = 999_999),
            ("clock_hz", |b| b.clock_hz = 10_000_000_000),
            ("oscillator_hz", |b| b.oscillator_hz = 0),
            ("oscillator_hz", |b| b.oscillator_hz = 999_999),
            ("oscillator_hz", |b| b.oscillator_hz = 500_000_001),
            ("read_voltage_v", |b| b.read_voltage_v = f64::NAN),
            ("read_voltage_v", |b| b.read_voltage_v = 1.0),
            ("tia_gain_ohm", |b| b.tia_gain_ohm = -1.0),
            ("tia_gain_ohm", |b| b.tia_gain_ohm = f64::INFINITY),
            // The whole window in one code, and the window's top beyond full scale.
            ("tia_gain_ohm", |b| b.tia_gain_ohm = 100.0),
            ("tia_gain_ohm", |b| b.tia_gain_ohm = 40_000.0),
            ("adc.bits", |b| b.adc.bits = 20),
            ("adc.full_scale_v", |b| b.adc.full_scale_v = f64::NAN),
            ("adc.full_scale_v", |b| b.adc.full_scale_v = 100.0),
            ("adc.conversion_ns", |b| b.adc.conversion_ns = 0),
            ("adc.settling_ns", |b| b.adc.settling_ns = 2_000_000),
            ("dac.bits", |b| b.dac.bits = 2),
            ("dac.full_scale_v", |b| b.dac.full_scale_v = 0.0),
            ("dac.settling_ns", |b| b.dac.settling_ns = u32::MAX),
            ("adc.part", |b| b.adc.part = String::new()),
            ("dac.part", |b| b.dac.part = "x".repeat(65)),
            ("mux.part", |b| b.mux.part = " ".into()),
            ("adc.sclk_div", |b| b.adc.sclk_div = 0),
            ("dac.sclk_div", |b| b.dac.sclk_div = 256),
            // 12 MHz / 2 = 6 MHz beyond a 5 MHz part.
            ("mux.sclk_div", |b| b.mux.max_sclk_hz = 5_000_000),
            ("adc.max_sclk_hz", |b| b.adc.max_sclk_hz = 999_999),
            ("adc.t_quiet_ns", |b| b.adc.t_quiet_ns = 100_001),
            ("dac.reference_v", |b| b.dac.reference_v = f64::NAN),
            ("dac.limit_set_v", |b| b.dac.limit_set_v = 0.0),
            ("dac.limit_reset_v", |b| b.dac.limit_reset_v = 1.01),
            ("mux.rows", |b| b.mux.rows = 0),
            ("mux.cols", |b| b.mux.cols = 33),
            ("mux.switch_ns", |b| b.mux.switch_ns = 1_000_001),
            ("mux.max_sclk_hz", |b| b.mux.max_sclk_hz = 200_000_000),
            ("read_noise_us", |b| b.read_noise_us = f64::NAN),
            ("read_noise_us", |b| b.read_noise_us = 50.0),
            ("min_pulse_cycles", |b| b.min_pulse_cycles = 13),
            ("max_pulse_cycles", |b| b.max_pulse_cycles = 1000),
        ];
        for (field, edit) in cases {
            let mut b = BoardConfig::default_board();
            edit(&mut b);
            let e = b.validate().unwrap_err().to_string();
            assert!(e.contains(field) && !e.contains('\n'), "{field}: {e}");
        }
        let mut b = BoardConfig::default_board();
        b.min_pulse_cycles = 0;
        assert!(b
            .validate()
            .unwrap_err()
            .to_string()
            .contains("min_pulse_cycles"));
        // A narrower window (another read voltage) needs its own check.
        let b = BoardConfig::default_board();
        assert!(b
            .validate_for((300.0, 310.0))
            .unwrap_err()
            .to_string()
            .contains("tia_gain_ohm"));
    }
}
