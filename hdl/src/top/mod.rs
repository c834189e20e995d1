//! The board top (`docs/HDL.md`, "Board top"): the host link, the command decoder with its
//! queue, result store and table memory, the sequencer with its predictor engine, and the
//! front end, composed. Its Verilog module is [`TOP_MODULE`]; the iCEBreaker wrapper (clock,
//! pins) instantiates it.

mod leds;

pub use leds::Leds;

use crate::command::{Build, Decoder, JobQueue, ResultStore, TABLE_WORDS};
use crate::frontend::{CellReader, CellSelect, PulseLimits, Pulser};
use crate::link::{FrameTx, RxChain};
use crate::mem::Spram;
use crate::sequencer::SequencerCore;
use crate::HdlError;
use ouro_core::board::BoardConfig;
use ouro_core::schema::QPredictor;
use rust_hdl::prelude::*;

/// Name of the board top's Verilog module.
pub const TOP_MODULE: &str = "ouro_top";

/// Engine lanes of the board build: one. The whole design must fit the iCE40UP5K's 5,280 logic
/// cells; the board top needs about 5,160 with one lane and about 5,370 with two
/// (docs/BENCHMARKS.md, "The board top: size, clock and verify step"). One lane takes 60 cycles
/// per prediction of the default network, two 44, eight 38.
pub const BOARD_LANES: usize = 1;

/// The board top. Pins: the UART (`uart_rx`, `uart_tx`), the DAC, ADC and multiplexer SPI
/// lines, the pulse gate and polarity, and two status LEDs (active low).
#[derive(LogicBlock)]
pub struct OuroTop {
    /// The system clock.
    pub clock: Signal<In, Clock>,
    /// UART from the host.
    pub uart_rx: Signal<In, bool>,
    /// UART to the host.
    pub uart_tx: Signal<Out, bool>,
    /// DAC chip select.
    pub dac_cs_n: Signal<Out, bool>,
    /// DAC data.
    pub dac_din: Signal<Out, bool>,
    /// DAC load.
    pub dac_ldac_n: Signal<Out, bool>,
    /// DAC clock.
    pub dac_sclk: Signal<Out, bool>,
    /// ADC chip select.
    pub adc_cs_n: Signal<Out, bool>,
    /// ADC clock.
    pub adc_sclk: Signal<Out, bool>,
    /// ADC data.
    pub adc_sdata: Signal<In, bool>,
    /// Multiplexer clock.
    pub mux_sclk: Signal<Out, bool>,
    /// Multiplexer data.
    pub mux_din: Signal<Out, bool>,
    /// Row multiplexer sync.
    pub mux_sync_row_n: Signal<Out, bool>,
    /// Column multiplexer sync.
    pub mux_sync_col_n: Signal<Out, bool>,
    /// Pulse gate.
    pub pulse_gate: Signal<Out, bool>,
    /// Pulse polarity (high RESET).
    pub pulse_pol: Signal<Out, bool>,
    /// Red LED (active low): an error answer.
    pub led_r_n: Signal<Out, bool>,
    /// Green LED (active low): the host is connected; blinking while programming.
    pub led_g_n: Signal<Out, bool>,
    lrx: RxChain,
    ltx: FrameTx,
    dec: Decoder,
    queue: JobQueue,
    results: ResultStore,
    tables: Spram,
    core: SequencerCore,
    select: CellSelect,
    reader: CellReader,
    pulser: Pulser,
    leds: Leds,
}

/// The decoder's view of a build: `q` on `board` with `lanes` lanes.
///
/// # Errors
/// [`HdlError::Unsupported`] when the engine cannot hold `q` at `lanes`.
pub fn build_of(q: &QPredictor, board: &BoardConfig, lanes: usize) -> Result<Build, HdlError> {
    let shape = crate::EngineShape::new(q, lanes)?;
    let identity = crate::identity::identity(q, board, lanes)?;
    let (rows, cols) = (identity.rows, identity.cols);
    let bytes = ouro_core::protocol::Response::Identify { tag: 0, identity }
        .encode()
        .map_err(|e| HdlError::Unsupported(format!("identity: {e}")))?;
    let mut id = [0u8; 36];
    id.copy_from_slice(&bytes[3..]);
    Ok(Build {
        rows,
        cols,
        adc_bits: board.adc.bits,
        lanes,
        weight_depth: shape.weight_depth(),
        bias_depth: shape.bias_depth(),
        frac_depth: shape.frac_depth(),
        modes: crate::sequencer::build::modes::ONE_SET,
        log2_base_max: (TABLE_WORDS - ouro_core::probe::LOG2_TABLE_WORDS) as u32,
        input_base_max: (TABLE_WORDS as u32)
            .saturating_sub(4u32.checked_shl(board.adc.bits).unwrap_or(u32::MAX)),
        identity: id,
    })
}

impl OuroTop {
    /// The top of `q` on `board` with `lanes` engine lanes.
    ///
    /// # Errors
    /// As [`SequencerCore::new`] and [`build_of`].
    pub fn new(q: &QPredictor, board: &BoardConfig, lanes: usize) -> Result<Self, HdlError> {
        let build = build_of(q, board, lanes)?;
        let t = board.timing();
        let cpb = u32::try_from(board.clock_hz / u64::from(ouro_core::protocol::BAUD))
            .map_err(|_| HdlError::Unsupported("clock too fast for the UART".into()))?;
        Ok(Self {
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
            lrx: RxChain::new(cpb),
            ltx: FrameTx::new(cpb),
            dec: Decoder::new(&build),
            queue: JobQueue::new(),
            results: ResultStore::new(),
            tables: Spram::new(),
            core: SequencerCore::new(q, lanes)?,
            select: CellSelect::new(&t),
            reader: CellReader::new(&t),
            pulser: Pulser::new(&t, &PulseLimits::of_board(board)),
            leds: Leds::new(board.clock_hz),
        })
    }
}

impl std::fmt::Debug for OuroTop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OuroTop")
    }
}

/// The Verilog of the board top ([`TOP_MODULE`]) for `q` on `board` with `lanes` lanes,
/// self-contained.
///
/// # Errors
/// As [`OuroTop::new`], and rust-hdl's design checks.
pub fn top_verilog(q: &QPredictor, board: &BoardConfig, lanes: usize) -> Result<String, HdlError> {
    crate::block_verilog(OuroTop::new(q, board, lanes)?, TOP_MODULE)
}

impl Logic for OuroTop {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(
            self, clock, lrx, ltx, dec, queue, results, tables, core, select, reader, pulser, leds
        );
        // Link.
        self.lrx.rx.next = self.uart_rx.val();
        self.uart_tx.next = self.ltx.tx.val();
        self.lrx.rd_addr.next = self.dec.rx_addr.val();
        self.lrx.release_buf.next = self.dec.rx_release.val();
        self.dec.rx_ready.next = self.lrx.ready.val();
        self.dec.rx_length.next = self.lrx.length.val();
        self.dec.rx_bad.next = self.lrx.bad.val();
        self.dec.rx_data.next = self.lrx.rd_data.val();
        self.ltx.data.next = self.dec.tx_data.val();
        self.ltx.valid.next = self.dec.tx_valid.val();
        self.ltx.last.next = self.dec.tx_last.val();
        self.dec.tx_ready.next = self.ltx.ready.val();
        // Settings, weights, tables.
        self.core.cfg_we.next = self.dec.cfg_we.val();
        self.core.cfg_addr.next = self.dec.cfg_addr.val();
        self.core.cfg_data.next = self.dec.cfg_data.val();
        self.core.ld_we.next = self.dec.ld_we.val();
        self.core.ld_addr.next = self.dec.ld_addr.val();
        self.core.ld_data.next = self.dec.ld_data.val();
        self.pulser.lim_we.next = self.dec.lim_we.val();
        self.pulser.lim_sel.next = self.dec.lim_sel.val();
        self.pulser.lim_data.next = self.dec.lim_data.val();
        // The table memory: written by LOAD_TABLE (only while the sequencer is idle), read by
        // the sequencer at the address it holds from one read to the next.
        self.tables.address.next = self.core.tb_addr.val();
        if self.dec.tb_we.val() {
            self.tables.address.next = self.dec.tb_addr.val();
        }
        self.tables.write_enable.next = self.dec.tb_we.val();
        self.tables.write_data.next = self.dec.tb_data.val();
        self.core.tb_data.next = self.tables.read_data.val();
        // Jobs and records.
        self.queue.push.next = self.dec.q_push.val();
        self.queue.push_job.next = self.dec.q_job.val();
        self.dec.q_push_ready.next = self.queue.push_ready.val();
        self.dec.q_count.next = self.queue.count.val();
        self.dec.q_free.next = self.queue.free.val();
        self.queue.allow.next = self.results.room.val();
        self.core.job_valid.next = self.queue.job_valid.val();
        self.core.job_row.next = self.queue.job_row.val();
        self.core.job_col.next = self.queue.job_col.val();
        self.core.job_target.next = self.queue.job_target.val();
        self.core.job_tol.next = self.queue.job_tol.val();
        self.queue.job_ready.next = self.core.job_ready.val();
        self.results.res_valid.next = self.core.res_valid.val();
        self.results.res_row.next = self.core.res_row.val();
        self.results.res_col.next = self.core.res_col.val();
        self.results.res_target.next = self.core.res_target.val();
        self.results.res_final.next = self.core.res_final.val();
        self.results.res_outcome.next = self.core.res_outcome.val();
        self.results.res_reason.next = self.core.res_reason.val();
        self.results.res_pulses.next = self.core.res_pulses.val();
        self.results.res_pulse_cycles.next = self.core.res_pulse_cycles.val();
        self.results.res_total.next = self.core.res_total.val();
        self.results.res_reads.next = self.core.res_reads.val();
        self.results.rd_req.next = self.dec.r_req.val();
        self.results.pop.next = self.dec.r_pop.val();
        self.dec.r_valid.next = self.results.rd_valid.val();
        self.dec.r_data.next = self.results.rd_data.val();
        self.dec.r_count.next = self.results.count.val();
        self.dec.seq_busy.next = self.core.busy.val();
        // The front end: the sequencer's, or the decoder's during a raw command (only while
        // the sequencer is idle and nothing is queued).
        self.select.start.next = self.core.sel_start.val() | self.dec.sel_start.val();
        self.reader.start.next = self.core.rd_start.val() | self.dec.rd_start.val();
        self.pulser.start.next = self.core.pu_start.val() | self.dec.pu_start.val();
        if self.dec.fe_own.val() {
            self.select.row.next = self.dec.sel_row.val().get_bits::<5>(0);
            self.select.col.next = self.dec.sel_col.val().get_bits::<5>(0);
            self.reader.reads_log2.next = self.dec.rd_reads_log2.val();
            self.pulser.polarity.next = self.dec.pu_polarity.val();
            self.pulser.dac_code.next = self.dec.pu_dac.val();
            self.pulser.cycles.next = self.dec.pu_cycles.val();
        } else {
            self.select.row.next = self.core.sel_row.val().get_bits::<5>(0);
            self.select.col.next = self.core.sel_col.val().get_bits::<5>(0);
            self.reader.reads_log2.next = self.core.rd_reads_log2.val();
            self.pulser.polarity.next = self.core.pu_polarity.val();
            self.pulser.dac_code.next = self.core.pu_dac.val();
            self.pulser.cycles.next = self.core.pu_cycles.val();
        }
        self.core.sel_done.next = self.select.done.val() & !self.dec.fe_own.val();
        self.dec.sel_done.next = self.select.done.val() & self.dec.fe_own.val();
        self.core.rd_done.next = self.reader.done.val() & !self.dec.fe_own.val();
        self.dec.rd_done.next = self.reader.done.val() & self.dec.fe_own.val();
        self.core.rd_code.next = bit_cast::<16, 12>(self.reader.code.val());
        self.dec.rd_code.next = bit_cast::<16, 12>(self.reader.code.val());
        self.core.pu_done.next = self.pulser.done.val() & !self.dec.fe_own.val();
        self.dec.pu_done.next = self.pulser.done.val() & self.dec.fe_own.val();
        self.core.pu_refused.next = self.pulser.error.val().any();
        self.core.pu_reason.next = self.pulser.error.val();
        self.dec.pu_error.next = self.pulser.error.val();
        self.reader.sdata.next = self.adc_sdata.val();
        // Pins.
        self.dac_cs_n.next = self.pulser.dac_cs_n.val();
        self.dac_din.next = self.pulser.dac_din.val();
        self.dac_ldac_n.next = self.pulser.dac_ldac_n.val();
        self.dac_sclk.next = self.pulser.dac_sclk.val();
        self.adc_cs_n.next = self.reader.cs_n.val();
        self.adc_sclk.next = self.reader.sclk.val();
        self.mux_sclk.next = self.select.sclk.val();
        self.mux_din.next = self.select.din.val();
        self.mux_sync_row_n.next = self.select.sync_row_n.val();
        self.mux_sync_col_n.next = self.select.sync_col_n.val();
        self.pulse_gate.next = self.pulser.gate.val();
        self.pulse_pol.next = self.pulser.pol.val();
        // Status.
        self.leds.connected.next = self.dec.handshake.val();
        self.leds.busy.next = self.core.busy.val();
        self.leds.error.next = self.dec.error.val();
        self.led_r_n.next = self.leds.red_n.val();
        self.led_g_n.next = self.leds.green_n.val();
    }
}
