//! The pulse predictor, from data to integers: the float network and its training, the
//! quantizer that turns it into the 16-bit arithmetic of the gateware, and the bit-accurate
//! golden model of that arithmetic (the quantizer's inverse, and the reference the gateware is
//! compared with). The shipped default weights are embedded in [`defaults`].

pub mod defaults;
pub mod embed;
pub mod error;
pub mod golden;
pub mod network;
pub mod quantize;
pub mod train;

pub use error::NnError;
