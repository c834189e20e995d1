//! The drawing pieces the plots share: error text, the text style, the title, centred and
//! vertical text, the "no data" note, text widths, the mesh every plot has, and the legend.

use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::text::FAMILY;
use super::{DESC_PT, GRID_BOLD, GRID_LIGHT, MUTED, NOTE_PT, TICK_PT, TITLE_H, TITLE_PT};

/// An error as one line of text.
pub(super) fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string().replace('\n', " ")
}

/// The text style of every plot: the one family, at `size` in `colour`.
pub(super) fn style(size: f64, colour: RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&colour)
}

/// The title across the top; the area below it.
pub(super) fn title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
) -> Result<DrawingArea<DB, Shift>, String> {
    let (w, _) = root.dim_in_pixel();
    centred_text(root, text, TITLE_PT, (w as i32 / 2, 22))?;
    Ok(root.split_vertically(TITLE_H).1)
}

pub(super) fn centred_text<DB: DrawingBackend>(
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

pub(super) fn vertical_text<DB: DrawingBackend>(
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

pub(super) fn no_data<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Result<(), String> {
    let (w, h) = area.dim_in_pixel();
    centred_text(area, "no data", DESC_PT, (w as i32 / 2, h as i32 / 2))
}

pub(super) fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
) -> i32 {
    area.estimate_text_size(text, &style(size, BLACK))
        .map_or(text.chars().count() as i32 * 9, |(w, _)| w as i32)
}

/// The mesh as every plot has it.
pub(super) fn mesh<'a, 'b, DB, X, Y>(
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
pub(super) fn split_legend<DB: DrawingBackend>(
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

pub(super) fn legend<DB: DrawingBackend>(
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

/// The name of the row drawn at height `y` of a chart with one row per name, the first at the
/// top (row `i` is centred at `names.len() - 0.5 - i`).
pub(super) fn row_name(names: &[String], y: f64) -> String {
    let i = names.len() as f64 - 0.5 - y;
    names
        .get(i.round().max(0.0) as usize)
        .cloned()
        .unwrap_or_default()
}
