//! `ouro device info` and `ouro device curve`: look at the device model.

use super::error::OrCli;
use super::{load_device, print, CliError};
use clap::Args;
use ouro_core::units::parse_duration;
use ouro_core::Polarity;
use ouro_sim::device::{self, Cell, DeviceParams};
use std::fmt::Write as _;

/// `ouro device info`.
pub fn device_info(spec: &str) -> Result<(), CliError> {
    let d = load_device(spec)?;
    let (glo, ghi) = d.window_us();
    let p = DeviceParams::nominal();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "device: {} (d2d: {}, c2c: {}, integrator: {:?})",
        d.name, d.d2d, d.c2c, d.integrator
    );
    let _ = writeln!(
        s,
        "window: N in [{}, {}] (1e26 m^-3), G in [{glo:.4}, {ghi:.4}] uS at {} V read",
        device::N_WINDOW_MIN,
        device::N_WINDOW_MAX,
        d.read_voltage_v
    );
    let _ = writeln!(
        s,
        "operating point: SET {} V, RESET {} V",
        d.set_amplitude_v, d.reset_amplitude_v
    );
    let _ = writeln!(
        s,
        "trusted amplitudes: SET [{}, {}] V, RESET [{}, {}] V",
        device::TRUSTED_SET_V.0,
        device::TRUSTED_SET_V.1,
        device::TRUSTED_RESET_V.0,
        device::TRUSTED_RESET_V.1
    );
    let _ = writeln!(s, "nominal parameters: {p:#?}");
    if d.d2d {
        let _ = writeln!(s, "device-to-device model: {:?}", d.d2d_model);
    }
    if d.c2c {
        let _ = writeln!(s, "cycle-to-cycle model: {:?}", d.c2c_model);
    }
    print(&s)
}

/// Arguments of `ouro device curve`.
#[derive(Debug, Args)]
pub struct CurveArgs {
    /// A preset (nominal, c2c, realistic) or a path to a device YAML file.
    #[arg(long, default_value = "nominal")]
    pub device: String,
    /// Pulse polarity: set (raise G) or reset (lower G).
    #[arg(long)]
    pub polarity: Polarity,
    /// Pulse width, with a unit: 1us, 250ns, 2ms.
    #[arg(long)]
    pub width: String,
    /// Number of pulses.
    #[arg(long, default_value_t = 100)]
    pub pulses: usize,
    /// Pulse amplitude in volts (default: the device's operating point for the polarity).
    #[arg(long, allow_hyphen_values = true)]
    pub amplitude: Option<f64>,
    /// Starting conductance in uS (default: the bottom of the window for set, the top for reset).
    #[arg(long)]
    pub from_us: Option<f64>,
    /// Seed of the cell (its device-to-device draw and cycle-to-cycle walk).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Check that an amplitude has the polarity's sign and lies in the documented trusted range.
pub fn check_amplitude(polarity: Polarity, v: f64) -> Result<(), CliError> {
    let (lo, hi) = match polarity {
        Polarity::Set => device::TRUSTED_SET_V,
        Polarity::Reset => device::TRUSTED_RESET_V,
    };
    if !(v >= lo && v <= hi) {
        return Err(CliError(format!(
            "amplitude {v} V is outside the trusted {polarity} range [{lo}, {hi}] V: pick one inside it (SET is negative, RESET positive)"
        )));
    }
    Ok(())
}

/// `ouro device curve`: CSV `pulse,g_us` on stdout.
pub fn device_curve(a: &CurveArgs) -> Result<(), CliError> {
    let d = load_device(&a.device)?;
    let width = parse_duration(&a.width).cli()?;
    let amplitude = a.amplitude.unwrap_or_else(|| d.amplitude_v(a.polarity));
    check_amplitude(a.polarity, amplitude)?;
    let mut cell = Cell::new(&d, a.seed);
    let (glo, ghi) = device::window_conductance_us();
    let start = a.from_us.unwrap_or(match a.polarity {
        Polarity::Set => glo,
        Polarity::Reset => ghi,
    });
    cell.set_conductance_us(start).cli()?;
    let mut s = String::from("pulse,g_us\n");
    let _ = writeln!(s, "0,{:.6}", cell.conductance_us());
    for k in 1..=a.pulses {
        let r = cell.apply_pulse_with_amplitude(amplitude, width);
        let _ = writeln!(s, "{k},{:.6}", r.g_after_us);
    }
    print(&s)
}
