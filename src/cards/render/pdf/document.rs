//! Plain documents on the cards' PDF machinery: pages of text lines, rules, rectangles and QR
//! codes (a case dossier, the monthly report), set in the same subset fonts with their ToUnicode maps, so that
//! the text of every page can be searched, copied and extracted (`pdftotext`). Each page is
//! written out as soon as it is given; the fonts are subset at the end.

use std::io::Write;

use anyhow::Context;
use pdf_writer::{Chunk, Content, Filter, Finish, Name, Rect, Ref, Str, TextStr};

use super::content::{self, PT};
use super::deflate;
use super::fonts::{FontUse, RESOURCE_NAMES};
use super::objects::ObjectWriter;
use crate::cards::render::Assets;
use crate::cards::render::layout::Mark;
use crate::cards::render::qr::QrMatrix;
use crate::cards::render::template::{Rgb, Weight};
use crate::cards::render::text::{self, Line, MM_PER_PT, Shaper};

/// Width and height of an A4 page in millimetres.
pub const A4: (f32, f32) = (210.0, 297.0);

/// One thing drawn on a page. Lengths in millimetres from the page's top-left corner, type
/// sizes in points.
#[derive(Clone, Debug)]
pub enum Item {
    /// One line of text, starting at `x`, sitting on `baseline`.
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    /// A straight line `width` points wide.
    Rule {
        from: [f32; 2],
        to: [f32; 2],
        width: f32,
        color: Rgb,
    },
    /// A rectangle [`x`, `y`, `w`, `h`], filled and/or stroked (stroke width in points).
    Rect {
        bbox: [f32; 4],
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    /// A QR code of `data`, its symbol `size` mm square with its top-left corner at `x`, `y`
    /// (leave four modules of white around it).
    Qr {
        x: f32,
        y: f32,
        size: f32,
        data: String,
    },
}

/// A PDF being written page by page (see the module docs).
pub struct Document<'a> {
    shaper: Shaper<'a>,
    assets: &'a Assets,
    used: FontUse,
    w: ObjectWriter<'a>,
    catalog: Ref,
    pages: Ref,
    resources: Ref,
    font_refs: Vec<Ref>,
    page_refs: Vec<Ref>,
    /// Embedded files: name and file specification.
    files: Vec<(String, Ref)>,
    size: (f32, f32),
}

impl<'a> Document<'a> {
    /// Starts a document of pages `size` (width, height in mm) in the fonts of `assets`.
    pub fn start(
        assets: &'a Assets,
        size: (f32, f32),
        out: &'a mut dyn Write,
    ) -> anyhow::Result<Self> {
        let fonts = &assets.fonts;
        let mut w = ObjectWriter::start(out)?;
        let catalog = w.alloc();
        let pages = w.alloc();
        let resources = w.alloc();
        let font_refs = fonts.files.iter().map(|_| w.alloc()).collect();
        Ok(Self {
            shaper: Shaper::new(fonts)?,
            assets,
            used: FontUse::new(fonts.files.len()),
            w,
            catalog,
            pages,
            resources,
            font_refs,
            page_refs: Vec::new(),
            files: Vec::new(),
            size,
        })
    }

    /// How wide `text` sets at `size` points, in millimetres.
    pub fn text_width(&mut self, text: &str, bold: bool, size: f32) -> anyhow::Result<f32> {
        let glyphs = self.shaper.glyphs_or_box(text, weight(bold))?;
        Ok(text::width(&glyphs) * size * MM_PER_PT)
    }

    /// `text` broken into lines no wider than `width` mm at `size` points: at its own line
    /// breaks, then wherever a line is full (Chinese between any two characters, Latin words
    /// kept whole). An empty line of the text stays an empty line.
    pub fn wrap(
        &mut self,
        text: &str,
        bold: bool,
        size: f32,
        width: f32,
    ) -> anyhow::Result<Vec<String>> {
        let max = width / (size * MM_PER_PT);
        let mut lines = Vec::new();
        for paragraph in text.lines() {
            let glyphs = self.shaper.glyphs_or_box(paragraph, weight(bold))?;
            let set = text::wrap(&glyphs, max);
            if set.is_empty() {
                lines.push(String::new());
            }
            lines.extend(
                set.iter()
                    .map(|l| l.iter().map(|g| g.ch).collect::<String>()),
            );
        }
        Ok(lines)
    }

    /// Writes one page holding `items`.
    pub fn page(&mut self, items: &[Item]) -> anyhow::Result<()> {
        let mut marks = Vec::with_capacity(items.len());
        for item in items {
            marks.push(match item {
                Item::Text {
                    x,
                    baseline,
                    size,
                    bold,
                    color,
                    text,
                } => Mark::Text(Line {
                    x: *x,
                    baseline: *baseline,
                    size: *size,
                    weight: weight(*bold),
                    color: *color,
                    glyphs: self.shaper.glyphs_or_box(text, weight(*bold))?,
                }),
                Item::Rule {
                    from,
                    to,
                    width,
                    color,
                } => Mark::Line {
                    from: *from,
                    to: *to,
                    color: *color,
                    width: *width,
                },
                Item::Rect { bbox, fill, stroke } => Mark::Rect {
                    bbox: *bbox,
                    fill: *fill,
                    stroke: *stroke,
                },
                Item::Qr { x, y, size, data } => {
                    let matrix = QrMatrix::encode(data)?;
                    Mark::Qr {
                        x: *x,
                        y: *y,
                        module: size / matrix.width as f32,
                        matrix,
                        color: Rgb(0, 0, 0),
                    }
                }
            });
        }
        let mut c = Content::new();
        content::draw(&mut c, &marks, self.size.1, &mut self.used);
        let data = deflate(&c.finish());
        let (page, contents) = (self.w.alloc(), self.w.alloc());
        let mut chunk = Chunk::new();
        chunk.stream(contents, &data).filter(Filter::FlateDecode);
        self.w.write(&chunk)?;
        let mut chunk = Chunk::new();
        chunk
            .page(page)
            .parent(self.pages)
            .media_box(Rect::new(0.0, 0.0, self.size.0 * PT, self.size.1 * PT))
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

    /// Embeds a file called `name` (ASCII) holding `bytes`, stored uncompressed so that a
    /// program can find it again in the document's bytes.
    pub fn attach(&mut self, name: &str, description: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let (file, spec) = (self.w.alloc(), self.w.alloc());
        let mut chunk = Chunk::new();
        let mut embedded = chunk.embedded_file(file, bytes);
        embedded.subtype(Name(b"text#2Fplain"));
        embedded
            .params()
            .size(i32::try_from(bytes.len()).context("an attached file is too large")?);
        embedded.finish();
        self.w.write(&chunk)?;
        let mut chunk = Chunk::new();
        chunk
            .file_spec(spec)
            .path(Str(name.as_bytes()))
            .unic_file(TextStr(name))
            .description(TextStr(description))
            .embedded_file_with_unicode(file);
        self.w.write(&chunk)?;
        self.files.push((name.to_string(), spec));
        Ok(())
    }

    /// Writes the fonts, the page tree and the catalog; returns the number of pages. `id` is
    /// the document's identifier in the trailer.
    pub fn finish(mut self, id: [u8; 16]) -> anyhow::Result<usize> {
        anyhow::ensure!(!self.page_refs.is_empty(), "a document needs a page");
        self.used
            .write(&self.assets.fonts, &self.font_refs, &mut self.w)?;
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
        if !self.files.is_empty() {
            // A name tree's entries go in sorted order.
            self.files.sort_by(|a, b| a.0.cmp(&b.0));
            let mut names = root.names();
            let mut tree = names.embedded_files();
            let mut entries = tree.names();
            for (name, spec) in &self.files {
                entries.insert(Str(name.as_bytes()), *spec);
            }
            entries.finish();
            tree.finish();
            names.finish();
        }
        root.finish();
        self.w.write(&chunk)?;
        self.w.finish(self.catalog, id)?;
        Ok(count)
    }
}

fn weight(bold: bool) -> Weight {
    if bold { Weight::Bold } else { Weight::Regular }
}
