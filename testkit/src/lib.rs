//! Test fixtures shared by ouro's test suites, never a dependency of a shipped crate: random
//! quantized predictors and the engine configurations that the Verilator harness builds
//! ([`configs`]), input vectors for co-simulation ([`vectors`]), and one seeded generator
//! family for all of them ([`rng`]).

pub mod configs;
pub mod rng;
pub mod vectors;
