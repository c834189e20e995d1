//! Finding and running Verilator: the executable, its root and version, `verilator --cc`, and
//! the runtime files a model needs.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Verilator executable: `$OURO_VERILATOR` when set (e.g. a newer build, or a name that
/// does not exist to try the build without Verilator), else `verilator` from `PATH` (the same
/// rule as `ouro_verilated::lint::verilator_bin`).
pub(crate) fn verilator_bin() -> String {
    std::env::var("OURO_VERILATOR").unwrap_or_else(|_| "verilator".into())
}

pub(crate) fn verilator_root() -> Option<PathBuf> {
    let root = std::env::var_os("VERILATOR_ROOT")
        .map(PathBuf::from)
        .or_else(|| {
            let out = Command::new(verilator_bin())
                .arg("--getenv")
                .arg("VERILATOR_ROOT")
                .output()
                .ok()?;
            if !out.status.success() {
                return None;
            }
            Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })?;
    root.join("include/verilated.cpp").exists().then_some(root)
}

pub(crate) fn verilator_version() -> Option<String> {
    let out = Command::new(verilator_bin())
        .arg("--version")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Items of a `VAR += \` list in a Verilator `*_classes.mk`.
pub(crate) fn mk_list(mk: &str, var: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut inside = false;
    for line in mk.lines() {
        let t = line.trim();
        if t.starts_with(var) && t.contains("+=") {
            inside = t.ends_with('\\');
            continue;
        }
        if inside {
            let item = t.trim_end_matches('\\').trim();
            if !item.is_empty() {
                items.push(item.to_string());
            }
            inside = t.ends_with('\\');
        }
    }
    items
}

/// Run `verilator --cc` on `vfile` (top module `top`) into `mdir`, add its `.cpp` files to
/// `build`, and note the runtime files it needs.
pub(crate) fn verilate(
    vfile: &Path,
    top: &str,
    prefix: &str,
    mdir: &Path,
    waivers: &Path,
    build: &mut cc::Build,
    runtime_files: &mut Vec<String>,
) {
    let _ = std::fs::remove_dir_all(mdir);
    let mut cmd = Command::new(verilator_bin());
    cmd.args([
        "--cc",
        "--trace",
        "-O3",
        "--x-assign",
        "fast",
        "--x-initial",
        "fast",
    ])
    .args(["--top-module", top, "--prefix", prefix, "--Mdir"])
    .arg(mdir)
    .arg(waivers)
    .arg(vfile);
    let status = cmd.status().expect("run verilator");
    assert!(status.success(), "verilator --cc failed: {cmd:?}");
    build.include(mdir);
    let mut cpps: Vec<PathBuf> = std::fs::read_dir(mdir)
        .expect("read obj dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "cpp"))
        .collect();
    cpps.sort();
    for f in cpps {
        build.file(f);
    }
    let mk = std::fs::read_to_string(mdir.join(format!("{prefix}_classes.mk"))).unwrap_or_default();
    for g in mk_list(&mk, "VM_GLOBAL_FAST")
        .into_iter()
        .chain(mk_list(&mk, "VM_GLOBAL_SLOW"))
    {
        if !runtime_files.contains(&g) {
            runtime_files.push(g);
        }
    }
}
