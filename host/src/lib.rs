//! What a user does with ouro: characterize cells, train and quantize the pulse predictor,
//! evaluate programming against baselines. The `ouro` binary is a thin layer over [`cli`].

pub mod characterize;
pub mod cli;
pub mod dataset;
pub mod defaults;
pub mod error;
pub mod eval;
pub mod quantize;
pub mod train;
