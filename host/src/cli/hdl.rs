//! `ouro hdl generate`: the predictor engine's Verilog and its load-port image, or with
//! `--board` the board's sources (top, wrapper, PCF, Makefile); `ouro hdl synth`: those sources
//! through yosys, nextpnr-ice40 and icepack to a bitstream.

use super::error::OrCli;
use super::{load_board, print, CliError};
use clap::Args;
use ouro_core::board::BoardConfig;
use ouro_core::output::{write_error, AtomicDir};
use ouro_core::schema::QPredictor;
use ouro_hdl::board::ClockSource;
use std::path::{Path, PathBuf};

/// `--lanes`' help, with the engine's limit and the defaults.
fn lanes_help() -> String {
    format!(
        "MAC lanes (multipliers, one SB_MAC16 each), 1 to {} (default {} for the engine alone, {} for a board)",
        ouro_hdl::layout::MAX_LANES,
        ouro_hdl::DEFAULT_LANES,
        ouro_hdl::top::BOARD_LANES
    )
}

/// Arguments of `ouro hdl generate`.
#[derive(Debug, Args)]
pub struct HdlGenerateArgs {
    /// Quantized predictor YAML (default: the shipped default weights).
    #[arg(long)]
    pub predictor: Option<PathBuf>,
    /// Blind predictor YAML (e.g. predictors/default.q.yaml): build the two-set engine, this
    /// predictor embedded into --predictor's shape as weight set 0 (sizes the probe),
    /// --predictor as set 1 (predicts the pulse).
    #[arg(long, conflicts_with = "board", requires = "predictor")]
    pub blind: Option<PathBuf>,
    /// Write the board's sources instead of the engine alone: the board top (`ouro_top.v`), the
    /// iCEBreaker wrapper, its PCF and the Makefile of the bitstream flow, for this board file
    /// (a shipped name, e.g. icebreaker, or a path).
    #[arg(long)]
    pub board: Option<String>,
    /// MAC lanes (multipliers, one SB_MAC16 each), 1 to 16.
    #[arg(long, help = lanes_help())]
    pub lanes: Option<usize>,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// Every file `hdl generate` and `hdl synth` may write (or remove as stale) in their folder.
fn generated_names() -> Vec<&'static str> {
    let mut v = vec![
        ouro_hdl::VERILOG_FILE,
        ouro_hdl::LOAD_IMAGE_FILE,
        ouro_hdl::INPUT_TABLES_FILE,
    ];
    v.extend(ouro_hdl::board::SOURCE_FILES);
    v.extend(ouro_hdl::board::FLOW_FILES);
    v
}

/// The predictor of `--predictor`, or the shipped default weights.
fn load_predictor(p: Option<&Path>) -> Result<QPredictor, CliError> {
    let Some(p) = p else {
        return Ok(ouro_nn::defaults::qpredictor());
    };
    let q = QPredictor::load(p).cli()?;
    // The clock its durations count (and the engine's latency is quoted at) is a board's.
    let (lo, hi) = ouro_core::board::CLOCK_HZ_RANGE;
    if !(lo..=hi).contains(&q.clock_hz) {
        return Err(CliError(format!(
            "--predictor {}: clock_hz = {} is outside a board's range [{lo}, {hi}] Hz: quantize it for a board (ouro quantize --board ...)",
            p.display(),
            q.clock_hz
        )));
    }
    Ok(q)
}

/// `ouro hdl generate`: the predictor engine's Verilog and its weight image, or the board's
/// sources with `--board`.
pub fn hdl_generate(a: &HdlGenerateArgs) -> Result<(), CliError> {
    let q = load_predictor(a.predictor.as_deref())?;
    let boards = a.board.iter().map(|b| Path::new(b.as_str()));
    let files = [&a.predictor, &a.blind].into_iter().flatten();
    super::out_is_not_an_input(
        &a.out,
        &generated_names(),
        boards.chain(files.map(PathBuf::as_path)),
    )?;
    if let Some(spec) = &a.board {
        let board = load_board(spec)?;
        let lanes = a.lanes.unwrap_or(ouro_hdl::top::BOARD_LANES);
        let clock = check_board(&q, &board, lanes)?;
        generate_board(&q, &board, lanes, clock, &a.out)?;
        note!("next: `make -C {}` builds the bitstream", a.out.display());
        return Ok(());
    }
    let mut sets = vec![q];
    if let Some(b) = &a.blind {
        let blind = QPredictor::load(b).cli()?;
        let embedded = ouro_nn::embed::embed(&blind, &sets[0]).map_err(|e| {
            CliError::new(format!(
                "--blind {} cannot be embedded into --predictor's shape: {e}",
                b.display()
            ))
        })?;
        sets.insert(0, embedded);
    }
    let refs: Vec<&QPredictor> = sets.iter().collect();
    let q = &sets[sets.len() - 1];
    let lanes = a.lanes.unwrap_or(ouro_hdl::DEFAULT_LANES);
    let shape = ouro_hdl::EngineShape::with_sets(&refs, lanes).cli()?;
    // Generated into a temporary directory beside --out, then moved into place: never a half
    // set, and no file of an earlier engine that this one does not have.
    let dir = AtomicDir::create(&a.out).cli()?;
    let made = ouro_hdl::generate_sets(&refs, lanes, dir.path()).map_err(|e| {
        // Name the output the user gave, not the temporary directory.
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                return CliError::new(write_error(&a.out, io));
            }
            source = s.source();
        }
        CliError::new(e.to_string().replace(
            &dir.path().display().to_string(),
            &a.out.display().to_string(),
        ))
    })?;
    // An engine written where board sources were: the board's files go.
    dir.commit(&generated_names()).cli()?;
    for f in made.iter().filter_map(|f| f.file_name()) {
        note!("wrote {}", a.out.join(f).display());
    }
    let sizes: Vec<String> = std::iter::once(shape.inputs)
        .chain(shape.layers.iter().map(|l| l.0))
        .map(|n| n.to_string())
        .collect();
    let cycles = shape.latency_cycles();
    let sets_note = if shape.sets == 2 {
        " x 2 weight sets (set 0 blind, set 1 history-aware)"
    } else {
        ""
    };
    note!(
        "engine: {} per polarity{sets_note}, {} lanes, {cycles} cycles per prediction ({:.2} us at {} MHz)",
        sizes.join("-"),
        lanes,
        cycles as f64 * 1e6 / q.clock_hz as f64,
        q.clock_hz as f64 / 1e6,
    );
    Ok(())
}

/// The board's clock source, after checking the clocks, the predictor against the board (its
/// clock and ADC) and the engine's configuration: every input check of the board flow.
fn check_board(q: &QPredictor, board: &BoardConfig, lanes: usize) -> Result<ClockSource, CliError> {
    let clock = ClockSource::of_board(board).cli()?;
    q.fits(board).map_err(CliError::new)?;
    ouro_hdl::EngineShape::new(q, lanes).cli()?;
    Ok(clock)
}

/// Write the board's sources into `out` (checked by [`check_board`]); prints what it wrote and
/// the clock.
fn generate_board(
    q: &QPredictor,
    board: &BoardConfig,
    lanes: usize,
    clock: ClockSource,
    out: &Path,
) -> Result<(), CliError> {
    let made = ouro_hdl::board::generate(q, board, lanes, out).cli()?;
    for f in &made {
        note!("wrote {}", f.display());
    }
    let mhz = |hz: f64| hz / 1e6;
    match clock {
        ClockSource::Direct => note!(
            "board: {}, system clock {} MHz straight from the oscillator (no PLL)",
            board.name,
            mhz(board.clock_hz as f64)
        ),
        ClockSource::Pll(p) => note!(
            "board: {}, system clock {} MHz from the {} MHz oscillator through the PLL (DIVR {}, DIVF {}, DIVQ {}, FILTER_RANGE {})",
            board.name,
            mhz(board.clock_hz as f64),
            mhz(board.oscillator_hz as f64),
            p.divr,
            p.divf,
            p.divq,
            p.filter_range
        ),
    }
    Ok(())
}

/// Arguments of `ouro hdl synth`.
#[derive(Debug, Args)]
pub struct HdlSynthArgs {
    /// Quantized predictor YAML (default: the shipped default weights).
    #[arg(long)]
    pub predictor: Option<PathBuf>,
    /// MAC lanes (multipliers, one SB_MAC16 each), 1 to 16.
    #[arg(long, help = lanes_help())]
    pub lanes: Option<usize>,
    /// Board file: a shipped name or a path.
    #[arg(long, default_value = "icebreaker")]
    pub board: String,
    /// Output directory (created if missing): the sources, the tools' logs, the bitstream.
    #[arg(long)]
    pub out: PathBuf,
}

/// `ouro hdl synth`: the board's sources, then yosys, nextpnr-ice40 and icepack through the
/// Makefile; prints one line per resource, the maximum frequency per clock and the bitstream.
pub fn hdl_synth(a: &HdlSynthArgs) -> Result<(), CliError> {
    let q = load_predictor(a.predictor.as_deref())?;
    let board = load_board(&a.board)?;
    let lanes = a.lanes.unwrap_or(ouro_hdl::top::BOARD_LANES);
    let clock = check_board(&q, &board, lanes)?;
    let files = a.predictor.iter().map(PathBuf::as_path);
    super::out_is_not_an_input(
        &a.out,
        &generated_names(),
        files.chain([Path::new(&a.board)]),
    )?;
    // The output directory (checked, then its temporary dropped: nothing stays), then the
    // tools, before anything is written or run.
    drop(AtomicDir::create(&a.out).cli()?);
    ouro_hdl::board::tools::check().cli()?;
    // A folder this run makes goes again if the run is interrupted (its tools are stopped
    // first); once the flow has ended, its sources and logs stay, as after a failed step.
    let fresh = !a.out.exists();
    if fresh {
        ouro_core::output::remove_on_signal(&a.out);
    }
    generate_board(&q, &board, lanes, clock, &a.out)?;
    note!(
        "running yosys, nextpnr-ice40 and icepack in {} (logs there)",
        a.out.display()
    );
    let started = std::time::Instant::now();
    let report = ouro_hdl::board::synth(&a.out);
    if fresh {
        ouro_core::output::keep_on_signal(&a.out);
    }
    let report = report.cli()?;
    note!("flow took {:.0} s", started.elapsed().as_secs_f64());
    print(&format!("{report}\n"))
}
