//! The latency_cdf plot: the cumulative distribution of the programming latency per method,
//! on a log time axis, counting only the cells brought into tolerance (a curve levels off at
//! its method's success rate).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{log_axis, num_label, Ticks};
use super::data::{Group, Plot};
use super::draw::{err, legend, mesh, no_data, split_legend, title};

/// The share of each method's cells in tolerance within a latency, log time axis (the methods
/// span decades). Cells that failed count in the whole but never in the share done, so a curve
/// ends at the method's success rate, not at 100 %.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Plot<'_>,
) -> Result<(), String> {
    let area = title(
        root,
        "Programming latency per cell: cumulative distribution",
    )?;
    // Per method: the sorted latencies of the cells in tolerance, and the number of cells (every
    // cell counts in the whole, a cell without a finite latency never as done).
    let data: Vec<(&Group<'_>, Vec<f64>, usize)> = p
        .groups
        .iter()
        .map(|g| {
            let mut v: Vec<f64> = g
                .rows
                .iter()
                .filter(|r| r.success())
                .map(|r| r.latency_us)
                .filter(|v| v.is_finite() && *v > 0.0)
                .collect();
            v.sort_by(f64::total_cmp);
            (g, v, g.rows.len())
        })
        .collect();
    let entries: Vec<(String, RGBColor)> = data
        .iter()
        .map(|(g, v, n)| {
            let name = if *n == 0 {
                format!("{} (no data)", g.name)
            } else {
                format!("{} ({})", g.name, pct_label(v.len(), *n))
            };
            (name, g.colour)
        })
        .collect();
    let (plot_area, legend_area) = split_legend(&area, &entries);
    let axis = log_axis(data.iter().flat_map(|(_, v, _)| v.iter().copied()));
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
        .y_desc("cells in tolerance within that time (%)")
        .x_label_formatter(&|v| num_label(10f64.powf(*v)))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()
        .map_err(err)?;
    if data.iter().all(|(_, v, _)| v.is_empty()) {
        no_data(&chart.plotting_area().strip_coord_spec())?;
    }
    let eps = (axis.hi - axis.lo) / 900.0;
    for (g, v, n) in &data {
        if v.is_empty() {
            continue;
        }
        let n = *n as f64;
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
        path.push((axis.hi, 100.0 * v.len() as f64 / n));
        chart
            .draw_series(std::iter::once(PathElement::new(
                path,
                g.colour.stroke_width(3),
            )))
            .map_err(err)?;
    }
    legend(&legend_area, &entries)
}

/// A method's success share for its legend entry: "100 %", "62.9 %", "0.05 %".
fn pct_label(done: usize, all: usize) -> String {
    let p = 100.0 * done as f64 / all as f64;
    if done == all {
        "100 %".to_string()
    } else if done == 0 {
        "0 %".to_string()
    } else if p >= 1.0 {
        format!("{p:.1} %")
    } else {
        format!("{p:.2} %")
    }
}
