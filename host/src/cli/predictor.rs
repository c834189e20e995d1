//! `ouro train` and `ouro quantize`: the float predictor from data, and its fixed-point form.

use super::error::OrCli;
use super::{load_board, progress, save, CliError};
use clap::{Args, ValueEnum};
use ouro_core::output::AtomicFile;
use ouro_core::schema::Predictor;
use ouro_nn::train::{TrainParams, Weighting};
use std::path::PathBuf;

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

/// `--hidden`'s help, with the limit the training checks.
fn hidden_help() -> String {
    format!(
        "Hidden layer sizes, comma-separated; each 1 to {} units (the fixed-point fan-in \
         limit). The shipped default predictor has one layer of 16 (`--hidden 16`)",
        ouro_core::qformat::MAX_FANIN
    )
}

/// `--epochs`' help, with the limit the training checks.
fn epochs_help() -> String {
    format!("Epochs, 1 to {}", ouro_nn::train::MAX_EPOCHS)
}

/// `--input-knots`' help, with the limit the training checks.
fn knots_help() -> String {
    format!(
        "Knots of a learned piecewise-linear table in front of each reading input (both of a blind predictor, the reading and the target of a history-aware one); 0 (none) or 2 to {}",
        ouro_nn::train::MAX_INPUT_KNOTS
    )
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
    /// Epochs, 1 to 1000000.
    #[arg(
        long,
        default_value_t = 100,
        help = epochs_help(),
        value_parser = clap::value_parser!(u32).range(1..=i64::from(ouro_nn::train::MAX_EPOCHS))
    )]
    pub epochs: u32,
    /// Hidden layer sizes, comma-separated; each 1 to 64 units (the fixed-point fan-in limit).
    /// The shipped default predictor has one layer of 16 (`--hidden 16`).
    #[arg(long, default_value = "16,16", value_delimiter = ',', help = hidden_help())]
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
    /// Power the row weight is raised to (2: weigh rows by their squared relative change); 0 to 4.
    #[arg(long, default_value_t = 1.0)]
    pub weight_power: f64,
    /// Scale (log2 units) of the Welsch loss used in the second half of training; 0: squared
    /// error throughout.
    #[arg(long, default_value_t = 2.0)]
    pub robust_scale: f64,
    /// Decoupled weight decay (AdamW) on the weights; 0: none.
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f64,
    /// Knots of a learned piecewise-linear table in front of each reading input; 0 (none) or 2
    /// to 1024.
    #[arg(long, default_value_t = 0, help = knots_help())]
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
    super::out_is_not_an_input(&a.out, &[], [a.data.as_path()])?;
    let out = AtomicFile::create(&a.out).cli()?;
    let pb = progress(a.epochs as usize * 2, "train");
    let (mut predictor, report) = ouro_nn::train::train_file(&a.data, &params, Some(&pb)).cli()?;
    pb.finish_and_clear();
    if let Some(t) = predictor.training.as_mut() {
        t.data = a.data.display().to_string();
    }
    // The report follows the write, so that a failed write is the one line on stderr.
    save(out, &predictor)?;
    note!("{report}");
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
    super::out_is_not_an_input(
        &a.out,
        &[],
        [a.predictor.as_path(), std::path::Path::new(&a.board)],
    )?;
    let out = AtomicFile::create(&a.out).cli()?;
    let (q, report) =
        ouro_nn::quantize::quantize(&p, &board, &a.predictor.display().to_string()).cli()?;
    save(out, &q)?;
    note!("{report}");
    note!("wrote {}", a.out.display());
    Ok(())
}
