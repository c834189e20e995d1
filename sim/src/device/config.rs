//! The device configuration: which variability acts, the operating point, and the integrator.
//! Shipped as YAML presets (`presets/*.yaml`, embedded in the binary) that users copy and edit.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::integrate::Integrator;
use super::jart::{READ_VOLTAGE_V, RESET_AMPLITUDE_V, SET_AMPLITUDE_V};
use super::variability::{C2cModel, D2dModel};
use super::DeviceError;

/// The names of the presets shipped with ouro.
pub const PRESET_NAMES: [&str; 3] = ["nominal", "c2c", "realistic"];

const NOMINAL_YAML: &str = include_str!("../../../presets/nominal.yaml");
const C2C_YAML: &str = include_str!("../../../presets/c2c.yaml");
const REALISTIC_YAML: &str = include_str!("../../../presets/realistic.yaml");

/// The YAML text of a shipped preset, or `None` for an unknown name.
pub fn preset_yaml(name: &str) -> Option<&'static str> {
    match name {
        "nominal" => Some(NOMINAL_YAML),
        "c2c" => Some(C2C_YAML),
        "realistic" => Some(REALISTIC_YAML),
        _ => None,
    }
}

fn default_set_v() -> f64 {
    SET_AMPLITUDE_V
}
fn default_reset_v() -> f64 {
    RESET_AMPLITUDE_V
}
fn default_read_v() -> f64 {
    READ_VOLTAGE_V
}

/// A device configuration (one YAML document). `name`, `d2d` and `c2c` are required; everything
/// else defaults to the nominal operating point, the production integrator and the default
/// variability models (docs/DEVICE.md, "Device YAML reference").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    /// Name shown in reports.
    pub name: String,
    /// Device-to-device variation: draw each cell's parameters once.
    pub d2d: bool,
    /// Cycle-to-cycle variation: walk each cell's parameters after every pulse.
    pub c2c: bool,
    /// Amplitude of SET pulses, volts (negative).
    #[serde(default = "default_set_v")]
    pub set_amplitude_v: f64,
    /// Amplitude of RESET pulses, volts (positive).
    #[serde(default = "default_reset_v")]
    pub reset_amplitude_v: f64,
    /// Read voltage, volts (positive).
    #[serde(default = "default_read_v")]
    pub read_voltage_v: f64,
    /// Integrator of the pulses: `production` (default), `reference` or `euler10ns`.
    #[serde(default)]
    pub integrator: Integrator,
    /// Spreads and clip ranges of the device-to-device draw (used when `d2d` is true).
    #[serde(default)]
    pub d2d_model: D2dModel,
    /// Steps and clip ranges of the cycle-to-cycle walk (used when `c2c` is true).
    #[serde(default)]
    pub c2c_model: C2cModel,
}

impl DeviceConfig {
    /// Load a configuration: `spec` is a preset name (`nominal`, `c2c`, `realistic`) or a path to a
    /// YAML file.
    ///
    /// # Errors
    /// One-line [`DeviceError`]s: unknown preset, unreadable file, malformed YAML (with serde's
    /// message and the path; missing and unknown fields included), invalid values.
    pub fn load(spec: &str) -> Result<Self, DeviceError> {
        if let Some(text) = preset_yaml(spec) {
            return Self::from_yaml(text, &format!("preset `{spec}`"));
        }
        let looks_like_path = spec.ends_with(".yaml")
            || spec.ends_with(".yml")
            || spec.contains('/')
            || spec.contains('\\')
            || Path::new(spec).exists();
        if !looks_like_path {
            return Err(DeviceError::UnknownPreset {
                name: spec.to_string(),
            });
        }
        let text = std::fs::read_to_string(spec).map_err(|e| DeviceError::ReadFile {
            path: spec.to_string(),
            reason: e.to_string(),
        })?;
        Self::from_yaml(&text, &format!("`{spec}`"))
    }

    /// Parse and validate a configuration from YAML text; `origin` names it in errors.
    ///
    /// # Errors
    /// [`DeviceError::Yaml`] or [`DeviceError::Invalid`].
    pub fn from_yaml(text: &str, origin: &str) -> Result<Self, DeviceError> {
        let config: Self = serde_saphyr::from_str(text).map_err(|e| {
            let (at, message) = ouro_core::yaml::parse_error(origin.trim_matches('`'), &e);
            DeviceError::Yaml {
                origin: format!("`{at}`"),
                message,
            }
        })?;
        config.validate().map_err(|message| DeviceError::Invalid {
            origin: origin.to_string(),
            message,
        })?;
        Ok(config)
    }

    /// A preset by name.
    ///
    /// # Panics
    /// If `name` is not one of [`PRESET_NAMES`].
    pub fn preset(name: &str) -> Self {
        Self::load(name).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The conductance window (microsiemens) of this device as its board reads it: the states
    /// `N_WINDOW_MIN..N_WINDOW_MAX` read at this configuration's read voltage. The one window every
    /// start state, target and reading of this device is checked against.
    pub fn window_us(&self) -> (f64, f64) {
        use super::jart::{conductance_at_us, N_WINDOW_MAX, N_WINDOW_MIN};
        (
            conductance_at_us(N_WINDOW_MIN, self.read_voltage_v),
            conductance_at_us(N_WINDOW_MAX, self.read_voltage_v),
        )
    }

    /// The amplitude (volts) of a pulse of `polarity`.
    pub fn amplitude_v(&self, polarity: ouro_core::Polarity) -> f64 {
        match polarity {
            ouro_core::Polarity::Set => self.set_amplitude_v,
            ouro_core::Polarity::Reset => self.reset_amplitude_v,
        }
    }

    fn validate(&self) -> Result<(), String> {
        let finite = |x: f64| x.is_finite();
        if !(finite(self.set_amplitude_v) && self.set_amplitude_v < 0.0) {
            return Err(format!(
                "set_amplitude_v = {} must be negative",
                self.set_amplitude_v
            ));
        }
        if !(finite(self.reset_amplitude_v) && self.reset_amplitude_v > 0.0) {
            return Err(format!(
                "reset_amplitude_v = {} must be positive",
                self.reset_amplitude_v
            ));
        }
        if !(finite(self.read_voltage_v) && self.read_voltage_v > 0.0) {
            return Err(format!(
                "read_voltage_v = {} must be positive",
                self.read_voltage_v
            ));
        }
        let range_ok =
            |r: [f64; 2]| r[0].is_finite() && r[1].is_finite() && 0.0 < r[0] && r[0] <= r[1];
        let d = &self.d2d_model;
        for (name, r) in [
            ("d2d_model.ndiscmax", d.ndiscmax),
            ("d2d_model.ndiscmin", d.ndiscmin),
            ("d2d_model.l_disc_nm", d.l_disc_nm),
            ("d2d_model.r_disc_nm", d.r_disc_nm),
            ("c2c_model.ndiscmax_clip", self.c2c_model.ndiscmax_clip),
            ("c2c_model.ndiscmin_clip", self.c2c_model.ndiscmin_clip),
            ("c2c_model.geometry_clip", self.c2c_model.geometry_clip),
        ] {
            if !range_ok(r) {
                return Err(format!(
                    "{name} = {r:?} must be [low, high] with 0 < low <= high"
                ));
            }
        }
        if d.ndiscmin[1] * self.c2c_model.ndiscmin_clip[1] >= super::jart::N_WINDOW_MIN
            || d.ndiscmax[0] * self.c2c_model.ndiscmax_clip[0] <= super::jart::N_WINDOW_MAX
        {
            return Err(
                "Ndiscmin/Ndiscmax ranges must stay outside the state window [0.06, 1.98975]"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_load() {
        let n = DeviceConfig::load("nominal").unwrap();
        assert!(!n.d2d && !n.c2c);
        assert_eq!(n.integrator, Integrator::Production);
        assert_eq!(n.set_amplitude_v, -0.342);
        assert_eq!(n.reset_amplitude_v, 0.7065);
        assert_eq!(n.read_voltage_v, 0.2);
        let c = DeviceConfig::load("c2c").unwrap();
        assert!(!c.d2d && c.c2c);
        let r = DeviceConfig::load("realistic").unwrap();
        assert!(r.d2d && r.c2c);
        assert_eq!(r.d2d_model, D2dModel::default());
        assert_eq!(r.c2c_model, C2cModel::default());
    }
}
