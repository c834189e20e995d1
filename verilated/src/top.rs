//! The board top verilated whole and driven at its pins ([`TopSim`]): the host's bytes go in
//! on the UART pin at the baud rate, the answers come out of the UART pin and are deframed,
//! and the front end's pins drive models of the real parts (AD5541A DAC, AD7476A ADC, two
//! ADG731 multiplexers, each checking its datasheet timing) wired to a crossbar of simulated
//! cells ([`ouro_board::SimFrontend`]): the ADC converts the cell its multiplexers connect
//! when its chip select falls, and a pulse is applied to that cell when the gate falls, at the
//! DAC's output code, for as many cycles as the gate was high.

use crate::parts::{Ad5541a, Ad5541aTiming, Ad7476a, Ad7476aTiming, Adg731, Adg731Timing};
use crate::{BlockInfo, BlockModel};
use ouro_board::SimFrontend;
use ouro_core::board::BoardConfig;
use ouro_core::protocol::{frame, Deframer, ProtocolError};
use ouro_core::Polarity;
use std::collections::VecDeque;

/// Name of the verilated board top built with the default predictor on the iCEBreaker board
/// file, at the board's lane count (`ouro_hdl::top::BOARD_LANES`).
pub const TOP_BLOCK: &str = "top_default";
/// The same top built with the shipped `nominal` predictor (2-16-16-1 with input tables: the
/// sequencer reads the table memory that LOAD_TABLE fills).
pub const TOP_NOMINAL_BLOCK: &str = "top_nominal";

/// One pulse seen at the pins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinPulse {
    /// The cycle (from the start of the simulation) in which the gate rose.
    pub start: u64,
    /// The polarity line while the gate was high.
    pub polarity: Polarity,
    /// The DAC's output code while the gate was high.
    pub dac_code: u16,
    /// Cycles the gate was high.
    pub cycles: u32,
    /// The row and column the multiplexers connected.
    pub cell: Option<(u8, u8)>,
}

struct Pins {
    clock: usize,
    uart_rx: usize,
    adc_sdata: usize,
    uart_tx: usize,
    dac_cs_n: usize,
    dac_din: usize,
    dac_ldac_n: usize,
    dac_sclk: usize,
    adc_cs_n: usize,
    adc_sclk: usize,
    mux_sclk: usize,
    mux_din: usize,
    mux_sync_row_n: usize,
    mux_sync_col_n: usize,
    pulse_gate: usize,
    pulse_pol: usize,
    led_r_n: usize,
    led_g_n: usize,
}

/// The verilated board top with its parts, its cells and a host at its UART pins.
pub struct TopSim {
    m: BlockModel,
    p: Pins,
    fe: SimFrontend,
    dac: Ad5541a,
    adc: Ad7476a,
    row: Adg731,
    col: Adg731,
    period: f64,
    cycle: u64,
    cpb: u64,
    to_board: VecDeque<bool>,
    bit_left: u64,
    line: bool,
    rx_phase: u32,
    rx_wait: u64,
    rx_byte: u8,
    deframer: Deframer,
    frames: VecDeque<Result<Vec<u8>, ProtocolError>>,
    sdata: bool,
    last: [bool; 11],
    gate: Option<(u64, Polarity, u16)>,
    pulses: Vec<PinPulse>,
    problems: Vec<String>,
}

impl std::fmt::Debug for TopSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TopSim(cycle {})", self.cycle)
    }
}

impl TopSim {
    /// The verilated top ([`TOP_BLOCK`]) on `board` (its clock and parts' timing), programming
    /// the cells of `fe`; `None` without Verilator.
    pub fn new(board: &BoardConfig, fe: SimFrontend) -> Option<Self> {
        Self::of_block(TOP_BLOCK, board, fe)
    }

    /// The verilated top `block` ([`TOP_BLOCK`] or [`TOP_NOMINAL_BLOCK`]), as [`TopSim::new`].
    pub fn of_block(block: &str, board: &BoardConfig, fe: SimFrontend) -> Option<Self> {
        let m = BlockInfo::get(block)?.model()?;
        let i = |n: &str| m.index(n, true);
        let o = |n: &str| m.index(n, false);
        let p = Pins {
            clock: i("clock"),
            uart_rx: i("uart_rx"),
            adc_sdata: i("adc_sdata"),
            uart_tx: o("uart_tx"),
            dac_cs_n: o("dac_cs_n"),
            dac_din: o("dac_din"),
            dac_ldac_n: o("dac_ldac_n"),
            dac_sclk: o("dac_sclk"),
            adc_cs_n: o("adc_cs_n"),
            adc_sclk: o("adc_sclk"),
            mux_sclk: o("mux_sclk"),
            mux_din: o("mux_din"),
            mux_sync_row_n: o("mux_sync_row_n"),
            mux_sync_col_n: o("mux_sync_col_n"),
            pulse_gate: o("pulse_gate"),
            pulse_pol: o("pulse_pol"),
            led_r_n: o("led_r_n"),
            led_g_n: o("led_g_n"),
        };
        let period = 1e9 / board.clock_hz as f64;
        let mux = Adg731Timing {
            t_on: f64::from(board.mux.switch_ns),
            ..Adg731Timing::default()
        };
        let mut s = Self {
            m,
            p,
            fe,
            dac: Ad5541a::new(Ad5541aTiming {
                t_settle: f64::from(board.dac.settling_ns),
                ..Ad5541aTiming::default()
            }),
            adc: Ad7476a::new(Ad7476aTiming::default(), period),
            row: Adg731::new("ADG731 row", mux),
            col: Adg731::new("ADG731 col", mux),
            period,
            cycle: 0,
            cpb: board.clock_hz / u64::from(ouro_core::protocol::BAUD),
            to_board: VecDeque::new(),
            bit_left: 0,
            line: true,
            rx_phase: 0,
            rx_wait: 0,
            rx_byte: 0,
            deframer: Deframer::new(),
            frames: VecDeque::new(),
            sdata: false,
            last: [true; 11],
            gate: None,
            pulses: Vec::new(),
            problems: Vec::new(),
        };
        s.m.set_at(s.p.uart_rx, 1);
        s.m.eval();
        Some(s)
    }

    /// The simulated cells and their read path.
    pub fn frontend(&self) -> &SimFrontend {
        &self.fe
    }

    /// Cycles simulated.
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// Every pulse applied so far.
    pub fn pulses(&self) -> &[PinPulse] {
        &self.pulses
    }

    /// Datasheet violations of the parts, and what the harness found wrong at the pins (a
    /// pulse with the DAC not settled or no cell connected, a conversion with no cell
    /// connected).
    pub fn problems(&self) -> Vec<String> {
        let mut v = self.problems.clone();
        for p in [
            self.dac.violations(),
            self.adc.violations(),
            self.row.violations(),
            self.col.violations(),
        ] {
            v.extend(p.iter().cloned());
        }
        v
    }

    /// The LEDs: (red lit, green lit).
    pub fn leds(&self) -> (bool, bool) {
        (
            self.m.get_at(self.p.led_r_n) == 0,
            self.m.get_at(self.p.led_g_n) == 0,
        )
    }

    /// Queue `bytes` for the UART pin, as they are (no framing).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.to_board.push_back(false);
            for k in 0..8 {
                self.to_board.push_back(b >> k & 1 == 1);
            }
            self.to_board.push_back(true);
        }
    }

    /// Queue `payload` as one frame.
    ///
    /// # Panics
    /// If the payload is longer than a frame holds.
    pub fn send(&mut self, payload: &[u8]) {
        let f = frame(payload).expect("payload fits a frame");
        self.send_raw(&f);
    }

    /// Run until a frame arrives from the board (or `max_cycles` pass): the payload, or the
    /// deframer's error for a bad frame; `None` on timeout.
    pub fn receive(&mut self, max_cycles: u64) -> Option<Result<Vec<u8>, ProtocolError>> {
        let end = self.cycle + max_cycles;
        while self.frames.is_empty() && self.cycle < end {
            self.tick();
        }
        self.frames.pop_front()
    }

    /// Send `payload` and wait for the answer (at most `max_cycles`).
    ///
    /// # Errors
    /// A message when no frame or a bad frame came back.
    pub fn request(&mut self, payload: &[u8], max_cycles: u64) -> Result<Vec<u8>, String> {
        self.send(payload);
        match self.receive(max_cycles) {
            Some(Ok(p)) => Ok(p),
            Some(Err(e)) => Err(format!("bad frame from the board: {e}")),
            None => Err(format!("no answer within {max_cycles} cycles")),
        }
    }

    /// Run `n` cycles.
    pub fn run(&mut self, n: u64) {
        for _ in 0..n {
            self.tick();
        }
    }

    fn cell(&self, now: f64) -> Option<(u8, u8)> {
        Some((self.row.channel_at(now)?, self.col.channel_at(now)?))
    }

    /// One clock cycle.
    pub fn tick(&mut self) {
        // The host's line.
        if self.bit_left == 0 {
            if let Some(bit) = self.to_board.pop_front() {
                self.line = bit;
                self.bit_left = self.cpb;
            } else {
                self.line = true;
            }
        }
        if self.bit_left > 0 {
            self.bit_left -= 1;
        }
        self.m.set_at(self.p.uart_rx, u64::from(self.line));
        self.m.set_at(self.p.adc_sdata, u64::from(self.sdata));
        self.m.set_at(self.p.clock, 1);
        self.m.eval();
        self.m.set_at(self.p.clock, 0);
        self.m.eval();
        self.cycle += 1;
        let now = self.cycle as f64 * self.period;
        let g = |s: &Self, i: usize| s.m.get_at(i) != 0;
        let pins = [
            g(self, self.p.dac_cs_n),
            g(self, self.p.dac_sclk),
            g(self, self.p.dac_din),
            g(self, self.p.dac_ldac_n),
            g(self, self.p.mux_sync_row_n),
            g(self, self.p.mux_sclk),
            g(self, self.p.mux_din),
            g(self, self.p.mux_sync_col_n),
            g(self, self.p.adc_cs_n),
            g(self, self.p.adc_sclk),
            g(self, self.p.pulse_gate),
        ];
        let changed = |a: usize, b: usize| pins[a..b] != self.last[a..b];
        if changed(0, 4) {
            self.dac.step(now, pins[0], pins[1], pins[2], pins[3]);
        }
        if changed(4, 8) {
            self.row.step(now, pins[4], pins[5], pins[6]);
            self.col.step(now, pins[7], pins[5], pins[6]);
        }
        if changed(8, 10) {
            if self.last[8] && !pins[8] {
                // CS falls: the ADC samples the connected cell.
                match self.cell(now) {
                    Some((r, c)) => self.fe.connect(r, c),
                    None => self.problems.push(format!(
                        "cycle {}: a conversion with no cell connected",
                        self.cycle
                    )),
                }
                let code = self.fe.convert();
                self.adc.push_input(code);
            }
            self.sdata = self.adc.step(now, pins[8], pins[9]);
        }
        if changed(10, 11) {
            if pins[10] {
                let polarity = if g(self, self.p.pulse_pol) {
                    Polarity::Reset
                } else {
                    Polarity::Set
                };
                if !self.dac.settled(now) {
                    self.problems.push(format!(
                        "cycle {}: the gate rose before the DAC settled",
                        self.cycle
                    ));
                }
                self.gate = Some((self.cycle, polarity, self.dac.output().0));
            } else if let Some((start, polarity, dac_code)) = self.gate.take() {
                let cells = self.cell(now);
                match cells {
                    Some((r, c)) => self.fe.connect(r, c),
                    None => self.problems.push(format!(
                        "cycle {}: a pulse with no cell connected",
                        self.cycle
                    )),
                }
                let cycles = (self.cycle - start) as u32;
                self.fe.apply(polarity, dac_code, cycles);
                self.pulses.push(PinPulse {
                    start,
                    polarity,
                    dac_code,
                    cycles,
                    cell: cells,
                });
            }
        }
        self.last = pins;
        self.uart_in();
    }

    /// The board's line: 8N1 at the baud rate, sampled mid-bit.
    fn uart_in(&mut self) {
        let level = self.m.get_at(self.p.uart_tx) != 0;
        if self.rx_phase == 0 {
            if !level {
                self.rx_phase = 1;
                self.rx_wait = self.cpb / 2;
            }
            return;
        }
        if self.rx_wait > 0 {
            self.rx_wait -= 1;
            return;
        }
        self.rx_wait = self.cpb - 1;
        match self.rx_phase {
            1 => {
                if level {
                    self.rx_phase = 0; // a glitch, not a start bit
                    return;
                }
                self.rx_byte = 0;
            }
            2..=9 => self.rx_byte |= u8::from(level) << (self.rx_phase - 2),
            _ => {
                if level {
                    if let Some(f) = self.deframer.push(self.rx_byte) {
                        self.frames.push_back(f);
                    }
                } else {
                    self.deframer.push_line_error();
                }
                self.rx_phase = 0;
                return;
            }
        }
        self.rx_phase += 1;
    }
}
