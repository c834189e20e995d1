//! Bad input to the probe-then-predict commands: `characterize --sequences`, training on a
//! sequence CSV, `eval --history`. Every case gives the one-line error (exit code 2) and leaves
//! nothing in the output directory.

use ouro_e2e::bad::{args, repo, run_cases, set_field, shipped, with, Case, Fixture};

/// The path of a shipped file, `rel` from the repository root.
fn path(rel: &str) -> String {
    repo().join(rel).display().to_string()
}

/// `ouro characterize --sequences` into `out`, with `extra` added.
fn sequences(out: &str, extra: &[&str]) -> Vec<String> {
    with(
        &args(&[
            "characterize",
            "--device",
            "realistic",
            "--cells",
            "2",
            "--pulses-per-cell",
            "2",
            "--sequences",
            "--out",
            out,
        ]),
        extra,
    )
}

const HEADER: &str = "cell,step,g_before_us,polarity,amplitude_v,width_ns,g_after_us";

#[test]
fn probe_then_predict_inputs() {
    let fx = Fixture::new();
    let out = fx.out_file("seq.csv");
    let p = fx.out_file("p.yaml");
    let mut cases = vec![
        Case::new(
            "reads 3",
            sequences(&out, &["--reads", "3"]),
            &["--reads 3", "power of two"],
        ),
        Case::new(
            "reads 0",
            sequences(&out, &["--reads", "0"]),
            &["--reads 0", "power of two"],
        ),
        Case::new(
            "reads 32",
            sequences(&out, &["--reads", "32"]),
            &["--reads 32"],
        ),
        Case::new(
            "reads -1",
            sequences(&out, &["--reads", "-1"]),
            &["--reads"],
        ),
        Case::new(
            "levels 0",
            sequences(&out, &["--levels", "0"]),
            &["--levels 0", "1 to 8"],
        ),
        Case::new(
            "levels 9",
            sequences(&out, &["--levels", "9"]),
            &["--levels 9", "1 to 8"],
        ),
        Case::new(
            "levels x",
            sequences(&out, &["--levels", "x"]),
            &["--levels"],
        ),
        Case::new(
            "aim spread 21",
            sequences(&out, &["--aim-spread", "21"]),
            &["--aim-spread 21", "0 to 20"],
        ),
        Case::new(
            "aim spread -1",
            sequences(&out, &["--aim-spread", "-1"]),
            &["--aim-spread"],
        ),
        Case::new(
            "aim spread NaN",
            sequences(&out, &["--aim-spread", "NaN"]),
            &["--aim-spread NaN", "0 to 20"],
        ),
        Case::new(
            "aim spread without sequences",
            args(&[
                "characterize",
                "--device",
                "realistic",
                "--cells",
                "2",
                "--pulses-per-cell",
                "2",
                "--aim-spread",
                "4",
                "--out",
                &out,
            ]),
            &["--sequences"],
        ),
        Case::new(
            "balance and sequences",
            sequences(&out, &["--balance", "3"]),
            &["--balance", "--sequences"],
        ),
        Case::new(
            "board without sequences",
            args(&[
                "characterize",
                "--device",
                "realistic",
                "--cells",
                "2",
                "--pulses-per-cell",
                "2",
                "--board",
                "icebreaker",
                "--out",
                &out,
            ]),
            &["--sequences"],
        ),
        Case::new(
            "reads without sequences",
            args(&[
                "characterize",
                "--device",
                "realistic",
                "--cells",
                "2",
                "--pulses-per-cell",
                "2",
                "--reads",
                "4",
                "--out",
                &out,
            ]),
            &["--sequences"],
        ),
        Case::new(
            "a board read at another voltage",
            sequences(
                &out,
                &[
                    "--board",
                    &fx.write_input(
                        "b.yaml",
                        &set_field(
                            &shipped("boards/icebreaker.yaml"),
                            "read_voltage_v:",
                            "0.15",
                        ),
                    ),
                ],
            ),
            &["read_voltage_v"],
        ),
        Case::new(
            "history-q without history",
            args(&[
                "eval",
                "--cells",
                "2",
                "--history-q",
                &path("predictors/default.q.yaml"),
            ]),
            &["--history"],
        ),
        Case::new(
            "a blind predictor as history",
            args(&[
                "eval",
                "--cells",
                "2",
                "--history",
                &path("predictors/default.yaml"),
            ]),
            &["--history needs a history-aware predictor"],
        ),
        Case::new(
            "a missing history file",
            args(&["eval", "--cells", "2", "--history", &fx.input("none.yaml")]),
            &["none.yaml"],
        ),
        Case::new(
            "a quantized file as history",
            args(&[
                "eval",
                "--cells",
                "2",
                "--history",
                &path("predictors/default.q.yaml"),
            ]),
            &["ouro-qpredictor/1"],
        ),
        Case::new(
            "history reads 5",
            args(&[
                "eval",
                "--cells",
                "2",
                "--history",
                &path("predictors/history.yaml"),
                "--reads",
                "5",
            ]),
            &["reads 5", "power of two"],
        ),
        Case::new(
            "a blind quantization as history-q",
            args(&[
                "eval",
                "--cells",
                "2",
                "--history",
                &path("predictors/history.yaml"),
                "--history-q",
                &path("predictors/default.q.yaml"),
            ]),
            &["not a quantization of the float one"],
        ),
        Case::new(
            "history on another device",
            args(&[
                "eval",
                "--cells",
                "2",
                "--device",
                &fx.write_input(
                    "d.yaml",
                    &set_field(
                        &shipped("presets/realistic.yaml"),
                        "set_amplitude_v:",
                        "-0.35",
                    ),
                ),
                "--history",
                &path("predictors/history.yaml"),
            ]),
            &["level 0"],
        ),
    ];
    // Broken sequence CSVs: each names its line.
    let rows: &[(&str, &[&str])] = &[
        ("0,0,200,set,0.342,100,203", &["line 2", "wrong sign"]),
        ("0,0,200,reset,-0.7,100,190", &["line 2", "wrong sign"]),
        ("0,0,200,set,-0.342,100", &["line 2", "expected 7 fields"]),
        ("0,x,200,set,-0.342,100,203", &["line 2", "step `x`"]),
        ("0,0,200,set,NaN,100,203", &["line 2", "not finite"]),
        ("0,0,200,set,-0.342,0,203", &["line 2", "width_ns"]),
        ("0,0,-1,set,-0.342,100,203", &["line 2", "g_before_us"]),
        ("0,0,200,up,-0.342,100,203", &["line 2", "polarity `up`"]),
    ];
    for (i, (row, needles)) in rows.iter().enumerate() {
        let data = fx.write_input(&format!("bad{i}.csv"), &format!("{HEADER}\n{row}\n"));
        cases.push(Case::new(
            format!("sequence row {row}"),
            args(&["train", "--data", &data, "--out", &p]),
            needles,
        ));
    }
    // Sequences that train nothing: no pulse after a probe, no ladder.
    let lone = fx.write_input(
        "lone.csv",
        &format!("{HEADER}\n0,0,200,set,-0.342,100,203\n1,0,300,reset,0.7065,100,280\n"),
    );
    cases.push(Case::new(
        "no pulse follows a probe",
        args(&["train", "--data", &lone, "--out", &p]),
        &["no pulse that follows a probe"],
    ));
    let one_polarity = fx.write_input(
        "set.csv",
        &format!("{HEADER}\n0,0,200,set,-0.342,100,203\n0,1,203,set,-0.342,1000,260\n"),
    );
    cases.push(Case::new(
        "only SET pulses",
        args(&["train", "--data", &one_polarity, "--out", &p]),
        &["ladder"],
    ));
    cases.push(Case::new(
        "too few rows",
        args(&[
            "train",
            "--data",
            &fx.write_input(
                "few.csv",
                &format!(
                    "{HEADER}\n0,0,200,set,-0.342,100,203\n0,1,203,set,-0.342,1000,260\n\
                     1,0,300,reset,0.7065,100,298\n1,1,298,reset,0.7065,1000,250\n"
                ),
            ),
            "--out",
            &p,
        ]),
        &["usable", "rows"],
    ));
    assert!(run_cases(&fx.out(), &cases) >= 30);
}
