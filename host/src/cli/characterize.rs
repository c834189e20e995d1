//! `ouro characterize`: random pulses on aged cells, written as the characterization CSV.

use super::error::OrCli;
use super::{load_device, progress, CliError, StartArg};
use clap::Args;
use ouro_core::dataset::CsvWriter;
use ouro_core::output::{write_error, AtomicFile};
use ouro_core::sequence::SeqWriter;
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
    /// Record probe-and-pulse sequences for a history-aware predictor instead of single
    /// pulses: each cell alternates a short probe at the nominal amplitude and a pulse at a
    /// random amplitude level, every reading through the board's read path. Writes the
    /// sequence CSV (cell,step,g_before_us,polarity,amplitude_v,width_ns,g_after_us).
    #[arg(long)]
    pub sequences: bool,
    /// With --sequences: the board whose read path records the readings (`icebreaker` or a
    /// path).
    #[arg(long, default_value = "icebreaker", requires = "sequences")]
    pub board: String,
    /// With --sequences: reads averaged into every reading, a power of two from 1 to 16.
    #[arg(long, default_value_t = 4, requires = "sequences")]
    pub reads: u32,
    /// With --sequences: amplitude levels, 1 to 8 (level 0 is the device's amplitude, each
    /// next 25 mV more for SET and 50 mV more for RESET, within the trusted range).
    #[arg(long, default_value_t = ouro_sim::device::DEFAULT_LEVELS, requires = "sequences")]
    pub levels: usize,
    /// With --sequences: record the moves probe-then-predict makes instead of log-uniform
    /// ones: each probe-and-pulse pair from where --start puts it, the probe sized from the
    /// shipped blind predictor's duration to the target, the pulse the time the cell's own
    /// model needs to the target at a random level, spread by up to this many octaves either
    /// way (0 to 20).
    #[arg(long, requires = "sequences")]
    pub aim_spread: Option<f64>,
    /// Output CSV.
    #[arg(long)]
    pub out: PathBuf,
}

impl CharacterizeArgs {
    /// The files this run reads (a device or board given by path).
    fn inputs(&self) -> [&std::path::Path; 2] {
        [
            std::path::Path::new(&self.device),
            std::path::Path::new(&self.board),
        ]
    }
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
    if a.sequences {
        return sequences(a, &d, &cfg);
    }
    // The output is checked and opened before the work; the rows stream into it.
    super::out_is_not_an_input(&a.out, &[], a.inputs())?;
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

/// `ouro characterize --sequences`.
fn sequences(
    a: &CharacterizeArgs,
    d: &ouro_sim::device::DeviceConfig,
    cfg: &chz::CharacterizeConfig,
) -> Result<(), CliError> {
    use ouro_host::sequences::{self as seq, SequenceDesign};
    if !(1..=ouro_core::schema::MAX_LEVELS).contains(&a.levels) {
        return Err(CliError::new(format!(
            "--levels {} must be from 1 to {}",
            a.levels,
            ouro_core::schema::MAX_LEVELS
        )));
    }
    let mut design = SequenceDesign::new(d, super::load_board(&a.board)?);
    design.reads = a.reads;
    design.levels = d.amplitude_levels(a.levels);
    if let Some(spread_octaves) = a.aim_spread {
        let q = ouro_nn::defaults::qpredictor();
        let blind = if q.fits(&design.board).is_ok()
            && q.min_cycles == design.board.min_pulse_cycles
            && q.max_cycles == design.board.max_pulse_cycles
        {
            q
        } else {
            ouro_nn::quantize::quantize(
                &ouro_nn::defaults::predictor(),
                &design.board,
                "float predictor",
            )
            .cli()?
            .0
        };
        design.aim = seq::Aim::Method {
            blind: Box::new(ouro_nn::golden::GoldenPredictor::new(&blind)),
            spread_octaves,
        };
    }
    design.validate(d, cfg)?;
    super::out_is_not_an_input(&a.out, &[], a.inputs())?;
    let mut out = AtomicFile::create(&a.out).cli()?;
    let failed = |e: &std::io::Error| CliError::new(write_error(&a.out, e));
    let mut csv = SeqWriter::new(out.writer()).map_err(|e| failed(&e))?;
    let mut write_error = None;
    let pb = progress(a.cells, "characterize");
    let run = seq::run_into(d, cfg, &design, Some(&pb), &mut |r| {
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
        "wrote {} sequence rows ({} cells x {} pulses: probes and pulses at {} levels, {} reads per reading) to {}",
        rows,
        a.cells,
        a.pulses_per_cell,
        design.levels.len(),
        design.reads,
        a.out.display()
    );
    Ok(())
}
