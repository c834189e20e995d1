//! The analog front end (`docs/HDL.md`, "Front end"): the blocks between the sequencer and the
//! pins, each in its own file and each verilated and tested alone (`ouro-verilated`'s
//! `tests/frontend.rs`) against a model of its part that checks the datasheet timing.
//!
//! - [`DacSpi`]: a 16-bit write to the AD5541A, LDAC pulsed, then the settling time.
//! - [`AdcSpi`]: one AD7476A conversion (16 SCLK cycles), then the quiet time.
//! - [`CellReader`]: the read path's settling, `2^k` conversions, their average.
//! - [`CellSelect`]: the row and column ADG731 words, then their switching time.
//! - [`Pulser`]: the safety interlock, the DAC write, the pulse gate, the DAC back to 0 V.
//!
//! Every block is built from a [`Timing`] (`BoardConfig::timing`): SPI clocks are
//! `clock / (2 * div)` and waits are whole cycles. Every latency is a function in [`timing`],
//! which the Verilator tests hold the generated Verilog to, cycle for cycle. Conventions shared
//! by every block: `start` is sampled on an edge when the block is idle (`busy` low); that edge
//! is the first of the transaction and the pins change on it; `done` is high for the one cycle
//! after the last edge, when `busy` is already low, so that `start` may be raised in the `done`
//! cycle for a transaction back to back. A latency of `L` cycles means `done` is high in the
//! cycle after the `L`-th edge, counting the edge that samples `start` as the first.

mod adc;
mod dac;
mod pulser;
mod reader;
mod select;
pub mod timing;

pub use adc::AdcSpi;
pub use dac::DacSpi;
pub use ouro_core::frontend::Timing;
pub use pulser::{PulseLimits, Pulser};
pub use reader::CellReader;
pub use select::CellSelect;

use rust_hdl::prelude::*;

fn c<const N: usize>(v: u64) -> Constant<Bits<N>> {
    Constant::new(v.into())
}

/// The mask of the low bits that hold every value up to `v`: a down-counter that is loaded
/// with at most `v` and stops at 0 keeps its next value masked with it, so that synthesis sees
/// its high bits stay 0 and removes their flip-flops (the counters are 24 bits wide in the
/// Verilog, for the largest board timing).
fn low_mask(v: u64) -> u64 {
    (v + 1).next_power_of_two() - 1
}

/// Every block's constructor: the dividers fit the 8-bit half-period counters and the waits
/// the 24-bit wait counters (a `Timing` from a valid board file always does).
fn check_timing(t: &Timing) {
    for (name, div) in [
        ("dac_div", t.dac_div),
        ("adc_div", t.adc_div),
        ("mux_div", t.mux_div),
    ] {
        assert!(
            (1..=255).contains(&div),
            "{name} = {div} is outside 1..=255"
        );
    }
    for (name, w) in [
        ("dac_settle", t.dac_settle),
        ("adc_quiet", t.adc_quiet),
        ("read_settle", t.read_settle),
        ("mux_switch", t.mux_switch),
    ] {
        assert!(
            w < 1 << 24,
            "{name} = {w} cycles does not fit the 24-bit wait counter"
        );
    }
}
