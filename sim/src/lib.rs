//! What models the world: memristor device physics (simplified JART VCM v1b), cell arrays, the
//! board's read path, and the bit-accurate golden model of the predictor.

pub mod device;
pub mod golden;
pub mod readout;
