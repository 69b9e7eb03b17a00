//! Plain documents (reports, not cards) in the cards' PDF machinery: pages of a given size,
//! text set in the card fonts (embedded, subset, with a ToUnicode map so the text can be
//! copied and searched), rectangles and lines. Each page is written out as soon as it is
//! finished; the fonts are subset once at the end.

use std::io::Write;

use anyhow::Context;
use pdf_writer::{Chunk, Content, Filter, Finish, Name, Rect, Ref};

use super::Assets;
use super::layout::Mark;
use super::pdf::content::{self, PT};
use super::pdf::deflate;
use super::pdf::fonts::{FontUse, RESOURCE_NAMES};
use super::pdf::objects::ObjectWriter;
use super::template::{Rgb, Weight};
use super::text::{Glyph, Line, Shaper, width};

/// A document being written, page by page; lengths in mm from the page's top-left.
pub struct PagedPdf<'a> {
    assets: &'a Assets,
    shaper: Shaper<'a>,
    used: FontUse,
    w: ObjectWriter<'a>,
    catalog: Ref,
    pages: Ref,
    resources: Ref,
    font_refs: Vec<Ref>,
    page_refs: Vec<Ref>,
    size: [f32; 2],
    marks: Vec<Mark>,
}

impl<'a> PagedPdf<'a> {
    /// Starts a document of `width` × `height` mm pages written to `out`.
    pub fn start(
        assets: &'a Assets,
        out: &'a mut dyn Write,
        width: f32,
        height: f32,
    ) -> anyhow::Result<Self> {
        let shaper = Shaper::new(&assets.fonts)?;
        let mut w = ObjectWriter::start(out)?;
        let catalog = w.alloc();
        let pages = w.alloc();
        let resources = w.alloc();
        let font_refs = assets.fonts.files.iter().map(|_| w.alloc()).collect();
        Ok(Self {
            assets,
            shaper,
            used: FontUse::new(assets.fonts.files.len()),
            w,
            catalog,
            pages,
            resources,
            font_refs,
            page_refs: Vec::new(),
            size: [width, height],
            marks: Vec::new(),
        })
    }

    /// Glyphs for `text`; a character no font has is left out rather than failing the page.
    fn glyphs(&mut self, text: &str, weight: Weight) -> Vec<Glyph> {
        match self.shaper.glyphs(text, weight) {
            Ok(glyphs) => glyphs,
            Err(_) => text
                .chars()
                .filter_map(|c| {
                    let mut one = [0u8; 4];
                    self.shaper.glyphs(c.encode_utf8(&mut one), weight).ok()
                })
                .flatten()
                .collect(),
        }
    }

    /// How wide `text` sets at `size` points, in mm.
    pub fn measure(&mut self, text: &str, size: f32, weight: Weight) -> f32 {
        width(&self.glyphs(text, weight)) * size / PT
    }

    /// Sets `text` at `size` points with its baseline at (`x`, `baseline`); returns its width.
    pub fn text(
        &mut self,
        x: f32,
        baseline: f32,
        size: f32,
        weight: Weight,
        color: Rgb,
        text: &str,
    ) -> f32 {
        let glyphs = self.glyphs(text, weight);
        let w = width(&glyphs) * size / PT;
        self.marks.push(Mark::Text(Line {
            x,
            baseline,
            size,
            weight,
            color,
            glyphs,
        }));
        w
    }

    /// A rectangle [`x`, `y`, `w`, `h`], filled and/or stroked (width in points).
    pub fn rect(&mut self, bbox: [f32; 4], fill: Option<Rgb>, stroke: Option<(Rgb, f32)>) {
        self.marks.push(Mark::Rect { bbox, fill, stroke });
    }

    /// A straight line (width in points).
    pub fn line(&mut self, from: [f32; 2], to: [f32; 2], color: Rgb, width: f32) {
        self.marks.push(Mark::Line {
            from,
            to,
            color,
            width,
        });
    }

    /// Writes the page drawn so far; what is drawn next goes on a new page.
    pub fn end_page(&mut self) -> anyhow::Result<()> {
        let [width, height] = self.size;
        let mut c = Content::new();
        content::draw(&mut c, &self.marks, height, &mut self.used);
        self.marks.clear();
        let data = deflate(&c.finish());
        let (page, contents) = (self.w.alloc(), self.w.alloc());
        let mut chunk = Chunk::new();
        chunk.stream(contents, &data).filter(Filter::FlateDecode);
        self.w.write(&chunk)?;
        let mut chunk = Chunk::new();
        chunk
            .page(page)
            .parent(self.pages)
            .media_box(Rect::new(0.0, 0.0, width * PT, height * PT))
            .contents(contents)
            .pair(Name(b"Resources"), self.resources);
        self.w.write(&chunk)?;
        self.page_refs.push(page);
        Ok(())
    }

    /// Pages written so far.
    pub fn pages(&self) -> usize {
        self.page_refs.len()
    }

    /// Ends the last page if anything is drawn on it, embeds the fonts and writes the
    /// document's catalog; `id` is the file identifier. Returns the number of pages.
    pub fn finish(mut self, id: [u8; 16]) -> anyhow::Result<usize> {
        if !self.marks.is_empty() || self.page_refs.is_empty() {
            self.end_page()?;
        }
        let fonts = &self.assets.fonts;
        self.used.write(fonts, &self.font_refs, &mut self.w)?;
        let mut chunk = Chunk::new();
        let mut res = chunk
            .indirect(self.resources)
            .start::<pdf_writer::writers::Resources>();
        let mut font_dict = res.fonts();
        for (i, &r) in self.font_refs.iter().enumerate() {
            if self.used.is_used(i) {
                font_dict.pair(Name(RESOURCE_NAMES[i]), r);
            }
        }
        font_dict.finish();
        res.finish();
        self.w.write(&chunk)?;
        let count = self.page_refs.len();
        let mut chunk = Chunk::new();
        chunk
            .pages(self.pages)
            .kids(self.page_refs.iter().copied())
            .count(i32::try_from(count).context("too many pages for one PDF")?);
        self.w.write(&chunk)?;
        let mut chunk = Chunk::new();
        let mut root = chunk
            .indirect(self.catalog)
            .start::<pdf_writer::writers::Catalog>();
        root.pages(self.pages);
        root.finish();
        self.w.write(&chunk)?;
        self.w.finish(self.catalog, id)?;
        Ok(count)
    }
}
