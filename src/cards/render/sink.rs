//! Where face files go: a folder on disk or a ZIP archive (the print-staff download).

use std::io::{Seek, Write};
use std::path::PathBuf;

use anyhow::Context;

use super::FaceSink;

/// Writes each face as a file in a folder, creating the folder if needed.
pub struct DirSink {
    dir: PathBuf,
}

impl DirSink {
    /// A sink writing into `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self { dir })
    }
}

impl FaceSink for DirSink {
    fn put(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.dir.join(safe_name(name)?);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
    }
}

/// Writes each face as an entry of a ZIP archive. Call [`ZipSink::finish`] at the end.
pub struct ZipSink<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
}

impl<W: Write + Seek> ZipSink<W> {
    /// A sink writing a new archive into `out`.
    pub fn new(out: W) -> Self {
        Self {
            zip: zip::ZipWriter::new(out),
        }
    }

    /// Writes the archive's directory and hands back the writer.
    pub fn finish(self) -> anyhow::Result<W> {
        self.zip.finish().context("finishing the ZIP archive")
    }
}

impl<W: Write + Seek> FaceSink for ZipSink<W> {
    fn put(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        // PNG is already compressed; deflating it again only costs time.
        let method = if name.ends_with(".png") {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        self.zip
            .start_file(safe_name(name)?, options)
            .context("adding a file to the ZIP archive")?;
        self.zip
            .write_all(bytes)
            .context("writing to the ZIP archive")
    }
}

/// File names come from card serials: refuse anything that could leave the folder.
fn safe_name(name: &str) -> anyhow::Result<&str> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    anyhow::ensure!(ok, "{name:?} is not a safe file name");
    Ok(name)
}
