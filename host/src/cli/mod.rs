//! The `ouro` commands with their clap arguments. Each returns a one-line [`CliError`] on bad
//! input and writes output files atomically, so a failure never leaves a partial file. The
//! command-line enums live here and map onto the libraries' own types: no library depends on
//! clap.

mod error;

use clap::{Args, ValueEnum};
pub use error::CliError;
use error::OrCli;
use ouro_core::board::BoardConfig;
use ouro_core::progress::Progress;
use ouro_core::schema::{Predictor, QPredictor};
use ouro_core::units::{format_duration, parse_duration};
use ouro_core::yaml;
use ouro_core::Polarity;
use ouro_host::{characterize as chz, eval as ev};
use ouro_nn::train::{TrainParams, Weighting};
use ouro_sim::device::{self, Cell, DeviceConfig, DeviceParams, Start};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

fn load_device(spec: &str) -> Result<DeviceConfig, CliError> {
    DeviceConfig::load(spec).cli()
}

fn load_board(spec: &str) -> Result<BoardConfig, CliError> {
    BoardConfig::load(spec).cli()
}

/// A terminal progress bar that the libraries drive through [`Progress`].
#[derive(Debug)]
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn set_total(&self, total: u64) {
        self.0.set_length(total);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

impl Bar {
    fn finish_and_clear(&self) {
        self.0.finish_and_clear();
    }
}

fn progress(len: usize, what: &str) -> Bar {
    let pb = indicatif::ProgressBar::new(len as u64);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    Bar(pb)
}

/// `--start`: where each recorded pulse or programming starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StartArg {
    /// A state drawn uniformly over the window (after ageing).
    Uniform,
    /// Where the previous pulse (or the ageing history) left the cell.
    Walk,
}

impl From<StartArg> for Start {
    fn from(a: StartArg) -> Self {
        match a {
            StartArg::Uniform => Start::Uniform,
            StartArg::Walk => Start::Walk,
        }
    }
}

/// `--weighting`: what a training row's loss weight measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WeightingArg {
    /// The row's relative change.
    Change,
    /// The sensitivity of the end point to the duration, estimated from the data.
    Sensitivity,
}

impl From<WeightingArg> for Weighting {
    fn from(a: WeightingArg) -> Self {
        match a {
            WeightingArg::Change => Weighting::Change,
            WeightingArg::Sensitivity => Weighting::Sensitivity,
        }
    }
}

/// Status for the user on stderr. A closed stderr (`2>&1 | head`) is not worth dying for: the
/// write error is ignored, where `eprintln!` would panic.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::new(e)),
        _ => Ok(()),
    }
}

/// `ouro device info`.
pub fn device_info(spec: &str) -> Result<(), CliError> {
    let d = load_device(spec)?;
    let (glo, ghi) = device::window_conductance_us();
    let p = DeviceParams::nominal();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "device: {} (d2d: {}, c2c: {}, integrator: {:?})",
        d.name, d.d2d, d.c2c, d.integrator
    );
    let _ = writeln!(
        s,
        "window: N in [{}, {}] (1e26 m^-3), G in [{glo:.4}, {ghi:.4}] uS at {} V read",
        device::N_WINDOW_MIN,
        device::N_WINDOW_MAX,
        d.read_voltage_v
    );
    let _ = writeln!(
        s,
        "operating point: SET {} V, RESET {} V",
        d.set_amplitude_v, d.reset_amplitude_v
    );
    let _ = writeln!(
        s,
        "trusted amplitudes: SET [{}, {}] V, RESET [{}, {}] V",
        device::TRUSTED_SET_V.0,
        device::TRUSTED_SET_V.1,
        device::TRUSTED_RESET_V.0,
        device::TRUSTED_RESET_V.1
    );
    let _ = writeln!(s, "nominal parameters: {p:#?}");
    if d.d2d {
        let _ = writeln!(s, "device-to-device model: {:?}", d.d2d_model);
    }
    if d.c2c {
        let _ = writeln!(s, "cycle-to-cycle model: {:?}", d.c2c_model);
    }
    print(&s)
}

/// Arguments of `ouro device curve`.
#[derive(Debug, Args)]
pub struct CurveArgs {
    /// A preset (nominal, c2c, realistic) or a path to a device YAML file.
    #[arg(long, default_value = "nominal")]
    pub device: String,
    /// Pulse polarity: set (raise G) or reset (lower G).
    #[arg(long)]
    pub polarity: Polarity,
    /// Pulse width, with a unit: 1us, 250ns, 2ms.
    #[arg(long)]
    pub width: String,
    /// Number of pulses.
    #[arg(long, default_value_t = 100)]
    pub pulses: usize,
    /// Pulse amplitude in volts (default: the device's operating point for the polarity).
    #[arg(long, allow_hyphen_values = true)]
    pub amplitude: Option<f64>,
    /// Starting conductance in uS (default: the bottom of the window for set, the top for reset).
    #[arg(long)]
    pub from_us: Option<f64>,
    /// Seed of the cell (its device-to-device draw and cycle-to-cycle walk).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Check that an amplitude has the polarity's sign and lies in the documented trusted range.
pub fn check_amplitude(polarity: Polarity, v: f64) -> Result<(), CliError> {
    let (lo, hi) = match polarity {
        Polarity::Set => device::TRUSTED_SET_V,
        Polarity::Reset => device::TRUSTED_RESET_V,
    };
    if !(v >= lo && v <= hi) {
        return Err(CliError(format!(
            "amplitude {v} V is outside the trusted {polarity} range [{lo}, {hi}] V: pick one inside it (SET is negative, RESET positive)"
        )));
    }
    Ok(())
}

/// `ouro device curve`: CSV `pulse,g_us` on stdout.
pub fn device_curve(a: &CurveArgs) -> Result<(), CliError> {
    let d = load_device(&a.device)?;
    let width = parse_duration(&a.width).cli()?;
    let amplitude = a.amplitude.unwrap_or_else(|| d.amplitude_v(a.polarity));
    check_amplitude(a.polarity, amplitude)?;
    let mut cell = Cell::new(&d, a.seed);
    let (glo, ghi) = device::window_conductance_us();
    let start = a.from_us.unwrap_or(match a.polarity {
        Polarity::Set => glo,
        Polarity::Reset => ghi,
    });
    cell.set_conductance_us(start).cli()?;
    let mut s = String::from("pulse,g_us\n");
    let _ = writeln!(s, "0,{:.6}", cell.conductance_us());
    for k in 1..=a.pulses {
        let r = cell.apply_pulse_with_amplitude(amplitude, width);
        let _ = writeln!(s, "{k},{:.6}", r.g_after_us);
    }
    print(&s)
}

/// Arguments of `ouro characterize`.
#[derive(Debug, Args)]
pub struct CharacterizeArgs {
    /// A preset (nominal, c2c, realistic) or a path to a device YAML file.
    #[arg(long)]
    pub device: String,
    /// Number of cells.
    #[arg(long)]
    pub cells: usize,
    /// Recorded pulses per cell.
    #[arg(long)]
    pub pulses_per_cell: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Shortest pulse (log-uniform widths).
    #[arg(long, default_value = "10ns")]
    pub min_width: String,
    /// Longest pulse.
    #[arg(long, default_value = "10ms")]
    pub max_width: String,
    /// Unrecorded random pulses applied to each cell first.
    #[arg(long, default_value_t = 20)]
    pub age_pulses: usize,
    /// Where each recorded pulse starts: `uniform` (a state drawn uniformly over the window) or
    /// `walk` (where the previous pulse left the cell).
    #[arg(long, value_enum, default_value = "uniform")]
    pub start: StartArg,
    /// Keep at most this many rows per (polarity, reading before, reading after) bin, 20 x 20
    /// bins over the window: an even design over all moves (apply many pulses, keep few)
    #[arg(long)]
    pub balance: Option<usize>,
    /// Output CSV.
    #[arg(long)]
    pub out: PathBuf,
}

/// `ouro characterize`.
pub fn characterize(a: &CharacterizeArgs) -> Result<(), CliError> {
    let d = load_device(&a.device)?;
    let mut cfg = chz::CharacterizeConfig::new(a.cells, a.pulses_per_cell, a.seed);
    cfg.min_width_s = parse_duration(&a.min_width).cli()?;
    cfg.max_width_s = parse_duration(&a.max_width).cli()?;
    cfg.age_pulses = a.age_pulses;
    cfg.start = a.start.into();
    cfg.balance = a.balance;
    let pb = progress(a.cells, "characterize");
    let rows = chz::run(&d, &cfg, Some(&pb))?;
    pb.finish_and_clear();
    ouro_core::dataset::write_csv(&a.out, &rows).cli()?;
    note!(
        "wrote {} rows ({}{} cells x {} pulses, {} .. {}) to {}",
        rows.len(),
        a.balance
            .map_or(String::new(), |b| format!("at most {b} per bin, of ")),
        a.cells,
        a.pulses_per_cell,
        format_duration(cfg.min_width_s),
        format_duration(cfg.max_width_s),
        a.out.display()
    );
    Ok(())
}

/// Arguments of `ouro train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Characterization CSV (from `ouro characterize`).
    #[arg(long)]
    pub data: PathBuf,
    /// Output float predictor YAML.
    #[arg(long)]
    pub out: PathBuf,
    /// Epochs.
    #[arg(long, default_value_t = 100)]
    pub epochs: u32,
    /// Hidden layer sizes, comma-separated.
    #[arg(long, default_value = "16,16", value_delimiter = ',')]
    pub hidden: Vec<usize>,
    /// Seed (initialisation, split, batches).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Adam step size at the start (it decays along a cosine).
    #[arg(long, default_value_t = 1e-2)]
    pub learning_rate: f64,
    /// Rows per Adam step.
    #[arg(long, default_value_t = 64)]
    pub batch_size: usize,
    /// Floor of the per-row loss weight max(|dG|/G_after, floor); 0 gives plain MSE.
    #[arg(long, default_value_t = 0.01)]
    pub weight_floor: f64,
    /// Power the row weight is raised to (2: weigh rows by their squared relative change).
    #[arg(long, default_value_t = 1.0)]
    pub weight_power: f64,
    /// Scale (log2 units) of the Welsch loss used in the second half of training; 0: squared
    /// error throughout.
    #[arg(long, default_value_t = 2.0)]
    pub robust_scale: f64,
    /// Decoupled weight decay (AdamW) on the weights; 0: none.
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f64,
    /// Knots of a learned piecewise-linear table in front of each input; 0: none.
    #[arg(long, default_value_t = 0)]
    pub input_knots: usize,
    /// What the row weight measures: the relative change, or the sensitivity of the end point to
    /// the duration (estimated from the data)
    #[arg(long, value_enum, default_value = "change")]
    pub weighting: WeightingArg,
}

/// `ouro train`.
pub fn train(a: &TrainArgs) -> Result<(), CliError> {
    let params = TrainParams {
        epochs: a.epochs,
        hidden: a.hidden.clone(),
        seed: a.seed,
        learning_rate: a.learning_rate,
        batch_size: a.batch_size,
        weight_floor: a.weight_floor,
        weight_power: a.weight_power,
        robust_scale: a.robust_scale,
        weight_decay: a.weight_decay,
        input_knots: a.input_knots,
        weighting: a.weighting.into(),
        source: a.data.display().to_string(),
        ..TrainParams::default()
    }
    .check()
    .cli()?;
    let rows = ouro_core::dataset::read_csv(&a.data).cli()?;
    let pb = progress(a.epochs as usize * 2, "train");
    let (mut predictor, report) = ouro_nn::train::train(&rows, &params, Some(&pb)).cli()?;
    pb.finish_and_clear();
    if let Some(t) = predictor.training.as_mut() {
        t.data = a.data.display().to_string();
    }
    note!("{report}");
    yaml::save(&a.out, &predictor).cli()?;
    note!("wrote {}", a.out.display());
    Ok(())
}

/// Arguments of `ouro quantize`.
#[derive(Debug, Args)]
pub struct QuantizeArgs {
    /// Float predictor YAML (from `ouro train`).
    pub predictor: PathBuf,
    /// Output quantized predictor YAML.
    #[arg(long)]
    pub out: PathBuf,
    /// Board (clock, ADC) the gateware runs on: a shipped name or a path.
    #[arg(long, default_value = "icebreaker")]
    pub board: String,
}

/// `ouro quantize`.
pub fn quantize(a: &QuantizeArgs) -> Result<(), CliError> {
    let p = Predictor::load(&a.predictor).cli()?;
    let board = load_board(&a.board)?;
    let (q, report) =
        ouro_nn::quantize::quantize(&p, &board, &a.predictor.display().to_string()).cli()?;
    note!("{report}");
    yaml::save(&a.out, &q).cli()?;
    note!("wrote {}", a.out.display());
    Ok(())
}

/// Arguments of `ouro eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Float predictor YAML (default: the shipped default weights).
    #[arg(long)]
    pub predictor: Option<PathBuf>,
    /// Quantized predictor YAML (default: the shipped one with the default weights, else the
    /// float predictor quantized for --board).
    #[arg(long)]
    pub qpredictor: Option<PathBuf>,
    /// A preset (nominal, c2c, realistic) or a path to a device YAML file.
    #[arg(long, default_value = "realistic")]
    pub device: String,
    /// Board (clock, ADC, noise): a shipped name or a path.
    #[arg(long, default_value = "icebreaker")]
    pub board: String,
    /// Number of cells.
    #[arg(long, default_value_t = 1000)]
    pub cells: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Random pulses applied to each cell before programming.
    #[arg(long, default_value_t = 20)]
    pub age_pulses: usize,
    /// Where each cell starts: `uniform` (aged, then a state drawn uniformly over the window) or
    /// `walk` (the state the ageing history left, mostly near the ends of the window).
    #[arg(long, value_enum, default_value = "uniform")]
    pub start: StartArg,
    /// Target range in uS, `LO,HI` (default: the whole window).
    #[arg(long, value_delimiter = ',')]
    pub target_range_us: Option<Vec<f64>>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write every cell's outcome (state, target, each method's pulse and result) as CSV.
    #[arg(long)]
    pub cells_csv: Option<PathBuf>,
}

/// Resolve the float and fixed predictors of `ouro eval`.
fn eval_predictors(a: &EvalArgs, board: &BoardConfig) -> Result<(Predictor, QPredictor), CliError> {
    let float = match &a.predictor {
        Some(p) => Predictor::load(p).cli()?,
        None => ouro_nn::defaults::predictor(),
    };
    let fixed = match (&a.qpredictor, &a.predictor) {
        (Some(q), _) => QPredictor::load(q).cli()?,
        (None, None) if board.clock_hz == ouro_nn::defaults::qpredictor().clock_hz => {
            ouro_nn::defaults::qpredictor()
        }
        (None, _) => {
            ouro_nn::quantize::quantize(&float, board, "float predictor")
                .cli()?
                .0
        }
    };
    Ok((float, fixed))
}

/// `ouro eval`.
pub fn eval(a: &EvalArgs) -> Result<(), CliError> {
    let d = load_device(&a.device)?;
    let board = load_board(&a.board)?;
    let (float, fixed) = eval_predictors(a, &board)?;
    let mut cfg = ev::EvalConfig::new(a.cells, a.seed);
    cfg.age_pulses = a.age_pulses;
    cfg.start = a.start.into();
    if let Some(r) = &a.target_range_us {
        let [lo, hi] = r[..] else {
            return Err(CliError(
                "--target-range-us takes two numbers, LO,HI (e.g. 150,450)".into(),
            ));
        };
        cfg.target_range_us = (lo, hi);
    }
    cfg.validate()?;
    let prog = ev::Programmer::new(&d, &board, &float, &fixed)?;
    let pb = progress(a.cells, "eval");
    let results = ev::run(&prog, &cfg, Some(&pb))?;
    pb.finish_and_clear();
    let fractions = ev::summarize(&results);
    if let Some(path) = &a.cells_csv {
        write_file(path, &ev::cells_csv(&results))?;
    }
    if a.json {
        let doc = serde_json::json!({
            "device": d.name,
            "board": board.name,
            "cells": a.cells,
            "seed": a.seed,
            "results": fractions,
        });
        print(&format!("{}\n", serde_json::to_string_pretty(&doc).cli()?))
    } else {
        print(&format!(
            "one-shot programming of {} aged cells, device {}, board {}, seed {}\n{}",
            a.cells,
            d.name,
            board.name,
            a.seed,
            ev::table(&fractions)
        ))
    }
}

/// Write `text` to `path` atomically (no partial file on failure).
pub fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    yaml::write_atomic(path, text).cli()
}

/// Arguments of `ouro hdl generate`.
#[derive(Debug, Args)]
pub struct HdlGenerateArgs {
    /// Quantized predictor YAML (default: the shipped default weights).
    #[arg(long)]
    pub predictor: Option<PathBuf>,
    /// MAC lanes (multipliers, one SB_MAC16 each).
    #[arg(long, default_value_t = ouro_hdl::DEFAULT_LANES)]
    pub lanes: usize,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// `ouro hdl generate`: the predictor engine's Verilog and its weight image.
pub fn hdl_generate(a: &HdlGenerateArgs) -> Result<(), CliError> {
    let q = match &a.predictor {
        Some(p) => QPredictor::load(p).cli()?,
        None => ouro_nn::defaults::qpredictor(),
    };
    let shape = ouro_hdl::EngineShape::new(&q, a.lanes).cli()?;
    let files = ouro_hdl::generate(&q, a.lanes, &a.out).cli()?;
    for f in files {
        note!("wrote {}", f.display());
    }
    let sizes: Vec<String> = std::iter::once(shape.inputs)
        .chain(shape.layers.iter().map(|l| l.0))
        .map(|n| n.to_string())
        .collect();
    let cycles = shape.latency_cycles();
    note!(
        "engine: {} per polarity, {} lanes, {cycles} cycles per prediction ({:.2} us at {} MHz)",
        sizes.join("-"),
        a.lanes,
        cycles as f64 * 1e6 / q.clock_hz as f64,
        q.clock_hz as f64 / 1e6,
    );
    Ok(())
}
