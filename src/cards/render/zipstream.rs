//! A small ZIP writer for whole files on a plain [`Write`] (a file, a socket): no seeking, and
//! a central directory kept as the bytes it will be written as (about 46 bytes plus the name per
//! entry), so 200,000 entries cost about 15 MB instead of the ~80 MB a general ZIP library keeps.
//!
//! Every entry is handed over whole, so its CRC-32 and sizes are known before its local header
//! is written: the header carries them and there is no data descriptor (general-purpose bit 3
//! stays clear). That is the form every reader takes, streaming ones included (Java's
//! `ZipInputStream`, macOS Archive Utility, which mishandle ZIP64 archives with data
//! descriptors), and it saves 16 to 24 bytes per entry.
//!
//! ZIP64 (APPNOTE 4.3.9, 4.5.3), only where a value does not fit: an entry of 4 GiB or more gets
//! the ZIP64 extra field with both sizes in its local header; in the central directory the
//! sizes and the offset that do not fit in 32 bits are set to `0xFFFF_FFFF` and listed, in that
//! order, in the entry's ZIP64 extra field; more than 65,535 entries or a directory past 4 GiB
//! add the ZIP64 end of central directory record and its locator before the classic end
//! record, whose overflowing fields are saturated. Small archives are therefore plain ZIP 2.0,
//! and large ones read back with Python's `zipfile`, Info-ZIP `unzip`, 7-Zip, Windows Explorer
//! and the `zip` crate.
//!
//! Names are stored as UTF-8 (bit 11). Every entry carries the same fixed time, the DOS epoch
//! 1980-01-01 00:00 (as the archives of the `zip` crate without its `time` feature did): the
//! same batch gives the same bytes, and a card face has no meaningful file time.

use std::io::{self, Write};

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const ZIP64_END: u32 = 0x0606_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const END: u32 = 0x0605_4b50;
const ZIP64_EXTRA: u16 = 0x0001;
/// Bit 11: the name is UTF-8.
const FLAG_UTF8: u16 = 1 << 11;
/// 1980-01-01 00:00:00 in DOS format (time 0, date: day 1, month 1, year 0).
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;
/// "Made by" Unix (high byte 3) with APPNOTE 4.5, so the external attributes mean `rw-r--r--`.
const MADE_BY: u16 = (3 << 8) | 45;
const UNIX_FILE_MODE: u32 = 0o100_644 << 16;
const MAX32: u64 = 0xFFFF_FFFF;

/// How an entry's bytes are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// As they are (for data that is compressed already, such as PNG).
    Stored,
    /// Deflated (level 6).
    Deflated,
}

impl Method {
    fn code(self) -> u16 {
        match self {
            Method::Stored => 0,
            Method::Deflated => 8,
        }
    }
}

/// A ZIP archive being written to `W`, one whole file at a time. Call [`ZipStream::finish`]
/// at the end, or the archive has no directory.
pub struct ZipStream<W: Write> {
    out: W,
    /// Bytes written so far: the next local header's offset.
    offset: u64,
    entries: u64,
    /// The central directory records, as they will be written.
    directory: Vec<u8>,
}

impl<W: Write> ZipStream<W> {
    /// An empty archive written to `out`.
    pub fn new(out: W) -> Self {
        Self {
            out,
            offset: 0,
            entries: 0,
            directory: Vec::new(),
        }
    }

    /// Adds the file `name` with contents `bytes`.
    pub fn add(&mut self, name: &str, bytes: &[u8], method: Method) -> io::Result<()> {
        let name_len = u16::try_from(name.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file name too long"))?;
        let crc = crc32fast::hash(bytes);
        let deflated;
        let data = match method {
            Method::Stored => bytes,
            Method::Deflated => {
                deflated = miniz_oxide::deflate::compress_to_vec(bytes, 6);
                &deflated[..]
            }
        };
        let size = bytes.len() as u64;
        let compressed = data.len() as u64;
        let big = size >= MAX32 || compressed >= MAX32;
        let version = if big { 45 } else { 20 };

        let mut header = Vec::with_capacity(30 + name.len() + 20);
        put32(&mut header, LOCAL_HEADER);
        put16(&mut header, version);
        put16(&mut header, FLAG_UTF8);
        put16(&mut header, method.code());
        put16(&mut header, DOS_TIME);
        put16(&mut header, DOS_DATE);
        put32(&mut header, crc);
        if big {
            // 4.5.3: in the local header the ZIP64 field holds both sizes.
            put32(&mut header, MAX32 as u32);
            put32(&mut header, MAX32 as u32);
        } else {
            put32(&mut header, compressed as u32);
            put32(&mut header, size as u32);
        }
        put16(&mut header, name_len);
        put16(&mut header, if big { 20 } else { 0 });
        header.extend_from_slice(name.as_bytes());
        if big {
            put16(&mut header, ZIP64_EXTRA);
            put16(&mut header, 16);
            put64(&mut header, size);
            put64(&mut header, compressed);
        }
        self.out.write_all(&header)?;
        self.out.write_all(data)?;

        // The central directory record: only the values that do not fit go to ZIP64.
        let mut extra = Vec::new();
        for value in [size, compressed, self.offset] {
            if value >= MAX32 {
                put64(&mut extra, value);
            }
        }
        let fit = |value: u64| value.min(MAX32) as u32;
        let d = &mut self.directory;
        put32(d, CENTRAL_HEADER);
        put16(d, MADE_BY);
        put16(d, if extra.is_empty() { 20 } else { 45 });
        put16(d, FLAG_UTF8);
        put16(d, method.code());
        put16(d, DOS_TIME);
        put16(d, DOS_DATE);
        put32(d, crc);
        put32(d, fit(compressed));
        put32(d, fit(size));
        put16(d, name_len);
        put16(
            d,
            if extra.is_empty() {
                0
            } else {
                4 + extra.len() as u16
            },
        );
        put16(d, 0); // comment length
        put16(d, 0); // disk number
        put16(d, 0); // internal attributes
        put32(d, UNIX_FILE_MODE);
        put32(d, fit(self.offset));
        d.extend_from_slice(name.as_bytes());
        if !extra.is_empty() {
            put16(d, ZIP64_EXTRA);
            put16(d, extra.len() as u16);
            d.extend_from_slice(&extra);
        }

        self.offset += header.len() as u64 + compressed;
        self.entries += 1;
        Ok(())
    }

    /// Writes the central directory and the end records, flushes and hands back the writer.
    pub fn finish(mut self) -> io::Result<W> {
        let directory_offset = self.offset;
        let directory_size = self.directory.len() as u64;
        self.out.write_all(&self.directory)?;
        let mut end = Vec::with_capacity(56 + 20 + 22);
        if self.entries > 0xFFFF || directory_offset >= MAX32 || directory_size >= MAX32 {
            let zip64_end_offset = directory_offset + directory_size;
            put32(&mut end, ZIP64_END);
            put64(&mut end, 44); // size of the rest of this record
            put16(&mut end, MADE_BY);
            put16(&mut end, 45);
            put32(&mut end, 0); // this disk
            put32(&mut end, 0); // the directory's disk
            put64(&mut end, self.entries);
            put64(&mut end, self.entries);
            put64(&mut end, directory_size);
            put64(&mut end, directory_offset);
            put32(&mut end, ZIP64_LOCATOR);
            put32(&mut end, 0); // the ZIP64 end record's disk
            put64(&mut end, zip64_end_offset);
            put32(&mut end, 1); // disks in all
        }
        let entries = self.entries.min(0xFFFF) as u16;
        put32(&mut end, END);
        put16(&mut end, 0);
        put16(&mut end, 0);
        put16(&mut end, entries);
        put16(&mut end, entries);
        put32(&mut end, directory_size.min(MAX32) as u32);
        put32(&mut end, directory_offset.min(MAX32) as u32);
        put16(&mut end, 0); // comment length
        self.out.write_all(&end)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn put16(buf: &mut Vec<u8>, value: u16) {
    buf.extend_from_slice(&value.to_le_bytes());
}

fn put32(buf: &mut Vec<u8>, value: u32) {
    buf.extend_from_slice(&value.to_le_bytes());
}

fn put64(buf: &mut Vec<u8>, value: u64) {
    buf.extend_from_slice(&value.to_le_bytes());
}
