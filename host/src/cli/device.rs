//! `ouro device info` and `ouro device curve`: look at the device model.

use super::error::OrCli;
use super::{load_device, print, CliError};
use clap::Args;
use ouro_core::units::parse_duration;
use ouro_core::Polarity;
use ouro_sim::device::{self, Cell, DeviceParams};
use std::fmt::Write as _;

/// The name of an integrator as a device YAML file spells it.
fn integrator_name(i: device::Integrator) -> &'static str {
    match i {
        device::Integrator::Production => "production",
        device::Integrator::Reference => "reference",
        device::Integrator::Euler10ns => "euler10ns",
    }
}

/// One labelled line: name, value, unit, meaning.
fn row(s: &mut String, name: &str, value: &str, unit: &str, meaning: &str) {
    let _ = writeln!(s, "  {name:<20} {value:>20}  {unit:<12} {meaning}");
}

/// A number in its shortest round-trip form, in scientific notation when very large or small.
fn num(x: f64) -> String {
    if x == 0.0 || (1e-3..1e6).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// A range `[low, high]`.
fn pair(r: [f64; 2]) -> String {
    format!("[{}, {}]", r[0], r[1])
}

/// `ouro device info`.
pub fn device_info(spec: &str) -> Result<(), CliError> {
    let d = load_device(spec)?;
    let (glo, ghi) = d.window_us();
    let p = DeviceParams::nominal();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "device: {} (d2d: {}, c2c: {}, integrator: {})",
        d.name,
        d.d2d,
        d.c2c,
        integrator_name(d.integrator)
    );
    let _ = writeln!(s, "\nwindow");
    row(
        &mut s,
        "state N",
        &format!("[{}, {}]", device::N_WINDOW_MIN, device::N_WINDOW_MAX),
        "1e26 m^-3",
        "oxygen-vacancy concentration in the disc",
    );
    row(
        &mut s,
        "conductance G",
        &format!("[{glo:.4}, {ghi:.4}]"),
        "uS",
        &format!("read at {} V", d.read_voltage_v),
    );
    let (sv, rv, vr) = (
        device::TRUSTED_SET_V,
        device::TRUSTED_RESET_V,
        device::READ_VOLTAGE_RANGE_V,
    );
    let _ = writeln!(s, "\noperating point");
    row(
        &mut s,
        "set_amplitude_v",
        &num(d.set_amplitude_v),
        "V",
        &format!("SET pulses (trusted [{}, {}] V)", sv.0, sv.1),
    );
    row(
        &mut s,
        "reset_amplitude_v",
        &num(d.reset_amplitude_v),
        "V",
        &format!("RESET pulses (trusted [{}, {}] V)", rv.0, rv.1),
    );
    row(
        &mut s,
        "read_voltage_v",
        &num(d.read_voltage_v),
        "V",
        &format!("reads (allowed [{}, {}] V)", vr.0, vr.1),
    );
    let _ = writeln!(s, "\nnominal parameters (simplified JART VCM v1b)");
    let nm = |x: f64| num(x * 1e9);
    for (name, value, unit, meaning) in [
        (
            "Ndiscmax",
            num(p.ndiscmax),
            "1e26 m^-3",
            "upper limit of N in F_lim (SET); varies",
        ),
        (
            "Ndiscmin",
            num(p.ndiscmin),
            "1e26 m^-3",
            "lower limit of N in F_lim (RESET); varies",
        ),
        ("l_disc", nm(p.l_disc), "nm", "disc length; varies"),
        ("r_disc", nm(p.r_disc), "nm", "disc radius; varies"),
        ("T0", num(p.t0), "K", "ambient temperature"),
        ("mu_n", num(p.mu_n), "m^2/(V s)", "electron mobility"),
        (
            "Nplug",
            num(p.nplug),
            "1e26 m^-3",
            "vacancy concentration in the plug",
        ),
        ("a", nm(p.a), "nm", "ion hopping distance"),
        ("nu0", num(p.nu0), "Hz", "attempt frequency"),
        ("dWa", num(p.dwa), "eV", "activation energy"),
        ("Rth0", num(p.rth0), "K/W", "thermal resistance"),
        ("l_cell", nm(p.l_cell), "nm", "cell length"),
        (
            "Rtheff_scaling",
            num(p.rtheff_scaling),
            "1",
            "thermal resistance factor during RESET",
        ),
        (
            "R_TiOx",
            num(p.r_tiox),
            "ohm",
            "series resistance of the TiOx layer",
        ),
        ("R0", num(p.r0), "ohm", "line resistance at T0"),
        (
            "Rthline",
            num(p.rthline),
            "K/W",
            "thermal resistance of the lines",
        ),
        (
            "alpha_line",
            num(p.alpha_line),
            "1/K",
            "temperature coefficient of the lines",
        ),
        ("alpha0", num(p.alpha0), "A", "SET current fit"),
        ("alpha2", num(p.alpha2), "V", "SET current fit"),
        ("alpha3", num(p.alpha3), "V", "SET current fit"),
        ("beta0", num(p.beta0), "A/V", "SET current fit"),
        ("beta1", num(p.beta1), "A", "SET current fit"),
        ("c0", num(p.c[0]), "1e26 m^-3", "SET current fit"),
        ("c1", num(p.c[1]), "1e26 m^-3/V", "SET current fit"),
        ("c2", num(p.c[2]), "1e26 m^-3", "SET current fit"),
        ("c3", num(p.c[3]), "V", "SET current fit"),
        ("d0", num(p.d[0]), "1", "SET current fit"),
        ("d1", num(p.d[1]), "1/V", "SET current fit"),
        ("d2", num(p.d[2]), "1", "SET current fit"),
        ("d3", num(p.d[3]), "V", "SET current fit"),
        ("f0", num(p.f[0]), "1", "SET current fit"),
        ("f1", num(p.f[1]), "1", "SET current fit"),
        ("f2", num(p.f[2]), "V", "SET current fit"),
        ("f3", num(p.f[3]), "1", "SET current fit"),
        ("g0", num(p.g0), "A", "read/RESET current fit"),
        ("g1", num(p.g1), "1/V", "read/RESET current fit"),
        ("h0", num(p.h[0]), "1", "read/RESET current fit"),
        ("h1", num(p.h[1]), "1/V", "read/RESET current fit"),
        ("h2", num(p.h[2]), "1", "read/RESET current fit"),
        ("h3", num(p.h[3]), "1/V", "read/RESET current fit"),
        ("j0", num(p.j0), "1", "read/RESET current fit"),
        ("k0", num(p.k0), "1", "read/RESET current fit"),
    ] {
        row(&mut s, name, &value, unit, meaning);
    }
    if d.d2d {
        let m = &d.d2d_model;
        let _ = writeln!(s, "\ndevice-to-device model (d2d_model)");
        for (name, value, unit, meaning) in [
            (
                "sigma",
                num(m.sigma),
                "1",
                "relative standard deviation of the draw",
            ),
            (
                "ndiscmax",
                pair(m.ndiscmax),
                "1e26 m^-3",
                "clip range of Ndiscmax",
            ),
            (
                "ndiscmin",
                pair(m.ndiscmin),
                "1e26 m^-3",
                "clip range of Ndiscmin",
            ),
            ("l_disc_nm", pair(m.l_disc_nm), "nm", "clip range of l_disc"),
            ("r_disc_nm", pair(m.r_disc_nm), "nm", "clip range of r_disc"),
        ] {
            row(&mut s, name, &value, unit, meaning);
        }
    }
    if d.c2c {
        let m = &d.c2c_model;
        let _ = writeln!(s, "\ncycle-to-cycle model (c2c_model)");
        for (name, value, unit, meaning) in [
            (
                "ndiscmax_step",
                num(m.ndiscmax_step),
                "1",
                "relative step of Ndiscmax",
            ),
            (
                "ndiscmax_clip",
                pair(m.ndiscmax_clip),
                "x drawn",
                "clip of Ndiscmax",
            ),
            (
                "ndiscmin_step",
                num(m.ndiscmin_step),
                "1",
                "relative step of Ndiscmin",
            ),
            (
                "ndiscmin_clip",
                pair(m.ndiscmin_clip),
                "x drawn",
                "clip of Ndiscmin",
            ),
            (
                "geometry_step",
                num(m.geometry_step),
                "1",
                "relative step of l_disc, r_disc",
            ),
            (
                "geometry_ratio_step",
                num(m.geometry_ratio_step),
                "1",
                "step per unit of the pulse's ratio",
            ),
            (
                "geometry_clip",
                pair(m.geometry_clip),
                "x drawn",
                "clip of l_disc and of the disc area",
            ),
        ] {
            row(&mut s, name, &value, unit, meaning);
        }
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
    #[arg(long, allow_hyphen_values = true)]
    pub width: String,
    /// Number of pulses, at most 1000000 (the curve is printed whole at the end).
    #[arg(long, default_value_t = 100)]
    pub pulses: usize,
    /// Pulse amplitude in volts (default: the device's operating point for the polarity).
    #[arg(long, allow_hyphen_values = true)]
    pub amplitude: Option<f64>,
    /// Starting conductance in uS, read at the device's read voltage (default: the bottom of the
    /// device's window for set, the top for reset).
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
            "amplitude {} V is outside the trusted {polarity} range [{lo}, {hi}] V: pick one inside it (SET is negative, RESET positive)",
            num(v)
        )));
    }
    Ok(())
}

/// Most pulses of one `ouro device curve` (its text, about 20 bytes a pulse, is held until the
/// end; about 4 s of simulation).
pub const MAX_CURVE_PULSES: usize = 1_000_000;

/// `ouro device curve`: CSV `pulse,g_us` on stdout.
pub fn device_curve(a: &CurveArgs) -> Result<(), CliError> {
    if a.pulses == 0 {
        return Err(CliError::new(
            "--pulses 0 gives an empty curve: give at least 1",
        ));
    }
    if a.pulses > MAX_CURVE_PULSES {
        return Err(CliError(format!(
            "--pulses {} is more than {MAX_CURVE_PULSES}: a curve is at most {MAX_CURVE_PULSES} \
             pulses; continue a longer one with --from-us at the last conductance printed",
            a.pulses
        )));
    }
    let d = load_device(&a.device)?;
    let width = parse_duration(&a.width).cli()?;
    let amplitude = a.amplitude.unwrap_or_else(|| d.amplitude_v(a.polarity));
    check_amplitude(a.polarity, amplitude)?;
    let mut cell = Cell::new(&d, a.seed);
    let (glo, ghi) = d.window_us();
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
