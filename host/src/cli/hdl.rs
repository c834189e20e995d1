//! `ouro hdl generate`: the predictor engine's Verilog and its load-port image.

use super::error::OrCli;
use super::CliError;
use clap::Args;
use ouro_core::output::AtomicDir;
use ouro_core::schema::QPredictor;
use std::path::PathBuf;

/// Arguments of `ouro hdl generate`.
#[derive(Debug, Args)]
pub struct HdlGenerateArgs {
    /// Quantized predictor YAML (default: the shipped default weights).
    #[arg(long)]
    pub predictor: Option<PathBuf>,
    /// MAC lanes (multipliers, one SB_MAC16 each).
    #[arg(long, default_value_t = ouro_hdl::DEFAULT_LANES)]
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
    let shape = ouro_hdl::EngineShape::new(&q, a.lanes).cli()?;
    // Generated into a temporary directory beside --out, then moved into place: never a half
    // set, and no file of an earlier engine that this one does not have.
    let dir = AtomicDir::create(&a.out).cli()?;
    let made = ouro_hdl::generate(&q, a.lanes, dir.path()).cli()?;
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
    note!(
        "engine: {} per polarity, {} lanes, {cycles} cycles per prediction ({:.2} us at {} MHz)",
        sizes.join("-"),
        a.lanes,
        cycles as f64 * 1e6 / q.clock_hz as f64,
        q.clock_hz as f64 / 1e6,
    );
    Ok(())
}
