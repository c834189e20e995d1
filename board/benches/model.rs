//! Speed of the sequencer's transaction-level model on simulated cells:
//! `cargo bench -p ouro-board --bench model`. The goal: 100,000 cells programmed in seconds on
//! one core (the host's model board runs it for large benchmarks). Each mode on the same 1,024
//! cells of `realistic` (a 32 x 32 crossbar, cells started across the window), 2 % tolerance.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ouro_board::frontend::Interlock;
use ouro_board::{Job, SequencerModel, SimFrontend};
use ouro_core::board::BoardConfig;
use ouro_sim::device::DeviceConfig;
use std::hint::black_box;
use std::time::Duration;

fn crossbar(board: &BoardConfig, dev: &DeviceConfig) -> SimFrontend {
    let il = Interlock::of_board(board);
    let mut fe = SimFrontend::new(board, dev, il, 32, 32, 1, 0).expect("crossbar");
    for (i, cell) in fe.cells_mut().iter_mut().enumerate() {
        cell.set_conductance_us(150.0 + (i * 37 % 300) as f64)
            .expect("in the window");
    }
    fe
}

fn bench_model(c: &mut Criterion) {
    let board = BoardConfig::default_board();
    let dev = DeviceConfig::preset("realistic");
    let set = u32::from(board.dac_code_of_v(dev.set_amplitude_v));
    let reset = u32::from(board.dac_code_of_v(dev.reset_amplitude_v));
    let lo = board.code_of_us(120.0);
    let hi = board.code_of_us(520.0);
    let jobs: Vec<Job> = (0..1024u32)
        .map(|i| {
            let target = lo + ((i * 7919) % u32::from(hi - lo)) as u16;
            Job {
                row: (i / 32) as u8,
                col: (i % 32) as u8,
                target,
                tolerance: target / 50,
            }
        })
        .collect();
    let mut group = c.benchmark_group("sequencer_model");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(jobs.len() as u64));
    for (name, mode, cycles) in [
        ("neural_loop", 0, 1),
        ("adaptive_wv", 5, 64),
        ("fixed_wv", 4, 64),
    ] {
        let mut m = SequencerModel::new(&ouro_nn::defaults::qpredictor(), 8).expect("model");
        for (id, v) in [
            (0x10, set),
            (0x18, reset),
            (0x06, set),
            (0x07, reset),
            (0x01, mode),
            (0x05, cycles),
            (0x08, cycles),
            (0x03, 100),
        ] {
            m.write(id, v).expect("setting");
        }
        let fresh = crossbar(&board, &dev);
        group.bench_function(format!("{name}_1024_cells"), |b| {
            b.iter(|| {
                let mut fe = fresh.clone();
                for &j in &jobs {
                    black_box(m.program(&mut fe, j));
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_model);
criterion_main!(benches);
