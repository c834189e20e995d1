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

/// The `integrator` field by name, with a message that names the field and the choices.
fn integrator_by_name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Integrator, D::Error> {
    let name = String::deserialize(d)?;
    match name.as_str() {
        "production" => Ok(Integrator::Production),
        "reference" => Ok(Integrator::Reference),
        "euler10ns" => Ok(Integrator::Euler10ns),
        other => Err(serde::de::Error::custom(format!(
            "integrator = `{other}` is not one of production, reference, euler10ns"
        ))),
    }
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
    #[serde(default, deserialize_with = "integrator_by_name")]
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
        let text =
            ouro_core::input::read_text(Path::new(spec), Some(ouro_core::input::MAX_YAML_BYTES))
                .map_err(|e| DeviceError::ReadFile {
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
            let (at, message) = ouro_core::yaml::parse_error_in(origin.trim_matches('`'), text, &e);
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

    /// The ladder of `n` amplitude levels a history-aware predictor chooses among: level 0 is
    /// this device's amplitude, each next one [`LEVEL_STEP_V`] larger in magnitude, within the
    /// trusted range (the ladder is shorter when that range ends first; always at least the
    /// nominal level). Volts rounded to the microvolt.
    ///
    /// ```
    /// let d = ouro_sim::device::DeviceConfig::preset("realistic");
    /// let l = d.amplitude_levels(4);
    /// assert_eq!(l.set, vec![-0.342, -0.367, -0.392, -0.417]);
    /// assert_eq!(l.reset, vec![0.7065, 0.7565, 0.8065, 0.8565]);
    /// ```
    pub fn amplitude_levels(&self, n: usize) -> ouro_core::schema::Levels {
        use super::jart::{TRUSTED_RESET_V, TRUSTED_SET_V};
        let ladder = |v0: f64, step: f64, (lo, hi): (f64, f64)| -> Vec<f64> {
            (0..n.max(1))
                .map(|k| ((v0 + k as f64 * step) * 1e6).round() / 1e6)
                .take_while(|v| (lo..=hi).contains(v))
                .collect()
        };
        let mut set = ladder(self.set_amplitude_v, LEVEL_STEP_V.0, TRUSTED_SET_V);
        let mut reset = ladder(self.reset_amplitude_v, LEVEL_STEP_V.1, TRUSTED_RESET_V);
        let k = set.len().min(reset.len()).max(1);
        set.truncate(k);
        reset.truncate(k);
        ouro_core::schema::Levels { set, reset }
    }

    fn validate(&self) -> Result<(), String> {
        use super::jart::{
            DeviceParams, N_WINDOW_MAX, N_WINDOW_MIN, TRUSTED_RESET_V, TRUSTED_SET_V,
        };
        if self.name.trim().is_empty() {
            return Err("name is empty: give the device a name".into());
        }
        check_in(
            "set_amplitude_v",
            self.set_amplitude_v,
            TRUSTED_SET_V,
            "V, the trusted SET range (SET is negative)",
        )?;
        check_in(
            "reset_amplitude_v",
            self.reset_amplitude_v,
            TRUSTED_RESET_V,
            "V, the trusted RESET range (RESET is positive)",
        )?;
        check_in(
            "read_voltage_v",
            self.read_voltage_v,
            READ_VOLTAGE_RANGE_V,
            "V, the read range of the fits",
        )?;
        let d = &self.d2d_model;
        check_in("d2d_model.sigma", d.sigma, D2D_SIGMA_RANGE, "(relative)")?;
        let nominal = DeviceParams::nominal();
        for (name, r, nominal, unit) in [
            (
                "d2d_model.ndiscmax",
                d.ndiscmax,
                nominal.ndiscmax,
                "1e26 m^-3",
            ),
            (
                "d2d_model.ndiscmin",
                d.ndiscmin,
                nominal.ndiscmin,
                "1e26 m^-3",
            ),
            (
                "d2d_model.l_disc_nm",
                d.l_disc_nm,
                nominal.l_disc * 1e9,
                "nm",
            ),
            (
                "d2d_model.r_disc_nm",
                d.r_disc_nm,
                nominal.r_disc * 1e9,
                "nm",
            ),
        ] {
            let (lo, hi) = (nominal * D2D_CLIP_FACTORS.0, nominal * D2D_CLIP_FACTORS.1);
            check_clip(name, r, nominal, (lo, hi), unit)?;
        }
        let c = &self.c2c_model;
        for (name, step) in [
            ("c2c_model.ndiscmax_step", c.ndiscmax_step),
            ("c2c_model.ndiscmin_step", c.ndiscmin_step),
            ("c2c_model.geometry_step", c.geometry_step),
            ("c2c_model.geometry_ratio_step", c.geometry_ratio_step),
        ] {
            check_in(name, step, C2C_STEP_RANGE, "(relative)")?;
        }
        for (name, r) in [
            ("c2c_model.ndiscmax_clip", c.ndiscmax_clip),
            ("c2c_model.ndiscmin_clip", c.ndiscmin_clip),
            ("c2c_model.geometry_clip", c.geometry_clip),
        ] {
            check_clip(
                name,
                r,
                1.0,
                C2C_CLIP_FACTORS,
                "(factors of the drawn value)",
            )?;
        }
        let lowest_ndiscmax = d.ndiscmax[0] * c.ndiscmax_clip[0];
        if lowest_ndiscmax <= N_WINDOW_MAX {
            return Err(format!(
                "d2d_model.ndiscmax low x c2c_model.ndiscmax_clip low = {} x {} = {lowest_ndiscmax} \
                 reaches into the state window: it must be above {N_WINDOW_MAX}",
                d.ndiscmax[0], c.ndiscmax_clip[0]
            ));
        }
        let highest_ndiscmin = d.ndiscmin[1] * c.ndiscmin_clip[1];
        if highest_ndiscmin >= N_WINDOW_MIN {
            return Err(format!(
                "d2d_model.ndiscmin high x c2c_model.ndiscmin_clip high = {} x {} = {highest_ndiscmin} \
                 reaches into the state window: it must be below {N_WINDOW_MIN}",
                d.ndiscmin[1], c.ndiscmin_clip[1]
            ));
        }
        Ok(())
    }
}

/// The read voltages (volts, inclusive) a device file may set: half to one and a half times the
/// nominal 0.2 V around which the current fit was made, and at most 60 % of the weakest trusted
/// RESET amplitude (0.5 V), so that a read stays a read (docs/DEVICE.md, section 8).
pub const READ_VOLTAGE_RANGE_V: (f64, f64) = (0.1, 0.3);
/// Step between amplitude levels ([`DeviceConfig::amplitude_levels`]), volts: SET, RESET. On
/// the nominal cell one SET step switches about 8 times faster, one RESET step about 5 times.
pub const LEVEL_STEP_V: (f64, f64) = (-0.025, 0.05);
/// The default number of amplitude levels.
pub const DEFAULT_LEVELS: usize = 4;
/// The allowed `d2d_model.sigma`: 0 (no spread) to 10; from about 1 the clip ranges decide.
pub const D2D_SIGMA_RANGE: (f64, f64) = (0.0, 10.0);
/// The allowed `d2d_model` clip ranges, as factors of the nominal value: they must contain the
/// nominal value and stay within half and twice it (the published parameter set describes one
/// device; a disc twice as long or wide is another device).
pub const D2D_CLIP_FACTORS: (f64, f64) = (0.5, 2.0);
/// The allowed `c2c_model` steps: 0 (no walk) to 1 (a step of up to 100 % per pulse).
pub const C2C_STEP_RANGE: (f64, f64) = (0.0, 1.0);
/// The allowed `c2c_model` clips, as factors of the drawn value: they must contain 1 (the drawn
/// value) and stay within 0.1 and 10.
pub const C2C_CLIP_FACTORS: (f64, f64) = (0.1, 10.0);

/// `value` (finite) in `[lo, hi]`, or a one-line message naming `name`, the value and the range.
fn check_in(name: &str, value: f64, (lo, hi): (f64, f64), unit: &str) -> Result<(), String> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{name} = {} is outside the allowed range [{lo}, {hi}] {unit}",
            show(value)
        ))
    }
}

/// A value as typed, short: scientific notation when it is very large or very small.
fn show(x: f64) -> String {
    if !x.is_finite() || x == 0.0 || (1e-4..1e6).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// A clip range `[low, high]`: finite, ordered, containing `nominal`, within `[lo, hi]`.
fn check_clip(
    name: &str,
    r: [f64; 2],
    nominal: f64,
    (lo, hi): (f64, f64),
    unit: &str,
) -> Result<(), String> {
    let ok = r[0].is_finite()
        && r[1].is_finite()
        && lo <= r[0]
        && r[0] <= nominal
        && nominal <= r[1]
        && r[1] <= hi;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name} = [{}, {}] must be [low, high] with {} <= low <= {} <= high <= {} {unit}",
            show(r[0]),
            show(r[1]),
            fmt_g(lo),
            fmt_g(nominal),
            fmt_g(hi)
        ))
    }
}

/// A bound computed as nominal x factor, printed without floating-point noise.
fn fmt_g(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
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

    /// `realistic` with one line of YAML appended (a later key would be a duplicate, so the
    /// field is replaced in the text).
    fn with(field: &str, value: &str) -> Result<DeviceConfig, DeviceError> {
        let mut text = String::new();
        let (block, key) = field.split_once('.').map_or(("", field), |(b, k)| (b, k));
        let mut in_block = false;
        for line in REALISTIC_YAML.lines() {
            let trimmed = line.trim_start();
            if !line.starts_with(' ') && !line.is_empty() {
                in_block = block.is_empty() || line.starts_with(&format!("{block}:"));
            }
            let indented = line.starts_with(' ');
            let here = in_block && (indented != block.is_empty());
            if here && trimmed.starts_with(&format!("{key}:")) {
                let pad = if block.is_empty() { "" } else { "  " };
                text += &format!("{pad}{key}: {value}\n");
            } else {
                text += line;
                text.push('\n');
            }
        }
        assert!(
            text.contains(&format!("{key}: {value}")),
            "{field} not in the preset"
        );
        DeviceConfig::from_yaml(&text, "test")
    }

    #[test]
    fn the_board_checks_agree_with_the_device_model() {
        use ouro_core::board;
        let (lo, hi) = super::super::jart::window_conductance_us();
        assert!((lo - board::NOMINAL_WINDOW_US.0).abs() < 1e-5, "{lo}");
        assert!((hi - board::NOMINAL_WINDOW_US.1).abs() < 1e-5, "{hi}");
        assert_eq!(READ_VOLTAGE_RANGE_V, board::READ_VOLTAGE_RANGE_V);
    }

    #[test]
    fn every_field_is_checked_and_named() {
        assert_eq!(
            with("read_voltage_v", "0.2").unwrap(),
            DeviceConfig::preset("realistic")
        );
        for (field, value) in [
            ("name", "\"  \""),
            ("set_amplitude_v", "-1e300"),
            ("set_amplitude_v", "0.3"),
            ("set_amplitude_v", "-0.7"),
            ("set_amplitude_v", ".nan"),
            ("reset_amplitude_v", "1.2"),
            ("reset_amplitude_v", "-0.7"),
            ("reset_amplitude_v", ".inf"),
            ("read_voltage_v", "0.05"),
            ("read_voltage_v", "0.5"),
            ("read_voltage_v", ".nan"),
            ("d2d_model.sigma", ".nan"),
            ("d2d_model.sigma", "-0.1"),
            ("d2d_model.sigma", "11"),
            ("d2d_model.ndiscmax", "[22.0, 18.0]"),
            ("d2d_model.ndiscmax", "[21.0, 22.0]"),
            ("d2d_model.ndiscmax", "[18.0, 50.0]"),
            ("d2d_model.ndiscmin", "[0.001, 0.016]"),
            ("d2d_model.ndiscmin", "[.nan, 0.016]"),
            ("d2d_model.l_disc_nm", "[0.36, .inf]"),
            ("d2d_model.l_disc_nm", "[0.1, 0.44]"),
            ("d2d_model.r_disc_nm", "[46.0, 49.5]"),
            ("d2d_model.r_disc_nm", "[-40.5, 49.5]"),
            ("c2c_model.ndiscmax_step", ".nan"),
            ("c2c_model.ndiscmax_step", "-0.1"),
            ("c2c_model.ndiscmin_step", "1.5"),
            ("c2c_model.geometry_step", ".inf"),
            ("c2c_model.geometry_ratio_step", "2"),
            ("c2c_model.ndiscmax_clip", "[1.1, 0.9]"),
            ("c2c_model.ndiscmax_clip", "[1.01, 1.1]"),
            ("c2c_model.ndiscmin_clip", "[0.01, 1.9]"),
            ("c2c_model.geometry_clip", "[0.9, 0.99]"),
            ("c2c_model.geometry_clip", "[0.9, 20]"),
        ] {
            let e = with(field, value).unwrap_err().to_string();
            assert!(e.contains(field), "{field} = {value}: {e}");
            assert!(!e.contains('\n'), "{e}");
            assert!(
                field == "name" || e.contains("range") || e.contains("<="),
                "{e}"
            );
        }
        // Reaching into the state window, through the product of two valid ranges.
        let e = with("d2d_model.ndiscmin", "[0.004, 0.016]")
            .and_then(|_| with("c2c_model.ndiscmin_clip", "[0.1, 4.0]"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("c2c_model.ndiscmin_clip") && e.contains("state window"),
            "{e}"
        );
        // An unknown integrator is refused by name.
        let e = with("integrator", "rk4").unwrap_err().to_string();
        assert!(e.contains("integrator = `rk4`") && !e.contains('\n'), "{e}");
        // Absurd values are shown short.
        let e = with("set_amplitude_v", "-1e300").unwrap_err().to_string();
        assert!(e.contains("set_amplitude_v = -1e300 is outside"), "{e}");
        // The bounds themselves are valid.
        for (field, value) in [
            ("set_amplitude_v", "-0.6"),
            ("set_amplitude_v", "-0.25"),
            ("reset_amplitude_v", "0.5"),
            ("reset_amplitude_v", "1.0"),
            ("read_voltage_v", "0.1"),
            ("read_voltage_v", "0.3"),
            ("d2d_model.sigma", "0"),
            ("d2d_model.ndiscmin", "[0.004, 0.016]"),
            ("c2c_model.ndiscmin_step", "1"),
            ("c2c_model.ndiscmax_clip", "[1.0, 1.0]"),
        ] {
            with(field, value).unwrap_or_else(|e| panic!("{field} = {value}: {e}"));
        }
    }
}
