//! [`SimBoard`]: the verilated board top behind the [`Board`] interface.

use super::{Board, LinkError};
use ouro_board::SimFrontend;
use ouro_core::board::BoardConfig;
use ouro_verilated::TopSim;

/// Cycles the host waits for an answer: the longest response (a FETCH of 51 records, 1,028
/// bytes, up to twice that stuffed) at 10 bits a byte and `clock / baud` cycles a bit, twice.
fn answer_cycles(board: &BoardConfig) -> u64 {
    let per_bit = board.clock_hz / u64::from(ouro_core::protocol::BAUD);
    2 * 2 * 1030 * 10 * per_bit.max(1) + 100_000
}

/// The board top as Verilator simulates it, at its pins: the host's frames shift in on the
/// UART pin at the protocol's baud rate, the front end's pins drive models of the real DAC,
/// ADC and multiplexers (each checking its datasheet timing), wired to a crossbar of simulated
/// cells. Every cycle is the gateware's.
pub struct SimBoard {
    sim: TopSim,
    board: BoardConfig,
}

impl std::fmt::Debug for SimBoard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimBoard({:?})", self.sim)
    }
}

impl SimBoard {
    /// The verilated top built with the shipped default predictor (`block`:
    /// `ouro_verilated::TOP_BLOCK`, or `TOP_NOMINAL_BLOCK` for the one with input tables), on
    /// `board`, programming the cells of `fe`.
    ///
    /// # Errors
    /// [`LinkError`] when this build of ouro has no verilated top (Verilator was missing when
    /// it was built).
    pub fn new(block: &str, board: &BoardConfig, fe: SimFrontend) -> Result<Self, LinkError> {
        let sim = TopSim::of_block(block, board, fe).ok_or_else(|| {
            LinkError(
                "this ouro was built without Verilator, so it has no simulated board: install \
                 it (scripts/setup), rebuild (cargo build --release), or use --board model"
                    .into(),
            )
        })?;
        Ok(Self {
            sim,
            board: board.clone(),
        })
    }

    /// The simulation (its cycle count, the pulses at its pins, its cells).
    pub fn sim(&self) -> &TopSim {
        &self.sim
    }

    /// Problems the part models saw (timing violations); empty when the gateware kept every
    /// datasheet rule.
    pub fn problems(&self) -> Vec<String> {
        self.sim.problems()
    }
}

impl Board for SimBoard {
    fn name(&self) -> String {
        "sim".into()
    }

    fn exchange(&mut self, payload: &[u8]) -> Result<Vec<u8>, LinkError> {
        self.sim
            .request(payload, answer_cycles(&self.board))
            .map_err(|e| LinkError(format!("simulated board: {e}")))
    }

    fn wait_us(&mut self, us: f64) {
        let cycles = (us * self.board.clock_hz as f64 / 1e6).ceil().max(1.0);
        self.sim.run(cycles as u64);
    }
}
