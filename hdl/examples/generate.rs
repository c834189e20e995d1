//! Write a predictor's engine for a lane count:
//! `cargo run -p ouro-hdl --example generate -- <lanes> <out_dir> [<q.yaml>]` (used by the
//! synthesis figures in docs/BENCHMARKS.md); without `<q.yaml>`, the shipped default weights.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "usage: generate <lanes> <out_dir> [<q.yaml>]";
    let mut args = std::env::args().skip(1);
    let lanes: usize = args.next().ok_or(USAGE)?.parse()?;
    let out = std::path::PathBuf::from(args.next().ok_or(USAGE)?);
    let (q, name) = match args.next() {
        Some(path) => (
            ouro_core::schema::QPredictor::load(std::path::Path::new(&path))?,
            path,
        ),
        None => (ouro_nn::defaults::qpredictor(), "default".to_string()),
    };
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
