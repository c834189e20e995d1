//! The iCEBreaker bitstream flow (`docs/HDL.md`, "Board flow"): the board top's gateware
//! (`ouro_top`, [`crate::top::top_verilog`]) wrapped into the board's pins, and the tools that
//! turn it into a bitstream.
//!
//! - [`pins`]: the pin table, and the PCF and documentation table made from it;
//! - [`pll`]: the iCE40 PLL settings for an exact system clock;
//! - [`wrapper`]: the Verilog of `icebreaker_top` (pins, clock, the `ouro_top` instance);
//! - [`makefile`]: yosys -> nextpnr-ice40 -> icepack, and `make prog`;
//! - [`generate`]: all of that into a directory, atomically;
//! - [`tools`] and [`synth`]: run the flow and read its logs ([`logs`]) into a [`SynthReport`].

pub mod logs;
pub mod makefile;
pub mod pins;
pub mod pll;
mod synth;
pub mod tools;
pub mod wrapper;

pub use logs::{ClockFmax, Resource, SynthReport};
pub use pins::{Dir, Pin, ICEBREAKER_PINS};
pub use pll::PllConfig;
pub use synth::synth;
pub use wrapper::ClockSource;

use crate::HdlError;
use ouro_core::board::BoardConfig;
use ouro_core::output::{write_error, AtomicDir};
use ouro_core::schema::QPredictor;
use std::path::{Path, PathBuf};

/// The board top's gateware module, which the wrapper instantiates.
pub const TOP_CORE_MODULE: &str = "ouro_top";
/// The wrapper's module: the top of the bitstream.
pub const WRAPPER_MODULE: &str = "icebreaker_top";
/// File of the `ouro_top` Verilog.
pub const TOP_CORE_FILE: &str = "ouro_top.v";
/// File of the wrapper's Verilog.
pub const WRAPPER_FILE: &str = "icebreaker_top.v";
/// File of the pin constraints.
pub const PCF_FILE: &str = "icebreaker.pcf";
/// The Makefile.
pub const MAKEFILE: &str = "Makefile";
/// The bitstream the flow writes.
pub const BITSTREAM_FILE: &str = "icebreaker.bin";
/// yosys's log.
pub const YOSYS_LOG: &str = "yosys.log";
/// nextpnr-ice40's log.
pub const NEXTPNR_LOG: &str = "nextpnr.log";
/// icepack's output.
pub const ICEPACK_LOG: &str = "icepack.log";

/// The files [`generate`] writes, in order.
pub const SOURCE_FILES: [&str; 4] = [TOP_CORE_FILE, WRAPPER_FILE, PCF_FILE, MAKEFILE];
/// What the flow makes from them: removed when the sources are written again, so that no
/// bitstream or log of other sources stays beside them.
pub const FLOW_FILES: [&str; 6] = [
    makefile::NETLIST_FILE,
    makefile::ASC_FILE,
    BITSTREAM_FILE,
    YOSYS_LOG,
    NEXTPNR_LOG,
    ICEPACK_LOG,
];

/// The board's sources as `(file name, text)`: `top` (the Verilog of module `ouro_top`) and the
/// wrapper, PCF and Makefile for `board`'s clocks. Checks the clocks ([`ClockSource::of_board`]).
pub fn sources(board: &BoardConfig, top: String) -> Result<Vec<(&'static str, String)>, HdlError> {
    Ok(vec![
        (TOP_CORE_FILE, top),
        (
            WRAPPER_FILE,
            wrapper::wrapper_verilog(board, ICEBREAKER_PINS)?,
        ),
        (PCF_FILE, pins::pcf(ICEBREAKER_PINS)),
        (MAKEFILE, makefile::makefile(board.clock_hz)),
    ])
}

/// Write the board's sources for the predictor `q` with `lanes` MAC lanes on `board` into
/// `out_dir`: `ouro_top.v` ([`crate::top::top_verilog`]), `icebreaker_top.v`, `icebreaker.pcf`
/// and the `Makefile`; returns their paths. [`generate_with_top`] with that top.
pub fn generate(
    q: &QPredictor,
    board: &BoardConfig,
    lanes: usize,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, HdlError> {
    generate_with_top(board, out_dir, || {
        q.fits(board).map_err(HdlError::Board)?;
        crate::top::top_verilog(q, board, lanes)
    })
}

/// Write the board's sources with the `ouro_top` Verilog that `top` makes (its ports must be
/// the pin table's: [`wrapper::check_top_ports`]), atomically: the clocks and `out_dir` are
/// checked first (a file, a link or a device there, a parent that is
/// not a directory: refused before any work), then everything is written into a temporary
/// directory beside `out_dir` and moved into place; on any error nothing is left (not even
/// the parents created for it). Files of an earlier flow in `out_dir` (netlist, bitstream,
/// logs: [`FLOW_FILES`]) and of an engine generated alone there ([`crate::VERILOG_FILE`] and its
/// images) are removed, other files are kept.
pub fn generate_with_top(
    board: &BoardConfig,
    out_dir: &Path,
    top: impl FnOnce() -> Result<String, HdlError>,
) -> Result<Vec<PathBuf>, HdlError> {
    ClockSource::of_board(board)?;
    let dir = AtomicDir::create(out_dir).map_err(|e| HdlError::Write(e.to_string()))?;
    let top = top()?;
    wrapper::check_top_ports(&top, ICEBREAKER_PINS)?;
    for (name, text) in sources(board, top)? {
        std::fs::write(dir.path().join(name), text)
            .map_err(|e| HdlError::Write(write_error(&out_dir.join(name), &e).to_string()))?;
    }
    let mut stale = FLOW_FILES.to_vec();
    stale.extend([
        crate::VERILOG_FILE,
        crate::LOAD_IMAGE_FILE,
        crate::INPUT_TABLES_FILE,
    ]);
    dir.commit(&stale)
        .map_err(|e| HdlError::Write(e.to_string()))?;
    Ok(SOURCE_FILES.iter().map(|f| out_dir.join(f)).collect())
}
