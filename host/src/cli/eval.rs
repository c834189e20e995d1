//! `ouro eval`: one-shot programming accuracy of the predictor against baselines.

use super::error::OrCli;
use super::{load_board, load_device, print, progress, CliError, StartArg};
use clap::Args;
use ouro_core::board::BoardConfig;
use ouro_core::output::AtomicFile;
use ouro_core::schema::{Predictor, QPredictor};
use ouro_host::eval as ev;
use std::path::{Path, PathBuf};

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
    /// Number of cells (at most 2^32; the cells are evaluated a chunk at a time and their
    /// outcomes stream to --cells-csv, so memory stays small).
    #[arg(long, default_value_t = 1000)]
    pub cells: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Random pulses applied to each cell before programming (at most 1000000).
    #[arg(long, default_value_t = 20)]
    pub age_pulses: usize,
    /// Where each cell starts: `uniform` (aged, then a state drawn uniformly over the window) or
    /// `walk` (the state the ageing history left, mostly near the ends of the window).
    #[arg(long, value_enum, default_value = "uniform")]
    pub start: StartArg,
    /// Target range in uS, `LO,HI` (default: the device's whole window at its read voltage).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub target_range_us: Option<Vec<f64>>,
    /// The history-aware float predictor of the probe-then-predict methods `probe-neural-float`
    /// and `probe-neural` (trained on `ouro characterize --sequences` data; default: the shipped
    /// one, `predictors/history.yaml`, when the device's amplitudes are its level 0).
    #[arg(long)]
    pub history: Option<PathBuf>,
    /// Its quantization (from `ouro quantize`; default: the shipped one with the shipped
    /// history predictor, else --history quantized for --board).
    #[arg(long, requires = "history")]
    pub history_q: Option<PathBuf>,
    /// Leave the probe-then-predict methods out.
    #[arg(long, conflicts_with_all = ["history", "history_q"])]
    pub no_probe: bool,
    /// Reads averaged into each reading of the probe-then-predict methods (a power of two, 1
    /// to 16).
    #[arg(long, default_value_t = 4)]
    pub reads: u32,
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
        // The shipped quantization only fits a board with its clock and ADC; for another
        // board the default is quantized for it, as --help promises.
        (None, None) if shipped_fits(board) => ouro_nn::defaults::qpredictor(),
        (None, _) => {
            ouro_nn::quantize::quantize(&float, board, "float predictor")
                .cli()?
                .0
        }
    };
    if fixed.features != float.features || fixed.levels != float.levels {
        return Err(CliError(format!(
            "--qpredictor is not a quantization of the float predictor{} (its inputs are {:?}, not {:?}): give the matching pair, or leave --qpredictor out to quantize the float one for the board",
            a.predictor.as_ref().map_or(" (the shipped default)".to_string(), |p| format!(" {}", p.display())),
            fixed.features,
            float.features
        )));
    }
    Ok((float, fixed))
}

/// Resolve the history-aware predictors of the probe-then-predict methods: `--history` (and
/// `--history-q`, else it quantized for the board), or the shipped pair when it fits the
/// device (its level 0 is the device's amplitudes; otherwise a note says why the methods are
/// left out), or none with `--no-probe`.
fn history_predictors(
    a: &EvalArgs,
    d: &ouro_sim::device::DeviceConfig,
    board: &BoardConfig,
) -> Result<Option<(Predictor, QPredictor)>, CliError> {
    if a.no_probe {
        return Ok(None);
    }
    let float = match &a.history {
        Some(p) => Predictor::load(p).cli()?,
        None => {
            let h = ouro_nn::defaults::history_predictor();
            let fits = h.levels.as_ref().is_some_and(|l| {
                l.set[0] == d.set_amplitude_v && l.reset[0] == d.reset_amplitude_v
            });
            if !fits {
                note!(
                    "probe-then-predict left out: the shipped history predictor was trained at {} V SET and {} V RESET, not at device `{}`'s amplitudes; give one trained for it with --history",
                    h.levels.as_ref().map_or(f64::NAN, |l| l.set[0]),
                    h.levels.as_ref().map_or(f64::NAN, |l| l.reset[0]),
                    d.name
                );
                return Ok(None);
            }
            h
        }
    };
    if !ouro_core::schema::Feature::needs_probe(&float.features) {
        return Err(CliError::new(
            "--history needs a history-aware predictor (with probe and level inputs): train one on `ouro characterize --sequences` data",
        ));
    }
    let fixed = match (&a.history_q, &a.history) {
        (Some(q), _) => QPredictor::load(q).cli()?,
        (None, None) if history_shipped_fits(board) => ouro_nn::defaults::history_qpredictor(),
        (None, _) => {
            ouro_nn::quantize::quantize(&float, board, "history predictor")
                .cli()?
                .0
        }
    };
    Ok(Some((float, fixed)))
}

/// Whether the shipped quantized history predictor was made for `board`.
fn history_shipped_fits(board: &BoardConfig) -> bool {
    let q = ouro_nn::defaults::history_qpredictor();
    q.fits(board).is_ok()
        && q.min_cycles == board.min_pulse_cycles
        && q.max_cycles == board.max_pulse_cycles
}

/// Whether the shipped quantized default predictor was made for `board`: its clock, ADC width
/// and pulse limits (what the quantized file records).
fn shipped_fits(board: &BoardConfig) -> bool {
    let q = ouro_nn::defaults::qpredictor();
    q.fits(board).is_ok()
        && q.min_cycles == board.min_pulse_cycles
        && q.max_cycles == board.max_pulse_cycles
}

/// `ouro eval`.
pub fn eval(a: &EvalArgs) -> Result<(), CliError> {
    let d = load_device(&a.device)?;
    let board = load_board(&a.board)?;
    if let Some(out) = &a.cells_csv {
        let inputs = [&a.predictor, &a.qpredictor, &a.history, &a.history_q];
        super::out_is_not_an_input(
            out,
            &[],
            inputs
                .into_iter()
                .flatten()
                .map(PathBuf::as_path)
                .chain([Path::new(&a.device), Path::new(&a.board)]),
        )?;
    }
    let cells_csv = a
        .cells_csv
        .as_deref()
        .map(AtomicFile::create)
        .transpose()
        .cli()?;
    let (float, fixed) = eval_predictors(a, &board)?;
    let mut cfg = ev::EvalConfig::new(&d, a.cells, a.seed);
    cfg.age_pulses = a.age_pulses;
    cfg.start = a.start.into();
    if let Some(r) = &a.target_range_us {
        let [lo, hi] = r[..] else {
            return Err(CliError(
                "--target-range-us takes two numbers, LO,HI (e.g. 150,450)".into(),
            ));
        };
        if lo.is_nan() || hi.is_nan() {
            return Err(CliError(format!(
                "--target-range-us {lo},{hi} is not two numbers: give LO,HI in uS (e.g. 150,450)"
            )));
        }
        if lo > hi {
            return Err(CliError(format!(
                "--target-range-us {lo},{hi} is reversed: give the low end first, {hi},{lo}"
            )));
        }
        if lo == hi {
            return Err(CliError(format!(
                "--target-range-us {lo},{hi} is empty: give a low end below the high end"
            )));
        }
        cfg.target_range_us = (lo, hi);
    }
    cfg.validate(&d)?;
    let history = history_predictors(a, &d, &board)?;
    let mut prog = ev::Programmer::new(&d, &board, &float, &fixed)?;
    if let Some((h, hq)) = &history {
        let mut method = ouro_host::probe::ProbeThenPredict::new(h, Some(hq));
        method.reads = a.reads;
        prog = prog.with_probe(method)?;
    }
    let methods = prog.methods();
    let mut cells_csv = cells_csv;
    if let Some(out) = cells_csv.as_mut() {
        out.write_all(ev::cells_csv_header(&methods).as_bytes())
            .cli()?;
    }
    let mut tally = ev::Tally::new(&methods);
    let pb = progress(a.cells, "eval");
    // Each cell is counted, and written to --cells-csv, as its chunk finishes.
    let run = ev::run_into(&prog, &cfg, Some(&pb), &mut |r| {
        tally.add(&r);
        if let Some(out) = cells_csv.as_mut() {
            out.write_all(ev::cells_csv_line(&r).as_bytes())
                .map_err(|e| ouro_host::HostError::Setting(e.to_string()))?;
        }
        Ok(())
    });
    pb.finish_and_clear();
    run?;
    if let Some(out) = cells_csv {
        out.commit().cli()?;
    }
    let fractions = tally.fractions();
    let costs = tally.costs(&prog);
    if a.json {
        let doc = serde_json::json!({
            "device": d.name,
            "board": board.name,
            "cells": a.cells,
            "seed": a.seed,
            "results": fractions,
            "costs": costs,
        });
        print(&format!("{}\n", serde_json::to_string_pretty(&doc).cli()?))
    } else {
        print(&format!(
            "one-shot programming of {} aged cells, device {}, board {}, seed {}\n{}\n{}",
            a.cells,
            d.name,
            board.name,
            a.seed,
            ev::table(&fractions),
            ev::cost_table(&costs)
        ))
    }
}
