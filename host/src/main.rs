//! `ouro`: characterize memristor cells, train and quantize the pulse predictor, evaluate
//! one-shot programming, generate gateware, program cells on boards and benchmark it. Every
//! error is one line on stderr and a non-zero exit; no command leaves a partial output file
//! (`ouro program`'s results file is a journal of whole rows, for `--resume`).

mod cli;

use clap::{Args, Parser, Subcommand};
use std::io::Write as _;
use std::process::ExitCode;

/// Fast memristor programming with a neural pulse predictor: simulate cells, characterize them,
/// train and quantize the predictor, evaluate it, generate the board's gateware, and program
/// cells on a board (real, simulated or modelled) and benchmark how fast and how precisely.
#[derive(Debug, Parser)]
#[command(name = "ouro", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Look at the device model: its parameters, or the response to a train of pulses.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Apply random pulses to aged cells and record (g_before, polarity, width, g_after) rows.
    Characterize(cli::CharacterizeArgs),
    /// Train the float pulse predictor on characterization data.
    Train(cli::TrainArgs),
    /// Convert a float predictor into the 16-bit fixed point the gateware runs.
    Quantize(cli::QuantizeArgs),
    /// One-shot programming accuracy of the predictor against baselines.
    Eval(cli::EvalArgs),
    /// Benchmark every programming method on the same cells on the simulated board (or the
    /// model): success, pulses, latency from the board's cycle counters; report, CSVs, plots.
    Bench(cli::BenchArgs),
    /// Program the cells of a targets file on boards (serial ports, `sim`, `model`), one
    /// results row per cell as it finishes; --resume continues an interrupted run.
    Program(cli::ProgramArgs),
    /// The benchmark's tables, report and plots from saved per-cell results CSVs.
    Analyze(cli::AnalyzeArgs),
    /// Serve the simulated board on a pseudo-terminal, as a board on a serial port.
    SimBoard(cli::SimBoardArgs),
    /// Gateware: generate the Verilog of the predictor engine, or the board's sources and
    /// bitstream.
    Hdl {
        #[command(subcommand)]
        command: HdlCommand,
    },
}

#[derive(Debug, Subcommand)]
enum HdlCommand {
    /// Write the predictor engine's Verilog and weight-initialisation image to a directory, or
    /// with --board the board's sources (top, wrapper, PCF, Makefile).
    Generate(cli::HdlGenerateArgs),
    /// Write the board's sources and run yosys, nextpnr-ice40 and icepack on them: a bitstream,
    /// and its resources and maximum frequency.
    Synth(cli::HdlSynthArgs),
}

#[derive(Debug, Subcommand)]
enum DeviceCommand {
    /// Print the conductance window, the operating point and the parameters.
    Info(DeviceInfo),
    /// Print the conductance after each of a train of identical pulses, as CSV.
    Curve(cli::CurveArgs),
}

#[derive(Debug, Args)]
struct DeviceInfo {
    /// A preset (nominal, c2c, realistic) or a path to a device YAML file.
    #[arg(long, default_value = "nominal")]
    device: String,
}

/// The command line, with negative numbers taken as values everywhere (`--seed -1` is an invalid
/// seed, not an unknown flag `-1`).
fn parse() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory as _, FromArgMatches as _};
    fn negatives(mut cmd: clap::Command) -> clap::Command {
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        for n in names {
            cmd = cmd.mut_subcommand(n, negatives);
        }
        cmd.allow_negative_numbers(true)
    }
    let mut cmd = negatives(Cli::command());
    let matches = cmd.try_get_matches_from_mut(std::env::args_os())?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

/// Clap's diagnosis on one line: the message, the argument, the valid values and the tip,
/// without the usage block, then where to read more.
fn clap_one_line(rendered: &str) -> String {
    let mut parts = Vec::new();
    let mut command = command_path();
    for line in rendered.lines() {
        let t = line.trim();
        if let Some(usage) = t.strip_prefix("Usage:") {
            // `Usage: ouro characterize --device <DEVICE> ...`: the command path.
            let words: Vec<&str> = usage
                .split_whitespace()
                .take_while(|w| !w.starts_with(['-', '<', '[']))
                .collect();
            if !words.is_empty() {
                command = words.join(" ");
            }
            continue;
        }
        if t.is_empty() || t.starts_with("For more information") {
            continue;
        }
        parts.push(t.to_string());
    }
    let mut text = ouro_core::yaml::one_line(&parts.join(" "));
    if text.is_empty() {
        text = "error: invalid arguments".into();
    }
    format!("{text} (see `{command} --help`)")
}

/// The error for a command given without its subcommand (`ouro`, `ouro hdl`): one line that
/// names the subcommands.
fn missing_subcommand() -> String {
    use clap::CommandFactory as _;
    let path = command_path();
    let mut cmd = Cli::command();
    for word in path.split(' ').skip(1) {
        if let Some(sub) = cmd.find_subcommand(word) {
            cmd = sub.clone();
        }
    }
    let subs: Vec<&str> = cmd
        .get_subcommands()
        .map(clap::Command::get_name)
        .filter(|&n| n != "help")
        .collect();
    format!(
        "error: `{path}` needs a subcommand: {} (see `{path} --help`)",
        subs.join(", ")
    )
}

/// The subcommand the arguments name (`ouro hdl generate`), as far as they name one.
fn command_path() -> String {
    use clap::CommandFactory as _;
    let mut cmd = Cli::command();
    let mut path = vec!["ouro".to_string()];
    for arg in std::env::args().skip(1) {
        if arg.starts_with('-') {
            break;
        }
        match cmd.find_subcommand(&arg) {
            Some(sub) => {
                path.push(sub.get_name().to_string());
                let sub = sub.clone();
                cmd = sub;
            }
            None => break,
        }
    }
    path.join(" ")
}

/// SIGINT and SIGTERM: remove the temporary outputs and exit 130 or 143. The signals are
/// blocked in every thread (set before any thread starts, inherited by all) and taken by one
/// thread with `sigwait`, so the cleanup runs in ordinary code, not in a signal handler. A
/// file-size limit (SIGXFSZ) is ignored, so that the write fails with an error ouro reports.
fn handle_signals() {
    // SAFETY: plain libc calls on a local signal set, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        let set = SigSet(set);
        std::thread::spawn(move || {
            let set = set;
            let mut sig: libc::c_int = 0;
            // SAFETY: waits on the signal set blocked above.
            if libc::sigwait(&set.0, &mut sig) == 0 {
                // The tools writing into an output first (`hdl synth`'s make and what it runs,
                // each run in a process group of its own), then the outputs.
                for g in ouro_core::output::child_groups() {
                    if let Ok(g) = libc::pid_t::try_from(g) {
                        libc::kill(-g, libc::SIGKILL);
                    }
                }
                ouro_core::output::remove_temps();
                let name = if sig == libc::SIGINT {
                    "SIGINT"
                } else {
                    "SIGTERM"
                };
                let _ = writeln!(
                    std::io::stderr(),
                    "interrupted ({name}): stopped, no partial file left (a results file of \
                     `ouro program` keeps its whole rows: --resume continues)"
                );
                std::process::exit(128 + sig);
            }
        });
    }
}

/// A signal set moved into the waiting thread.
struct SigSet(libc::sigset_t);
// SAFETY: a plain bit set.
unsafe impl Send for SigSet {}

fn main() -> ExitCode {
    handle_signals();
    let args = match parse() {
        Ok(a) => a,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // `ouro` or `ouro hdl` alone: one line naming the subcommands.
            let _ = writeln!(std::io::stderr(), "{}", missing_subcommand());
            return ExitCode::from(2);
        }
        Err(e) => {
            // clap's errors span several lines; keep the whole diagnosis on one.
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                clap_one_line(&e.render().to_string())
            );
            return ExitCode::from(2);
        }
    };
    let result = match args.command {
        Command::Device {
            command: DeviceCommand::Info(a),
        } => cli::device_info(&a.device),
        Command::Device {
            command: DeviceCommand::Curve(a),
        } => cli::device_curve(&a),
        Command::Characterize(a) => cli::characterize(&a),
        Command::Train(a) => cli::train(&a),
        Command::Quantize(a) => cli::quantize(&a),
        Command::Eval(a) => cli::eval(&a),
        Command::Bench(a) => cli::bench(&a),
        Command::Program(a) => cli::program(&a),
        Command::Analyze(a) => cli::analyze(&a),
        Command::SimBoard(a) => cli::sim_board(&a),
        Command::Hdl {
            command: HdlCommand::Generate(a),
        } => cli::hdl_generate(&a),
        Command::Hdl {
            command: HdlCommand::Synth(a),
        } => cli::hdl_synth(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Ignore a closed stderr: the exit code still says what happened.
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::from(2)
        }
    }
}
