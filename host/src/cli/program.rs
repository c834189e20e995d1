//! `ouro program`: program the cells of a targets file on one or more boards (real ones on
//! serial ports, the simulated one, the model), streaming a row per cell to the results CSV as
//! the records arrive; `--resume` continues an interrupted run.

use super::bench::{parse_tolerance, MethodArgs};
use super::error::OrCli;
use super::{load_board, load_device, progress, CliError};
use clap::Args;
use ouro_core::schema::QPredictor;
use ouro_host::bench::cells::{CellPlan, Target};
use ouro_host::bench::{
    prepare_board, program_on_board, simulated_board, BenchSettings, BoardKind, Method,
};
use ouro_host::board::{Board, SerialBoard, SerialSettings, Session};
use ouro_host::report::{self, csv, CellRow};
use ouro_host::HostError;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;

/// Arguments of `ouro program`.
#[derive(Debug, Args)]
pub struct ProgramArgs {
    /// The board(s): `sim` (the verilated board top), `model`, or a serial port
    /// (`/dev/ttyUSB1`). Several, comma-separated or repeated, split the targets between them
    /// and run at once.
    #[arg(long, required = true, value_delimiter = ',')]
    pub board: Vec<String>,
    /// The device of the simulated boards' cells: a preset or a path to a device YAML (it also
    /// bounds the targets).
    #[arg(long, default_value = "realistic")]
    pub device: String,
    /// Board file (clock, front end, limits): a shipped name or a path.
    #[arg(long, default_value = "icebreaker")]
    pub board_file: String,
    /// The cells to program: CSV with the header `row,col,target_us`.
    #[arg(long)]
    pub targets: PathBuf,
    /// How: neural-loop, neural-one-shot, fixed-wv, adaptive-wv or host-adaptive-wv.
    #[arg(long, default_value = "neural-loop")]
    pub mode: String,
    /// The results CSV, one row per cell, written as the cells finish.
    #[arg(long)]
    pub out: PathBuf,
    /// Continue the run that wrote --out: the cells it has are not programmed again.
    #[arg(long)]
    pub resume: bool,
    /// A quantized blind predictor to load into the board over the link (default: the board's
    /// own, the shipped weights).
    #[arg(long)]
    pub predictor: Option<PathBuf>,
    /// Tolerance around each target, in percent of the target.
    #[arg(long, default_value = "2%", allow_hyphen_values = true)]
    pub tolerance: String,
    /// Seed of the simulated boards' cells (their states before programming, read noise).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The methods' settings.
    #[command(flatten)]
    pub method: MethodArgs,
    /// A serial board's answer timeout.
    #[arg(long, default_value = "2s", allow_hyphen_values = true)]
    pub timeout: String,
}

const MODES: [Method; 5] = [
    Method::NeuralLoop,
    Method::NeuralOneShot,
    Method::FixedWv,
    Method::AdaptiveWv,
    Method::HostAdaptiveWv,
];

/// The rows already in `path` (a resumed run), the file cut back to its last whole line.
fn resume_rows(path: &std::path::Path, mode: Method) -> Result<Vec<CellRow>, CliError> {
    let text =
        ouro_core::input::read_text(path, Some(ouro_core::input::MAX_CSV_BYTES)).map_err(|e| {
            CliError(format!(
                "--resume: cannot read {}: {}",
                path.display(),
                ouro_core::output::io_message(&e)
            ))
        })?;
    let rows = csv::parse(&text, &path.display().to_string(), true).map_err(CliError)?;
    if let Some(r) = rows.iter().find(|r| r.method != mode.name()) {
        return Err(CliError(format!(
            "--resume: {} holds a run of --mode {}, not {}: resume it with --mode {}",
            path.display(),
            r.method,
            mode.name(),
            r.method
        )));
    }
    // Cut a torn last line off, so that the next row starts on a line of its own.
    let whole = text.rfind('\n').map_or(0, |i| i + 1);
    if whole < text.len() {
        let f = std::fs::OpenOptions::new().write(true).open(path).cli()?;
        f.set_len(whole as u64).cli()?;
    }
    Ok(rows)
}

/// `ouro program`.
pub fn program(a: &ProgramArgs) -> Result<(), CliError> {
    let mode = Method::from_name(&a.mode)
        .filter(|m| MODES.contains(m))
        .ok_or_else(|| {
            CliError(format!(
                "--mode {}: give one of {} (the probe methods and the reference loops run in \
                 `ouro bench --board model`)",
                a.mode,
                MODES.map(Method::name).join(", ")
            ))
        })?;
    let d = load_device(&a.device)?;
    let board = load_board(&a.board_file)?;
    let predictor = match &a.predictor {
        Some(p) => {
            let q = QPredictor::load(p).cli()?;
            // What the board's sequencer feeds the engine: the reading, then the target.
            ouro_hdl::sequencer::build::check_one_set(&q)
                .map_err(|e| CliError(format!("--predictor {}: {e}", p.display())))?;
            q
        }
        None => ouro_nn::defaults::qpredictor(),
    };
    let window = d.window_us();
    let text = ouro_core::input::read_text(&a.targets, Some(ouro_core::input::MAX_CSV_BYTES))
        .map_err(|e| {
            CliError(format!(
                "cannot read --targets {}: {}",
                a.targets.display(),
                ouro_core::output::io_message(&e)
            ))
        })?;
    let targets = ouro_host::targets::parse(
        &text,
        &a.targets.display().to_string(),
        window,
        (board.mux.rows as u8, board.mux.cols as u8),
    )
    .map_err(CliError)?;
    let mut s = BenchSettings::new(&a.device, d, board, predictor);
    s.tolerance = parse_tolerance(&a.tolerance)?;
    s.seed = a.seed;
    s.methods = vec![mode];
    a.method.apply(&mut s)?;
    let timeout = ouro_core::units::parse_duration(&a.timeout)
        .map_err(|e| CliError(format!("--timeout: {e}")))?;
    if !(1e-3..=3600.0).contains(&timeout) {
        return Err(CliError(format!(
            "--timeout {} is out of range: give 1ms to 1h (e.g. 2s)",
            a.timeout
        )));
    }
    s.check()?;
    for (k, b) in a.board.iter().enumerate() {
        if b.trim().is_empty() {
            return Err(CliError(
                "--board: an empty board name (a stray comma?): give sim, model or serial ports"
                    .into(),
            ));
        }
        if b != "sim" && b != "model" && a.board[..k].contains(b) {
            return Err(CliError(format!(
                "--board {b} is given twice: give each serial port once"
            )));
        }
    }
    for b in &a.board {
        if b == "sim" && s.board != ouro_core::board::BoardConfig::default_board() {
            return Err(CliError(format!(
                "--board sim simulates the board built for the shipped `icebreaker` board file, \
                 not `{}`: use --board model for another board file",
                a.board_file
            )));
        }
    }
    let paths = [&a.device, &a.board_file].map(|p| std::path::Path::new(p.as_str()));
    let files = [a.targets.as_path()]
        .into_iter()
        .chain(a.predictor.as_deref());
    super::out_is_not_an_input(&a.out, &[], paths.into_iter().chain(files))?;
    // The results file: a new one, or the rows of the run it continues (never through a link,
    // as a new file is never made through one).
    let meta = std::fs::symlink_metadata(&a.out);
    if meta.as_ref().is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(CliError(format!(
            "--out {} is a symbolic link: give the results file itself",
            a.out.display()
        )));
    }
    let exists = meta.is_ok();
    let done: Vec<CellRow> = match (exists, a.resume) {
        (true, true) => resume_rows(&a.out, mode)?,
        (true, false) => {
            return Err(CliError(format!(
                "--out {} exists: give --resume to continue that run, or another --out",
                a.out.display()
            )))
        }
        (false, _) => Vec::new(),
    };
    let mut seen = vec![false; targets.len()];
    for r in &done {
        if r.cell >= targets.len() {
            return Err(CliError(format!(
                "--resume: {} holds cell {}, but --targets has {} cells: resume with the targets \
                 of that run",
                a.out.display(),
                r.cell,
                targets.len()
            )));
        }
        let t = &targets[r.cell];
        let same = (r.row, r.col) == (t.row, t.col)
            && (r.target_us - t.target_us).abs() <= 1e-9 * t.target_us.abs().max(1.0)
            && (r.tolerance - s.tolerance).abs() <= 1e-12;
        if !same {
            return Err(CliError(format!(
                "--resume: {} holds cell {} at row {}, column {}, target {} uS, tolerance {}%, \
                 but this run has it at row {}, column {}, target {} uS, tolerance {}%: resume \
                 with that run's --targets and --tolerance, or give another --out",
                a.out.display(),
                r.cell,
                r.row,
                r.col,
                r.target_us,
                r.tolerance * 100.0,
                t.row,
                t.col,
                t.target_us,
                s.tolerance * 100.0
            )));
        }
        if seen[r.cell] {
            return Err(CliError(format!(
                "--resume: {} holds cell {} twice: it is not a file `ouro program` wrote alone; \
                 give another --out",
                a.out.display(),
                r.cell
            )));
        }
        seen[r.cell] = true;
    }
    // Serial boards are opened, and answer the handshake, before the results file is made.
    let mut serial: Vec<Option<SerialBoard>> = Vec::new();
    for name in &a.board {
        serial.push(match name.as_str() {
            "sim" | "model" => None,
            port => {
                let mut b = open_serial(port, timeout)?;
                Session::open(&mut b).map_err(|e| CliError(e.0))?;
                Some(b)
            }
        });
    }
    let todo: Vec<Target> = targets
        .iter()
        .filter(|t| !seen[t.cell])
        .map(|t| Target::new(t.cell, t.row, t.col, t.target_us, &s.board, s.tolerance))
        .collect();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&a.out)
        .map_err(|e| {
            let parent = a.out.parent().filter(|p| !p.as_os_str().is_empty());
            match parent {
                Some(p) if !p.is_dir() => CliError(format!(
                    "cannot write --out {}: its folder {} does not exist: create it (mkdir -p {}) or give another --out",
                    a.out.display(),
                    p.display(),
                    p.display()
                )),
                _ => CliError(format!(
                    "cannot write --out {}: {}: give another --out",
                    a.out.display(),
                    ouro_core::output::io_message(&e)
                )),
            }
        })?;
    if done.is_empty() && !exists {
        // Until its first row, a new results file is removed if a signal ends the run.
        ouro_core::output::remove_on_signal(&a.out);
        if let Err(e) = file.write_all(format!("{}\n", csv::HEADER).as_bytes()) {
            drop(file);
            let _ = std::fs::remove_file(&a.out);
            return Err(CliError(format!(
                "cannot write --out {}: {}",
                a.out.display(),
                ouro_core::output::io_message(&e)
            )));
        }
    }
    // The file's length after its last whole row: a row the disk cut short is cut off again.
    let good = file.metadata().map(|m| m.len()).cli()?;
    if todo.is_empty() {
        note!("all {} cells are done already", targets.len());
    }
    let out = Mutex::new((file, good));
    let written = std::sync::atomic::AtomicUsize::new(0);
    let pb = progress(todo.len(), "program");
    // Cell i goes to board i mod n: a resumed run gives each board the cells it had.
    let n = a.board.len();
    let parts: Vec<Vec<Target>> = (0..n)
        .map(|k| todo.iter().filter(|t| t.cell % n == k).cloned().collect())
        .collect();
    let out_path = a.out.display().to_string();
    let fresh = done.is_empty() && !exists;
    let result: Result<Vec<()>, HostError> = std::thread::scope(|scope| {
        let handles: Vec<_> = a
            .board
            .iter()
            .enumerate()
            .zip(parts.iter().zip(serial))
            .map(|((k, name), (part, port))| {
                let s = &s;
                let out = &out;
                let pb = &pb;
                let out_path = &out_path;
                let written = &written;
                scope.spawn(move || -> Result<(), HostError> {
                    if part.is_empty() {
                        return Ok(());
                    }
                    let mut b: Box<dyn Board> = match port {
                        Some(p) => Box::new(p),
                        None => open_board(name, s, k)?,
                    };
                    let mut sess =
                        Session::open(b.as_mut()).map_err(|e| HostError::Setting(e.0))?;
                    prepare_board(&mut sess, s, mode)?;
                    program_on_board(&mut sess, s, mode, part, &mut |r| {
                        let mut guard = out.lock().unwrap_or_else(|e| e.into_inner());
                        let (f, good) = &mut *guard;
                        let line = csv::line(&r);
                        if fresh {
                            ouro_core::output::keep_on_signal(std::path::Path::new(out_path));
                        }
                        if let Err(e) = f.write_all(line.as_bytes()).and_then(|()| f.flush()) {
                            let _ = f.set_len(*good);
                            return Err(HostError::Setting(format!(
                                "cannot write --out {out_path}: {} (the rows before this one \
                                 are kept: --resume continues)",
                                ouro_core::output::io_message(&e)
                            )));
                        }
                        *good += line.len() as u64;
                        written.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        use ouro_core::progress::Progress as _;
                        pb.advance(1);
                        Ok(())
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(HostError::Setting("a board's thread failed".into())))
            })
            .collect()
    });
    pb.finish_and_clear();
    ouro_core::output::keep_on_signal(&a.out);
    if let Err(e) = result {
        // A run that failed before its first row leaves no file behind (a resumed one keeps
        // its rows).
        if !exists && written.load(std::sync::atomic::Ordering::Relaxed) == 0 {
            let _ = std::fs::remove_file(&a.out);
        }
        return Err(e.into());
    }
    // The whole file's summary (a resumed run's earlier rows included).
    let text = std::fs::read_to_string(&a.out).cli()?;
    let rows = csv::parse(&text, &out_path, false).map_err(CliError)?;
    let rep = report::Report {
        device: a.device.clone(),
        board: a.board.join(","),
        cells: rows.len(),
        seed: Some(a.seed),
        tolerance: s.tolerance,
        clock_hz: s.board.clock_hz,
        methods: report::summaries(&rows),
    };
    super::print(&format!(
        "{}results in {}\n",
        report::table(&rep),
        a.out.display()
    ))
}

/// Board `name` (the `k`-th of the run): a serial port, or a simulated board whose cells are
/// seeded from the seed and `k`.
fn open_board(name: &str, s: &BenchSettings, k: usize) -> Result<Box<dyn Board>, HostError> {
    let cells = || {
        let plan = CellPlan {
            device: &s.device,
            board: &s.board,
            seed: s.seed.wrapping_add(k as u64),
            age_pulses: s.age_pulses,
            tolerance: s.tolerance,
            target_range_us: s.target_range_us,
        };
        plan.crossbar(0, plan.per_crossbar())
            .map(|(fe, _)| fe)
            .map_err(HostError::Setting)
    };
    Ok(match name {
        "model" => simulated_board(BoardKind::Model, s, cells()?)?,
        _ => simulated_board(BoardKind::Sim, s, cells()?)?,
    })
}

/// The serial board on `port`.
fn open_serial(port: &str, timeout: f64) -> Result<SerialBoard, CliError> {
    let mut set = SerialSettings::new(port);
    set.timeout = std::time::Duration::from_secs_f64(timeout);
    SerialBoard::open(set).map_err(|e| CliError(e.0))
}
