//! Verilated engine throughput (docs/BENCHMARKS.md): predictions per second of host time for
//! the default configuration, including writing the inputs through the input port.
//! `cargo test -p ouro-verilated --test throughput -- --ignored --nocapture`. The board top at
//! its pins, in simulated cycles per second, is measured in the end-to-end suite
//! (`tests/tests/board_pins.rs`).

use ouro_core::schema::QPredictor;
use ouro_verilated::{require_verilator, ConfigInfo};
use std::time::Instant;

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
