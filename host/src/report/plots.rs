//! The plots of a run: SVG always ([`svg_plots`]), PNG too where a font can be loaded
//! ([`write_plots`]).
//!
//! Every plot is drawn by one function for both backends. PNG text is rasterised with
//! plotters' `ab_glyph` feature from a TrueType file registered at run time (`$OURO_FONT`,
//! else DejaVu Sans from Debian's `fonts-dejavu-core`). SVG text is written as `<text>`
//! elements and measured for layout from DejaVu Sans's advance widths built in here
//! (`SvgText`), so the SVGs need no font file and come out the same with or without one.
//!
//! One colour per method in every plot: the Okabe–Ito palette (colour-blind safe) plus grey,
//! with a fixed colour for each of ouro's own methods so a method keeps its colour from run
//! to run.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, ValueFormatter};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle};

use self::svg_text::SvgText;
use super::{by_method, quantile, summaries, CellRow, MethodSummary, Report};

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
        let png = png(stem, &plot).map_err(|e| format!("cannot draw {}: {e}", path.display()))?;
        std::fs::write(&path, png).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok((written, None))
}

/// A plot as PNG (RGB, 8 bits): drawn by plotters' bitmap backend into memory, encoded by the
/// `png` crate (lighter to build than plotters' own encoder, which pulls in all of `image`).
fn png(stem: &str, plot: &Plot<'_>) -> Result<Vec<u8>, String> {
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        render(stem, &root, plot)?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(err)?;
    writer.write_image_data(&rgb).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

/// Pixel size of every plot.
const SIZE: (u32, u32) = (900, 560);
/// The font family of all text (registered under this name for the PNGs).
const FAMILY: &str = "sans-serif";
/// Where Debian's `fonts-dejavu-core` puts DejaVu Sans.
const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
/// Font sizes (plotters' units: an SVG font-size of size / 1.24 px).
const TITLE_PT: f64 = 26.0;
const DESC_PT: f64 = 19.0;
const TICK_PT: f64 = 17.0;
const NOTE_PT: f64 = 16.0;
/// Height of the title strip, px.
const TITLE_H: i32 = 46;

/// Register the PNG font once per process; the reason when it cannot be had.
fn load_font() -> Result<(), String> {
    static FONT: OnceLock<Result<(), String>> = OnceLock::new();
    FONT.get_or_init(|| {
        let path = std::env::var_os("OURO_FONT")
            .filter(|p| !p.is_empty())
            .map_or_else(|| PathBuf::from(DEFAULT_FONT), PathBuf::from);
        let bytes = std::fs::read(&path)
            .map_err(|e| format!("cannot read the font {}: {e}", path.display()))?;
        // plotters keeps fonts for the life of the process; this happens once.
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        register_font(FAMILY, FontStyle::Normal, bytes)
            .map_err(|_| format!("{} is not a TrueType or OpenType font", path.display()))
    })
    .clone()
}

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

// ---------------------------------------------------------------------------------------------
// The data behind the plots

/// One method's cells and colour.
struct Group<'a> {
    name: String,
    colour: RGBColor,
    rows: Vec<&'a CellRow>,
}

/// What the plots are drawn from.
struct Plot<'a> {
    tolerance: f64,
    groups: Vec<Group<'a>>,
    summaries: Vec<(MethodSummary, RGBColor)>,
    names: Vec<String>,
    palette: Vec<RGBColor>,
    trajectories: &'a [Trajectory],
}

impl<'a> Plot<'a> {
    fn new(report: &Report, rows: &'a [CellRow], trajectories: &'a [Trajectory]) -> Self {
        let mut names: Vec<String> = Vec::new();
        let mut add = |n: &str| {
            if !names.iter().any(|m| m == n) {
                names.push(n.to_string());
            }
        };
        report.methods.iter().for_each(|m| add(&m.method));
        rows.iter().for_each(|r| add(&r.method));
        trajectories.iter().for_each(|t| add(&t.method));
        let palette = colours(&names);
        let colour = |n: &str| {
            names
                .iter()
                .position(|m| m == n)
                .map_or(PALETTE[0], |i| palette[i])
        };
        let mut groups: Vec<Group<'a>> = by_method(rows)
            .into_iter()
            .map(|(name, rows)| Group {
                colour: colour(&name),
                name,
                rows,
            })
            .collect();
        // In the run's order (the report's), then the rest as they came.
        groups.sort_by_key(|g| names.iter().position(|n| *n == g.name));
        let methods = if report.methods.is_empty() {
            summaries(rows)
        } else {
            report.methods.clone()
        };
        let summaries = methods
            .into_iter()
            .map(|m| {
                let c = colour(&m.method);
                (m, c)
            })
            .collect();
        let tolerance = if report.tolerance.is_finite() && report.tolerance > 0.0 {
            report.tolerance
        } else {
            0.02
        };
        Self {
            tolerance,
            groups,
            summaries,
            names,
            palette,
            trajectories,
        }
    }

    fn colour(&self, name: &str) -> RGBColor {
        self.names
            .iter()
            .position(|m| m == name)
            .map_or(PALETTE[0], |i| self.palette[i])
    }

    fn stems(&self) -> Vec<&'static str> {
        let mut s = vec!["rpd_target", "latency_cdf", "pulses", "latency_breakdown"];
        if !self.trajectories.is_empty() {
            s.push("trajectories");
        }
        s
    }
}

fn render<DB: DrawingBackend>(
    stem: &str,
    root: &DrawingArea<DB, Shift>,
    plot: &Plot<'_>,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    match stem {
        "rpd_target" => rpd_target(root, plot)?,
        "latency_cdf" => latency_cdf(root, plot)?,
        "pulses" => pulses(root, plot)?,
        "latency_breakdown" => latency_breakdown(root, plot)?,
        "trajectories" => trajectories(root, plot)?,
        other => return Err(format!("no plot named {other}")),
    }
    root.present().map_err(err)
}

// ---------------------------------------------------------------------------------------------
// The plots

/// Histograms of RPD_target, one panel per method (small multiples: up to nine methods with
/// shapes from a spike to a spread read better side by side than overlaid).
fn rpd_target<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Plot<'_>,
) -> Result<(), String> {
    let area = title(
        root,
        "RPD_target per method: how close each cell ended to its target",
    )?;
    let tol = p.tolerance * 100.0;
    let range = 5.0 * tol;
    let bins = 20usize;
    let width = 2.0 * range / bins as f64;
    let (w, h) = area.dim_in_pixel();
    let (body, foot) = area.split_vertically(h as i32 - 34);
    let (side, grid) = body.split_horizontally(34);
    centred_text(
        &foot,
        &format!(
            "RPD_target (%) · grey band: the tolerance ±{} · outermost bins: all beyond ±{}",
            pct_label(tol),
            pct_label(range)
        ),
        DESC_PT,
        (w as i32 / 2, 14),
    )?;
    vertical_text(&side, "cells per bin (% of the method's cells)", DESC_PT)?;
    if p.groups.is_empty() {
        return no_data(&grid);
    }
    let n = p.groups.len();
    let cols = match n {
        1 => 1,
        2 | 4 => 2,
        3 | 5 | 6 => 3,
        _ => (n as f64).sqrt().ceil() as usize,
    };
    let rows = n.div_ceil(cols);
    let panels = grid.split_evenly((rows, cols));
    let x_ticks = [-range, -range / 2.0, 0.0, range / 2.0, range];
    for (g, panel) in p.groups.iter().zip(&panels) {
        let mut counts = vec![0usize; bins];
        let mut finite = 0usize;
        let mut within = 0usize;
        for r in &g.rows {
            let v = r.rpd_target * 100.0;
            if !v.is_finite() {
                continue;
            }
            finite += 1;
            if v.abs() <= tol {
                within += 1;
            }
            let b = ((v + range) / width).floor();
            counts[b.clamp(0.0, (bins - 1) as f64) as usize] += 1;
        }
        let share = |c: usize| 100.0 * c as f64 / finite.max(1) as f64;
        let top = counts.iter().map(|&c| share(c)).fold(0.0, f64::max);
        let y_max = nice_ceiling((top * 1.12).max(1.0)).min(100.0);
        let (pw, _) = panel.dim_in_pixel();
        let (head, body) = panel.split_vertically(26);
        head.draw(&Rectangle::new([(50, 7), (62, 19)], g.colour.filled()))
            .map_err(err)?;
        head.draw(&Text::new(
            g.name.clone(),
            (68, 13),
            style(NOTE_PT, BLACK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
        let stat = if finite == 0 {
            "no finite values".to_string()
        } else {
            format!("{:.0} % in tol.", share(within))
        };
        head.draw(&Text::new(
            stat,
            (pw as i32 - 10, 13),
            style(NOTE_PT, MUTED).pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(err)?;
        let mut chart = ChartBuilder::on(&body)
            .margin_right(22)
            .margin_bottom(4)
            .x_label_area_size(24)
            .y_label_area_size(46)
            .build_cartesian_2d(
                Ticks::new(-range..range, x_ticks.to_vec(), vec![]),
                Ticks::new(0.0..y_max, vec![0.0, y_max / 2.0, y_max], vec![]),
            )
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .label_style(style(NOTE_PT, BLACK))
            .bold_line_style(GRID_LIGHT)
            .x_label_formatter(&|v| {
                let s = pct_label(v.abs()).trim_end_matches(" %").to_string();
                if *v <= -range + 1e-9 {
                    format!("≤−{s}")
                } else if *v >= range - 1e-9 {
                    format!("≥{s}")
                } else if *v < 0.0 {
                    format!("−{s}")
                } else {
                    s
                }
            })
            .y_label_formatter(&|v| trim_num(*v))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(-tol, 0.0), (tol, y_max)],
                BAND.mix(0.6).filled(),
            )))
            .map_err(err)?;
        let gap = width * 0.08;
        chart
            .draw_series(
                counts
                    .iter()
                    .enumerate()
                    .filter(|(_, &c)| c > 0)
                    .map(|(i, &c)| {
                        let x0 = -range + i as f64 * width;
                        Rectangle::new(
                            [(x0 + gap, 0.0), (x0 + width - gap, share(c))],
                            g.colour.mix(0.9).filled(),
                        )
                    }),
            )
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (0.0, y_max)],
                MUTED.stroke_width(1),
            )))
            .map_err(err)?;
    }
    Ok(())
}

/// The cumulative distribution of the latency per method, log time axis (the methods span
/// decades).
fn latency_cdf<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Plot<'_>,
) -> Result<(), String> {
    let area = title(
        root,
        "Programming latency per cell: cumulative distribution",
    )?;
    let data: Vec<(&Group<'_>, Vec<f64>)> = p
        .groups
        .iter()
        .map(|g| {
            let mut v: Vec<f64> = g
                .rows
                .iter()
                .map(|r| r.latency_us)
                .filter(|v| v.is_finite() && *v > 0.0)
                .collect();
            v.sort_by(f64::total_cmp);
            (g, v)
        })
        .collect();
    let entries: Vec<(String, RGBColor)> = data
        .iter()
        .map(|(g, v)| {
            let name = if v.is_empty() {
                format!("{} (no data)", g.name)
            } else {
                g.name.clone()
            };
            (name, g.colour)
        })
        .collect();
    let (plot_area, legend_area) = split_legend(&area, &entries);
    let axis = log_axis(data.iter().flat_map(|(_, v)| v.iter().copied()));
    let mut chart = ChartBuilder::on(&plot_area)
        .margin_top(8)
        .margin_left(10)
        .margin_right(24)
        .margin_bottom(6)
        .x_label_area_size(60)
        .y_label_area_size(78)
        .build_cartesian_2d(
            axis.clone(),
            Ticks::new(
                0.0..100.0,
                vec![0.0, 25.0, 50.0, 75.0, 100.0],
                vec![10.0, 90.0, 99.0],
            ),
        )
        .map_err(err)?;
    mesh(&mut chart)
        .x_desc("programming latency (µs, log scale)")
        .y_desc("cells programmed within that time (%)")
        .x_label_formatter(&|v| num_label(10f64.powf(*v)))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()
        .map_err(err)?;
    if data.iter().all(|(_, v)| v.is_empty()) {
        no_data(&chart.plotting_area().strip_coord_spec())?;
    }
    let eps = (axis.hi - axis.lo) / 900.0;
    for (g, v) in &data {
        if v.is_empty() {
            continue;
        }
        let n = v.len() as f64;
        let mut path: Vec<(f64, f64)> = vec![(axis.lo, 0.0)];
        for (i, x) in v.iter().enumerate() {
            let x = x.log10();
            let after = 100.0 * (i + 1) as f64 / n;
            let len = path.len();
            match path.last_mut() {
                Some(last) if x - last.0 < eps && len > 1 => last.1 = after,
                _ => {
                    let before = path.last().map_or(0.0, |l| l.1);
                    path.push((x, before));
                    path.push((x, after));
                }
            }
        }
        path.push((axis.hi, 100.0));
        chart
            .draw_series(std::iter::once(PathElement::new(
                path,
                g.colour.stroke_width(3),
            )))
            .map_err(err)?;
    }
    legend(&legend_area, &entries)
}

/// Pulses per cell: one row per method (box: quartiles, line: median, diamond: mean, whisker
/// to the 99th percentile, circle: the most), on a log(1 + pulses) axis.
fn pulses<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, p: &Plot<'_>) -> Result<(), String> {
    let area = title(root, "Pulses per cell")?;
    let data: Vec<(&Group<'_>, Vec<f64>)> = p
        .groups
        .iter()
        .map(|g| {
            let mut v: Vec<f64> = g.rows.iter().map(|r| f64::from(r.pulses)).collect();
            v.sort_by(f64::total_cmp);
            (g, v)
        })
        .collect();
    let (w, _) = area.dim_in_pixel();
    let (key, area) = area.split_vertically(30);
    box_key(&key, w as i32 - 30)?;
    if data.is_empty() {
        return no_data(&area);
    }
    let max = data
        .iter()
        .filter_map(|(_, v)| v.last().copied())
        .fold(1.0, f64::max);
    let pos = |v: f64| (1.0 + v.max(0.0)).log10();
    let hi = pos(max) * 1.06 + 0.02;
    let mut ticks = vec![0.0, 1.0, 2.0, 3.0, 5.0];
    let mut decade = 10.0;
    while decade <= max * 1.06 + 1.0 {
        ticks.extend([decade, 2.0 * decade, 5.0 * decade]);
        decade *= 10.0;
    }
    let majors = thin(
        ticks.into_iter().map(pos).filter(|&x| x <= hi).collect(),
        hi * 0.055,
    );
    let minors: Vec<f64> = (1..=9)
        .flat_map(|m| [1.0, 10.0, 100.0, 1000.0, 10000.0].map(|d| pos(m as f64 * d)))
        .filter(|x| *x <= hi && !majors.iter().any(|y| (x - y).abs() < 1e-9))
        .collect();
    let stats_w = 190;
    let (chart_area, _) = area.split_horizontally(w as i32 - stats_w);
    let n = data.len();
    let row_y = |i: usize| (n - i) as f64 - 0.5;
    let names: Vec<String> = data.iter().map(|(g, _)| g.name.clone()).collect();
    let label_w = names
        .iter()
        .map(|s| text_width(&area, s, TICK_PT))
        .max()
        .unwrap_or(0)
        + 24;
    let mut chart = ChartBuilder::on(&chart_area)
        .margin_top(6)
        .margin_right(12)
        .margin_bottom(6)
        .x_label_area_size(60)
        .y_label_area_size(label_w.max(60))
        .build_cartesian_2d(
            Ticks::new(0.0..hi, majors, minors),
            Ticks::new(0.0..n as f64, (0..n).map(row_y).collect(), vec![]),
        )
        .map_err(err)?;
    let name_of = |y: &f64| {
        let i = n as f64 - 0.5 - y;
        names
            .get(i.round().max(0.0) as usize)
            .cloned()
            .unwrap_or_default()
    };
    mesh(&mut chart)
        .disable_y_mesh()
        .x_desc("pulses applied per cell (log scale)")
        .x_label_formatter(&|x| num_label(10f64.powf(*x) - 1.0))
        .y_label_formatter(&name_of)
        .draw()
        .map_err(err)?;
    let row_px = f64::from(chart.plotting_area().dim_in_pixel().1.max(1)) / n as f64;
    for (i, (g, v)) in data.iter().enumerate() {
        if v.is_empty() {
            continue;
        }
        let y = row_y(i);
        let q = |f: f64| pos(quantile(v, f));
        let (min, q1, med, q3, p99, most) = (
            pos(v[0]),
            q(0.25),
            q(0.5),
            q(0.75),
            q(0.99),
            pos(v[v.len() - 1]),
        );
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let half = (0.22f64).min(16.0 / row_px);
        let cap = (0.12f64).min(9.0 / row_px);
        chart
            .draw_series([
                PathElement::new(vec![(min, y), (q1, y)], g.colour.stroke_width(2)),
                PathElement::new(vec![(q3, y), (p99, y)], g.colour.stroke_width(2)),
                PathElement::new(
                    vec![(min, y - cap), (min, y + cap)],
                    g.colour.stroke_width(2),
                ),
                PathElement::new(
                    vec![(p99, y - cap), (p99, y + cap)],
                    g.colour.stroke_width(2),
                ),
            ])
            .map_err(err)?;
        chart
            .draw_series([
                Rectangle::new(
                    [(q1, y - half), (q3, y + half)],
                    g.colour.mix(0.35).filled(),
                ),
                Rectangle::new([(q1, y - half), (q3, y + half)], g.colour.stroke_width(2)),
            ])
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(med, y - half), (med, y + half)],
                BLACK.stroke_width(3),
            )))
            .map_err(err)?;
        if most > p99 {
            chart
                .draw_series(std::iter::once(Circle::new(
                    (most, y),
                    4,
                    g.colour.stroke_width(2),
                )))
                .map_err(err)?;
        }
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((pos(mean), y))
                    + Polygon::new(vec![(0, -7), (7, 0), (0, 7), (-7, 0)], WHITE.filled())
                    + PathElement::new(
                        vec![(0, -7), (7, 0), (0, 7), (-7, 0), (0, -7)],
                        BLACK.stroke_width(2),
                    ),
            ))
            .map_err(err)?;
        let (_, py) = chart.backend_coord(&(0.0, y));
        root.draw(&Text::new(
            format!(
                "mean {}, p99 {}",
                trim_num(mean),
                num_label(quantile(v, 0.99))
            ),
            (w as i32 - stats_w + 4, py),
            style(NOTE_PT, BLACK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// Per method the mean latency split into its parts, as shares (stacked to 100 %) with the
/// mean written beside each bar: the methods differ a hundredfold in latency, so on a time
/// axis the fast ones would vanish, and stacked on a log axis the parts' sizes would lie.
fn latency_breakdown<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Plot<'_>,
) -> Result<(), String> {
    let area = title(root, "Where the time goes: mean latency per cell, by part")?;
    let (w, _) = area.dim_in_pixel();
    let (key, area) = area.split_vertically(30);
    // The parts' legend, one line across the top.
    let mut x = 0;
    let widths: Vec<i32> = PARTS
        .iter()
        .map(|(name, _)| text_width(&key, name, NOTE_PT) + 48)
        .collect();
    let total_w: i32 = widths.iter().sum();
    x += (w as i32 - total_w) / 2;
    for ((name, c), pw) in PARTS.iter().zip(&widths) {
        key.draw(&Rectangle::new([(x, 6), (x + 22, 22)], c.filled()))
            .map_err(err)?;
        key.draw(&Text::new(
            name.to_string(),
            (x + 28, 14),
            style(NOTE_PT, BLACK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
        x += pw;
    }
    let total_w = 150;
    key.draw(&Text::new(
        "mean latency",
        (w as i32 - total_w + 4, 14),
        style(NOTE_PT, MUTED).pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(err)?;
    if p.summaries.is_empty() {
        return no_data(&area);
    }
    let n = p.summaries.len();
    let row_y = |i: usize| (n - i) as f64 - 0.5;
    let names: Vec<String> = p.summaries.iter().map(|(m, _)| m.method.clone()).collect();
    let label_w = names
        .iter()
        .map(|s| text_width(&area, s, TICK_PT))
        .max()
        .unwrap_or(0)
        + 24;
    let (chart_area, _) = area.split_horizontally(w as i32 - total_w);
    let mut chart = ChartBuilder::on(&chart_area)
        .margin_top(6)
        .margin_right(12)
        .margin_bottom(6)
        .x_label_area_size(60)
        .y_label_area_size(label_w.max(60))
        .build_cartesian_2d(
            Ticks::new(
                0.0..100.0,
                vec![0.0, 25.0, 50.0, 75.0, 100.0],
                vec![10.0, 20.0, 30.0, 40.0, 60.0, 70.0, 80.0, 90.0],
            ),
            Ticks::new(0.0..n as f64, (0..n).map(row_y).collect(), vec![]),
        )
        .map_err(err)?;
    let name_of = |y: &f64| {
        let i = n as f64 - 0.5 - y;
        names
            .get(i.round().max(0.0) as usize)
            .cloned()
            .unwrap_or_default()
    };
    mesh(&mut chart)
        .disable_y_mesh()
        .x_desc("share of the mean latency (%)")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&name_of)
        .draw()
        .map_err(err)?;
    let px_per_pct = {
        let (a, _) = chart.backend_coord(&(0.0, 0.0));
        let (b, _) = chart.backend_coord(&(100.0, 0.0));
        f64::from(b - a) / 100.0
    };
    let row_px = f64::from(chart.plotting_area().dim_in_pixel().1.max(1)) / n as f64;
    let half = (0.34f64).min(20.0 / row_px);
    for (i, (m, colour)) in p.summaries.iter().enumerate() {
        let y = row_y(i);
        let b = m.latency_breakdown_us;
        let parts =
            [b.read, b.predict, b.pulse, b.link]
                .map(|v| if v.is_finite() { v.max(0.0) } else { 0.0 });
        let sum: f64 = parts.iter().sum();
        let total = if m.mean_latency_us.is_finite() && m.mean_latency_us > 0.0 {
            m.mean_latency_us
        } else {
            sum
        };
        let (_, py) = chart.backend_coord(&(0.0, y));
        let right = w as i32 - total_w + 4;
        root.draw(&Rectangle::new(
            [(right, py - 7), (right + 14, py + 7)],
            colour.filled(),
        ))
        .map_err(err)?;
        let label = if total > 0.0 {
            format!("{} µs", num_label(total))
        } else {
            "n/a".to_string()
        };
        root.draw(&Text::new(
            label,
            (right + 20, py),
            style(NOTE_PT, BLACK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
        if sum <= 0.0 {
            continue;
        }
        let mut x0 = 0.0;
        for (v, (_, c)) in parts.iter().zip(PARTS.iter()) {
            let share = 100.0 * v / sum;
            if share <= 0.0 {
                continue;
            }
            let x1 = (x0 + share).min(100.0);
            chart
                .draw_series([
                    Rectangle::new([(x0, y - half), (x1, y + half)], c.filled()),
                    Rectangle::new([(x0, y - half), (x1, y + half)], WHITE.stroke_width(1)),
                ])
                .map_err(err)?;
            if share * px_per_pct >= 40.0 {
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("{share:.0} %"),
                        ((x0 + x1) / 2.0, y),
                        style(NOTE_PT, BLACK).pos(Pos::new(HPos::Center, VPos::Center)),
                    )))
                    .map_err(err)?;
            }
            x0 = x1;
        }
    }
    Ok(())
}

/// Conductance against time for single cells, log time axis, each target's band shaded.
fn trajectories<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Plot<'_>,
) -> Result<(), String> {
    let area = title(
        root,
        "Conductance of single cells while they are programmed",
    )?;
    // The legend by method (one colour each), naming the cells.
    let mut cells: Vec<(&str, Vec<usize>)> = Vec::new();
    for t in p.trajectories {
        match cells.iter_mut().find(|(m, _)| *m == t.method) {
            Some((_, c)) => c.push(t.cell),
            None => cells.push((&t.method, vec![t.cell])),
        }
    }
    let entries: Vec<(String, RGBColor)> = cells
        .iter()
        .map(|(m, c)| {
            let which = match c.as_slice() {
                [one] => format!("cell {one}"),
                few if few.len() <= 3 => format!(
                    "cells {}",
                    few.iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                many => format!("{} cells", many.len()),
            };
            (format!("{m} · {which}"), p.colour(m))
        })
        .collect();
    let (plot_area, legend_area) = split_legend(&area, &entries);
    let ok = |&(t, g): &(f64, f64)| t.is_finite() && g.is_finite();
    let mut axis = log_axis(
        p.trajectories
            .iter()
            .flat_map(|t| t.points.iter().filter(|q| ok(q)).map(|q| q.0))
            .filter(|t| *t > 0.0),
    );
    // The readings before programming (time 0) sit at the left edge, labelled "start", a
    // little apart from the first step.
    let span = axis.hi - axis.lo;
    axis.lo -= 0.06 * span;
    let start = axis.lo;
    axis.majors.retain(|m| m - start > 0.1 * span);
    axis.majors.insert(0, start);
    axis.minors.retain(|m| *m > start);
    // Bands: one per distinct target and tolerance, in the method's colour or grey if shared.
    let mut bands: Vec<(f64, f64, Option<RGBColor>)> = Vec::new();
    for t in p.trajectories {
        if !(t.target_us.is_finite() && t.tolerance.is_finite()) {
            continue;
        }
        let c = p.colour(&t.method);
        match bands
            .iter_mut()
            .find(|b| b.0 == t.target_us && b.1 == t.tolerance)
        {
            Some(b) if b.2 != Some(c) => b.2 = None,
            Some(_) => {}
            None => bands.push((t.target_us, t.tolerance, Some(c))),
        }
    }
    let ys = p
        .trajectories
        .iter()
        .flat_map(|t| t.points.iter().filter(|q| ok(q)).map(|q| q.1))
        .chain(
            bands
                .iter()
                .flat_map(|b| [b.0 * (1.0 - b.1), b.0 * (1.0 + b.1)]),
        )
        .filter(|v| v.is_finite());
    let (mut y0, mut y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if y0 > y1 {
        (y0, y1) = (0.0, 1.0);
    }
    let pad = ((y1 - y0) * 0.06).max(y1.abs() * 0.01).max(1e-6);
    let (y0, y1) = (
        (y0 - pad).max(if y0 >= 0.0 { 0.0 } else { f64::NEG_INFINITY }),
        y1 + pad,
    );
    let mut chart = ChartBuilder::on(&plot_area)
        .margin_top(8)
        .margin_left(10)
        .margin_right(24)
        .margin_bottom(6)
        .x_label_area_size(60)
        .y_label_area_size(78)
        .build_cartesian_2d(axis.clone(), y0..y1)
        .map_err(err)?;
    mesh(&mut chart)
        .x_desc("time since the cell's start (µs, log scale)")
        .y_desc("conductance read (µS)")
        .x_label_formatter(&|v| {
            if *v == start {
                "start".to_string()
            } else {
                num_label(10f64.powf(*v))
            }
        })
        .y_label_formatter(&|v| trim_num(*v))
        .y_labels(8)
        .y_max_light_lines(1)
        .draw()
        .map_err(err)?;
    if !p.trajectories.iter().any(|t| t.points.iter().any(ok)) {
        no_data(&chart.plotting_area().strip_coord_spec())?;
    }
    for &(target, tol, c) in &bands {
        let fill = c.map_or(BAND.mix(0.9), |c| c.mix(0.2));
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [
                    (axis.lo, target * (1.0 - tol)),
                    (axis.hi, target * (1.0 + tol)),
                ],
                fill.filled(),
            )))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(DashedPathElement::new(
                vec![(axis.lo, target), (axis.hi, target)],
                6,
                4,
                c.unwrap_or(MUTED).stroke_width(1),
            )))
            .map_err(err)?;
    }
    let dot = if p.trajectories.len() > 12 { 3 } else { 4 };
    for t in p.trajectories {
        let c = p.colour(&t.method);
        let pts: Vec<(f64, f64)> = t
            .points
            .iter()
            .filter(|q| ok(q))
            .map(|&(time, g)| {
                let x = if time > 0.0 {
                    time.log10().max(axis.lo)
                } else {
                    axis.lo
                };
                (x, g)
            })
            .collect();
        chart
            .draw_series(std::iter::once(PathElement::new(
                pts.clone(),
                c.stroke_width(2),
            )))
            .map_err(err)?;
        chart
            .draw_series(pts.into_iter().map(|q| Circle::new(q, dot, c.filled())))
            .map_err(err)?;
    }
    legend(&legend_area, &entries)
}

// ---------------------------------------------------------------------------------------------
// Pieces

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string().replace('\n', " ")
}

fn style(size: f64, colour: RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&colour)
}

/// The title across the top; the area below it.
fn title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
) -> Result<DrawingArea<DB, Shift>, String> {
    let (w, _) = root.dim_in_pixel();
    centred_text(root, text, TITLE_PT, (w as i32 / 2, 22))?;
    Ok(root.split_vertically(TITLE_H).1)
}

fn centred_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
    at: (i32, i32),
) -> Result<(), String> {
    area.draw(&Text::new(
        text.to_string(),
        at,
        style(size, BLACK).pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(err)
}

fn vertical_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
) -> Result<(), String> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        text.to_string(),
        (w as i32 / 2, h as i32 / 2),
        style(size, BLACK)
            .pos(Pos::new(HPos::Center, VPos::Center))
            .transform(FontTransform::Rotate270),
    ))
    .map_err(err)
}

fn no_data<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Result<(), String> {
    let (w, h) = area.dim_in_pixel();
    centred_text(area, "no data", DESC_PT, (w as i32 / 2, h as i32 / 2))
}

fn text_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, size: f64) -> i32 {
    area.estimate_text_size(text, &style(size, BLACK))
        .map_or(text.chars().count() as i32 * 9, |(w, _)| w as i32)
}

/// The mesh as every plot has it.
fn mesh<'a, 'b, DB, X, Y>(
    chart: &'b mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
) -> plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    DB: DrawingBackend,
    X: Ranged + ValueFormatter<X::ValueType>,
    Y: Ranged + ValueFormatter<Y::ValueType>,
{
    let mut m = chart.configure_mesh();
    m.label_style(style(TICK_PT, BLACK))
        .axis_desc_style(style(DESC_PT, BLACK))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .axis_style(MUTED);
    m
}

/// Split off a legend column on the right, as wide as its longest entry.
fn split_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let (w, _) = area.dim_in_pixel();
    let longest = entries
        .iter()
        .map(|(s, _)| text_width(area, s, NOTE_PT))
        .max()
        .unwrap_or(0);
    let legend_w = (longest + 56).max(120).min(w as i32 / 3);
    area.split_horizontally(w as i32 - legend_w)
}

fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
) -> Result<(), String> {
    let row = 26;
    for (i, (name, c)) in entries.iter().enumerate() {
        let y = 20 + i as i32 * row;
        area.draw(&PathElement::new(vec![(4, y), (32, y)], c.stroke_width(4)))
            .map_err(err)?;
        area.draw(&Text::new(
            name.clone(),
            (40, y),
            style(NOTE_PT, BLACK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// The key of the pulses plot's glyphs, right-aligned at `right`.
fn box_key<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, right: i32) -> Result<(), String> {
    let c = MUTED;
    let items = [
        "box: middle half of the cells",
        "median",
        "mean",
        "whisker: min to p99",
        "most",
    ];
    let widths: Vec<i32> = items.iter().map(|s| text_width(area, s, NOTE_PT)).collect();
    let total: i32 = widths.iter().sum::<i32>() + 5 * 34;
    let mut x = (right - total).max(4);
    let y = 14;
    for (i, (s, tw)) in items.iter().zip(&widths).enumerate() {
        match i {
            0 => {
                area.draw(&Rectangle::new(
                    [(x, y - 7), (x + 22, y + 7)],
                    c.mix(0.35).filled(),
                ))
                .map_err(err)?;
                area.draw(&Rectangle::new(
                    [(x, y - 7), (x + 22, y + 7)],
                    c.stroke_width(2),
                ))
                .map_err(err)?;
            }
            1 => area
                .draw(&PathElement::new(
                    vec![(x + 11, y - 8), (x + 11, y + 8)],
                    BLACK.stroke_width(3),
                ))
                .map_err(err)?,
            2 => {
                let d = vec![(x + 11, y - 7), (x + 18, y), (x + 11, y + 7), (x + 4, y)];
                area.draw(&Polygon::new(d.clone(), WHITE.filled()))
                    .map_err(err)?;
                let mut closed = d;
                closed.push((x + 11, y - 7));
                area.draw(&PathElement::new(closed, BLACK.stroke_width(2)))
                    .map_err(err)?;
            }
            3 => area
                .draw(&PathElement::new(
                    vec![(x, y), (x + 22, y)],
                    c.stroke_width(2),
                ))
                .map_err(err)?,
            _ => area
                .draw(&Circle::new((x + 11, y), 4, c.stroke_width(2)))
                .map_err(err)?,
        }
        area.draw(&Text::new(
            s.to_string(),
            (x + 28, y),
            style(NOTE_PT, MUTED).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
        x += tw + 34;
    }
    Ok(())
}

/// A linear axis with the ticks given (bold grid lines and labels at `majors`, light grid
/// lines at `minors`); for a log axis, of log10 values.
#[derive(Clone)]
struct Ticks {
    lo: f64,
    hi: f64,
    majors: Vec<f64>,
    minors: Vec<f64>,
}

impl Ticks {
    fn new(range: std::ops::Range<f64>, majors: Vec<f64>, minors: Vec<f64>) -> Self {
        Self {
            lo: range.start,
            hi: range.end,
            majors,
            minors,
        }
    }
}

impl Ranged for Ticks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, (a, b): (i32, i32)) -> i32 {
        let f = (v - self.lo) / (self.hi - self.lo);
        if !f.is_finite() {
            return if f > 0.0 { b } else { a };
        }
        a + (f64::from(b - a) * f.clamp(-10.0, 10.0) + 1e-3).floor() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minors.clone()
        } else {
            self.majors.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// The log axis for positive values (10 to 10 000 for none).
fn log_axis(values: impl Iterator<Item = f64>) -> Ticks {
    let (min, max) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let (mut l0, mut l1) = if min <= max {
        (min.log10(), max.log10())
    } else {
        (1.0, 4.0)
    };
    if l1 - l0 < 0.5 {
        let mid = (l0 + l1) / 2.0;
        (l0, l1) = (mid - 0.25, mid + 0.25);
    }
    let pad = 0.04 * (l1 - l0) + 0.03;
    let (lo, hi) = (l0 - pad, l1 + pad);
    let span = hi - lo;
    let mantissas: &[f64] = if span > 3.2 {
        &[1.0]
    } else if span > 1.4 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0, 2.0, 3.0, 5.0, 7.0]
    };
    let step = if span > 7.0 {
        (span / 6.0).ceil() as i32
    } else {
        1
    };
    let (mut majors, mut minors) = (Vec::new(), Vec::new());
    for k in (lo.floor() as i32)..=(hi.ceil() as i32) {
        for m in 1..=9 {
            let x = f64::from(k) + f64::from(m).log10();
            if x < lo || x > hi {
                continue;
            }
            if mantissas.contains(&f64::from(m)) && k.rem_euclid(step) == 0 {
                majors.push(x);
            } else if step == 1 {
                minors.push(x);
            }
        }
    }
    Ticks {
        lo,
        hi,
        majors,
        minors,
    }
}

/// Drop ticks closer than `gap` to the one kept before.
fn thin(ticks: Vec<f64>, gap: f64) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    for t in ticks {
        match out.last() {
            Some(l) if t - l < gap => {}
            _ => out.push(t),
        }
    }
    out
}

/// The smallest of 1, 2, 2.5, 5 × 10^k at least `v`.
fn nice_ceiling(v: f64) -> f64 {
    let k = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * k)
        .find(|x| *x >= v * (1.0 - 1e-9))
        .unwrap_or(v)
}

/// A tick value: integers grouped by thousands ("12 500"), others to 3 significant digits.
fn num_label(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let r = {
        let mag = 10f64.powf(v.abs().max(1e-12).log10().floor() - 2.0);
        (v / mag).round() * mag
    };
    if r.abs() >= 1.0 && (r - r.round()).abs() < 1e-6 {
        group(r.round())
    } else {
        trim_num(r)
    }
}

fn group(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 && digits.len() > 4 {
            out.push(' ');
        }
        out.push(c);
    }
    if v < 0.0 {
        out.insert(0, '−');
    }
    out
}

/// A number with at most 3 significant decimals and no trailing zeros.
fn trim_num(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v.abs() >= 1000.0 {
        return group(v.round());
    }
    let decimals = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s.replace('-', "−")
    }
}

fn pct_label(v: f64) -> String {
    format!("{} %", trim_num(v))
}

// ---------------------------------------------------------------------------------------------
// SVG without a font

/// DejaVu Sans's advance widths of ASCII 32..=126, in 1/1000 em.
const ADVANCE: [u16; 95] = [
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632,
    575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685,
    611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579,
    278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];

/// The width of `text` in em, as DejaVu Sans sets it (near enough for other sans fonts).
fn em_width(text: &str) -> f64 {
    text.chars()
        .map(|c| match c {
            ' '..='~' => f64::from(ADVANCE[c as usize - 32]) / 1000.0,
            'µ' => 0.636,
            '±' | '−' | '×' | '≤' | '≥' => 0.838,
            '–' => 0.5,
            '·' => 0.32,
            '…' | '—' => 1.0,
            _ => 0.8,
        })
        .sum()
}

mod svg_text {
    use plotters::prelude::{DrawingBackend, SVGBackend};
    use plotters_backend::{
        BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
    };

    use super::em_width;

    /// plotters' SVG backend, measuring text with [`em_width`] rather than a loaded font. With
    /// plotters' `ab_glyph` feature, any layout that measures text (titles, right-hand labels,
    /// legends) asks the registered font and fails with `FontUnavailable` when none was
    /// registered; measuring here keeps the SVGs free of any font file.
    pub(super) struct SvgText<'a>(pub(super) SVGBackend<'a>);

    impl DrawingBackend for SvgText<'_> {
        type ErrorType = std::io::Error;

        fn get_size(&self) -> (u32, u32) {
            self.0.get_size()
        }

        fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.ensure_prepared()
        }

        fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.present()
        }

        fn draw_pixel(
            &mut self,
            point: BackendCoord,
            color: BackendColor,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.draw_pixel(point, color)
        }

        fn draw_line<S: BackendStyle>(
            &mut self,
            from: BackendCoord,
            to: BackendCoord,
            style: &S,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.draw_line(from, to, style)
        }

        fn draw_rect<S: BackendStyle>(
            &mut self,
            upper_left: BackendCoord,
            bottom_right: BackendCoord,
            style: &S,
            fill: bool,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.draw_rect(upper_left, bottom_right, style, fill)
        }

        fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            path: I,
            style: &S,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.draw_path(path, style)
        }

        fn draw_circle<S: BackendStyle>(
            &mut self,
            center: BackendCoord,
            radius: u32,
            style: &S,
            fill: bool,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.draw_circle(center, radius, style, fill)
        }

        fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            vert: I,
            style: &S,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.fill_polygon(vert, style)
        }

        fn draw_text<S: BackendTextStyle>(
            &mut self,
            text: &str,
            style: &S,
            pos: BackendCoord,
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.draw_text(text, style, pos)
        }

        fn estimate_text_size<S: BackendTextStyle>(
            &self,
            text: &str,
            style: &S,
        ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
            // The SVG backend writes a font-size of size / 1.24.
            let px = style.size() / 1.24;
            Ok(((em_width(text) * px).ceil() as u32, px.ceil() as u32))
        }

        fn blit_bitmap(
            &mut self,
            pos: BackendCoord,
            size: (u32, u32),
            src: &[u8],
        ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
            self.0.blit_bitmap(pos, size, src)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::CellOutcome;

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
                "cells programmed within",
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

    #[test]
    fn ticks_read_well() {
        assert_eq!(num_label(10_000.0), "10 000");
        assert_eq!(num_label(1000.0), "1000");
        assert_eq!(num_label(0.5), "0.5");
        assert_eq!(trim_num(12.5), "12.5");
        assert_eq!(trim_num(-0.0001), "0");
        let axis = log_axis([50.0, 50_000.0].into_iter());
        assert!(axis.lo < 50f64.log10() && axis.hi > 50_000f64.log10());
        assert!(axis.majors.len() >= 3);
        let none = log_axis(std::iter::empty());
        assert!(none.lo < none.hi);
    }
}
