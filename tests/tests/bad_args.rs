//! Bad command-line values, class by class: durations, counts, numbers, choices and missing
//! arguments, through every subcommand. Every case must give the one-line error (exit code 2,
//! one line on stderr naming the problem) quickly (a count too large is refused up front, not
//! run for hours or aborted) and leave nothing in the output directory.

use ouro_e2e::bad::{args, run_cases, with, Case, Fixture};

/// `ouro device curve` with one more argument pair.
fn curve(extra: &[&str]) -> Vec<String> {
    with(
        &args(&[
            "device",
            "curve",
            "--polarity",
            "set",
            "--width",
            "1us",
            "--pulses",
            "2",
        ]),
        extra,
    )
}

/// `ouro characterize` into `out`, with `extra` overriding or adding arguments.
fn characterize(out: &str, extra: &[&str]) -> Vec<String> {
    with(
        &args(&[
            "characterize",
            "--device",
            "nominal",
            "--cells",
            "2",
            "--pulses-per-cell",
            "2",
            "--out",
            out,
        ]),
        extra,
    )
}

#[test]
fn durations() {
    let fx = Fixture::new();
    let out = fx.out_file("x.csv");
    let bad: &[(&str, &[&str])] = &[
        ("", &["duration"]),
        ("1", &["`1`"]),
        ("us", &["`us`"]),
        ("5 parsecs", &["parsecs"]),
        ("-1us", &["-1us", "positive"]),
        ("0ns", &["0ns", "positive"]),
        ("0", &["`0`"]),
        ("NaNus", &["NaNus", "positive and finite"]),
        ("infs", &["infs", "positive and finite"]),
        ("1e400s", &["1e400s"]),
        ("1usus", &["1usus"]),
        ("1,5us", &["1,5us"]),
    ];
    let mut cases = Vec::new();
    for (w, needles) in bad {
        cases.push(Case::new(
            format!("curve --width {w}"),
            curve(&["--width", w]),
            needles,
        ));
        cases.push(Case::new(
            format!("characterize --min-width {w}"),
            characterize(&out, &["--min-width", w]),
            needles,
        ));
    }
    cases.push(Case::new(
        "width range reversed",
        characterize(&out, &["--min-width", "1ms", "--max-width", "1us"]),
        &["--min-width must not exceed --max-width"],
    ));
    cases.push(Case::new(
        "max width of ages",
        characterize(&out, &["--max-width", "1e300s"]),
        &["--max-width", "give at most 100"],
    ));
    cases.push(Case::new(
        "a curve of no pulses",
        curve(&["--pulses", "0"]),
        &["--pulses 0", "at least 1"],
    ));
    cases.push(Case::new(
        "max width junk",
        characterize(&out, &["--max-width", "ten"]),
        &["ten"],
    ));
    assert!(run_cases(&fx.out(), &cases) >= 26);
}

#[test]
fn counts() {
    let fx = Fixture::new();
    let x = fx.out_file("x.csv");
    let c = fx.out_file("cells.csv");
    let p = fx.out_file("p.yaml");
    let gw = fx.out_file("gw");
    let data = fx.input("data.csv");
    let train = |extra: &[&str]| {
        with(
            &args(&["train", "--data", &data, "--out", &p, "--epochs", "1"]),
            extra,
        )
    };
    let eval = |extra: &[&str]| with(&args(&["eval", "--cells", "2", "--cells-csv", &c]), extra);
    let cases = vec![
        // device curve
        Case::new(
            "curve pulses huge",
            curve(&["--pulses", "100000000000"]),
            &["--pulses 100000000000", "1000000"],
        ),
        Case::new(
            "curve pulses limit+1",
            curve(&["--pulses", "1000001"]),
            &["--pulses 1000001", "1000000"],
        ),
        Case::new(
            "curve pulses 2^64",
            curve(&["--pulses", "18446744073709551616"]),
            &["--pulses", "18446744073709551616"],
        ),
        Case::new(
            "curve pulses negative",
            curve(&["--pulses", "-1"]),
            &["'-1'", "--pulses"],
        ),
        Case::new(
            "curve pulses float",
            curve(&["--pulses", "1.5"]),
            &["'1.5'", "--pulses"],
        ),
        Case::new(
            "curve pulses word",
            curve(&["--pulses", "many"]),
            &["'many'"],
        ),
        Case::new(
            "curve seed negative",
            curve(&["--seed", "-1"]),
            &["'-1'", "--seed"],
        ),
        // characterize
        Case::new(
            "cells zero",
            characterize(&x, &["--cells", "0"]),
            &["--cells", "at least 1"],
        ),
        Case::new(
            "cells 2^32+1",
            characterize(&x, &["--cells", "4294967297"]),
            &["--cells 4294967297", "32-bit"],
        ),
        Case::new(
            "cells 10^11",
            characterize(&x, &["--cells", "100000000000"]),
            &["--cells 100000000000", "fewer cells"],
        ),
        Case::new(
            "cells negative",
            characterize(&x, &["--cells", "-3"]),
            &["'-3'", "--cells"],
        ),
        Case::new(
            "cells empty",
            characterize(&x, &["--cells", ""]),
            &["--cells"],
        ),
        Case::new(
            "pulses per cell zero",
            characterize(&x, &["--pulses-per-cell", "0"]),
            &["--pulses-per-cell", "at least 1"],
        ),
        Case::new(
            "pulses per cell huge",
            characterize(&x, &["--pulses-per-cell", "100000000000"]),
            &["--pulses-per-cell 100000000000", "1000000"],
        ),
        Case::new(
            "pulses per cell limit+1",
            characterize(&x, &["--pulses-per-cell", "1000001"]),
            &["--pulses-per-cell 1000001"],
        ),
        Case::new(
            "age pulses huge",
            characterize(&x, &["--age-pulses", "100000000000"]),
            &["--age-pulses 100000000000", "1000000"],
        ),
        Case::new(
            "age pulses limit+1",
            characterize(&x, &["--age-pulses", "1000001"]),
            &["--age-pulses 1000001"],
        ),
        Case::new(
            "balance zero",
            characterize(&x, &["--balance", "0"]),
            &["--balance"],
        ),
        Case::new(
            "balance negative",
            characterize(&x, &["--balance", "-2"]),
            &["'-2'", "--balance"],
        ),
        Case::new(
            "start choice",
            characterize(&x, &["--start", "middle"]),
            &["middle", "uniform, walk"],
        ),
        // eval
        Case::new(
            "eval cells zero",
            eval(&["--cells", "0"]),
            &["--cells", "at least 1"],
        ),
        Case::new(
            "eval cells 2^32+1",
            eval(&["--cells", "4294967297"]),
            &["--cells 4294967297", "fewer cells"],
        ),
        Case::new(
            "eval cells 10^12",
            eval(&["--cells", "1000000000000"]),
            &["--cells 1000000000000"],
        ),
        Case::new(
            "eval cells negative",
            eval(&["--cells", "-1"]),
            &["'-1'", "--cells"],
        ),
        Case::new(
            "eval age huge",
            eval(&["--age-pulses", "100000000000"]),
            &["--age-pulses 100000000000", "1000000"],
        ),
        Case::new(
            "eval start choice",
            eval(&["--start", "middle"]),
            &["middle", "uniform, walk"],
        ),
        Case::new("eval seed word", eval(&["--seed", "x"]), &["'x'", "--seed"]),
        // train
        Case::new(
            "epochs zero",
            train(&["--epochs", "0"]),
            &["'0'", "--epochs", "1..=1000000"],
        ),
        Case::new(
            "epochs huge",
            train(&["--epochs", "4000000000"]),
            &["'4000000000'", "--epochs", "1..=1000000"],
        ),
        Case::new(
            "epochs limit+1",
            train(&["--epochs", "1000001"]),
            &["'1000001'", "--epochs", "1..=1000000"],
        ),
        Case::new(
            "epochs 2^32",
            train(&["--epochs", "4294967296"]),
            &["'4294967296'", "--epochs", "1..=1000000"],
        ),
        Case::new("hidden zero", train(&["--hidden", "0"]), &["hidden", "[0]"]),
        Case::new("hidden 65", train(&["--hidden", "65"]), &["hidden", "65"]),
        Case::new(
            "hidden huge",
            train(&["--hidden", "16,100000000000"]),
            &["hidden", "100000000000"],
        ),
        Case::new(
            "hidden too deep",
            train(&["--hidden", "4,4,4,4,4,4,4,4"]),
            &["hidden takes at most 7 layers", "got 8"],
        ),
        Case::new(
            "hidden empty item",
            train(&["--hidden", "16,,16"]),
            &["--hidden"],
        ),
        Case::new(
            "hidden negative",
            train(&["--hidden", "-4"]),
            &["'-4'", "--hidden"],
        ),
        Case::new("batch zero", train(&["--batch-size", "0"]), &["batch_size"]),
        Case::new(
            "knots one",
            train(&["--input-knots", "1"]),
            &["input_knots", "1"],
        ),
        Case::new(
            "knots huge",
            train(&["--input-knots", "1025"]),
            &["input_knots", "1025"],
        ),
        Case::new(
            "weighting choice",
            train(&["--weighting", "heavy"]),
            &["heavy", "change, sensitivity"],
        ),
        // hdl generate
        Case::new(
            "lanes zero",
            args(&["hdl", "generate", "--lanes", "0", "--out", &gw]),
            &["lanes", "0"],
        ),
        Case::new(
            "lanes 17",
            args(&["hdl", "generate", "--lanes", "17", "--out", &gw]),
            &["lanes", "17"],
        ),
        Case::new(
            "lanes huge",
            args(&["hdl", "generate", "--lanes", "100000000000", "--out", &gw]),
            &["lanes", "100000000000"],
        ),
        Case::new(
            "lanes negative",
            args(&["hdl", "generate", "--lanes", "-8", "--out", &gw]),
            &["'-8'", "--lanes"],
        ),
    ];
    assert!(run_cases(&fx.out(), &cases) >= 40);
}

#[test]
fn numbers() {
    let fx = Fixture::new();
    let c = fx.out_file("cells.csv");
    let p = fx.out_file("p.yaml");
    let data = fx.input("data.csv");
    let train = |flag: &str, v: &str| {
        with(
            &args(&["train", "--data", &data, "--out", &p, "--epochs", "1"]),
            &[flag, v],
        )
    };
    let eval_range = |v: &str| {
        args(&[
            "eval",
            "--cells",
            "2",
            "--cells-csv",
            &c,
            "--target-range-us",
            v,
        ])
    };
    let cases = vec![
        Case::new(
            "amplitude NaN",
            curve(&["--amplitude", "nan"]),
            &["amplitude NaN", "trusted set range"],
        ),
        Case::new(
            "amplitude wrong sign",
            curve(&["--amplitude", "0.4"]),
            &["amplitude 0.4", "trusted set range"],
        ),
        Case::new(
            "amplitude reset sign",
            args(&[
                "device",
                "curve",
                "--polarity",
                "reset",
                "--width",
                "1us",
                "--amplitude",
                "-0.7",
            ]),
            &["trusted reset range"],
        ),
        Case::new(
            "amplitude huge",
            curve(&["--amplitude", "1e308"]),
            &["trusted set range"],
        ),
        Case::new(
            "amplitude word",
            curve(&["--amplitude", "high"]),
            &["'high'", "--amplitude"],
        ),
        Case::new(
            "from NaN",
            curve(&["--from-us", "nan"]),
            &["NaN", "device window"],
        ),
        Case::new(
            "from inf",
            curve(&["--from-us", "inf"]),
            &["inf", "device window"],
        ),
        Case::new(
            "from negative",
            curve(&["--from-us", "-5"]),
            &["-5", "device window"],
        ),
        Case::new(
            "from above",
            curve(&["--from-us", "800"]),
            &["800", "device window"],
        ),
        Case::new(
            "polarity",
            curve(&["--polarity", "sideways"]),
            &["sideways"],
        ),
        Case::new("range one number", eval_range("200"), &["two numbers"]),
        Case::new(
            "range three numbers",
            eval_range("200,300,400"),
            &["two numbers"],
        ),
        Case::new(
            "range NaN",
            eval_range("nan,300"),
            &["NaN", "not two numbers"],
        ),
        Case::new(
            "range reversed",
            eval_range("400,150"),
            &["reversed", "150,400"],
        ),
        Case::new("range empty", eval_range("300,300"), &["300,300", "empty"]),
        Case::new(
            "range below window",
            eval_range("20,300"),
            &["outside the device window"],
        ),
        Case::new(
            "range negative",
            eval_range("-5,300"),
            &["outside the device window"],
        ),
        Case::new("range word", eval_range("low,high"), &["'low'"]),
        Case::new(
            "learning rate NaN",
            train("--learning-rate", "nan"),
            &["learning_rate", "NaN"],
        ),
        Case::new(
            "learning rate negative",
            train("--learning-rate", "-0.1"),
            &["learning_rate"],
        ),
        Case::new(
            "learning rate zero",
            train("--learning-rate", "0"),
            &["learning_rate"],
        ),
        Case::new(
            "learning rate diverges",
            train("--learning-rate", "1e300"),
            &["diverged", "lower the learning rate"],
        ),
        Case::new(
            "weight floor negative",
            train("--weight-floor", "-1"),
            &["weight_floor"],
        ),
        Case::new(
            "weight power",
            train("--weight-power", "9"),
            &["weight_power"],
        ),
        Case::new(
            "robust scale inf",
            train("--robust-scale", "inf"),
            &["robust_scale"],
        ),
        Case::new(
            "weight decay one",
            train("--weight-decay", "1"),
            &["weight_decay"],
        ),
        Case::new(
            "weight decay NaN",
            train("--weight-decay", "NaN"),
            &["weight_decay"],
        ),
    ];
    assert!(run_cases(&fx.out(), &cases) >= 27);
}

#[test]
fn arguments_and_choices() {
    let fx = Fixture::new();
    let x = fx.out_file("x.csv");
    let q = fx.out_file("q.yaml");
    let cases = vec![
        Case::new(
            "missing required",
            args(&["characterize", "--device", "nominal", "--cells", "2"]),
            &[
                "--pulses-per-cell",
                "--out",
                "(see `ouro characterize --help`)",
            ],
        ),
        Case::new(
            "misspelt flag",
            args(&["eval", "--cell", "2"]),
            &["--cell", "tip", "'--cells'", "ouro eval --help"],
        ),
        Case::new("unknown subcommand", args(&["simulate"]), &["simulate"]),
        Case::new(
            "unknown nested",
            args(&["hdl", "synthesize"]),
            &["synthesize"],
        ),
        Case::new(
            "unknown device preset",
            args(&["device", "info", "--device", "granite"]),
            &["unknown device preset `granite`"],
        ),
        Case::new(
            "empty device",
            args(&["device", "info", "--device", ""]),
            &["unknown device preset"],
        ),
        Case::new(
            "unknown board",
            args(&["eval", "--cells", "2", "--board", "arty"]),
            &["unknown board `arty`", "icebreaker"],
        ),
        Case::new(
            "unknown board quantize",
            args(&[
                "quantize",
                &fx.input("predictor.yaml"),
                "--board",
                "arty",
                "--out",
                &q,
            ]),
            &["unknown board `arty`"],
        ),
        Case::new(
            "a flag twice",
            args(&[
                "characterize",
                "--device",
                "nominal",
                "--device",
                "c2c",
                "--cells",
                "2",
                "--pulses-per-cell",
                "2",
                "--out",
                &x,
            ]),
            &["--device"],
        ),
        Case::new(
            "quantize no predictor",
            args(&["quantize", "--out", &q]),
            &["<PREDICTOR>"],
        ),
        Case::new(
            "quantize two predictors",
            args(&["quantize", "a.yaml", "b.yaml", "--out", &q]),
            &["b.yaml"],
        ),
        Case::new(
            "json takes no value",
            args(&["eval", "--json=yes"]),
            &["--json"],
        ),
        Case::new(
            "device preset on the wrong board",
            args(&[
                "eval",
                "--cells",
                "2",
                "--board",
                "ideal",
                "--qpredictor",
                &fx.input("predictor.q.yaml"),
            ]),
            &["re-run `ouro quantize` with this board"],
        ),
    ];
    assert!(run_cases(&fx.out(), &cases) >= 13);
}

/// `ouro hdl generate --board` and `ouro hdl synth`: unknown boards, clocks the PLL cannot make,
/// a predictor of another clock, lane counts, missing and conflicting options. None writes
/// anything (and none reaches the tools).
#[test]
fn board_flow_options() {
    let fx = Fixture::new();
    let gw = fx.out_file("gw");
    let board = ouro_e2e::bad::shipped("boards/icebreaker.yaml");
    let edit = |name: &str, edits: &[(&str, &str)]| {
        let mut text = board.clone();
        for (k, v) in edits {
            text = ouro_e2e::bad::set_field(&text, k, v);
        }
        fx.write_input(name, &text)
    };
    // 25 MHz: 12 MHz * n / 2^q makes 24.75 and 25.125 MHz around it.
    let b25 = edit("b25.yaml", &[("clock_hz:", "25000000")]);
    // A valid board at 36 MHz, with the default predictor made for 12 MHz.
    let b36 = edit("b36.yaml", &[("clock_hz:", "36000000")]);
    // An oscillator below the PLL's 10 MHz input.
    let slow = edit("slow.yaml", &[("oscillator_hz:", "8000000")]);
    let generate = |extra: &[&str]| {
        with(
            &args(&["hdl", "generate", "--board", "icebreaker", "--out", &gw]),
            extra,
        )
    };
    let synth = |extra: &[&str]| with(&args(&["hdl", "synth", "--out", &gw]), extra);
    let mut cases = Vec::new();
    for (what, run) in [
        ("generate", &generate as &dyn Fn(&[&str]) -> Vec<String>),
        ("synth", &synth),
    ] {
        cases.extend([
            Case::new(
                format!("{what}: unknown board"),
                run(&["--board", "arty"]),
                &["unknown board `arty`", "icebreaker"],
            ),
            Case::new(
                format!("{what}: a clock the PLL cannot make"),
                run(&["--board", &b25]),
                &[
                    "clock_hz = 25000000",
                    "24750000 Hz (24.75 MHz)",
                    "25125000 Hz (25.125 MHz)",
                ],
            ),
            Case::new(
                format!("{what}: a predictor of another clock"),
                run(&["--board", &b36]),
                &["12000000 Hz clock", "36000000 Hz", "re-run `ouro quantize`"],
            ),
            Case::new(
                format!("{what}: an oscillator the PLL cannot take"),
                run(&["--board", &slow]),
                &["10 to 133 MHz", "8 MHz", "oscillator_hz"],
            ),
            Case::new(
                format!("{what}: lanes zero"),
                run(&["--lanes", "0"]),
                &["lanes", "0"],
            ),
            Case::new(
                format!("{what}: lanes 17"),
                run(&["--lanes", "17"]),
                &["lanes", "17"],
            ),
            Case::new(
                format!("{what}: missing predictor"),
                run(&["--predictor", &fx.out_file("none.q.yaml")]),
                &["none.q.yaml"],
            ),
        ]);
    }
    cases.extend([
        Case::new(
            "generate: --blind with --board",
            generate(&["--blind", &fx.input("predictor.q.yaml")]),
            &["--blind", "--board"],
        ),
        Case::new(
            "synth: no output",
            args(&["hdl", "synth", "--board", "icebreaker"]),
            &["--out", "required", "ouro hdl synth --help"],
        ),
        Case::new(
            "synth: empty board",
            synth(&["--board", ""]),
            &["unknown board"],
        ),
    ]);
    assert!(run_cases(&fx.out(), &cases) >= 17);
}

/// `ouro hdl synth` without the tools on PATH: one line naming each and how to install them,
/// and nothing written.
#[test]
fn synth_without_the_tools_names_them() {
    let root = tempfile::tempdir().unwrap();
    let (empty, out) = (root.path().join("empty-bin"), root.path().join("out"));
    std::fs::create_dir(&empty).unwrap();
    std::fs::create_dir(&out).unwrap();
    let o = std::process::Command::new(ouro_e2e::ouro_bin())
        .args(["hdl", "synth", "--board", "icebreaker", "--out"])
        .arg(out.join("a/gw"))
        .env("PATH", &empty)
        .output()
        .unwrap();
    ouro_e2e::bad::assert_one_line_error(
        "synth without tools",
        &o,
        &[
            "make, yosys, nextpnr-ice40, icepack",
            "scripts/setup",
            "apt-get install make yosys nextpnr-ice40 fpga-icestorm",
        ],
    );
    assert!(ouro_e2e::bad::listing(&out).is_empty());
}
