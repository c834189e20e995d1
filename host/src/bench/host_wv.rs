//! Host-driven adaptive write-and-verify: the host decides every pulse and the board only
//! reads and pulses (`READ_CELL`, `RAW_PULSE`), one serial round trip each, as instruments
//! that verify from the host do. The board's time comes from the front end's latencies (the
//! gateware's), the link's from the frames' bytes at the baud rate plus the USB adapter's
//! latency timer once per answer.

use crate::board::{LinkError, Session};
use ouro_board::frontend::FrontTiming;
use ouro_board::sequencer::Outcome;
use ouro_core::protocol::{frame, Request, Response, BAUD};
use ouro_core::Polarity;

/// The host-driven method's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostWv {
    /// log2 of the conversions a read averages.
    pub reads_log2: u8,
    /// Most pulses per cell.
    pub max_attempts: u8,
    /// The first pulse's duration, cycles (doubled while the error keeps its sign, halved on
    /// an overshoot, as the board's adaptive mode).
    pub start_cycles: u32,
    /// The pulse amplitude, DAC code by polarity.
    pub dac: [u16; 2],
    /// Duration limits, cycles.
    pub min_cycles: u32,
    /// Duration limits, cycles.
    pub max_cycles: u32,
    /// The front end's latencies.
    pub timing: FrontTiming,
    /// The USB adapter's latency timer, us: an answer shorter than its buffer waits this long
    /// (the FT2232H's default is 16 ms, its shortest 1 ms).
    pub latency_timer_us: f64,
}

/// What one cell cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostCell {
    /// How it ended.
    pub outcome: Outcome,
    /// The last reading.
    pub final_code: u16,
    /// Pulses applied.
    pub pulses: u32,
    /// Reads.
    pub reads: u32,
    /// Gate time, cycles.
    pub pulse_cycles: u64,
    /// The board's cycles (selects, reads, pulses).
    pub board_cycles: u64,
    /// Of those, the reads'.
    pub read_cycles: u64,
    /// Of those, the pulses'.
    pub pulse_step_cycles: u64,
    /// The link's time, us.
    pub link_us: f64,
}

/// Microseconds on the wire for a request and its answer (8N1: 10 bits a byte).
fn wire_us(req: &Request, resp: &Response) -> f64 {
    let bytes = |p: Vec<u8>| frame(&p).map(|f| f.len()).unwrap_or(0) as f64;
    let n = bytes(req.encode().unwrap_or_default()) + bytes(resp.encode().unwrap_or_default());
    n * 10.0 / f64::from(BAUD) * 1e6
}

impl HostWv {
    /// Program one cell from the host.
    ///
    /// # Errors
    /// [`LinkError`].
    pub fn program(
        &self,
        s: &mut Session<'_>,
        row: u8,
        col: u8,
        target: u16,
        tolerance: u16,
    ) -> Result<HostCell, LinkError> {
        let t = self.timing;
        let read_req = Request::ReadCell {
            tag: 0,
            row,
            col,
            reads_log2: self.reads_log2,
        };
        let read_wire = wire_us(&read_req, &Response::ReadCell { tag: 0, code: 0 });
        let read_board = u64::from(t.select + 1 + t.read(self.reads_log2) + 1);
        let mut c = HostCell {
            outcome: Outcome::InTolerance,
            final_code: 0,
            pulses: 0,
            reads: 0,
            pulse_cycles: 0,
            board_cycles: 0,
            read_cycles: 0,
            pulse_step_cycles: 0,
            link_us: 0.0,
        };
        let read = |s: &mut Session<'_>, c: &mut HostCell| -> Result<u16, LinkError> {
            let code = s.read_cell(row, col, self.reads_log2)?;
            c.reads += 1;
            c.board_cycles += read_board;
            c.read_cycles += u64::from(t.read(self.reads_log2) + 1);
            c.link_us += read_wire + self.latency_timer_us;
            Ok(code)
        };
        let mut code = read(s, &mut c)?;
        let mut duration = 0u32;
        let mut last: Option<Polarity> = None;
        c.outcome = loop {
            if code.abs_diff(target) <= tolerance {
                break Outcome::InTolerance;
            }
            if c.pulses >= u32::from(self.max_attempts) {
                break Outcome::AttemptLimit;
            }
            let p = Polarity::towards(code, target).expect("outside the tolerance: not equal");
            duration = if last.is_none() {
                self.start_cycles.clamp(self.min_cycles, self.max_cycles)
            } else if last == Some(p) {
                duration.saturating_mul(2).min(self.max_cycles)
            } else {
                (duration / 2).max(self.min_cycles)
            };
            last = Some(p);
            let dac = self.dac[usize::from(p == Polarity::Reset)];
            let req = Request::RawPulse {
                tag: 0,
                row,
                col,
                polarity: p,
                dac_code: dac,
                cycles: duration,
            };
            c.link_us += wire_us(&req, &Response::RawPulse { tag: 0 }) + self.latency_timer_us;
            if !s.raw_pulse(row, col, p, dac, duration)? {
                c.board_cycles += u64::from(t.select + 1 + t.refusal + 1);
                break Outcome::RefusedSafety;
            }
            let step = u64::from(t.pulse(duration) + 1);
            c.board_cycles += u64::from(t.select + 1) + step;
            c.pulse_step_cycles += step;
            c.pulse_cycles += u64::from(duration);
            c.pulses += 1;
            code = read(s, &mut c)?;
        };
        c.final_code = code;
        Ok(c)
    }
}
