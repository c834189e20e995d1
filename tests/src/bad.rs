//! Helpers of the bad-input suite (`tests/tests/bad_*.rs`, `loader_props.rs`): run `ouro` with a time limit,
//! require the one-line error of the README (exit code 2, one line on stderr naming the problem,
//! no panic or abort), and require that nothing is left at or beside the output.

pub use crate::ouro_bin;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long one run of `ouro` in the suite may take before it counts as a hang.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);

/// Run `cmd` to completion, killing it (and failing) after [`TIME_LIMIT`].
///
/// # Panics
/// If it cannot be started, or runs past the limit.
pub fn run_limited(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ouro");
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let err = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for ouro") {
            break s;
        }
        if t.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {TIME_LIMIT:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// Run `ouro args` in `dir` (its working directory) under [`run_limited`].
pub fn ouro_in(dir: &Path, args: &[String]) -> Output {
    let mut cmd = Command::new(ouro_bin());
    cmd.args(args).current_dir(dir);
    run_limited(cmd)
}

/// `sh -c 'ulimit -f BLOCKS; exec ouro ARGS'` in `dir`: a full disk, as a file-size limit of
/// `blocks` 512-byte blocks.
pub fn ouro_with_file_size_limit(dir: &Path, blocks: u32, args: &[String]) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -f {blocks} && exec \"$0\" \"$@\""))
        .arg(ouro_bin())
        .args(args)
        .current_dir(dir);
    run_limited(cmd)
}

/// The text of `o`'s stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code 2, exactly one line on stderr that starts with `error: ` and contains every needle
/// (case-sensitive), and no sign of a panic or an abort.
///
/// # Panics
/// When any of that fails; `what` names the case.
pub fn assert_one_line_error(what: &str, o: &Output, needles: &[&str]) {
    let e = stderr(o);
    assert!(
        !e.contains("panicked")
            && !e.contains("memory allocation")
            && !e.contains("RUST_BACKTRACE"),
        "{what}: panic or abort: {e}"
    );
    assert_eq!(o.status.code(), Some(2), "{what}: exit code: {e}");
    assert_eq!(e.trim_end().lines().count(), 1, "{what}: not one line: {e}");
    assert!(e.starts_with("error: "), "{what}: {e}");
    // A parser's source excerpt is not part of the line.
    assert!(!e.contains(" --> "), "{what}: {e}");
    for n in needles {
        assert!(e.contains(n), "{what}: `{n}` not in: {e}");
    }
}

/// The names in `dir`, sorted.
///
/// # Panics
/// If it cannot be read.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read the directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A path as a string argument.
///
/// # Panics
/// If it is not UTF-8 (the suite's temporary paths are).
pub fn s(p: &Path) -> String {
    p.to_str().expect("UTF-8 path").to_string()
}

/// Arguments from string slices.
pub fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|x| (*x).to_string()).collect()
}

/// One bad-input case: the arguments of `ouro`, and what its one line must contain.
#[derive(Debug, Clone)]
pub struct Case {
    /// A name for messages.
    pub name: String,
    /// The arguments.
    pub args: Vec<String>,
    /// Strings the error line must contain.
    pub needles: Vec<String>,
}

impl Case {
    /// A case named `name`.
    pub fn new(name: impl Into<String>, args: Vec<String>, needles: &[&str]) -> Self {
        Self {
            name: name.into(),
            args,
            needles: needles.iter().map(|n| (*n).to_string()).collect(),
        }
    }
}

/// Run every case in `dir` (where the outputs of the cases point): each must give the one-line
/// error, and leave the directory as it was. Returns how many cases ran.
///
/// # Panics
/// On the first case that fails.
pub fn run_cases(dir: &Path, cases: &[Case]) -> usize {
    for c in cases {
        let before = listing(dir);
        let o = ouro_in(dir, &c.args);
        if std::env::var_os("OURO_SHOW_ERRORS").is_some() {
            eprint!("{}: {}", c.name, stderr(&o));
        }
        let needles: Vec<&str> = c.needles.iter().map(String::as_str).collect();
        assert_one_line_error(&format!("{} ({:?})", c.name, c.args), &o, &needles);
        assert_eq!(
            listing(dir),
            before,
            "{}: files left behind by {:?}",
            c.name,
            c.args
        );
    }
    cases.len()
}

/// The repository root (for the shipped presets, boards and predictors).
pub fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// A shipped file's text, `rel` from the repository root.
///
/// # Panics
/// If it cannot be read.
pub fn shipped(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).expect("shipped file")
}

/// A small valid characterization CSV (header and a few rows of two cells).
pub const SMALL_CSV: &str = "cell,g_before_us,polarity,width_ns,g_after_us\n\
0,372.621618,reset,83730.43821615014,173.926388\n\
0,227.481018,set,832.1279552774922,228.692156\n\
1,300.000000,set,100.0,310.000000\n\
1,310.000000,reset,100.0,305.000000\n";

/// Valid inputs of every kind, written into a fresh directory `inputs/` beside an empty `out/`
/// where the cases write (so that a listing of `out/` sees any stray file).
#[derive(Debug)]
pub struct Fixture {
    /// Holds both directories.
    pub root: tempfile::TempDir,
}

impl Fixture {
    /// Write the valid inputs.
    ///
    /// # Panics
    /// If they cannot be written.
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("temporary directory");
        let inputs = root.path().join("inputs");
        std::fs::create_dir(&inputs).expect("inputs/");
        std::fs::create_dir(root.path().join("out")).expect("out/");
        for (name, rel) in [
            ("device.yaml", "presets/realistic.yaml"),
            ("board.yaml", "boards/icebreaker.yaml"),
            ("predictor.yaml", "predictors/default.yaml"),
            ("predictor.q.yaml", "predictors/default.q.yaml"),
        ] {
            std::fs::write(inputs.join(name), shipped(rel)).expect("write input");
        }
        // Enough rows to train on, made as a user makes them.
        let data = inputs.join("data.csv");
        let o = ouro_in(
            &inputs,
            &args(&[
                "characterize",
                "--device",
                "nominal",
                "--cells",
                "30",
                "--pulses-per-cell",
                "10",
                "--out",
                &s(&data),
            ]),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::write(inputs.join("small.csv"), SMALL_CSV).expect("write small.csv");
        Self { root }
    }

    /// The directory the cases write into.
    pub fn out(&self) -> PathBuf {
        self.root.path().join("out")
    }

    /// A path in `out/`.
    pub fn out_file(&self, name: &str) -> String {
        s(&self.out().join(name))
    }

    /// A path in `inputs/`.
    pub fn input(&self, name: &str) -> String {
        s(&self.root.path().join("inputs").join(name))
    }

    /// Write `text` as `inputs/name` and return its path.
    ///
    /// # Panics
    /// If it cannot be written.
    pub fn write_input(&self, name: &str, text: &str) -> String {
        let p = self.root.path().join("inputs").join(name);
        std::fs::write(&p, text).expect("write input");
        s(&p)
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

/// Replace the first line of `text` that starts with `key` (after indentation) by
/// `key value`, keeping the indentation.
///
/// # Panics
/// If no line starts with `key` (the fixture changed).
pub fn set_field(text: &str, key: &str, value: &str) -> String {
    let mut done = false;
    let out: Vec<String> = text
        .lines()
        .map(|l| {
            let t = l.trim_start();
            if !done && t.starts_with(key) {
                done = true;
                let indent = &l[..l.len() - t.len()];
                format!("{indent}{key} {value}")
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(done, "no line starts with `{key}`");
    out.join("\n") + "\n"
}

/// `base` with each `--flag value` pair of `extra` replacing that flag's value in `base`, or
/// appended when `base` does not have it.
///
/// # Panics
/// If `extra` is not made of pairs.
pub fn with(base: &[String], extra: &[&str]) -> Vec<String> {
    assert!(extra.len() % 2 == 0, "pairs of flag and value");
    let mut a = base.to_vec();
    for pair in extra.chunks(2) {
        match a.iter().position(|x| x == pair[0]) {
            Some(i) if i + 1 < a.len() => a[i + 1] = pair[1].to_string(),
            _ => a.extend([pair[0].to_string(), pair[1].to_string()]),
        }
    }
    a
}
