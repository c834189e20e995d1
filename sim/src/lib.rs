//! What models the world: memristor device physics (simplified JART VCM v1b), cell arrays, the
//! board's read path. The predictor itself (and its golden model) is `ouro-nn`.

pub mod device;
pub mod readout;
