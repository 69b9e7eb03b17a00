//! PNG faces: the SVG face rasterised by resvg with the card fonts loaded explicitly, so the
//! output never depends on which fonts the server happens to have.

use std::sync::Arc;

use anyhow::{Context, bail};
use resvg::{tiny_skia, usvg};

use super::text::Fonts;

/// The highest resolution accepted: 1200 dpi is already more than any card printer resolves.
pub const MAX_DPI: u32 = 1200;

/// A font database holding exactly the card fonts.
pub fn font_db(fonts: &Fonts) -> Arc<usvg::fontdb::Database> {
    let mut db = usvg::fontdb::Database::new();
    for file in &fonts.files {
        db.load_font_source(usvg::fontdb::Source::Binary(file.bytes.clone()));
    }
    if let Some(main) = fonts.files.last() {
        db.set_sans_serif_family(main.family.clone());
    }
    Arc::new(db)
}

/// Rasterises an SVG face at `dpi` on a white ground and encodes it as PNG.
pub fn rasterise(db: &Arc<usvg::fontdb::Database>, svg: &str, dpi: u32) -> anyhow::Result<Vec<u8>> {
    if !(36..=MAX_DPI).contains(&dpi) {
        bail!("a PNG resolution of {dpi} dpi is out of range (36 to {MAX_DPI})");
    }
    let options = usvg::Options {
        fontdb: db.clone(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).context("reading the SVG face")?;
    // usvg sizes the tree at 96 px per inch.
    let scale = dpi as f32 / 96.0;
    let size = tree.size();
    let width = (size.width() * scale).round() as u32;
    let height = (size.height() * scale).round() as u32;
    let mut pixmap = tiny_skia::Pixmap::new(width, height).context("allocating the PNG image")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().context("encoding the PNG image")
}
