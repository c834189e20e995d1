//! `ouro analyze`: the benchmark's tables, report.json, plots and report.html from saved
//! per-cell CSVs (of `ouro program` or `ouro bench`, on any board, real ones included).

use super::error::OrCli;
use super::{print, CliError};
use clap::Args;
use ouro_core::output::AtomicDir;
use ouro_host::report::{self, csv, CellRow};
use std::path::PathBuf;

/// Arguments of `ouro analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Per-cell results CSVs (`ouro program --out`, or `cells.csv` of `ouro bench`).
    #[arg(required = true)]
    pub results: Vec<PathBuf>,
    /// Output directory: report.json, report.html, the per-cell CSVs by method, plots.
    #[arg(long)]
    pub out: PathBuf,
    /// The device the cells are of, for the report's heading.
    #[arg(long, default_value = "(from the results)")]
    pub device: String,
}

/// `ouro analyze`.
pub fn analyze(a: &AnalyzeArgs) -> Result<(), CliError> {
    let mut rows: Vec<CellRow> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    for p in &a.results {
        if let Ok(c) = std::fs::canonicalize(p) {
            if seen.contains(&c) {
                return Err(CliError(format!(
                    "{} is given twice: give each results file once",
                    p.display()
                )));
            }
            seen.push(c);
        }
        let text =
            ouro_core::input::read_text(p, Some(ouro_core::input::MAX_CSV_BYTES)).map_err(|e| {
                CliError(format!(
                    "cannot read {}: {}",
                    p.display(),
                    ouro_core::output::io_message(&e)
                ))
            })?;
        rows.extend(csv::parse(&text, &p.display().to_string(), false).map_err(CliError)?);
    }
    if rows.is_empty() {
        return Err(CliError(
            "the results hold no cells: give CSVs that `ouro program` or `ouro bench` wrote".into(),
        ));
    }
    let tolerances: Vec<f64> = rows.iter().map(|r| r.tolerance).collect();
    let tolerance = tolerances[0];
    if tolerances.iter().any(|&t| t != tolerance) {
        note!(
            "the results mix tolerances; the report names the first, {}%",
            tolerance * 100.0
        );
    }
    let mut boards: Vec<String> = Vec::new();
    for r in &rows {
        if !boards.contains(&r.board) {
            boards.push(r.board.clone());
        }
    }
    let methods = report::summaries(&rows);
    let cells = methods.iter().map(|m| m.cells).max().unwrap_or(0);
    let rep = report::Report {
        device: a.device.clone(),
        board: boards.join(","),
        cells,
        seed: None,
        tolerance,
        clock_hz: 0,
        methods,
    };
    let names = super::bench::output_names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    super::out_is_not_an_input(
        &a.out,
        &names,
        a.results
            .iter()
            .map(|p| p.as_path())
            .chain([std::path::Path::new(&a.device)]),
    )?;
    let dir = AtomicDir::create(&a.out).cli()?;
    super::bench::write_outputs(dir.path(), &a.out, &rep, &rows, &[])?;
    // The table before the folder is replaced (a standard output that cannot take it fails
    // the run with nothing written).
    print(&report::table(&rep))?;
    let names = super::bench::output_names();
    dir.commit(&names.iter().map(String::as_str).collect::<Vec<_>>())
        .cli()?;
    print(&format!(
        "report, per-cell CSVs and plots in {}/\n",
        a.out.display()
    ))
}
