//! The trajectories plot: the conductance of single cells against time while they are
//! programmed, log time axis, each target's tolerance band shaded.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::axis::{log_axis, num_label, trim_num};
use super::data::Plot;
use super::draw::{err, legend, mesh, no_data, split_legend, title};
use super::{BAND, MUTED};

/// Conductance against time for single cells, log time axis, each target's band shaded.
pub(super) fn draw<DB: DrawingBackend>(
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
