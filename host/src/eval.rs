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

/// Everything the methods need, prepared once.
#[derive(Debug)]
pub struct Programmer<'a> {
    device: &'a DeviceConfig,
    board: &'a BoardConfig,
    float: &'a Predictor,
    golden: GoldenPredictor,
    levels: Levels,
    probe: Option<crate::probe::ProbeThenPredict<'a>>,
}

impl<'a> Programmer<'a> {
    /// Prepare the methods.
    pub fn new(
        device: &'a DeviceConfig,
        board: &'a BoardConfig,
        float: &'a Predictor,
        fixed: &QPredictor,
    ) -> Result<Self, HostError> {
        fixed.fits(board).map_err(HostError::Mismatch)?;
        if board.read_voltage_v != device.read_voltage_v {
            return Err(HostError::Mismatch(format!(
                "the board reads the cell at {} V but the device `{}` is read at {} V: set read_voltage_v to the same value in the board and the device file",
                board.read_voltage_v, device.name, device.read_voltage_v
            )));
        }
        let largest = device
            .set_amplitude_v
            .abs()
            .max(device.reset_amplitude_v.abs());
        if largest > board.dac.full_scale_v {
            return Err(HostError::Mismatch(format!(
                "dac.full_scale_v = {} V cannot reach the device `{}`'s {largest} V pulses: raise the board's dac.full_scale_v or lower the device's amplitudes",
                board.dac.full_scale_v, device.name
            )));
        }
        board
            .validate_for(device.window_us())
            .map_err(|e| HostError::Mismatch(e.to_string()))?;
        Ok(Self {
            device,
            board,
            float,
            golden: GoldenPredictor::new(fixed),
            levels: device.amplitude_levels(ouro_sim::device::DEFAULT_LEVELS),
            probe: None,
        })
    }

    /// Add the probe-then-predict method with a history-aware float predictor.
    pub fn with_probe(
        mut self,
        probe: crate::probe::ProbeThenPredict<'a>,
    ) -> Result<Self, HostError> {
        probe.check(self.device, self.board)?;
        self.probe = Some(probe);
        Ok(self)
    }

    /// The methods this programmer runs, in report order.
    pub fn methods(&self) -> Vec<Method> {
        let mut m = Method::ALL.to_vec();
        if let Some(p) = &self.probe {
            m.push(Method::ProbeNeuralFloat);
            if p.fixed.is_some() {
                m.push(Method::ProbeNeural);
            }
            m.push(Method::ProbeOracle);
        }
        m
    }

    /// The device.
    pub fn device(&self) -> &DeviceConfig {
        self.device
    }

    /// The board.
    pub fn board(&self) -> &BoardConfig {
        self.board
    }

    /// The blind quantized predictor's golden model.
    pub fn golden(&self) -> &GoldenPredictor {
        &self.golden
    }

    /// Reads a method takes before its pulse (the probe method reads before and after its
    /// probe, averaging several reads each time).
    pub fn reads(&self, method: Method) -> u32 {
        match (method, &self.probe) {
            (m, Some(p)) if m.probes() => 2 * p.reads,
            _ => 1,
        }
    }

    /// Seconds to whole cycles within the board's pulse limits.
    pub fn cycles_of(&self, seconds: f64) -> u32 {
        let c = (seconds * self.board.clock_hz as f64).round();
        let (lo, hi) = (
            f64::from(self.board.min_pulse_cycles),
            f64::from(self.board.max_pulse_cycles),
        );
        if c.is_nan() {
            self.board.max_pulse_cycles
        } else {
            c.clamp(lo, hi) as u32
        }
    }

    /// Pick the pulse of `method` for `cell`, given the reading (ADC code) and the target.
    /// Returns the polarity and the duration in cycles, or `None` for no pulse.
    pub fn choose(
        &self,
        method: Method,
        cell: &Cell,
        code_now: u16,
        g_target_us: f64,
    ) -> Option<(Polarity, u32)> {
        let g_read = self.board.us_of_code(code_now);
        let code_target = self.board.code_of_us(g_target_us);
        match method {
            Method::NeuralFloat => {
                let (p, log2_s) = self.float.predict_log2_seconds(g_read, g_target_us)?;
                Some((p, self.cycles_of(log2_s.exp2())))
            }
            Method::NeuralFixed => {
                let pr = self.golden.predict(code_now, code_target)?;
                Some((pr.polarity, pr.cycles))
            }
            Method::ModelInversion => {
                let p = Polarity::towards(g_read, g_target_us)?;
                let (lo, hi) = self.device.window_us();
                let n0 = self.n_of(g_read.clamp(lo, hi))?;
                let n1 = self.n_of(g_target_us)?;
                self.invert(&DeviceParams::nominal(), p, n0, n1)
            }
            Method::Oracle => {
                let p = Polarity::towards(cell.conductance_us(), g_target_us)?;
                let n1 = self.n_of(g_target_us)?;
                self.invert(cell.params(), p, cell.state(), n1)
            }
            // These apply their own pulses ([`Self::program`]).
            Method::OracleLevels
            | Method::ProbeNeuralFloat
            | Method::ProbeNeural
            | Method::ProbeOracle => None,
        }
    }

    /// Program a copy of `cell` with `method`: its pulse (or pulses) and the true conductance
    /// afterwards. `rng` is the method's own stream (the probe method's reads).
    pub fn program(
        &self,
        method: Method,
        cell: &Cell,
        code_now: u16,
        g_target_us: f64,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Shot {
        match method {
            Method::OracleLevels => self.oracle_levels(cell, g_target_us),
            // Both variants see the same reads: each runs on a copy of the stream.
            Method::ProbeNeuralFloat | Method::ProbeNeural | Method::ProbeOracle => {
                match &self.probe {
                    Some(p) => p.program(
                        self,
                        cell,
                        g_target_us,
                        match method {
                            Method::ProbeNeural => Variant::Fixed,
                            Method::ProbeOracle => Variant::Oracle,
                            _ => Variant::Float,
                        },
                        &mut rng.clone(),
                    ),
                    None => self.shoot(cell, None),
                }
            }
            m => self.shoot(cell, self.choose(m, cell, code_now, g_target_us)),
        }
    }

    /// The oracle over the ladder: the first level whose inverted duration is at most
    /// `1/ESCALATE` of the longest pulse (else the top level, clamped).
    fn oracle_levels(&self, cell: &Cell, g_target_us: f64) -> Shot {
        let (Some(p), Some(n1)) = (
            Polarity::towards(cell.conductance_us(), g_target_us),
            self.n_of(g_target_us),
        ) else {
            return self.shoot(cell, None);
        };
        let ladder = self.levels.get(p);
        let max = f64::from(self.board.max_pulse_cycles) * self.board.clock_period_s();
        for (k, &v) in ladder.iter().enumerate() {
            let t =
                device::time_to_reach(cell.params(), cell.state(), n1, v).unwrap_or(f64::INFINITY);
            if t <= max / f64::from(crate::probe::ESCALATE) || k + 1 == ladder.len() {
                return self.pulse(cell, v, self.cycles_of(t));
            }
        }
        unreachable!("the ladder has at least one level")
    }

    /// Apply one pulse of `cycles` at `amplitude_v` to a copy of `cell`.
    pub fn pulse(&self, cell: &Cell, amplitude_v: f64, cycles: u32) -> Shot {
        let mut c = cell.clone();
        let width = f64::from(cycles) * self.board.clock_period_s();
        let r = c.apply_pulse_with_amplitude(amplitude_v, width);
        Shot {
            cycles,
            g_after_us: r.g_after_us,
            g_start_us: None,
        }
    }

    /// The state that reads `g_us` at the device's read voltage.
    fn n_of(&self, g_us: f64) -> Option<f64> {
        device::n_from_conductance_at_us(g_us, self.device.read_voltage_v).ok()
    }

    fn invert(
        &self,
        params: &DeviceParams,
        p: Polarity,
        n0: f64,
        n1: f64,
    ) -> Option<(Polarity, u32)> {
        let t = device::time_to_reach(params, n0, n1, self.device.amplitude_v(p))
            .unwrap_or(f64::INFINITY);
        Some((p, self.cycles_of(t)))
    }

    /// Apply a chosen pulse to a copy of `cell`; the true conductance afterwards.
    pub fn shoot(&self, cell: &Cell, choice: Option<(Polarity, u32)>) -> Shot {
        match choice {
            None => Shot {
                cycles: 0,
                g_after_us: cell.conductance_us(),
                g_start_us: None,
            },
            Some((p, cycles)) => self.pulse(cell, self.device.amplitude_v(p), cycles),
        }
    }
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

/// The fraction of cells within each tolerance, per method (in `methods` order, as the shots)
/// and metric.
pub fn summarize(results: &[CellResult], methods: &[Method]) -> Vec<Fraction> {
    let mut tally = Tally::new(methods);
    for r in results {
        tally.add(r);
    }
    tally.fractions()
}

/// The counts behind [`summarize`] and [`Tally::costs`], taken one cell at a time (for
/// [`run_into`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    /// The methods, in the shots' order.
    methods: Vec<Method>,
    /// Cells counted.
    cells: u64,
    /// Cells within each tolerance, by method, metric and tolerance (the order of
    /// [`summarize`]'s fractions).
    hits: Vec<u64>,
    /// Pulse cycles of each method, summed over the cells.
    cycles: Vec<u64>,
}

impl Tally {
    /// No cells yet, for `methods` (in the shots' order).
    pub fn new(methods: &[Method]) -> Self {
        Self {
            methods: methods.to_vec(),
            cells: 0,
            hits: vec![
                0;
                methods.iter().map(|m| m.metrics().len()).sum::<usize>() * TOLERANCES.len()
            ],
            cycles: vec![0; methods.len()],
        }
    }

    /// Count one cell.
    pub fn add(&mut self, r: &CellResult) {
        self.cells += 1;
        let mut hits = self.hits.iter_mut();
        for k in 0..self.methods.len() {
            let shot = &r.shots[k];
            self.cycles[k] += u64::from(shot.cycles);
            let (t, u0) = rpd(r.g_before_us, r.g_target_us, shot.g_after_us);
            let mut values = vec![t];
            if self.methods[k].probes() {
                let start = shot.g_start_us.unwrap_or(r.g_before_us);
                values.push(rpd(start, r.g_target_us, shot.g_after_us).1);
            }
            values.push(u0);
            for x in values {
                for &tol in &TOLERANCES {
                    let h = hits.next().expect("one count per fraction");
                    if x.abs() <= tol {
                        *h += 1;
                    }
                }
            }
        }
    }

    /// The fraction of the cells counted within each tolerance, per method and metric.
    pub fn fractions(&self) -> Vec<Fraction> {
        let n = self.cells.max(1) as f64;
        let mut hits = self.hits.iter();
        let mut out = Vec::new();
        for m in &self.methods {
            for &metric in m.metrics() {
                for &tol in &TOLERANCES {
                    out.push(Fraction {
                        method: m.name(),
                        metric,
                        tolerance: tol,
                        fraction: *hits.next().expect("one count per fraction") as f64 / n,
                    });
                }
            }
        }
        out
    }

    /// The mean cost of each method over the cells counted.
    pub fn costs(&self, prog: &Programmer<'_>) -> Vec<Cost> {
        let n = self.cells.max(1) as f64;
        self.methods
            .iter()
            .zip(&self.cycles)
            .map(|(&m, &c)| Cost {
                method: m.name(),
                mean_pulse_us: c as f64 / n * prog.board.clock_period_s() * 1e6,
                reads: prog.reads(m),
            })
            .collect()
    }
}

/// Every cell's outcome as CSV: `cell,g_before_us,g_target_us`, then for each method its
/// pulse in cycles and the conductance after it.
pub fn cells_csv(results: &[CellResult], methods: &[Method]) -> String {
    let mut s = cells_csv_header(methods);
    for r in results {
        s += &cells_csv_line(r);
    }
    s
}

/// The header line of [`cells_csv`], with its newline.
pub fn cells_csv_header(methods: &[Method]) -> String {
    let mut s = String::from("cell,g_before_us,g_target_us");
    for m in methods {
        s += &format!(",{0}_cycles,{0}_g_after_us", m.name());
    }
    s.push('\n');
    s
}

/// One cell's line of [`cells_csv`], with its newline.
pub fn cells_csv_line(r: &CellResult) -> String {
    let mut s = format!("{},{:.6},{:.6}", r.cell, r.g_before_us, r.g_target_us);
    for shot in &r.shots {
        s += &format!(",{},{:.6}", shot.cycles, shot.g_after_us);
    }
    s.push('\n');
    s
}

/// What a method costs on average: pulse time (probe included) and reads before the pulse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cost {
    /// The method.
    pub method: &'static str,
    /// Mean pulse time per cell, microseconds (all of a method's pulses).
    pub mean_pulse_us: f64,
    /// Reads taken before the pulse (the same for every cell).
    pub reads: u32,
}

/// The mean cost of each method (in `methods` order, as the shots).
pub fn costs(prog: &Programmer<'_>, results: &[CellResult], methods: &[Method]) -> Vec<Cost> {
    let mut tally = Tally::new(methods);
    for r in results {
        tally.add(r);
    }
    tally.costs(prog)
}

/// The costs as a terminal table.
pub fn cost_table(costs: &[Cost]) -> String {
    let mut s = format!("{:<19} {:>14} {:>6}\n", "method", "mean pulse", "reads");
    for c in costs {
        s += &format!(
            "{:<19} {:>11.1} us {:>6}\n",
            c.method, c.mean_pulse_us, c.reads
        );
    }
    s
}

/// The summary as a terminal table.
pub fn table(fractions: &[Fraction]) -> String {
    let mut s = format!("{:<19} {:<20}", "method", "metric");
    for t in TOLERANCES {
        s += &format!(" {:>8}", format!("±{:.0}%", t * 100.0));
    }
    s.push('\n');
    for row in fractions.chunks(TOLERANCES.len()) {
        s += &format!("{:<19} {:<20}", row[0].method, row[0].metric);
        for f in row {
            s += &format!(" {:>7.2}%", f.fraction * 100.0);
        }
        s.push('\n');
    }
    s
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
