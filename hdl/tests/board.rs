//! The iCEBreaker bitstream flow (`ouro_hdl::board`): the PCF and the wrapper pinned as reviewed
//! files, the pin map in the docs, the PLL search against `icepll`, the sources written
//! atomically, and small designs through the real tools. `OURO_UPDATE_SNAPSHOTS=1 cargo test -p
//! ouro-hdl --test board` rewrites the pinned files.

use ouro_core::board::BoardConfig;
use ouro_hdl::board::{self, pins, pll, tools, wrapper, Dir, ICEBREAKER_PINS};
use ouro_hdl::HdlError;
use std::path::{Path, PathBuf};

const UPDATE: &str = "OURO_UPDATE_SNAPSHOTS=1 cargo test -p ouro-hdl --test board";

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

/// Ok when `path` holds exactly `text`; else where they differ and how to update.
fn compare(path: &Path, text: &str) -> Result<(), String> {
    let pinned = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: {e}; run {UPDATE}", path.display()))?;
    if pinned == text {
        return Ok(());
    }
    let line = pinned
        .lines()
        .zip(text.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(pinned.lines().count().min(text.lines().count()))
        + 1;
    Err(format!(
        "the generated text differs from {} at line {line}: review the change, then rerun with {UPDATE}",
        path.display()
    ))
}

/// Hold `text` to the file at `path` (or rewrite it when updating).
fn pinned(path: &Path, text: &str) {
    if std::env::var("OURO_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(path, text).unwrap();
        eprintln!("rewritten: {}", path.display());
        return;
    }
    if let Err(m) = compare(path, text) {
        let mut new = path.as_os_str().to_owned();
        new.push(".new");
        std::fs::write(&new, text).unwrap();
        panic!("{m} (the new text is in {})", Path::new(&new).display());
    }
}

fn board_at(clock_hz: u64) -> BoardConfig {
    BoardConfig {
        clock_hz,
        ..BoardConfig::default_board()
    }
}

#[test]
fn the_pcf_is_the_committed_file() {
    pinned(
        &repo("constraints/icebreaker.pcf"),
        &pins::pcf(ICEBREAKER_PINS),
    );
}

#[test]
fn the_wrapper_is_pinned_direct_and_through_the_pll() {
    for (hz, name) in [
        (12_000_000, "icebreaker_top_12mhz.v"),
        (48_000_000, "icebreaker_top_pll_48mhz.v"),
    ] {
        let v = wrapper::wrapper_verilog(&board_at(hz), ICEBREAKER_PINS).unwrap();
        pinned(&repo("hdl/snapshots").join(name), &v);
    }
}

#[test]
fn a_changed_text_is_caught_with_the_way_to_update() {
    let path = repo("constraints/icebreaker.pcf");
    let text = pins::pcf(ICEBREAKER_PINS);
    compare(&path, &text).unwrap();
    let e = compare(&path, &text.replace("set_io RX     6", "set_io RX     7")).unwrap_err();
    assert!(e.contains("at line 6") && e.contains(UPDATE), "{e}");
    let e = compare(&path, &format!("{text}set_io X 1\n")).unwrap_err();
    assert!(e.contains("at line 23"), "{e}");
    let e = compare(&repo("constraints/nosuch.pcf"), &text).unwrap_err();
    assert!(e.contains(UPDATE), "{e}");
}

#[test]
fn the_docs_pin_map_is_the_table() {
    let docs = std::fs::read_to_string(repo("docs/HDL.md")).unwrap();
    let table = pins::markdown_table(ICEBREAKER_PINS);
    assert!(
        docs.contains(&table),
        "docs/HDL.md, \"Pin map\", must hold this table verbatim:\n{table}"
    );
    // And a changed row would not be.
    assert!(!docs.contains(&table.replace("| 35 |", "| 36 |")));
}

/// `icepll -i IN -o OUT -p`'s settings, when it achieves OUT exactly.
fn icepll(input_mhz: u64, output_mhz: u64) -> pll::PllConfig {
    let o = std::process::Command::new("icepll")
        .args([
            "-i",
            &input_mhz.to_string(),
            "-o",
            &output_mhz.to_string(),
            "-p",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let achieved = text
        .lines()
        .find(|l| l.ends_with("MHz (achieved)"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|f| f.parse::<f64>().ok());
    assert_eq!(achieved, Some(output_mhz as f64), "{text}");
    pll::parse_icepll(input_mhz * 1_000_000, &text).unwrap()
}

#[test]
fn the_pll_search_equals_icepll() {
    if !tools::require("the_pll_search_equals_icepll", &["icepll"]) {
        return;
    }
    for (i, o) in [
        (12, 24),
        (12, 36),
        (12, 42),
        (12, 48),
        (12, 60),
        (12, 96),
        (20, 50),
        (30, 60),
        (100, 50),
    ] {
        let ours = pll::pll_for(i * 1_000_000, o * 1_000_000).unwrap();
        assert_eq!(ours, icepll(i, o), "{i} -> {o} MHz");
    }
    // A different setting would be told apart.
    assert_ne!(
        pll::pll_for(12_000_000, 24_000_000).unwrap(),
        icepll(12, 48)
    );
    // Where icepll gets only near (25.125 MHz for 25), the search refuses and names it.
    let e = pll::pll_for(12_000_000, 25_000_000)
        .unwrap_err()
        .to_string();
    assert!(e.contains("25125000 Hz"), "{e}");
}

#[test]
fn the_board_top_has_the_pins_ports() {
    let q = ouro_nn::defaults::qpredictor();
    let b = BoardConfig::default_board();
    let top = ouro_hdl::top::top_verilog(&q, &b, 8).unwrap();
    wrapper::check_top_ports(&top, ICEBREAKER_PINS).unwrap();
    let ports = wrapper::module_ports(&top, board::TOP_CORE_MODULE);
    assert_eq!(ports.len(), ICEBREAKER_PINS.len());
    assert_eq!(ports[0], ("clock".to_string(), Dir::In));
    assert!(ouro_hdl::top::top_verilog(&q, &b, 0).is_err());
    // Every lane count the CLI offers builds, the largest included (its lane index check
    // accepts all 16 four-bit indices); one more is refused.
    let max = ouro_hdl::layout::MAX_LANES;
    let top = ouro_hdl::top::top_verilog(&q, &b, max).unwrap();
    assert!(
        top.contains("lane_last = 4'hf"),
        "16 lanes: the last index is 15"
    );
    assert!(ouro_hdl::top::top_verilog(&q, &b, max + 1).is_err());
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn generate_writes_the_sources_and_drops_an_earlier_flows_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("a/build");
    let q = ouro_nn::defaults::qpredictor();
    let b = BoardConfig::default_board();
    let made = board::generate(&q, &b, 8, &out).unwrap();
    assert_eq!(made.len(), 4);
    assert_eq!(
        listing(&out),
        [
            "Makefile",
            "icebreaker.pcf",
            "icebreaker_top.v",
            "ouro_top.v"
        ]
    );
    let pcf = std::fs::read_to_string(out.join(board::PCF_FILE)).unwrap();
    assert_eq!(pcf, pins::pcf(ICEBREAKER_PINS));
    let top = std::fs::read_to_string(out.join(board::TOP_CORE_FILE)).unwrap();
    assert_eq!(top, ouro_hdl::top::top_verilog(&q, &b, 8).unwrap());
    // An earlier flow's bitstream and logs go; the user's own file stays.
    for f in [board::BITSTREAM_FILE, board::NEXTPNR_LOG, "notes.txt"] {
        std::fs::write(out.join(f), "old").unwrap();
    }
    board::generate(&q, &b, 8, &out).unwrap();
    assert_eq!(
        listing(&out),
        [
            "Makefile",
            "icebreaker.pcf",
            "icebreaker_top.v",
            "notes.txt",
            "ouro_top.v"
        ]
    );
    assert_eq!(listing(tmp.path()), ["a"]);
}

/// What `generate` returns.
type Generated = Result<Vec<PathBuf>, HdlError>;

#[test]
fn bad_clocks_predictors_and_outputs_leave_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("file"), "mine").unwrap();
    std::os::unix::fs::symlink(d.join("elsewhere"), d.join("link")).unwrap();
    let q = ouro_nn::defaults::qpredictor();
    let b = BoardConfig::default_board();
    let mut q25 = q.clone();
    q25.clock_hz = 25_000_000;
    let cases: Vec<(&str, Generated, &str)> = vec![
        (
            "onto a file",
            board::generate(&q, &b, 8, &d.join("file")),
            "not a directory",
        ),
        (
            "under a file",
            board::generate(&q, &b, 8, &d.join("file/gw")),
            "ot a directory",
        ),
        (
            "onto a link",
            board::generate(&q, &b, 8, &d.join("link")),
            "symbolic link",
        ),
        (
            "a clock the PLL cannot make",
            board::generate(&q25, &board_at(25_000_000), 8, &d.join("x/gw")),
            "24750000 Hz",
        ),
        (
            "a predictor of another clock",
            board::generate(&q, &board_at(48_000_000), 8, &d.join("x/gw")),
            "re-run `ouro quantize` with this board",
        ),
        (
            "a bad lane count",
            board::generate(&q, &b, 0, &d.join("x/gw")),
            "lane",
        ),
        (
            "a top without the pins' ports",
            board::generate_with_top(&b, &d.join("x/gw"), || {
                Ok("module ouro_top(clock);\n    input wire clock;\nendmodule\n".into())
            }),
            "no port uart_rx",
        ),
    ];
    for (what, r, needle) in cases {
        let e = r.unwrap_err().to_string();
        assert!(e.contains(needle) && !e.contains('\n'), "{what}: {e}");
        assert_eq!(listing(d), ["file", "link"], "{what}");
    }
    assert_eq!(std::fs::read_to_string(d.join("file")).unwrap(), "mine");
}

/// A small `ouro_top` with the pin table's ports: a 24-bit counter on the green LED, the UART
/// line registered back, and `logic` (Verilog statements) added.
fn small_top(logic: &str) -> String {
    let mut v = String::from("module ouro_top (\n");
    let ports: Vec<String> = ICEBREAKER_PINS
        .iter()
        .map(|p| format!("    {} wire {}", p.dir.verilog(), p.signal))
        .collect();
    v.push_str(&ports.join(",\n"));
    v.push_str("\n);\n    reg [23:0] count = 0;\n    reg line = 1;\n");
    v.push_str("    always @(posedge clock) begin\n        count <= count + 1;\n        line <= uart_rx;\n    end\n");
    v.push_str("    assign uart_tx = line;\n    assign led_g_n = count[23];\n    assign led_r_n = adc_sdata;\n");
    for p in ICEBREAKER_PINS.iter().filter(|p| p.dir == Dir::Out) {
        if !["uart_tx", "led_g_n", "led_r_n"].contains(&p.signal) {
            v.push_str(&format!("    assign {} = 1'b0;\n", p.signal));
        }
    }
    v.push_str(logic);
    v.push_str("endmodule\n");
    v
}

#[test]
fn a_small_design_through_the_pll_makes_a_bitstream() {
    if !tools::require("a_small_design_through_the_pll_makes_a_bitstream", &[]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("gw");
    let b = board_at(48_000_000);
    board::generate_with_top(&b, &out, || Ok(small_top(""))).unwrap();
    let r = board::synth(&out).unwrap();
    let get = |n: &str| {
        let r = r.resource(n).unwrap();
        (r.used, r.capacity)
    };
    assert_eq!(get("PLL"), (1, 1));
    assert_eq!(get("I/O"), (ICEBREAKER_PINS.len() as u32, 96));
    assert_eq!(get("LUT4").1, 5280);
    assert!(get("flip-flops").0 >= 25, "{r}");
    assert_eq!(get("EBR"), (0, 30));
    // The PLL's output is the one clock domain, at its 48 MHz target or above.
    assert_eq!(r.clocks.len(), 1, "{r}");
    assert_eq!(r.clocks[0].clock, "clock");
    assert_eq!(r.clocks[0].target_mhz, 48.0);
    assert!(r.clocks[0].fmax_mhz >= 48.0, "{r}");
    assert_eq!(r.bitstream, out.join(board::BITSTREAM_FILE));
    // An iCE40UP5K bitstream is 104,090 bytes.
    assert_eq!(std::fs::metadata(&r.bitstream).unwrap().len(), 104_090);
    for log in [board::YOSYS_LOG, board::NEXTPNR_LOG, board::ICEPACK_LOG] {
        assert!(out.join(log).exists(), "{log}");
    }
    let nextpnr = std::fs::read_to_string(out.join(board::NEXTPNR_LOG)).unwrap();
    assert!(
        nextpnr.contains("constrained PLL 'pll'"),
        "the PLL was not placed"
    );
}

#[test]
fn a_failed_step_is_named_with_its_log() {
    if !tools::require("a_failed_step_is_named_with_its_log", &[]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("gw");
    // A syntax error: yosys.
    let b = BoardConfig::default_board();
    board::generate_with_top(&b, &out, || Ok(small_top("    assign = ;\n"))).unwrap();
    let e = board::synth(&out).unwrap_err().to_string();
    assert!(
        e.starts_with("yosys failed: ")
            && e.contains("ouro_top.v:")
            && e.contains("ERROR: syntax error")
            && e.contains("yosys.log"),
        "{e}"
    );
    assert!(!out.join(board::BITSTREAM_FILE).exists());
    // A 48-bit adder chain at 264 MHz (12 MHz * 44 / 2): nextpnr's timing.
    let b = board_at(264_000_000);
    let wide =
        "    reg [47:0] acc = 0;\n    always @(posedge clock) acc <= acc + {count, count};\n";
    let top = small_top(wide).replace(
        "    assign pulse_pol = 1'b0;\n",
        "    assign pulse_pol = acc[47];\n",
    );
    assert!(top.contains("pulse_pol = acc[47]"));
    board::generate_with_top(&b, &out, || Ok(top)).unwrap();
    let e = board::synth(&out).unwrap_err().to_string();
    assert!(
        e.starts_with("nextpnr-ice40 failed: timing not met: clock 'clock' reaches ")
            && e.contains("below its 264 MHz target")
            && e.contains("nextpnr.log"),
        "{e}"
    );
    assert!(!out.join(board::BITSTREAM_FILE).exists());
    // No sources: the first missing one is named.
    let e = board::synth(tmp.path()).unwrap_err().to_string();
    assert!(e.contains("ouro_top.v is missing"), "{e}");
}
