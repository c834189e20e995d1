//! The front end blocks that the Verilator harness builds alone (`ouro-verilated`'s build
//! script verilates them; `tests/frontend.rs` drives them): each with the iCEBreaker board's
//! timing, and some with other dividers and waits, so that every latency formula is held
//! against more than one set of parameters.

use ouro_core::board::BoardConfig;
use ouro_core::frontend::Timing;
use ouro_hdl::frontend::PulseLimits;

/// The iCEBreaker board's front-end timing (`boards/icebreaker.yaml`).
pub fn icebreaker() -> Timing {
    BoardConfig::load("icebreaker")
        .expect("the shipped board")
        .timing()
}

/// The iCEBreaker timing with slower SPI clocks and other waits: DAC divider 3 with a settling
/// time shorter than the LDAC pulse, ADC divider 2 with a 4-cycle quiet time, multiplexer
/// divider 2 with no switching time, reader settling 0.
pub fn slow() -> Timing {
    Timing {
        dac_div: 3,
        dac_settle: 2,
        adc_div: 2,
        adc_quiet: 4,
        read_settle: 0,
        mux_div: 2,
        mux_switch: 0,
        ..icebreaker()
    }
}

/// Synthesized limits for the pulser's refusal tests: 5..=5000 cycles, SET codes up to 30000,
/// RESET codes up to 50000.
pub const TEST_LIMITS: PulseLimits = PulseLimits {
    min_cycles: 5,
    max_cycles: 5000,
    max_code_set: 30000,
    max_code_reset: 50000,
};

/// The verilated front-end blocks: (name, timing, pulse limits for the pulsers). Names are
/// `fe_<block>` with the iCEBreaker timing and `fe_<block>_slow` with [`slow`]; `fe_pulser`
/// has [`TEST_LIMITS`] and `fe_pulser_board` the board's own limits.
pub fn blocks() -> Vec<(&'static str, Timing, PulseLimits)> {
    let board = BoardConfig::load("icebreaker").expect("the shipped board");
    let own = PulseLimits::of_board(&board);
    let (i, s) = (icebreaker(), slow());
    vec![
        ("fe_dac", i, own),
        ("fe_dac_slow", s, own),
        ("fe_adc", i, own),
        ("fe_adc_slow", s, own),
        ("fe_reader", i, own),
        ("fe_reader_slow", s, own),
        ("fe_select", i, own),
        ("fe_select_slow", s, own),
        ("fe_pulser", i, TEST_LIMITS),
        ("fe_pulser_slow", s, TEST_LIMITS),
        ("fe_pulser_board", i, own),
    ]
}

/// The block called `name` (see [`blocks`]): its timing and limits.
///
/// # Panics
/// If there is none.
pub fn block(name: &str) -> (Timing, PulseLimits) {
    let (_, t, l) = blocks()
        .into_iter()
        .find(|(n, _, _)| *n == name)
        .unwrap_or_else(|| panic!("no front-end block {name}"));
    (t, l)
}
