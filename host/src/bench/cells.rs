//! The cells of a run: crossbars of simulated cells, each cell aged and started at a random
//! state, and its target; the same for every method and board, from the seed alone.

use ouro_board::frontend::Interlock;
use ouro_board::{Job, SimFrontend};
use ouro_core::board::BoardConfig;
use ouro_sim::device::{cell_seed, DeviceConfig};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// One cell of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// Index in the run.
    pub cell: usize,
    /// Target conductance, uS.
    pub target_us: f64,
    /// The job the board gets (row, column, target and tolerance in ADC codes).
    pub job: Job,
}

impl Target {
    /// Cell `cell` at (`row`, `col`) to `target_us` within `tolerance` (relative), in `board`'s
    /// ADC codes: the tolerance in codes is the target's code times `tolerance`, rounded down.
    pub fn new(
        cell: usize,
        row: u8,
        col: u8,
        target_us: f64,
        board: &BoardConfig,
        tolerance: f64,
    ) -> Self {
        let code = board.code_of_us(target_us);
        Self {
            cell,
            target_us,
            job: Job {
                row,
                col,
                target: code,
                tolerance: (f64::from(code) * tolerance).floor() as u16,
            },
        }
    }
}

/// What makes the cells: the device, the board, the seed and the run's shape.
#[derive(Debug, Clone)]
pub struct CellPlan<'a> {
    /// The device the cells are of.
    pub device: &'a DeviceConfig,
    /// The board (crossbar size, ADC).
    pub board: &'a BoardConfig,
    /// Seed.
    pub seed: u64,
    /// Random pulses applied to each cell before it starts (its history).
    pub age_pulses: usize,
    /// Relative tolerance.
    pub tolerance: f64,
    /// Target range, uS.
    pub target_range_us: (f64, f64),
}

impl CellPlan<'_> {
    /// Cells a crossbar holds.
    pub fn per_crossbar(&self) -> usize {
        self.board.mux.rows as usize * self.board.mux.cols as usize
    }

    /// Crossbar `k` (cells `k * per_crossbar ..`), its first `n` cells aged and started, and
    /// their targets.
    ///
    /// # Errors
    /// A message when the device refuses a start state (it cannot: the states are inside its
    /// window).
    pub fn crossbar(&self, k: usize, n: usize) -> Result<(SimFrontend, Vec<Target>), String> {
        let per = self.per_crossbar();
        let first = (k * per) as u64;
        let mut fe = SimFrontend::new(
            self.board,
            self.device,
            Interlock::of_board(self.board),
            self.board.mux.rows as u8,
            self.board.mux.cols as u8,
            self.seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            first,
        )
        .map_err(|e| e.to_string())?;
        let (lo, hi) = self.device.window_us();
        let (tlo, thi) = self.target_range_us;
        let cols = self.board.mux.cols as usize;
        let mut targets = Vec::with_capacity(n);
        for (j, cell) in fe.cells_mut().iter_mut().take(n).enumerate() {
            let index = k * per + j;
            let mut rng =
                Xoshiro256PlusPlus::seed_from_u64(cell_seed(self.seed ^ 0xBE4C_4000, index as u64));
            cell.age(self.age_pulses, &mut rng);
            cell.set_conductance_us(rng.random_range(lo..hi))
                .map_err(|e| e.to_string())?;
            let target_us = rng.random_range(tlo..thi);
            targets.push(Target::new(
                index,
                (j / cols) as u8,
                (j % cols) as u8,
                target_us,
                self.board,
                self.tolerance,
            ));
        }
        Ok((fe, targets))
    }
}
