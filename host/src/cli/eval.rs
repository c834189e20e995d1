//! `ouro eval`: one-shot programming accuracy of the predictor against baselines.

use super::error::OrCli;
use super::{load_board, load_device, print, progress, write_file, CliError, StartArg};
use clap::Args;
use ouro_core::board::BoardConfig;
use ouro_core::schema::{Predictor, QPredictor};
use ouro_host::eval as ev;
use std::path::PathBuf;

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
    /// Target range in uS, `LO,HI` (default: the device's whole window at its read voltage).
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
    let mut cfg = ev::EvalConfig::new(&d, a.cells, a.seed);
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
    cfg.validate(&d)?;
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
