//! host

pub mod quantize;
