//! The analog front end as the sequencer sees it: select a cell, read it, pulse it; each a
//! handshake that takes some cycles. [`SimFrontend`] simulates it: a crossbar of simulated cells
//! read through the board file's ADC, pulsed through its DAC, behind a safety interlock.

use crate::sequencer::{PulseResult, Refusal};
use crate::BoardError;
use ouro_core::board::BoardConfig;
use ouro_core::Polarity;
use ouro_sim::device::{Cell, DeviceConfig};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The front end's three operations. Each returns its latency: the cycles from the cycle the
/// sequencer raises the block's `start` to the cycle the block raises `done`.
pub trait Frontend {
    /// Connect the cell at (`row`, `col`).
    fn select(&mut self, row: u8, col: u8) -> u32;
    /// Read the connected cell: the sum of `2^reads_log2` conversions shifted right by
    /// `reads_log2`, and the latency.
    fn read(&mut self, reads_log2: u8) -> (u16, u32);
    /// Pulse the connected cell at `dac_code` for `cycles` cycles, unless the interlock refuses.
    fn pulse(&mut self, polarity: Polarity, dac_code: u16, cycles: u32) -> PulseResult;
    /// The connected cell, where the front end is simulated (a reference method that knows
    /// the cell, [`crate::sequencer::Chooser`], looks at it); `None` for real hardware.
    fn cell(&self) -> Option<&Cell> {
        None
    }
}

/// The front end's latencies, in clock cycles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrontTiming {
    /// Select a cell: write both multiplexers and wait for them to switch.
    pub select: u32,
    /// A read's cycles besides its conversions: the read path's settling and the average.
    pub read_settle: u32,
    /// One conversion (its SPI frame and the quiet time after it).
    pub conversion: u32,
    /// Up to the edge that opens the gate: the interlock's checks, the DAC write and settling.
    pub pulse_setup: u32,
    /// After the gate closes: the DAC written back to its idle code, and `done`.
    pub pulse_teardown: u32,
    /// A refused pulse: the interlock's check.
    pub refusal: u32,
}

impl FrontTiming {
    /// The latencies of `board`'s front end: those of the gateware blocks built from its timing
    /// (`ouro_hdl::frontend::timing`, which the front end's Verilator tests hold the blocks to).
    pub fn of_board(board: &BoardConfig) -> Self {
        use ouro_hdl::frontend::timing as t;
        let tm = board.timing();
        Self {
            select: t::select_cycles(&tm),
            read_settle: t::read_cycles(&tm, 0) - t::adc_cycles(&tm),
            conversion: t::adc_cycles(&tm),
            pulse_setup: t::pulse_gate_edge(&tm),
            pulse_teardown: t::pulse_cycles(&tm, 0) - t::pulse_gate_edge(&tm),
            refusal: t::REFUSE_CYCLES,
        }
    }

    /// Latency of a read of `2^reads_log2` conversions.
    pub fn read(&self, reads_log2: u8) -> u32 {
        self.read_settle + (self.conversion << reads_log2)
    }

    /// Latency of an applied pulse of `cycles` cycles.
    pub fn pulse(&self, cycles: u32) -> u32 {
        self.pulse_setup + cycles + self.pulse_teardown
    }
}

/// The interlock's synthesized limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interlock {
    /// Shortest pulse, cycles.
    pub min_cycles: u32,
    /// Longest pulse, cycles.
    pub max_cycles: u32,
    /// Largest DAC code, by polarity (SET, RESET).
    pub max_dac: [u16; 2],
}

impl Interlock {
    /// A board's interlock: its pulse-duration limits and the DAC codes of its amplitude limits
    /// (as the gateware's `Pulser` is built, `ouro_hdl::frontend::PulseLimits::of_board`).
    pub fn of_board(board: &BoardConfig) -> Self {
        let l = ouro_hdl::frontend::PulseLimits::of_board(board);
        Self {
            min_cycles: l.min_cycles,
            max_cycles: l.max_cycles,
            max_dac: [l.max_code_set, l.max_code_reset],
        }
    }

    /// Why a request is refused, if it is.
    pub fn check(&self, polarity: Polarity, dac_code: u16, cycles: u32) -> Option<Refusal> {
        let max_dac = match polarity {
            Polarity::Set => self.max_dac[0],
            Polarity::Reset => self.max_dac[1],
        };
        if cycles > self.max_cycles {
            Some(Refusal::DurationAbove)
        } else if cycles < self.min_cycles {
            Some(Refusal::DurationBelow)
        } else if dac_code > max_dac {
            Some(Refusal::AmplitudeBeyond)
        } else {
            None
        }
    }
}

/// A simulated crossbar: `rows x cols` simulated cells of one device, the board's read path
/// (noise, ADC) and DAC, its timing and interlock.
#[derive(Debug, Clone)]
pub struct SimFrontend {
    board: BoardConfig,
    timing: FrontTiming,
    interlock: Interlock,
    cols: u8,
    cells: Vec<Cell>,
    selected: usize,
    /// The read noise: one stream per run of conversions of one cell (see [`Self::convert`]).
    noise: Noise,
}

/// The read noise of a crossbar. Each run of conversions of one cell (until a conversion of
/// another cell) draws from a stream of its own, keyed by the seed, the cell's number and how
/// many runs that cell had before: a cell's readings do not depend on which cells were read
/// before it, so a run that skips the cells an earlier, interrupted run finished reads every
/// other cell exactly as the uninterrupted run would.
#[derive(Debug, Clone)]
struct Noise {
    seed: u64,
    first_cell: u64,
    /// The cell the stream belongs to.
    cell: usize,
    /// Runs of conversions so far, per cell.
    runs: Vec<u32>,
    rng: Xoshiro256PlusPlus,
}

impl Noise {
    fn new(seed: u64, first_cell: u64, cells: usize) -> Self {
        let mut me = Self {
            seed,
            first_cell,
            cell: 0,
            runs: vec![0; cells],
            rng: Xoshiro256PlusPlus::seed_from_u64(0),
        };
        me.start(0);
        me
    }

    /// Begin a run of conversions of `cell`.
    fn start(&mut self, cell: usize) {
        let run = self.runs[cell];
        self.runs[cell] += 1;
        self.cell = cell;
        let key = ((self.first_cell + cell as u64) << 24) ^ u64::from(run);
        self.rng = Xoshiro256PlusPlus::seed_from_u64(ouro_sim::device::cell_seed(
            self.seed ^ 0x005E_AD0F_0BAD,
            key,
        ));
    }

    /// The stream for a conversion of `cell`.
    fn of(&mut self, cell: usize) -> &mut Xoshiro256PlusPlus {
        if cell != self.cell {
            self.start(cell);
        }
        &mut self.rng
    }
}

impl SimFrontend {
    /// A crossbar of `rows x cols` cells of `device` (cell `r * cols + c` seeded as the
    /// characterization seeds cell number `first_cell + r * cols + c` of `seed`), read noise drawn
    /// from streams of `seed` and the cell (see [`Self::convert`]).
    ///
    /// # Errors
    /// [`BoardError::Setting`] for an empty crossbar.
    pub fn new(
        board: &BoardConfig,
        device: &DeviceConfig,
        interlock: Interlock,
        rows: u8,
        cols: u8,
        seed: u64,
        first_cell: u64,
    ) -> Result<Self, BoardError> {
        if rows == 0 || cols == 0 {
            return Err(BoardError::Setting {
                name: "crossbar",
                value: u64::from(rows) * u64::from(cols),
                why: "at least one row and one column".into(),
            });
        }
        let n = usize::from(rows) * usize::from(cols);
        let cells = (0..n as u64)
            .map(|i| Cell::new(device, ouro_sim::device::cell_seed(seed, first_cell + i)))
            .collect();
        Ok(Self {
            board: board.clone(),
            timing: FrontTiming::of_board(board),
            interlock,
            cols,
            cells,
            selected: 0,
            noise: Noise::new(seed, first_cell, n),
        })
    }

    /// The cells, row by row.
    pub fn cells_mut(&mut self) -> &mut [Cell] {
        &mut self.cells
    }

    /// The cells, row by row.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The latencies.
    pub fn timing(&self) -> FrontTiming {
        self.timing
    }

    /// Use other latencies (for tests that want short ones).
    pub fn set_timing(&mut self, timing: FrontTiming) {
        self.timing = timing;
    }

    /// Connect the cell at (`row`, `col`) (an address beyond the crossbar connects the last
    /// cell). [`Frontend::select`] is this plus its latency; a harness that drives the gateware
    /// at its pins calls it when the multiplexers switch.
    pub fn connect(&mut self, row: u8, col: u8) {
        self.selected = (usize::from(row) * usize::from(self.cols) + usize::from(col))
            .min(self.cells.len() - 1);
    }

    /// One conversion of the connected cell: its conductance with fresh read noise, as an ADC
    /// code. [`Frontend::read`] averages `2^k` of these, drawn from the same noise stream in the
    /// same order, so a pin-level harness that converts at each ADC frame gets the same codes.
    /// The noise of a run of conversions of one cell comes from a stream of that cell and run
    /// alone: a cell reads the same whichever cells were read before it.
    pub fn convert(&mut self) -> u16 {
        let g = self.cells[self.selected].conductance_us();
        ouro_sim::readout::read_code(&self.board, g, self.noise.of(self.selected))
    }

    /// Apply a pulse to the connected cell at `dac_code` (its magnitude, the board's DAC
    /// conversion) for `cycles` clock cycles, without the interlock: for a harness whose
    /// gateware interlock has already judged it.
    pub fn apply(&mut self, polarity: Polarity, dac_code: u16, cycles: u32) {
        let v = self.board.v_of_dac_code(dac_code);
        let amplitude = match polarity {
            Polarity::Set => -v,
            Polarity::Reset => v,
        };
        let width = f64::from(cycles) * self.board.clock_period_s();
        self.cells[self.selected].apply_pulse_with_amplitude(amplitude, width);
    }

    /// The interlock pulses are checked against.
    pub fn interlock(&self) -> Interlock {
        self.interlock
    }

    /// Check pulses against `interlock` from now on (the board tightens the synthesized limits
    /// with the run-time ones the host configures).
    pub fn set_interlock(&mut self, interlock: Interlock) {
        self.interlock = interlock;
    }
}

impl Frontend for SimFrontend {
    fn select(&mut self, row: u8, col: u8) -> u32 {
        self.connect(row, col);
        self.timing.select
    }

    fn read(&mut self, reads_log2: u8) -> (u16, u32) {
        // The sum of 2^k conversions, shifted right by k (`read_mean_code`'s average).
        let n = 1u32 << reads_log2;
        let sum: u32 = (0..n).map(|_| u32::from(self.convert())).sum();
        ((sum / n) as u16, self.timing.read(reads_log2))
    }

    fn pulse(&mut self, polarity: Polarity, dac_code: u16, cycles: u32) -> PulseResult {
        if let Some(why) = self.interlock.check(polarity, dac_code, cycles) {
            return PulseResult {
                refused: Some(why),
                latency: self.timing.refusal,
            };
        }
        self.apply(polarity, dac_code, cycles);
        PulseResult {
            refused: None,
            latency: self.timing.pulse(cycles),
        }
    }

    fn cell(&self) -> Option<&Cell> {
        self.cells.get(self.selected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crossbar(seed: u64) -> SimFrontend {
        let board = BoardConfig::default_board();
        let dev = DeviceConfig::preset("realistic");
        SimFrontend::new(&board, &dev, Interlock::of_board(&board), 4, 4, seed, 0).unwrap()
    }

    fn readings(fe: &mut SimFrontend, row: u8, col: u8) -> Vec<u16> {
        fe.select(row, col);
        (0..8).map(|_| fe.convert()).collect()
    }

    #[test]
    fn a_cell_reads_the_same_whichever_cells_were_read_before() {
        // As a resumed run does: skip the cells an interrupted run finished.
        let mut all = crossbar(7);
        let mut skipping = crossbar(7);
        let first: Vec<Vec<u16>> = (0..4).map(|c| readings(&mut all, 0, c)).collect();
        assert_eq!(readings(&mut skipping, 0, 2), first[2]);
        assert_eq!(readings(&mut skipping, 0, 3), first[3]);
        // A second run of conversions of a cell draws fresh noise, the same in both.
        assert_eq!(readings(&mut all, 0, 2), readings(&mut skipping, 0, 2));
        // Selecting a cell without converting it changes nothing.
        let mut a = crossbar(7);
        let mut b = crossbar(7);
        b.select(1, 1);
        assert_eq!(readings(&mut a, 0, 0), readings(&mut b, 0, 0));
        // Negative: another seed, or another cell, reads other noise.
        assert_ne!(readings(&mut crossbar(8), 0, 2), first[2]);
        let mut c = crossbar(7);
        c.cells_mut()[1] = c.cells()[2].clone();
        assert_ne!(readings(&mut c, 0, 1), first[2]);
    }
}
