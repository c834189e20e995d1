//! Verilated engine throughput (docs/BENCHMARKS.md): predictions per second of host time for
//! the default configuration, including writing the inputs through the input port.
//! `cargo test -p ouro-verilated --test throughput -- --ignored --nocapture`; and the board top
//! at its pins, in simulated cycles per second.

use ouro_core::schema::QPredictor;
use ouro_verilated::{require_verilator, ConfigInfo};
use std::time::Instant;

mod top_support;

#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
fn verilated_predictions_per_second() {
    if !require_verilator("throughput") {
        return;
    }
    for cfg in ouro_verilated::CONFIGS {
        let cfg = ConfigInfo::get(cfg.name).unwrap();
        let mut m = cfg.model().unwrap();
        let n = 20_000u32;
        let inputs = QPredictor::from_yaml_str(cfg.predictor_yaml, cfg.name)
            .expect("embedded predictor")
            .features
            .len();
        let t0 = Instant::now();
        for k in 0..n {
            for i in 0..inputs {
                m.set_in_we(true);
                m.set_in_addr(i as u8);
                m.set_in_data((k.wrapping_mul(2654435761) >> (8 + i)) as u16);
                m.tick();
            }
            m.set_in_we(false);
            m.set_polarity(k % 2 == 1);
            m.set_start(true);
            m.tick();
            m.set_start(false);
            while !m.get_done() {
                m.tick();
            }
        }
        let s = t0.elapsed().as_secs_f64();
        println!(
            "{}: {} lanes, latency {} cycles: {:.0} predictions/s, {:.2} M cycles/s of host time",
            cfg.name,
            cfg.lanes,
            cfg.latency,
            f64::from(n) / s,
            m.cycles() as f64 / s / 1e6
        );
    }
}

/// The verilated board top at its pins, with the DAC, ADC and multiplexer part models and the
/// simulated cells: simulated cycles per second of host time, idle (the link quiet) and while
/// it programs 64 `realistic` cells in the neural loop (the cells' physics included; the run
/// counts from the PROGRAM request to the last record fetched).
#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
fn verilated_board_top_cycles_per_second() {
    let board = ouro_core::board::BoardConfig::default_board();
    let Some(mut h) = top_support::host(&board, "realistic", 5) else {
        return;
    };
    let n = 2_000_000u64;
    let t0 = Instant::now();
    h.sim.run(n);
    let idle = n as f64 / t0.elapsed().as_secs_f64();
    let mut settings = top_support::amplitudes(&board, "realistic");
    settings.push((0x01, 0));
    h.configure(&settings);
    let jobs = top_support::jobs(64, &board, 20);
    let c0 = h.sim.cycle();
    let t0 = Instant::now();
    let records = h.program(&jobs);
    let busy = (h.sim.cycle() - c0) as f64 / t0.elapsed().as_secs_f64();
    assert_eq!(records.len(), 64);
    println!(
        "board top: idle {:.2} M cycles/s, programming 64 cells {:.2} M cycles/s ({} cycles) of host time",
        idle / 1e6,
        busy / 1e6,
        h.sim.cycle() - c0
    );
}
