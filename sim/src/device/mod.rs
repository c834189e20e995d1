//! Device physics: the simplified JART VCM v1b model of a valence-change memristor cell
//! (docs/DEVICE.md), its integrators, variability, configuration presets, and cells.
//!
//! - [`jart`]: currents, `dN/dt`, read conductance and its inverse;
//! - [`integrate`]: the reference, authors' Euler and production integrators, `time_to_reach`;
//! - [`variability`]: device-to-device and cycle-to-cycle variation ("realistic mixed");
//! - [`config`]: the YAML device configuration and the shipped presets;
//! - [`cell`]: cells and arrays of cells that combine all of the above;
//! - [`start`]: ageing a cell and placing it where a run starts.

pub mod cell;
pub mod config;
pub mod integrate;
pub mod jart;
pub mod start;
pub mod variability;

pub use cell::{cell_seed, Cell, CellArray, PulseReport};
pub use config::{
    DeviceConfig, C2C_CLIP_FACTORS, C2C_STEP_RANGE, D2D_CLIP_FACTORS, D2D_SIGMA_RANGE,
    DEFAULT_LEVELS, LEVEL_STEP_V, READ_VOLTAGE_RANGE_V,
};
pub use start::{aged_cell, Start};
pub use variability::{C2cModel, D2dModel};

pub use integrate::{apply_pulse, time_to_reach, Integrator, PulseOutcome};
pub use jart::{
    conductance_at_us, conductance_us, dn_dt, n_from_conductance_at_us, n_from_conductance_us,
    window_conductance_us, DeviceParams, PulseModel, N_WINDOW_MAX, N_WINDOW_MIN, READ_VOLTAGE_V,
    RESET_AMPLITUDE_V, SET_AMPLITUDE_V, TRUSTED_RESET_V, TRUSTED_SET_V,
};

/// Errors of the device layer. Every message is one line that names the problem and the fix.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// A conductance outside the window's range was asked for.
    #[error(
        "conductance {g_us} uS is outside the device window [{min_us:.4}, {max_us:.4}] uS: \
         pick a conductance inside it"
    )]
    ConductanceOutOfRange {
        /// The requested conductance, microsiemens.
        g_us: f64,
        /// Lowest conductance of the window, microsiemens.
        min_us: f64,
        /// Highest conductance of the window, microsiemens.
        max_us: f64,
    },
    /// `DeviceConfig::load` was given a name that is neither a preset nor a file path.
    #[error(
        "unknown device preset `{name}`: use nominal, c2c, realistic or a path to a .yaml file"
    )]
    UnknownPreset {
        /// The name given.
        name: String,
    },
    /// A device configuration file could not be read.
    #[error(
        "cannot read device config `{path}`: {reason}: check the path, or use a preset \
         (nominal, c2c, realistic)"
    )]
    ReadFile {
        /// The path given.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// A device configuration is not valid YAML for [`DeviceConfig`] (syntax, missing or unknown
    /// fields, wrong types).
    #[error(
        "malformed device config {origin}: {message}: fix the YAML; presets/realistic.yaml lists \
         every field"
    )]
    Yaml {
        /// The file path or preset name.
        origin: String,
        /// The parser's message, on one line.
        message: String,
    },
    /// A device configuration parsed but holds an impossible value.
    #[error("invalid device config {origin}: {message}: fix that value")]
    Invalid {
        /// The file path or preset name.
        origin: String,
        /// What is wrong.
        message: String,
    },
}
