//! Run the bitstream flow in a directory of board sources, through its Makefile, and read the
//! report from the logs.

use super::logs::{self, SynthReport};
use super::makefile::{ASC_FILE, NETLIST_FILE};
use super::{tools, BITSTREAM_FILE, ICEPACK_LOG, MAKEFILE, NEXTPNR_LOG, SOURCE_FILES, YOSYS_LOG};
use crate::HdlError;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Command;

/// Run `make` in `dir` (written by [`super::generate`]): yosys, nextpnr-ice40 and icepack, each
/// keeping its log there, and parse the logs into a [`SynthReport`]. The tools are looked up
/// first ([`tools::check`]); a failed step is an error naming the tool, its last error line
/// (or, for timing, the clock that missed its target) and the log.
pub fn synth(dir: &Path) -> Result<SynthReport, HdlError> {
    tools::check()?;
    for f in SOURCE_FILES {
        if !dir.join(f).is_file() {
            return Err(HdlError::Flow {
                tool: "make".into(),
                message: format!(
                    "{} is missing: write the board's sources there first (`ouro hdl generate \
                     --board`, ouro_hdl::board::generate)",
                    dir.join(f).display()
                ),
            });
        }
    }
    let cannot = |e: std::io::Error| HdlError::Flow {
        tool: "make".into(),
        message: format!("cannot run make in {}: {e}", dir.display()),
    };
    // In a process group of its own, registered, so that a signal to ouro stops make and the
    // tools under it (ouro_core::output::child_groups) before ouro exits.
    let child = Command::new("make")
        .arg("-C")
        .arg(dir)
        .arg("all")
        // A jobserver or flags of an enclosing make are not this flow's.
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(cannot)?;
    let pgid = child.id();
    ouro_core::output::child_group_started(pgid);
    let out = child.wait_with_output();
    ouro_core::output::child_group_done(pgid);
    let out = out.map_err(cannot)?;
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    if !out.status.success() {
        return Err(failure(dir, &String::from_utf8_lossy(&out.stderr), &read));
    }
    logs::report(
        &read(YOSYS_LOG),
        &read(NEXTPNR_LOG),
        dir.join(BITSTREAM_FILE),
    )
    .map_err(|m| HdlError::Flow {
        tool: "make".into(),
        message: format!("{m} (logs in {})", dir.display()),
    })
}

/// The error of a failed run: the first step whose output is missing (the Makefile deletes a
/// failed step's output), what its log says, and where the log is.
fn failure(dir: &Path, make_stderr: &str, read: &dyn Fn(&str) -> String) -> HdlError {
    let see = |log: &str| format!("see {}", dir.join(log).display());
    let make_said = || {
        make_stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message")
            .trim()
            .to_string()
    };
    let (tool, message) = if !dir.join(NETLIST_FILE).exists() {
        let log = read(YOSYS_LOG);
        let why = logs::first_error(&log).map_or_else(make_said, str::to_string);
        ("yosys", format!("{why}; {}", see(YOSYS_LOG)))
    } else if !dir.join(ASC_FILE).exists() {
        let log = read(NEXTPNR_LOG);
        let failed: Vec<String> = logs::nextpnr_fmax(&log)
            .into_iter()
            .filter(|c| c.fmax_mhz < c.target_mhz)
            .map(|c| {
                format!(
                    "clock '{}' reaches {:.2} MHz, below its {} MHz target",
                    c.clock, c.fmax_mhz, c.target_mhz
                )
            })
            .collect();
        // A design larger than the device: name the resources it lacks.
        let over: Vec<String> = logs::nextpnr_utilisation(&log)
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, (used, cap))| used > cap)
            .map(|(name, (used, cap))| format!("{used} of {cap} {name}"))
            .collect();
        let why = if !over.is_empty() {
            format!(
                "the design does not fit the device: it needs {}",
                over.join(", ")
            )
        } else if failed.is_empty() {
            logs::first_error(&log).map_or_else(make_said, str::to_string)
        } else {
            format!(
                "timing not met: {} (lower the board's clock_hz)",
                failed.join(", ")
            )
        };
        ("nextpnr-ice40", format!("{why}; {}", see(NEXTPNR_LOG)))
    } else if !dir.join(BITSTREAM_FILE).exists() {
        let log = read(ICEPACK_LOG);
        let why = log
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map_or_else(make_said, |l| l.trim().to_string());
        ("icepack", format!("{why}; {}", see(ICEPACK_LOG)))
    } else {
        (
            "make",
            format!("{} ({})", make_said(), dir.join(MAKEFILE).display()),
        )
    };
    HdlError::Flow {
        tool: tool.into(),
        message,
    }
}
