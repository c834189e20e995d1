//! Bad input to the board commands (`ouro program`, `ouro bench`, `ouro analyze`): a missing
//! port, a board that does not answer, a board of another protocol version, a targets file
//! with a bad number (its line named) or a target outside the window, a tolerance of 0 or
//! below. Each is one line on stderr, exit code 2, and no file left behind.

use ouro_core::protocol::{Failure, Response};
use ouro_e2e::bad::{args, assert_one_line_error, listing, ouro_in, run_cases, s, with, Case};
use ouro_host::board::PtyServer;

fn targets(dir: &std::path::Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, format!("row,col,target_us\n{body}")).unwrap();
    s(&p)
}

/// A scripted board on a pseudo-terminal, served from a thread for the rest of the test
/// process; its terminal's path.
fn fake_board(
    handler: impl FnMut(&[u8]) -> Result<Option<Vec<u8>>, ()> + Send + 'static,
) -> String {
    let server = PtyServer::open().expect("a pseudo-terminal");
    let path = server.path().display().to_string();
    std::thread::spawn(move || {
        let _ = server.serve_payloads(handler);
    });
    path
}

#[test]
fn program_refuses_bad_boards_and_bad_targets_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = targets(d, "good.csv", "0,1,200\n0,2,300\n");
    let out = s(&d.join("r.csv"));
    let program = |board: &str, t: &str, extra: &[&str]| {
        let mut a = args(&[
            "program",
            "--board",
            board,
            "--targets",
            t,
            "--out",
            &out,
            "--timeout",
            "300ms",
        ]);
        a.extend(extra.iter().map(|x| (*x).to_string()));
        a
    };
    let fifo = s(&d.join("fifo"));
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let silent = fake_board(|_| Ok(None));
    let other_version = fake_board(|p| {
        Ok(Some(
            Response::Failed {
                opcode: p[0],
                tag: p.get(1).copied().unwrap_or(0),
                failure: Failure::VersionMismatch { major: 2, minor: 0 },
            }
            .encode()
            .unwrap(),
        ))
    });
    let cases: Vec<(&str, Vec<String>, Vec<&str>)> = vec![
        (
            "missing port",
            program("/dev/ttyNOPE7", &good, &[]),
            vec!["/dev/ttyNOPE7 does not exist"],
        ),
        (
            "silent board",
            program(&silent, &good, &[]),
            vec!["did not answer within 300 ms"],
        ),
        (
            "version mismatch",
            program(&other_version, &good, &[]),
            vec!["VERSION_MISMATCH", "protocol 2.0"],
        ),
        (
            "bad number",
            program(
                "model",
                &targets(d, "number.csv", "0,1,200\n0,2,3x0\n"),
                &[],
            ),
            vec!["line 3", "`3x0` is not a number"],
        ),
        (
            "target outside the window",
            program(
                "model",
                &targets(d, "window.csv", "0,1,200\n0,2,900\n"),
                &[],
            ),
            vec!["line 3", "900 uS is outside the device's window"],
        ),
        (
            "cell outside the crossbar",
            program("model", &targets(d, "crossbar.csv", "40,1,200\n"), &[]),
            vec!["line 2", "row 40 is outside the 32 x 32 crossbar"],
        ),
        (
            "tolerance 0",
            program("model", &good, &["--tolerance", "0"]),
            vec!["--tolerance 0% is out of range"],
        ),
        (
            "tolerance below 0",
            program("model", &good, &["--tolerance", "-1%"]),
            vec!["--tolerance -1% is out of range"],
        ),
        (
            "a mode no board runs",
            program("model", &good, &["--mode", "oracle-loop"]),
            vec!["--mode oracle-loop"],
        ),
        (
            "a timeout beyond an hour",
            args(&[
                "program",
                "--board",
                "model",
                "--targets",
                &good,
                "--out",
                &out,
                "--timeout",
                "1e30s",
            ]),
            vec!["--timeout 1e30s is out of range"],
        ),
        (
            "a negative duration",
            program("model", &good, &["--fixed-pulse", "-1us"]),
            vec!["--fixed-pulse"],
        ),
        (
            "the same cell twice",
            program(
                "model",
                &targets(d, "twice.csv", "0,1,200\n0,2,300\n0,1,250\n"),
                &[],
            ),
            vec!["line 4", "is on line 2 already"],
        ),
        (
            "targets from a FIFO",
            program("model", &fifo, &[]),
            vec!["not a regular file"],
        ),
        (
            "a second board that is /dev/null (nothing written for the first)",
            program("model,/dev/null", &good, &[]),
            vec!["/dev/null", "not a terminal device"],
        ),
        (
            "a second board that is a directory",
            program(&format!("model,{}", s(d)), &good, &[]),
            vec!["is not a serial port"],
        ),
        (
            "an empty board name",
            program("model,", &good, &[]),
            vec!["an empty board name"],
        ),
    ];
    let cases: Vec<Case> = cases
        .into_iter()
        .map(|(what, a, needles)| Case::new(what, a, &needles))
        .collect();
    assert_eq!(run_cases(d, &cases), cases.len());
}

#[test]
fn bench_and_analyze_refuse_bad_input_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = s(&d.join("rep"));
    let bench = |extra: &[&str]| {
        with(
            &args(&["bench", "--board", "model", "--cells", "5", "--out", &out]),
            extra,
        )
    };
    let bad_csv = d.join("bad.csv");
    std::fs::write(
        &bad_csv,
        format!("{}\n1,2,3\n", ouro_host::report::csv::HEADER),
    )
    .unwrap();
    // A good row of a results file, with field `k` replaced.
    let good_row =
        "0,0,1,neural-loop,model,200,0.02,150,201,201,0.005,0.02,3,4,10,40,20,15,5,0,in-tolerance";
    let row_with = |k: usize, v: &str| {
        let mut f: Vec<&str> = good_row.split(',').collect();
        f[k] = v;
        let p = d.join(format!("row{k}-{v}.csv"));
        std::fs::write(
            &p,
            format!("{}\n{}\n", ouro_host::report::csv::HEADER, f.join(",")),
        )
        .unwrap();
        s(&p)
    };
    let good_rows = row_with(3, "neural-loop");
    let repeated = d.join("repeated.csv");
    let line = good_row.replacen(",fixed-wv,", ",neural-loop,", 1);
    std::fs::write(
        &repeated,
        format!("{}\n{line}\n{line}\n", ouro_host::report::csv::HEADER),
    )
    .unwrap();
    let cases: Vec<(&str, Vec<String>, Vec<&str>)> = vec![
        (
            "tolerance 0",
            bench(&["--tolerance", "0%"]),
            vec!["--tolerance 0% is out of range"],
        ),
        (
            "tolerance below 0",
            bench(&["--tolerance", "-2"]),
            vec!["out of range"],
        ),
        (
            "tolerance not a number",
            bench(&["--tolerance", "two"]),
            vec!["not a percentage"],
        ),
        ("no cells", bench(&["--cells", "0"]), vec!["--cells 0"]),
        (
            "a serial port",
            bench(&["--board", "/dev/ttyUSB1"]),
            vec!["ouro program"],
        ),
        (
            "unknown method",
            bench(&["--methods", "neural-loop,magic"]),
            vec!["`magic` is not a method"],
        ),
        (
            "analyze: short line",
            args(&["analyze", &s(&bad_csv), "--out", &out]),
            vec!["bad.csv: line 2 has 3 fields"],
        ),
        (
            "a method twice",
            bench(&["--methods", "fixed-wv,fixed-wv"]),
            vec!["--methods names fixed-wv twice"],
        ),
        (
            "analyze: the same file twice",
            args(&["analyze", &good_rows, &good_rows, "--out", &out]),
            vec!["row3-neural-loop.csv is given twice"],
        ),
        (
            "analyze: a negative latency",
            args(&["analyze", &row_with(15, "-1e6"), "--out", &out]),
            vec![
                "line 2",
                "`latency_us` = `-1e6` is not a time of zero or more",
            ],
        ),
        (
            "analyze: RPD_target not a number",
            args(&["analyze", &row_with(10, "nan"), "--out", &out]),
            vec!["line 2", "`rpd_target` = `nan` is not a finite number"],
        ),
        (
            "analyze: a negative final conductance",
            args(&["analyze", &row_with(8, "-1"), "--out", &out]),
            vec!["line 2", "`final_us` = `-1` is not a conductance"],
        ),
        (
            "analyze: no board name",
            args(&["analyze", &row_with(4, ""), "--out", &out]),
            vec!["line 2", "`board` = `` is not a board name"],
        ),
        (
            "analyze: a cell twice",
            args(&["analyze", &s(&repeated), "--out", &out]),
            vec!["line 3 repeats cell", "(line 2)"],
        ),
        (
            "analyze: an unknown method",
            args(&["analyze", &row_with(3, "teleport"), "--out", &out]),
            vec!["line 2", "`method` = `teleport` is not a method"],
        ),
        (
            "analyze: a tolerance of 5 (500 %)",
            args(&["analyze", &row_with(6, "5"), "--out", &out]),
            vec!["line 2", "`tolerance` = `5` is not a tolerance"],
        ),
        (
            "ouro hdl without its subcommand",
            args(&["hdl"]),
            vec!["`ouro hdl` needs a subcommand: generate, synth"],
        ),
    ];
    let cases: Vec<Case> = cases
        .into_iter()
        .map(|(what, a, needles)| Case::new(what, a, &needles))
        .collect();
    assert_eq!(run_cases(d, &cases), cases.len());
}

#[test]
fn a_full_disk_is_one_line_and_leaves_whole_rows_or_nothing() {
    use ouro_e2e::bad::ouro_with_file_size_limit;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut body = String::new();
    for i in 0..50 {
        body.push_str(&format!("{},{},{}\n", i / 32, i % 32, 150 + i * 7));
    }
    let t = targets(d, "t.csv", &body);
    let out = s(&d.join("r.csv"));
    let program = args(&[
        "program",
        "--board",
        "model",
        "--targets",
        &t,
        "--mode",
        "neural-loop",
        "--out",
        &out,
    ]);
    // 1,024 bytes: the header and a few rows fit.
    let o = ouro_with_file_size_limit(d, 2, &program);
    assert_one_line_error(
        "program, full disk",
        &o,
        &["cannot write --out", "--resume"],
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let kept = ouro_host::report::csv::parse(&text, "r.csv", false).expect("whole rows only");
    assert!(!kept.is_empty() && kept.len() < 50, "{} rows", kept.len());
    let mut resume = program.clone();
    resume.push("--resume".into());
    let o = ouro_in(d, &resume);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all =
        ouro_host::report::csv::parse(&std::fs::read_to_string(&out).unwrap(), "r", false).unwrap();
    assert_eq!(all.len(), 50);
    // The bench writes its directory whole or not at all.
    let before = listing(d);
    let bench = args(&[
        "bench",
        "--board",
        "model",
        "--cells",
        "50",
        "--out",
        &s(&d.join("rep")),
    ]);
    let o = ouro_with_file_size_limit(d, 20, &bench);
    assert_one_line_error("bench, full disk", &o, &["rep: file too large"]);
    assert_eq!(listing(d), before, "bench left something behind");
}
