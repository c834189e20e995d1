//! Write the sequencer core's Verilog (the sequencer with its engine, as the board top
//! instantiates it) for the synthesis figures of docs/BENCHMARKS.md:
//! `cargo run -p ouro-hdl --example seq_core -- <out.v> [<q.yaml> [<blind.q.yaml>]]`; without
//! `<q.yaml>` the shipped default predictor (one weight set), with `<blind.q.yaml>` too the
//! two-set build of probe-then-predict (the blind predictor embedded as set 0, `<q.yaml>` as
//! set 1). The top module is `ouro_seq_core`.

use ouro_core::schema::QPredictor;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "usage: seq_core <out.v> [<q.yaml> [<blind.q.yaml>]]";
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or(USAGE)?;
    let q = match args.next() {
        Some(path) => QPredictor::load(Path::new(&path))?,
        None => ouro_nn::defaults::qpredictor(),
    };
    let lanes = ouro_hdl::DEFAULT_LANES;
    let core = match args.next() {
        Some(blind) => {
            let blind = ouro_nn::embed::embed(&QPredictor::load(Path::new(&blind))?, &q)?;
            ouro_hdl::sequencer::SequencerCore::two_sets([&blind, &q], lanes)?
        }
        None => ouro_hdl::sequencer::SequencerCore::new(&q, lanes)?,
    };
    std::fs::write(&out, ouro_hdl::block_verilog(core, "ouro_seq_core")?)?;
    println!("{out}");
    Ok(())
}
