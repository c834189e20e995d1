//! The one error type of `ouro-nn`: training, quantization and comparison. Every message is
//! one line that names the problem and, where there is one, the fix.

use crate::train::RowCounts;
use ouro_core::Polarity;

/// Why a predictor could not be trained, quantized or compared.
#[derive(Debug, thiserror::Error)]
pub enum NnError {
    // Quantization and comparison.
    /// The float predictor is malformed.
    #[error("invalid float predictor: {0}")]
    Predictor(String),
    /// The board description is malformed.
    #[error("invalid board: {0}")]
    Board(String),
    /// The options are unusable.
    #[error("invalid quantization options: {0}")]
    Options(String),
    /// A weight does not fit `i16` even with no fraction bits.
    #[error(
        "network {network} layer {layer}: a folded weight of {value:.4e} does not fit 16 bits \
         even with weight_frac 0 (the network is badly conditioned; retrain with weight decay)"
    )]
    WeightRange {
        /// The network.
        network: Polarity,
        /// The layer, input first.
        layer: usize,
        /// The largest folded weight, in magnitude.
        value: f64,
    },
    /// A bias does not fit `i32` even with no fraction bits.
    #[error(
        "network {network} layer {layer}: a folded bias of {value:.4e} does not fit 32 bits \
         at the product scale even with weight_frac 0 (the network is badly conditioned; \
         retrain with weight decay)"
    )]
    BiasRange {
        /// The network.
        network: Polarity,
        /// The layer, input first.
        layer: usize,
        /// The largest folded bias, in magnitude.
        value: f64,
    },
    /// The float and the quantized predictor, or the board, do not belong together.
    #[error("cannot compare: {0}")]
    Mismatch(String),

    // Training.
    /// The training data cannot train what was asked (e.g. sequences without probes).
    #[error("{0}")]
    Data(String),
    /// Too few usable rows of one polarity.
    #[error("{message}")]
    TooFewRows {
        /// The polarity.
        polarity: Polarity,
        /// How the rows were counted.
        counts: RowCounts,
        /// The full message.
        message: String,
    },
    /// A training setting is out of range (from
    /// [`TrainParams::check`](crate::train::TrainParams::check)).
    #[error("invalid training configuration: {0}")]
    Config(String),
    /// The loss became NaN or infinite.
    #[error(
        "training of the {polarity} network diverged at epoch {epoch}: lower the learning rate"
    )]
    Diverged {
        /// The polarity.
        polarity: Polarity,
        /// 1-based epoch.
        epoch: u32,
    },
    /// A file could not be read or written, or a value breaks its schema.
    #[error(transparent)]
    Core(#[from] ouro_core::CoreError),
}
