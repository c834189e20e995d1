//! The `ouro` binary end to end: outputs, and bad input giving a one-line error, a non-zero
//! exit and no output file.

use std::path::Path;
use std::process::{Command, Output};

fn ouro(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ouro"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A failed command: non-zero exit, exactly one line on stderr containing `needle`, no panic.
fn assert_one_line_error(o: &Output, needle: &str) {
    let e = stderr(o);
    assert!(!o.status.success(), "expected failure, got success: {e}");
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(!e.contains("panicked"), "{e}");
    assert_eq!(e.trim_end().lines().count(), 1, "not one line: {e}");
    assert!(e.contains(needle), "`{needle}` not in: {e}");
}

#[test]
fn device_curve_prints_the_csv() {
    let o = ouro(&[
        "device",
        "curve",
        "--device",
        "nominal",
        "--polarity",
        "set",
        "--width",
        "1us",
        "--pulses",
        "2",
        "--from-us",
        "353.0118",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "pulse,g_us");
    assert_eq!(lines.len(), 4);
    let g = |l: &str| l.split(',').nth(1).unwrap().parse::<f64>().unwrap();
    // The model's anchor (docs/DEVICE.md): one 1 us SET from N = 0.4 (353.0118 uS) raises G by
    // 3.2792 uS.
    assert!((g(lines[1]) - 353.0118).abs() < 1e-6, "{out}");
    assert!(
        (g(lines[2]) - g(lines[1]) - 3.2792).abs() < 3.2792e-3,
        "{out}"
    );
    assert!(g(lines[3]) > g(lines[2]));
}

#[test]
fn device_info_names_the_window() {
    let o = ouro(&["device", "info", "--device", "realistic"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.contains("94.4530") && out.contains("d2d: true"),
        "{out}"
    );
}

#[test]
fn bad_inputs_give_one_line_errors() {
    assert_one_line_error(
        &ouro(&[
            "device",
            "curve",
            "--polarity",
            "set",
            "--width",
            "5 parsecs",
        ]),
        "parsecs",
    );
    assert_one_line_error(
        &ouro(&["device", "info", "--device", "granite"]),
        "unknown device preset `granite`",
    );
    assert_one_line_error(
        &ouro(&[
            "device",
            "curve",
            "--polarity",
            "reset",
            "--width",
            "1us",
            "--from-us",
            "800",
        ]),
        "outside the device window",
    );
    assert_one_line_error(
        &ouro(&[
            "device",
            "curve",
            "--polarity",
            "set",
            "--width",
            "1us",
            "--amplitude",
            "0.5",
        ]),
        "trusted set range",
    );
    assert_one_line_error(
        &ouro(&["eval", "--cells", "10", "--target-range-us", "20,300"]),
        "outside the device window",
    );
}

#[test]
fn malformed_device_yaml_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "name: x\nd2d: [true\n").unwrap();
    let out = dir.path().join("data.csv");
    let o = ouro(&[
        "characterize",
        "--device",
        bad.to_str().unwrap(),
        "--cells",
        "2",
        "--pulses-per-cell",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_one_line_error(&o, "bad.yaml");
    assert!(!out.exists());
    // Incomplete: a field missing.
    std::fs::write(&bad, "name: x\nd2d: true\n").unwrap();
    assert_one_line_error(
        &ouro(&[
            "characterize",
            "--device",
            bad.to_str().unwrap(),
            "--cells",
            "2",
            "--pulses-per-cell",
            "2",
            "--out",
            out.to_str().unwrap(),
        ]),
        "c2c",
    );
    assert!(!out.exists());
}

#[test]
fn characterize_train_quantize_eval_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let o = ouro(&[
        "characterize",
        "--device",
        "nominal",
        "--cells",
        "40",
        "--pulses-per-cell",
        "50",
        "--seed",
        "3",
        "--out",
        &p("d.csv"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(p("d.csv")).unwrap();
    assert!(text.starts_with("cell,g_before_us,polarity,width_ns,g_after_us\n"));
    assert_eq!(text.lines().count(), 1 + 40 * 50);
    // Same seed, same bytes.
    let o = ouro(&[
        "characterize",
        "--device",
        "nominal",
        "--cells",
        "40",
        "--pulses-per-cell",
        "50",
        "--seed",
        "3",
        "--out",
        &p("d2.csv"),
    ]);
    assert!(o.status.success());
    assert_eq!(text, std::fs::read_to_string(p("d2.csv")).unwrap());

    let o = ouro(&[
        "train",
        "--data",
        &p("d.csv"),
        "--out",
        &p("f.yaml"),
        "--epochs",
        "3",
        "--hidden",
        "8",
        "--seed",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ouro(&["quantize", &p("f.yaml"), "--out", &p("q.yaml")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ouro(&[
        "eval",
        "--predictor",
        &p("f.yaml"),
        "--qpredictor",
        &p("q.yaml"),
        "--device",
        "nominal",
        "--cells",
        "30",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = v["results"].as_array().unwrap();
    // Five blind methods with two metrics each, three probe-then-predict methods (the shipped
    // history-aware predictor) with three, at four tolerances.
    assert_eq!(results.len(), (5 * 2 + 3 * 3) * 4);
    for method in [
        "neural-float",
        "neural-fixed",
        "model-inversion",
        "oracle",
        "oracle-levels",
        "probe-neural-float",
        "probe-neural",
        "probe-oracle",
    ] {
        for metric in ["rpd_target", "rpd_update"] {
            assert!(results
                .iter()
                .any(|r| r["method"] == method && r["metric"] == metric && r["tolerance"] == 0.5));
        }
    }
    // A quantized file given where a float one is expected: named, non-zero, nothing written.
    assert_one_line_error(
        &ouro(&["quantize", &p("q.yaml"), "--out", &p("qq.yaml")]),
        "q.yaml",
    );
    assert!(!Path::new(&p("qq.yaml")).exists());
}

#[test]
fn balanced_data_input_tables_and_sensitivity_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let o = ouro(&[
        "characterize",
        "--device",
        "nominal",
        "--cells",
        "400",
        "--pulses-per-cell",
        "20",
        "--balance",
        "10",
        "--out",
        &p("d.csv"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("at most 10 per bin"), "{}", stderr(&o));
    let rows = std::fs::read_to_string(p("d.csv")).unwrap().lines().count() - 1;
    assert!(rows < 400 * 20 / 2 && rows > 500, "{rows} rows");
    let o = ouro(&[
        "train",
        "--data",
        &p("d.csv"),
        "--out",
        &p("f.yaml"),
        "--epochs",
        "3",
        "--input-knots",
        "8",
        "--weighting",
        "sensitivity",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(p("f.yaml"))
        .unwrap()
        .contains("input_tables:"));
    let o = ouro(&["quantize", &p("f.yaml"), "--out", &p("q.yaml")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ouro(&[
        "eval",
        "--predictor",
        &p("f.yaml"),
        "--qpredictor",
        &p("q.yaml"),
        "--device",
        "nominal",
        "--cells",
        "30",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_one_line_error(
        &ouro(&[
            "train",
            "--data",
            &p("d.csv"),
            "--out",
            &p("g.yaml"),
            "--input-knots",
            "1",
        ]),
        "input_knots",
    );
    assert!(!Path::new(&p("g.yaml")).exists());
}

#[test]
fn a_bad_csv_row_is_reported_with_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.csv");
    std::fs::write(
        &data,
        "cell,g_before_us,polarity,width_ns,g_after_us\n0,100.0,set,1000,101.0\n0,101.0,sideways,1000,102.0\n",
    )
    .unwrap();
    let out = dir.path().join("p.yaml");
    let o = ouro(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_one_line_error(&o, "line 3");
    assert!(!out.exists());
}

#[test]
fn argument_errors_are_one_line_too() {
    assert_one_line_error(&ouro(&["eval", "--cells", "many"]), "--cells");
    assert_one_line_error(&ouro(&["characterize", "--device", "nominal"]), "required");
    assert_one_line_error(&ouro(&["eval", "--target-range-us", "100"]), "two numbers");
    assert!(ouro(&["--help"]).status.success());
}

#[test]
fn hdl_generate_with_blind_writes_the_two_set_engine() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("two");
    let pred = |f: &str| format!("{}/../predictors/{f}", env!("CARGO_MANIFEST_DIR"));
    let o = ouro(&[
        "hdl",
        "generate",
        "--predictor",
        &pred("history.q.yaml"),
        "--blind",
        &pred("default.q.yaml"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("engine: 5-32-1 per polarity x 2 weight sets (set 0 blind, set 1 history-aware), 8 lanes, 73 cycles per prediction"),
        "{}",
        stderr(&o)
    );
    let v = std::fs::read_to_string(out.join(ouro_hdl::VERILOG_FILE)).unwrap();
    assert!(v.contains("    input wire  set;"));
    // The image writes both sets: twice the one-set image of the history predictor.
    let history = ouro_nn::defaults::history_qpredictor();
    let one = ouro_hdl::load_image_text(&history, 8).unwrap();
    let two = std::fs::read_to_string(out.join(ouro_hdl::LOAD_IMAGE_FILE)).unwrap();
    assert_eq!(two.lines().count() - 1, 2 * (one.lines().count() - 1));
    // The history-aware set's input tables, for the table memory's second bank.
    assert_eq!(
        std::fs::read_to_string(out.join(ouro_hdl::INPUT_TABLES_FILE)).unwrap(),
        ouro_hdl::input_tables_text(&history).expect("the shipped history predictor's tables")
    );
    // A blind predictor that does not fit: the history predictor as --blind of the default one.
    assert_one_line_error(
        &ouro(&[
            "hdl",
            "generate",
            "--predictor",
            &pred("default.q.yaml"),
            "--blind",
            &pred("history.q.yaml"),
            "--out",
            out.to_str().unwrap(),
        ]),
        "cannot be embedded",
    );
    // --blind goes with the history-aware --predictor it sizes the probe for.
    assert_one_line_error(
        &ouro(&[
            "hdl",
            "generate",
            "--blind",
            &pred("default.q.yaml"),
            "--out",
            out.to_str().unwrap(),
        ]),
        "--predictor",
    );
}

#[test]
fn hdl_generate_writes_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gw");
    let o = ouro(&[
        "hdl",
        "generate",
        "--lanes",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("engine: 2-16-1 per polarity, 4 lanes, 42 cycles per prediction"),
        "{}",
        stderr(&o)
    );
    let v = std::fs::read_to_string(out.join(ouro_hdl::VERILOG_FILE)).unwrap();
    assert!(v.contains("module ouro_predictor("));
    assert!(out.join(ouro_hdl::LOAD_IMAGE_FILE).exists());
    // The default predictor has no input tables; `nominal` has, and they are written too.
    assert!(!out.join(ouro_hdl::INPUT_TABLES_FILE).exists());
    let nominal = dir.path().join("nominal");
    let o = ouro(&[
        "hdl",
        "generate",
        "--predictor",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../predictors/nominal.q.yaml"),
        "--lanes",
        "2",
        "--out",
        nominal.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tables = std::fs::read_to_string(nominal.join(ouro_hdl::INPUT_TABLES_FILE)).unwrap();
    assert_eq!(tables.lines().count(), 2 * 2 * 4096);
    assert!(tables.lines().all(|l| l.len() == 4));
    assert_one_line_error(
        &ouro(&[
            "hdl",
            "generate",
            "--lanes",
            "0",
            "--out",
            out.to_str().unwrap(),
        ]),
        "lanes",
    );
    assert_one_line_error(
        &ouro(&[
            "hdl",
            "generate",
            "--predictor",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../predictors/default.yaml"),
            "--out",
            out.to_str().unwrap(),
        ]),
        "expected `ouro-qpredictor/1`",
    );
}

#[test]
fn a_bad_device_file_is_refused_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data.csv");
    for (line, field) in [
        ("set_amplitude_v: -1e300", "set_amplitude_v = -1e300"),
        ("reset_amplitude_v: 3.0", "reset_amplitude_v"),
        ("read_voltage_v: 0.0", "read_voltage_v"),
        ("d2d_model:\n  sigma: .nan", "d2d_model.sigma = NaN"),
        (
            "c2c_model:\n  geometry_clip: [1.1, 0.9]",
            "c2c_model.geometry_clip",
        ),
        ("integrator: rk4", "integrator = `rk4`"),
    ] {
        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, format!("name: x\nd2d: true\nc2c: true\n{line}\n")).unwrap();
        let bad = bad.to_str().unwrap();
        assert_one_line_error(
            &ouro(&[
                "characterize",
                "--device",
                bad,
                "--cells",
                "2",
                "--pulses-per-cell",
                "2",
                "--out",
                out.to_str().unwrap(),
            ]),
            field,
        );
        assert!(!out.exists());
        assert_one_line_error(&ouro(&["eval", "--device", bad, "--cells", "2"]), field);
        assert_one_line_error(&ouro(&["device", "info", "--device", bad]), field);
    }
}

/// The iCEBreaker board file with `field: value` in place of its own line.
fn board_with(dir: &Path, field: &str, value: &str) -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../boards/icebreaker.yaml"
    ))
    .unwrap();
    let mut found = false;
    let edited: String = text
        .lines()
        .map(|l| {
            let key = l.trim_start().split(':').next().unwrap_or("");
            if key == field && !found {
                found = true;
                let indent = &l[..l.len() - l.trim_start().len()];
                format!("{indent}{field}: {value}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert!(found, "{field}");
    let path = dir.join(format!("board-{field}.yaml"));
    std::fs::write(&path, edited).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_bad_board_file_is_refused_by_field() {
    let dir = tempfile::tempdir().unwrap();
    for (field, value) in [
        // The whole conductance window in one ADC code.
        ("tia_gain_ohm", "100"),
        // The top of the window beyond full scale.
        ("tia_gain_ohm", "40000"),
        ("clock_hz", "1000000000000"),
        ("oscillator_hz", "0"),
        ("read_noise_us", ".nan"),
        ("max_pulse_cycles", "10"),
    ] {
        let board = board_with(dir.path(), field, value);
        assert_one_line_error(
            &ouro(&[
                "eval", "--device", "nominal", "--board", &board, "--cells", "2",
            ]),
            field,
        );
    }
}

#[test]
fn the_read_voltage_of_a_device_file_is_followed_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    std::fs::write(
        p("low.yaml"),
        "name: low\nd2d: false\nc2c: false\nread_voltage_v: 0.15\n",
    )
    .unwrap();
    let device = ouro_sim::device::DeviceConfig::load(&p("low.yaml")).unwrap();
    let (lo, hi) = device.window_us();
    let nominal = ouro_sim::device::window_conductance_us();
    // At 0.15 V the window is not the 0.2 V one.
    assert!((hi - nominal.1).abs() > 0.5, "{hi}");
    let inside = |g: f64| (lo - 1e-6..=hi + 1e-6).contains(&g);

    let o = ouro(&[
        "characterize",
        "--device",
        &p("low.yaml"),
        "--cells",
        "30",
        "--pulses-per-cell",
        "20",
        "--out",
        &p("d.csv"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(p("d.csv")).unwrap();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        for g in [f[1], f[4]] {
            assert!(inside(g.parse().unwrap()), "{line}");
        }
    }

    // The board must read the cell at the same voltage.
    assert_one_line_error(
        &ouro(&["eval", "--device", &p("low.yaml"), "--cells", "2"]),
        "read_voltage_v",
    );
    let board = board_with(dir.path(), "read_voltage_v", "0.15");
    let o = ouro(&[
        "eval",
        "--device",
        &p("low.yaml"),
        "--board",
        &board,
        "--cells",
        "200",
        "--cells-csv",
        &p("cells.csv"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cells = std::fs::read_to_string(p("cells.csv")).unwrap();
    let mut oracle_hits = 0;
    for line in cells.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        assert!(inside(f[1]) && inside(f[2]), "{line}");
        // The oracle inverts the cell's own model at the device's read voltage: on nominal cells
        // it is nearly exact (as at 0.2 V, `oracle_is_nearly_exact_on_nominal_cells`).
        oracle_hits += usize::from(((f[10] - f[2]) / f[2]).abs() <= 0.10);
    }
    assert!(
        oracle_hits >= 198,
        "oracle within 10 %: {oracle_hits} of 200"
    );
    assert_eq!(cells.lines().count(), 201);
    // Targets above the 0.2 V window's top, inside this device's: accepted and programmed.
    let o = ouro(&[
        "eval",
        "--device",
        &p("low.yaml"),
        "--board",
        &board,
        "--cells",
        "20",
        "--target-range-us",
        &format!("{},{}", nominal.1 + 0.1, hi),
        "--cells-csv",
        &p("top.csv"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for line in std::fs::read_to_string(p("top.csv"))
        .unwrap()
        .lines()
        .skip(1)
    {
        let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        assert!(f[2] > nominal.1 && inside(f[2]), "{line}");
        assert!(((f[10] - f[2]) / f[2]).abs() <= 0.05, "oracle: {line}");
    }
    // A target range is checked against that window too.
    assert_one_line_error(
        &ouro(&[
            "eval",
            "--device",
            &p("low.yaml"),
            "--board",
            &board,
            "--cells",
            "2",
            "--target-range-us",
            &format!("100,{}", hi + 0.1),
        ]),
        "outside the device window",
    );

    // `device curve` starts from that window's ends, and `--from-us` is read against it.
    let low = p("low.yaml");
    let curve = |extra: &[&str]| {
        let mut args = vec![
            "device",
            "curve",
            "--device",
            &low,
            "--polarity",
            "reset",
            "--width",
            "1us",
            "--pulses",
            "1",
        ];
        args.extend_from_slice(extra);
        ouro(&args)
    };
    let o = curve(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let g0: f64 = out
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!((g0 - hi).abs() < 1e-5, "{out}");
    let top = format!("{}", hi - 1e-3);
    assert!(curve(&["--from-us", &top]).status.success());
    assert_one_line_error(
        &curve(&["--from-us", &format!("{}", hi + 0.1)]),
        "outside the device window",
    );
}

#[test]
fn eval_quantizes_the_default_for_a_board_with_another_adc() {
    let dir = tempfile::tempdir().unwrap();
    let board = dir.path().join("adc16.yaml");
    let ice = include_str!("../../boards/icebreaker.yaml");
    let adc16 =
        ice.replacen("name: icebreaker", "name: adc16", 1)
            .replacen("  bits: 12", "  bits: 16", 1);
    assert_ne!(adc16, ice);
    std::fs::write(&board, adc16).unwrap();
    let o = ouro(&[
        "eval",
        "--cells",
        "20",
        "--board",
        board.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"board\": \"adc16\""));
}
