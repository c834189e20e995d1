//! `ouro bench`: every programming method on the same cells, on a board (the simulated one or
//! the model), with the board's own cycle counters as the clock.
//!
//! - [`Method`]: the methods and where each runs;
//! - [`BenchSettings`]: everything a run needs, checked once before it starts
//!   ([`BenchSettings::check`]);
//! - [`run`]: the run, one [`CellRow`] per cell and method;
//! - [`cells`]: the cells and targets; [`reference`]: model inversion and the oracle inside
//!   the loop; [`host_wv`]: write and verify driven from the host.

mod board_run;
pub mod cells;
pub mod host_wv;
pub mod reference;
mod runner;
mod trajectory;

pub use board_run::{prepare_board, program_on_board, simulated_board};
pub use runner::{run, BenchRun, BoardKind};

use crate::HostError;
use ouro_core::board::BoardConfig;
use ouro_core::protocol::Mode;
use ouro_core::schema::QPredictor;
use ouro_sim::device::DeviceConfig;

/// A programming method of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Fixed write and verify: one fixed duration and amplitude until in tolerance (board).
    FixedWv,
    /// Adaptive write and verify: the duration doubles while the error keeps its sign and
    /// halves on an overshoot (board).
    AdaptiveWv,
    /// Adaptive write and verify decided by the host, one serial round trip per read and per
    /// pulse (the board's READ_CELL and RAW_PULSE).
    HostAdaptiveWv,
    /// Model inversion in the closed loop (the sequencer model with the nominal device's
    /// equations in the engine's place).
    InversionLoop,
    /// One predicted pulse, one final read (board).
    NeuralOneShot,
    /// The neural closed loop (board).
    NeuralLoop,
    /// Probe, then predict, one shot: a probe and one predicted pulse (two-set model).
    ProbeNeural,
    /// Probe, then predict, as a closed loop (two-set model).
    ProbeNeuralLoop,
    /// The oracle in the closed loop: each cell's own parameters and true state (model).
    OracleLoop,
}

/// Where a method runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    /// In the board's sequencer, over the link (PROGRAM, FETCH).
    Board(Mode),
    /// On the host, through the board's raw reads and pulses.
    Host,
    /// In the sequencer's model only (no board built today runs it).
    Model,
}

impl Method {
    /// Every method, in the report's order.
    pub const ALL: [Method; 9] = [
        Self::FixedWv,
        Self::AdaptiveWv,
        Self::HostAdaptiveWv,
        Self::InversionLoop,
        Self::NeuralOneShot,
        Self::NeuralLoop,
        Self::ProbeNeural,
        Self::ProbeNeuralLoop,
        Self::OracleLoop,
    ];

    /// The name in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::FixedWv => "fixed-wv",
            Self::AdaptiveWv => "adaptive-wv",
            Self::HostAdaptiveWv => "host-adaptive-wv",
            Self::InversionLoop => "inversion-loop",
            Self::NeuralOneShot => "neural-one-shot",
            Self::NeuralLoop => "neural-loop",
            Self::ProbeNeural => "probe-neural",
            Self::ProbeNeuralLoop => "probe-neural-loop",
            Self::OracleLoop => "oracle-loop",
        }
    }

    /// The method of a name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Where it runs.
    pub fn runs(self) -> Runs {
        match self {
            Self::FixedWv => Runs::Board(Mode::FixedWriteVerify),
            Self::AdaptiveWv => Runs::Board(Mode::AdaptiveWriteVerify),
            Self::NeuralOneShot => Runs::Board(Mode::NeuralOneShot),
            Self::NeuralLoop => Runs::Board(Mode::NeuralLoop),
            Self::HostAdaptiveWv => Runs::Host,
            Self::InversionLoop | Self::ProbeNeural | Self::ProbeNeuralLoop | Self::OracleLoop => {
                Runs::Model
            }
        }
    }

    /// log2 of the conversions each of its reads averages: 4 for probe-then-predict (the
    /// probe's change is a difference of two readings, and its network was trained on readings
    /// of four), 1 for the others.
    pub fn reads_log2(self) -> u8 {
        match self {
            Self::ProbeNeural | Self::ProbeNeuralLoop => 2,
            _ => 0,
        }
    }
}

/// Everything a run needs. Make it with [`BenchSettings::new`], change fields, and
/// [`BenchSettings::check`] it before [`run`].
#[derive(Debug, Clone)]
pub struct BenchSettings {
    /// The device's name as given (preset or path), for the report.
    pub device_name: String,
    /// The device.
    pub device: DeviceConfig,
    /// The board file.
    pub board: BoardConfig,
    /// The blind predictor the board's engine runs (the neural modes).
    pub predictor: QPredictor,
    /// The history-aware predictor of probe-then-predict (`None`: those methods are left out).
    pub history: Option<QPredictor>,
    /// Cells per method.
    pub cells: usize,
    /// Relative tolerance (0.02 = ±2 % of the target).
    pub tolerance: f64,
    /// Seed of the cells, their starts, targets and read noise.
    pub seed: u64,
    /// Most pulses per cell (every method but the one shots).
    pub max_attempts: u8,
    /// Fixed write and verify's duration, cycles.
    pub fixed_cycles: u32,
    /// Adaptive write and verify's first duration, cycles.
    pub adaptive_start_cycles: u32,
    /// The fine step: durations of at most this many cycles at level 0 go at the fine
    /// amplitude.
    pub fine_below_cycles: u32,
    /// The fine amplitude, volts at the cell (SET negative, RESET positive).
    pub fine_v: (f64, f64),
    /// The USB adapter's latency timer, us (host-driven method).
    pub latency_timer_us: f64,
    /// Random pulses each cell gets before it starts.
    pub age_pulses: usize,
    /// Target range, uS.
    pub target_range_us: (f64, f64),
    /// The methods, in order.
    pub methods: Vec<Method>,
    /// Cells whose conductance trajectory is recorded (the first ones), for adaptive write and
    /// verify, the neural loop, the probe loop and the oracle.
    pub trajectories: usize,
}

impl BenchSettings {
    /// The defaults for `device` on `board` with `predictor`: 1,000 cells, ±2 %, seed 1, 255
    /// attempts, fixed write and verify at 1 us, adaptive from 1 us, fine step below 4 cycles
    /// at the trusted range's gentlest amplitudes (-0.25 V, 0.5 V), the latency timer at its
    /// shortest (1 ms), 20 ageing pulses, targets over the whole window, every method, three
    /// cells' trajectories.
    pub fn new(
        device_name: &str,
        device: DeviceConfig,
        board: BoardConfig,
        predictor: QPredictor,
    ) -> Self {
        let us = |t: f64| (t * board.clock_hz as f64 / 1e6).round().max(1.0) as u32;
        let window = device.window_us();
        Self {
            device_name: device_name.to_string(),
            fixed_cycles: us(1.0),
            adaptive_start_cycles: us(1.0),
            fine_below_cycles: 4,
            fine_v: (-0.25, 0.5),
            device,
            board,
            predictor,
            history: None,
            cells: 1000,
            tolerance: 0.02,
            seed: 1,
            max_attempts: 255,
            latency_timer_us: 1000.0,
            age_pulses: 20,
            target_range_us: window,
            methods: Method::ALL.to_vec(),
            trajectories: 3,
        }
    }

    /// Check every setting against the others before the run starts.
    ///
    /// # Errors
    /// [`HostError::Setting`] naming the flag and its valid range.
    pub fn check(&self) -> Result<(), HostError> {
        let bad = |m: String| Err(HostError::Setting(m));
        if self.cells == 0 || self.cells > 10_000_000 {
            return bad(format!(
                "--cells {} is out of range: give 1 to 10000000",
                self.cells
            ));
        }
        if !(self.tolerance > 0.0 && self.tolerance < 1.0) {
            return bad(format!(
                "--tolerance {}% is out of range: give a tolerance above 0 and below 100 %",
                self.tolerance * 100.0
            ));
        }
        let (lo, hi) = self.device.window_us();
        let (tlo, thi) = self.target_range_us;
        if !(tlo >= lo && thi <= hi && tlo < thi) {
            return bad(format!(
                "target range {tlo}..{thi} uS is outside the device's window {lo:.2}..{hi:.2} uS: \
                 give targets inside it"
            ));
        }
        let lsb = self.board.us_of_code(1) - self.board.us_of_code(0);
        if tlo * self.tolerance < lsb {
            return bad(format!(
                "--tolerance {}% is {:.3} uS at {tlo:.1} uS, less than one ADC code ({lsb:.3} uS): \
                 give a larger tolerance",
                self.tolerance * 100.0,
                tlo * self.tolerance
            ));
        }
        if self.max_attempts == 0 {
            return bad("--max-attempts must be 1 to 255".into());
        }
        let (min, max) = (self.board.min_pulse_cycles, self.board.max_pulse_cycles);
        for (flag, c) in [
            ("--fixed-pulse", self.fixed_cycles),
            ("--adaptive-start", self.adaptive_start_cycles),
        ] {
            if !(min..=max).contains(&c) {
                return bad(format!(
                    "{flag} of {c} cycles is outside the board's pulse limits, {min} to {max} \
                     cycles"
                ));
            }
        }
        if !(0.0..=100_000.0).contains(&self.latency_timer_us) {
            return bad("--latency-timer must be above 0 and at most 100 ms".into());
        }
        if self.methods.is_empty() {
            return bad("--methods names no method: give at least one".into());
        }
        self.predictor.fits(&self.board).map_err(|e| {
            HostError::Mismatch(format!("the predictor does not fit the board: {e}"))
        })?;
        if let Some(h) = &self.history {
            h.fits(&self.board).map_err(|e| {
                HostError::Mismatch(format!("the history predictor does not fit the board: {e}"))
            })?;
            if h.levels.is_none() {
                return Err(HostError::Mismatch(
                    "the history predictor has no amplitude levels: give one trained on `ouro \
                     characterize --sequences` data"
                        .into(),
                ));
            }
        }
        Ok(())
    }

    /// Whether probe-then-predict can run: a history-aware predictor, and a blind one without
    /// input tables (the two-set engine takes the blind network's input words from the codes).
    pub fn probes(&self) -> bool {
        self.history.is_some() && self.predictor.networks.set.input_tables.is_empty()
    }

    /// The methods that will run: probe-then-predict only where [`BenchSettings::probes`].
    pub fn runnable_methods(&self) -> Vec<Method> {
        self.methods
            .iter()
            .copied()
            .filter(|m| {
                self.probes() || !matches!(m, Method::ProbeNeural | Method::ProbeNeuralLoop)
            })
            .collect()
    }
}
