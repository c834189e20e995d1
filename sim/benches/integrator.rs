//! Speed of the pulse integrators (docs/DEVICE.md, "Integrators").
//!
//! Run: `cargo bench -p ouro-sim --bench integrator`. Targets (not asserted in tests): the
//! production integrator does >= 100,000 pulses/s on one core for log-uniform widths 10 ns..10 ms
//! from random states, and is >= 100x faster than the authors' 10 ns Euler at 1 ms widths.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ouro_sim::device::{
    DeviceParams, Integrator, PulseModel, N_WINDOW_MAX, N_WINDOW_MIN, RESET_AMPLITUDE_V,
    SET_AMPLITUDE_V,
};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const BATCH: usize = 1000;

/// Random pulses on nominal cells: polarity 50/50, start state uniform in the window, width
/// log-uniform on [lo, hi] seconds.
fn pulses(lo: f64, hi: f64, seed: u64) -> Vec<(f64, f64, f64)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..BATCH)
        .map(|_| {
            let volts = if rng.random::<bool>() {
                SET_AMPLITUDE_V
            } else {
                RESET_AMPLITUDE_V
            };
            let n0 = rng.random_range(N_WINDOW_MIN..N_WINDOW_MAX);
            let width = (lo.ln() + (hi.ln() - lo.ln()) * rng.random::<f64>()).exp();
            (volts, n0, width)
        })
        .collect()
}

/// The same, on cells spread over the whole variability range.
fn varied_pulses(seed: u64) -> Vec<(DeviceParams, f64, f64, f64)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    pulses(1e-8, 1e-2, seed)
        .into_iter()
        .map(|(v, n0, w)| {
            let mut p = DeviceParams::nominal();
            p.ndiscmax = rng.random_range(16.2..24.2);
            p.ndiscmin = rng.random_range(0.0004..0.0304);
            p.l_disc = rng.random_range(0.324e-9..0.484e-9);
            p.r_disc = rng.random_range(40.5e-9..49.5e-9) * rng.random_range(0.9_f64..1.1).sqrt();
            (p, v, n0, w)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let nominal = DeviceParams::nominal();

    let mut g = c.benchmark_group("production");
    g.throughput(Throughput::Elements(BATCH as u64));
    let mixed = pulses(1e-8, 1e-2, 1);
    g.bench_function("log_uniform_10ns_10ms", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for &(v, n0, w) in &mixed {
                acc += Integrator::Production.advance(&nominal, n0, v, w);
            }
            black_box(acc)
        })
    });
    let varied = varied_pulses(2);
    g.bench_function("log_uniform_10ns_10ms_varied_cells", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for (p, v, n0, w) in &varied {
                acc += Integrator::Production.advance(p, *n0, *v, *w);
            }
            black_box(acc)
        })
    });
    for (label, width) in [("10ns", 1e-8), ("1us", 1e-6), ("1ms", 1e-3), ("10ms", 1e-2)] {
        let fixed = pulses(width, width, 3);
        g.bench_with_input(
            BenchmarkId::new("fixed_width", label),
            &fixed,
            |b, fixed| {
                b.iter(|| {
                    let mut acc = 0.0;
                    for &(v, n0, w) in fixed {
                        acc += Integrator::Production.advance(&nominal, n0, v, w);
                    }
                    black_box(acc)
                })
            },
        );
    }
    g.finish();

    let mut g = c.benchmark_group("euler10ns");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1));
    let m = PulseModel::new(&nominal, SET_AMPLITUDE_V);
    g.bench_function("1ms", |b| {
        b.iter(|| black_box(Integrator::Euler10ns.advance_model(&m, black_box(0.1), 1e-3)))
    });
    g.finish();

    let mut g = c.benchmark_group("production_single");
    g.throughput(Throughput::Elements(1));
    g.bench_function("1ms", |b| {
        b.iter(|| black_box(Integrator::Production.advance_model(&m, black_box(0.1), 1e-3)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
