//! Rendering print batches: PDF (N-up on A4, crop marks, duplex), PNG and SVG faces.
//!
//! INTERFACE ONLY in this commit: the signatures the issuing side codes against. The
//! renderer itself lands in the next commits; until then every function returns an error.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::print::{PrintCard, PrintJob};

/// Templates and fonts, loaded once from `print-assets/` and shared by every render.
pub struct Assets {
    _root: PathBuf,
}

impl Assets {
    /// Loads the templates and fonts under `print_assets`; `extra_font` is tried first.
    pub fn load(print_assets: &Path, _extra_font: Option<&Path>) -> anyhow::Result<Self> {
        Ok(Self {
            _root: print_assets.to_path_buf(),
        })
    }
}

/// One side of a card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    Front,
    Back,
}

/// Raster or vector output for single faces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaceFormat {
    Png { dpi: u32 },
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
    pub cards: usize,
    pub pages: usize,
}

/// Writes the whole batch as one print-ready PDF, streaming: memory stays flat.
pub fn render_pdf(
    _assets: &Assets,
    _job: &PrintJob,
    _cards: &mut dyn Iterator<Item = anyhow::Result<PrintCard>>,
    _out: &mut dyn Write,
) -> anyhow::Result<RenderSummary> {
    anyhow::bail!("the card renderer is not built yet")
}

/// Writes each card's front and back as separate PNG or SVG files into `sink`.
pub fn render_faces(
    _assets: &Assets,
    _job: &PrintJob,
    _cards: &mut dyn Iterator<Item = anyhow::Result<PrintCard>>,
    _format: FaceFormat,
    _sink: &mut dyn FaceSink,
) -> anyhow::Result<RenderSummary> {
    anyhow::bail!("the card renderer is not built yet")
}

/// One face of one card (previews in the print-staff UI).
pub fn render_face(
    _assets: &Assets,
    _job: &PrintJob,
    _card: &PrintCard,
    _face: Face,
    _format: FaceFormat,
) -> anyhow::Result<Vec<u8>> {
    anyhow::bail!("the card renderer is not built yet")
}
