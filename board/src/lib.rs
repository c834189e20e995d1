//! The board side of ouro. [`sequencer`] is the pulse sequencer's behaviour as a
//! transaction-level model: per cell, the reads, predictions and pulses the gateware sequencer
//! performs and the clock cycles each costs, exactly (the Verilator tests compare them cycle for
//! cycle), fast enough to program hundreds of thousands of cells a second. [`frontend`] is the
//! analog front end it drives, simulated: a crossbar of simulated cells behind the board file's
//! ADC and DAC, with the cycles each select, read and pulse takes. [`machine`] is the whole
//! board at the level of the host link protocol: [`BoardModel`] answers every request as the
//! board's command decoder does, byte for byte.

pub mod frontend;
pub mod machine;
pub mod sequencer;

pub use frontend::{FrontTiming, Frontend, SimFrontend};
pub use machine::BoardModel;
pub use sequencer::{Job, Mode, Outcome, Record, SeqConfig, SequencerModel};

/// Errors of the board crate.
#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    /// A sequencer setting is outside its range.
    #[error("sequencer setting {name} = {value} is out of range: {why}")]
    Setting {
        /// The setting.
        name: &'static str,
        /// The value given.
        value: u64,
        /// The valid range, or why the value cannot work.
        why: String,
    },
    /// The predictor cannot run on the sequencer.
    #[error("the predictor cannot run on the sequencer: {0}")]
    Predictor(String),
    /// A cell address outside the crossbar.
    #[error("cell ({row}, {col}) is outside the {rows} x {cols} crossbar")]
    Cell {
        /// Row given.
        row: u8,
        /// Column given.
        col: u8,
        /// Rows of the crossbar.
        rows: u8,
        /// Columns of the crossbar.
        cols: u8,
    },
}
