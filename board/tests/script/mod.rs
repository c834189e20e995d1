//! A front end that replays scripted readings, records the pulses asked for, and takes fixed
//! latencies (shared by the model's tests).

use ouro_board::sequencer::{PulseResult, Refusal};
use ouro_board::Frontend;
use ouro_core::Polarity;

/// The scripted front end.
#[derive(Debug, Default)]
pub struct Script {
    /// The readings, in order.
    pub codes: Vec<u16>,
    /// The pulses asked for.
    pub pulses: Vec<(Polarity, u16, u32)>,
    /// Refuse pulses longer than this.
    pub refuse_above: Option<u32>,
}

/// Select latency.
pub const SEL: u32 = 5;
/// Read latency per conversion.
pub const READ: u32 = 7;
/// Pulse latency beyond its duration.
pub const PULSE_EXTRA: u32 = 3;

impl Frontend for Script {
    fn select(&mut self, _row: u8, _col: u8) -> u32 {
        SEL
    }
    fn read(&mut self, reads_log2: u8) -> (u16, u32) {
        (self.codes.remove(0), READ << reads_log2)
    }
    fn pulse(&mut self, polarity: Polarity, dac_code: u16, cycles: u32) -> PulseResult {
        if self.refuse_above.is_some_and(|m| cycles > m) {
            return PulseResult {
                refused: Some(Refusal::DurationAbove),
                latency: 1,
            };
        }
        self.pulses.push((polarity, dac_code, cycles));
        PulseResult {
            refused: None,
            latency: PULSE_EXTRA + cycles,
        }
    }
}
