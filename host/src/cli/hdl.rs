//! `ouro hdl generate`: the predictor engine's Verilog and its load-port image.

use super::error::OrCli;
use super::CliError;
use clap::Args;
use ouro_core::output::{write_error, AtomicDir};
use ouro_core::schema::QPredictor;
use std::path::PathBuf;

/// `--lanes`' help, with the engine's limit.
fn lanes_help() -> String {
    format!(
        "MAC lanes (multipliers, one SB_MAC16 each), 1 to {}",
        ouro_hdl::layout::MAX_LANES
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
    #[arg(long)]
    pub blind: Option<PathBuf>,
    /// MAC lanes (multipliers, one SB_MAC16 each), 1 to 16.
    #[arg(long, default_value_t = ouro_hdl::DEFAULT_LANES, help = lanes_help())]
    pub lanes: usize,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// `ouro hdl generate`: the predictor engine's Verilog and its weight image.
pub fn hdl_generate(a: &HdlGenerateArgs) -> Result<(), CliError> {
    let q = match &a.predictor {
        Some(p) => QPredictor::load(p).cli()?,
        None => ouro_nn::defaults::qpredictor(),
    };
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
    let shape = ouro_hdl::EngineShape::with_sets(&refs, a.lanes).cli()?;
    // Generated into a temporary directory beside --out, then moved into place: never a half
    // set, and no file of an earlier engine that this one does not have.
    let dir = AtomicDir::create(&a.out).cli()?;
    let made = ouro_hdl::generate_sets(&refs, a.lanes, dir.path()).map_err(|e| {
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
    dir.commit(&[
        ouro_hdl::VERILOG_FILE,
        ouro_hdl::LOAD_IMAGE_FILE,
        ouro_hdl::INPUT_TABLES_FILE,
    ])
    .cli()?;
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
        a.lanes,
        cycles as f64 * 1e6 / q.clock_hz as f64,
        q.clock_hz as f64 / 1e6,
    );
    Ok(())
}
