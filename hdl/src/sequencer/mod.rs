//! The pulse sequencer: per cell, select -> read -> decide -> (predict) -> pulse -> read ... ->
//! report, as `ouro_board::sequencer` describes and models cycle for cycle (`docs/HDL.md`,
//! "Sequencer"). Its front-end operations (select, read, pulse) and the predictor engine are
//! handshakes: the sequencer raises a one-cycle `start` and waits for the one-cycle `done`.

pub mod build;
mod core;
mod fsm;
mod regs;
mod scale;
mod scale_in;

pub use self::core::SequencerCore;
pub use build::SeqBuild;
pub use fsm::Sequencer;
pub use regs::{id, SeqRegs};
pub use scale::{Scale, GAIN_ONE};
pub use scale_in::ScaleIn;

use rust_hdl::prelude::*;

/// The sequencer's states.
#[derive(Copy, Clone, Debug, PartialEq, Eq, LogicState)]
pub enum SeqState {
    /// Waiting for a job.
    Idle,
    /// Waiting for the cell select.
    Select,
    /// Waiting for a read.
    Read,
    /// Tolerance, attempt limit, the next pulse.
    Decide,
    /// Reading the target's input-table word (the reading's is on its way).
    TableWait,
    /// Writing the engine's input words, one a cycle.
    Feed,
    /// Starting the engine.
    PredictGo,
    /// Waiting for the prediction.
    PredictWait,
    /// The pulse's duration is being scaled (its second register stage).
    Scale,
    /// Issuing the pulse with the scaled duration.
    Issue,
    /// Waiting for the pulse.
    Pulse,
    /// Writing the record.
    Report,
}

/// Mode values (the `MODE` register, `ouro_core::protocol::Mode`).
pub mod mode {
    /// Neural closed loop.
    pub const NEURAL_LOOP: u64 = 0;
    /// Neural one shot.
    pub const NEURAL_ONE_SHOT: u64 = 1;
    /// Probe, then one predicted pulse.
    pub const PROBE_ONE_SHOT: u64 = 2;
    /// Probe, a predicted pulse, then the neural loop.
    pub const PROBE_LOOP: u64 = 3;
    /// Fixed write and verify.
    pub const FIXED_WV: u64 = 4;
    /// Adaptive write and verify.
    pub const ADAPTIVE_WV: u64 = 5;
}

#[cfg(test)]
mod tests {
    use super::mode;
    use ouro_core::protocol::Mode;

    #[test]
    fn mode_values_are_the_protocol_s() {
        for (mine, theirs) in [
            (mode::NEURAL_LOOP, Mode::NeuralLoop),
            (mode::NEURAL_ONE_SHOT, Mode::NeuralOneShot),
            (mode::PROBE_ONE_SHOT, Mode::ProbeOneShot),
            (mode::PROBE_LOOP, Mode::ProbeLoop),
            (mode::FIXED_WV, Mode::FixedWriteVerify),
            (mode::ADAPTIVE_WV, Mode::AdaptiveWriteVerify),
        ] {
            assert_eq!(mine, u64::from(theirs.code()));
        }
    }
}
