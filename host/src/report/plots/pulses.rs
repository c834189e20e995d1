//! The pulses plot: pulses per cell, one box-and-whisker row per method on a log(1 + pulses)
//! axis, and the key of its glyphs.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{num_label, thin, trim_num, Ticks};
use super::data::{Group, Plot};
use super::draw::{err, mesh, no_data, row_name, style, text_width, title};
use super::{MUTED, NOTE_PT, TICK_PT};
use crate::report::quantile;

/// Pulses per cell: one row per method (box: quartiles, line: median, diamond: mean, whisker
/// to the 99th percentile, circle: the most), on a log(1 + pulses) axis.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Plot<'_>,
) -> Result<(), String> {
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
    let name_of = |y: &f64| row_name(&names, *y);
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
