//! host
pub mod dataset;
