//! The rpd_target plot: histograms of RPD_target, one panel per method, the tolerance band
//! shaded.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{nice_ceiling, pct_label, trim_num, Ticks};
use super::data::Plot;
use super::draw::{centred_text, err, no_data, style, title, vertical_text};
use super::{BAND, DESC_PT, GRID_LIGHT, MUTED, NOTE_PT};

/// Histograms of RPD_target, one panel per method (small multiples: up to nine methods with
/// shapes from a spike to a spread read better side by side than overlaid).
pub(super) fn draw<DB: DrawingBackend>(
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
