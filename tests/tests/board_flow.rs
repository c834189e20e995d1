//! The iCEBreaker flow on the real board top through the `ouro` binary, as a user runs it:
//! `ouro hdl synth --board icebreaker` on the shipped default predictor writes the board's
//! sources, runs yosys and nextpnr-ice40 on them, and -- the board top being larger than the
//! iCE40UP5K today (docs/BENCHMARKS.md, "The board top: size") -- says so in one line, names the
//! logic cells it needs and the device's, exits 2 and writes no bitstream. (The flow's way to a
//! bitstream is run on designs that fit by `ouro-hdl`'s `tests/board.rs`.) One synthesis run, the
//! slowest test of the suite when the tools are there; CI installs them and sets
//! `OURO_REQUIRE_SYNTH=1`. When the top fits, this test is where its bitstream is checked.

use ouro_e2e::ouro_bin;
use ouro_hdl::board::{self, logs};
use std::process::Command;
use std::time::Instant;

#[test]
fn hdl_synth_runs_the_board_top_and_says_it_does_not_fit_yet() {
    if !board::tools::require(
        "hdl_synth_runs_the_board_top_and_says_it_does_not_fit_yet",
        &[],
    ) {
        return;
    }
    let bin = ouro_bin();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("build");
    let t = Instant::now();
    let o = Command::new(bin)
        .args(["hdl", "synth", "--board", "icebreaker", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let took = t.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&o.stderr);
    eprintln!("ouro hdl synth --board icebreaker took {took:.1} s:\n{stderr}");
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(o.stdout.is_empty(), "no report is printed");
    let error: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error.len(), 1, "{stderr}");
    assert!(
        error[0].contains("nextpnr-ice40")
            && error[0].contains("does not fit the device: it needs ")
            && error[0].contains(" of 5280 ICESTORM_LC"),
        "{stderr}"
    );
    assert!(
        stderr.contains("board: icebreaker, system clock 12 MHz"),
        "{stderr}"
    );
    // The sources and the logs are there for a look; no bitstream.
    for f in board::SOURCE_FILES {
        assert!(out.join(f).is_file(), "{f}");
    }
    assert!(!out.join(board::BITSTREAM_FILE).exists());
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    // yosys mapped the whole top: the engine's MACs, the memories, the logic.
    let cells = logs::yosys_cells(&read(board::YOSYS_LOG)).expect("yosys' statistics");
    assert_eq!(
        cells.get("SB_MAC16"),
        Some(&(ouro_hdl::top::BOARD_LANES as u32))
    );
    assert!(
        cells.get("SB_SPRAM256KA").is_some_and(|&n| n >= 2),
        "{cells:?}"
    );
    assert!(cells.get("SB_LUT4").is_some_and(|&n| n > 3000), "{cells:?}");
    // The number in the message is nextpnr's.
    let util = logs::nextpnr_utilisation(&read(board::NEXTPNR_LOG)).expect("utilisation");
    let (need, have) = util["ICESTORM_LC"];
    assert!(need > have, "{util:?}");
    assert!(
        error[0].contains(&format!("{need} of {have} ICESTORM_LC")),
        "{stderr}"
    );
}
