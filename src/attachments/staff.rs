//! Files staff attach to a message or an internal note: the reporter's photos and PDFs, and
//! the documents an office works with — Word (.docx), Excel (.xlsx) and OFD — each
//! recognised by its bytes and cleaned of who made it. A staff file keeps the name it was
//! given (who sent it is no secret inside the office), cleaned of any folder and of control
//! and direction characters, with an extension that says what the bytes are.
//!
//! Word and Excel 97–2003 files (.doc, .xls, and WPS's .wps and .et) are refused: their
//! metadata sits in a binary container no cleaner here can rewrite, and they may hold macros;
//! the message asks for .docx or .xlsx, which every office suite saves.

use super::{FileProblem, MAX_FILE_BYTES, MAX_FILES, NewAttachment, documents, sniff};

/// The first bytes of an OLE compound file (Office 97–2003, WPS, or a password-protected
/// .docx/.xlsx, which Office wraps in one).
const COMPOUND_FILE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Longest name kept before its extension, in characters.
const MAX_STEM_CHARS: usize = 100;

/// Extensions a name may end with that say what a file is (and are replaced when the bytes
/// say otherwise).
const KNOWN_EXTENSIONS: [&str; 20] = [
    "pdf", "doc", "docx", "docm", "dotx", "xls", "xlsx", "xlsm", "wps", "et", "ofd", "jpg", "jpeg",
    "png", "webp", "gif", "bmp", "heic", "tif", "tiff",
];

/// Checks and cleans every staff file, in order; `files` are (name as given, bytes).
/// CPU-heavy: call from a pool thread.
pub fn prepare_staff_all(files: Vec<(String, Vec<u8>)>) -> Result<Vec<NewAttachment>, FileProblem> {
    if files.len() > MAX_FILES {
        return Err(FileProblem::TooMany);
    }
    files
        .into_iter()
        .enumerate()
        .map(|(i, (name, bytes))| prepare_staff(i + 1, &name, bytes))
        .collect()
}

/// Checks and cleans one staff file named `name` (the `index`th of its form).
pub fn prepare_staff(
    index: usize,
    name: &str,
    bytes: Vec<u8>,
) -> Result<NewAttachment, FileProblem> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileProblem::TooLarge);
    }
    let (data, content_type, extensions): (Vec<u8>, &str, &[&str]) = if bytes.starts_with(b"PK") {
        let (kind, data) = documents::prepare(bytes).map_err(|p| match p {
            FileProblem::NotAllowed => FileProblem::NotAllowedForStaff,
            other => other,
        })?;
        let extensions: &[&str] = match kind {
            documents::Document::Word => &["docx"],
            documents::Document::Excel => &["xlsx"],
            documents::Document::Ofd => &["ofd"],
        };
        (data, kind.content_type(), extensions)
    } else if bytes.starts_with(&COMPOUND_FILE) {
        return Err(FileProblem::LegacyOffice);
    } else {
        let kind = sniff(&bytes).ok_or(FileProblem::NotAllowedForStaff)?;
        let (data, content_type, ext) = super::clean(kind, bytes)?;
        let extensions: &[&str] = match ext {
            "jpg" => &["jpg", "jpeg"],
            "png" => &["png"],
            _ => &["pdf"],
        };
        (data, content_type, extensions)
    };
    Ok(NewAttachment {
        filename: staff_name(name, index, extensions),
        content_type: content_type.to_string(),
        data,
    })
}

/// A character that must not reach a stored name: controls, and the invisible characters
/// that reorder or hide text (`报告\u{202E}fdp.exe` shows as `报告exe.pdf`).
fn unwanted(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}')
}

/// The name a staff file is stored under: the last segment of `raw` (a browser may send a
/// whole Windows path), without control or direction characters, characters Windows cannot
/// save (`<>:"|?*` become `_`) or leading dots, at most [`MAX_STEM_CHARS`] characters before
/// an extension that is one of `extensions` (the first is added, or replaces a known one
/// that says otherwise). No name at all becomes `attachment-{index}`.
pub fn staff_name(raw: &str, index: usize, extensions: &[&str]) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !unwanted(*c))
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            other => other,
        })
        .collect();
    let name = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .trim();
    let (stem, given) = match name.rsplit_once('.') {
        Some((stem, ext))
            if !stem.trim().is_empty()
                && KNOWN_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) =>
        {
            (stem.trim_end(), Some(ext))
        }
        _ => (name, None),
    };
    let stem: String = if stem.is_empty() {
        format!("attachment-{index}")
    } else {
        stem.chars().take(MAX_STEM_CHARS).collect()
    };
    let default = extensions.first().copied().unwrap_or("bin");
    match given {
        Some(ext) if extensions.contains(&ext.to_ascii_lowercase().as_str()) => {
            format!("{stem}.{ext}")
        }
        _ => format!("{stem}.{default}"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::documents::tests::docx;
    use super::*;

    #[test]
    fn a_staff_file_keeps_its_own_name_without_its_folder_or_hidden_characters() {
        assert_eq!(staff_name("谈话记录.pdf", 1, &["pdf"]), "谈话记录.pdf");
        assert_eq!(
            staff_name(
                r"C:\Users\wangxm\Desktop\谈话记录（第二次）.docx",
                1,
                &["docx"]
            ),
            "谈话记录（第二次）.docx"
        );
        assert_eq!(staff_name("../../etc/passwd", 2, &["pdf"]), "passwd.pdf");
        assert_eq!(
            staff_name("报告\u{202E}fdp.exe\u{0007}", 1, &["pdf"]),
            "报告fdp.exe.pdf"
        );
        assert_eq!(staff_name("a<b>:c?.PDF", 1, &["pdf"]), "a_b__c_.PDF");
        assert_eq!(staff_name("", 3, &["xlsx"]), "attachment-3.xlsx");
        assert_eq!(staff_name("...", 4, &["ofd"]), "attachment-4.ofd");
        assert_eq!(staff_name(".docx", 4, &["docx"]), "docx.docx");
    }

    #[test]
    fn a_name_whose_extension_says_otherwise_gets_the_extension_of_the_bytes() {
        // A WebP is stored as PNG; a Word file named .pdf would open in the wrong program.
        assert_eq!(staff_name("现场照片.webp", 1, &["png"]), "现场照片.png");
        assert_eq!(staff_name("台账.pdf", 1, &["docx"]), "台账.docx");
        assert_eq!(
            staff_name("2026.12.07 笔录", 1, &["docx"]),
            "2026.12.07 笔录.docx"
        );
        assert_eq!(staff_name("IMG_1.JPEG", 1, &["jpg", "jpeg"]), "IMG_1.JPEG");
        let long = "长".repeat(300);
        let name = staff_name(&format!("{long}.pdf"), 1, &["pdf"]);
        assert_eq!(name.chars().count(), MAX_STEM_CHARS + 4);
        assert!(name.ends_with(".pdf"));
    }

    #[test]
    fn a_word_document_is_stored_cleaned_under_its_name_and_an_old_doc_is_refused() {
        let file = prepare_staff(1, "谈话记录.docx", docx()).expect("accepted");
        assert_eq!(file.filename, "谈话记录.docx");
        assert_eq!(
            file.content_type,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        let mut stored = super::super::archive::open(&file.data).expect("a ZIP");
        let core = stored.read("docProps/core.xml", 1 << 20).expect("reads");
        let core = String::from_utf8(core.expect("present")).expect("utf-8");
        assert!(!core.contains("王小明"), "{core}");
        let mut doc = COMPOUND_FILE.to_vec();
        doc.extend_from_slice(&[0; 504]);
        assert_eq!(
            prepare_staff(1, "旧文件.doc", doc).map(|f| f.filename),
            Err(FileProblem::LegacyOffice)
        );
        assert_eq!(
            prepare_staff(1, "程序.exe", b"MZ\x90\0".to_vec()).map(|f| f.filename),
            Err(FileProblem::NotAllowedForStaff)
        );
        let pdf = prepare_staff(2, "谈话记录.pdf", b"%PDF-1.4\n%%EOF\n".to_vec()).expect("pdf");
        assert_eq!(
            (pdf.filename.as_str(), pdf.content_type.as_str()),
            ("谈话记录.pdf", "application/pdf")
        );
    }
}
