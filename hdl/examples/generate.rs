//! Write the default predictor's engine for a lane count:
//! `cargo run -p ouro-hdl --example generate -- <lanes> <out_dir>` (used by the synthesis
//! figures in docs/BENCHMARKS.md).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let lanes: usize = args
        .next()
        .ok_or("usage: generate <lanes> <out_dir>")?
        .parse()?;
    let out = std::path::PathBuf::from(args.next().ok_or("usage: generate <lanes> <out_dir>")?);
    let (q, name) = ouro_hdl::configs::default_predictor()?;
    let shape = ouro_hdl::EngineShape::new(&q, lanes)?;
    for f in ouro_hdl::generate(&q, lanes, &out)? {
        println!("{}", f.display());
    }
    println!(
        "{name}: {:?}, {lanes} lanes, latency {} cycles",
        shape.layers,
        shape.latency_cycles()
    );
    Ok(())
}
