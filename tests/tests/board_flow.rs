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

/// The processes whose command line mentions `needle` or whose working directory is under it
/// (from /proc: make runs the tools in the build folder with relative paths).
fn processes_mentioning(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        let cwd = std::fs::read_link(e.path().join("cwd"))
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if cmd.contains(needle) || cwd.starts_with(needle) {
            found.push(format!("{cmd} (in {cwd})"));
        }
    }
    found
}

/// `ouro hdl synth` interrupted while yosys runs, by SIGINT or SIGTERM to ouro alone (as
/// `timeout` or a service manager sends it): ouro exits 130 or 143, make and the tools under it
/// are stopped with it, and the folder the run made is gone.
#[test]
fn an_interrupted_synth_stops_its_tools_and_leaves_no_folder() {
    if !board::tools::require(
        "an_interrupted_synth_stops_its_tools_and_leaves_no_folder",
        &[],
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (signal, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let out = dir.path().join(format!("build-{signal}"));
        let child = Command::new(ouro_bin())
            .args(["hdl", "synth", "--board", "icebreaker", "--out"])
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Until yosys has started (its log exists), then a moment more.
        let t = Instant::now();
        while !out.join(board::YOSYS_LOG).exists() {
            assert!(
                t.elapsed().as_secs() < 120,
                "yosys never started in {out:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
        // SAFETY: a signal to our own child.
        unsafe {
            libc::kill(child.id() as libc::pid_t, signal);
        }
        let o = child.wait_with_output().unwrap();
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{e}");
        assert!(!e.contains("panicked"), "{e}");
        assert!(e.contains("interrupted (SIG"), "{e}");
        // The kill is synchronous before ouro exits; give the kernel a moment to reap.
        let t = Instant::now();
        let needle = out.to_string_lossy().into_owned();
        while !processes_mentioning(&needle).is_empty() && t.elapsed().as_secs() < 5 {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(
            processes_mentioning(&needle),
            Vec::<String>::new(),
            "tools left running"
        );
        assert!(!out.exists(), "{out:?} left behind");
    }
}
