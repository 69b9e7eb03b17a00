//! Reading and rewriting a ZIP container (Word, Excel and OFD files are ZIPs) without
//! trusting it: the central directory is read, never extracted to disk; every entry is
//! decompressed through a counter, so the limits hold whatever the headers claim; the copy is
//! written fresh (no archive or entry comments, no extra fields with owners and times, one
//! fixed timestamp), so only what the reader chose to keep leaves.
//!
//! Limits (a "zip bomb" is refused, not unpacked): at most [`MAX_ENTRIES`] entries, at most
//! [`MAX_UNPACKED_BYTES`] once decompressed, and no entry over [`RATIO_FLOOR`] that grows
//! more than [`MAX_RATIO`] times. Encrypted entries, compression methods other than stored
//! and deflate, names that climb out of the archive and names given twice are refused.

use std::collections::HashSet;
use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use super::FileProblem;

/// Most entries an archive may have (an OFD of a thousand pages has a few thousand).
pub const MAX_ENTRIES: usize = 10_000;
/// Most bytes all entries may take once decompressed.
pub const MAX_UNPACKED_BYTES: u64 = 128 * 1024 * 1024;
/// Entries smaller than this once decompressed are not held to [`MAX_RATIO`].
pub const RATIO_FLOOR: u64 = 1024 * 1024;
/// How many times its compressed size an entry may grow (XML compresses about 10 to 30
/// times; a bomb's entries about 1,000 times).
pub const MAX_RATIO: u64 = 200;

/// An archive whose directory passed the checks.
pub struct Checked<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    /// Entry names in order, as stored.
    pub names: Vec<String>,
}

fn unreadable<E>(_: E) -> FileProblem {
    FileProblem::Unreadable
}

/// Opens `bytes` as a ZIP and checks its directory.
pub fn open(bytes: &[u8]) -> Result<Checked<'_>, FileProblem> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if zip.len() > MAX_ENTRIES {
        return Err(FileProblem::ArchiveTooLarge);
    }
    let mut names = Vec::with_capacity(zip.len());
    let mut seen = HashSet::new();
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(unreadable)?;
        if entry.encrypted() {
            return Err(FileProblem::Encrypted);
        }
        if !matches!(
            entry.compression(),
            CompressionMethod::Stored | CompressionMethod::Deflated
        ) {
            return Err(FileProblem::Unreadable);
        }
        let name = entry.name().to_string();
        if entry.enclosed_name().is_none() || name.contains('\\') {
            return Err(FileProblem::Unreadable);
        }
        // Part names compare without case (OPC); two entries of one name would let two
        // readers see two different documents.
        if !seen.insert(name.to_lowercase()) {
            return Err(FileProblem::Unreadable);
        }
        // What the headers claim is checked again while decompressing; a claim already over
        // the limit is refused without reading anything.
        declared = declared.saturating_add(entry.size());
        if declared > MAX_UNPACKED_BYTES {
            return Err(FileProblem::ArchiveTooLarge);
        }
        names.push(name);
    }
    Ok(Checked { zip, names })
}

impl Checked<'_> {
    /// Whether an entry of this name (without case) exists.
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// The decompressed bytes of entry `name` (without case), at most `cap` of them.
    pub fn read(&mut self, name: &str, cap: u64) -> Result<Option<Vec<u8>>, FileProblem> {
        let Some(index) = self.names.iter().position(|n| n.eq_ignore_ascii_case(name)) else {
            return Ok(None);
        };
        let mut entry = self.zip.by_index(index).map_err(unreadable)?;
        let mut data = Vec::new();
        let cap = cap.min(entry_cap(entry.compressed_size(), MAX_UNPACKED_BYTES));
        (&mut entry)
            .take(cap + 1)
            .read_to_end(&mut data)
            .map_err(unreadable)?;
        if data.len() as u64 > cap {
            return Err(FileProblem::ArchiveTooLarge);
        }
        Ok(Some(data))
    }

    /// A fresh copy of the archive, each entry for which `wants(name)` holds passed through
    /// `clean` (which sees the whole entry), every other entry copied as it decompresses.
    pub fn rewrite(
        mut self,
        wants: impl Fn(&str) -> bool,
        mut clean: impl FnMut(&str, Vec<u8>) -> Result<Vec<u8>, FileProblem>,
    ) -> Result<Vec<u8>, FileProblem> {
        let mut out = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(DateTime::default());
        let mut unpacked: u64 = 0;
        for i in 0..self.names.len() {
            let mut entry = self.zip.by_index(i).map_err(unreadable)?;
            let name = entry.name().to_string();
            if entry.is_dir() {
                out.add_directory(name, options).map_err(unreadable)?;
                continue;
            }
            let cap = entry_cap(
                entry.compressed_size(),
                MAX_UNPACKED_BYTES.saturating_sub(unpacked),
            );
            out.start_file(name.clone(), options).map_err(unreadable)?;
            let mut limited = (&mut entry).take(cap + 1);
            let read = if wants(&name) {
                let mut data = Vec::new();
                limited.read_to_end(&mut data).map_err(unreadable)?;
                let read = data.len() as u64;
                if read <= cap {
                    let cleaned = clean(&name, data)?;
                    out.write_all(&cleaned).map_err(unreadable)?;
                }
                read
            } else {
                std::io::copy(&mut limited, &mut out).map_err(unreadable)?
            };
            if read > cap {
                return Err(FileProblem::ArchiveTooLarge);
            }
            unpacked += read;
        }
        Ok(out.finish().map_err(unreadable)?.into_inner())
    }
}

/// Most bytes an entry of `compressed` bytes may decompress to, with `left` of the whole
/// archive's allowance unused.
fn entry_cap(compressed: u64, left: u64) -> u64 {
    compressed
        .saturating_mul(MAX_RATIO)
        .max(RATIO_FLOOR)
        .min(left)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A ZIP of `entries` (name, bytes), deflated.
    pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        for (name, data) in entries {
            out.start_file(*name, options).expect("starts");
            out.write_all(data).expect("writes");
        }
        out.finish().expect("finishes").into_inner()
    }

    #[test]
    fn an_entry_that_grows_a_thousandfold_is_refused_while_decompressing() {
        // 50 MB of zeros deflates to about 50 KB.
        let zeros = vec![0u8; 50 * 1024 * 1024];
        let bomb = zip_of(&[("word/document.xml", &zeros)]);
        assert!(bomb.len() < 200 * 1024, "{} bytes", bomb.len());
        let checked = open(&bomb).expect("the directory itself is fine");
        assert_eq!(
            checked.rewrite(|_| false, |_, d| Ok(d)).err(),
            Some(FileProblem::ArchiveTooLarge)
        );
    }

    #[test]
    fn too_many_entries_or_too_much_in_all_is_refused_before_anything_is_read() {
        let many: Vec<(String, Vec<u8>)> = (0..=MAX_ENTRIES)
            .map(|i| (format!("p/{i}.xml"), Vec::new()))
            .collect();
        let refs: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        assert_eq!(
            open(&zip_of(&refs)).err(),
            Some(FileProblem::ArchiveTooLarge)
        );
        let fine = zip_of(&[("a.xml", b"<a/>"), ("b.xml", b"<b/>")]);
        let checked = open(&fine).expect("opens");
        assert_eq!(checked.names, vec!["a.xml", "b.xml"]);
    }

    #[test]
    fn a_name_that_climbs_out_or_appears_twice_is_refused() {
        let climbing = zip_of(&[("../../etc/passwd", b"x")]);
        assert_eq!(open(&climbing).err(), Some(FileProblem::Unreadable));
        // Part names compare without case: two spellings of one part are one name given
        // twice (an exact duplicate the zip crate keeps once, so the copy is consistent).
        let twice = zip_of(&[("docProps/core.xml", b"a"), ("docProps/CORE.xml", b"b")]);
        assert_eq!(open(&twice).err(), Some(FileProblem::Unreadable));
    }

    #[test]
    fn an_encrypted_entry_is_refused_as_encrypted() {
        let mut zip = zip_of(&[("word/document.xml", b"<w:document/>")]);
        // Bit 0 of the general purpose flags, in the local header and the directory.
        for (signature, flags_at) in [(b"PK\x03\x04", 6), (b"PK\x01\x02", 8)] {
            let at = zip.windows(4).position(|w| w == signature).expect("header");
            zip[at + flags_at] |= 1;
        }
        assert_eq!(open(&zip).err(), Some(FileProblem::Encrypted));
    }

    #[test]
    fn the_copy_keeps_every_entry_and_passes_the_chosen_ones_through_the_cleaner() {
        let original = zip_of(&[("keep.xml", b"<k/>"), ("clean.xml", b"<secret/>")]);
        let checked = open(&original).expect("opens");
        let copy = checked
            .rewrite(|n| n == "clean.xml", |_, _| Ok(b"<gone/>".to_vec()))
            .expect("rewrites");
        let mut again = open(&copy).expect("the copy opens");
        assert_eq!(
            again.read("keep.xml", 100).expect("reads"),
            Some(b"<k/>".to_vec())
        );
        assert_eq!(
            again.read("CLEAN.XML", 100).expect("reads"),
            Some(b"<gone/>".to_vec())
        );
    }
}
