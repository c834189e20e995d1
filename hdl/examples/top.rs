//! Write the board top's Verilog (module `ouro_top`) for the shipped default predictor on the
//! iCEBreaker board file: `cargo run -p ouro-hdl --example top -- <lanes> <out.v>` (for quick
//! synthesis figures; `ouro hdl generate --board icebreaker` writes the complete sources).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "usage: top <lanes> <out.v>";
    let mut args = std::env::args().skip(1);
    let lanes: usize = args.next().ok_or(USAGE)?.parse()?;
    let out = std::path::PathBuf::from(args.next().ok_or(USAGE)?);
    let board = ouro_core::board::BoardConfig::default_board();
    let text = ouro_hdl::top::top_verilog(&ouro_nn::defaults::qpredictor(), &board, lanes)?;
    std::fs::write(&out, text)?;
    println!("{}", out.display());
    Ok(())
}
