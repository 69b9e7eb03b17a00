//! A PDF file written object by object: each object goes to the output as soon as it is
//! complete, and only its byte offset is remembered for the cross-reference table.

use std::io::Write;

use anyhow::Context;
use pdf_writer::{Chunk, Ref};

/// Streams indirect objects to `out` and writes the xref table and trailer at the end.
pub struct ObjectWriter<'w> {
    out: &'w mut dyn Write,
    position: u64,
    /// Byte offset of each object, by object number - 1; `None` until written.
    offsets: Vec<Option<u64>>,
}

impl<'w> ObjectWriter<'w> {
    /// Writes the PDF header. The binary comment tells transfer tools the file is not text.
    pub fn start(out: &'w mut dyn Write) -> anyhow::Result<Self> {
        let mut writer = Self {
            out,
            position: 0,
            offsets: Vec::new(),
        };
        writer.raw(b"%PDF-1.7\n%\x80\x80\x80\x80\n")?;
        Ok(writer)
    }

    /// Reserves an object number for an object written later.
    pub fn alloc(&mut self) -> Ref {
        self.offsets.push(None);
        Ref::new(self.offsets.len() as i32)
    }

    /// Writes a chunk holding exactly one complete indirect object, recording its offset.
    /// One object per chunk keeps offsets exact without searching inside binary streams.
    pub fn write(&mut self, chunk: &Chunk) -> anyhow::Result<()> {
        let mut refs = chunk.refs();
        let (Some(r), None) = (refs.next(), refs.next()) else {
            anyhow::bail!("a PDF chunk must hold exactly one object");
        };
        self.record(r, self.position)?;
        self.raw(chunk.as_bytes())
    }

    fn record(&mut self, r: Ref, at: u64) -> anyhow::Result<()> {
        let slot = usize::try_from(r.get() - 1)
            .ok()
            .and_then(|i| self.offsets.get_mut(i))
            .context("PDF object number was not reserved")?;
        *slot = Some(at);
        Ok(())
    }

    fn raw(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.out.write_all(bytes).context("writing the PDF")?;
        self.position += bytes.len() as u64;
        Ok(())
    }

    /// Writes the cross-reference table and trailer; unwritten objects are listed as free.
    pub fn finish(mut self, catalog: Ref, id: [u8; 16]) -> anyhow::Result<()> {
        let xref_at = self.position;
        let mut table = String::with_capacity(20 * (self.offsets.len() + 1) + 200);
        table.push_str(&format!(
            "xref\n0 {}\n0000000000 65535 f\r\n",
            self.offsets.len() + 1
        ));
        for offset in &self.offsets {
            match offset {
                Some(at) => table.push_str(&format!("{at:010} 00000 n\r\n")),
                None => table.push_str("0000000000 00000 f\r\n"),
            }
        }
        let hex: String = id.iter().map(|b| format!("{b:02X}")).collect();
        table.push_str(&format!(
            "trailer\n<< /Size {} /Root {} 0 R /ID [<{hex}> <{hex}>] >>\nstartxref\n{xref_at}\n%%EOF\n",
            self.offsets.len() + 1,
            catalog.get(),
        ));
        self.raw(table.as_bytes())?;
        self.out.flush().context("writing the PDF")
    }
}
