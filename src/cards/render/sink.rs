//! Where face files go: a folder on disk or a ZIP archive (the print-staff download).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use super::FaceSink;
use super::zipstream::{Method, ZipStream};

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

/// Writes each face as an entry of a ZIP archive, streamed: works on a file or a socket alike.
/// Call [`ZipSink::finish`] at the end.
pub struct ZipSink<W: Write> {
    zip: ZipStream<W>,
}

impl<W: Write> ZipSink<W> {
    /// A sink writing a new archive into `out`.
    pub fn new(out: W) -> Self {
        Self {
            zip: ZipStream::new(out),
        }
    }

    /// Writes the archive's directory, flushes and hands back the writer.
    pub fn finish(self) -> anyhow::Result<W> {
        self.zip.finish().context("finishing the ZIP archive")
    }
}

impl<W: Write> FaceSink for ZipSink<W> {
    fn put(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        // PNG is already compressed; deflating it again only costs time. SVG deflates well.
        let method = if name.ends_with(".png") {
            Method::Stored
        } else {
            Method::Deflated
        };
        self.zip
            .add(safe_name(name)?, bytes, method)
            .context("writing to the ZIP archive")
    }
}

/// File names come from card serials: refuse anything that could leave the folder or archive.
/// Relative, `/`-separated components of letters, digits, `-`, `_` and `.`, none empty or
/// starting with `.`.
pub fn safe_name(name: &str) -> anyhow::Result<&str> {
    let ok = name.split('/').all(|part| {
        !part.is_empty()
            && !part.starts_with('.')
            && part
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    });
    anyhow::ensure!(ok, "{name:?} is not a safe file name");
    Ok(name)
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::process::Command;

    use super::*;

    /// Reads `zip` with Python's `zipfile` (and Info-ZIP `unzip -t`): `testzip()` (every CRC checked) must find nothing
    /// wrong; returns one line per entry, `name method size sha256-of-contents`.
    fn python_lists(zip: &[u8], test: &str) -> Vec<String> {
        let path =
            std::env::temp_dir().join(format!("jianduka-zip-{}-{test}.zip", std::process::id()));
        std::fs::write(&path, zip).expect("scratch archive");
        let script = "import hashlib, sys, zipfile\n\
            z = zipfile.ZipFile(sys.argv[1])\n\
            assert z.testzip() is None\n\
            for i in z.infolist():\n\
            \x20   data = z.read(i)\n\
            \x20   print(i.filename, i.compress_type, len(data), hashlib.sha256(data).hexdigest())\n";
        let out = Command::new("python3")
            .args(["-c", script])
            .arg(&path)
            .output()
            .expect("python3 runs");
        // Info-ZIP's `unzip -t` checks every entry too, where it is installed.
        let unzip = Command::new("unzip").arg("-tq").arg(&path).output();
        let _ = std::fs::remove_file(&path);
        match unzip {
            Ok(unzip) => assert!(
                unzip.status.success(),
                "unzip refused the archive: {}",
                String::from_utf8_lossy(&unzip.stdout)
            ),
            Err(e) => eprintln!("unzip not run ({e}); Python's zipfile only"),
        }
        assert!(
            out.status.success(),
            "python3 zipfile refused the archive: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("UTF-8")
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn line(name: &str, method: u16, data: &[u8]) -> String {
        use sha2::Digest;
        let hash = sha2::Sha256::digest(data);
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        format!("{name} {method} {} {hex}", data.len())
    }

    fn faces() -> Vec<(&'static str, Vec<u8>)> {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\">监督卡 ".repeat(200);
        let png: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
        vec![
            ("ZJ2026-000001-front.svg", svg.into_bytes()),
            ("ZJ2026-000001-back.png", png),
            ("监督卡-000002-front.svg", Vec::new()),
            ("C0001-00001/front.png", b"\x89PNG".to_vec()),
        ]
    }

    #[test]
    fn a_zip_written_without_seeking_reads_back_in_python_and_the_zip_crate() {
        let mut sink = ZipSink::new(Vec::new());
        for (name, data) in faces() {
            sink.put(name, &data).expect("put");
        }
        let zip = sink.finish().expect("finish");

        let expected: Vec<String> = faces()
            .iter()
            .map(|(name, data)| line(name, if name.ends_with(".png") { 0 } else { 8 }, data))
            .collect();
        assert_eq!(python_lists(&zip, "small"), expected);

        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("readable");
        assert_eq!(archive.len(), faces().len());
        for (i, (name, data)) in faces().into_iter().enumerate() {
            let mut file = archive.by_index(i).expect("entry");
            assert_eq!(file.name(), name);
            let method = if name.ends_with(".png") {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            };
            assert_eq!(file.compression(), method);
            let mut read = Vec::new();
            file.read_to_end(&mut read).expect("contents");
            assert_eq!(read, data, "{name}");
        }
    }

    #[test]
    fn more_than_65535_entries_make_a_zip64_archive_that_reads_back() {
        const ENTRIES: usize = 65_600;
        let name = |i: usize| format!("ZJ2026-{i:06}-front.png");
        let mut sink = ZipSink::new(Vec::new());
        for i in 0..ENTRIES {
            sink.put(&name(i), &i.to_le_bytes()).expect("put");
        }
        let zip = sink.finish().expect("finish");
        // The ZIP64 end record and its locator precede the classic one.
        let locator = zip.len() - 22 - 20;
        assert_eq!(zip[locator..locator + 4], [0x50, 0x4b, 0x06, 0x07]);

        let listed = python_lists(&zip, "zip64");
        assert_eq!(listed.len(), ENTRIES);
        for i in [0, 1, 65_535, 65_536, ENTRIES - 1] {
            assert_eq!(listed[i], line(&name(i), 0, &i.to_le_bytes()));
        }

        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("readable");
        assert_eq!(archive.len(), ENTRIES);
        let mut last = archive.by_index(ENTRIES - 1).expect("last entry");
        let mut read = Vec::new();
        last.read_to_end(&mut read).expect("contents");
        assert_eq!(read, (ENTRIES - 1).to_le_bytes());
    }

    #[test]
    fn face_names_cannot_leave_their_folder() {
        for bad in [
            "../x.png",
            "/etc/x.png",
            "a\\b.png",
            ".hidden.png",
            "a//b.png",
            "",
        ] {
            assert!(safe_name(bad).is_err(), "{bad:?}");
        }
        assert!(safe_name("C0001-00001/front.png").is_ok());
        assert!(safe_name("C0001-00001-front.png").is_ok());
        let mut sink = ZipSink::new(Vec::new());
        assert!(sink.put("../x.png", b"x").is_err());
    }
}
