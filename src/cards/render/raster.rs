//! Marks drawn straight into pixels: rectangles and lines with tiny-skia, text from the
//! fonts' own glyph outlines, and the QR code as whole pixels, its module edges snapped to the
//! pixel grid so that every module is crisp (no grey seams for a phone camera to puzzle over).

use std::collections::HashMap;

use anyhow::Context;
use image::ImageEncoder as _;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use tiny_skia::{
    self, FillRule, LineCap, Paint, Path, PathBuilder, Pixmap, Rect, Stroke, Transform,
};

use super::layout::Mark;
use super::template::{Rgb, Size};
use super::text::{Fonts, Line, MM_PER_PT};

/// One face's pixels: the card plus its bleed, at a resolution.
#[derive(Clone)]
pub struct Page {
    pixmap: Pixmap,
    /// Pixels per millimetre.
    scale: f32,
    /// Millimetres of bleed around the trim box (the card's (0, 0) sits this far in).
    bleed: f32,
}

impl Page {
    /// A white page for a `card` with `bleed` mm around it, at `dpi`.
    pub fn new(card: Size, bleed: f32, dpi: u32) -> anyhow::Result<Self> {
        let scale = dpi as f32 / 25.4;
        let px = |mm: f32| ((mm + 2.0 * bleed) * scale).round() as u32;
        let mut pixmap =
            Pixmap::new(px(card.width), px(card.height)).context("allocating the PNG image")?;
        pixmap.fill(tiny_skia::Color::WHITE);
        Ok(Self {
            pixmap,
            scale,
            bleed,
        })
    }

    /// Memory the pixels take.
    pub fn bytes(&self) -> usize {
        self.pixmap.data().len()
    }

    /// Card millimetres to pixels.
    fn transform(&self) -> Transform {
        Transform::from_row(
            self.scale,
            0.0,
            0.0,
            self.scale,
            self.bleed * self.scale,
            self.bleed * self.scale,
        )
    }

    /// The page as a PNG, 8-bit RGBA: the ground is opaque, so premultiplied pixels are plain
    /// ones, and the constant alpha costs next to nothing once filtered and compressed. `Effort::Once` compresses harder,
    /// for a face encoded once and copied into every card's files.
    pub fn encode(&self, effort: Effort) -> anyhow::Result<Vec<u8>> {
        let (w, h) = (self.pixmap.width(), self.pixmap.height());
        let mut out = Vec::with_capacity((w * h) as usize / 8);
        // Measured on card faces: zlib level 3 on "up"-filtered rows is both faster and about
        // four times smaller than the PNG crate's "fast" mode; the default level gains little
        // more at half the speed.
        let (level, filter) = match effort {
            Effort::PerCard => (CompressionType::Level(3), FilterType::Up),
            Effort::Once => (CompressionType::Default, FilterType::NoFilter),
        };
        PngEncoder::new_with_quality(&mut out, level, filter)
            .write_image(self.pixmap.data(), w, h, image::ExtendedColorType::Rgba8)
            .context("encoding the PNG image")?;
        Ok(out)
    }
}

/// How hard to compress a PNG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effort {
    /// A face made once per batch (or a single preview).
    Once,
    /// One of many: every card's own face.
    PerCard,
}

/// Draws marks onto pages; keeps the glyph outlines it has met (one painter per thread).
pub struct Painter<'a> {
    fonts: &'a Fonts,
    faces: Vec<ttf_parser::Face<'a>>,
    outlines: HashMap<(u8, u16), Option<Path>>,
}

impl<'a> Painter<'a> {
    /// Parses the font tables once.
    pub fn new(fonts: &'a Fonts) -> anyhow::Result<Self> {
        let faces = fonts.faces()?;
        Ok(Self {
            fonts,
            faces,
            outlines: HashMap::new(),
        })
    }

    /// Draws `marks` in order onto `page`.
    pub fn draw(&mut self, page: &mut Page, marks: &[Mark]) {
        let ts = page.transform();
        for mark in marks {
            match mark {
                Mark::Rect { bbox, fill, stroke } => {
                    let [x, y, w, h] = *bbox;
                    let Some(rect) = Rect::from_xywh(x, y, w, h) else {
                        continue;
                    };
                    if let Some(c) = fill {
                        page.pixmap.fill_rect(rect, &paint(*c), ts, None);
                    }
                    if let Some((c, width)) = stroke {
                        let path = PathBuilder::from_rect(rect);
                        page.pixmap
                            .stroke_path(&path, &paint(*c), &stroke_of(*width), ts, None);
                    }
                }
                Mark::Line {
                    from,
                    to,
                    color,
                    width,
                } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(from[0], from[1]);
                    pb.line_to(to[0], to[1]);
                    if let Some(path) = pb.finish() {
                        page.pixmap.stroke_path(
                            &path,
                            &paint(*color),
                            &stroke_of(*width),
                            ts,
                            None,
                        );
                    }
                }
                Mark::Text(line) => self.text(page, ts, line),
                Mark::Qr {
                    x,
                    y,
                    module,
                    matrix,
                    color,
                } => {
                    let mut paint = paint(*color);
                    paint.anti_alias = false;
                    // Module edges on whole pixels: modules differ by at most one pixel.
                    let px = |mm: f32| ((mm + page.bleed) * page.scale).round();
                    for r in matrix.rects() {
                        let left = px(x + f32::from(r.x) * module);
                        let right = px(x + f32::from(r.x + r.w) * module);
                        let top = px(y + f32::from(r.y) * module);
                        let bottom = px(y + f32::from(r.y + r.h) * module);
                        if let Some(rect) = Rect::from_ltrb(left, top, right, bottom) {
                            page.pixmap
                                .fill_rect(rect, &paint, Transform::identity(), None);
                        }
                    }
                }
            }
        }
    }

    fn text(&mut self, page: &mut Page, ts: Transform, line: &Line) {
        let paint = paint(line.color);
        let em = line.size * MM_PER_PT;
        let mut x = line.x;
        for g in &line.glyphs {
            let font = usize::from(g.font);
            let upem = self
                .fonts
                .files
                .get(font)
                .map_or(1000.0, |f| f.units_per_em);
            let faces = &self.faces;
            let outline = self
                .outlines
                .entry((g.font, g.gid))
                .or_insert_with(|| outline(faces.get(font)?, g.gid));
            if let Some(path) = outline {
                let at = ts
                    .pre_translate(x, line.baseline)
                    .pre_scale(em / upem, -em / upem);
                page.pixmap
                    .fill_path(path, &paint, FillRule::Winding, at, None);
            }
            x += g.advance * em;
        }
    }
}

fn paint(c: Rgb) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(c.0, c.1, c.2, 255);
    paint.anti_alias = true;
    paint
}

/// A stroke `width` points wide, in the millimetres marks are laid out in.
fn stroke_of(width: f32) -> Stroke {
    Stroke {
        width: width * MM_PER_PT,
        line_cap: LineCap::Butt,
        ..Stroke::default()
    }
}

/// A glyph's outline in font units (y up); `None` for a blank glyph such as a space.
fn outline(face: &ttf_parser::Face<'_>, gid: u16) -> Option<Path> {
    let mut builder = Outline(PathBuilder::new());
    face.outline_glyph(ttf_parser::GlyphId(gid), &mut builder)?;
    builder.0.finish()
}

struct Outline(PathBuilder);

impl ttf_parser::OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, y);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, y);
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(x1, y1, x, y);
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.cubic_to(x1, y1, x2, y2, x, y);
    }

    fn close(&mut self) {
        self.0.close();
    }
}
