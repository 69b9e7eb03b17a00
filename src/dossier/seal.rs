//! What a dossier carries to be checked later: the case, its audit rows (id and chain hash),
//! the chain head at export, its files' SHA-256 and how much the case held — and the
//! fingerprint, a short SHA-256 over all of it. The seal is written into the PDF twice: as
//! text on its pages (the hash list, the fingerprint on every page, a QR code of it on the
//! cover) and as a small embedded text file that [`Seal::find`] reads back from the PDF's
//! bytes. The fingerprint is an unkeyed hash, so anyone can recompute it from the printed
//! list; whether the list matches the live audit chain only the server can say.

use chrono::{DateTime, Utc};

/// The first and last lines of the embedded block.
const BEGIN: &str = "%JIANDUKA-DOSSIER-1";
const END: &str = "%END-JIANDUKA-DOSSIER";
/// The name of the embedded file in the PDF.
pub const FILE_NAME: &str = "jianduka-dossier-seal.txt";

/// How much the case held at export: newer entries mean it changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub events: u64,
    pub messages: u64,
    pub notes: u64,
    pub files: u64,
}

/// The verification data of one dossier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seal {
    pub case_number: String,
    pub case_id: i64,
    pub exported_at: DateTime<Utc>,
    /// The newest row of the whole audit chain at export: id and hash.
    pub head: (i64, String),
    /// The case's audit rows at export, oldest first: id and hash.
    pub rows: Vec<(i64, String)>,
    /// The case's files: id and SHA-256 of the stored bytes.
    pub files: Vec<(i64, String)>,
    pub counts: Counts,
}

/// Why a seal could not be read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SealProblem {
    /// The bytes hold no seal at all: not a dossier (or one re-saved by a program that
    /// compressed its embedded file).
    NotFound,
    /// The seal is there but its lines do not give its fingerprint: it was altered.
    Altered { stated: String, computed: String },
    /// The fingerprint holds but a line does not parse (cannot happen to a seal this
    /// program wrote).
    Damaged(String),
}

impl Seal {
    /// The lines the fingerprint covers, each ending in a newline.
    fn body(&self) -> String {
        let mut out = String::with_capacity(80 * (self.rows.len() + self.files.len() + 8));
        out.push_str(&format!("case {}\n", self.case_number));
        out.push_str(&format!("case-id {}\n", self.case_id));
        out.push_str(&format!(
            "exported {}\n",
            self.exported_at.format("%Y-%m-%dT%H:%M:%S%.6fZ")
        ));
        out.push_str(&format!("head {} {}\n", self.head.0, self.head.1));
        for (id, hash) in &self.rows {
            out.push_str(&format!("row {id} {hash}\n"));
        }
        for (id, sha) in &self.files {
            out.push_str(&format!("file {id} {sha}\n"));
        }
        let c = self.counts;
        out.push_str(&format!(
            "content events={} messages={} notes={} files={}\n",
            c.events, c.messages, c.notes, c.files
        ));
        out
    }

    /// The fingerprint: the first 64 bits of the SHA-256 of the seal's lines, as four groups
    /// of four hex digits (`3F2A-9C1B-77D0-12E4`): short enough to read aloud.
    pub fn fingerprint(&self) -> String {
        fingerprint_of(&self.body())
    }

    /// The embedded block: the lines, then the fingerprint.
    pub fn to_block(&self) -> String {
        format!(
            "{BEGIN}\n{}fingerprint {}\n{END}\n",
            self.body(),
            self.fingerprint()
        )
    }

    /// Finds the seal in a dossier's bytes and checks its fingerprint.
    pub fn find(pdf: &[u8]) -> Result<Seal, SealProblem> {
        let start = find_bytes(pdf, BEGIN.as_bytes()).ok_or(SealProblem::NotFound)?;
        let rest = &pdf[start + BEGIN.len()..];
        let end = find_bytes(rest, END.as_bytes()).ok_or(SealProblem::NotFound)?;
        let block = String::from_utf8_lossy(&rest[..end]);
        let mut body = String::new();
        let mut stated = None;
        for line in block.lines().filter(|l| !l.is_empty()) {
            match line.strip_prefix("fingerprint ") {
                Some(fp) => stated = Some(fp.trim().to_string()),
                None => {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
        let computed = fingerprint_of(&body);
        let stated = stated.unwrap_or_default();
        if stated != computed {
            return Err(SealProblem::Altered { stated, computed });
        }
        parse(&body).map_err(SealProblem::Damaged)
    }
}

fn fingerprint_of(body: &str) -> String {
    let hex = crate::crypto::sha256_hex(body.as_bytes()).to_ascii_uppercase();
    let short = &hex[..16.min(hex.len())];
    short
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse(body: &str) -> Result<Seal, String> {
    let mut case_number = None;
    let mut case_id = None;
    let mut exported_at = None;
    let mut head = None;
    let mut rows = Vec::new();
    let mut files = Vec::new();
    let mut counts = None;
    for line in body.lines() {
        let bad = || format!("unreadable line: {line}");
        let (word, rest) = line.split_once(' ').ok_or_else(bad)?;
        let pair = || -> Result<(i64, String), String> {
            let (id, hash) = rest.split_once(' ').ok_or_else(bad)?;
            let id = id.parse::<i64>().map_err(|_| bad())?;
            if hash.is_empty() || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(bad());
            }
            Ok((id, hash.to_string()))
        };
        match word {
            "case" => case_number = Some(rest.to_string()),
            "case-id" => case_id = Some(rest.parse::<i64>().map_err(|_| bad())?),
            "exported" => {
                exported_at = Some(
                    DateTime::parse_from_rfc3339(rest)
                        .map_err(|_| bad())?
                        .with_timezone(&Utc),
                )
            }
            "head" => head = Some(pair()?),
            "row" => rows.push(pair()?),
            "file" => files.push(pair()?),
            "content" => counts = Some(parse_counts(rest).ok_or_else(bad)?),
            _ => return Err(bad()),
        }
    }
    let missing = |what: &str| format!("the seal has no {what}");
    Ok(Seal {
        case_number: case_number.ok_or_else(|| missing("case number"))?,
        case_id: case_id.ok_or_else(|| missing("case id"))?,
        exported_at: exported_at.ok_or_else(|| missing("export time"))?,
        head: head.ok_or_else(|| missing("chain head"))?,
        rows,
        files,
        counts: counts.ok_or_else(|| missing("content counts"))?,
    })
}

fn parse_counts(text: &str) -> Option<Counts> {
    let mut counts = Counts::default();
    for part in text.split(' ') {
        let (name, n) = part.split_once('=')?;
        let n = n.parse::<u64>().ok()?;
        match name {
            "events" => counts.events = n,
            "messages" => counts.messages = n,
            "notes" => counts.notes = n,
            "files" => counts.files = n,
            _ => return None,
        }
    }
    Some(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal() -> Seal {
        Seal {
            case_number: "JD2026-000001".into(),
            case_id: 1,
            exported_at: DateTime::from_timestamp_micros(1_800_000_000_123_456).expect("time"),
            head: (9, "ab".repeat(32)),
            rows: vec![(3, "cd".repeat(32)), (9, "ab".repeat(32))],
            files: vec![(1, "ef".repeat(32))],
            counts: Counts {
                events: 4,
                messages: 2,
                notes: 1,
                files: 1,
            },
        }
    }

    fn in_a_pdf(block: &str) -> Vec<u8> {
        format!("%PDF-1.7\n1 0 obj\n<< /Length 9 >>\nstream\n{block}endstream\nendobj\n")
            .into_bytes()
    }

    #[test]
    fn a_seal_reads_back_from_the_bytes_of_a_pdf_as_it_was_written() {
        let seal = seal();
        assert_eq!(Seal::find(&in_a_pdf(&seal.to_block())), Ok(seal.clone()));
        let fp = seal.fingerprint();
        assert_eq!(fp.len(), 19);
        assert_eq!(fp.matches('-').count(), 3);
    }

    #[test]
    fn one_changed_character_of_the_hash_list_changes_the_fingerprint() {
        let block = seal().to_block().replacen("row 3 cdcd", "row 3 cdce", 1);
        assert!(matches!(
            Seal::find(&in_a_pdf(&block)),
            Err(SealProblem::Altered { .. })
        ));
        let block = seal().to_block().replacen("row 3 ", "row 4 ", 1);
        assert!(matches!(
            Seal::find(&in_a_pdf(&block)),
            Err(SealProblem::Altered { .. })
        ));
    }

    #[test]
    fn bytes_without_a_seal_are_not_a_dossier() {
        assert_eq!(
            Seal::find(b"%PDF-1.7\nnothing here"),
            Err(SealProblem::NotFound)
        );
    }
}
