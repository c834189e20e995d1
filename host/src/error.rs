//! Errors of the host library (characterization and evaluation). Each message is one line that
//! names the problem and the fix; the CLI prints it as it is.

use ouro_sim::device::DeviceError;

/// What can go wrong in characterization or evaluation.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// A setting is out of range; the message names the setting (as its command-line flag) and
    /// the valid range.
    #[error("{0}")]
    Setting(String),
    /// The quantized predictor does not fit the board.
    #[error("{0}")]
    Mismatch(String),
    /// The device model refused a state.
    #[error(transparent)]
    Device(#[from] DeviceError),
}
