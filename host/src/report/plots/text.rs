//! The plots' text and fonts: the PNG font (a TrueType file registered with plotters once
//! per process, [`load_font`]) and, for the SVGs, [`SvgText`], plotters' SVG backend measuring
//! text with DejaVu Sans's advance widths built in here, so the SVGs need no font file.

use std::path::PathBuf;
use std::sync::OnceLock;

use plotters::prelude::{DrawingBackend, SVGBackend};
use plotters::style::{register_font, FontStyle};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// The font family of all text (registered under this name for the PNGs).
pub(super) const FAMILY: &str = "sans-serif";
/// Where Debian's `fonts-dejavu-core` puts DejaVu Sans.
const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// Register the PNG font once per process; the reason when it cannot be had.
pub(super) fn load_font() -> Result<(), String> {
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
