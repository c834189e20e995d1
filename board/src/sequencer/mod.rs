//! The pulse sequencer's behaviour: its settings ([`SeqConfig`]), the jobs it takes ([`Job`]),
//! the record it leaves per cell ([`Record`]), and its transaction-level model
//! ([`SequencerModel`]), which the gateware sequencer equals cycle for cycle.
//!
//! # What the sequencer does with one cell
//!
//! It connects the cell (select), reads it, and then, until the reading is within the tolerance
//! of the target or the attempt limit is reached: chooses a pulse (by the mode), applies it and
//! reads again. Every step is a handshake with a front-end block or the predictor engine: the
//! sequencer raises the block's `start` for one cycle and waits for its one-cycle `done`, `L`
//! cycles later (the block's latency); the step then costs `L + 1` cycles, because the sequencer
//! raises the next `start` in the cycle after `done`. Between steps:
//!
//! | step | cycles |
//! |---|---|
//! | accept the job | [`ACCEPT_CYCLES`] |
//! | select the cell | select latency + 1 |
//! | read (the average of `2^reads_log2` conversions) | read latency + 1 |
//! | decide (tolerance, attempt limit, the next pulse) | [`DECIDE_CYCLES`] |
//! | a blind prediction: write the engine's two input words, start it | [`PREDICT_SETUP_CYCLES`] ([`TABLE_SETUP_CYCLES`] with input tables: two table reads first) |
//! | a history prediction: write its five input words (one from the `LOG2` table), start it | [`HISTORY_SETUP_CYCLES`] ([`HISTORY_TABLE_SETUP_CYCLES`] with input tables: two table reads first) |
//! | a prediction again at the next amplitude level: write the level word, start it | [`ESCALATE_SETUP_CYCLES`] |
//! | each prediction | engine latency + 1 |
//! | pulse | pulse latency + 1 |
//! | report | [`REPORT_CYCLES`] |
//!
//! The neural loop corrects the network per cell ([`LoopGain`]): a power of two multiplies the
//! predicted duration ([`scale`]), between 2^-4 and 2^7, and each polarity has an amplitude
//! level of the ladder (`LEVEL_DAC`, up to `NEURAL_LEVELS`). After a pulse that left more than
//! half of the error in the same direction (the cell is slower than the network believes) the
//! level goes one up while the gain is at least 1 (and the level is below the one the polarity's
//! last overshoot left it at, or the gain has reached 4), else the gain doubles; after an
//! overshoot the gain halves and the overshooting polarity's level goes one down. The product
//! is clamped to the duration limits again; a duration of at most `FINE_BELOW_CYCLES` at level
//! 0 goes at the fine amplitude.
//!
//! Probe-then-predict (modes 2 and 3, the two-set build [`SequencerModel::two_sets`]) is the
//! method of `ouro_host::probe::ProbeThenPredict` (`docs/HDL.md`, "Probe, then predict"): the
//! first decision sizes a probe of `2^k` cycles with the blind network (set 0) and applies it at
//! level 0; the second extends it (`ouro_core::probe::extension`: one more level-0 pulse of
//! `2^kx - 2^k` cycles, no prediction, the cost of a write-and-verify pulse) if it moved the
//! reading fewer than `EXTEND_BELOW_CODES` codes towards a target still ahead; the next predicts
//! the pulse with the history-aware network (set 1) from the probe's change (from the reading
//! before the probe), looked up in the `LOG2` table of the table memory, repeating the prediction
//! at the next amplitude level while its duration before the clamp is above
//! `max_cycles / ESCALATE`. One shot (2) stops there (two pulses at most, three with an
//! extension); the loop (3) predicts
//! each next pulse the same way from the last one (its change, and the engine's log2 word of
//! the prediction that sized it), until within tolerance or `MAX_ATTEMPTS` pulses.
//!
//! `total_cycles` in the record counts from the accept cycle to the report cycle, both included.

mod config;
mod model;

pub use config::{
    input_tables_words, is_neural, SeqConfig, MAX_CYCLES, ONE_SET_MODES, TABLE_WORDS, TWO_SET_MODES,
};
pub use model::{scale, Chooser, LoopGain, SequencerModel, GAIN_MAX, GAIN_MIN, GAIN_UNCAP};
pub use ouro_core::protocol::Mode;

pub use ouro_core::protocol::{Outcome, Record, RefusalReason as Refusal};

/// Cycles to accept a job (the cycle the sequencer takes it from the queue).
pub const ACCEPT_CYCLES: u32 = 1;
/// Cycles of one decision after a read.
pub const DECIDE_CYCLES: u32 = 1;
/// Cycles between the decision and the cycle that starts the engine for a blind prediction
/// (the second input word is written in the first, the engine started in the second; the
/// decision writes the first word).
pub const PREDICT_SETUP_CYCLES: u32 = 2;
/// As [`PREDICT_SETUP_CYCLES`] with input tables: the decision reads the reading's word from the
/// table memory, the next cycle the target's; the two words are written as they arrive, then
/// the engine is started.
pub const TABLE_SETUP_CYCLES: u32 = 4;
/// As [`PREDICT_SETUP_CYCLES`] for the history-aware network: the decision writes word 0 and
/// reads the `LOG2` table; words 1 to 4 follow one a cycle (word 2 the table's), then the
/// engine is started.
pub const HISTORY_SETUP_CYCLES: u32 = 5;
/// As [`HISTORY_SETUP_CYCLES`] for a history-aware network with input tables: the decision
/// reads the reading's word from the table memory's second bank, the next cycle the target's;
/// the `LOG2` read follows with word 0, and the five words are written one a cycle.
pub const HISTORY_TABLE_SETUP_CYCLES: u32 = 7;
/// Cycles between a prediction's `done` cycle (counted in its latency) and the cycle that
/// starts the engine again at the next amplitude level: the level word is written in the first,
/// the engine started in the second.
pub const ESCALATE_SETUP_CYCLES: u32 = 2;
/// Cycles between the cycle that decides a pulse (the decision of write and verify, a
/// prediction's `done`) and the cycle that starts it: the duration's two register stages (the
/// choice of what to scale, then the scaled duration within the limits), which keep the
/// decision's arithmetic out of one clock period.
pub const ISSUE_CYCLES: u32 = 2;
/// Cycles to write the record.
pub const REPORT_CYCLES: u32 = 1;

/// One cell to program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    /// Crossbar row.
    pub row: u8,
    /// Crossbar column.
    pub col: u8,
    /// Target, as an ADC code.
    pub target: u16,
    /// Tolerance, ADC codes: a reading within this many codes of the target is done (the host
    /// turns a relative tolerance into codes per cell: the codes are proportional to the
    /// conductance).
    pub tolerance: u16,
}

/// What a front-end pulse request came to: refused or applied, and its latency in cycles (from
/// the cycle its `start` is high to the cycle its `done` is high).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PulseResult {
    /// The interlock's refusal, if any (then nothing was applied).
    pub refused: Option<Refusal>,
    /// Latency, cycles.
    pub latency: u32,
}
