//! Bad input files, class by class: device YAML, board YAML, float and quantized predictor YAML
//! and characterization CSV, each through every command that reads it. Every case must give the
//! one-line error (exit code 2, one line on stderr naming the problem) and leave nothing in the
//! output directory.

use ouro_e2e::bad::{args, run_cases, set_field, Case, Fixture};

/// Mutations of a YAML file: (label, text, what the error must name).
type Mutation = (&'static str, String, Vec<&'static str>);

/// A command line around an input file's path.
type Command<'a> = &'a dyn Fn(&str) -> Vec<String>;

/// Device files: syntax, schema and range errors.
fn device_mutations() -> Vec<Mutation> {
    let ok = ouro_e2e::bad::shipped("presets/realistic.yaml");
    let f = |k: &str, v: &str| set_field(&ok, k, v);
    vec![
        ("empty", String::new(), vec!["device config"]),
        ("a list", "- a\n- b\n".into(), vec!["device config"]),
        (
            "no name",
            ok.replacen("name: realistic", "", 1),
            vec!["name"],
        ),
        ("empty name", f("name:", "\"\""), vec!["name is empty"]),
        (
            "unknown field",
            ok.clone() + "colour: blue\n",
            vec!["colour"],
        ),
        ("bool as word", f("d2d:", "maybe"), vec!["d2d"]),
        (
            "set positive",
            f("set_amplitude_v:", "0.3"),
            vec!["set_amplitude_v", "0.3"],
        ),
        (
            "reset NaN",
            f("reset_amplitude_v:", ".nan"),
            vec!["reset_amplitude_v"],
        ),
        (
            "read huge",
            f("read_voltage_v:", "1e999"),
            vec!["read_voltage_v"],
        ),
        (
            "read string",
            f("read_voltage_v:", "high"),
            vec!["read_voltage_v"],
        ),
        (
            "integrator",
            f("integrator:", "rk4"),
            vec!["integrator", "rk4"],
        ),
        ("sigma negative", f("sigma:", "-1"), vec!["d2d_model.sigma"]),
        (
            "clip reversed",
            f("ndiscmax:", "[22.0, 18.0]"),
            vec!["d2d_model.ndiscmax"],
        ),
        ("clip short", f("ndiscmin:", "[0.004]"), vec!["ndiscmin"]),
        (
            "step inf",
            f("geometry_step:", ".inf"),
            vec!["c2c_model.geometry_step"],
        ),
        (
            "unclosed",
            f("geometry_clip:", "[0.9, 1.1"),
            vec!["device config"],
        ),
        (
            "truncated",
            ok[..ok.find("22.0]").expect("ndiscmax")].to_string(),
            vec!["device config"],
        ),
        (
            "tab indent",
            ok.replacen("  sigma", "\tsigma", 1),
            vec!["device config"],
        ),
    ]
}

/// Board files.
fn board_mutations() -> Vec<Mutation> {
    let ok = ouro_e2e::bad::shipped("boards/icebreaker.yaml");
    let f = |k: &str, v: &str| set_field(&ok, k, v);
    vec![
        ("empty", String::new(), vec!["board"]),
        (
            "clock zero",
            f("clock_hz:", "0"),
            vec!["clock_hz = 0", "[1000000, 500000000]"],
        ),
        (
            "clock huge",
            f("clock_hz:", "99999999999999999999999"),
            vec!["clock_hz"],
        ),
        ("clock negative", f("clock_hz:", "-12"), vec!["clock_hz"]),
        (
            "oscillator zero",
            f("oscillator_hz:", "0"),
            vec!["oscillator_hz = 0", "[1000000, 500000000]"],
        ),
        (
            "oscillator huge",
            f("oscillator_hz:", "600000000"),
            vec!["oscillator_hz = 600000000"],
        ),
        (
            "oscillator word",
            f("oscillator_hz:", "fast"),
            vec!["oscillator_hz"],
        ),
        (
            "no oscillator",
            ok.replacen("oscillator_hz:", "#", 1),
            vec!["oscillator_hz"],
        ),
        ("adc bits", f("bits:", "20"), vec!["adc.bits", "20"]),
        (
            "full scale NaN",
            f("full_scale_v:", ".nan"),
            vec!["adc.full_scale_v"],
        ),
        (
            "conversion zero",
            f("conversion_ns:", "0"),
            vec!["adc.conversion_ns = 0"],
        ),
        (
            "noise negative",
            f("read_noise_us:", "-1"),
            vec!["read_noise_us = -1"],
        ),
        (
            "min cycles zero",
            f("min_pulse_cycles:", "0"),
            vec!["min_pulse_cycles"],
        ),
        (
            "max cycles one",
            f("max_pulse_cycles:", "1"),
            vec!["max_pulse_cycles"],
        ),
        (
            "gain tiny",
            f("tia_gain_ohm:", "1"),
            vec!["tia_gain_ohm = 1"],
        ),
        ("empty name", f("name:", "\"\""), vec!["name is empty"]),
        ("adc part empty", f("part:", "\"\""), vec!["adc.part"]),
        (
            "sclk div zero",
            f("sclk_div:", "0"),
            vec!["adc.sclk_div = 0", "[1, 255]"],
        ),
        (
            "sclk too fast",
            f("max_sclk_hz:", "5000000"),
            vec!["adc.sclk_div = 1", "adc.max_sclk_hz = 5000000"],
        ),
        (
            "quiet huge",
            f("t_quiet_ns:", "200000"),
            vec!["adc.t_quiet_ns = 200000"],
        ),
        (
            "reference zero",
            f("reference_v:", "0"),
            vec!["dac.reference_v = 0"],
        ),
        (
            "set limit beyond full scale",
            f("limit_set_v:", "1.5"),
            vec!["dac.limit_set_v = 1.5", "dac.full_scale_v = 1"],
        ),
        (
            "reset limit negative",
            f("limit_reset_v:", "-0.5"),
            vec!["dac.limit_reset_v = -0.5"],
        ),
        (
            "rows zero",
            f("rows:", "0"),
            vec!["mux.rows = 0", "[1, 32]"],
        ),
        ("cols 64", f("cols:", "64"), vec!["mux.cols = 64"]),
        (
            "switch time huge",
            f("switch_ns:", "2000000"),
            vec!["mux.switch_ns = 2000000"],
        ),
        (
            "no mux",
            ok[..ok.find("mux:").expect("mux")].to_string()
                + &ok[ok.find("read_noise_us:").expect("noise")..],
            vec!["mux"],
        ),
        ("unknown field", ok.clone() + "leds: 3\n", vec!["leds"]),
        (
            "no clock",
            ok.replacen("clock_hz:", "#", 1),
            vec!["clock_hz"],
        ),
        ("unclosed", ok.clone() + "extra: [1\n", vec!["board"]),
    ]
}

/// Float predictor files.
fn predictor_mutations() -> Vec<Mutation> {
    let ok = ouro_e2e::bad::shipped("predictors/default.yaml");
    let f = |k: &str, v: &str| set_field(&ok, k, v);
    vec![
        ("empty", String::new(), vec!["predictor"]),
        (
            "quantized",
            ouro_e2e::bad::shipped("predictors/default.q.yaml"),
            vec!["ouro-qpredictor/1", "ouro-predictor/1"],
        ),
        (
            "format",
            f("format:", "ouro-predictor/9"),
            vec!["ouro-predictor/9"],
        ),
        (
            "output std NaN",
            f("output_std:", ".nan"),
            vec!["output_std"],
        ),
        (
            "output mean string",
            f("output_mean:", "x"),
            vec!["output_mean"],
        ),
        ("unknown field", ok.clone() + "extra: 1\n", vec!["extra"]),
        (
            "truncated",
            ok[..ok.len() / 3].to_string(),
            vec!["predictor"],
        ),
        (
            "features",
            ok.replacen("- g_target\n", "", 1),
            vec!["predictor"],
        ),
        (
            "weight NaN",
            ok.replacen("- - 0.29752446950218714", "- - .nan", 1),
            vec!["predictor"],
        ),
        (
            "weight inf",
            ok.replacen("- - 0.29752446950218714", "- - 1e999", 1),
            vec!["predictor"],
        ),
        (
            "a row short",
            ok.replacen("        - -0.30903100828532115\n", "", 1),
            vec!["predictor"],
        ),
    ]
}

/// Quantized predictor files.
fn qpredictor_mutations() -> Vec<Mutation> {
    let ok = ouro_e2e::bad::shipped("predictors/default.q.yaml");
    let f = |k: &str, v: &str| set_field(&ok, k, v);
    vec![
        ("empty", String::new(), vec!["quantized predictor"]),
        (
            "float",
            ouro_e2e::bad::shipped("predictors/default.yaml"),
            vec!["ouro-predictor/1", "ouro-qpredictor/1"],
        ),
        ("adc bits", f("adc_bits:", "30"), vec!["adc_bits"]),
        ("min cycles", f("min_cycles:", "0"), vec!["min_cycles"]),
        (
            "max cycles",
            f("max_cycles:", "4294967295"),
            vec!["max_cycles"],
        ),
        ("clock string", f("clock_hz:", "fast"), vec!["clock_hz"]),
        ("unknown field", ok.clone() + "extra: 1\n", vec!["extra"]),
        (
            "truncated",
            ok[..ok.len() / 2].to_string(),
            vec!["quantized predictor"],
        ),
        (
            "offsets bad",
            f("input_offsets:", "[1]"),
            vec!["quantized predictor"],
        ),
    ]
}

/// Every mutation of a kind, written to a file and given to each command that reads that kind.
fn cases_for(
    fx: &Fixture,
    kind: &str,
    mutations: Vec<Mutation>,
    commands: &[Command<'_>],
) -> Vec<Case> {
    let mut cases = Vec::new();
    for (k, (label, text, needles)) in mutations.into_iter().enumerate() {
        let name = format!("{kind}-{k}.yaml");
        let path = fx.write_input(&name, &text);
        for cmd in commands {
            let mut n = needles.clone();
            n.push(&name);
            cases.push(Case::new(format!("{kind}: {label}"), cmd(&path), &n));
        }
    }
    cases
}

#[test]
fn device_files() {
    let fx = Fixture::new();
    let (x, c) = (fx.out_file("x.csv"), fx.out_file("cells.csv"));
    let cases = cases_for(
        &fx,
        "device",
        device_mutations(),
        &[
            &|p| args(&["device", "info", "--device", p]),
            &|p| {
                args(&[
                    "device",
                    "curve",
                    "--device",
                    p,
                    "--polarity",
                    "set",
                    "--width",
                    "1us",
                ])
            },
            &|p| {
                args(&[
                    "characterize",
                    "--device",
                    p,
                    "--cells",
                    "2",
                    "--pulses-per-cell",
                    "2",
                    "--out",
                    &x,
                ])
            },
            &|p| args(&["eval", "--device", p, "--cells", "2", "--cells-csv", &c]),
        ],
    );
    assert!(run_cases(&fx.out(), &cases) >= 70);
}

#[test]
fn board_files() {
    let fx = Fixture::new();
    let (q, c, gw) = (
        fx.out_file("q.yaml"),
        fx.out_file("cells.csv"),
        fx.out_file("gw"),
    );
    let p = fx.input("predictor.yaml");
    let cases = cases_for(
        &fx,
        "board",
        board_mutations(),
        &[
            &|b| args(&["quantize", &p, "--board", b, "--out", &q]),
            &|b| args(&["eval", "--board", b, "--cells", "2", "--cells-csv", &c]),
            &|b| args(&["hdl", "generate", "--board", b, "--out", &gw]),
            &|b| args(&["hdl", "synth", "--board", b, "--out", &gw]),
        ],
    );
    assert!(run_cases(&fx.out(), &cases) >= 100);
}

#[test]
fn predictor_files() {
    let fx = Fixture::new();
    let (q, c, gw) = (
        fx.out_file("q.yaml"),
        fx.out_file("cells.csv"),
        fx.out_file("gw"),
    );
    let mut cases = cases_for(
        &fx,
        "predictor",
        predictor_mutations(),
        &[&|p| args(&["quantize", p, "--out", &q]), &|p| {
            args(&["eval", "--predictor", p, "--cells", "2", "--cells-csv", &c])
        }],
    );
    cases.extend(cases_for(
        &fx,
        "qpredictor",
        qpredictor_mutations(),
        &[
            &|p| args(&["eval", "--qpredictor", p, "--cells", "2", "--cells-csv", &c]),
            &|p| args(&["hdl", "generate", "--predictor", p, "--out", &gw]),
            &|p| {
                args(&[
                    "hdl",
                    "generate",
                    "--board",
                    "icebreaker",
                    "--predictor",
                    p,
                    "--out",
                    &gw,
                ])
            },
            &|p| args(&["hdl", "synth", "--predictor", p, "--out", &gw]),
        ],
    ));
    assert!(run_cases(&fx.out(), &cases) >= 40);
}

#[test]
fn characterization_csv() {
    let fx = Fixture::new();
    let out = fx.out_file("p.yaml");
    let header = "cell,g_before_us,polarity,width_ns,g_after_us\n";
    let row = "0,300.000000,set,100.0,310.000000\n";
    let bad: Vec<(&str, String, &[&str])> = vec![
        ("empty", String::new(), &["header"]),
        ("header only", header.into(), &["no rows"]),
        ("wrong header", "a,b,c,d,e\n".to_string() + row, &["header"]),
        (
            "polarity",
            format!("{header}0,300,up,100,310\n"),
            &["line 2", "up"],
        ),
        (
            "width NaN",
            format!("{header}0,300,set,NaN,310\n"),
            &["line 2", "width"],
        ),
        (
            "width negative",
            format!("{header}0,300,set,-5,310\n"),
            &["line 2", "width"],
        ),
        (
            "width zero",
            format!("{header}0,300,set,0,310\n"),
            &["line 2", "width"],
        ),
        ("g inf", format!("{header}0,inf,set,100,310\n"), &["line 2"]),
        (
            "g negative",
            format!("{header}0,-300,set,100,310\n"),
            &["line 2"],
        ),
        (
            "g text",
            format!("{header}0,300,set,100,lots\n"),
            &["line 2"],
        ),
        (
            "cell text",
            format!("{header}x,300,set,100,310\n"),
            &["line 2", "cell"],
        ),
        (
            "cell huge",
            format!("{header}99999999999999999999,300,set,100,310\n"),
            &["line 2", "cell"],
        ),
        ("short row", format!("{header}0,300,set,100\n"), &["line 2"]),
        (
            "long row",
            format!("{header}0,300,set,100,310,7\n"),
            &["line 2"],
        ),
        (
            "bad 3rd line",
            format!("{header}{row}0,300,set\n"),
            &["line 3"],
        ),
        (
            "not UTF-8",
            format!("{header}0,300,s\u{e9}t,100,310\n").replace('\u{e9}', "\u{fffd}"),
            &["line 2"],
        ),
        ("binary", "\u{0}\u{1}\u{2}\n".into(), &["header"]),
    ];
    let mut cases = Vec::new();
    for (k, (label, text, needles)) in bad.into_iter().enumerate() {
        let name = format!("data-{k}.csv");
        let path = fx.write_input(&name, &text);
        let mut n = needles.to_vec();
        n.push(&name);
        cases.push(Case::new(
            format!("csv: {label}"),
            args(&["train", "--data", &path, "--out", &out, "--epochs", "1"]),
            &n,
        ));
    }
    // A file past the size limit (sparse: it takes no disk) is refused before it is read, for
    // training data and for the sequences eval and train read alike.
    let huge = fx.input("huge.csv");
    let f = std::fs::File::create(&huge).expect("create huge.csv");
    f.set_len(ouro_core::input::MAX_CSV_BYTES + 1)
        .expect("extend huge.csv");
    cases.push(Case::new(
        "csv: larger than the limit",
        args(&["train", "--data", &huge, "--out", &out, "--epochs", "1"]),
        &["huge.csv", "4294967297 bytes", "right file"],
    ));
    assert!(run_cases(&fx.out(), &cases) >= 18);
}

/// A quantized predictor that a command cannot honour is refused, not run as something else:
/// `program` with one whose inputs the board's sequencer does not feed (the reading and the
/// target swapped), `eval` with a `--qpredictor` that is not a quantization of `--predictor`,
/// `hdl generate` with a clock no board has.
#[test]
fn predictors_a_command_cannot_honour_are_refused() {
    use ouro_e2e::bad::{args, run_cases, set_field, shipped, Case, Fixture};
    let fx = Fixture::new();
    let q = shipped("predictors/default.q.yaml");
    let swapped = q.replacen("- g_now\n- g_target", "- g_target\n- g_now", 1);
    assert_ne!(swapped, q, "the features are listed as the test expects");
    let swapped = fx.write_input("swapped.q.yaml", &swapped);
    let no_clock = fx.write_input("c0.q.yaml", &set_field(&q, "clock_hz:", "0"));
    let targets = fx.write_input("t.csv", "row,col,target_us\n0,0,300\n");
    let (out, gw) = (fx.out_file("r.csv"), fx.out_file("gw"));
    let history_q = ouro_e2e::bad::repo().join("predictors/history.q.yaml");
    let cases = [
        Case::new(
            "program, swapped inputs",
            args(&[
                "program",
                "--board",
                "model",
                "--targets",
                &targets,
                "--out",
                &out,
                "--predictor",
                &swapped,
            ]),
            &["swapped.q.yaml", "(g_now, g_target)"],
        ),
        Case::new(
            "eval, a history quantization for a blind float predictor",
            args(&[
                "eval",
                "--predictor",
                &fx.input("predictor.yaml"),
                "--qpredictor",
                history_q.to_str().unwrap(),
                "--cells",
                "5",
                "--no-probe",
            ]),
            &["not a quantization", "predictor.yaml"],
        ),
        Case::new(
            "hdl generate, clock_hz 0",
            args(&["hdl", "generate", "--predictor", &no_clock, "--out", &gw]),
            &["c0.q.yaml", "clock_hz = 0", "ouro quantize"],
        ),
    ];
    assert_eq!(run_cases(&fx.out(), &cases), 3);
}
