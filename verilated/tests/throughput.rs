//! Verilated engine throughput (docs/BENCHMARKS.md): predictions per second of host time for
//! the default configuration, including writing the inputs through the input port.
//! `cargo test -p ouro-verilated --test throughput -- --ignored --nocapture`; and the board top
//! at its pins, in simulated cycles per second.

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

/// The verilated board top at its pins, with the DAC, ADC and multiplexer part models and the
/// simulated cells: simulated cycles per second of host time, idle (the link quiet) and while
/// it programs 64 `realistic` cells in the neural loop (the cells' physics included).
#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
fn verilated_board_top_cycles_per_second() {
    use ouro_board::frontend::Interlock;
    use ouro_board::SimFrontend;
    use ouro_core::board::BoardConfig;
    use ouro_core::protocol::{
        Register, Request, Response, RunState, VERSION_MAJOR, VERSION_MINOR,
    };
    use ouro_sim::device::DeviceConfig;
    use ouro_verilated::top::TopSim;

    if !require_verilator("board top throughput") {
        return;
    }
    let board = BoardConfig::default_board();
    let dev = DeviceConfig::preset("realistic");
    let mut fe = SimFrontend::new(&board, &dev, Interlock::of_board(&board), 32, 32, 5, 0).unwrap();
    for (i, cell) in fe.cells_mut().iter_mut().enumerate() {
        cell.set_conductance_us(150.0 + (i * 37 % 300) as f64)
            .unwrap();
    }
    let mut sim = TopSim::new(&board, fe).expect("verilated top");
    let n = 2_000_000u64;
    let t0 = Instant::now();
    sim.run(n);
    let idle = n as f64 / t0.elapsed().as_secs_f64();
    let ask = |sim: &mut TopSim, r: Request| {
        let a = sim.request(&r.encode().unwrap(), 10_000_000).unwrap();
        Response::decode(&a).unwrap()
    };
    ask(
        &mut sim,
        Request::Hello {
            tag: 1,
            major: VERSION_MAJOR,
            minor: VERSION_MINOR,
        },
    );
    let set = u32::from(board.dac_code_of_v(dev.set_amplitude_v));
    let reset = u32::from(board.dac_code_of_v(dev.reset_amplitude_v));
    let writes = vec![
        (Register::Mode, 0),
        (Register::LevelDacSet0, set),
        (Register::LevelDacReset0, reset),
    ];
    ask(&mut sim, Request::Configure { tag: 2, writes });
    let cells = (0..64u16)
        .map(|i| ((i / 8) as u8, (i % 8) as u8, 800 + i * 35, 30))
        .collect();
    let c0 = sim.cycle();
    let t0 = Instant::now();
    ask(&mut sim, Request::Program { tag: 3, cells });
    loop {
        sim.run(20_000);
        if let Response::Status {
            state: RunState::Idle,
            queued: 0,
            ..
        } = ask(&mut sim, Request::Status { tag: 4 })
        {
            break;
        }
    }
    let busy = (sim.cycle() - c0) as f64 / t0.elapsed().as_secs_f64();
    println!(
        "board top: idle {:.2} M cycles/s, programming 64 cells {:.2} M cycles/s ({} cycles) of host time",
        idle / 1e6,
        busy / 1e6,
        sim.cycle() - c0
    );
}
