//! The host side of ouro: the two experiments that need both the device and the predictor --
//! characterization (the training data) and one-shot evaluation against baselines. The `ouro`
//! binary (`src/main.rs`, `src/cli/`) is a thin layer over this and the other libraries; later
//! the board link lands here too.

pub mod bench;
pub mod board;
pub mod characterize;
pub mod error;
pub mod eval;
pub mod probe;
pub mod report;
pub mod sequences;
pub mod targets;

pub use error::HostError;
