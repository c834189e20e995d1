//! The plots of a run: SVG always ([`svg_plots`]), PNG too where a font can be loaded
//! ([`write_plots`]).
//!
//! Every plot is drawn by one function for both backends. PNG text is rasterised with
//! plotters' `ab_glyph` feature from a TrueType file registered at run time (`$OURO_FONT`,
//! else DejaVu Sans from Debian's `fonts-dejavu-core`). SVG text is written as `<text>`
//! elements and measured for layout from DejaVu Sans's advance widths built in
//! (`text::SvgText`), so the SVGs need no font file and come out the same with or without one.
//!
//! One colour per method in every plot: the Okabe–Ito palette (colour-blind safe) plus grey,
//! with a fixed colour for each of ouro's own methods so a method keeps its colour from run
//! to run.
//!
//! This file: the public API, the picture size, font sizes and colours the plots share, and the
//! dispatch to the five plots. Each plot has its own file; so do the text handling (`text`:
//! the PNG font and the SVG text measuring), the PNG encoding (`png`), what the plots are
//! drawn from (`data`), the drawing pieces they share (`draw`) and the axes (`axis`).

mod axis;
mod data;
mod draw;
mod latency_breakdown;
mod latency_cdf;
mod png;
mod pulses;
mod rpd_target;
mod text;
mod trajectories;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use self::data::Plot;

/// The file stem of every plot a report may have (`trajectories` only when the run recorded
/// some).
pub const STEMS: [&str; 5] = [
    "rpd_target",
    "latency_cdf",
    "pulses",
    "latency_breakdown",
    "trajectories",
];
use self::draw::err;
use self::text::{load_font, SvgText};
use super::{CellRow, Report};

/// One cell's conductance after each step of its programming (for the trajectory plot).
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// The method that programmed the cell.
    pub method: String,
    /// Index of the cell in the run.
    pub cell: usize,
    /// Target conductance, uS.
    pub target_us: f64,
    /// Tolerance, relative (0.02 = ±2 %).
    pub tolerance: f64,
    /// (time since the cell's start in us, reading in uS), the first point the reading before
    /// programming.
    pub points: Vec<(f64, f64)>,
}

/// Every plot of a run as SVG text, by file stem: "rpd_target" (histograms of RPD_target per
/// method), "latency_cdf" (CDF of the programming latency per method, log x axis in us),
/// "pulses" (distribution of pulses per cell per method), "latency_breakdown" (per method the
/// mean latency split into read / predict / pulse / link, us), and "trajectories"
/// (conductance in uS vs time in us for the given trajectories, target band shaded; only when
/// `trajectories` is not empty).
///
/// Needs no font file. Non-finite values are left out of the plots.
pub fn svg_plots(
    report: &Report,
    rows: &[CellRow],
    trajectories: &[Trajectory],
) -> Result<Vec<(String, String)>, String> {
    let plot = Plot::new(report, rows, trajectories);
    plot.stems()
        .into_iter()
        .map(|stem| {
            let mut svg = String::new();
            {
                let root = SvgText(SVGBackend::with_string(&mut svg, SIZE)).into_drawing_area();
                render(stem, &root, &plot).map_err(|e| format!("plot {stem}: {e}"))?;
            }
            Ok((stem.to_string(), svg))
        })
        .collect()
}

/// Write each plot as `<stem>.svg` and `<stem>.png` into `dir`; returns the files written and,
/// when PNGs were skipped for want of a font, a one-line note saying so and how to fix it.
///
/// `dir` is created if missing. The font for the PNGs is the TrueType file `$OURO_FONT`, else
/// `/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf`; it is loaded once per process.
pub fn write_plots(
    dir: &Path,
    report: &Report,
    rows: &[CellRow],
    trajectories: &[Trajectory],
) -> Result<(Vec<PathBuf>, Option<String>), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for (stem, svg) in svg_plots(report, rows, trajectories)? {
        let path = dir.join(format!("{stem}.svg"));
        std::fs::write(&path, svg).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    if let Err(why) = load_font() {
        let note = format!(
            "PNG plots skipped ({why}): install fonts-dejavu-core or set OURO_FONT to a TrueType \
             font file; the SVG plots were written"
        );
        return Ok((written, Some(note)));
    }
    let plot = Plot::new(report, rows, trajectories);
    for stem in plot.stems() {
        let path = dir.join(format!("{stem}.png"));
        let png =
            png::png(stem, &plot).map_err(|e| format!("cannot draw {}: {e}", path.display()))?;
        std::fs::write(&path, png).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok((written, None))
}

/// Pixel size of every plot.
const SIZE: (u32, u32) = (900, 560);
/// Font sizes (plotters' units: an SVG font-size of size / 1.24 px).
const TITLE_PT: f64 = 26.0;
const DESC_PT: f64 = 19.0;
const TICK_PT: f64 = 17.0;
const NOTE_PT: f64 = 16.0;
/// Height of the title strip, px.
const TITLE_H: i32 = 46;

// ---------------------------------------------------------------------------------------------
// Colours

/// Okabe–Ito's eight colours and a grey.
const PALETTE: [RGBColor; 9] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0x99, 0x99, 0x99), // grey
    RGBColor(0xF0, 0xE4, 0x42), // yellow (last: weak on white)
];

/// ouro's methods and their fixed index in [`PALETTE`].
const KNOWN: [(&str, usize); 9] = [
    ("fixed-wv", 0),
    ("neural-one-shot", 1),
    ("inversion-loop", 2),
    ("probe-neural", 3),
    ("adaptive-wv", 4),
    ("neural-loop", 5),
    ("probe-neural-loop", 6),
    ("oracle-loop", 7),
    ("host-adaptive-wv", 8),
];

/// One colour per name: ouro's methods their own, other names the first colours left over
/// (cycling when there are more than nine).
fn colours(names: &[String]) -> Vec<RGBColor> {
    let known = |n: &str| KNOWN.iter().find(|(k, _)| *k == n).map(|&(_, i)| i);
    let mut used = [false; 9];
    for n in names {
        if let Some(i) = known(n) {
            used[i] = true;
        }
    }
    let mut spare = (0..PALETTE.len()).filter(|&i| !used[i]).collect::<Vec<_>>();
    spare.reverse();
    let mut extra = 0;
    names
        .iter()
        .map(|n| {
            let i = known(n).or_else(|| spare.pop()).unwrap_or_else(|| {
                extra += 1;
                (extra - 1) % PALETTE.len()
            });
            PALETTE[i]
        })
        .collect()
}

/// The parts of the latency (breakdown plot): name and colour (Paul Tol's light scheme, kept
/// apart from the methods' colours).
const PARTS: [(&str, RGBColor); 4] = [
    ("read", RGBColor(0x77, 0xAA, 0xDD)),
    ("predict & board logic", RGBColor(0xEE, 0xDD, 0x88)),
    ("pulse", RGBColor(0xEE, 0x88, 0x66)),
    ("serial link", RGBColor(0xBB, 0xBB, 0xBB)),
];

const GRID_BOLD: RGBColor = RGBColor(0xCC, 0xCC, 0xCC);
const GRID_LIGHT: RGBColor = RGBColor(0xEB, 0xEB, 0xEB);
const BAND: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// Draw the plot named `stem` on `root`, on white.
fn render<DB: DrawingBackend>(
    stem: &str,
    root: &DrawingArea<DB, Shift>,
    plot: &Plot<'_>,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    match stem {
        "rpd_target" => rpd_target::draw(root, plot)?,
        "latency_cdf" => latency_cdf::draw(root, plot)?,
        "pulses" => pulses::draw(root, plot)?,
        "latency_breakdown" => latency_breakdown::draw(root, plot)?,
        "trajectories" => trajectories::draw(root, plot)?,
        other => return Err(format!("no plot named {other}")),
    }
    root.present().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{summaries, CellOutcome};

    fn row(method: &str, cell: usize, latency_us: f64, pulses: u32, rpd_target: f64) -> CellRow {
        CellRow {
            cell,
            row: 0,
            col: cell as u8,
            method: method.into(),
            board: "model".into(),
            target_us: 100.0,
            tolerance: 0.02,
            start_us: 100.0,
            final_us: 100.0 * (1.0 + rpd_target),
            g_true_us: f64::NAN,
            rpd_target,
            rpd_update: f64::INFINITY,
            pulses,
            reads: pulses + 1,
            pulse_us: 0.5 * f64::from(pulses),
            latency_us,
            read_us: 0.4 * latency_us,
            pulse_step_us: 0.3 * latency_us,
            predict_us: 0.3 * latency_us,
            link_us: 0.0,
            outcome: if rpd_target.abs() <= 0.02 {
                CellOutcome::InTolerance
            } else {
                CellOutcome::AttemptLimit
            },
        }
    }

    /// Three methods (one of a single row), with NaN and infinite values among them.
    fn run() -> (Report, Vec<CellRow>, Vec<Trajectory>) {
        let rows = vec![
            row("fixed-wv", 0, 10_000.0, 40, 0.01),
            row("fixed-wv", 1, 25_000.0, 120, -0.015),
            row("fixed-wv", 2, f64::NAN, 0, f64::INFINITY),
            row("fixed-wv", 3, f64::INFINITY, 7, 0.3),
            row("neural-loop", 0, 90.0, 2, 0.004),
            row("neural-loop", 1, 140.0, 3, f64::NAN),
            row("neural-loop", 2, 0.0, 1, -0.9),
            row("one-row", 0, 55.0, 1, 0.12),
        ];
        let report = Report {
            device: "taox".into(),
            board: "model".into(),
            cells: 4,
            seed: Some(1),
            tolerance: 0.02,
            clock_hz: 48_000_000,
            methods: summaries(&rows),
        };
        let trajectories = vec![
            Trajectory {
                method: "neural-loop".into(),
                cell: 0,
                target_us: 100.0,
                tolerance: 0.02,
                points: vec![(0.0, 40.0), (30.0, 90.0), (f64::NAN, 1.0), (90.0, 100.4)],
            },
            Trajectory {
                method: "fixed-wv".into(),
                cell: 0,
                target_us: 100.0,
                tolerance: 0.02,
                points: vec![(0.0, 40.0), (5_000.0, 70.0), (10_000.0, 101.0)],
            },
        ];
        (report, rows, trajectories)
    }

    #[test]
    fn svg_plots_draw_every_plot_with_names_and_axes() {
        let (report, rows, trajectories) = run();
        let svgs = svg_plots(&report, &rows, &trajectories).unwrap();
        let stems: Vec<&str> = svgs.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            stems,
            [
                "rpd_target",
                "latency_cdf",
                "pulses",
                "latency_breakdown",
                "trajectories"
            ]
        );
        let axes = [
            ["RPD_target (%)", "cells per bin"],
            [
                "programming latency (µs, log scale)",
                "cells in tolerance within",
            ],
            ["pulses applied per cell", "log scale"],
            ["share of the mean latency (%)", "serial link"],
            ["time since the cell", "conductance read (µS)"],
        ];
        for ((stem, svg), axes) in svgs.iter().zip(axes) {
            assert!(svg.contains("<svg"), "{stem}");
            assert!(svg.trim_end().ends_with("</svg>"), "{stem}");
            for a in axes {
                assert!(svg.contains(a), "{stem} lacks {a}");
            }
            let names: &[&str] = if stem == "trajectories" {
                &["neural-loop", "fixed-wv"]
            } else {
                &["fixed-wv", "neural-loop", "one-row"]
            };
            for n in names {
                assert!(svg.contains(n), "{stem} lacks {n}");
            }
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{stem}");
        }
        // The latency CDF counts the cells in tolerance among all of a method's cells: its
        // legend names each method's share, and a curve levels off there.
        let cdf = &svgs[1].1;
        for share in ["fixed-wv (50.0 %)", "neural-loop (33.3 %)", "one-row (0 %)"] {
            assert!(cdf.contains(share), "latency_cdf lacks {share}");
        }
    }

    #[test]
    fn svg_plots_need_no_data_and_no_font() {
        let empty = Report {
            device: String::new(),
            board: String::new(),
            cells: 0,
            seed: None,
            tolerance: f64::NAN,
            clock_hz: 0,
            methods: vec![],
        };
        let svgs = svg_plots(&empty, &[], &[]).unwrap();
        assert_eq!(svgs.len(), 4);
        assert!(svgs.iter().all(|(_, s)| s.contains("no data")));
        let lost = Trajectory {
            method: "x".into(),
            cell: 0,
            target_us: f64::NAN,
            tolerance: 0.02,
            points: vec![(f64::NAN, f64::INFINITY)],
        };
        assert_eq!(svg_plots(&empty, &[], &[lost]).unwrap().len(), 5);
        // Whether or not a font is registered, the SVGs come out the same.
        let (report, rows, trajectories) = run();
        let before = svg_plots(&report, &rows, &trajectories).unwrap();
        let _ = load_font();
        assert_eq!(before, svg_plots(&report, &rows, &trajectories).unwrap());
    }

    #[test]
    fn write_plots_writes_svgs_and_pngs_when_a_font_loads() {
        let (report, rows, trajectories) = run();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("plots");
        let (files, note) = write_plots(&out, &report, &rows, &trajectories).unwrap();
        let svgs = files
            .iter()
            .filter(|f| f.extension() == Some("svg".as_ref()));
        assert_eq!(svgs.count(), 5);
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            match f.extension().and_then(|e| e.to_str()) {
                Some("svg") => assert!(String::from_utf8(bytes).unwrap().contains("<svg")),
                Some("png") => assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{f:?}"),
                other => panic!("unexpected file {other:?}"),
            }
        }
        let pngs = files
            .iter()
            .filter(|f| f.extension() == Some("png".as_ref()))
            .count();
        match (load_font(), note) {
            (Ok(()), None) => assert_eq!(pngs, 5),
            (Err(_), Some(note)) => {
                assert_eq!(pngs, 0);
                assert!(note.contains("fonts-dejavu-core") && note.contains("OURO_FONT"));
                assert!(!note.contains('\n'));
            }
            (font, note) => panic!("font {font:?} but note {note:?}"),
        }
        let blocked = dir.path().join("file");
        std::fs::write(&blocked, "").unwrap();
        let e = write_plots(&blocked, &report, &rows, &trajectories).unwrap_err();
        assert!(
            e.contains(&*blocked.to_string_lossy()) && !e.contains('\n'),
            "{e}"
        );
    }

    #[test]
    fn every_method_keeps_one_colour() {
        let names: Vec<String> = KNOWN.iter().map(|(n, _)| n.to_string()).collect();
        let c = colours(&names);
        for (i, a) in c.iter().enumerate() {
            assert!(
                c[i + 1..].iter().all(|b| b != a),
                "two methods share a colour"
            );
        }
        let some = colours(&["x".to_string(), "neural-loop".to_string()]);
        assert_eq!(some[1], c[5]);
        assert_ne!(some[0], some[1]);
        assert_eq!(colours(&vec!["y".to_string(); 20]).len(), 20);
    }
}
