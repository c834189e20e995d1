//! The cycle budget of one verify step on the board, per mode, beside a verify step driven from
//! the host over the serial link: `cargo run -p ouro-board --example verify_budget [board.yaml]`
//! (the iCEBreaker board file by default). Every figure comes from the constants the gateware is
//! tested against: the front end's latencies (`ouro_hdl::frontend::timing`), the sequencer's
//! (`ouro_board::sequencer`), the engine's latency at the board's lane count, and the protocol's
//! frame sizes at its baud rate. The pulse's own duration is not counted (it is the cell's).

use ouro_board::sequencer::{
    DECIDE_CYCLES, HISTORY_SETUP_CYCLES, HISTORY_TABLE_SETUP_CYCLES, ISSUE_CYCLES,
    PREDICT_SETUP_CYCLES, TABLE_SETUP_CYCLES,
};
use ouro_core::board::BoardConfig;
use ouro_core::protocol::{frame, Request, Response, BAUD};
use ouro_core::schema::QPredictor;
use ouro_core::Polarity;
use ouro_hdl::frontend::timing::{pulse_cycles, read_cycles, select_cycles};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let board = match std::env::args().nth(1) {
        Some(p) => BoardConfig::load(&p)?,
        None => BoardConfig::default_board(),
    };
    let t = board.timing();
    let mhz = board.clock_hz as f64 / 1e6;
    let us = |c: u32| f64::from(c) / mhz;
    let lanes = ouro_hdl::top::BOARD_LANES;
    let latency = |sets: &[&QPredictor]| -> Result<u32, Box<dyn std::error::Error>> {
        let shape = ouro_hdl::EngineShape::with_sets(sets, lanes)?;
        Ok(u32::try_from(shape.latency_cycles())?)
    };
    let q = ouro_nn::defaults::qpredictor();
    let nominal = QPredictor::from_yaml_str(
        include_str!("../../predictors/nominal.q.yaml"),
        "predictors/nominal.q.yaml",
    )?;
    let h = ouro_nn::defaults::history_qpredictor();
    let embedded = ouro_nn::embed::embed(&q, &h)?;
    let engine = latency(&[&q])?;
    let read = read_cycles(&t, 0);
    let pulse = pulse_cycles(&t, 0);
    // A prediction: its setup, the engine, the cycle that issues the pulse.
    let blind = PREDICT_SETUP_CYCLES + engine + 1;
    let tables = TABLE_SETUP_CYCLES + latency(&[&nominal])? + 1;
    let history_setup = if h.networks.set.input_tables.is_empty() {
        HISTORY_SETUP_CYCLES
    } else {
        HISTORY_TABLE_SETUP_CYCLES
    };
    let history = history_setup + latency(&[&embedded, &h])? + 1;
    println!(
        "board {}, {mhz} MHz, engine {lanes} lane(s): {engine} cycles per prediction of the default network",
        board.name
    );
    println!(
        "| mode | read | decide | predict | issue | pulse overhead | step (cycles) | step (us) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let row = |name: &str, predict: u32| {
        let step = read + DECIDE_CYCLES + predict + ISSUE_CYCLES + pulse;
        println!(
            "| {name} | {read} | {DECIDE_CYCLES} | {predict} | {ISSUE_CYCLES} | {pulse} | {step} | {:.1} |",
            us(step)
        );
    };
    row("fixed / adaptive write and verify", 0);
    row("neural loop, neural one shot (blind network)", blind);
    row("the same, `nominal` (2-16-16-1, input tables)", tables);
    row(
        "probe-then-predict, after the probe (two-set engine, history network)",
        history,
    );

    // From the host: RAW_PULSE, then READ_CELL, each a request frame, the board's work (the
    // raw commands select the cell each time), the answer frame, and the wait of the FT2232H's
    // latency timer for an answer shorter than its buffer. 10 bits per byte (8N1).
    let wire = |payload: Vec<u8>| -> Result<f64, Box<dyn std::error::Error>> {
        Ok(frame(&payload)?.len() as f64 * 10.0 / f64::from(BAUD) * 1e6)
    };
    let pulse_req = wire(
        Request::RawPulse {
            tag: 1,
            row: 7,
            col: 9,
            polarity: Polarity::Set,
            dac_code: 30000,
            cycles: 12,
        }
        .encode()?,
    )?;
    let pulse_ans = wire(Response::RawPulse { tag: 1 }.encode()?)?;
    let read_req = wire(
        Request::ReadCell {
            tag: 2,
            row: 7,
            col: 9,
            reads_log2: 0,
        }
        .encode()?,
    )?;
    let read_ans = wire(Response::ReadCell { tag: 2, code: 1234 }.encode()?)?;
    let board_us = us(2 * select_cycles(&t) + pulse + read);
    let link = pulse_req + pulse_ans + read_req + read_ans;
    println!();
    println!(
        "host-driven step (RAW_PULSE then READ_CELL at {} baud): frames {link:.0} us on the wire, \
         board {board_us:.1} us (two selects, the pulse overhead, the read)",
        BAUD
    );
    for (timer_ms, what) in [
        (1.0, "latency timer 1 ms (its shortest)"),
        (16.0, "16 ms (the default)"),
    ] {
        let step = link + board_us + 2.0 * timer_ms * 1000.0;
        println!("| host-driven, {what} | {step:.0} us |");
    }
    Ok(())
}
