//! The iCEBreaker flow on the real board top through the `ouro` binary, as a user runs it:
//! `ouro hdl synth --board icebreaker` on the shipped default predictor writes the board's
//! sources, runs yosys, nextpnr-ice40 and icepack on them, prints the resources, nextpnr's
//! maximum clock and the bitstream's path, and exits 0. One synthesis, placement and routing of
//! the whole design (a few minutes): the slowest test of the suite when the tools are there; CI
//! installs them and sets `OURO_REQUIRE_SYNTH=1`.

use ouro_e2e::ouro_bin;
use ouro_hdl::board::{self, logs};
use std::process::Command;
use std::time::Instant;

#[test]
fn hdl_synth_makes_the_board_top_s_bitstream() {
    if !board::tools::require("hdl_synth_makes_the_board_top_s_bitstream", &[]) {
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
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    eprintln!("ouro hdl synth --board icebreaker took {took:.1} s:\n{stderr}\n{stdout}");
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("board: icebreaker, system clock 12 MHz"),
        "{stderr}"
    );
    // The report: every resource against the device, the clock, the bitstream.
    let line = |name: &str| -> (u32, u32) {
        let rest = stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} line in:\n{stdout}"));
        let w: Vec<&str> = rest.split_whitespace().collect();
        (w[0].parse().unwrap(), w[2].parse().unwrap())
    };
    let (lc, lc_cap) = line("logic cells");
    assert!(lc <= lc_cap, "the board top fits: {stdout}");
    let (lut, lut_cap) = line("LUT4");
    assert_eq!(lut_cap, 5280);
    assert!((3000..=5280).contains(&lut), "{stdout}");
    assert_eq!(
        line("SB_MAC16"),
        (ouro_hdl::top::BOARD_LANES as u32, 8),
        "{stdout}"
    );
    assert_eq!(line("SPRAM").1, 4);
    assert!(
        line("SPRAM").0 >= 2,
        "the job queue and the result store: {stdout}"
    );
    assert!(line("EBR").0 >= 5, "{stdout}");
    let fmax: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("fmax '"))
        .and_then(|l| l.split("': ").nth(1))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no fmax line in:\n{stdout}"));
    assert!(
        fmax >= 12.0,
        "the design must meet its 12 MHz clock: {stdout}"
    );
    let bin_path = out.join(board::BITSTREAM_FILE);
    assert!(
        stdout
            .trim_end()
            .ends_with(&format!("bitstream: {}", bin_path.display())),
        "{stdout}"
    );
    // An iCE40UP5K bitstream is 104,090 bytes.
    assert_eq!(std::fs::metadata(&bin_path).unwrap().len(), 104_090);
    // The figures are the tools' own: nextpnr's logic cells, yosys' MACs.
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    let util = logs::nextpnr_utilisation(&read(board::NEXTPNR_LOG)).expect("utilisation");
    let (need, have) = util["ICESTORM_LC"];
    assert!(need <= have, "{util:?}");
    let cells = logs::yosys_cells(&read(board::YOSYS_LOG)).expect("yosys' statistics");
    assert_eq!(
        cells.get("SB_MAC16"),
        Some(&(ouro_hdl::top::BOARD_LANES as u32))
    );
}
