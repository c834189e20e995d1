//! The PNG path: a plot drawn by plotters' bitmap backend into memory and encoded by the
//! `png` crate.

use plotters::prelude::*;

use super::data::Plot;
use super::draw::err;
use super::{render, SIZE};

/// A plot as PNG (RGB, 8 bits): drawn by plotters' bitmap backend into memory, encoded by the
/// `png` crate (lighter to build than plotters' own encoder, which pulls in all of `image`).
pub(super) fn png(stem: &str, plot: &Plot<'_>) -> Result<Vec<u8>, String> {
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
