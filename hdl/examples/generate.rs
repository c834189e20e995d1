//! Write a predictor's engine for a lane count:
//! `cargo run -p ouro-hdl --example generate -- <lanes> <out_dir> [<q.yaml> [<blind.q.yaml>]]`
//! (used by the synthesis figures in docs/BENCHMARKS.md); without `<q.yaml>`, the shipped
//! default weights. With `<blind.q.yaml>` too, the two-set engine: the blind predictor embedded
//! into `<q.yaml>`'s shape as set 0, `<q.yaml>` as set 1.

use ouro_core::schema::QPredictor;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "usage: generate <lanes> <out_dir> [<q.yaml> [<blind.q.yaml>]]";
    let mut args = std::env::args().skip(1);
    let lanes: usize = args.next().ok_or(USAGE)?.parse()?;
    let out = std::path::PathBuf::from(args.next().ok_or(USAGE)?);
    let (q, name) = match args.next() {
        Some(path) => (QPredictor::load(Path::new(&path))?, path),
        None => (ouro_nn::defaults::qpredictor(), "default".to_string()),
    };
    let mut sets = vec![q];
    if let Some(blind) = args.next() {
        let blind = ouro_nn::embed::embed(&QPredictor::load(Path::new(&blind))?, &sets[0])?;
        sets.insert(0, blind);
    }
    let refs: Vec<&QPredictor> = sets.iter().collect();
    let shape = ouro_hdl::EngineShape::with_sets(&refs, lanes)?;
    for f in ouro_hdl::generate_sets(&refs, lanes, &out)? {
        println!("{}", f.display());
    }
    println!(
        "{name}: {:?}, {} weight set(s), {lanes} lanes, latency {} cycles",
        shape.layers,
        shape.sets,
        shape.latency_cycles()
    );
    Ok(())
}
