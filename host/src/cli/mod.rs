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

mod analyze;
mod bench;
mod characterize;
mod device;
mod error;
mod eval;
mod hdl;
mod predictor;
mod program;
mod simboard;

pub use analyze::{analyze, AnalyzeArgs};
pub use bench::{bench, BenchArgs};
pub use characterize::{characterize, CharacterizeArgs};
pub use device::{device_curve, device_info, CurveArgs};
pub use error::CliError;
pub use eval::{eval, EvalArgs};
pub use hdl::{hdl_generate, hdl_synth, HdlGenerateArgs, HdlSynthArgs};
pub use predictor::{quantize, train, QuantizeArgs, TrainArgs};
pub use program::{program, ProgramArgs};
pub use simboard::{sim_board, SimBoardArgs};

use clap::ValueEnum;
use error::OrCli;
use ouro_core::board::BoardConfig;
use ouro_core::output::AtomicFile;
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

/// Progress that the libraries drive through [`Progress`]: a bar on a terminal, else plain
/// lines (`train: 40/200 (20%)`) every 10 % or 5 seconds once a run has taken 2 seconds, so that
/// a log shows a long run moving (and a short one stays quiet).
#[derive(Debug)]
enum Bar {
    Term(indicatif::ProgressBar),
    Lines(Lines),
}

/// Plain progress lines for a stderr that is not a terminal.
#[derive(Debug)]
struct Lines {
    what: String,
    total: std::sync::atomic::AtomicU64,
    done: std::sync::atomic::AtomicU64,
    start: std::time::Instant,
    /// When the last line was printed, and the tenth it reached.
    last: std::sync::Mutex<(std::time::Instant, u64)>,
}

impl Lines {
    fn advance(&self, n: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        let done = self.done.fetch_add(n, Relaxed) + n;
        let total = self.total.load(Relaxed).max(1);
        let tenth = done.min(total) * 10 / total;
        let Ok(mut last) = self.last.try_lock() else {
            return;
        };
        let secs = std::time::Duration::from_secs;
        if self.start.elapsed() >= secs(2) && (tenth > last.1 || last.0.elapsed() >= secs(5)) {
            *last = (std::time::Instant::now(), tenth);
            note!(
                "{}: {done}/{total} ({}%)",
                self.what,
                done.min(total) * 100 / total
            );
        }
    }
}

impl Progress for Bar {
    fn set_total(&self, total: u64) {
        match self {
            Self::Term(b) => b.set_length(total),
            Self::Lines(l) => l.total.store(total, std::sync::atomic::Ordering::Relaxed),
        }
    }
    fn advance(&self, n: u64) {
        match self {
            Self::Term(b) => b.inc(n),
            Self::Lines(l) => l.advance(n),
        }
    }
}

impl Bar {
    fn finish_and_clear(&self) {
        if let Self::Term(b) = self {
            b.finish_and_clear();
        }
    }
}

fn progress(len: usize, what: &str) -> Bar {
    use std::io::IsTerminal as _;
    if !std::io::stderr().is_terminal() {
        return Bar::Lines(Lines {
            what: what.to_string(),
            total: (len as u64).into(),
            done: 0.into(),
            start: std::time::Instant::now(),
            // The first line comes as soon as the run has taken 2 seconds.
            last: std::sync::Mutex::new((
                std::time::Instant::now()
                    .checked_sub(std::time::Duration::from_secs(5))
                    .unwrap_or_else(std::time::Instant::now),
                0,
            )),
        });
    }
    let pb = indicatif::ProgressBar::new(len as u64);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    Bar::Term(pb)
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
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError(format!(
            "cannot write to standard output: {}",
            ouro_core::output::io_message(&e)
        ))),
        _ => Ok(()),
    }
}

/// Serialize `value` as YAML into the output opened before the work, and commit it.
fn save<T: serde::Serialize>(mut out: AtomicFile, value: &T) -> Result<(), CliError> {
    let text = yaml::to_string(value).cli()?;
    out.write_all(text.as_bytes()).cli()?;
    out.commit().cli()
}

/// Refuse an output that would overwrite one of the command's inputs: `out` is the same file
/// as an input (through any link), or a folder holding an input under a name the command
/// writes there (`names`: a folder output replaces those files). Inputs that are not files
/// (presets, missing paths) are skipped; run before any work.
fn out_is_not_an_input<'a>(
    out: &Path,
    names: &[&str],
    inputs: impl IntoIterator<Item = &'a Path>,
) -> Result<(), CliError> {
    use std::os::unix::fs::MetadataExt;
    let Ok(o) = std::fs::metadata(out) else {
        return Ok(());
    };
    let out_dir = o.is_dir().then(|| out.canonicalize().ok()).flatten();
    for input in inputs {
        let Ok(i) = std::fs::metadata(input) else {
            continue;
        };
        let same = i.dev() == o.dev() && i.ino() == o.ino();
        let inside = out_dir.as_ref().is_some_and(|d| {
            input.canonicalize().is_ok_and(|c| {
                c.parent() == Some(d.as_path())
                    && c.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| names.contains(&n))
            })
        });
        if same || inside {
            return Err(CliError(format!(
                "--out {} would overwrite the input {}: write the output elsewhere",
                out.display(),
                input.display()
            )));
        }
    }
    Ok(())
}
