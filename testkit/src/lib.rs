//! Test fixtures shared by ouro's test suites, never a dependency of a shipped crate: random
//! quantized predictors and the engine configurations that the Verilator harness builds
//! ([`configs`]), a history-aware float predictor, its quantization and random situations
//! ([`history`]), input vectors for co-simulation ([`vectors`]), a synthetic ground-truth
//! device for the trainer's tests ([`synthetic`]), and one seeded generator family for all of
//! them ([`rng`]).

pub mod configs;
pub mod frontend;
pub mod history;
pub mod rng;
pub mod synthetic;
pub mod vectors;
