//! The front end blocks' latencies in clock cycles, as functions of the board's [`Timing`]
//! (`docs/HDL.md`, "Front end"). A latency `L` means `done` is high in the cycle after the
//! `L`-th edge, counting the edge that samples `start` as the first. The Verilator tests
//! (`ouro-verilated`'s `tests/frontend.rs`) hold every block to these, cycle for cycle.

use ouro_core::frontend::Timing;

/// Bits of an AD5541A word.
pub const DAC_BITS: u32 = 16;
/// SCLK cycles of an AD7476A frame (4 leading zeros, 12 data bits).
pub const ADC_CLOCKS: u32 = 16;
/// Bits of an ADG731 word (EN, CS, a don't-care bit, 5 address bits).
pub const MUX_BITS: u32 = 8;
/// Cycles from `start` to `done` of a refused pulse request.
pub const REFUSE_CYCLES: u32 = 3;
/// The largest `reads_log2` a read takes (larger values read 16 times).
pub const MAX_READS_LOG2: u32 = 4;

/// Cycles from LDAC falling to `done` of a DAC write: the settling time, and at least the
/// LDAC pulse (one SCLK half period).
pub fn dac_wait(t: &Timing) -> u32 {
    t.dac_settle.max(t.dac_div)
}

/// Cycles from CS rising to `done` of a conversion: t_quiet, at least one cycle (so CS is high
/// for at least `adc_wait + 1` cycles between conversions back to back).
pub fn adc_wait(t: &Timing) -> u32 {
    t.adc_quiet.max(1)
}

/// Cycles from the column multiplexer's SYNC rising to `done`: the switching time, at least one.
pub fn select_wait(t: &Timing) -> u32 {
    t.mux_switch.max(1)
}

/// `DacSpi`: CS falls on the first edge; 16 bits take 32 SCLK half periods of `dac_div`
/// cycles; CS rises one half period after the last SCLK falling edge, LDAC falls one half
/// period later and rises one after that; `done` follows LDAC's fall by [`dac_wait`].
pub fn dac_write_cycles(t: &Timing) -> u32 {
    1 + t.dac_div * (2 * DAC_BITS + 2) + dac_wait(t)
}

/// `AdcSpi`: CS falls on the first edge; 16 SCLK cycles of 2 half periods each; CS rises one
/// half period after the 16th rising edge; `done` follows by [`adc_wait`].
pub fn adc_cycles(t: &Timing) -> u32 {
    1 + t.adc_div * (2 * ADC_CLOCKS + 1) + adc_wait(t)
}

/// `CellReader` with `2^reads_log2` conversions (`reads_log2` above 4 counts as 4): the read
/// path's settling, then the conversions back to back, then one cycle for the average.
pub fn read_cycles(t: &Timing, reads_log2: u32) -> u32 {
    t.read_settle + 2 + (1 << reads_log2.min(MAX_READS_LOG2)) * adc_cycles(t)
}

/// `CellSelect`: the row word (SYNC_row low for 17 half periods), SYNC_row high for one half
/// period, the column word (17 half periods), SYNC_col rising, then [`select_wait`].
pub fn select_cycles(t: &Timing) -> u32 {
    1 + t.mux_div * (4 * MUX_BITS + 3) + select_wait(t)
}

/// `Pulser`, an accepted request of `cycles` cycles: two cycles of checks, the DAC write, the
/// gate high for exactly `cycles` cycles, the DAC written back to code 0, one cycle to `done`.
/// The gate rises on edge `pulse_gate_edge(t)`.
pub fn pulse_cycles(t: &Timing, cycles: u32) -> u32 {
    2 * dac_write_cycles(t) + cycles + 4
}

/// The edge (counted as in [`pulse_cycles`]) on which an accepted request's gate rises; it
/// falls `cycles` edges later.
pub fn pulse_gate_edge(t: &Timing) -> u32 {
    dac_write_cycles(t) + 3
}

#[cfg(test)]
mod tests {
    use super::*;
    use ouro_core::board::BoardConfig;

    #[test]
    fn icebreaker_latencies() {
        let t = BoardConfig::default_board().timing();
        assert_eq!(dac_write_cycles(&t), 1 + 34 + 12);
        assert_eq!(adc_cycles(&t), 1 + 33 + 1);
        assert_eq!(read_cycles(&t, 2), 24 + 2 + 4 * 35);
        assert_eq!(select_cycles(&t), 1 + 35 + 3);
        assert_eq!(pulse_cycles(&t, 1000), 2 * 47 + 1000 + 4);
    }

    #[test]
    #[should_panic(expected = "adc_div = 0")]
    fn a_zero_divider_is_refused() {
        let t = Timing {
            adc_div: 0,
            ..BoardConfig::default_board().timing()
        };
        let _ = crate::frontend::AdcSpi::new(&t);
    }
}
