//! `ouro bench`: every programming method on the same cells, on the simulated board or the
//! model; a table, `report.json`, per-cell CSVs, plots and `report.html` in `--out`.

use super::error::OrCli;
use super::{load_board, load_device, print, progress, CliError};
use clap::Args;
use ouro_core::output::AtomicDir;
use ouro_core::schema::QPredictor;
use ouro_host::bench::{self, BenchSettings, BoardKind, Method};
use ouro_host::report::{self, csv};
use std::path::{Path, PathBuf};

/// Arguments of `ouro bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Where the board's methods run: `sim` (the verilated board top at its pins, every cycle
    /// the gateware's) or `model` (the board's transaction-level model, which equals it and
    /// runs thousands of times faster).
    #[arg(long, default_value = "sim")]
    pub board: String,
    /// A preset (nominal, c2c, realistic) or a path to a device YAML file.
    #[arg(long, default_value = "realistic")]
    pub device: String,
    /// Board file (clock, front end, limits): a shipped name or a path. The simulated board is
    /// built for the shipped `icebreaker`.
    #[arg(long, default_value = "icebreaker")]
    pub board_file: String,
    /// Cells per method (1 to 10,000,000).
    #[arg(long, default_value_t = 1000)]
    pub cells: usize,
    /// Tolerance around each target, in percent of the target (`2%` or `2`): a cell is done
    /// when its reading is within it.
    #[arg(long, default_value = "2%", allow_hyphen_values = true)]
    pub tolerance: String,
    /// Seed of the cells, their starting states and targets, and the read noise.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory: report.json, report.html, cells.csv, one CSV per method, plots.
    #[arg(long)]
    pub out: PathBuf,
    /// The quantized blind predictor the board runs (default: the shipped one; a different one
    /// of the same shape is loaded over the link; `predictors/nominal.q.yaml` selects the board
    /// build with input tables).
    #[arg(long)]
    pub predictor: Option<PathBuf>,
    /// The quantized history-aware predictor of probe-then-predict (default: the shipped one
    /// where it fits the device's amplitudes).
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// The methods to run, comma-separated (default: all): fixed-wv, adaptive-wv,
    /// host-adaptive-wv, inversion-loop, neural-one-shot, neural-loop, probe-neural,
    /// probe-neural-loop, oracle-loop.
    #[arg(long, value_delimiter = ',')]
    pub methods: Option<Vec<String>>,
    /// The methods' settings.
    #[command(flatten)]
    pub method: MethodArgs,
    /// Open report.html in a browser when done.
    #[arg(long)]
    pub open: bool,
}

/// The methods' settings, shared by `ouro bench` and `ouro program`.
#[derive(Debug, Args)]
pub struct MethodArgs {
    /// Most pulses per cell (1 to 255).
    #[arg(long, default_value_t = 255, value_parser = clap::value_parser!(u8).range(1..))]
    pub max_attempts: u8,
    /// Fixed write and verify's pulse duration (e.g. `1us`).
    #[arg(long, default_value = "1us", allow_hyphen_values = true)]
    pub fixed_pulse: String,
    /// Adaptive write and verify's first pulse duration.
    #[arg(long, default_value = "1us", allow_hyphen_values = true)]
    pub adaptive_start: String,
    /// The USB serial adapter's latency timer for host-driven write and verify (the FT2232H's
    /// shortest is 1 ms, its default 16 ms).
    #[arg(long, default_value = "1ms", allow_hyphen_values = true)]
    pub latency_timer: String,
    /// The neural loop's fine step: predicted pulses of at most this many cycles go at the
    /// fine amplitude (0: never).
    #[arg(long, default_value_t = 4)]
    pub fine_below: u32,
    /// The fine step's amplitude, volts at the cell, `SET,RESET` (SET negative).
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "-0.25,0.5"
    )]
    pub fine_amplitude: Vec<f64>,
}

impl MethodArgs {
    /// Put these settings into `s` (its board file gives the clock the durations are counted
    /// in).
    pub(crate) fn apply(&self, s: &mut BenchSettings) -> Result<(), CliError> {
        s.max_attempts = self.max_attempts;
        let clock = s.board.clock_hz;
        s.fixed_cycles = cycles_of("--fixed-pulse", &self.fixed_pulse, clock)?;
        s.adaptive_start_cycles = cycles_of("--adaptive-start", &self.adaptive_start, clock)?;
        s.latency_timer_us = ouro_core::units::parse_duration(&self.latency_timer)
            .map_err(|e| CliError(format!("--latency-timer: {e}")))?
            * 1e6;
        s.fine_below_cycles = self.fine_below;
        s.fine_v = fine_amplitude(&self.fine_amplitude)?;
        Ok(())
    }
}

/// A tolerance in percent: `2%` or `2`.
pub(crate) fn parse_tolerance(text: &str) -> Result<f64, CliError> {
    let t = text.trim();
    let n = t.strip_suffix('%').unwrap_or(t).trim();
    match n.parse::<f64>() {
        Ok(p) if p > 0.0 && p < 100.0 => Ok(p / 100.0),
        Ok(p) => Err(CliError(format!(
            "--tolerance {p}% is out of range: give a percentage above 0 and below 100 (e.g. 2%)"
        ))),
        Err(_) => Err(CliError(format!(
            "--tolerance `{text}` is not a percentage: give e.g. 2% or 0.5"
        ))),
    }
}

fn cycles_of(flag: &str, text: &str, clock_hz: u64) -> Result<u32, CliError> {
    let s = ouro_core::units::parse_duration(text).map_err(|e| CliError(format!("{flag}: {e}")))?;
    let c = (s * clock_hz as f64).round();
    if c < 1.0 {
        return Err(CliError(format!(
            "{flag} {text} is {c} clock cycles: give at least one cycle ({:.1} ns)",
            1e9 / clock_hz as f64
        )));
    }
    if c > f64::from(u32::MAX) {
        return Err(CliError(format!(
            "{flag} {text} is {c:e} clock cycles: give at most {} cycles ({:.0} s)",
            u32::MAX,
            f64::from(u32::MAX) / clock_hz as f64
        )));
    }
    Ok(c as u32)
}

/// `--fine-amplitude SET,RESET`: a SET amplitude below 0 V and a RESET one above, each within
/// the range the device model is verified over.
fn fine_amplitude(v: &[f64]) -> Result<(f64, f64), CliError> {
    use ouro_sim::device::{TRUSTED_RESET_V, TRUSTED_SET_V};
    match *v {
        [set, reset]
            if (TRUSTED_SET_V.0..=TRUSTED_SET_V.1).contains(&set)
                && (TRUSTED_RESET_V.0..=TRUSTED_RESET_V.1).contains(&reset) =>
        {
            Ok((set, reset))
        }
        _ => Err(CliError(format!(
            "--fine-amplitude takes SET,RESET volts within the device model's trusted range \
             ({}..{} V SET, {}..{} V RESET), e.g. -0.25,0.5",
            TRUSTED_SET_V.0, TRUSTED_SET_V.1, TRUSTED_RESET_V.0, TRUSTED_RESET_V.1
        ))),
    }
}

/// The history-aware predictor: `--history`, else the shipped one when its level 0 is the
/// device's amplitudes (else the probe methods are left out, with a note).
fn history(
    a: &BenchArgs,
    d: &ouro_sim::device::DeviceConfig,
) -> Result<Option<QPredictor>, CliError> {
    if let Some(p) = &a.history {
        return Ok(Some(QPredictor::load(p).cli()?));
    }
    let h = ouro_nn::defaults::history_qpredictor();
    let fits = h
        .levels
        .as_ref()
        .is_some_and(|l| l.set[0] == d.set_amplitude_v && l.reset[0] == d.reset_amplitude_v);
    Ok(fits.then_some(h))
}

/// Open `path` (report.html) with the desktop's opener.
fn open(path: &Path) {
    let opened = std::process::Command::new("xdg-open")
        .arg(path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if !matches!(opened, Ok(s) if s.success()) {
        note!(
            "--open: could not open {} (xdg-open failed); open it in a browser",
            path.display()
        );
    }
}

/// `ouro bench`.
pub fn bench(a: &BenchArgs) -> Result<(), CliError> {
    let kind = match a.board.as_str() {
        "sim" => BoardKind::Sim,
        "model" => BoardKind::Model,
        other => {
            return Err(CliError(format!(
                "--board {other}: the benchmark runs on `sim` or `model` (it needs the cells' \
                 truth for its reference methods); to program a real board use `ouro program \
                 --board {other}`"
            )))
        }
    };
    let d = load_device(&a.device)?;
    let board = load_board(&a.board_file)?;
    if kind == BoardKind::Sim && board != ouro_core::board::BoardConfig::default_board() {
        return Err(CliError(format!(
            "--board sim simulates the board built for the shipped `icebreaker` board file, not \
             `{}`: use --board model for another board file",
            a.board_file
        )));
    }
    let predictor = match &a.predictor {
        Some(p) => QPredictor::load(p).cli()?,
        None => ouro_nn::defaults::qpredictor(),
    };
    let mut s = BenchSettings::new(&a.device, d, board, predictor);
    s.history = history(a, &s.device)?;
    s.cells = a.cells;
    s.tolerance = parse_tolerance(&a.tolerance)?;
    s.seed = a.seed;
    a.method.apply(&mut s)?;
    if let Some(names) = &a.methods {
        s.methods = names
            .iter()
            .map(|n| {
                Method::from_name(n.trim()).ok_or_else(|| {
                    CliError(format!(
                        "--methods: `{n}` is not a method: give some of {}",
                        Method::ALL.map(Method::name).join(", ")
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        for (k, m) in s.methods.iter().enumerate() {
            if s.methods[..k].contains(m) {
                return Err(CliError(format!(
                    "--methods names {} twice: give each method once",
                    m.name()
                )));
            }
        }
    }
    s.check()?;
    let paths = [&a.device, &a.board_file].map(|p| std::path::Path::new(p.as_str()));
    let files = [&a.predictor, &a.history].into_iter().flatten();
    let names = output_names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    super::out_is_not_an_input(
        &a.out,
        &names,
        paths.into_iter().chain(files.map(|p| p.as_path())),
    )?;
    // The output directory is checked (and a temporary made beside it) before the work.
    let dir = AtomicDir::create(&a.out).cli()?;
    let methods = s.runnable_methods();
    let pb = progress(s.cells * methods.len(), "bench");
    let t0 = std::time::Instant::now();
    let run = bench::run(&s, kind, &|| {
        use ouro_core::progress::Progress as _;
        pb.advance(1);
    });
    pb.finish_and_clear();
    let run = run?;
    for n in &run.notes {
        note!("{n}");
    }
    write_outputs(
        dir.path(),
        &a.out,
        &run.report,
        &run.rows,
        &run.trajectories,
    )?;
    // The table first: a standard output that cannot take it fails the run before the
    // folder is replaced.
    print(&format!("{}\n", report::table(&run.report)))?;
    let names = output_names();
    dir.commit(&names.iter().map(String::as_str).collect::<Vec<_>>())
        .cli()?;
    print(&format!(
        "wall time {:.1} s; report, per-cell CSVs and plots in {}/ (open {}/report.html)\n",
        t0.elapsed().as_secs_f64(),
        a.out.display(),
        a.out.display()
    ))?;
    if a.open {
        open(&a.out.join("report.html"));
    }
    Ok(())
}

/// Every file [`write_outputs`] may write: a report written into the folder of an earlier one
/// removes the earlier files this one does not have (another run's methods, its trajectories).
pub(crate) fn output_names() -> Vec<String> {
    let mut v: Vec<String> = ["report.json", "report.html", "cells.csv"]
        .map(String::from)
        .to_vec();
    v.extend(Method::ALL.map(|m| format!("cells-{}.csv", m.name())));
    for stem in report::plots::STEMS {
        v.push(format!("{stem}.svg"));
        v.push(format!("{stem}.png"));
    }
    v
}

/// Write report.json, the per-cell CSVs (all cells, and one per method), the plots and
/// report.html into `dir` (the temporary directory of `target`, which errors name).
pub(crate) fn write_outputs(
    dir: &Path,
    target: &Path,
    rep: &report::Report,
    rows: &[report::CellRow],
    trajectories: &[report::plots::Trajectory],
) -> Result<(), CliError> {
    let write = |name: &str, text: &str| -> Result<(), CliError> {
        std::fs::write(dir.join(name), text).map_err(|e| {
            CliError(format!(
                "cannot write {name} into {}: {}",
                target.display(),
                ouro_core::output::io_message(&e)
            ))
        })
    };
    write(
        "report.json",
        &format!("{}\n", serde_json::to_string_pretty(rep).cli()?),
    )?;
    let mut all = format!("{}\n", csv::HEADER);
    for r in rows {
        all.push_str(&csv::line(r));
    }
    write("cells.csv", &all)?;
    for (m, group) in report::by_method(rows) {
        let mut text = format!("{}\n", csv::HEADER);
        for r in group {
            text.push_str(&csv::line(r));
        }
        write(&format!("cells-{m}.csv"), &text)?;
    }
    let (_, skipped) = report::plots::write_plots(dir, rep, rows, trajectories).map_err(|e| {
        // Name the output directory, not its temporary.
        CliError(e.replace(&dir.display().to_string(), &target.display().to_string()))
    })?;
    if let Some(n) = skipped {
        note!("{n}");
    }
    let svgs = report::plots::svg_plots(rep, rows, trajectories).map_err(CliError)?;
    write("report.html", &report::html::html(rep, &svgs))?;
    Ok(())
}
