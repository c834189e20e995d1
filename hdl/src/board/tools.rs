//! The programs the bitstream flow runs, found on `PATH` before anything runs.

use crate::HdlError;
use std::ffi::OsStr;
use std::path::PathBuf;

/// The flow's programs and the Debian package of each.
pub const FLOW_TOOLS: [(&str, &str); 4] = [
    ("make", "make"),
    ("yosys", "yosys"),
    ("nextpnr-ice40", "nextpnr-ice40"),
    ("icepack", "fpga-icestorm"),
];

/// `name`'s executable in the directories of `path` (a `PATH` value), if any.
pub fn find_in(name: &str, path: &OsStr) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    std::env::split_paths(path).map(|d| d.join(name)).find(|p| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// `name`'s executable on this process's `PATH`, if any.
pub fn find(name: &str) -> Option<PathBuf> {
    find_in(name, &std::env::var_os("PATH").unwrap_or_default())
}

/// The flow's programs missing from `path` (a `PATH` value), in [`FLOW_TOOLS`] order.
pub fn missing_in(path: &OsStr) -> Vec<&'static str> {
    FLOW_TOOLS
        .iter()
        .filter(|(t, _)| find_in(t, path).is_none())
        .map(|(t, _)| *t)
        .collect()
}

/// Ok when every program of the flow is on `PATH`; else the error naming each missing one
/// and how to install it.
pub fn check() -> Result<(), HdlError> {
    check_in(&std::env::var_os("PATH").unwrap_or_default())
}

/// [`check`] against the `PATH` value `path`.
pub fn check_in(path: &OsStr) -> Result<(), HdlError> {
    let missing = missing_in(path);
    if missing.is_empty() {
        return Ok(());
    }
    let packages: Vec<&str> = FLOW_TOOLS
        .iter()
        .filter(|(t, _)| missing.contains(t))
        .map(|(_, p)| *p)
        .collect();
    let (they, them, are) = if missing.len() == 1 {
        ("it", "it", "is")
    } else {
        ("they", "them", "are")
    };
    Err(HdlError::MissingTools(format!(
        "the bitstream flow needs {}, and {they} {are} not on PATH: install {them} with \
         scripts/setup, or `sudo apt-get install {}` (yosys nextpnr-ice40 fpga-icestorm make)",
        missing.join(", "),
        packages.join(" ")
    )))
}

/// For tests that run the flow: true when every program of the flow (and each of `extra`) is on
/// `PATH`; else a loud `SKIPPED` line on stderr and false, or a panic when
/// `OURO_REQUIRE_SYNTH=1` (CI sets it, so that a missing tool fails instead of skipping).
///
/// # Panics
/// When a program is missing and `OURO_REQUIRE_SYNTH=1`.
pub fn require(test: &str, extra: &[&str]) -> bool {
    let mut missing = missing_in(&std::env::var_os("PATH").unwrap_or_default());
    missing.extend(extra.iter().filter(|t| find(t).is_none()));
    if missing.is_empty() {
        return true;
    }
    if std::env::var("OURO_REQUIRE_SYNTH").is_ok_and(|v| v == "1") {
        panic!(
            "{test}: {} not on PATH, and OURO_REQUIRE_SYNTH=1",
            missing.join(", ")
        );
    }
    // Written to the stderr handle itself, so that the test harness's capture cannot hide it.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {} not on PATH; {test} did not run (scripts/setup installs them; set \
         OURO_REQUIRE_SYNTH=1 to fail instead)",
        missing.join(", ")
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_tools_are_named_with_their_package() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let empty = dir.as_os_str();
        assert_eq!(
            missing_in(empty),
            ["make", "yosys", "nextpnr-ice40", "icepack"]
        );
        let e = check_in(empty).unwrap_err().to_string();
        assert!(
            e.contains("make, yosys, nextpnr-ice40, icepack")
                && e.contains("scripts/setup")
                && e.contains("apt-get install make yosys nextpnr-ice40 fpga-icestorm")
                && !e.contains('\n'),
            "{e}"
        );
        // One tool present (an executable file), one not executable.
        use std::os::unix::fs::PermissionsExt as _;
        for (t, mode) in [("make", 0o755), ("yosys", 0o644)] {
            let p = dir.join(t);
            std::fs::write(&p, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        assert_eq!(
            missing_in(dir.as_os_str()),
            ["yosys", "nextpnr-ice40", "icepack"]
        );
        let e = check_in(dir.as_os_str()).unwrap_err().to_string();
        assert!(
            e.contains("apt-get install yosys nextpnr-ice40 fpga-icestorm`"),
            "{e}"
        );
    }
}
