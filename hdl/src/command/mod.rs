//! The command decoder and its memories (`docs/HDL.md`, "Command decoder"): the board's end of
//! the host protocol (`docs/PROTOCOL.md`, `ouro_core::protocol`) above the link's frame
//! receiver and transmitter. [`Decoder`] reads a request from the receive buffer, checks it
//! completely ([`ItemCheck`] per item) before it changes anything, applies it (settings
//! registers, the engine's load port, the table memory, the [`JobQueue`], the front end for the
//! raw commands) and streams the response, taking records from the [`ResultStore`]. The
//! behaviour, byte for byte, is `ouro_board::BoardModel`'s.

mod check;
mod decoder;
mod queue;
mod results;

pub use check::ItemCheck;
pub use decoder::{DecState, Decoder};
pub use queue::JobQueue;
pub use results::ResultStore;

use rust_hdl::prelude::*;

pub use crate::identity::{QUEUE_CAPACITY, RESULT_CAPACITY, TABLE_WORDS};

// One SPRAM each: 4,096 jobs of four words, 1,024 records of sixteen, the table memory.
const _: () = assert!(QUEUE_CAPACITY * 4 == crate::mem::SPRAM_WORDS);
const _: () = assert!(RESULT_CAPACITY * 16 == crate::mem::SPRAM_WORDS);
const _: () = assert!(TABLE_WORDS == crate::mem::SPRAM_WORDS);

fn b<const N: usize>(v: u64) -> Constant<Bits<N>> {
    Constant::new(v.into())
}

/// What the decoder must know of the build: the crossbar, the ADC, the engine's load-port
/// geometry, the modes the sequencer runs and the IDENTIFY bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    /// Crossbar rows (cells' rows are below).
    pub rows: u8,
    /// Crossbar columns.
    pub cols: u8,
    /// ADC resolution, bits (targets and input offsets are below `2^adc_bits`).
    pub adc_bits: u32,
    /// Engine lanes.
    pub lanes: usize,
    /// Words of a lane's weight bank.
    pub weight_depth: usize,
    /// Words of a lane's bias bank.
    pub bias_depth: usize,
    /// Entries of the `weight_frac` table.
    pub frac_depth: usize,
    /// The MODE values the sequencer runs, bit `m` for mode `m`.
    pub modes: u8,
    /// The largest LOG2_BASE: the table memory's words less the `LOG2` table's.
    pub log2_base_max: u32,
    /// The largest INPUT_TABLE_BASE: the table memory's words less the input tables'.
    pub input_base_max: u32,
    /// The IDENTIFY data (36 bytes).
    pub identity: [u8; 36],
}
