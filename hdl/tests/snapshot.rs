//! The generated Verilog of the default configuration, of the sequencer's two builds and of the
//! board top is pinned under `hdl/snapshots/`, so that any change in the gateware is a reviewed
//! diff. `OURO_UPDATE_SNAPSHOTS=1 cargo test -p ouro-hdl --test snapshot` rewrites it.

use ouro_hdl::DEFAULT_LANES;
use std::path::PathBuf;

/// Compare `text` with the snapshot `name` (or rewrite it under `OURO_UPDATE_SNAPSHOTS=1`).
fn check_snapshot(name: &str, text: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(name);
    if std::env::var("OURO_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, text).unwrap();
        eprintln!("snapshot rewritten: {}", path.display());
        return;
    }
    let pinned = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run OURO_UPDATE_SNAPSHOTS=1 cargo test -p ouro-hdl --test snapshot",
            path.display()
        )
    });
    if pinned != text {
        let new = path.with_extension("v.new");
        std::fs::write(&new, text).unwrap();
        let line = pinned
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .map_or(pinned.lines().count().min(text.lines().count()), |l| l)
            + 1;
        panic!(
            "generated Verilog differs from {} at line {line}; the new text is in {}. Review the diff, then rerun with OURO_UPDATE_SNAPSHOTS=1",
            path.display(),
            new.display()
        );
    }
}

#[test]
fn default_verilog_matches_the_snapshot() {
    let q = ouro_nn::defaults::qpredictor();
    let text = ouro_hdl::verilog(&q, DEFAULT_LANES).unwrap();
    check_snapshot(&format!("default_{DEFAULT_LANES}lanes.v"), &text);
}

/// The sequencer alone (without its engine), in its one-set build for the default predictor and
/// in the two-set build of probe-then-predict.
#[test]
fn sequencer_verilog_matches_the_snapshots() {
    use ouro_hdl::sequencer::{SeqBuild, Sequencer};
    let q = ouro_nn::defaults::qpredictor();
    let one = SeqBuild::one_set(&q).unwrap();
    let text = ouro_hdl::block_verilog(Sequencer::new(&one), "ouro_sequencer").unwrap();
    check_snapshot("sequencer_one_set.v", &text);
    let history = ouro_nn::defaults::history_qpredictor();
    let blind = ouro_nn::embed::embed(&q, &history).unwrap();
    let two = SeqBuild::two_sets([&blind, &history]).unwrap();
    let text = ouro_hdl::block_verilog(Sequencer::new(&two), "ouro_sequencer").unwrap();
    check_snapshot("sequencer_two_sets.v", &text);
}

/// The board top (`ouro_top`) for the shipped default predictor on the iCEBreaker board file,
/// at the board's lane count: what the bitstream is made of.
#[test]
fn board_top_verilog_matches_the_snapshot() {
    let q = ouro_nn::defaults::qpredictor();
    let board = ouro_core::board::BoardConfig::default_board();
    let text = ouro_hdl::top::top_verilog(&q, &board, ouro_hdl::top::BOARD_LANES).unwrap();
    check_snapshot("ouro_top_icebreaker.v", &text);
}

#[test]
fn generate_writes_verilog_and_load_image() {
    let q = ouro_nn::defaults::qpredictor();
    let dir = std::env::temp_dir().join(format!("ouro-hdl-gen-{}", std::process::id()));
    let files = ouro_hdl::generate(&q, 2, &dir).unwrap();
    assert_eq!(files.len(), 2);
    let v = std::fs::read_to_string(&files[0]).unwrap();
    assert!(v.contains("module ouro_predictor("));
    assert!(!v.contains("module top"));
    let hex = std::fs::read_to_string(&files[1]).unwrap();
    assert!(hex.lines().count() > 100);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn rejects_unsupported_configurations() {
    let q = ouro_nn::defaults::qpredictor();
    assert!(ouro_hdl::verilog(&q, 0).is_err());
    assert!(ouro_hdl::verilog(&q, 17).is_err());
}

/// The product trap (docs/HDL.md, "Arithmetic"): Verilog sizes `$signed(a * b)` by its 16-bit
/// operands, so a cast product is computed at 16 bits and loses its high half. Every product
/// in the generated Verilog must be a bare `x_m$q * w_s` (the lane's registered activation times
/// its weight) assigned to the 32-bit `prod$d`.
#[test]
fn products_are_never_wrapped_in_a_cast() {
    let q = ouro_nn::defaults::qpredictor();
    let text = ouro_hdl::verilog(&q, 3).unwrap();
    let products: Vec<&str> = text.lines().filter(|l| l.contains(" * ")).collect();
    assert_eq!(products.len(), 3, "one multiply per lane: {products:?}");
    for l in products {
        assert_eq!(
            l.trim(),
            "prod$d = x_m$q * w_s;",
            "a product must not be cast"
        );
    }
    // And the register it lands in is 32 bits, signed.
    assert!(text.contains("reg signed [31:0] prod$d;"));
}

/// Every block of the engine turns into checked Verilog alone, with its own top module name
/// (the block tests in `ouro-verilated` verilate them).
#[test]
fn each_block_builds_alone() {
    use ouro_hdl::engine::{Clamp, Controller, Drain, Exp2, Lane, Limits, Ports};
    use ouro_hdl::{block_verilog, EngineShape, MemImage};
    let q = ouro_nn::defaults::qpredictor();
    let shape = EngineShape::new(&q, 3).unwrap();
    let image = MemImage::new(&q, &shape).unwrap();
    let texts = [
        (
            "lane",
            block_verilog(Lane::new(1, &image.weights[1], &image.biases[1]), "b_lane"),
        ),
        (
            "controller",
            block_verilog(Controller::new(&shape, &image.fracs), "b_controller"),
        ),
        ("drain", block_verilog(Drain::new(3), "b_drain")),
        ("exp2", block_verilog(Exp2::new(), "b_exp2")),
        (
            "limits",
            block_verilog(Limits::new(q.min_cycles, q.max_cycles), "b_limits"),
        ),
        ("clamp", block_verilog(Clamp::new(), "b_clamp")),
        ("ports", block_verilog(Ports::new(), "b_ports")),
    ];
    for (name, text) in texts {
        let text = text.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains(&format!("module b_{name}(")), "{name}");
        assert!(!text.contains("module top"), "{name}");
    }
}
