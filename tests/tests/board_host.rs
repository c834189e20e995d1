//! The host and its boards end to end, through the `ouro` binary as a user runs it:
//! `ouro bench` on the model (the report a user reads), the simulated board against the model
//! on a shared run, a `SerialBoard` through a pseudo-terminal against `ouro sim-board --pty`,
//! several boards at once, and `ouro program --resume` after a killed run.

use ouro_e2e::{ouro, ouro_bin};
use ouro_host::report::{csv, CellRow};
use std::io::BufRead as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn ok(o: &std::process::Output, what: &str) -> String {
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{what}: {e}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn rows(path: &Path) -> Vec<CellRow> {
    let text = std::fs::read_to_string(path).unwrap();
    csv::parse(&text, &path.display().to_string(), false).unwrap()
}

/// The rows without what legitimately differs between two boards: their name.
fn unnamed(mut r: Vec<CellRow>) -> Vec<String> {
    r.iter_mut()
        .map(|r| {
            r.board.clear();
            csv::line(r)
        })
        .collect()
}

fn has_verilator(what: &str) -> bool {
    ouro_verilated::require_verilator(what)
}

#[test]
fn bench_on_the_model_writes_the_report_a_user_reads() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let t = Instant::now();
    let o = ouro(&[
        "bench",
        "--board",
        "model",
        "--cells",
        "300",
        "--seed",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = ok(&o, "ouro bench --board model");
    eprintln!("{:.1} s\n{stdout}", t.elapsed().as_secs_f64());
    let names = [
        "fixed-wv",
        "adaptive-wv",
        "host-adaptive-wv",
        "inversion-loop",
        "neural-one-shot",
        "neural-loop",
        "probe-neural",
        "probe-neural-loop",
        "oracle-loop",
    ];
    for n in names {
        assert!(stdout.contains(n), "the table names {n}: {stdout}");
    }
    let rep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(rep["device"], "realistic");
    assert_eq!(rep["board"], "model");
    assert_eq!(rep["cells"], 300);
    assert_eq!(rep["seed"], 3);
    assert_eq!(rep["tolerance"], 0.02);
    let methods = rep["methods"].as_array().unwrap();
    let got: Vec<&str> = methods
        .iter()
        .map(|m| m["method"].as_str().unwrap())
        .collect();
    assert_eq!(got, names);
    let field = |m: &serde_json::Value, k: &str| m[k].as_f64().unwrap_or_else(|| panic!("{k}"));
    for m in methods {
        let name = m["method"].as_str().unwrap();
        let rate = field(m, "success_rate");
        assert!((0.0..=1.0).contains(&rate), "{name}");
        for k in [
            "mean_pulses",
            "p99_pulses",
            "median_latency_us",
            "p99_latency_us",
        ] {
            assert!(field(m, k) >= 0.0, "{name} {k}");
        }
        let mean = field(m, "mean_latency_us");
        let b = &m["latency_breakdown_us"];
        let parts: f64 = ["read", "predict", "pulse", "link"]
            .iter()
            .map(|k| field(b, k))
            .sum();
        assert!(
            (parts - mean).abs() <= 1e-6 * mean.max(1.0),
            "{name}: the breakdown {parts} adds up to the mean {mean}"
        );
        let link = field(b, "link");
        assert_eq!(
            link > 0.0,
            name == "host-adaptive-wv",
            "{name}: link {link}"
        );
    }
    let by = |n: &str| methods.iter().find(|m| m["method"] == n).unwrap();
    // The closed loops finish what the one shots leave.
    assert!(
        field(by("neural-loop"), "success_rate") > field(by("neural-one-shot"), "success_rate")
    );
    assert!(field(by("oracle-loop"), "success_rate") > 0.9);
    // Per-cell CSVs: all cells, and one per method.
    let all = rows(&out.join("cells.csv"));
    assert_eq!(all.len(), 300 * names.len());
    for n in names {
        let r = rows(&out.join(format!("cells-{n}.csv")));
        assert_eq!(r.len(), 300, "{n}");
        assert!(r
            .iter()
            .enumerate()
            .all(|(i, r)| r.cell == i && r.method == n));
    }
    // The plots, as SVG and PNG (PNG text needs DejaVu Sans, which scripts/setup installs),
    // and the page that holds them.
    let font = std::env::var_os("OURO_FONT").is_some()
        || Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists();
    if !font {
        assert!(
            std::env::var_os("OURO_REQUIRE_VERILATOR").is_none(),
            "no DejaVu Sans for the PNG plots: run scripts/setup"
        );
        eprintln!("SKIPPED: the PNG plots (no DejaVu Sans: run scripts/setup)");
    }
    for p in [
        "rpd_target",
        "latency_cdf",
        "pulses",
        "latency_breakdown",
        "trajectories",
    ] {
        let svg = std::fs::read_to_string(out.join(format!("{p}.svg"))).unwrap();
        assert!(svg.contains("<svg"), "{p}");
        if font {
            let png = std::fs::read(out.join(format!("{p}.png"))).unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{p}");
        }
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.matches("<svg").count() >= 5);
    for n in names {
        assert!(html.contains(n), "{n}");
    }
    // `ouro analyze` of the per-cell rows gives the same summaries.
    let analyzed = dir.path().join("analyzed");
    ok(
        &ouro(&[
            "analyze",
            out.join("cells.csv").to_str().unwrap(),
            "--out",
            analyzed.to_str().unwrap(),
        ]),
        "analyze",
    );
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(analyzed.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(again["methods"], rep["methods"]);
    assert!(analyzed.join("report.html").exists());
    // The same seed gives the same bytes.
    let again = dir.path().join("again");
    ok(
        &ouro(&[
            "bench",
            "--board",
            "model",
            "--cells",
            "300",
            "--seed",
            "3",
            "--out",
            again.to_str().unwrap(),
        ]),
        "again",
    );
    for f in ["cells.csv", "report.json", "latency_cdf.svg"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f}"
        );
    }
    // A smaller report written over this one leaves none of its files behind.
    ok(
        &ouro(&[
            "bench",
            "--board",
            "model",
            "--cells",
            "20",
            "--methods",
            "fixed-wv",
            "--out",
            again.to_str().unwrap(),
        ]),
        "over it",
    );
    assert!(again.join("cells-fixed-wv.csv").exists());
    for f in ["cells-neural-loop.csv", "trajectories.svg"] {
        assert!(!again.join(f).exists(), "{f} of the earlier report is left");
    }
}

const BOARD_METHODS: &str = "fixed-wv,adaptive-wv,host-adaptive-wv,neural-one-shot,neural-loop";

#[test]
fn the_simulated_board_equals_the_model_on_a_shared_run() {
    if !has_verilator("sim board against the model") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = |board: &str, seed: &str| {
        let out = dir.path().join(format!("{board}-{seed}"));
        let t = Instant::now();
        ok(
            &ouro(&[
                "bench",
                "--board",
                board,
                "--cells",
                "48",
                "--seed",
                seed,
                "--methods",
                BOARD_METHODS,
                "--out",
                out.to_str().unwrap(),
            ]),
            board,
        );
        eprintln!("--board {board}: {:.1} s", t.elapsed().as_secs_f64());
        rows(&out.join("cells.csv"))
    };
    let sim = run("sim", "4");
    let model = run("model", "4");
    assert_eq!(sim.len(), 48 * 5);
    assert!(sim.iter().all(|r| r.board == "sim"));
    assert!(model.iter().all(|r| r.board == "model"));
    let (sim, model) = (unnamed(sim), unnamed(model));
    for (k, (s, m)) in sim.iter().zip(&model).enumerate() {
        assert_eq!(s, m, "row {k}: the simulated board vs the model");
    }
    // Negative: other cells (another seed) give other rows.
    let other = unnamed(run("model", "5"));
    assert!(other.iter().zip(&model).filter(|(a, b)| a != b).count() > 200);
}

#[test]
fn the_board_with_input_tables_takes_them_over_the_link_and_equals_the_model() {
    if !has_verilator("sim board with input tables") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let q = ouro_e2e::bad::repo().join("predictors/nominal.q.yaml");
    let run = |board: &str| {
        let out = dir.path().join(board);
        ok(
            &ouro(&[
                "bench",
                "--board",
                board,
                "--device",
                "nominal",
                "--predictor",
                q.to_str().unwrap(),
                "--cells",
                "16",
                "--methods",
                "neural-loop,neural-one-shot",
                "--out",
                out.to_str().unwrap(),
            ]),
            board,
        );
        rows(&out.join("cells.csv"))
    };
    let sim = run("sim");
    assert_eq!(sim.len(), 32);
    assert!(
        sim[..16].iter().filter(|r| r.success()).count() >= 15,
        "the loop with tables"
    );
    assert_eq!(unnamed(sim), unnamed(run("model")));
}

fn targets(dir: &Path, n: usize) -> String {
    let mut t = String::from("row,col,target_us\n");
    for i in 0..n {
        let g = 120.0 + (i * 97 % 400) as f64;
        t.push_str(&format!("{},{},{g}\n", i / 32 % 32, i % 32));
    }
    let p = dir.join(format!("targets-{n}.csv"));
    std::fs::write(&p, t).unwrap();
    p.to_str().unwrap().to_string()
}

/// `ouro sim-board --pty`, and the terminal's path it prints.
struct Served {
    child: std::process::Child,
    path: String,
}

impl Served {
    fn start(seed: &str) -> Self {
        let mut child = Command::new(ouro_bin())
            .args(["sim-board", "--pty", "--seed", seed])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let path = line.trim().to_string();
        assert!(path.starts_with("/dev/pts/"), "{path}");
        Self { child, path }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_serial_board_on_a_pseudo_terminal_programs_as_the_model_does() {
    if !has_verilator("SerialBoard against ouro sim-board --pty") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = targets(dir.path(), 24);
    let served = Served::start("7");
    let program = |board: &str, out: &str| {
        let out = dir.path().join(out);
        let o = ouro(&[
            "program",
            "--board",
            board,
            "--seed",
            "7",
            "--targets",
            &t,
            "--mode",
            "neural-loop",
            "--out",
            out.to_str().unwrap(),
        ]);
        ok(&o, board);
        rows(&out)
    };
    let serial = program(&served.path, "serial.csv");
    let model = program("model", "model.csv");
    assert_eq!(serial.len(), 24);
    assert!(serial.iter().all(|r| r.board == served.path));
    assert!(
        serial.iter().all(|r| r.success()),
        "neural loop on 24 cells"
    );
    assert_eq!(unnamed(serial), unnamed(model.clone()));
    // Two boards at once split the cells; every cell once, each on its board.
    let both = program("model,sim", "both.csv");
    assert_eq!(both.len(), 24);
    let mut cells: Vec<usize> = both.iter().map(|r| r.cell).collect();
    cells.sort_unstable();
    assert_eq!(cells, (0..24).collect::<Vec<_>>());
    assert_eq!(both.iter().filter(|r| r.board == "model").count(), 12);
    assert_eq!(both.iter().filter(|r| r.board == "sim").count(), 12);
}

#[test]
fn an_interrupted_run_resumes_without_losing_or_repeating_a_cell() {
    if !has_verilator("resume on the simulated board") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = targets(dir.path(), 400);
    let out = dir.path().join("r.csv");
    let args = [
        "program",
        "--board",
        "sim",
        "--targets",
        &t,
        "--mode",
        "fixed-wv",
        "--out",
        out.to_str().unwrap(),
    ];
    let mut child = Command::new(ouro_bin())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = || {
        std::fs::read_to_string(&out)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    };
    let t0 = Instant::now();
    while lines() < 30 {
        assert!(t0.elapsed() < Duration::from_secs(120), "no rows appear");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished too soon to kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = std::fs::read_to_string(&out).unwrap();
    let kept = csv::parse(&before, "r.csv", true).unwrap();
    assert!(kept.len() >= 29 && kept.len() < 400, "{} rows", kept.len());
    // Without --resume the file is not touched.
    let o = ouro(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), before);
    let mut resumed = args.to_vec();
    resumed.push("--resume");
    ok(&ouro(&resumed), "resume");
    let all = rows(&out);
    assert_eq!(all.len(), 400);
    let mut cells: Vec<usize> = all.iter().map(|r| r.cell).collect();
    cells.sort_unstable();
    assert_eq!(cells, (0..400).collect::<Vec<_>>(), "every cell once");
    // The rows the killed run finished are kept as they were.
    for (a, b) in kept.iter().zip(&all) {
        assert_eq!(csv::line(a), csv::line(b));
    }
    // The resumed run gives every cell the row an uninterrupted run gives it (a cell's reads
    // do not depend on the cells read before it): the same run on the model, uninterrupted.
    let whole = dir.path().join("whole.csv");
    let mut uninterrupted = args.to_vec();
    uninterrupted[2] = "model";
    uninterrupted[8] = whole.to_str().unwrap();
    ok(&ouro(&uninterrupted), "uninterrupted run");
    let mut expected = rows(&whole);
    let mut got = all.clone();
    expected.sort_by_key(|r| r.cell);
    got.sort_by_key(|r| r.cell);
    for (a, b) in got.iter_mut().zip(&expected) {
        a.board.clone_from(&b.board);
        assert_eq!(csv::line(a), csv::line(b), "cell {}", b.cell);
    }
    // Resuming a finished run programs nothing.
    let text = std::fs::read_to_string(&out).unwrap();
    ok(&ouro(&resumed), "resume again");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    // Another run's settings are refused, and the file is left as it was.
    let mut other = resumed.clone();
    other.extend(["--tolerance", "5%"]);
    let o = ouro(&other);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("tolerance 2%"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
}
