//! Write the host link's gateware (receive chain and frame transmitter):
//! `cargo run -p ouro-hdl --example link -- <out_dir> [<clocks_per_bit>]` (default 12, for
//! 1 Mbaud at 12 MHz); used by `hdl/synth/link_stat.sh`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "usage: link <out_dir> [<clocks_per_bit>]";
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().ok_or(USAGE)?);
    let cpb = match args.next() {
        Some(s) => s.parse()?,
        None => ouro_hdl::link::CLOCKS_PER_BIT,
    };
    std::fs::create_dir_all(&out)?;
    for (name, text) in ouro_hdl::link::verilog(cpb)? {
        let path = out.join(format!("{name}.v"));
        std::fs::write(&path, text)?;
        println!("{}", path.display());
    }
    Ok(())
}
