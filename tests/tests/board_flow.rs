//! The iCEBreaker bitstream through the `ouro` binary, as a user runs it: `ouro hdl synth
//! --board icebreaker` on the shipped default predictor writes the board's sources, runs yosys,
//! nextpnr-ice40 and icepack, and prints the report its logs give. One synthesis run (the
//! slowest test of the suite when the tools are there; CI installs them and sets
//! `OURO_REQUIRE_SYNTH=1`).

use ouro_e2e::bad::listing;
use ouro_e2e::ouro_bin;
use ouro_hdl::board::{self, logs};
use std::process::Command;
use std::time::Instant;

#[test]
fn hdl_synth_writes_a_bitstream_and_reports_it() {
    if !board::tools::require("hdl_synth_writes_a_bitstream_and_reports_it", &[]) {
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
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "{stderr}");
    eprintln!("ouro hdl synth --board icebreaker took {took:.1} s:\n{stdout}");

    // The sources, the flow's outputs and logs, nothing else.
    let mut want: Vec<&str> = board::SOURCE_FILES
        .iter()
        .chain(board::FLOW_FILES.iter())
        .copied()
        .collect();
    want.sort_unstable();
    assert_eq!(listing(&out), want);
    // An iCE40UP5K bitstream is 104,090 bytes.
    let bitstream = out.join(board::BITSTREAM_FILE);
    assert_eq!(std::fs::metadata(&bitstream).unwrap().len(), 104_090);
    assert!(
        stderr.contains("board: icebreaker, system clock 12 MHz"),
        "{stderr}"
    );

    // What it printed is the report of its logs, line for line.
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    let report = logs::report(
        &read(board::YOSYS_LOG),
        &read(board::NEXTPNR_LOG),
        bitstream,
    )
    .unwrap();
    assert_eq!(stdout.trim_end(), report.to_string());
    for name in ["LUT4", "flip-flops", "SB_MAC16", "EBR", "SPRAM"] {
        let r = report.resource(name).unwrap();
        assert!(r.capacity > 0 && r.used <= r.capacity, "{name}: {r:?}");
        assert!(
            stdout.lines().any(
                |l| l.starts_with(name) && l.contains(&format!(" {} / {}", r.used, r.capacity))
            ),
            "{name}: {stdout}"
        );
    }
    assert_eq!(report.resource("LUT4").unwrap().capacity, 5280);
    assert!(report.resource("LUT4").unwrap().used > 0);
    // The system clock's domain meets its 12 MHz target.
    assert!(!report.clocks.is_empty(), "{stdout}");
    for c in &report.clocks {
        assert_eq!(c.target_mhz, 12.0);
        assert!(c.fmax_mhz >= 12.0, "{c:?}");
    }
    assert!(stdout.ends_with(&format!(
        "bitstream: {}\n",
        out.join("icebreaker.bin").display()
    )));
}
