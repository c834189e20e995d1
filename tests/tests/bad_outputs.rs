//! Bad output paths, a full disk and signals, through every command that writes: the one-line
//! error (exit code 2), and no partial or stray file at or beside the output, even when the
//! write fails part way or the run is interrupted.

use ouro_e2e::bad::{
    args, assert_one_line_error, listing, ouro_bin, ouro_in, ouro_with_file_size_limit, run_cases,
    s, Case, Fixture,
};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Each command that writes a file, with the output at `out`.
fn writers(fx: &Fixture, out: &str) -> Vec<(&'static str, Vec<String>)> {
    let (data, p) = (fx.input("data.csv"), fx.input("predictor.yaml"));
    vec![
        (
            "characterize",
            args(&[
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
        ),
        (
            "train",
            args(&["train", "--data", &data, "--epochs", "1", "--out", out]),
        ),
        ("quantize", args(&["quantize", &p, "--out", out])),
        ("eval", args(&["eval", "--cells", "2", "--cells-csv", out])),
    ]
}

#[test]
fn outputs_that_cannot_be_written_are_refused_up_front() {
    let fx = Fixture::new();
    let d = fx.out();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::write(d.join("file"), "mine").unwrap();
    std::os::unix::fs::symlink(d.join("elsewhere"), d.join("link")).unwrap();
    std::os::unix::fs::symlink(d.join("file"), d.join("link-to-file")).unwrap();
    let mut cases = Vec::new();
    for (out, needles) in [
        (s(&d.join("sub")), &["sub", "is a directory"][..]),
        (s(&d.join("link")), &["link", "symbolic link"]),
        (
            s(&d.join("link-to-file")),
            &["link-to-file", "symbolic link"],
        ),
        (
            s(&d.join("missing/x.out")),
            &["missing", "does not exist", "mkdir -p"],
        ),
        (s(&d.join("file/x.out")), &["file/x.out", "ot a directory"]),
        (
            "/dev/full".to_string(),
            &["/dev/full", "not a regular file"],
        ),
        (
            "/dev/null".to_string(),
            &["/dev/null", "not a regular file"],
        ),
        (".".to_string(), &["cannot write .", "is a directory"]),
        (format!("{}/", s(&d)), &["is a directory"]),
    ] {
        for (name, a) in writers(&fx, &out) {
            cases.push(Case::new(format!("{name} --out {out}"), a, needles));
        }
    }
    let gw = |out: &str| args(&["hdl", "generate", "--out", out]);
    cases.push(Case::new(
        "hdl onto a file",
        gw(&s(&d.join("file"))),
        &["ot a directory"],
    ));
    cases.push(Case::new(
        "hdl under a file",
        gw(&s(&d.join("file/gw"))),
        &["ot a directory"],
    ));
    cases.push(Case::new(
        "hdl onto a link",
        gw(&s(&d.join("link"))),
        &["symbolic link"],
    ));
    cases.push(Case::new(
        "hdl onto a device",
        gw("/dev/null"),
        &["/dev/null"],
    ));
    // The board flow: its sources are a set of files too.
    for cmd in ["generate", "synth"] {
        let board = |out: &str| args(&["hdl", cmd, "--board", "icebreaker", "--out", out]);
        for (what, out, needle) in [
            ("onto a file", s(&d.join("file")), "ot a directory"),
            ("under a file", s(&d.join("file/gw")), "ot a directory"),
            ("onto a link", s(&d.join("link")), "symbolic link"),
            ("onto a device", "/dev/null".to_string(), "/dev/null"),
        ] {
            cases.push(Case::new(
                format!("hdl {cmd} --board {what}"),
                board(&out),
                &[needle],
            ));
        }
    }
    for (name, mut a) in writers(&fx, "") {
        a.pop();
        cases.push(Case::new(
            format!("{name} with no output"),
            a,
            &["required"],
        ));
    }
    assert!(run_cases(&d, &cases) >= 52);
    // Nothing was replaced or followed.
    assert_eq!(std::fs::read_to_string(d.join("file")).unwrap(), "mine");
    assert!(!d.join("elsewhere").exists());
    use std::os::unix::fs::FileTypeExt as _;
    assert!(std::fs::metadata("/dev/full")
        .unwrap()
        .file_type()
        .is_char_device());
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

#[test]
fn inputs_that_cannot_be_read_are_named() {
    let fx = Fixture::new();
    let d = fx.out();
    let fifo = fx.root.path().join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let fifo = s(&fifo);
    let (q, c, p, gw) = (
        fx.out_file("q.yaml"),
        fx.out_file("c.csv"),
        fx.out_file("p.yaml"),
        fx.out_file("gw"),
    );
    let inputs: [(&str, &[&str]); 5] = [
        (
            "/nonexistent/in.yaml",
            &["/nonexistent/in.yaml", "No such file"],
        ),
        ("/", &["directory"]),
        ("/dev/zero", &["/dev/zero", "not a regular file"]),
        (&fifo, &["fifo", "not a regular file"]),
        ("/dev/null", &["/dev/null", "not a regular file"]),
    ];
    let mut cases = Vec::new();
    for (input, needles) in inputs {
        for a in [
            args(&["device", "info", "--device", input]),
            args(&[
                "characterize",
                "--device",
                input,
                "--cells",
                "2",
                "--pulses-per-cell",
                "2",
                "--out",
                &c,
            ]),
            args(&["train", "--data", input, "--epochs", "1", "--out", &p]),
            args(&["quantize", input, "--out", &q]),
            args(&[
                "quantize",
                &fx.input("predictor.yaml"),
                "--board",
                input,
                "--out",
                &q,
            ]),
            args(&[
                "eval",
                "--cells",
                "2",
                "--predictor",
                input,
                "--cells-csv",
                &c,
            ]),
            args(&[
                "eval",
                "--cells",
                "2",
                "--qpredictor",
                input,
                "--cells-csv",
                &c,
            ]),
            args(&["hdl", "generate", "--predictor", input, "--out", &gw]),
            args(&["hdl", "generate", "--board", input, "--out", &gw]),
            args(&["hdl", "synth", "--predictor", input, "--out", &gw]),
            args(&["hdl", "synth", "--board", input, "--out", &gw]),
        ] {
            cases.push(Case::new(format!("input {input}"), a, needles));
        }
    }
    // An argument that is not UTF-8.
    use std::os::unix::ffi::OsStrExt as _;
    let o = Command::new(ouro_bin())
        .args(["device", "info", "--device"])
        .arg(std::ffi::OsStr::from_bytes(b"\xff.yaml"))
        .output()
        .unwrap();
    assert_one_line_error(
        "non-UTF-8 argument",
        &o,
        &["invalid UTF-8", "ouro device info --help"],
    );
    // Bytes that are not UTF-8.
    let latin1 = fx.root.path().join("latin1.yaml");
    std::fs::write(&latin1, b"name: caf\xe9\nd2d: false\nc2c: false\n").unwrap();
    cases.push(Case::new(
        "latin-1 device",
        args(&["device", "info", "--device", &s(&latin1)]),
        &["not UTF-8"],
    ));
    let latin1 = fx.root.path().join("latin1.csv");
    std::fs::write(
        &latin1,
        b"cell,g_before_us,polarity,width_ns,g_after_us\n0,300,s\xe9t,100,310\n",
    )
    .unwrap();
    cases.push(Case::new(
        "latin-1 csv",
        args(&["train", "--data", &s(&latin1), "--out", &p]),
        &["not UTF-8"],
    ));
    assert!(run_cases(&d, &cases) >= 42);
}

#[test]
fn a_full_disk_leaves_nothing() {
    let fx = Fixture::new();
    let d = fx.out();
    let (data, p) = (fx.input("data.csv"), fx.input("predictor.yaml"));
    let x = fx.out_file("x.out");
    let runs: Vec<(&str, u32, Vec<String>)> = vec![
        // About 50 KB of rows against a 4 KB limit.
        (
            "characterize",
            8,
            args(&[
                "characterize",
                "--device",
                "nominal",
                "--cells",
                "100",
                "--pulses-per-cell",
                "10",
                "--age-pulses",
                "0",
                "--out",
                &x,
            ]),
        ),
        (
            "train",
            1,
            args(&[
                "train", "--data", &data, "--epochs", "1", "--hidden", "4", "--out", &x,
            ]),
        ),
        ("quantize", 1, args(&["quantize", &p, "--out", &x])),
        (
            "eval",
            4,
            args(&["eval", "--cells", "200", "--cells-csv", &x]),
        ),
        // A set of files: the 200 KB Verilog fails; no half set, not even the parents created.
        (
            "hdl generate",
            64,
            args(&["hdl", "generate", "--out", &fx.out_file("a/b/gw")]),
        ),
        // The board's sources: the board top's Verilog (tens of KB) fails.
        (
            "hdl generate --board",
            16,
            args(&[
                "hdl",
                "generate",
                "--board",
                "icebreaker",
                "--out",
                &fx.out_file("a/b/gw"),
            ]),
        ),
    ];
    for (name, blocks, a) in &runs {
        let o = ouro_with_file_size_limit(&d, *blocks, a);
        assert_one_line_error(name, &o, &["file too large", "ulimit -f"]);
        assert!(listing(&d).is_empty(), "{name}: {:?}", listing(&d));
    }
    // An earlier output is kept whole when the new one fails.
    for (name, blocks, a) in &runs[..4] {
        std::fs::write(&x, "earlier\n").unwrap();
        let o = ouro_with_file_size_limit(&d, *blocks, a);
        assert_one_line_error(name, &o, &["file too large"]);
        assert_eq!(listing(&d), ["x.out"], "{name}");
        assert_eq!(std::fs::read_to_string(&x).unwrap(), "earlier\n", "{name}");
    }
    // Standard output on a full disk.
    for a in [
        args(&["device", "info"]),
        args(&["eval", "--cells", "2", "--json"]),
    ] {
        let o = Command::new(ouro_bin())
            .args(&a)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_one_line_error(
            "stdout on /dev/full",
            &o,
            &["standard output", "no space left"],
        );
    }
}

/// Start `a` (a long run writing into `dir`), wait until its temporary file has some bytes, wait
/// `after` more, send `signal`, and return its exit code, what is left in `dir`, and its stderr.
fn interrupt(
    dir: &Path,
    a: &[String],
    signal: libc::c_int,
    after: Duration,
) -> (Option<i32>, Vec<String>, String) {
    let child = Command::new(ouro_bin())
        .args(a)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    let kill = |child: &std::process::Child, sig| {
        // SAFETY: a signal to our own child.
        unsafe {
            libc::kill(child.id() as libc::pid_t, sig);
        }
    };
    while listing(dir).is_empty()
        || std::fs::metadata(dir.join(&listing(dir)[0])).map_or(0, |m| m.len()) == 0
    {
        if t.elapsed() > Duration::from_secs(60) {
            kill(&child, libc::SIGKILL);
            panic!("no temporary file written in {dir:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(after);
    kill(&child, signal);
    let o = child.wait_with_output().unwrap();
    let e = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!e.contains("panicked"), "{e}");
    (o.status.code(), listing(dir), e)
}

#[test]
fn an_interrupted_run_removes_its_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = s(&dir.path().join("data.csv"));
    let long = args(&[
        "characterize",
        "--device",
        "nominal",
        "--cells",
        "50000000",
        "--pulses-per-cell",
        "20",
        "--age-pulses",
        "0",
        "--out",
        &out,
    ]);
    let (code, left, _) = interrupt(dir.path(), &long, libc::SIGINT, Duration::from_millis(100));
    assert_eq!(code, Some(130));
    assert!(left.is_empty(), "left behind: {left:?}");
    // Long enough for the plain progress lines a stderr that is not a terminal gets.
    let (code, left, err) = interrupt(
        dir.path(),
        &long,
        libc::SIGTERM,
        Duration::from_millis(2500),
    );
    assert_eq!(code, Some(143));
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(
        err.contains("characterize: ") && err.contains("/50000000 ("),
        "{err}"
    );
    assert!(
        err.trim_end()
            .ends_with("keeps its whole rows: --resume continues)")
            && err.contains("interrupted (SIGTERM): stopped, no partial file left"),
        "{err}"
    );
    // An evaluation streaming its cells.
    let cells = s(&dir.path().join("cells.csv"));
    let long = args(&["eval", "--cells", "100000000", "--cells-csv", &cells]);
    let (code, left, _) = interrupt(dir.path(), &long, libc::SIGTERM, Duration::from_millis(200));
    assert_eq!(code, Some(143));
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = Command::new(ouro_bin())
        .args([
            "device",
            "curve",
            "--polarity",
            "set",
            "--width",
            "1us",
            "--pulses",
            "200000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stderr.is_empty());
}

#[test]
fn hdl_generate_replaces_its_files_and_drops_stale_ones() {
    let dir = tempfile::tempdir().unwrap();
    let gw = dir.path().join("gw");
    let tables = s(&ouro_e2e::bad::repo().join("predictors/nominal.q.yaml"));
    let o = ouro_in(
        dir.path(),
        &args(&["hdl", "generate", "--predictor", &tables, "--out", &s(&gw)]),
    );
    assert!(o.status.success(), "{}", ouro_e2e::bad::stderr(&o));
    assert_eq!(
        listing(&gw),
        [
            "ouro_predictor.v",
            "ouro_predictor_inputs.hex",
            "ouro_predictor_load.hex"
        ]
    );
    std::fs::write(gw.join("top.pcf"), "mine").unwrap();
    // The default predictor has no input tables: the earlier table file goes, the user's stays.
    let o = ouro_in(dir.path(), &args(&["hdl", "generate", "--out", &s(&gw)]));
    assert!(o.status.success(), "{}", ouro_e2e::bad::stderr(&o));
    assert_eq!(
        listing(&gw),
        ["ouro_predictor.v", "ouro_predictor_load.hex", "top.pcf"]
    );
    assert_eq!(listing(dir.path()), ["gw"]);
}

/// An output that is one of the command's own inputs (the same file, through a link too, or a
/// folder that holds one under a name the command writes there) is refused before any work,
/// and the input is left byte for byte.
#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let fx = Fixture::new();
    let dir = fx.root.path().join("inputs");
    let (data, p, q) = (
        fx.input("data.csv"),
        fx.input("predictor.yaml"),
        fx.input("predictor.q.yaml"),
    );
    let device = fx.input("device.yaml");
    std::os::unix::fs::symlink(&data, dir.join("link.csv")).expect("link");
    let targets = fx.write_input("targets.csv", "row,col,target_us\n0,0,300\n");
    let inputs = s(&dir);
    // A results file under the name `analyze` writes its all-cells CSV as.
    let results = s(&dir.join("cells.csv"));
    let o = ouro_in(
        fx.root.path(),
        &args(&[
            "program",
            "--board",
            "model",
            "--targets",
            &targets,
            "--out",
            &results,
        ]),
    );
    assert!(o.status.success(), "{}", ouro_e2e::bad::stderr(&o));
    let link = s(&dir.join("link.csv"));
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "train",
            args(&["train", "--data", &data, "--out", &data, "--epochs", "1"]),
            "data.csv",
        ),
        (
            "train, through a link",
            args(&["train", "--data", &link, "--out", &data, "--epochs", "1"]),
            "link.csv",
        ),
        (
            "quantize",
            args(&["quantize", &p, "--out", &p]),
            "predictor.yaml",
        ),
        (
            "characterize",
            args(&[
                "characterize",
                "--device",
                &device,
                "--cells",
                "2",
                "--pulses-per-cell",
                "2",
                "--out",
                &device,
            ]),
            "device.yaml",
        ),
        (
            "eval",
            args(&[
                "eval",
                "--qpredictor",
                &q,
                "--cells",
                "3",
                "--cells-csv",
                &q,
            ]),
            "predictor.q.yaml",
        ),
        (
            "analyze",
            args(&["analyze", &results, "--out", &inputs]),
            "cells.csv",
        ),
        (
            "program",
            args(&[
                "program",
                "--board",
                "model",
                "--targets",
                &targets,
                "--out",
                &targets,
                "--resume",
            ]),
            "targets.csv",
        ),
    ];
    let before: Vec<(String, Vec<u8>)> = listing(&dir)
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(dir.join(&n)).expect("read")))
        .collect();
    for (what, a, input) in &cases {
        let o = ouro_in(fx.root.path(), a);
        assert_one_line_error(
            what,
            &o,
            &[
                "would overwrite the input",
                input,
                "write the output elsewhere",
            ],
        );
        for (n, bytes) in &before {
            assert_eq!(
                &std::fs::read(dir.join(n)).expect("read"),
                bytes,
                "{what}: {n} changed"
            );
        }
        assert_eq!(
            listing(&dir),
            before.iter().map(|b| b.0.clone()).collect::<Vec<_>>(),
            "{what}"
        );
    }
    // A folder output that holds an input under a name it does not write is fine: `bench`
    // into the folder of its predictor leaves the predictor as it was.
    let o = ouro_in(
        fx.root.path(),
        &args(&[
            "bench",
            "--board",
            "model",
            "--cells",
            "2",
            "--methods",
            "neural-loop",
            "--predictor",
            &q,
            "--out",
            &inputs,
        ]),
    );
    assert!(o.status.success(), "{}", ouro_e2e::bad::stderr(&o));
    assert_eq!(
        std::fs::read(&q).expect("read"),
        before
            .iter()
            .find(|b| b.0 == "predictor.q.yaml")
            .expect("q")
            .1
    );
    // Through a link at --out, a resumed program run is refused too (a new one already is).
    let real = fx.out_file("real.csv");
    std::fs::write(&real, "").expect("real.csv");
    let at = fx.out().join("o.csv");
    std::os::unix::fs::symlink(&real, &at).expect("link");
    let o = ouro_in(
        fx.root.path(),
        &args(&[
            "program",
            "--board",
            "model",
            "--targets",
            &targets,
            "--out",
            &s(&at),
            "--resume",
        ]),
    );
    assert_one_line_error("program --resume through a link", &o, &["symbolic link"]);
    assert_eq!(std::fs::read(&real).expect("read"), b"");
}
