//! The promise of the README, class by class: every error is one line naming the problem and the
//! fix, exit code 2, no panic, and a failed (or interrupted) command leaves no partial or stray
//! file at or beside its output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ouro"))
}

fn ouro(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code 2, exactly one line on stderr containing every needle, no panic.
fn assert_one_line_error(o: &Output, needles: &[&str]) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        !e.contains("panicked") && !e.contains("memory allocation"),
        "{e}"
    );
    assert_eq!(e.trim_end().lines().count(), 1, "not one line: {e}");
    for n in needles {
        assert!(e.contains(n), "`{n}` not in: {e}");
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn characterize_args(cells: &str, out: &Path) -> Vec<String> {
    [
        "characterize",
        "--device",
        "nominal",
        "--cells",
        cells,
        "--pulses-per-cell",
        "20",
        "--age-pulses",
        "0",
        "--out",
        s(out),
    ]
    .map(String::from)
    .to_vec()
}

/// Run `args` in `dir`, expect a one-line error, and check that the directory is unchanged.
fn fails_cleanly(dir: &Path, args: &[String], needles: &[&str]) {
    let before = listing(dir);
    let o = bin().args(args).output().unwrap();
    assert_one_line_error(&o, needles);
    assert_eq!(listing(dir), before, "files left behind by {args:?}");
}

#[test]
fn outputs_that_are_not_regular_files_are_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A device (as root, this used to replace /dev/full with a regular file).
    let o = bin()
        .args(characterize_args("5", Path::new("/dev/full")))
        .output()
        .unwrap();
    assert_one_line_error(&o, &["/dev/full", "not a regular file"]);
    use std::os::unix::fs::FileTypeExt as _;
    assert!(std::fs::metadata("/dev/full")
        .unwrap()
        .file_type()
        .is_char_device());
    // A directory where a file is expected.
    std::fs::create_dir(d.join("sub")).unwrap();
    fails_cleanly(
        d,
        &characterize_args("5", &d.join("sub")),
        &["is a directory"],
    );
    // A symbolic link: neither replaced nor followed.
    std::os::unix::fs::symlink(d.join("elsewhere.csv"), d.join("link.csv")).unwrap();
    fails_cleanly(
        d,
        &characterize_args("5", &d.join("link.csv")),
        &["link.csv", "symbolic link"],
    );
    assert!(!d.join("elsewhere.csv").exists());
    // hdl generate: a file where the directory goes.
    std::fs::write(d.join("gw"), "mine").unwrap();
    fails_cleanly(
        d,
        &["hdl", "generate", "--out", s(&d.join("gw"))].map(String::from),
        &["not a directory"],
    );
    assert_eq!(std::fs::read_to_string(d.join("gw")).unwrap(), "mine");
}

#[test]
fn output_directories_are_checked_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = Instant::now();
    // Far too long a run to finish: the missing directory must be reported at once.
    fails_cleanly(
        d,
        &characterize_args("100000000", &d.join("missing/data.csv")),
        &["missing", "does not exist", "mkdir -p"],
    );
    let out = d.join("missing/p.q.yaml");
    let pred = concat!(env!("CARGO_MANIFEST_DIR"), "/../predictors/default.yaml");
    fails_cleanly(
        d,
        &["quantize", pred, "--out", s(&out)].map(String::from),
        &["mkdir -p"],
    );
    fails_cleanly(
        d,
        &[
            "eval",
            "--cells",
            "100000000",
            "--cells-csv",
            s(&d.join("missing/cells.csv")),
        ]
        .map(String::from),
        &["does not exist"],
    );
    assert!(t.elapsed() < Duration::from_secs(30), "checked late");
    // A directory that cannot be written (root writes anywhere: skip that part as root).
    // SAFETY: a plain libc query.
    if unsafe { libc::geteuid() } != 0 {
        use std::os::unix::fs::PermissionsExt as _;
        let ro = d.join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        fails_cleanly(
            &ro,
            &characterize_args("5", &ro.join("x.csv")),
            &["not writable"],
        );
    }
}

/// `sh -c 'ulimit -f BLOCKS; exec ouro ARGS'` in `dir`.
fn with_file_size_limit(blocks: u32, args: &[String]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -f {blocks} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_ouro"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_write_that_fails_part_way_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // About 1 MB of rows against a 64 KB limit.
    let out = d.join("data.csv");
    let o = with_file_size_limit(128, &characterize_args("500", &out));
    assert_one_line_error(&o, &["data.csv", "file too large", "ulimit -f"]);
    assert!(listing(d).is_empty(), "{:?}", listing(d));
    // A set of files: the 200 KB Verilog fails; no half set, not even the parents created.
    let gw = d.join("a/b/gw");
    let o = with_file_size_limit(64, &["hdl", "generate", "--out", s(&gw)].map(String::from));
    assert_one_line_error(&o, &["file too large"]);
    assert!(listing(d).is_empty(), "{:?}", listing(d));
    // An earlier output is kept whole when the new one fails.
    std::fs::write(&out, "earlier\n").unwrap();
    let o = with_file_size_limit(128, &characterize_args("500", &out));
    assert_one_line_error(&o, &["file too large"]);
    assert_eq!(listing(d), ["data.csv"]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "earlier\n");
}

/// Start a characterization that runs for a long time, wait until rows are being written into
/// its temporary file, wait `after` more, send `signal`, and return its exit code, what is left
/// in its directory, and its stderr.
fn interrupt(signal: libc::c_int, after: Duration) -> (Option<i32>, Vec<String>, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data.csv");
    let child = bin()
        .args(characterize_args("50000000", &out))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while listing(dir.path()).is_empty() {
        assert!(t.elapsed() < Duration::from_secs(20), "no temporary file");
        std::thread::sleep(Duration::from_millis(20));
    }
    let tmp = dir.path().join(&listing(dir.path())[0]);
    while std::fs::metadata(&tmp).map_or(0, |m| m.len()) == 0 {
        assert!(t.elapsed() < Duration::from_secs(60), "no rows written");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(after);
    // SAFETY: a signal to our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
    let o = child.wait_with_output().unwrap();
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    (o.status.code(), listing(dir.path()), stderr(&o))
}

#[test]
fn an_interrupted_run_removes_its_temporary_file() {
    let (code, left, _) = interrupt(libc::SIGINT, Duration::from_millis(100));
    assert_eq!(code, Some(130));
    assert!(left.is_empty(), "left behind: {left:?}");
    // Long enough for the plain progress lines a stderr that is not a terminal gets.
    let (code, left, err) = interrupt(libc::SIGTERM, Duration::from_millis(2500));
    assert_eq!(code, Some(143));
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(
        err.contains("characterize: ") && err.contains("/50000000 ("),
        "{err}"
    );
}

#[test]
fn hdl_generate_replaces_its_files_and_drops_stale_ones() {
    let dir = tempfile::tempdir().unwrap();
    let gw = dir.path().join("gw");
    let tables = concat!(env!("CARGO_MANIFEST_DIR"), "/../predictors/nominal.q.yaml");
    let o = ouro(&["hdl", "generate", "--predictor", tables, "--out", s(&gw)]);
    assert!(o.status.success(), "{}", stderr(&o));
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
    let o = ouro(&["hdl", "generate", "--out", s(&gw)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        listing(&gw),
        ["ouro_predictor.v", "ouro_predictor_load.hex", "top.pcf"]
    );
    assert_eq!(listing(dir.path()), ["gw"]);
}

#[test]
fn counts_too_large_are_refused_not_aborted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fails_cleanly(
        d,
        &characterize_args("100000000000", &d.join("data.csv")),
        &["--cells 100000000000", "32-bit", "fewer cells"],
    );
    fails_cleanly(
        d,
        &[
            "eval",
            "--cells",
            "1000000000000",
            "--cells-csv",
            s(&d.join("cells.csv")),
        ]
        .map(String::from),
        &["--cells 1000000000000", "would need", "GB", "fewer cells"],
    );
}

#[test]
fn clap_errors_keep_the_whole_diagnosis_on_one_line() {
    // A missing required argument is named.
    let o = ouro(&["characterize", "--device", "nominal", "--cells", "2"]);
    assert_one_line_error(
        &o,
        &[
            "--pulses-per-cell",
            "--out",
            "(see `ouro characterize --help`)",
        ],
    );
    // The tip about a similar argument.
    let o = ouro(&["eval", "--cell", "2"]);
    assert_one_line_error(&o, &["--cell", "tip", "'--cells'", "ouro eval --help"]);
    // The valid values.
    let o = ouro(&["eval", "--start", "middle"]);
    assert_one_line_error(&o, &["middle", "possible values: uniform, walk"]);
    // A nested command names itself.
    let o = ouro(&[
        "device",
        "curve",
        "--polarity",
        "sideways",
        "--width",
        "1us",
    ]);
    assert_one_line_error(&o, &["sideways", "(see `ouro device curve --help`)"]);
    // `ouro` alone: the usage and the commands, exit 2.
    let o = ouro(&[]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("Usage: ouro <COMMAND>") && e.contains("characterize") && e.contains("eval"),
        "{e}"
    );
}

#[test]
fn messages_say_what_is_wrong() {
    // A reversed range is called reversed, not outside the window.
    let o = ouro(&["eval", "--cells", "10", "--target-range-us", "400,150"]);
    assert_one_line_error(&o, &["400,150", "reversed", "150,400"]);
    // YAML: file:line:column and the message, without the parser's source excerpt.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "format: ouro-predictor/1\nfeatures: [g_now\n").unwrap();
    let o = ouro(&["quantize", s(&bad), "--out", s(&dir.path().join("q.yaml"))]);
    assert_one_line_error(&o, &["bad.yaml:2:", "unclosed bracket"]);
    let e = stderr(&o);
    assert!(!e.contains("-->") && !e.contains(" | "), "{e}");
    // The same in a device file.
    std::fs::write(&bad, "name: x\nd2d: [true\n").unwrap();
    let o = ouro(&[
        "device",
        "curve",
        "--device",
        s(&bad),
        "--polarity",
        "set",
        "--width",
        "1us",
    ]);
    assert_one_line_error(&o, &["bad.yaml:2:"]);
    assert!(!stderr(&o).contains("-->"), "{}", stderr(&o));
    assert_eq!(listing(dir.path()), ["bad.yaml"]);
}

#[test]
fn eval_quantizes_the_default_for_a_board_with_another_adc() {
    let dir = tempfile::tempdir().unwrap();
    let board: PathBuf = dir.path().join("adc16.yaml");
    let ice = include_str!("../../boards/icebreaker.yaml");
    let adc16 =
        ice.replacen("name: icebreaker", "name: adc16", 1)
            .replacen("  bits: 12", "  bits: 16", 1);
    assert_ne!(adc16, ice);
    std::fs::write(&board, adc16).unwrap();
    let o = ouro(&["eval", "--cells", "20", "--board", s(&board), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"board\": \"adc16\""));
}
