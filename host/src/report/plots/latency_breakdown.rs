//! The latency_breakdown plot: per method the mean latency split into read, predict, pulse
//! and link, as shares stacked to 100 %, the mean beside each bar.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{num_label, Ticks};
use super::data::Plot;
use super::draw::{err, mesh, no_data, row_name, style, text_width, title};
use super::{MUTED, NOTE_PT, PARTS, TICK_PT};

/// Per method the mean latency split into its parts, as shares (stacked to 100 %) with the
/// mean written beside each bar: the methods differ a hundredfold in latency, so on a time
/// axis the fast ones would vanish, and stacked on a log axis the parts' sizes would lie.
pub(super) fn draw<DB: DrawingBackend>(
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
    let name_of = |y: &f64| row_name(&names, *y);
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
