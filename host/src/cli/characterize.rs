//! `ouro characterize`: random pulses on aged cells, written as the characterization CSV.

use super::error::OrCli;
use super::{load_device, progress, CliError, StartArg};
use clap::Args;
use ouro_core::dataset::CsvWriter;
use ouro_core::output::{write_error, AtomicFile};
use ouro_core::units::{format_duration, parse_duration};
use ouro_host::characterize as chz;
use std::path::PathBuf;

/// Arguments of `ouro characterize`.
#[derive(Debug, Args)]
pub struct CharacterizeArgs {
    /// A preset (nominal, c2c, realistic) or a path to a device YAML file.
    #[arg(long)]
    pub device: String,
    /// Number of cells (at most 2^32; the rows stream to the file, so memory stays small).
    #[arg(long)]
    pub cells: usize,
    /// Recorded pulses per cell (at most 1000000).
    #[arg(long)]
    pub pulses_per_cell: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Shortest pulse (log-uniform widths).
    #[arg(long, default_value = "10ns", allow_hyphen_values = true)]
    pub min_width: String,
    /// Longest pulse.
    #[arg(long, default_value = "10ms", allow_hyphen_values = true)]
    pub max_width: String,
    /// Unrecorded random pulses applied to each cell first (at most 1000000).
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
    // The output is checked and opened before the work; the rows stream into it.
    let mut out = AtomicFile::create(&a.out).cli()?;
    let failed = |e: &std::io::Error| CliError::new(write_error(&a.out, e));
    let mut csv = CsvWriter::new(out.writer()).map_err(|e| failed(&e))?;
    let mut write_error = None;
    let pb = progress(a.cells, "characterize");
    let run = chz::run_into(&d, &cfg, Some(&pb), &mut |r| {
        csv.write_row(&r).map_err(|e| {
            let msg = e.to_string();
            write_error = Some(e);
            ouro_host::HostError::Setting(msg)
        })
    });
    pb.finish_and_clear();
    let rows = match run {
        Ok(n) => n,
        Err(e) => {
            return Err(match write_error {
                Some(w) => failed(&w),
                None => e.into(),
            })
        }
    };
    csv.finish().map_err(|e| failed(&e))?;
    out.commit().cli()?;
    note!(
        "wrote {} rows ({}{} cells x {} pulses, {} .. {}) to {}",
        rows,
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
