//! A report's pages drawn a mark at a time (text, rectangles, lines), for layouts that measure
//! as they go, such as the monthly report's tables: each page is handed to [`Document`], the
//! one writer of plain documents, when it is finished.

use std::io::Write;

use super::Assets;
use super::pdf::document::{Document, Item};
use super::template::{Rgb, Weight};

/// A document being written, page by page; lengths in mm from the page's top-left.
pub struct PagedPdf<'a> {
    doc: Document<'a>,
    items: Vec<Item>,
}

impl<'a> PagedPdf<'a> {
    /// Starts a document of `width` × `height` mm pages written to `out`.
    pub fn start(
        assets: &'a Assets,
        out: &'a mut dyn Write,
        width: f32,
        height: f32,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            doc: Document::start(assets, (width, height), out)?,
            items: Vec::new(),
        })
    }

    /// How wide `text` sets at `size` points, in mm. A text the fonts cannot set measures
    /// nothing here; writing its page then fails with the reason.
    pub fn measure(&mut self, text: &str, size: f32, weight: Weight) -> f32 {
        self.doc
            .text_width(text, weight == Weight::Bold, size)
            .unwrap_or(0.0)
    }

    /// Sets `text` at `size` points with its baseline at (`x`, `baseline`) (shaped once, when
    /// the page is written; [`Self::measure`] gives its width before).
    pub fn text(
        &mut self,
        x: f32,
        baseline: f32,
        size: f32,
        weight: Weight,
        color: Rgb,
        text: &str,
    ) {
        self.items.push(Item::Text {
            x,
            baseline,
            size,
            bold: weight == Weight::Bold,
            color,
            text: text.to_string(),
        });
    }

    /// A rectangle [`x`, `y`, `w`, `h`], filled and/or stroked (width in points).
    pub fn rect(&mut self, bbox: [f32; 4], fill: Option<Rgb>, stroke: Option<(Rgb, f32)>) {
        self.items.push(Item::Rect { bbox, fill, stroke });
    }

    /// A straight line (width in points).
    pub fn line(&mut self, from: [f32; 2], to: [f32; 2], color: Rgb, width: f32) {
        self.items.push(Item::Rule {
            from,
            to,
            width,
            color,
        });
    }

    /// Writes the page drawn so far; what is drawn next goes on a new page.
    pub fn end_page(&mut self) -> anyhow::Result<()> {
        let items = std::mem::take(&mut self.items);
        self.doc.page(&items)
    }

    /// Pages written so far.
    pub fn pages(&self) -> usize {
        self.doc.pages()
    }

    /// Ends the last page if anything is drawn on it, embeds the fonts and writes the
    /// document's catalog; `id` is the file identifier. Returns the number of pages.
    pub fn finish(mut self, id: [u8; 16]) -> anyhow::Result<usize> {
        if !self.items.is_empty() || self.doc.pages() == 0 {
            self.end_page()?;
        }
        self.doc.finish(id)
    }
}
