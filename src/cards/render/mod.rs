//! Rendering print batches: PDF (N-up on A4, crop marks, duplex), PNG and SVG faces; and
//! plain A4 documents in the same fonts ([`Document`]).
//!
//! The layout lives in templates under `print-assets/templates/` ([`template`]); [`layout`]
//! turns a template face into positioned marks, which [`pdf`], [`svg`] and [`png`] draw.
//! The PDF is written as it goes (see [`pdf`]), and PNG faces are drawn on every core but
//! written in order (see [`png`]), so memory stays flat however large the batch.
//!
//! Print files carry the template's bleed: colour that touches a trim edge runs past it. The
//! PDF's imposition leaves room for it; a PNG or SVG face file is the card plus the bleed on
//! every side. Previews of one face ([`render_face`]) show the card as cut.

pub mod document;
mod fit;
mod layout;
mod pdf;
mod png;
mod qr;
mod raster;
mod sink;
mod svg;
pub mod template;
mod text;
mod zipstream;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};

use self::layout::{NameCheck, Part};
use self::template::Template;
use self::text::{Fonts, Shaper};
use super::assets::PrintAssets;
use super::print::{PrintCard, PrintJob};

pub use self::pdf::document::{A4, Document, Item};
pub use self::sink::{DirSink, ZipSink, safe_name};

/// Templates and fonts, loaded once (built in, or an office's folder over them) and shared
/// by every render.
pub struct Assets {
    source: PrintAssets,
    templates: HashMap<String, Template>,
    fonts: Fonts,
}

impl Assets {
    /// Loads the templates and fonts of `print_assets`; `extra_font` is tried first.
    pub fn load(print_assets: &PrintAssets, extra_font: Option<&Path>) -> anyhow::Result<Self> {
        print_assets.check_folder()?;
        let templates = template::load_all(print_assets)?;
        let fonts = Fonts::load(print_assets, extra_font)?;
        Ok(Self {
            source: print_assets.clone(),
            templates,
            fonts,
        })
    }

    /// The template a job names, or a clear error listing the ones there are.
    pub fn template(&self, name: &str) -> anyhow::Result<&Template> {
        if let Some(t) = self.templates.get(name) {
            return Ok(t);
        }
        let mut known: Vec<&str> = self.templates.keys().map(String::as_str).collect();
        known.sort_unstable();
        bail!(
            "there is no card template {name:?} in {} (available: {})",
            self.source.describe(),
            known.join(", ")
        )
    }

    /// Names of the available templates, sorted.
    pub fn template_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.templates.keys().cloned().collect();
        names.sort_unstable();
        names
    }
}

/// One side of a card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    /// The negative list.
    Front,
    /// The QR code, with how to report and the confidentiality promise.
    Back,
}

impl Face {
    fn file_part(self) -> &'static str {
        match self {
            Face::Front => "front",
            Face::Back => "back",
        }
    }
}

/// Raster or vector output for single faces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaceFormat {
    /// A PNG image at this many dots per inch (36 to 1200).
    Png { dpi: u32 },
    /// An SVG document sized in millimetres.
    Svg,
}

/// Where rendered face files go (a folder, a ZIP).
pub trait FaceSink {
    /// Stores one file.
    fn put(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()>;
}

/// What a render produced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderSummary {
    /// Cards (or desk signs) rendered.
    pub cards: usize,
    /// PDF pages, or face files for PNG and SVG.
    pub pages: usize,
}

/// Writes the whole batch as one print-ready PDF, streaming: memory stays flat.
pub fn render_pdf(
    assets: &Assets,
    job: &PrintJob,
    cards: &mut dyn Iterator<Item = anyhow::Result<PrintCard>>,
    out: &mut dyn Write,
) -> anyhow::Result<RenderSummary> {
    let template = assets.template(&job.template)?;
    pdf::render(&assets.fonts, template, job, cards, out)
}

/// Writes each card's front and back as separate PNG or SVG files into `sink`, named
/// `{serial}-front.png`, `{serial}-back.svg` and so on: the card plus its bleed.
pub fn render_faces(
    assets: &Assets,
    job: &PrintJob,
    cards: &mut dyn Iterator<Item = anyhow::Result<PrintCard>>,
    format: FaceFormat,
    sink: &mut dyn FaceSink,
) -> anyhow::Result<RenderSummary> {
    let template = assets.template(&job.template)?;
    if let FaceFormat::Png { dpi } = format {
        return png::batch(&assets.fonts, template, job, cards, dpi, sink);
    }
    let mut shaper = Shaper::new(&assets.fonts)?;
    let mut summary = RenderSummary::default();
    for card in cards {
        let card = card?;
        for face in [Face::Front, Face::Back] {
            let marks = layout::face(&mut shaper, template, face, job, Some(&card), Part::All)
                .with_context(|| format!("card {}", card.serial))?;
            let svg = svg::face(&assets.fonts, template.card, template.sheet.bleed, &marks);
            let name = format!("{}-{}.svg", card.serial, face.file_part());
            sink.put(&name, svg.as_bytes())?;
            summary.pages += 1;
        }
        summary.cards += 1;
    }
    Ok(summary)
}

/// One face of one card, as cut (no bleed): previews in the print-staff UI.
pub fn render_face(
    assets: &Assets,
    job: &PrintJob,
    card: &PrintCard,
    face: Face,
    format: FaceFormat,
) -> anyhow::Result<Vec<u8>> {
    let template = assets.template(&job.template)?;
    match format {
        FaceFormat::Png { dpi } => png::face(&assets.fonts, template, job, card, face, dpi, 0.0),
        FaceFormat::Svg => {
            let mut shaper = Shaper::new(&assets.fonts)?;
            let marks = layout::face(&mut shaper, template, face, job, Some(card), Part::All)?;
            Ok(svg::face(&assets.fonts, template.card, 0.0, &marks).into_bytes())
        }
    }
}

/// Checks holders' names against a job's template: which ones print shortened.
pub struct NameFit<'a> {
    job: &'a PrintJob,
    check: NameCheck<'a>,
}

impl<'a> NameFit<'a> {
    /// A checker for `job`'s template.
    pub fn new(assets: &'a Assets, job: &'a PrintJob) -> anyhow::Result<Self> {
        let template = assets.template(&job.template)?;
        let shaper = Shaper::new(&assets.fonts)?;
        Ok(Self {
            job,
            check: NameCheck::new(shaper, template),
        })
    }

    /// `None` when `name` prints whole; otherwise the shortened text the card shows.
    pub fn shortened(&mut self, name: &str) -> anyhow::Result<Option<String>> {
        self.check.shortened(self.job, name)
    }
}
