//! Build script of the Verilator harness: generate the engine's Verilog for
//! every test configuration through `ouro-hdl`, run `verilator --cc`, compile each model and the
//! Verilator runtime with `cc`, and link a C shim generated from the top module's port list.
//! The engine's blocks are verilated alone too (`ouro_hdl::block_verilog`), each behind a shim
//! that sets and gets its ports by index, for the block tests (`tests/blocks.rs`).
//! Without Verilator it prints one `cargo:warning` line and generates the same Rust API with no
//! models behind it (the tests then skip loudly, or fail under `OURO_REQUIRE_VERILATOR=1`).

mod blocks;
mod codegen;
mod ports;
mod verilator;

use codegen::{block_shim, block_static, rust_api, rust_static, shim};
use ouro_hdl::layout::{limit_write, EngineShape, MemImage};
use ouro_testkit::configs::{random_predictor, test_configs};
use ports::{parse_ports, Port};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use verilator::{verilate, verilator_root, verilator_version};

fn main() {
    println!("cargo:rerun-if-changed=build");
    println!("cargo:rerun-if-env-changed=VERILATOR_ROOT");
    println!("cargo:rerun-if-env-changed=OURO_VERILATOR");
    println!("cargo:rustc-check-cfg=cfg(ouro_verilator)");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let configs = test_configs();

    let root = verilator_root();
    let version = verilator_version();
    let have = root.is_some() && version.is_some();
    if !have {
        println!(
            "cargo:warning=verilator not found (install Verilator 5.x or set VERILATOR_ROOT): the co-simulation tests will SKIP, or FAIL under OURO_REQUIRE_VERILATOR=1"
        );
    }

    let waivers = out.join("waivers.vlt");
    std::fs::write(&waivers, ouro_hdl::LINT_WAIVERS).expect("write waivers");
    // Every configuration's ports: the Rust API has the union of them; a port that some
    // configuration lacks (the two-set engine's `set` and `out_set`) is optional in it.
    let all_ports: Vec<Vec<Port>> = configs
        .iter()
        .map(|c| {
            let text = ouro_hdl::verilog_sets(&c.sets(), c.lanes).expect("generate Verilog");
            parse_ports(&text, ouro_hdl::TOP_MODULE)
        })
        .collect();
    let mut union: Vec<Port> = Vec::new();
    for p in all_ports.iter().flatten() {
        if let Some(q) = union.iter().find(|q| q.name == p.name) {
            assert_eq!(
                (q.width, q.input),
                (p.width, p.input),
                "port {} differs between configurations",
                p.name
            );
        } else {
            union.push(p.clone());
        }
    }
    let optional: Vec<String> = union
        .iter()
        .filter(|p| {
            !all_ports
                .iter()
                .all(|ps| ps.iter().any(|q| q.name == p.name))
        })
        .map(|p| p.name.clone())
        .collect();
    let mut infos = String::new();
    let mut statics = String::new();
    let mut runtime_files: Vec<String> = Vec::new();
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .flag("-std=c++17")
        .warnings(false)
        .extra_warnings(false)
        .flag_if_supported("-Wno-unused-parameter")
        .flag_if_supported("-faligned-new")
        .opt_level(2)
        .define("VM_COVERAGE", "0")
        .define("VM_SC", "0")
        .define("VM_TRACE", "1")
        .define("VM_TRACE_VCD", "1")
        .define("VM_TRACE_FST", "0");
    if let Some(root) = &root {
        build
            .include(root.join("include"))
            .include(root.join("include/vltstd"));
    }

    for c in &configs {
        let dir = out.join(c.name);
        std::fs::create_dir_all(&dir).expect("create config dir");
        let files = ouro_hdl::generate_sets(&c.sets(), c.lanes, &dir).expect("generate Verilog");
        let vfile = files[0].clone();
        let text = std::fs::read_to_string(&vfile).expect("read Verilog");
        let p = parse_ports(&text, ouro_hdl::TOP_MODULE);
        let shape = EngineShape::with_sets(&c.sets(), c.lanes).expect("shape");
        // A second predictor of the same shape, to reload through the load port.
        let hidden: Vec<usize> = shape.layers[..shape.n_layers() - 1]
            .iter()
            .map(|l| l.0)
            .collect();
        let mut reload = random_predictor(0x5EED_0000 ^ c.lanes as u64, shape.inputs, &hidden);
        // Reloading changes weights, biases and fracs; the synthesized limits stay those of the
        // build, so the golden model of the reloaded engine carries them too.
        reload.min_cycles = c.q.min_cycles;
        reload.max_cycles = c.q.max_cycles;
        // A two-set engine's reload image puts it into set 0 and writes set 1 as it was built.
        let mut reload_sets = c.sets();
        reload_sets[0] = &reload;
        let reload_writes = MemImage::with_sets(&reload_sets, &shape)
            .expect("reload image")
            .load_writes();
        let yaml = |q| ouro_core::yaml::to_string(q).expect("predictor YAML");
        let prefix = format!("Vouro_{}", c.name);
        if have {
            verilate(
                &vfile,
                ouro_hdl::TOP_MODULE,
                &prefix,
                &dir.join("obj"),
                &waivers,
                &mut build,
                &mut runtime_files,
            );
            let header = std::fs::read_to_string(dir.join("obj").join(format!("{prefix}.h")))
                .expect("read the model's header");
            let shim_file = dir.join(format!("ouro_{}_shim.cpp", c.name));
            std::fs::write(&shim_file, shim(&prefix, c.name, &p, &header)).expect("write shim");
            build.file(&shim_file);
            statics.push_str(&rust_static(c.name, &p, &union, &optional));
        }
        let api = if have {
            format!("Some(&API_{})", c.name.to_uppercase())
        } else {
            "None".into()
        };
        let _ = write!(
            infos,
            "    ConfigInfo {{\n        name: {name:?},\n        lanes: {lanes},\n        sets: {sets},\n        latency: {lat},\n        \
verilog: {v:?},\n        predictor_yaml: {qy:?},\n        set1_yaml: {s1:?},\n        reload_yaml: {ry:?},\n        reload_writes: &{rw:?},\n        api: {api},\n    }},\n",
            name = c.name,
            lanes = c.lanes,
            sets = shape.sets,
            s1 = c.set1.as_ref().map(yaml),
            lat = shape.latency_cycles(),
            v = vfile.display().to_string(),
            qy = yaml(&c.q),
            ry = yaml(&reload),
            rw = reload_writes,
        );
    }

    let mut block_infos = String::new();
    for (name, text) in blocks::blocks(&configs) {
        let top = format!("ouro_blk_{name}");
        let dir = out.join("blocks").join(&name);
        std::fs::create_dir_all(&dir).expect("create block dir");
        let vfile = dir.join(format!("{top}.v"));
        std::fs::write(&vfile, &text).expect("write block Verilog");
        let p = parse_ports(&text, &top);
        assert!(
            p.iter().all(|p| p.width <= 64),
            "{name}: a port wider than 64 bits"
        );
        let prefix = format!("V{top}");
        if have {
            verilate(
                &vfile,
                &top,
                &prefix,
                &dir.join("obj"),
                &waivers,
                &mut build,
                &mut runtime_files,
            );
            let header = std::fs::read_to_string(dir.join("obj").join(format!("{prefix}.h")))
                .expect("read the block's header");
            let shim_file = dir.join(format!("{top}_shim.cpp"));
            std::fs::write(&shim_file, block_shim(&prefix, &name, &p, &header))
                .expect("write shim");
            build.file(&shim_file);
            statics.push_str(&block_static(&name));
        }
        let ports: Vec<String> = p
            .iter()
            .map(|p| {
                format!(
                    "block::BlockPort {{ name: {:?}, width: {}, input: {} }}",
                    p.name, p.width, p.input
                )
            })
            .collect();
        let api = if have {
            format!("Some(&BLK_API_{})", name.to_uppercase())
        } else {
            "None".into()
        };
        let _ = write!(
            block_infos,
            "    block::BlockInfo {{\n        name: {name:?},\n        verilog: {v:?},\n        ports: &[\n            {ports}\n        ],\n        api: {api},\n    }},\n",
            v = vfile.display().to_string(),
            ports = ports.join(",\n            "),
        );
    }

    if have {
        for f in ["verilated", "verilated_vcd_c", "verilated_threads"] {
            if !runtime_files.iter().any(|g| g == f) {
                runtime_files.push(f.to_string());
            }
        }
        let root = root.as_ref().expect("root");
        for f in &runtime_files {
            let path = root.join("include").join(format!("{f}.cpp"));
            if path.exists() {
                build.file(path);
            }
        }
        build.compile("ouro_verilated_models");
        println!("cargo:rustc-link-lib=pthread");
        println!("cargo:rustc-cfg=ouro_verilator");
    }

    let (lmin, _) = limit_write(0, 0);
    let (lmax, _) = limit_write(1, 0);
    let mut rs = String::from("// Generated by ouro-verilated's build script; do not edit.\n\n");
    let _ = writeln!(
        rs,
        "/// `verilator --version` at build time, or `None` when Verilator was not found.\npub const VERILATOR_VERSION: Option<&str> = {:?};\n",
        version.filter(|_| have)
    );
    let _ = writeln!(rs, "/// Load-port address of the run-time minimum duration.\npub const LIMIT_MIN_ADDR: u32 = {lmin:#x};");
    let _ = writeln!(rs, "/// Load-port address of the run-time maximum duration.\npub const LIMIT_MAX_ADDR: u32 = {lmax:#x};\n");
    rs.push_str(&rust_api(&union, &optional));
    rs.push('\n');
    rs.push_str(&statics);
    let _ = writeln!(
        rs,
        "\n/// The co-simulated configurations.\npub static CONFIGS: &[ConfigInfo] = &[\n{infos}];"
    );
    let _ = writeln!(
        rs,
        "\n/// The engine's blocks, verilated alone.\npub static BLOCKS: &[block::BlockInfo] = &[\n{block_infos}];"
    );
    std::fs::write(out.join("models.rs"), rs).expect("write models.rs");
    let _ = Path::new(".");
}
