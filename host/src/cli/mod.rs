//! The `ouro` commands with their clap arguments, one file per command group. Each returns a
//! one-line [`CliError`] on bad input and writes output files atomically, so a failure never
//! leaves a partial file. The command-line enums live here and map onto the libraries' own
//! types: no library depends on clap.

/// Status for the user on stderr. A closed stderr (`2>&1 | head`) is not worth dying for: the
/// write error is ignored, where `eprintln!` would panic.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

mod characterize;
mod device;
mod error;
mod eval;
mod hdl;
mod predictor;

pub use characterize::{characterize, CharacterizeArgs};
pub use device::{device_curve, device_info, CurveArgs};
pub use error::CliError;
pub use eval::{eval, EvalArgs};
pub use hdl::{hdl_generate, HdlGenerateArgs};
pub use predictor::{quantize, train, QuantizeArgs, TrainArgs};

use clap::ValueEnum;
use error::OrCli;
use ouro_core::board::BoardConfig;
use ouro_core::progress::Progress;
use ouro_core::yaml;
use ouro_sim::device::{DeviceConfig, Start};
use std::io::Write as _;
use std::path::Path;

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

fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::new(e)),
        _ => Ok(()),
    }
}

/// Write `text` to `path` atomically (no partial file on failure).
pub fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    yaml::write_atomic(path, text).cli()
}
