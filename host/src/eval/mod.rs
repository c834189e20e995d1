//! One-shot programming accuracy: every method programs the same aged cells, from the same
//! states, to the same targets, and we count how many land within each tolerance of both
//! metrics (`RPD_target` and `RPD_update`, see [`rpd`]).
//!
//! Every method runs on the same simulated board: it sees the cell through the ADC (read noise
//! and quantisation), times its pulse in whole clock cycles, and is held to the board's pulse
//! limits. Only the oracle knows the cell's true state and present parameters.

use crate::probe::Variant;
use crate::HostError;
use ouro_core::board::BoardConfig;
use ouro_core::progress::Progress;
use ouro_core::schema::{Levels, Predictor, QPredictor};
use ouro_core::Polarity;
use ouro_nn::golden::GoldenPredictor;
use ouro_nn::network::FloatPredictor;
use ouro_sim::device::{self, aged_cell, cell_seed, Cell, DeviceConfig, DeviceParams, Start};
use ouro_sim::readout::read_code;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::Serialize;

pub use crate::characterize::{MAX_AGE_PULSES, MAX_CELLS};

mod programmer;
mod tally;

pub use programmer::Programmer;
pub use tally::{
    cells_csv, cells_csv_header, cells_csv_line, cost_table, costs, summarize, table, Cost, Tally,
};

/// Cells evaluated at a time by [`run_into`]: memory stays bounded however many cells a run has.
const CHUNK_CELLS: usize = 1 << 16;

/// The tolerances reported, as fractions.
pub const TOLERANCES: [f64; 4] = [0.05, 0.10, 0.25, 0.50];

/// A way to pick the one-shot pulse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// The float predictor (reading and target in microsiemens).
    NeuralFloat,
    /// The quantized predictor, run by the bit-accurate golden model on ADC codes.
    NeuralFixed,
    /// Invert the noise-free nominal device model from the reading (the paper's baseline).
    ModelInversion,
    /// Invert the cell's own model from its true state and present parameters.
    Oracle,
    /// The oracle with a choice of amplitude, as the probe method chooses: the lowest level of
    /// the ladder at which the inverted duration is at most `1/ESCALATE` of the longest pulse
    /// ([`crate::probe::ESCALATE`]).
    OracleLevels,
    /// Probe, then predict, with a history-aware float predictor (see [`crate::probe`]).
    ProbeNeuralFloat,
    /// Probe, then predict, with the quantized history-aware predictor run by the golden
    /// model: what the gateware computes.
    ProbeNeural,
    /// The ceiling of probe, then predict: the same protocol, the programming pulse from the
    /// cell's exact parameters before the probe.
    ProbeOracle,
}

impl Method {
    /// The methods every evaluation runs, in report order.
    pub const ALL: [Method; 5] = [
        Self::NeuralFloat,
        Self::NeuralFixed,
        Self::ModelInversion,
        Self::Oracle,
        Self::OracleLevels,
    ];

    /// Whether the method probes before its programming pulse.
    pub fn probes(self) -> bool {
        matches!(
            self,
            Self::ProbeNeuralFloat | Self::ProbeNeural | Self::ProbeOracle
        )
    }

    /// The metrics reported for the method: `RPD_target` and `RPD_update`; a method that probes
    /// has its `RPD_update` from the state before the programming pulse, and a second one,
    /// `rpd_update_pre_probe`, from the state before the probe.
    pub fn metrics(self) -> &'static [&'static str] {
        if self.probes() {
            &["rpd_target", "rpd_update", "rpd_update_pre_probe"]
        } else {
            &["rpd_target", "rpd_update"]
        }
    }

    /// The name used in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::NeuralFloat => "neural-float",
            Self::NeuralFixed => "neural-fixed",
            Self::ModelInversion => "model-inversion",
            Self::Oracle => "oracle",
            Self::OracleLevels => "oracle-levels",
            Self::ProbeNeuralFloat => "probe-neural-float",
            Self::ProbeNeural => "probe-neural",
            Self::ProbeOracle => "probe-oracle",
        }
    }
}

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct EvalConfig {
    /// Number of cells.
    pub cells: usize,
    /// Seed of the cells, their ageing, the read noise and the targets.
    pub seed: u64,
    /// Random pulses applied to each cell before programming, so that cycle-to-cycle drift
    /// has acted.
    pub age_pulses: usize,
    /// Targets are drawn uniformly from this range, microsiemens (default: the device's whole
    /// window at its read voltage, [`DeviceConfig::window_us`]).
    pub target_range_us: (f64, f64),
    /// Where each cell starts.
    pub start: Start,
}

impl EvalConfig {
    /// The defaults for `cells` cells of `device` and a seed: 20 ageing pulses, targets over the
    /// device's window.
    pub fn new(device: &DeviceConfig, cells: usize, seed: u64) -> Self {
        Self {
            cells,
            seed,
            age_pulses: 20,
            target_range_us: device.window_us(),
            start: Start::Uniform,
        }
    }

    /// Check the target range lies inside the window of `device` (at its read voltage), and the
    /// counts against [`MAX_CELLS`] and [`MAX_AGE_PULSES`].
    pub fn validate(&self, device: &DeviceConfig) -> Result<(), HostError> {
        let (lo, hi) = device.window_us();
        let (a, b) = self.target_range_us;
        if !(a.is_finite() && b.is_finite() && a < b && a >= lo && b <= hi) {
            return Err(HostError::Setting(format!(
                "target range {a}..{b} uS is outside the device window [{lo:.4}, {hi:.4}] uS: pick targets inside it"
            )));
        }
        if self.cells == 0 {
            return Err(HostError::Setting("--cells must be at least 1".into()));
        }
        if self.cells > MAX_CELLS {
            return Err(HostError::Setting(format!(
                "--cells {} is more than {MAX_CELLS}: cell numbers are 32-bit, as in a \
                 characterization; evaluate fewer cells (or several runs with other seeds)",
                self.cells
            )));
        }
        if self.age_pulses > MAX_AGE_PULSES {
            return Err(HostError::Setting(format!(
                "--age-pulses {} is more than {MAX_AGE_PULSES}: age each cell with fewer pulses",
                self.age_pulses
            )));
        }
        Ok(())
    }
}

/// The outcome of one method on one cell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Shot {
    /// Pulse duration applied, clock cycles (0: no pulse).
    pub cycles: u32,
    /// True conductance after the pulse, microsiemens.
    pub g_after_us: f64,
    /// For a method that probes first: the true conductance after the probe, before the
    /// programming pulse (what its `RPD_update` is measured from).
    pub g_start_us: Option<f64>,
    /// Reads taken before the programming pulse (one, or the probe method's averaged readings
    /// before and after its probe and its extension, if any).
    pub reads: u32,
}

/// One cell's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellResult {
    /// Cell index.
    pub cell: usize,
    /// True conductance before programming, microsiemens.
    pub g_before_us: f64,
    /// Target, microsiemens.
    pub g_target_us: f64,
    /// One shot per method, in [`Programmer::methods`] order.
    pub shots: Vec<Shot>,
}

/// One line of the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fraction {
    /// The method.
    pub method: &'static str,
    /// `rpd_target` or `rpd_update`.
    pub metric: &'static str,
    /// The tolerance, as a fraction.
    pub tolerance: f64,
    /// Fraction of cells within it.
    pub fraction: f64,
}

/// `RPD_target = (G_after - G_target) / G_target`, the error relative to the target, and
/// `RPD_update = (G_after - G_target) / (G_target - G_before)`, the error relative to the
/// requested change (the stricter reading). Both are always reported.
pub fn rpd(g_before: f64, g_target: f64, g_after: f64) -> (f64, f64) {
    let err = g_after - g_target;
    (err / g_target, err / (g_target - g_before))
}

/// Stream of the evaluation's own randomness for cell `i` (ageing, read noise, target),
/// independent of the cell's parameter stream.
fn eval_rng(seed: u64, i: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(cell_seed(seed ^ 0x5EED_0E7A_1A7E_0000, i as u64))
}

/// Evaluate every method on `cfg.cells` aged cells. Deterministic for a seed, whatever the
/// number of threads.
pub fn run(
    prog: &Programmer<'_>,
    cfg: &EvalConfig,
    progress: Option<&dyn Progress>,
) -> Result<Vec<CellResult>, HostError> {
    let mut results = Vec::new();
    run_into(prog, cfg, progress, &mut |r| {
        results.push(r);
        Ok(())
    })?;
    Ok(results)
}

/// Evaluate as [`run`] does, handing each cell's result to `sink` in cell order instead of
/// collecting them: memory stays bounded (a chunk of cells at a time) however many cells the
/// run has. The results are the same as [`run`]'s, whatever the number of threads.
pub fn run_into(
    prog: &Programmer<'_>,
    cfg: &EvalConfig,
    progress: Option<&dyn Progress>,
    sink: &mut dyn FnMut(CellResult) -> Result<(), HostError>,
) -> Result<(), HostError> {
    cfg.validate(prog.device)?;
    let mut first = 0;
    while first < cfg.cells {
        let end = cfg.cells.min(first + CHUNK_CELLS);
        for r in evaluate_cells(prog, cfg, first..end, progress)? {
            sink(r)?;
        }
        first = end;
    }
    Ok(())
}

/// Evaluate the cells `range` in parallel, in cell order.
fn evaluate_cells(
    prog: &Programmer<'_>,
    cfg: &EvalConfig,
    range: std::ops::Range<usize>,
    progress: Option<&dyn Progress>,
) -> Result<Vec<CellResult>, HostError> {
    let methods = prog.methods();
    range
        .into_par_iter()
        .map(|i| {
            let mut rng = eval_rng(cfg.seed, i);
            let mut cell = aged_cell(prog.device, cfg.seed, i, cfg.age_pulses, &mut rng);
            cfg.start.place(prog.device, &mut cell, &mut rng)?;
            let (a, b) = cfg.target_range_us;
            let g_target_us = a + (b - a) * rng.random::<f64>();
            let code_now = read_code(prog.board, cell.conductance_us(), &mut rng);
            // The methods' own randomness (the probe method's reads) comes after everything
            // the others use, so that adding a method changes no other method's numbers.
            let shots = methods
                .iter()
                .map(|&m| prog.program(m, &cell, code_now, g_target_us, &mut rng))
                .collect();
            if let Some(pb) = progress {
                pb.advance(1);
            }
            Ok(CellResult {
                cell: i,
                g_before_us: cell.conductance_us(),
                g_target_us,
                shots,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpd_definitions() {
        let (t, u) = rpd(200.0, 300.0, 330.0);
        assert!((t - 0.1).abs() < 1e-12 && (u - 0.3).abs() < 1e-12);
        let (t, u) = rpd(300.0, 200.0, 190.0);
        assert!((t + 0.05).abs() < 1e-12 && (u - 0.1).abs() < 1e-12);
    }

    #[test]
    fn target_range_outside_the_window_is_refused() {
        let device = DeviceConfig::preset("nominal");
        let mut cfg = EvalConfig::new(&device, 10, 1);
        cfg.target_range_us = (50.0, 300.0);
        let e = cfg.validate(&device).unwrap_err().to_string();
        assert!(e.contains("outside the device window"), "{e}");
    }

    #[test]
    fn a_board_that_does_not_fit_the_device_is_refused() {
        let float = ouro_nn::defaults::predictor();
        let fixed = ouro_nn::defaults::qpredictor();
        let device = DeviceConfig::preset("nominal");
        let mut board = BoardConfig::default_board();
        board.read_voltage_v = 0.15;
        let e = Programmer::new(&device, &board, &float, &fixed).unwrap_err();
        assert!(e.to_string().contains("read_voltage_v"), "{e}");
        let mut board = BoardConfig::default_board();
        board.dac.full_scale_v = 0.5;
        let e = Programmer::new(&device, &board, &float, &fixed).unwrap_err();
        assert!(e.to_string().contains("dac.full_scale_v = 0.5"), "{e}");
        // The ADC is checked against this device's window, not the nominal one.
        // At 0.15 V the window's top is 560.47 uS, above the nominal 559.30 uS: a gain that
        // puts the nominal top just below full scale clips this device's top.
        let mut board = BoardConfig::default_board();
        let mut high = device.clone();
        high.read_voltage_v = 0.15;
        board.read_voltage_v = 0.15;
        board.tia_gain_ohm = 39_300.0;
        board.validate().unwrap();
        let e = Programmer::new(&high, &board, &float, &fixed).unwrap_err();
        assert!(e.to_string().contains("tia_gain_ohm"), "{e}");
    }

    #[test]
    fn oracle_is_nearly_exact_on_nominal_cells() {
        let device = DeviceConfig::load("nominal").unwrap();
        let board = BoardConfig::default_board();
        let float = ouro_nn::defaults::predictor();
        let fixed = ouro_nn::defaults::qpredictor();
        let prog = Programmer::new(&device, &board, &float, &fixed).unwrap();
        let res = run(&prog, &EvalConfig::new(&device, 200, 3), None).unwrap();
        let f = summarize(&res, &prog.methods());
        let oracle10 = f
            .iter()
            .find(|x| x.method == "oracle" && x.metric == "rpd_target" && x.tolerance == 0.10)
            .unwrap();
        assert!(oracle10.fraction > 0.99, "{oracle10:?}");
        // Same seed, same numbers.
        assert_eq!(
            res,
            run(&prog, &EvalConfig::new(&device, 200, 3), None).unwrap()
        );
    }
}
