//! `ouro`: characterize memristor cells, train and quantize the pulse predictor, evaluate
//! one-shot programming, generate gateware. Every error is one line on stderr and a non-zero
//! exit; no command leaves a partial output file.

mod cli;

use clap::{Args, Parser, Subcommand};
use std::io::Write as _;
use std::process::ExitCode;

/// Fast memristor programming with a neural pulse predictor: simulate cells, characterize them,
/// train and quantize the predictor, evaluate one-shot programming against baselines, and
/// generate the predictor engine's Verilog.
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
    /// Gateware: generate the Verilog of the predictor engine.
    Hdl {
        #[command(subcommand)]
        command: HdlCommand,
    },
}

#[derive(Debug, Subcommand)]
enum HdlCommand {
    /// Write the predictor engine's Verilog and weight-initialisation image to a directory.
    Generate(cli::HdlGenerateArgs),
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

fn main() -> ExitCode {
    let args = match Cli::try_parse() {
        Ok(a) => a,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap's own errors span several lines; keep the first and point at --help.
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            let _ = writeln!(
                std::io::stderr(),
                "{} (see `ouro --help`)",
                first.trim_end()
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
        Command::Hdl {
            command: HdlCommand::Generate(a),
        } => cli::hdl_generate(&a),
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
