//! The board's top gateware, Verilog module `ouro_top`: what `ouro_hdl::board` wraps into the
//! iCEBreaker's pins (`docs/HDL.md`, "Board flow").
//!
//! This top is the host link alone, so that the bitstream flow runs end to end on real gateware:
//! every good frame the receive chain takes ([`RxChain`]) is sent straight back through the frame
//! transmitter ([`FrameTx`]), byte for byte (an echo; an empty payload is released unanswered);
//! the green LED lights for about 87 ms (2^20 cycles at 12 MHz) after each echoed frame, the red
//! one after each bad or dropped frame; the front end's pins hold their idle levels (chip
//! selects, LDAC and the multiplexers' SYNC high, the ADC's and the multiplexers' SCLK high, the
//! DAC's SCLK low, no pulse).

use crate::link::{FrameTx, RxChain, BUF_ADDR_BITS as AB, LEN_BITS as LB};
use crate::{EngineShape, HdlError};
use ouro_core::board::BoardConfig;
use ouro_core::protocol::BAUD;
use ouro_core::schema::QPredictor;
use rust_hdl::prelude::*;

/// Bits of the LED stretchers: an LED stays lit `2^LED_BITS` cycles after its event.
const LED_BITS: usize = 20;

fn c<const N: usize>(v: u64) -> Constant<Bits<N>> {
    Constant::new(v.into())
}

/// The host link echoing every good frame, with the board top's ports.
#[derive(LogicBlock)]
struct EchoTop {
    clock: Signal<In, Clock>,
    uart_rx: Signal<In, bool>,
    uart_tx: Signal<Out, bool>,
    dac_cs_n: Signal<Out, bool>,
    dac_din: Signal<Out, bool>,
    dac_ldac_n: Signal<Out, bool>,
    dac_sclk: Signal<Out, bool>,
    adc_cs_n: Signal<Out, bool>,
    adc_sclk: Signal<Out, bool>,
    adc_sdata: Signal<In, bool>,
    mux_sclk: Signal<Out, bool>,
    mux_din: Signal<Out, bool>,
    mux_sync_row_n: Signal<Out, bool>,
    mux_sync_col_n: Signal<Out, bool>,
    pulse_gate: Signal<Out, bool>,
    pulse_pol: Signal<Out, bool>,
    led_r_n: Signal<Out, bool>,
    led_g_n: Signal<Out, bool>,
    rx: RxChain,
    tx: FrameTx,
    st_idle: Constant<Bits<2>>,
    st_send: Constant<Bits<2>>,
    st_release: Constant<Bits<2>>,
    zero_len: Constant<Bits<LB>>,
    one_len: Constant<Bits<LB>>,
    zero_addr: Constant<Bits<AB>>,
    one_addr: Constant<Bits<AB>>,
    led_zero: Constant<Bits<LED_BITS>>,
    led_one: Constant<Bits<LED_BITS>>,
    led_full: Constant<Bits<LED_BITS>>,
    state: DFF<Bits<2>>,
    idx: DFF<Bits<AB>>,
    last_idx: DFF<Bits<AB>>,
    green: DFF<Bits<LED_BITS>>,
    red: DFF<Bits<LED_BITS>>,
    len_m1: Signal<Local, Bits<LB>>,
    last: Signal<Local, bool>,
}

impl EchoTop {
    fn new(clocks_per_bit: u32) -> Self {
        Self {
            clock: Default::default(),
            uart_rx: Default::default(),
            uart_tx: Default::default(),
            dac_cs_n: Default::default(),
            dac_din: Default::default(),
            dac_ldac_n: Default::default(),
            dac_sclk: Default::default(),
            adc_cs_n: Default::default(),
            adc_sclk: Default::default(),
            adc_sdata: Default::default(),
            mux_sclk: Default::default(),
            mux_din: Default::default(),
            mux_sync_row_n: Default::default(),
            mux_sync_col_n: Default::default(),
            pulse_gate: Default::default(),
            pulse_pol: Default::default(),
            led_r_n: Default::default(),
            led_g_n: Default::default(),
            rx: RxChain::new(clocks_per_bit),
            tx: FrameTx::new(clocks_per_bit),
            st_idle: c(0),
            st_send: c(1),
            st_release: c(2),
            zero_len: c(0),
            one_len: c(1),
            zero_addr: c(0),
            one_addr: c(1),
            led_zero: c(0),
            led_one: c(1),
            led_full: c((1 << LED_BITS) - 1),
            state: Default::default(),
            idx: Default::default(),
            last_idx: Default::default(),
            green: Default::default(),
            red: Default::default(),
            len_m1: Default::default(),
            last: Default::default(),
        }
    }
}

impl Logic for EchoTop {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, rx, tx);
        dff_setup!(self, clock, state, idx, last_idx, green, red);
        self.rx.rx.next = self.uart_rx.val();
        self.uart_tx.next = self.tx.tx.val();
        // The front end idles.
        self.dac_cs_n.next = true;
        self.dac_din.next = false;
        self.dac_ldac_n.next = true;
        self.dac_sclk.next = false;
        self.adc_cs_n.next = true;
        self.adc_sclk.next = true;
        self.mux_sclk.next = true;
        self.mux_din.next = false;
        self.mux_sync_row_n.next = true;
        self.mux_sync_col_n.next = true;
        self.pulse_gate.next = false;
        self.pulse_pol.next = false;
        // The echo: `rd_data` is the byte at `idx` in every cycle of the send state (the
        // buffer is read at `idx`, or at `idx + 1` on the edge that moves to it).
        self.len_m1.next = self.rx.length.val() - self.one_len.val();
        self.last.next = self.idx.q.val() == self.last_idx.q.val();
        self.rx.rd_addr.next = self.idx.q.val();
        self.rx.release_buf.next = false;
        self.tx.data.next = self.rx.rd_data.val();
        self.tx.valid.next = false;
        self.tx.last.next = self.last.val();
        if self.state.q.val() == self.st_idle.val() {
            if self.rx.ready.val() {
                if self.rx.length.val() == self.zero_len.val() {
                    self.state.d.next = self.st_release.val();
                } else {
                    self.last_idx.d.next = self.len_m1.val().get_bits::<AB>(0);
                    self.state.d.next = self.st_send.val();
                }
            }
        } else if self.state.q.val() == self.st_send.val() {
            self.tx.valid.next = true;
            if self.tx.ready.val() {
                if self.last.val() {
                    self.idx.d.next = self.zero_addr.val();
                    self.state.d.next = self.st_release.val();
                } else {
                    self.idx.d.next = self.idx.q.val() + self.one_addr.val();
                    self.rx.rd_addr.next = self.idx.q.val() + self.one_addr.val();
                }
            }
        } else {
            self.rx.release_buf.next = true;
            self.state.d.next = self.st_idle.val();
        }
        // The LEDs (active low) stay lit while their stretcher runs.
        if self.green.q.val() != self.led_zero.val() {
            self.green.d.next = self.green.q.val() - self.led_one.val();
        }
        if self.state.q.val() == self.st_release.val() {
            self.green.d.next = self.led_full.val();
        }
        if self.red.q.val() != self.led_zero.val() {
            self.red.d.next = self.red.q.val() - self.led_one.val();
        }
        if self.rx.bad.val() | self.rx.overrun.val() {
            self.red.d.next = self.led_full.val();
        }
        self.led_g_n.next = self.green.q.val() == self.led_zero.val();
        self.led_r_n.next = self.red.q.val() == self.led_zero.val();
    }
}

/// The self-contained Verilog of module `ouro_top` for the predictor `q` on `board` with
/// `lanes` MAC lanes (the engine's configuration is checked as `ouro_hdl::verilog` checks it).
/// The UART runs at `round(board.clock_hz / BAUD)` clocks per bit, which must be within 1 % of
/// the line rate and at least 4.
pub fn top_verilog(q: &QPredictor, board: &BoardConfig, lanes: usize) -> Result<String, HdlError> {
    EngineShape::new(q, lanes)?;
    let baud = u64::from(BAUD);
    let cpb = (board.clock_hz + baud / 2) / baud;
    // The bit time cpb / clock within 1 % of 1 / baud: |cpb * baud - clock| <= clock / 100.
    let off = board.clock_hz.abs_diff(cpb * baud);
    if !(4..=0xFFFF).contains(&cpb) || off * 100 > board.clock_hz {
        return Err(HdlError::Unsupported(format!(
            "a {} Hz clock gives no UART bit time within 1 % of {BAUD} baud (4 to 65535 whole \
             cycles): choose clock_hz near a multiple of {BAUD} Hz",
            board.clock_hz
        )));
    }
    crate::block_verilog(EchoTop::new(cpb as u32), "ouro_top")
}
