//! The host side of ouro: the experiments that need both the device and the predictor --
//! characterization (the training data) and one-shot evaluation against baselines -- and the
//! board link: [`board`] (one `Board` interface, the model, the simulated and the serial
//! board), [`bench`] (every programming method on the same cells), [`targets`] and [`report`]
//! (per-cell rows, summaries, plots, `report.html`). The `ouro` binary (`src/main.rs`,
//! `src/cli/`) is a thin layer over this and the other libraries.

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
