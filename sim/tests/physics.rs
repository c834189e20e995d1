//! Device physics: anchors, integrator accuracy against the converged reference, reproducibility,
//! variability statistics and configuration loading (docs/DEVICE.md).

use ouro_core::Polarity;
use ouro_sim::device::integrate::{euler_advance, reference_advance};
use ouro_sim::device::{
    apply_pulse, conductance_us, n_from_conductance_us, time_to_reach, Cell, CellArray,
    DeviceConfig, DeviceError, DeviceParams, Integrator, PulseModel, N_WINDOW_MAX, N_WINDOW_MIN,
    RESET_AMPLITUDE_V, SET_AMPLITUDE_V, TRUSTED_RESET_V, TRUSTED_SET_V,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// Change in G (uS) of one pulse with the window applied.
fn delta_g(integ: Integrator, p: &DeviceParams, n0: f64, volts: f64, width: f64) -> f64 {
    let out = apply_pulse(integ, p, n0, volts, width);
    conductance_us(out.n_after) - conductance_us(n0)
}

/// The fastest cell of the variability range: smallest disc area, shortest disc.
fn fastest() -> DeviceParams {
    let mut p = DeviceParams::nominal();
    p.l_disc = 0.9 * 0.36e-9;
    p.r_disc = 40.5e-9 * 0.9_f64.sqrt();
    p
}

/// The read conductance at the window's ends and at N = 0.4, to the five decimals the model's
/// reference values are given with (the only test of these anchors).
#[test]
fn conductance_anchors() {
    for (n, g) in [(0.06, 94.45300), (0.4, 353.01183), (1.98975, 559.30038)] {
        let got = conductance_us(n);
        assert!(
            (got - g).abs() < 0.5e-5,
            "G({n}) = {got:.6} uS, expected {g}"
        );
    }
}

#[test]
fn one_microsecond_set_anchor_all_integrators() {
    let p = DeviceParams::nominal();
    for integ in [
        Integrator::Reference,
        Integrator::Production,
        Integrator::Euler10ns,
    ] {
        let dg = delta_g(integ, &p, 0.4, SET_AMPLITUDE_V, 1e-6);
        assert!(rel(dg, 3.2792) < 1e-3, "{integ:?}: {dg}");
    }
}

#[test]
fn nominal_switching_times() {
    let p = DeviceParams::nominal();
    let t = time_to_reach(&p, N_WINDOW_MIN, N_WINDOW_MAX, SET_AMPLITUDE_V).unwrap();
    assert!(rel(t, 9.9e-3) < 0.01, "{t}");
    let t = time_to_reach(&p, N_WINDOW_MAX, N_WINDOW_MIN, RESET_AMPLITUDE_V).unwrap();
    assert!(rel(t, 9.9e-3) < 0.01, "{t}");
    let n200 = n_from_conductance_us(200.0).unwrap();
    let n400 = n_from_conductance_us(400.0).unwrap();
    let t = time_to_reach(&p, n200, n400, SET_AMPLITUDE_V).unwrap();
    assert!(rel(t, 90e-6) < 0.01, "{t}");
}

#[test]
fn reference_is_converged() {
    // Two tolerances two decades apart agree far below the 0.1 % budget, on a nominal and on the
    // fastest cell, short and long pulses, both polarities.
    for p in [DeviceParams::nominal(), fastest()] {
        for (volts, n0) in [(SET_AMPLITUDE_V, 0.1), (RESET_AMPLITUDE_V, 1.5)] {
            let m = PulseModel::new(&p, volts);
            for width in [1e-8, 1e-6, 1e-4, 1e-2] {
                let a = reference_advance(&m, n0, width, 1e-9);
                let b = reference_advance(&m, n0, width, 1e-11);
                let ga = conductance_us(a.clamp(N_WINDOW_MIN, N_WINDOW_MAX)) - conductance_us(n0);
                let gb = conductance_us(b.clamp(N_WINDOW_MIN, N_WINDOW_MAX)) - conductance_us(n0);
                assert!(
                    (ga - gb).abs() <= 1e-6 * gb.abs() + 1e-9,
                    "{width}: {ga} vs {gb}"
                );
                // Unclamped end states too.
                assert!(rel(a, b) < 1e-7, "{width}: {a} vs {b}");
            }
        }
    }
    // And the reference agrees with Euler at 1e-11 s (0.01 ns) steps on the fastest cell.
    let p = fastest();
    let m = PulseModel::new(&p, SET_AMPLITUDE_V);
    let e = euler_advance(&m, 0.2, 2e-7, 1e-11);
    let r = reference_advance(&m, 0.2, 2e-7, 1e-11);
    assert!(rel(e, r) < 1e-3, "{e} vs {r}");
}

#[test]
fn euler10ns_is_worse_than_production_on_a_fast_cell() {
    let p = fastest();
    let mut worst_euler: f64 = 0.0;
    let mut worst_prod: f64 = 0.0;
    for (volts, n0) in [(SET_AMPLITUDE_V, 0.1), (RESET_AMPLITUDE_V, 1.2)] {
        for width in [1e-7, 2e-7, 5e-7] {
            let r = delta_g(Integrator::Reference, &p, n0, volts, width);
            let e = delta_g(Integrator::Euler10ns, &p, n0, volts, width);
            let q = delta_g(Integrator::Production, &p, n0, volts, width);
            worst_euler = worst_euler.max(rel(e, r));
            worst_prod = worst_prod.max(rel(q, r));
        }
    }
    assert!(worst_prod < 1e-5, "{worst_prod}");
    assert!(
        worst_euler > 10.0 * worst_prod,
        "{worst_euler} vs {worst_prod}"
    );
    assert!(
        worst_euler > 1e-3,
        "Euler error on the fastest cell: {worst_euler}"
    );
}

#[test]
fn euler10ns_is_accurate_on_a_nominal_cell() {
    let p = DeviceParams::nominal();
    for width in [1e-6, 1e-5] {
        let r = delta_g(Integrator::Reference, &p, 0.2, SET_AMPLITUDE_V, width);
        let e = delta_g(Integrator::Euler10ns, &p, 0.2, SET_AMPLITUDE_V, width);
        assert!(rel(e, r) < 1e-3, "{width}: {e} vs {r}");
    }
}

fn params_strategy() -> impl Strategy<Value = DeviceParams> {
    // The whole variability range: d2d clip ranges widened by the c2c clips.
    (
        16.2_f64..24.2,
        0.0004_f64..0.0304,
        0.324_f64..0.484,
        40.5_f64..49.5,
        0.9_f64..1.1,
    )
        .prop_map(|(nmax, nmin, l_nm, r_nm, area_factor)| {
            let mut p = DeviceParams::nominal();
            p.ndiscmax = nmax;
            p.ndiscmin = nmin;
            p.l_disc = l_nm * 1e-9;
            p.r_disc = r_nm * 1e-9 * f64::sqrt(area_factor);
            p
        })
}

fn pulse_strategy() -> impl Strategy<Value = (f64, f64, f64)> {
    // (amplitude, log10 width, start state)
    let amplitude = prop_oneof![
        TRUSTED_SET_V.0..=TRUSTED_SET_V.1,
        TRUSTED_RESET_V.0..=TRUSTED_RESET_V.1,
        Just(SET_AMPLITUDE_V),
        Just(RESET_AMPLITUDE_V),
    ];
    (amplitude, -8.0_f64..=-2.0, N_WINDOW_MIN..=N_WINDOW_MAX)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// The production integrator's change in G is within 0.1 % of the reference's (plus 1e-9 uS,
    /// the floating-point resolution of G for changes of a few ulps of N).
    #[test]
    fn production_matches_reference(p in params_strategy(), (volts, lw, n0) in pulse_strategy()) {
        let width = 10f64.powf(lw);
        let r = delta_g(Integrator::Reference, &p, n0, volts, width);
        let q = delta_g(Integrator::Production, &p, n0, volts, width);
        prop_assert!((q - r).abs() <= 1e-3 * r.abs() + 1e-9, "ref {} prod {}", r, q);
    }

    /// `time_to_reach` inverts the reference: the time to the reference's end state is the width.
    #[test]
    fn time_to_reach_inverts_reference(p in params_strategy(), (volts, lw, n0) in pulse_strategy()) {
        let width = 10f64.powf(lw);
        let out = apply_pulse(Integrator::Reference, &p, n0, volts, width);
        // Only where the end is inside the window and moved measurably (time is ill-conditioned
        // for moves of a few ulps).
        prop_assume!(!out.clamped && (out.n_after - n0).abs() > 1e-9 * n0);
        let t = time_to_reach(&p, n0, out.n_after, volts).unwrap();
        prop_assert!(rel(t, width) < 1e-3, "width {} time {}", width, t);
    }
}

#[test]
fn reproducible_arrays_and_c2c_sequences() {
    let config = DeviceConfig::load("realistic").unwrap();
    let run = |seed: u64| -> Vec<u64> {
        let mut array = CellArray::new(&config, 16, seed);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xA5A5);
        array.age(20, &mut rng);
        let mut bits: Vec<u64> = array
            .conductances_us()
            .iter()
            .map(|g| g.to_bits())
            .collect();
        for cell in array.cells_mut() {
            for k in 0..5 {
                let pol = if k % 2 == 0 {
                    Polarity::Set
                } else {
                    Polarity::Reset
                };
                let r = cell.apply_pulse(pol, 1e-6);
                bits.push(r.g_after_us.to_bits());
                bits.push(cell.params().l_disc.to_bits());
                bits.push(cell.params().r_disc.to_bits());
            }
        }
        bits
    };
    let a = run(7);
    let b = run(7);
    assert_eq!(a, b);
    let c = run(8);
    assert_ne!(a, c);
}

#[test]
fn c2c_walk_happens_after_the_pulse() {
    let config = DeviceConfig::load("c2c").unwrap();
    let mut cell = Cell::new(&config, 11);
    cell.set_conductance_us(300.0).unwrap();
    let before = *cell.params();
    assert_eq!(before, DeviceParams::nominal());
    let n0 = cell.state();
    let report = cell.apply_pulse(Polarity::Set, 1e-6);
    // The pulse used the nominal parameters.
    let expect = apply_pulse(Integrator::Production, &before, n0, SET_AMPLITUDE_V, 1e-6);
    assert_eq!(report.n_after.to_bits(), expect.n_after.to_bits());
    // And the walk has acted afterwards.
    assert_ne!(*cell.params(), before);
    assert_eq!(*cell.drawn_params(), DeviceParams::nominal());
}

#[test]
fn nominal_preset_has_no_variability() {
    let config = DeviceConfig::load("nominal").unwrap();
    let mut array = CellArray::new(&config, 4, 1);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    array.age(10, &mut rng);
    for cell in array.cells() {
        assert_eq!(*cell.params(), DeviceParams::nominal());
    }
}

#[test]
fn d2d_statistics() {
    let config = DeviceConfig::load("realistic").unwrap();
    let array = CellArray::new(&config, 4000, 99);
    let count = |f: &dyn Fn(&DeviceParams) -> bool| {
        array.cells().iter().filter(|c| f(c.drawn_params())).count() as f64 / 4000.0
    };
    for frac in [
        count(&|p| p.l_disc == 0.36 * 1e-9),
        count(&|p| p.l_disc == 0.44 * 1e-9),
        count(&|p| p.r_disc == 40.5 * 1e-9),
        count(&|p| p.r_disc == 49.5 * 1e-9),
        count(&|p| p.ndiscmax == 18.0),
        count(&|p| p.ndiscmax == 22.0),
    ] {
        assert!((frac - 0.46).abs() < 0.03, "{frac}");
    }
}

#[test]
fn aged_c2c_cells_spread() {
    // The walk alone spreads cells over the parameter window.
    let config = DeviceConfig::load("c2c").unwrap();
    let mut array = CellArray::new(&config, 64, 5);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    array.age(200, &mut rng);
    let ls: Vec<f64> = array.cells().iter().map(|c| c.params().l_disc).collect();
    let min = ls.iter().copied().fold(f64::INFINITY, f64::min);
    let max = ls.iter().copied().fold(0.0, f64::max);
    assert!(max / min > 1.1, "{min} {max}");
    for c in array.cells() {
        let af = c.params().area() / c.drawn_params().area();
        assert!((0.9 - 1e-12..=1.1 + 1e-12).contains(&af));
    }
}

#[test]
fn set_conductance_round_trip() {
    let config = DeviceConfig::load("nominal").unwrap();
    let mut cell = Cell::new(&config, 0);
    for g in [94.4531, 150.0, 353.0, 559.3] {
        cell.set_conductance_us(g).unwrap();
        assert!(rel(cell.conductance_us(), g) < 1e-9);
    }
    assert!(matches!(
        cell.set_conductance_us(600.0),
        Err(DeviceError::ConductanceOutOfRange { .. })
    ));
    assert!(cell.set_conductance_us(50.0).is_err());
}

#[test]
fn preset_errors_are_one_line_and_helpful() {
    let e = DeviceConfig::load("foo").unwrap_err().to_string();
    assert_eq!(
        e,
        "unknown device preset `foo`: use nominal, c2c, realistic or a path to a .yaml file"
    );

    let e = DeviceConfig::load("/nonexistent/dev.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("/nonexistent/dev.yaml") && e.contains("check the path"),
        "{e}"
    );
    assert!(!e.contains('\n'));

    let dir = std::env::temp_dir().join(format!("ouro-physics-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "name: x\nd2d: [unclosed\n").unwrap();
    let e = DeviceConfig::load(bad.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("malformed device config `"), "{e}");
    assert!(e.contains("bad.yaml") && !e.contains('\n'), "{e}");

    let missing = dir.join("missing.yaml");
    std::fs::write(&missing, "name: x\nd2d: true\n").unwrap();
    let e = DeviceConfig::load(missing.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("c2c") && e.contains("missing.yaml") && !e.contains('\n'),
        "{e}"
    );

    let unknown = dir.join("unknown.yaml");
    std::fs::write(&unknown, "name: x\nd2d: true\nc2c: true\nvoltage: 3\n").unwrap();
    let e = DeviceConfig::load(unknown.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("voltage") && !e.contains('\n'), "{e}");

    let invalid = dir.join("invalid.yaml");
    std::fs::write(
        &invalid,
        "name: x\nd2d: true\nc2c: true\nset_amplitude_v: 0.3\n",
    )
    .unwrap();
    let e = DeviceConfig::load(invalid.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("set_amplitude_v") && e.contains("negative"),
        "{e}"
    );

    let good = dir.join("good.yaml");
    std::fs::write(
        &good,
        "name: mine\nd2d: false\nc2c: true\nintegrator: reference\n",
    )
    .unwrap();
    let c = DeviceConfig::load(good.to_str().unwrap()).unwrap();
    assert_eq!(c.name, "mine");
    assert_eq!(c.integrator, Integrator::Reference);
    assert_eq!(c.set_amplitude_v, SET_AMPLITUDE_V);

    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn preset_files_match_embedded() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../presets/");
    for name in ["nominal", "c2c", "realistic"] {
        let from_file = DeviceConfig::load(&format!("{root}{name}.yaml")).unwrap();
        assert_eq!(from_file, DeviceConfig::load(name).unwrap());
        assert_eq!(from_file.name, name);
    }
}

#[test]
fn unclamped_end_beyond_the_window_is_accurate() {
    // Only the cycle-to-cycle `ratio` uses it; 1e-4 relative is ample.
    for p in [DeviceParams::nominal(), fastest()] {
        for (volts, n0) in [(SET_AMPLITUDE_V, 1.5), (RESET_AMPLITUDE_V, 0.2)] {
            for width in [1e-4, 1e-3, 1e-2] {
                let m = PulseModel::new(&p, volts);
                let r = reference_advance(&m, n0, width, 1e-11);
                let q = Integrator::Production.advance(&p, n0, volts, width);
                assert!(rel(q, r) < 1e-4, "{volts} {width}: {q} vs {r}");
            }
        }
    }
}
