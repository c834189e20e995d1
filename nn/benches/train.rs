//! Training speed on synthetic characterization data: `cargo bench -p ouro-nn --bench train`.
//! The goal is 100 epochs on 100,000 rows in under 30 s with the default network.

use criterion::{criterion_group, criterion_main, Criterion};
use ouro_nn::train::{train, TrainParams};
use ouro_testkit::synthetic;
use std::hint::black_box;
use std::time::Duration;

fn bench_train(c: &mut Criterion) {
    let rows = synthetic::characterize(100_000, 1);
    let mut group = c.benchmark_group("train");
    group.sample_size(10);
    for epochs in [10, 100] {
        // Ten samples of the full run take about 40 s on a loaded 2-core machine.
        group.measurement_time(Duration::from_secs(if epochs > 10 { 45 } else { 20 }));
        let params = TrainParams {
            epochs,
            ..TrainParams::default()
        }
        .check()
        .expect("valid settings");
        group.bench_function(format!("100k_rows_{epochs}_epochs_default_net"), |b| {
            b.iter(|| train(black_box(&rows), &params, None).expect("training"));
        });
    }
    group.finish();
}

criterion_group!(benches, bench_train);
criterion_main!(benches);
