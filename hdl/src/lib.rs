//! rust-hdl descriptions of the ouro gateware, turned into Verilog: the fixed-point predictor
//! engine (`docs/HDL.md`), the host link's UART and frame blocks ([`link`]), the board top
//! ([`top`]) and the iCEBreaker bitstream flow around it ([`board`]). The arithmetic is [`ouro_core::qformat`]; the golden model it must
//! equal bit for bit is `ouro_nn::golden`; the proof is the Verilator co-simulation in
//! `ouro-verilated`.

pub mod board;
pub mod command;
pub mod engine;
pub mod frontend;
pub mod identity;
pub mod layout;
pub mod link;
pub mod load;
pub mod mem;
pub mod sequencer;
pub mod top;

use ouro_core::schema::QPredictor;
use rust_hdl::core::prelude::*;
use std::path::{Path, PathBuf};

pub use engine::{PredictorEngine, TwoSetEngine};
pub use identity::{identity, load_address_ok};
pub use layout::{EngineShape, MemImage};
pub use load::ImageWord;

/// MAC lanes of the default build (one per iCE40UP5K SB_MAC16).
pub const DEFAULT_LANES: usize = 8;

/// Name of the engine's Verilog module.
pub const TOP_MODULE: &str = "ouro_predictor";
/// File name of the generated Verilog.
pub const VERILOG_FILE: &str = "ouro_predictor.v";
/// File name of the load-port image (see [`generate`]).
pub const LOAD_IMAGE_FILE: &str = "ouro_predictor_load.hex";
/// File name of the input tables, for predictors that have them (see [`input_tables_text`]).
pub const INPUT_TABLES_FILE: &str = "ouro_predictor_inputs.hex";

/// The documented `verilator -Wall` waivers for the generated Verilog (a Verilator config file,
/// `hdl/lint/waivers.vlt`; reasons in its comments and in `docs/HDL.md`).
pub const LINT_WAIVERS: &str = include_str!("../lint/waivers.vlt");

/// Errors of the gateware generator.
#[derive(Debug, thiserror::Error)]
pub enum HdlError {
    /// The predictor file is invalid.
    #[error("invalid quantized predictor: {0}")]
    Predictor(String),
    /// The predictor or lane count is outside what the engine supports.
    #[error("unsupported engine configuration: {0}")]
    Unsupported(String),
    /// rust-hdl's design checks failed.
    #[error("rust-hdl design check failed: {0}")]
    Check(String),
    /// The predictor does not fit the board (its clock or ADC).
    #[error("{0}")]
    Board(String),
    /// The board's system clock cannot be made from its oscillator.
    #[error("{0}")]
    Clock(String),
    /// An output directory is refused or cannot be written (the message names it and the fix).
    #[error("{0}")]
    Write(String),
    /// Tools of the bitstream flow are not installed (the message names them and how to
    /// install them).
    #[error("{0}")]
    MissingTools(String),
    /// A step of the bitstream flow failed.
    #[error("{tool} failed: {message}")]
    Flow {
        /// The tool (`yosys`, `nextpnr-ice40`, `icepack`, `make`).
        tool: String,
        /// What went wrong, and the log to read.
        message: String,
    },
    /// Writing an output file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The Verilog of the predictor engine for `q` with `lanes` MAC lanes; the top module is
/// [`TOP_MODULE`] and every submodule name starts with `ouro_predictor$`. Weights, biases and
/// fracs are initialised inline (`initial` blocks in the memories), so the text is
/// self-contained.
pub fn verilog(q: &QPredictor, lanes: usize) -> Result<String, HdlError> {
    verilog_sets(&[q], lanes)
}

/// The Verilog of the predictor engine holding one weight set per predictor of `sets`, with
/// `lanes` MAC lanes. One set: exactly [`verilog`]'s engine. Two (the same shape and clamp
/// limits; embed a smaller predictor first with `ouro_nn::embed::embed`): the
/// [`TwoSetEngine`], with a `set` input sampled with `start` and an `out_set` output, and the
/// same latency per prediction.
pub fn verilog_sets(sets: &[&QPredictor], lanes: usize) -> Result<String, HdlError> {
    match sets {
        [_] => {
            let mut uut = PredictorEngine::with_sets(sets, lanes)?;
            uut.connect_all();
            check_all(&uut).map_err(|e| HdlError::Check(format!("{e:?}")))?;
            let text = generate_verilog_unchecked(&uut);
            Ok(rename_top(&text, TOP_MODULE, "from a quantized predictor"))
        }
        [a, b] => {
            let mut uut = TwoSetEngine::new([a, b], lanes)?;
            uut.connect_all();
            check_all(&uut).map_err(|e| HdlError::Check(format!("{e:?}")))?;
            let text = generate_verilog_unchecked(&uut);
            Ok(rename_top(
                &text,
                TOP_MODULE,
                "from two quantized predictors",
            ))
        }
        _ => Err(HdlError::Unsupported(format!(
            "the engine holds 1..={} weight sets, got {}",
            layout::MAX_SETS,
            sets.len()
        ))),
    }
}

/// The Verilog of one block of the engine (`engine::Lane`, `engine::Controller`, ...) alone,
/// with `name` as its top module and every submodule name starting with `name$`: for testing a
/// block by itself (`ouro-verilated`'s `tests/blocks.rs`). Same checks as [`verilog`].
pub fn block_verilog<B: Block>(mut block: B, name: &str) -> Result<String, HdlError> {
    block.connect_all();
    check_all(&block).map_err(|e| HdlError::Check(format!("{e:?}")))?;
    let text = generate_verilog_unchecked(&block);
    Ok(rename_top(&text, name, "as one engine block"))
}

/// rust-hdl names the top module `top` and its submodules `top$...`; give them the engine's
/// (or the block's) own name so that a board top can instantiate it.
fn rename_top(text: &str, top: &str, what: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1024);
    out.push_str(&format!(
        "// Generated by ouro-hdl {} {what}; do not edit.\n",
        env!("CARGO_PKG_VERSION")
    ));
    for line in text.lines() {
        let l = line
            .replace("module top(", &format!("module {top}("))
            .replace("module top$", &format!("module {top}$"))
            .replace("endmodule // top", &format!("endmodule // {top}"));
        // Submodule instantiations: `top$lanes$0 lanes$0(` at the start of the line.
        let trimmed = l.trim_start();
        let l = if trimmed.starts_with("top$") {
            let indent = &l[..l.len() - trimmed.len()];
            format!("{indent}{top}{}", &trimmed[3..])
        } else {
            l
        };
        out.push_str(l.trim_end());
        out.push('\n');
    }
    out
}

/// The load-port image of `q` for an engine with `lanes` lanes, one write a line as
/// `AAAAA DDDDDDDD` (hex address and data); written by [`generate`].
pub fn load_image_text(q: &QPredictor, lanes: usize) -> Result<String, HdlError> {
    load_image_text_sets(&[q], lanes)
}

/// The load-port image of an engine holding one weight set per predictor of `sets` (every
/// word of both sets, in [`MemImage::load_writes`] order), as [`load_image_text`].
pub fn load_image_text_sets(sets: &[&QPredictor], lanes: usize) -> Result<String, HdlError> {
    let shape = EngineShape::with_sets(sets, lanes)?;
    let image = MemImage::with_sets(sets, &shape)?;
    let mut s = String::from(
        "// ouro predictor load-port image: <address> <data> in hex, one write a line\n",
    );
    for (a, d) in image.load_writes() {
        s.push_str(&format!("{a:05x} {d:08x}\n"));
    }
    Ok(s)
}

/// The predictor's input tables (docs/FIXED_POINT.md section 2), if it has any, as the words
/// of the board's table memory from the tables' base: the word for ADC code `c` of input `i` of
/// the network of polarity `p` (0 = set, 1 = reset) at `(p * tabled + i) * 2^adc_bits + c`,
/// `tabled` the tables per network (its leading readings: both inputs of a blind predictor,
/// `g_now` and `g_target` of a history-aware one). For two tables on a 12-bit ADC that is
/// 16,384 words: one 16K x 16 SPRAM. The engine takes input words; the sequencer looks them up
/// there (register `INPUT_TABLE_BASE`) instead of subtracting `input_offsets` from the codes.
pub fn input_table_words(q: &QPredictor) -> Option<Vec<u16>> {
    if q.networks.set.input_tables.is_empty() {
        return None;
    }
    Some(
        [&q.networks.set, &q.networks.reset]
            .into_iter()
            .flat_map(|net| net.input_tables.iter().flatten().map(|&w| w as u16))
            .collect(),
    )
}

/// [`input_table_words`] as a `$readmemh` file: one 16-bit word a line, in hex.
pub fn input_tables_text(q: &QPredictor) -> Option<String> {
    input_table_words(q).map(|words| words.iter().map(|w| format!("{w:04x}\n")).collect())
}

/// Write the engine's Verilog ([`VERILOG_FILE`], weights initialised inline) and its load-port
/// image ([`LOAD_IMAGE_FILE`], the same weights as load-port writes, for reloading a running
/// engine) into `out_dir`, and the input tables ([`INPUT_TABLES_FILE`]) when the predictor has
/// them; returns the files written.
pub fn generate(q: &QPredictor, lanes: usize, out_dir: &Path) -> Result<Vec<PathBuf>, HdlError> {
    generate_sets(&[q], lanes, out_dir)
}

/// [`generate`] for an engine holding one weight set per predictor of `sets` ([`verilog_sets`],
/// [`load_image_text_sets`]). The input tables are those of the one set that has them: the
/// blind predictor of a one-set engine, or the history-aware set 1 of a two-set engine (set 0,
/// the blind predictor, has none there; the sequencer reads set 1's from the table memory's
/// second bank, `sequencer::build::HISTORY_TABLES_BANK`).
pub fn generate_sets(
    sets: &[&QPredictor],
    lanes: usize,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, HdlError> {
    let v = verilog_sets(sets, lanes)?;
    let image = load_image_text_sets(sets, lanes)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| HdlError::Io { path, source }
    };
    std::fs::create_dir_all(out_dir).map_err(io(out_dir))?;
    let vf = out_dir.join(VERILOG_FILE);
    std::fs::write(&vf, v).map_err(io(&vf))?;
    let hf = out_dir.join(LOAD_IMAGE_FILE);
    std::fs::write(&hf, image).map_err(io(&hf))?;
    let mut files = vec![vf, hf];
    if let Some(tables) = sets.iter().find_map(|q| input_tables_text(q)) {
        let tf = out_dir.join(INPUT_TABLES_FILE);
        std::fs::write(&tf, tables).map_err(io(&tf))?;
        files.push(tf);
    }
    Ok(files)
}
