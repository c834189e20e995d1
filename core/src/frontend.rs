//! The analog front end's parts on the board file: the crossbar's cell-select multiplexers
//! ([`MuxConfig`]), the SPI clock rules shared by the converters and the multiplexers, and the
//! front end's [`Timing`] in clock cycles, derived once from the board's nanosecond figures
//! (rounded up: every figure is a minimum). The gateware (`ouro_hdl::frontend`) is built from
//! a [`Timing`] and its latencies are functions of it.

use crate::board::BoardConfig;
use serde::{Deserialize, Serialize};

/// The cell-select multiplexers (one for the rows, one for the columns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MuxConfig {
    /// The part (both multiplexers are the same part).
    pub part: String,
    /// Crossbar rows (the row multiplexer's used channels, from channel 0).
    pub rows: u32,
    /// Crossbar columns (the column multiplexer's used channels, from channel 0).
    pub cols: u32,
    /// SPI clock divider: SCLK = clock_hz / (2 * sclk_div).
    pub sclk_div: u32,
    /// The part's fastest SCLK, Hz.
    pub max_sclk_hz: u64,
    /// Switching time after the word is latched (SYNC rising edge), ns: the datasheet's t_ON.
    pub switch_ns: u32,
}

/// The allowed SPI clock divider: SCLK = clock / (2 * div); the blocks count it in 8 bits.
pub const SCLK_DIV_RANGE: (u32, u32) = (1, 255);
/// The allowed fastest SCLK of a part, Hz (serial converters and switches of this kind run at
/// 1 to 100 MHz).
pub const MAX_SCLK_RANGE_HZ: (u64, u64) = (1_000_000, 100_000_000);
/// The longest allowed quiet time between two conversions, ns (datasheets give tens of ns).
pub const MAX_QUIET_NS: u32 = 100_000;
/// The longest allowed multiplexer switching time, ns (as for the settling times).
pub const MAX_SWITCH_NS: u32 = 1_000_000;
/// The largest crossbar side: the multiplexers take 5 address bits.
pub const MAX_CROSSBAR_SIDE: u32 = 32;

/// The front end's timing in clock cycles, derived from a board file by [`BoardConfig::timing`]:
/// every nanosecond figure rounded up to whole cycles. The gateware blocks are built from it and
/// their latencies (`ouro_hdl::frontend::timing`) are functions of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// FPGA clock, Hz.
    pub clock_hz: u64,
    /// DAC SPI divider (SCLK = clock / (2 * div)).
    pub dac_div: u32,
    /// DAC settling after LDAC, cycles (`dac.settling_ns`).
    pub dac_settle: u32,
    /// ADC SPI divider.
    pub adc_div: u32,
    /// ADC quiet time between conversions (CS high), cycles (`adc.t_quiet_ns`).
    pub adc_quiet: u32,
    /// Read path settling before the first conversion of a read, cycles (`adc.settling_ns`).
    pub read_settle: u32,
    /// Multiplexer SPI divider.
    pub mux_div: u32,
    /// Multiplexer switching time, cycles (`mux.switch_ns`).
    pub mux_switch: u32,
}

/// `ns` nanoseconds in whole cycles of a `clock_hz` clock, rounded up.
pub fn cycles_of_ns(ns: u32, clock_hz: u64) -> u32 {
    let c = (u128::from(ns) * u128::from(clock_hz)).div_ceil(1_000_000_000);
    u32::try_from(c).unwrap_or(u32::MAX)
}

impl BoardConfig {
    /// The front end's timing in clock cycles (the board must be valid).
    pub fn timing(&self) -> Timing {
        let c = |ns| cycles_of_ns(ns, self.clock_hz);
        Timing {
            clock_hz: self.clock_hz,
            dac_div: self.dac.sclk_div,
            dac_settle: c(self.dac.settling_ns),
            adc_div: self.adc.sclk_div,
            adc_quiet: c(self.adc.t_quiet_ns),
            read_settle: c(self.adc.settling_ns),
            mux_div: self.mux.sclk_div,
            mux_switch: c(self.mux.switch_ns),
        }
    }

    /// The DAC code of a pulse magnitude `v` volts (its sign is the polarity line's): the DAC's
    /// output stage maps codes `0..2^bits` linearly onto `0..dac.full_scale_v` at the cell, so
    /// `code = round(|v| / full_scale_v * 2^bits)`, at most `2^bits - 1`.
    pub fn dac_code_of_v(&self, v: f64) -> u16 {
        let full = f64::from(1u32 << self.dac.bits);
        let c = (v.abs() / self.dac.full_scale_v * full).round();
        c.clamp(0.0, full - 1.0) as u16
    }

    /// The magnitude, volts at the cell, of a DAC code (see [`Self::dac_code_of_v`]).
    pub fn v_of_dac_code(&self, code: u16) -> f64 {
        f64::from(code) * self.dac.full_scale_v / f64::from(1u32 << self.dac.bits)
    }

    /// The synthesized amplitude interlock, as DAC codes `(set, reset)`: the largest code whose
    /// magnitude is within `dac.limit_set_v` and `dac.limit_reset_v` (rounded down).
    pub fn dac_limit_codes(&self) -> (u16, u16) {
        let full = f64::from(1u32 << self.dac.bits);
        let code = |v: f64| (v / self.dac.full_scale_v * full).floor().min(full - 1.0) as u16;
        (code(self.dac.limit_set_v), code(self.dac.limit_reset_v))
    }

    /// The front end's fields against their ranges (part of [`BoardConfig::validate`]).
    pub(crate) fn check_front_end(&self) -> Result<(), String> {
        for (name, part) in [
            ("adc.part", &self.adc.part),
            ("dac.part", &self.dac.part),
            ("mux.part", &self.mux.part),
        ] {
            if part.trim().is_empty() || part.len() > 64 {
                return Err(format!(
                    "{name} must name the part in 1 to 64 characters, got {part:?}"
                ));
            }
        }
        for (name, div, max_hz) in [
            ("adc", self.adc.sclk_div, self.adc.max_sclk_hz),
            ("dac", self.dac.sclk_div, self.dac.max_sclk_hz),
            ("mux", self.mux.sclk_div, self.mux.max_sclk_hz),
        ] {
            let (hlo, hhi) = MAX_SCLK_RANGE_HZ;
            if !(hlo..=hhi).contains(&max_hz) {
                return Err(format!(
                    "{name}.max_sclk_hz = {max_hz} is outside the allowed range [{hlo}, {hhi}] Hz"
                ));
            }
            let (dlo, dhi) = SCLK_DIV_RANGE;
            if !(dlo..=dhi).contains(&div) {
                return Err(format!(
                    "{name}.sclk_div = {div} is outside the allowed range [{dlo}, {dhi}]"
                ));
            }
            let sclk = self.clock_hz / (2 * u64::from(div));
            if sclk > max_hz {
                return Err(format!(
                    "{name}.sclk_div = {div} gives SCLK = {sclk} Hz at clock_hz = {}, beyond {name}.max_sclk_hz = {max_hz}: raise {name}.sclk_div",
                    self.clock_hz
                ));
            }
        }
        if self.adc.t_quiet_ns > MAX_QUIET_NS {
            return Err(format!(
                "adc.t_quiet_ns = {} is outside the allowed range [0, {MAX_QUIET_NS}] ns",
                self.adc.t_quiet_ns
            ));
        }
        crate::board::in_range(
            "dac.reference_v",
            self.dac.reference_v,
            crate::board::FULL_SCALE_RANGE_V,
            "V",
        )?;
        for (name, v) in [
            ("dac.limit_set_v", self.dac.limit_set_v),
            ("dac.limit_reset_v", self.dac.limit_reset_v),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= self.dac.full_scale_v) {
                return Err(format!(
                    "{name} = {v} is outside the allowed range (0, dac.full_scale_v = {}] V",
                    self.dac.full_scale_v
                ));
            }
        }
        for (name, n) in [("mux.rows", self.mux.rows), ("mux.cols", self.mux.cols)] {
            if !(1..=MAX_CROSSBAR_SIDE).contains(&n) {
                return Err(format!(
                    "{name} = {n} is outside the allowed range [1, {MAX_CROSSBAR_SIDE}]"
                ));
            }
        }
        if self.mux.switch_ns > MAX_SWITCH_NS {
            return Err(format!(
                "mux.switch_ns = {} is outside the allowed range [0, {MAX_SWITCH_NS}] ns",
                self.mux.switch_ns
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_rounds_up() {
        assert_eq!(cycles_of_ns(0, 12_000_000), 0);
        assert_eq!(cycles_of_ns(1, 12_000_000), 1);
        assert_eq!(cycles_of_ns(1000, 12_000_000), 12);
        assert_eq!(cycles_of_ns(1001, 12_000_000), 13);
        assert_eq!(cycles_of_ns(50, 12_000_000), 1);
        let t = BoardConfig::default_board().timing();
        assert_eq!(
            t,
            Timing {
                clock_hz: 12_000_000,
                dac_div: 1,
                dac_settle: 12,
                adc_div: 1,
                adc_quiet: 1,
                read_settle: 24,
                mux_div: 1,
                mux_switch: 3,
            }
        );
    }

    #[test]
    fn dac_codes_and_limits() {
        let b = BoardConfig::default_board();
        assert_eq!(b.dac_code_of_v(0.0), 0);
        assert_eq!(b.dac_code_of_v(-0.5), 32768);
        assert_eq!(b.dac_code_of_v(0.5), 32768);
        assert_eq!(b.dac_code_of_v(5.0), 65535);
        assert!((b.v_of_dac_code(b.dac_code_of_v(0.7065)) - 0.7065).abs() < 1e-5);
        let (s, r) = b.dac_limit_codes();
        assert!(b.v_of_dac_code(s) <= b.dac.limit_set_v);
        assert!(b.v_of_dac_code(s + 1) > b.dac.limit_set_v);
        assert!(b.v_of_dac_code(r) <= b.dac.limit_reset_v);
    }
}
