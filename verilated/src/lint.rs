//! `verilator --lint-only -Wall` on generated Verilog, with only the documented waivers
//! (`hdl/lint/waivers.vlt`, [`ouro_hdl::LINT_WAIVERS`]).

use std::path::Path;
use std::process::Command;

/// The Verilator executable: `$OURO_VERILATOR` when set, else `verilator` from `PATH` (the
/// build script uses the same rule).
pub fn verilator_bin() -> String {
    std::env::var("OURO_VERILATOR").unwrap_or_else(|_| "verilator".into())
}

/// Lint `verilog` (top module `top`) with every warning on and the documented waivers.
///
/// # Errors
/// Verilator's whole report when it fails or prints any warning or error, or why it could
/// not run.
pub fn lint(verilog: &Path, top: &str) -> Result<(), String> {
    // One directory per call: tests lint in parallel threads of one process.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ouro-lint-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let waivers = dir.join("waivers.vlt");
    std::fs::write(&waivers, ouro_hdl::LINT_WAIVERS)
        .map_err(|e| format!("cannot write {}: {e}", waivers.display()))?;
    let out = Command::new(verilator_bin())
        .args(["--lint-only", "-Wall"])
        .arg(&waivers)
        .args(["--top-module", top])
        .arg(verilog)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", verilator_bin()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = out?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() && !text.contains("%Warning") && !text.contains("%Error") {
        Ok(())
    } else {
        Err(text)
    }
}
