//! `verilator --lint-only -Wall` on the generated Verilog of every configuration, with only the
//! waivers in `hdl/lint/waivers.vlt` (each documented there and in docs/HDL.md).

use ouro_verilated::{require_verilator, CONFIGS};
use std::process::Command;

#[test]
fn generated_verilog_is_lint_clean_with_documented_waivers() {
    if !require_verilator("lint") {
        return;
    }
    let waivers = concat!(env!("CARGO_MANIFEST_DIR"), "/../hdl/lint/waivers.vlt");
    for cfg in CONFIGS {
        let out = Command::new("verilator")
            .args([
                "--lint-only",
                "-Wall",
                waivers,
                "--top-module",
                ouro_hdl_top(),
            ])
            .arg(cfg.verilog)
            .output()
            .expect("run verilator");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && !text.contains("%Warning") && !text.contains("%Error"),
            "{}: lint failed:\n{text}",
            cfg.name
        );
    }
}

fn ouro_hdl_top() -> &'static str {
    "ouro_predictor"
}
