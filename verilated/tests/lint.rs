//! `verilator --lint-only -Wall` on the generated Verilog of every configuration and of the front
//! end's blocks, with only the waivers in `hdl/lint/waivers.vlt` (each documented there and in
//! docs/HDL.md). Runs the Verilator that `OURO_VERILATOR` names, as the build does.

use ouro_verilated::{require_verilator, CONFIGS};
use std::path::Path;

#[test]
fn generated_verilog_is_lint_clean_with_documented_waivers() {
    if !require_verilator("lint") {
        return;
    }
    for cfg in CONFIGS {
        if let Err(report) =
            ouro_verilated::lint::lint(Path::new(cfg.verilog), ouro_hdl::TOP_MODULE)
        {
            panic!("{}: lint failed:\n{report}", cfg.name);
        }
    }
}

/// The front end's blocks (`ouro_hdl::frontend`), each built alone with every timing the
/// harness builds it with.
#[test]
fn front_end_blocks_are_lint_clean_with_documented_waivers() {
    if !require_verilator("front end lint") {
        return;
    }
    let blocks: Vec<_> = ouro_verilated::BLOCKS
        .iter()
        .filter(|b| b.name.starts_with("fe_"))
        .collect();
    assert_eq!(blocks.len(), ouro_testkit::frontend::blocks().len());
    for b in blocks {
        let top = format!("ouro_blk_{}", b.name);
        if let Err(report) = ouro_verilated::lint::lint(Path::new(b.verilog), &top) {
            panic!("{}: lint failed:\n{report}", b.name);
        }
    }
}

#[test]
fn sequencer_and_board_top_verilog_is_lint_clean_with_documented_waivers() {
    if !require_verilator("lint sequencer") {
        return;
    }
    for name in [
        "seq_core_default",
        "seq_core_twoset",
        "seq_core_twoset_plain",
        "seq_core_nominal",
        "scale",
        "top_default",
    ] {
        let b = ouro_verilated::BlockInfo::get(name).expect("block");
        if let Err(report) =
            ouro_verilated::lint::lint(Path::new(b.verilog), &format!("ouro_blk_{name}"))
        {
            panic!("{name}: lint failed:\n{report}");
        }
    }
}

#[test]
fn negative_test_lint_reports_a_warning() {
    if !require_verilator("lint negative") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("ouro-lint-neg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let v = dir.join("bad.v");
    // An unused input: -Wall warns (UNUSEDSIGNAL), and no waiver covers this module.
    std::fs::write(
        &v,
        "module bad(input wire a, input wire b, output wire y);\n  assign y = a;\nendmodule\n",
    )
    .unwrap();
    let r = ouro_verilated::lint::lint(&v, "bad");
    std::fs::remove_dir_all(&dir).ok();
    let report = r.expect_err("an unused input is a lint warning");
    assert!(report.contains("UNUSED"), "{report}");
}
